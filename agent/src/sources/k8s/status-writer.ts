// Writes this node's entry of `status.nodes` on each DeepPacketInspection with server-side apply.
// Consumes: the reconciler's full map "ns/name" → this node's entry, every pass (StatusSink.write).
// Emits: PATCH application/apply-patch+yaml on <dpi>/status under field manager kube-dpi-<node>, force.
// Guarantees: status.nodes is a list-map keyed by node, so each agent owns exactly its own entry and never
// conflicts with the others; a resource is written only when its entry changed since the last successful
// write (lastUpdated alone is not a change), at most once per minIntervalMs (changes in between coalesce
// into the next write); 404 (resource deleted) is dropped; 409, 429, 5xx and transport errors retry with
// backoff; a resource missing from the map is forgotten and nothing is written for it.
import { systemClock, type Clock } from '../../platform/clock.js';
import { DPI_KIND } from '../convert.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { classifyK8sError, isRetryableK8sError } from './classify-error.js';
import type { K8sEvents } from './events.js';
import type { KubeApi } from './kube-api.js';

/** The same shape the reconciler declares in reconcile/status.ts (structural; the lead reconciles the ports). */
export interface NodeStatusEntry {
  node: string;
  active: { success: boolean; lastUpdated: string };
  errorConditions: { message: string; lastUpdated: string }[];
}

export const MAX_ERROR_CONDITIONS = 10;
export const FIELD_MANAGER_PREFIX = 'kube-dpi-';

export function fieldManagerFor(node: string): string {
  return `${FIELD_MANAGER_PREFIX}${node}`;
}

export interface StatusWriterOptions {
  api: Pick<KubeApi, 'applyDpiStatus'>;
  node: string;
  dpiApiVersion: string;
  events: K8sEvents;
  clock?: Clock;
  random?: () => number;
  /** At most one write per resource per this many ms; default 2000. */
  minIntervalMs?: number;
  backoff?: BackoffPolicy;
}

interface KeyState {
  desired: NodeStatusEntry;
  desiredSig: string;
  writtenSig: string | undefined;
  lastWriteAt: number;
  retryAt: number;
  failures: number;
}

export class StatusWriter {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly minIntervalMs: number;
  private readonly policy: BackoffPolicy;
  private readonly states = new Map<string, KeyState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wake = new AbortController();
  private idleWaiters: Array<() => void> = [];
  private inFlight = false;

  constructor(private readonly options: StatusWriterOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.minIntervalMs = options.minIntervalMs ?? 2000;
    this.policy = options.backoff ?? { initialMs: 1000, maxMs: 30_000 };
  }

  /** Records the wanted entries and returns at once; the writes happen in the background loop. */
  async write(entries: Map<string, NodeStatusEntry>): Promise<void> {
    for (const key of [...this.states.keys()]) if (!entries.has(key)) this.states.delete(key);
    for (const [key, entry] of entries) {
      const desired = normaliseEntry(entry, this.options.node);
      const sig = signatureOf(desired);
      const state = this.states.get(key);
      if (state) {
        state.desired = desired;
        state.desiredSig = sig;
      } else {
        this.states.set(key, { desired, desiredSig: sig, writtenSig: undefined, lastWriteAt: -Infinity, retryAt: -Infinity, failures: 0 });
      }
    }
    this.wake.abort();
    this.releaseIfIdle();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
    this.releaseWaiters();
  }

  /** Resources whose entry is not written yet (waiting for the rate limit, a retry, or in flight). */
  pending(): string[] {
    return [...this.states].filter(([, s]) => s.desiredSig !== s.writtenSig).map(([k]) => k).sort();
  }

  /** Resolves once every wanted entry has been written or dropped (or the writer stopped). */
  flush(): Promise<void> {
    if (!this.running || (this.pending().length === 0 && !this.inFlight)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(): Promise<void> {
    while (this.running) {
      const now = this.clock.monotonic();
      let next = Infinity;
      let dueKey: string | undefined;
      for (const [key, state] of this.states) {
        if (state.desiredSig === state.writtenSig) continue;
        const at = Math.max(state.lastWriteAt + this.minIntervalMs, state.retryAt);
        if (at <= now) {
          dueKey = key;
          break;
        }
        next = Math.min(next, at);
      }
      if (dueKey !== undefined) {
        await this.writeOne(dueKey);
        continue;
      }
      this.releaseIfIdle();
      this.wake = new AbortController();
      // Long-running loop: wait for the next due write, or for write()/stop() to wake it.
      await this.clock.sleep(next === Infinity ? 60_000 : Math.max(1, next - now), this.wake.signal);
    }
  }

  private async writeOne(key: string): Promise<void> {
    const state = this.states.get(key);
    if (!state) return;
    const [namespace, name] = splitKey(key);
    const sent = state.desired;
    const sentSig = state.desiredSig;
    const body = {
      apiVersion: this.options.dpiApiVersion,
      kind: DPI_KIND,
      metadata: { name, namespace },
      status: { nodes: [sent] },
    };
    this.inFlight = true;
    try {
      await this.options.api.applyDpiStatus(namespace, name, body, fieldManagerFor(this.options.node));
      state.writtenSig = sentSig;
      state.lastWriteAt = this.clock.monotonic();
      state.failures = 0;
      state.retryAt = -Infinity;
      this.options.events.statusWritten(key);
    } catch (err) {
      const reason = classifyK8sError(err);
      if (isRetryableK8sError(reason)) {
        const delay = backoffDelay(state.failures, this.policy, this.random);
        state.failures++;
        state.retryAt = this.clock.monotonic() + delay;
        this.options.events.statusWriteFailed(key, reason, err, delay);
      } else {
        // Deleted (404) or refused for good (400/403/422): retrying the same entry cannot help; a changed
        // entry is tried again.
        state.writtenSig = sentSig;
        state.lastWriteAt = this.clock.monotonic();
        this.options.events.statusDropped(key, reason, err);
      }
    } finally {
      this.inFlight = false;
    }
  }

  private releaseIfIdle(): void {
    if (this.pending().length === 0 && !this.inFlight) this.releaseWaiters();
  }

  private releaseWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return slash < 0 ? ['default', key] : [key.slice(0, slash), key.slice(slash + 1)];
}

function normaliseEntry(entry: NodeStatusEntry, node: string): NodeStatusEntry {
  return {
    node,
    active: { success: entry.active.success, lastUpdated: entry.active.lastUpdated },
    errorConditions: entry.errorConditions.slice(0, MAX_ERROR_CONDITIONS).map((c) => ({ message: c.message, lastUpdated: c.lastUpdated })),
  };
}

/** What counts as a change: success and the error messages, not the timestamps. */
function signatureOf(entry: NodeStatusEntry): string {
  return JSON.stringify([entry.active.success, entry.errorConditions.map((c) => c.message)]);
}
