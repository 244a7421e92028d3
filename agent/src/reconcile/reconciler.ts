// The reconcile loop (glue; STYLE habits 1-4).
// Consumes: store change callbacks and Snort health changes (both only mark dirty), the interface resolver,
//           the SnortDriver, and a StatusSink.
// Emits:    SnortDriver steps in a fixed order (stops, then starts, then reloads), this node's status entries,
//           and the current desired set for alert enrichment (endpointForInterface / endpointForIp).
// Guarantees: level-triggered — each pass computes the desired set from the current snapshot only; one pass at
//           a time, debounced; nothing runs before every source has synced (so nothing is stopped on a
//           partial view); a failed step leaves the loop dirty and it retries with exponential backoff; a
//           missing interface is re-checked periodically; the loop never dies of its own error; endpoints
//           that left the desired set stay resolvable for 10 minutes so their last alerts still enrich.
import { SelectionIndex } from '../model/selection-index.js';
import type { EndpointKey, Labels, ResourceKey } from '../model/types.js';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { SourceStore, StoreChange } from '../sources/store.js';
import type { DpiResource, NamespaceInfo, PodInfo } from '../model/types.js';
import type { Registry } from 'prom-client';
import type { DesiredError, DesiredSet, InterfaceLookup } from './desired.js';
import { computeDesiredSet } from './desired.js';
import { ReconcileEvents } from './events.js';
import type { SnortPlan } from './plan.js';
import { planChanges } from './plan.js';
import type { SnortDriver } from './ports.js';
import type { NodeStatusEntry } from './status.js';
import { computeNodeStatus } from './status.js';

/** Where status entries go: SSA on the resource (in-cluster) or a file (standalone). Declared by the consumer. */
export interface StatusSink {
  write(entries: Map<ResourceKey, NodeStatusEntry>): Promise<void>;
}

/** What the reconciler needs from interface resolution. */
export interface InterfaceResolverPort {
  resolveAll(endpoints: ReadonlyArray<{ namespace: string; pod: string; ips: readonly string[] }>): Promise<Map<EndpointKey, InterfaceLookup>>;
  exists(name: string): Promise<boolean>;
}

/** What alert enrichment gets for an interface or IP. */
export interface EnrichmentEndpoint {
  namespace: string;
  pod: string;
  interface: string;
  ips: string[];
  podLabels: Labels;
  selectedBy: ResourceKey[];
}

export interface ReconcilerOptions {
  store: SourceStore;
  driver: SnortDriver;
  resolver: InterfaceResolverPort;
  statusSink?: StatusSink;
  /** The node name written in status entries. */
  statusNode: string;
  maxInterfacesPerProcess: number;
  configHash: string;
  maxInterfaces?: number;
  capacityBasis?: string;
  /** Errors from outside the selection (malformed manifest files), shown with the plan's. */
  sourceErrors?: () => readonly DesiredError[];
  logger: Logger;
  registry?: Registry;
  events?: ReconcileEvents;
  clock?: Clock;
  debounceMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How often missing interfaces are re-checked. */
  interfaceRetryMs?: number;
  /** How long removed endpoints stay resolvable for enrichment. */
  retentionMs?: number;
}

export const ENDPOINT_RETENTION_MS = 10 * 60 * 1000;

interface Retained {
  endpoint: EnrichmentEndpoint;
  until: number;
}

export class Reconciler {
  private readonly clock: Clock;
  private readonly events: ReconcileEvents;
  private readonly index: SelectionIndex;
  private readonly pending: StoreChange[] = [];
  private dirty = true;
  private stopped = false;
  private failures = 0;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private current: DesiredSet = { endpoints: [], errors: [] };
  private lastPlanned: SnortPlan | undefined;
  private lastErrors: DesiredError[] = [];
  private status = new Map<ResourceKey, NodeStatusEntry>();
  private statusWritten = false;
  private configHash: string;
  private byInterface = new Map<string, EnrichmentEndpoint>();
  private byIp = new Map<string, EnrichmentEndpoint>();
  private readonly retainedByInterface = new Map<string, Retained>();
  private readonly retainedByIp = new Map<string, Retained>();
  private readonly passListeners: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private idleNow = false;
  private passes = 0;

  constructor(private readonly options: ReconcilerOptions) {
    this.clock = options.clock ?? systemClock;
    this.events = options.events ?? new ReconcileEvents(options.logger, options.registry);
    this.configHash = options.configHash;
    this.index = new SelectionIndex(options.store.node);
    // Seed from what the store already holds; later changes arrive through the callback.
    const snap = options.store.snapshot();
    for (const n of snap.namespaces) this.pending.push({ kind: 'namespace', key: n.name, object: n });
    for (const p of snap.pods) this.pending.push({ kind: 'pod', key: `${p.namespace}/${p.name}`, object: p });
    for (const r of snap.resources) this.pending.push({ kind: 'resource', key: `${r.namespace}/${r.name}`, object: r });
    options.store.onChange((changes) => {
      this.pending.push(...changes);
      this.markDirty();
    });
    options.driver.onHealthChanged(() => this.markDirty());
  }

