// Typed telemetry of the reconcile stage (STYLE habit 10): fixed messages, bounded codes, counters.
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { ErrorCode } from '../platform/errors.js';
import { errorCodeOf, errorMessageOf } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { METRIC_PREFIX } from '../platform/metrics.js';

export type PlanStep = 'stop' | 'start' | 'reload';

export class ReconcileEvents {
  private readonly passes: Counter<'result'>;
  private readonly steps: Counter<'step' | 'result'>;
  private readonly errors: Counter<'code'>;
  private readonly duration: Histogram;
  private readonly inspected: Gauge;
  private readonly unplaced: Gauge;

  constructor(
    private readonly logger: Logger,
    registry?: Registry,
  ) {
    const registers = registry ? [registry] : [];
    const p = `${METRIC_PREFIX}reconcile_`;
    this.passes = new Counter({ name: `${p}passes_total`, help: 'reconcile passes by result', labelNames: ['result'], registers });
    this.steps = new Counter({ name: `${p}steps_total`, help: 'plan steps executed, by step and result', labelNames: ['step', 'result'], registers });
    this.errors = new Counter({ name: `${p}errors_total`, help: 'desired-set and plan errors (per resource) seen by passes, by code', labelNames: ['code'], registers });
    this.duration = new Histogram({ name: `${p}pass_seconds`, help: 'duration of a reconcile pass, I/O included', buckets: [0.001, 0.005, 0.02, 0.1, 0.5, 2, 10], registers });
    this.inspected = new Gauge({ name: `${p}desired_interfaces`, help: 'interfaces the desired set wants inspected', registers });
    this.unplaced = new Gauge({ name: `${p}unplaced_interfaces`, help: 'desired interfaces left out by the capacity limit', registers });
  }

  passCompleted(detail: { ms: number; desired: number; unplaced: number; stopped: number; started: number; reloaded: number; errors: Array<{ code: ErrorCode }> }): void {
    this.passes.inc({ result: 'ok' });
    this.duration.observe(detail.ms / 1000);
    this.inspected.set(detail.desired);
    this.unplaced.set(detail.unplaced);
    for (const e of detail.errors) this.errors.inc({ code: e.code });
    const changed = detail.stopped + detail.started + detail.reloaded > 0;
    const log = changed ? this.logger.info.bind(this.logger) : this.logger.debug.bind(this.logger);
    log('reconcile pass applied', { ms: Math.round(detail.ms), desired: detail.desired, unplaced: detail.unplaced, stopped: detail.stopped, started: detail.started, reloaded: detail.reloaded, errors: detail.errors.length });
  }

  passFailed(err: unknown, retryInMs: number): void {
    this.passes.inc({ result: 'failed' });
    this.logger.warn('reconcile pass failed; will retry', { code: errorCodeOf(err), detail: errorMessageOf(err), retryInMs });
  }

  stepDone(step: PlanStep, id: string): void {
    this.steps.inc({ step, result: 'ok' });
    this.logger.debug('plan step done', { step, process: id });
  }

  stepFailed(step: PlanStep, id: string, err: unknown): void {
    this.steps.inc({ step, result: 'failed' });
    this.logger.warn('plan step failed', { step, process: id, code: errorCodeOf(err), detail: errorMessageOf(err) });
  }

  waitingForSync(unsynced: readonly string[]): void {
    this.logger.debug('waiting for sources to sync before reconciling', { unsynced });
  }

  statusWriteFailed(err: unknown): void {
    this.logger.warn('status write failed; will retry on the next pass', { code: errorCodeOf(err), detail: errorMessageOf(err) });
  }
}
