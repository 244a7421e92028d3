// Typed telemetry for the alerts stage (STYLE habit 10): fixed messages, bounded codes, counters.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../platform/logger.js';
import { errorCodeOf, errorMessageOf } from '../platform/errors.js';
import { METRIC_PREFIX } from '../platform/metrics.js';

export interface AlertEvents {
  linesRead(n: number): void;
  linesSkipped(reason: string, n: number): void;
  alertsFolded(n: number): void;
  fileOpened(path: string, resumedAt: number): void;
  fileTruncated(path: string, offset: number, size: number): void;
  fileRemoved(path: string, reason: 'rotated' | 'retired' | 'deleted'): void;
  folderRetired(dir: string): void;
  tailerFailed(err: unknown): void;
  checkpointFailed(err: unknown): void;
  /** Provide the lag (seconds behind) on scrape. */
  lagSource(read: () => number): void;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  const full = METRIC_PREFIX + name;
  return (registry.getSingleMetric(full) as Counter<string> | undefined) ?? new Counter({ name: full, help, labelNames, registers: [registry] });
}

export function createAlertEvents(logger: Logger, registry: Registry): AlertEvents {
  const read = counter(registry, 'alert_lines_read_total', 'Alert lines read from Snort alert_json files');
  const skipped = counter(registry, 'alert_lines_skipped_total', 'Alert lines skipped (malformed, oversized...)', ['reason']);
  const folded = counter(registry, 'alerts_folded_total', 'Alerts folded into another document by the agent-side rate limit');
  const truncated = counter(registry, 'alert_files_truncated_total', 'Alert files found shorter than their checkpoint');
  const failures = counter(registry, 'alert_tailer_errors_total', 'Errors the tailer recovered from', ['code']);
  let lag: () => number = () => 0;
  const lagName = METRIC_PREFIX + 'alert_lag_seconds';
  if (!registry.getSingleMetric(lagName)) {
    new Gauge({
      name: lagName,
      help: 'Seconds the oldest unacknowledged alert is behind now (0 when caught up)',
      registers: [registry],
      collect() {
        this.set(lag());
      },
    });
  }
  let lastSkipLog = 0;
  return {
    linesRead: (n) => read.inc(n),
    linesSkipped(reason, n) {
      skipped.inc({ reason }, n);
      const now = Date.now();
      if (now - lastSkipLog > 10_000) {
        lastSkipLog = now;
        logger.warn('alert lines skipped', { code: reason === 'oversized' ? 'ALERT_LINE_OVERSIZED' : 'ALERT_LINE_MALFORMED', reason, count: n });
      }
    },
    alertsFolded: (n) => folded.inc(n),
    fileOpened: (path, resumedAt) => logger.debug('alert file opened', { path, offset: resumedAt }),
    fileTruncated(path, offset, size) {
      truncated.inc();
      logger.warn('alert file truncated; reading it again from the start', { path, offset, size });
    },
    fileRemoved: (path, reason) => logger.debug('alert file removed', { path, reason }),
    folderRetired: (dir) => logger.info('alert folder drained and removed', { dir }),
    tailerFailed(err) {
      failures.inc({ code: errorCodeOf(err) });
      logger.error('alert tailer error; continuing', { code: errorCodeOf(err), error: errorMessageOf(err) });
    },
    checkpointFailed(err) {
      failures.inc({ code: errorCodeOf(err) });
      logger.error('checkpoint write failed; retrying', { code: errorCodeOf(err), error: errorMessageOf(err) });
    },
    lagSource(fn) {
      lag = fn;
    },
  };
}
