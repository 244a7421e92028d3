// The alert pipeline as the composition root and `kube-dpi ingest` use it:
//   tailer (alert_json files, checkpoints) → batch handler (normalise, enrich, rate control, documents)
//   → sinks (registry: file, Elasticsearch) → acknowledgement → checkpoint.
// Consumes: AgentConfig, an EndpointDirectory (the reconciler's view), a logger, a metrics registry.
// Guarantees: every alert line is shipped to every sink exactly once across restarts (deterministic ids,
// op_type create, checkpoints only past acknowledged lines; docs/alerts.md has the argument).
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { AgentConfig } from '../config/options.js';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { createSinkEvents } from '../sinks/events.js';
import { createSinks } from '../sinks/registry.js';
import type { Sink } from '../sinks/sink.js';
import { createBatchHandler, newPipelineCounts } from './batch-handler.js';
import type { PipelineCounts } from './batch-handler.js';
import type { EndpointDirectory, InspectedEndpoint } from './endpoint-directory.js';
import { createAlertEvents } from './events.js';
import { AlertTailer } from './tailer.js';

export type PipelineConfig = Pick<
  AgentConfig,
  | 'stateDir'
  | 'sinks'
  | 'node'
  | 'alertFormat'
  | 'alertPayload'
  | 'alertPayloadMaxBytes'
  | 'alertMaxLineKb'
  | 'alertRateWindow'
  | 'alertRateBurst'
  | 'esIndex'
  | 'clusterName'
  | 'sinkBatchSize'
  | 'sinkBatchKb'
  | 'sinkFlushMs'
  | 'spoolMaxMb'
>;

export interface AlertPipelineOptions {
  config: PipelineConfig;
  directory: EndpointDirectory;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** For KUBE_DPI_ES_* secrets; process.env by default. */
  env?: Record<string, string | undefined>;
  /** Node name for documents and ids; config.node, else the host name. */
  node: string;
  /** Sinks to use instead of building them from config.sinks (tests). */
  sinks?: Sink[];
  snortVersion?: string;
  /** Ingest: exactly these files, read to their end. Agent (default): follow <stateDir>/snort. */
  files?: string[];
  pollIntervalMs?: number;
}

export interface AlertPipelineStats extends PipelineCounts {
  files: number;
  inflightLines: number;
  backlogBytes: number;
}

export interface AlertPipeline {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Drain a stopped Snort process's folder (<stateDir>/snort/<processId>), then delete it. */
  retire(dir: string): Promise<void>;
  /** Ingest: resolves when every file is read and every sink has delivered everything (spools empty). */
  done(signal?: AbortSignal): Promise<void>;
  stats(): AlertPipelineStats;
}

/** Where the Snort supervisor writes: <stateDir>/snort/<processId>/<N>_alert_json.txt. */
export function alertRoot(stateDir: string): string {
  return join(stateDir, 'snort');
}

export function createAlertPipeline(options: AlertPipelineOptions): AlertPipeline {
  const { config, logger, registry } = options;
  const clock = options.clock ?? systemClock;
  const events = createAlertEvents(logger, registry);
  const sinkEvents = createSinkEvents(logger, registry);
  const sinks = options.sinks ?? createSinks(config.sinks, { config, env: options.env ?? process.env, events: sinkEvents, clock });
  const counts = newPipelineCounts();
  const rateWindowMs = config.alertRateWindow * 1000;
  const handler = createBatchHandler({
    sinks,
    directory: rememberingDirectory(options.directory),
    node: options.node,
    normalise: { payload: config.alertPayload, maxPayloadBytes: config.alertPayloadMaxBytes, timestampZone: 'local' },
    rateControl: { windowMs: rateWindowMs, burst: config.alertRateBurst },
    document: { format: config.alertFormat, snortVersion: options.snortVersion },
    events,
    counts,
  });
  const ingest = options.files !== undefined;
  const tailer = new AlertTailer({
    ...(ingest ? { files: options.files } : { root: alertRoot(config.stateDir) }),
    follow: !ingest,
    checkpointFile: join(config.stateDir, 'checkpoints', ingest ? 'ingest.json' : 'agent.json'),
    node: options.node,
    handler,
    events,
    maxLineBytes: config.alertMaxLineKb * 1024,
    deterministicBatches: rateWindowMs > 0,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    clock,
  });
  events.lagSource(() => {
    const { backlogBytes } = tailer.stats();
    if (backlogBytes === 0 || counts.lastAckedAlertMs === undefined) return 0;
    return Math.max(0, (clock.now() - counts.lastAckedAlertMs) / 1000);
  });
  return {
    async start() {
      for (const sink of sinks) await sink.start();
      await tailer.start();
    },
    async stop() {
      await tailer.stop();
      for (const sink of sinks) await sink.stop();
    },
    retire: (dir) => tailer.retire(dir),
    async done(signal) {
      await Promise.race([tailer.idle(), abortPromise(signal)]);
      for (const sink of sinks) await sink.drain(signal);
    },
    stats() {
      const t = tailer.stats();
      return { ...counts, files: t.files, inflightLines: t.inflightLines, backlogBytes: t.backlogBytes };
    },
  };
}

function abortPromise(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * Alerts are read after they were written, sometimes after the pod is gone: remember each interface's last
 * known endpoint (bounded) so late alerts are still enriched with the pod that produced them.
 */
function rememberingDirectory(directory: EndpointDirectory, max = 4096): EndpointDirectory {
  const seen = new Map<string, InspectedEndpoint>();
  return {
    endpointForInterface(iface) {
      const found = directory.endpointForInterface(iface);
      if (found) {
        if (seen.get(iface) !== found) {
          seen.delete(iface);
          seen.set(iface, found);
          if (seen.size > max) seen.delete(seen.keys().next().value as string);
        }
        return found;
      }
      return seen.get(iface);
    },
    endpointForIp: (ip) => directory.endpointForIp(ip),
  };
}