  /** Starts the loop; passes run until stop(). */
  start(): void {
    if (this.loopDone) return;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loopDone;
  }

  markDirty(): void {
    this.dirty = true;
    this.wake?.();
  }

  /** Rules or override changed: kept processes are reloaded on the next pass. */
  setConfigHash(hash: string): void {
    if (hash === this.configHash) return;
    this.configHash = hash;
    this.markDirty();
  }

  desired(): DesiredSet {
    return this.current;
  }

  lastPlan(): SnortPlan | undefined {
    return this.lastPlanned;
  }

  /** Every error of the last pass: selection, interfaces, capacity, and the sources'. */
  errors(): readonly DesiredError[] {
    return this.lastErrors;
  }

  statusEntries(): ReadonlyMap<ResourceKey, NodeStatusEntry> {
    return this.status;
  }

  /** Completed passes (successful or not): tests wait on it. */
  passCount(): number {
    return this.passes;
  }

  /** Resolves once every change so far has been applied and the loop waits for the next one (tests). */
  idle(): Promise<void> {
    if (this.idleNow && !this.dirty) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  onPass(listener: () => void): void {
    this.passListeners.push(listener);
  }

  endpointForInterface(iface: string): EnrichmentEndpoint | undefined {
    return this.byInterface.get(iface) ?? this.retained(this.retainedByInterface, iface);
  }

  endpointForIp(ip: string): EnrichmentEndpoint | undefined {
    return this.byIp.get(ip) ?? this.retained(this.retainedByIp, ip);
  }

  private retained(map: Map<string, Retained>, key: string): EnrichmentEndpoint | undefined {
    const r = map.get(key);
    if (r === undefined) return undefined;
    if (r.until <= this.clock.now()) {
      map.delete(key);
      return undefined;
    }
    return r.endpoint;
  }

  private async loop(): Promise<void> {
    const debounceMs = this.options.debounceMs ?? 100;
    const signal = this.abort.signal;
    while (!this.stopped) {
      if (!this.dirty) {
        const retry = this.needsInterfaceRetry();
        this.idleNow = true;
        for (const resolve of this.idleWaiters.splice(0)) resolve();
        const timer = new AbortController();
        const onStop = (): void => timer.abort();
        signal.addEventListener('abort', onStop, { once: true });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          if (retry) void this.clock.sleep(this.options.interfaceRetryMs ?? 2000, timer.signal).then(resolve);
        });
        timer.abort();
        signal.removeEventListener('abort', onStop);
        this.wake = undefined;
        this.idleNow = false;
        if (this.stopped) break;
        this.dirty = true;
      }
      await this.clock.sleep(debounceMs, signal);
      if (this.stopped) break;
      if (!this.options.store.isSynced()) {
        this.events.waitingForSync(this.options.store.unsyncedSources());
        await this.clock.sleep(Math.max(debounceMs, 50), signal);
        continue;
      }
      this.dirty = false;
      let failure: { err: unknown } | undefined;
      try {
        await this.pass();
        this.failures = 0;
      } catch (err) {
        failure = { err };
      }
      this.passes++;
      for (const l of this.passListeners) l();
      if (failure !== undefined) {
        this.dirty = true;
        this.failures++;
        const initial = this.options.backoffInitialMs ?? 500;
        const delay = Math.min(this.options.backoffMaxMs ?? 30_000, initial * 2 ** (this.failures - 1));
        this.events.passFailed(failure.err, delay);
        await this.clock.sleep(delay, signal);
      }
    }
  }

  private needsInterfaceRetry(): boolean {
    return this.current.errors.some((e) => e.code === 'INTERFACE_MISSING' || e.code === 'INTERFACE_UNRESOLVED');
  }

  /** One pass: snapshot → selection → interfaces → desired → plan → execute → status. */
  private async pass(): Promise<void> {
    const started = this.clock.monotonic();
    this.drain();
    const selected = this.index.selectedEndpointList();
    const lookups = await this.options.resolver.resolveAll(selected);
    const desired = computeDesiredSet(this.index, lookups);
    this.publish(desired);

    const running = this.options.driver.running();
    const wanted = new Set(desired.endpoints.map((e) => e.interface));
    const exists = new Map<string, boolean>();
    for (const p of running) for (const i of p.interfaces) if (!wanted.has(i) && !exists.has(i)) exists.set(i, await this.options.resolver.exists(i));
    const plan = planChanges(desired, running, {
      maxInterfacesPerProcess: this.options.maxInterfacesPerProcess,
      configHash: this.configHash,
      ...(this.options.maxInterfaces !== undefined ? { maxInterfaces: this.options.maxInterfaces } : {}),
      ...(this.options.capacityBasis !== undefined ? { capacityBasis: this.options.capacityBasis } : {}),
      interfaceExists: (i) => exists.get(i) ?? true,
    });
    this.lastPlanned = plan;
    this.lastErrors = [...(this.options.sourceErrors?.() ?? []), ...desired.errors, ...plan.errors];

    let failed: unknown;
    // Break before make: every stop must have completed before anything starts.
    for (const id of plan.stop) {
      try {
        await this.options.driver.stop(id);
        this.events.stepDone('stop', id);
      } catch (err) {
        this.events.stepFailed('stop', id, err);
        failed ??= err;
      }
    }
    if (failed === undefined) {
      for (const spec of plan.start) {
        try {
          await this.options.driver.start(spec);
          this.events.stepDone('start', spec.id);
        } catch (err) {
          this.events.stepFailed('start', spec.id, err);
          failed ??= err;
        }
      }
      for (const id of plan.reload) {
        try {
          await this.options.driver.reload(id, this.configHash);
          this.events.stepDone('reload', id);
        } catch (err) {
          this.events.stepFailed('reload', id, err);
          failed ??= err;
        }
      }
    }

    const statusFailure = await this.writeStatus(desired, plan);
    failed ??= statusFailure;
    this.events.passCompleted({
      ms: this.clock.monotonic() - started,
      desired: wanted.size,
      unplaced: plan.unplaced.length,
      stopped: plan.stop.length,
      started: failed === undefined ? plan.start.length : 0,
      reloaded: failed === undefined ? plan.reload.length : 0,
      errors: this.lastErrors,
    });
    if (failed !== undefined) throw failed;
  }

  private drain(): void {
    const changes = this.pending.splice(0);
    for (const c of changes) {
      if (c.kind === 'namespace') {
        if (c.object) this.index.upsertNamespace(c.object as NamespaceInfo);
        else this.index.removeNamespace(c.key);
        continue;
      }
      const slash = c.key.indexOf('/');
      const ref = { namespace: c.key.slice(0, slash), name: c.key.slice(slash + 1) };
      if (c.kind === 'pod') {
        if (c.object) this.index.upsertPod(c.object as PodInfo);
        else this.index.removePod(ref);
      } else if (c.object) this.index.upsertResource(c.object as DpiResource);
      else this.index.removeResource(ref);
    }
  }

  private publish(desired: DesiredSet): void {
    const now = this.clock.now();
    const retention = this.options.retentionMs ?? ENDPOINT_RETENTION_MS;
    const byInterface = new Map<string, EnrichmentEndpoint>();
    const byIp = new Map<string, EnrichmentEndpoint>();
    for (const e of desired.endpoints) {
      const entry: EnrichmentEndpoint = { namespace: e.namespace, pod: e.pod, interface: e.interface, ips: e.ips, podLabels: e.podLabels, selectedBy: e.selectedBy };
      if (!byInterface.has(e.interface)) byInterface.set(e.interface, entry);
      for (const ip of e.ips) byIp.set(ip, entry);
    }
    for (const [iface, old] of this.byInterface) if (!byInterface.has(iface)) this.retainedByInterface.set(iface, { endpoint: old, until: now + retention });
    for (const [ip, old] of this.byIp) if (!byIp.has(ip)) this.retainedByIp.set(ip, { endpoint: old, until: now + retention });
    for (const [k, r] of this.retainedByInterface) if (r.until <= now || byInterface.has(k)) this.retainedByInterface.delete(k);
    for (const [k, r] of this.retainedByIp) if (r.until <= now || byIp.has(k)) this.retainedByIp.delete(k);
    this.byInterface = byInterface;
    this.byIp = byIp;
    this.current = desired;
  }

  /** Resolves with the write's error, if any: the pass then counts as failed and retries with backoff. */
  private async writeStatus(desired: DesiredSet, _plan: SnortPlan): Promise<unknown> {
    const next = computeNodeStatus({
      node: this.options.statusNode,
      resources: this.index.resources(),
      desired,
      // Includes the source errors: a rejected snort.lua names the resources it affects.
      errors: this.lastErrors,
      health: this.options.driver.health(),
      now: this.clock.now(),
      previous: this.status,
    });
    const changed = !this.statusWritten || next.size !== this.status.size || [...next].some(([k, v]) => this.status.get(k) !== v);
    this.status = next;
    if (!changed || this.options.statusSink === undefined) return undefined;
    try {
      await this.options.statusSink.write(next);
      this.statusWritten = true;
      return undefined;
    } catch (err) {
      this.statusWritten = false;
      this.events.statusWriteFailed(err);
      return err;
    }
  }
}
