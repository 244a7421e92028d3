// Elects one agent with a coordination.k8s.io/v1 Lease, the way client-go's leaderelection does: the holder
// renews spec.renewTime every renewIntervalMs; the others take over once the record has not changed for the
// holder's leaseDurationSeconds, measured on their own monotonic clock from when they first saw that record
// (so clock skew between nodes does not matter); every write carries metadata.resourceVersion, so of two
// agents racing for an expired lease exactly one wins and the other gets 409. A leader that cannot renew
// within renewDeadlineMs stops acting as leader before anyone else can take over.
import { randomBytes } from 'node:crypto';
import { systemClock, type Clock } from '../../platform/clock.js';
import { classifyK8sError } from './classify-error.js';
import type { K8sEvents } from './events.js';
import { microTime, type KubeApi, type LeaseRecord } from './kube-api.js';

export const PRUNER_LEASE_NAME = 'kube-dpi-status-pruner';

export interface LeaseElectorOptions {
  api: Pick<KubeApi, 'getLease' | 'createLease' | 'replaceLease'>;
  namespace: string;
  name?: string;
  /** Default "<node>_<random>", unique per agent process. */
  identity: string;
  events: K8sEvents;
  clock?: Clock;
  leaseDurationMs?: number;
  renewIntervalMs?: number;
  renewDeadlineMs?: number;
}

export function leaseIdentityFor(node: string): string {
  return `${node}_${randomBytes(4).toString('hex')}`;
}

export class LeaseElector {
  readonly identity: string;
  private readonly clock: Clock;
  private readonly name: string;
  private readonly leaseDurationMs: number;
  private readonly renewIntervalMs: number;
  private readonly renewDeadlineMs: number;
  private observedKey = '';
  private observedAt = 0;
  private leading = false;
  private lastRenewAt = -Infinity;
  private running = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();
  private readonly listeners: Array<(leading: boolean) => void> = [];

  constructor(private readonly options: LeaseElectorOptions) {
    this.identity = options.identity;
    this.clock = options.clock ?? systemClock;
    this.name = options.name ?? PRUNER_LEASE_NAME;
    this.leaseDurationMs = options.leaseDurationMs ?? 30_000;
    this.renewIntervalMs = options.renewIntervalMs ?? 10_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? Math.round((this.leaseDurationMs * 2) / 3);
  }

  /** True while this agent holds the lease and renewed it within the renew deadline. */
  isLeader(): boolean {
    return this.leading && this.clock.monotonic() - this.lastRenewAt < this.renewDeadlineMs;
  }

  onChange(listener: (leading: boolean) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  /** Stops renewing; a leader releases the lease so another agent takes over without waiting it out. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
    if (this.leading) {
      try {
        const lease = await this.options.api.getLease(this.options.namespace, this.name);
        if (lease?.holderIdentity === this.identity) {
          const now = microTime(this.clock.now());
          await this.options.api.replaceLease(this.options.namespace, this.name, {
            ...lease, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now,
          });
        }
      } catch (err) {
        this.options.events.leaseFailed(classifyK8sError(err), err);
      }
      this.setLeading(false);
    }
  }

  /** One acquire-or-renew attempt; true when this agent holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { api, namespace } = this.options;
    const nowIso = microTime(this.clock.now());
    const lease = await api.getLease(namespace, this.name);
    const durationSeconds = Math.max(1, Math.round(this.leaseDurationMs / 1000));
    if (!lease) {
      const created = await api.createLease(namespace, this.name, {
        holderIdentity: this.identity, leaseDurationSeconds: durationSeconds, acquireTime: nowIso, renewTime: nowIso, leaseTransitions: 0,
      });
      this.observe(created);
      return true;
    }
    this.observe(lease);
    const holder = lease.holderIdentity ?? '';
    const heldFor = (lease.leaseDurationSeconds ?? durationSeconds) * 1000;
    if (holder !== '' && holder !== this.identity && this.clock.monotonic() - this.observedAt < heldFor) return false;
    const mine = holder === this.identity;
    const next: LeaseRecord = {
      holderIdentity: this.identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine && lease.acquireTime ? toMicro(lease.acquireTime) : nowIso,
      renewTime: nowIso,
      leaseTransitions: (lease.leaseTransitions ?? 0) + (mine ? 0 : 1),
    };
    if (lease.resourceVersion) next.resourceVersion = lease.resourceVersion;
    const written = await api.replaceLease(namespace, this.name, next);
    this.observe(written);
    return true;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const held = await this.tryAcquireOrRenew();
        if (held) this.lastRenewAt = this.clock.monotonic();
        this.setLeading(held);
      } catch (err) {
        const reason = classifyK8sError(err);
        // 409: another agent wrote first; not an error worth a warning, just not the leader this round.
        if (reason !== 'conflict') this.options.events.leaseFailed(reason, err);
        this.setLeading(this.isLeader());
      }
      await this.clock.sleep(this.renewIntervalMs, this.abort.signal);
    }
  }

  private observe(lease: LeaseRecord): void {
    const key = `${lease.holderIdentity ?? ''}|${lease.renewTime ?? ''}|${lease.leaseDurationSeconds ?? ''}`;
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = this.clock.monotonic();
    }
  }

  private setLeading(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.options.events.leadershipChanged(leading, this.identity);
    for (const listener of this.listeners) listener(leading);
  }
}

function toMicro(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : microTime(ms);
}
