// Typed telemetry for the sinks stage (STYLE habit 10): fixed messages, bounded codes, counters.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from '../platform/logger.js';
import { errorMessageOf } from '../platform/errors.js';
import { METRIC_PREFIX } from '../platform/metrics.js';

export interface SinkEvents {
  alertsShipped(sink: string, n: number): void;
  alertsAlreadyStored(sink: string, n: number): void;
  alertsRetried(sink: string, reason: string, n: number): void;
  alertsDropped(sink: string, reason: string, n: number): void;
  alertsSpooled(sink: string, n: number): void;
  spoolBytes(sink: string, bytes: number): void;
  spoolFull(sink: string, bytes: number): void;
  spoolRecovered(sink: string): void;
  requestFailed(sink: string, reason: string, err: unknown): void;
  templateInstalled(sink: string, name: string): void;
  templateFailed(sink: string, err: unknown): void;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter<string> {
  const full = METRIC_PREFIX + name;
  return (registry.getSingleMetric(full) as Counter<string> | undefined) ?? new Counter({ name: full, help, labelNames, registers: [registry] });
}

function gauge(registry: Registry, name: string, help: string, labelNames: string[]): Gauge<string> {
  const full = METRIC_PREFIX + name;
  return (registry.getSingleMetric(full) as Gauge<string> | undefined) ?? new Gauge({ name: full, help, labelNames, registers: [registry] });
}

export function createSinkEvents(logger: Logger, registry: Registry): SinkEvents {
  const shipped = counter(registry, 'sink_alerts_shipped_total', 'Alert documents newly stored by a sink', ['sink']);
  const already = counter(registry, 'sink_alerts_already_stored_total', 'Alert documents a sink already had (409 on create, replay guard)', ['sink']);
  const retried = counter(registry, 'sink_alerts_retried_total', 'Alert documents sent again after a retryable failure', ['sink', 'reason']);
  const dropped = counter(registry, 'sink_alerts_dropped_total', 'Alert documents permanently refused by a sink', ['sink', 'reason']);
  const spooled = counter(registry, 'sink_alerts_spooled_total', 'Alert documents written to the on-disk spool', ['sink']);
  const spool = gauge(registry, 'sink_spool_bytes', 'Bytes in the on-disk spool', ['sink']);
  const spoolFull = counter(registry, 'sink_spool_full_total', 'Times the spool reached its bound (reading pauses: backpressure)', ['sink']);
  const failures = counter(registry, 'sink_request_failures_total', 'Bulk requests that failed as a whole', ['sink', 'reason']);
  const full = new Set<string>();
  // An outage fails every request; one line per sink and reason every 10 s says as much as thousands.
  const lastLogged = new Map<string, number>();
  const throttled = (key: string): boolean => {
    const now = Date.now();
    if ((lastLogged.get(key) ?? -Infinity) > now - 10_000) return true;
    lastLogged.set(key, now);
    return false;
  };
  return {
    alertsShipped: (sink, n) => shipped.inc({ sink }, n),
    alertsAlreadyStored: (sink, n) => already.inc({ sink }, n),
    alertsRetried: (sink, reason, n) => retried.inc({ sink, reason }, n),
    alertsDropped(sink, reason, n) {
      dropped.inc({ sink, reason }, n);
      if (!throttled(`drop:${sink}:${reason}`)) logger.warn('alerts dropped by sink', { code: 'SINK_REJECTED', sink, reason, count: n });
    },
    alertsSpooled: (sink, n) => spooled.inc({ sink }, n),
    spoolBytes: (sink, bytes) => spool.set({ sink }, bytes),
    spoolFull(sink, bytes) {
      if (full.has(sink)) return;
      full.add(sink);
      spoolFull.inc({ sink });
      logger.warn('spool full: holding alerts in the alert files until the sink recovers', { code: 'SPOOL_FULL', sink, bytes });
    },
    spoolRecovered(sink) {
      if (full.delete(sink)) logger.info('spool below its bound again', { code: 'SPOOL_FULL', sink });
    },
    requestFailed(sink, reason, err) {
      failures.inc({ sink, reason });
      if (!throttled(`fail:${sink}:${reason}`)) logger.warn('sink request failed; retrying with backoff', { code: 'SINK_UNAVAILABLE', sink, reason, error: errorMessageOf(err) });
    },
    templateInstalled: (sink, name) => logger.info('index template installed', { sink, template: name }),
    templateFailed: (sink, err) => logger.warn('index template not installed; will retry', { code: 'SINK_UNAVAILABLE', sink, error: errorMessageOf(err) }),
  };
}
