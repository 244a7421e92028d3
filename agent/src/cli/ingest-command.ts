// `kube-dpi ingest <alert_json files...> --sink <uri>`: the alert pipeline over a fixed set of files, read to
// their end, exactly once across re-runs (checkpoints in --state-dir keyed by file identity). Exits when every
// sink has everything, printing a JSON summary on stdout; logs go to stderr.
import { existsSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { createAlertPipeline } from '../alerts/pipeline.js';
import { EMPTY_DIRECTORY } from '../alerts/endpoint-directory.js';
import { ConfigError, UsageError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import { createMetricsRegistry } from '../platform/metrics.js';
import type { Command } from './command.js';
import { EXIT_BAD_INPUT, EXIT_OK } from './command.js';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'ship existing alert_json files to the sinks, exactly once across re-runs',
  usage: 'ingest <alert_json file>... --sink <uri> [--state-dir DIR]',
  description: [
    'Ships existing Snort alert_json files (for example from `snort -r capture.pcap`) through the same',
    'normalise, enrich and sink path as the agent. Checkpoints in --state-dir make a re-run after an',
    'interruption send each alert exactly once. Exits when done and prints a summary as one JSON object:',
    '{"files","lines","alerts","documents","folded","skipped":{reason:n},"sinks":{sink:{"stored","alreadyStored","dropped"}}}.',
  ].join('\n'),
  positionals: { min: 1, max: Infinity, name: 'alert file' },
  async run(ctx) {
    const { config } = ctx;
    if (config.sinks.length === 0) throw new UsageError('at least one --sink <uri> is required');
    for (const file of ctx.positionals) {
      if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError(`alert file ${file} does not exist or is not a file`);
    }
    // The pipeline's live heap is small (tens of MB) but it allocates ~3 KB per line; with V8's default growth
    // factor (up to 4× the live heap after each full GC) the heap of a 1M-line ingest peaked at ~150 MB of mostly
    // garbage. A 50% growth factor halves that at no measured throughput cost (docs/alerts.md, bench/alerts).
    // The flag is read at each GC, so setting it here, in the process ingest owns, takes effect.
    setFlagsFromString('--heap-growing-percent=50');
    const logger = createLogger({ level: config.logLevel, stream: ctx.stderr });
    const registry = createMetricsRegistry({ processMetrics: false });
    const pipeline = createAlertPipeline({
      config,
      directory: EMPTY_DIRECTORY,
      logger,
      registry,
      env: ctx.env,
      node: config.node ?? hostname(),
      files: ctx.positionals,
      pollIntervalMs: 200,
    });
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await pipeline.start();
      await pipeline.done(abort.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await pipeline.stop();
    }
    const s = pipeline.stats();
    const summary = {
      files: ctx.positionals.length,
      lines: s.lines,
      alerts: s.alerts,
      documents: s.documents,
      folded: s.folded,
      skipped: s.skipped,
      sinks: s.sinks,
      complete: !abort.signal.aborted,
    };
    ctx.stdout.write(JSON.stringify(summary) + '\n');
    return abort.signal.aborted ? EXIT_BAD_INPUT : EXIT_OK;
  },
};
