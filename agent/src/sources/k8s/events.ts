// Typed telemetry of the Kubernetes source (STYLE habit 10): each function logs one fixed message with a
// bounded code and bumps a counter. Codes are K8sErrorReason values; `kind` is one of the watched kinds or
// the writer that failed (status, lease, prune), so label sets stay small.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.js';
import { errorMessageOf } from '../../platform/errors.js';
import { METRIC_PREFIX } from '../../platform/metrics.js';
import type { K8sErrorReason } from './classify-error.js';

export type WatchedKind = 'pods' | 'namespaces' | 'resources';
export type K8sOperation = WatchedKind | 'status' | 'lease' | 'prune';

export class K8sEvents {
  private readonly restarts: Counter<'kind'>;
  private readonly relists: Counter<'kind'>;
  private readonly errors: Counter<'kind' | 'code'>;
  private readonly synced: Gauge<'kind'>;
  private readonly statusWrites: Counter<'result'>;
  private readonly pruned: Counter;
  private readonly leader: Gauge;

  constructor(private readonly logger: Logger, registry: Registry) {
    const registers = [registry];
    this.restarts = new Counter({ name: `${METRIC_PREFIX}k8s_informer_restarts_total`, help: 'informers restarted after an error', labelNames: ['kind'], registers });
    this.relists = new Counter({ name: `${METRIC_PREFIX}k8s_relists_total`, help: 'lists after the first (410 Gone, restart)', labelNames: ['kind'], registers });
    this.errors = new Counter({ name: `${METRIC_PREFIX}k8s_errors_total`, help: 'Kubernetes API errors by operation and reason', labelNames: ['kind', 'code'], registers });
    this.synced = new Gauge({ name: `${METRIC_PREFIX}k8s_synced`, help: '1 while the kind is listed and watched', labelNames: ['kind'], registers });
    this.statusWrites = new Counter({ name: `${METRIC_PREFIX}k8s_status_writes_total`, help: 'status applies by result', labelNames: ['result'], registers });
    this.pruned = new Counter({ name: `${METRIC_PREFIX}k8s_status_entries_pruned_total`, help: 'status.nodes entries of deleted nodes removed', registers });
    this.leader = new Gauge({ name: `${METRIC_PREFIX}k8s_pruner_leader`, help: '1 while this agent holds the pruner lease', registers });
  }

  informerSynced(kind: WatchedKind, objects: number, relist: boolean): void {
    this.synced.set({ kind }, 1);
    if (relist) this.relists.inc({ kind });
    this.logger.info('kubernetes informer synced', { kind, objects, relist });
  }

  informerUnsynced(kind: WatchedKind): void {
    this.synced.set({ kind }, 0);
  }

  informerFailed(kind: WatchedKind, code: K8sErrorReason, err: unknown, retryInMs: number): void {
    this.errors.inc({ kind, code });
    this.synced.set({ kind }, 0);
    if (code === 'not_found' && kind === 'resources') {
      this.logger.error('kubernetes resource type is not served (is the DeepPacketInspection CRD installed, and the api version right?)', { kind, code, retryInMs, error: errorMessageOf(err) });
    } else {
      this.logger.warn('kubernetes informer failed', { kind, code, retryInMs, error: errorMessageOf(err) });
    }
  }

  informerRestarted(kind: WatchedKind, attempt: number): void {
    this.restarts.inc({ kind });
    this.logger.info('kubernetes informer restarted', { kind, attempt });
  }

  objectSkipped(kind: WatchedKind, err: unknown): void {
    this.errors.inc({ kind, code: 'invalid' });
    this.logger.warn('kubernetes object skipped', { kind, code: 'invalid', error: errorMessageOf(err) });
  }

  statusWritten(resource: string): void {
    this.statusWrites.inc({ result: 'written' });
    this.logger.debug('status written', { resource });
  }

  statusDropped(resource: string, code: K8sErrorReason, err: unknown): void {
    this.statusWrites.inc({ result: 'dropped' });
    this.errors.inc({ kind: 'status', code });
    const level = code === 'not_found' ? 'debug' : 'warn';
    this.logger.log(level, 'status write dropped', { resource, code, error: errorMessageOf(err) });
  }

  statusWriteFailed(resource: string, code: K8sErrorReason, err: unknown, retryInMs: number): void {
    this.statusWrites.inc({ result: 'retried' });
    this.errors.inc({ kind: 'status', code });
    this.logger.warn('status write failed, will retry', { resource, code, retryInMs, error: errorMessageOf(err) });
  }

  leaseFailed(code: K8sErrorReason, err: unknown): void {
    this.errors.inc({ kind: 'lease', code });
    this.logger.warn('pruner lease request failed', { code, error: errorMessageOf(err) });
  }

  leadershipChanged(leading: boolean, identity: string): void {
    this.leader.set(leading ? 1 : 0);
    this.logger.info(leading ? 'pruner lease acquired' : 'pruner lease lost', { identity });
  }

  entriesPruned(resource: string, node: string): void {
    this.pruned.inc();
    this.logger.info('status entry of a deleted node removed', { resource, node });
  }

  pruneFailed(code: K8sErrorReason, err: unknown): void {
    this.errors.inc({ kind: 'prune', code });
    this.logger.warn('status pruning failed', { code, error: errorMessageOf(err) });
  }
}
