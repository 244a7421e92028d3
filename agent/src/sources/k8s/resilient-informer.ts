// One watched kind, kept listed and watched for as long as the agent runs. client-node's ListWatch relists on
// 410 Gone by itself, but stops for good on any other error, and its start() resolves even when the list
// failed (STYLE habit 4). So every error here ends that ListWatch and starts a fresh one after an exponential
// backoff with jitter; a fresh ListWatch always lists first. The store's source for this kind is "unsynced"
// from the moment a list is needed until one succeeded, so nothing is stopped or cleaned up on stale data.
// Consumes: a list function and a watch path. Emits: store replace on every (re)list, upsert/delete per watch
// event. Guarantees: never throws out of its loop; callbacks of a superseded ListWatch are ignored.
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { systemClock, type Clock } from '../../platform/clock.js';
import type { DpiResource, NamespaceInfo, PodInfo } from '../../model/types.js';
import { endpointKey, resourceKey } from '../../model/types.js';
import type { SourceStore, StoreKind } from '../store.js';
import { namespaceFromObject, podFromObject, resourceFromObject } from '../convert.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { classifyK8sError } from './classify-error.js';
import type { K8sEvents, WatchedKind } from './events.js';
import type { KubeList, KubeObject } from './kube-api.js';

export interface ResilientInformerOptions {
  kind: WatchedKind;
  /** Watch path, e.g. /api/v1/pods. */
  path: string;
  fieldSelector?: string;
  list: () => Promise<KubeList>;
  store: SourceStore;
  kubeConfig: KubeConfig;
  events: K8sEvents;
  clock?: Clock;
  random?: () => number;
  backoff?: BackoffPolicy;
  /** A ListWatch that lived this long before failing starts the backoff from its first step again. */
  stableAfterMs?: number;
  /** The server ends each watch after about this long (jittered up to twice), and the watch resumes. */
  watchTimeoutSeconds?: number;
}

const STORE_KIND: Record<WatchedKind, StoreKind> = { pods: 'pod', namespaces: 'namespace', resources: 'resource' };

/** Thrown into a superseded ListWatch's list so that it ends instead of opening a watch nobody reads. */
class SupersededError extends Error {}

export class ResilientInformer {
  readonly sourceId: string;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly policy: BackoffPolicy;
  private readonly stableAfterMs: number;
  private readonly watchTimeoutSeconds: number;
  private generation = 0;
  private current: ListWatch<KubernetesObject> | undefined;
  private running = false;
  private attempt = 0;
  private startedAt = 0;
  private everSynced = false;
  private abort = new AbortController();
  private syncWaiters: Array<() => void> = [];

  constructor(private readonly options: ResilientInformerOptions) {
    this.sourceId = `k8s:${options.kind}`;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.policy = options.backoff ?? DEFAULT_BACKOFF;
    this.stableAfterMs = options.stableAfterMs ?? 30_000;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    options.store.registerSource(this.sourceId);
  }

  /** Starts listing and watching; returns at once (a kind that is not served must not block the agent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.launch();
  }

  /** Resolves once a list has succeeded since start (or when stopped). */
  waitForSync(): Promise<void> {
    if (this.everSynced || !this.running) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    this.abort.abort();
    const informer = this.current;
    this.current = undefined;
    this.releaseWaiters();
    await informer?.stop();
  }

  private launch(): void {
    const gen = ++this.generation;
    const alive = (): boolean => this.running && gen === this.generation;
    const { kind, store, events } = this.options;
    const list = async (): Promise<KubeList> => {
      if (!alive()) throw new SupersededError('superseded');
      store.markUnsynced(this.sourceId);
      events.informerUnsynced(kind);
      const result = await this.options.list();
      if (!alive()) throw new SupersededError('superseded');
      const objects = this.convertAll(result.items ?? []);
      store.replace(STORE_KIND[kind], objects);
      store.markSynced(this.sourceId);
      events.informerSynced(kind, objects.length, this.everSynced);
      this.everSynced = true;
      this.releaseWaiters();
      return result;
    };
    const watch = new GuardedWatch(this.options.kubeConfig, alive, () => ({
      allowWatchBookmarks: true,
      timeoutSeconds: Math.round(this.watchTimeoutSeconds * (1 + this.random())),
    }));
    const informer = new ListWatch<KubernetesObject>(
      this.options.path,
      watch,
      list as unknown as () => Promise<{ items: KubernetesObject[] }>,
      false,
      undefined,
      this.options.fieldSelector,
    );
    const upsert = (obj: KubernetesObject): void => {
      if (alive()) this.upsert(obj as unknown as KubeObject);
    };
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', (obj) => {
      if (alive()) this.remove(obj as unknown as KubeObject);
    });
    informer.on('error', (err) => this.failed(gen, informer, err));
    this.current = informer;
    this.startedAt = this.clock.monotonic();
    informer.start().catch((err: unknown) => this.failed(gen, informer, err));
  }

  private failed(gen: number, informer: ListWatch<KubernetesObject>, err: unknown): void {
    if (!this.running || gen !== this.generation || err instanceof SupersededError) return;
    this.generation++;
    void informer.stop();
    this.options.store.markUnsynced(this.sourceId);
    if (this.clock.monotonic() - this.startedAt >= this.stableAfterMs) this.attempt = 0;
    const delay = backoffDelay(this.attempt, this.policy, this.random);
    this.attempt++;
    this.options.events.informerFailed(this.options.kind, classifyK8sError(err), err, delay);
    void this.restartAfter(delay);
  }

  private async restartAfter(delayMs: number): Promise<void> {
    const signal = this.abort.signal;
    await this.clock.sleep(delayMs, signal);
    if (!this.running || signal.aborted) return;
    this.options.events.informerRestarted(this.options.kind, this.attempt);
    this.launch();
  }

  private convertAll(items: readonly KubeObject[]): Array<PodInfo | NamespaceInfo | DpiResource> {
    const out: Array<PodInfo | NamespaceInfo | DpiResource> = [];
    for (const item of items) {
      const converted = this.convert(item);
      if (converted) out.push(converted);
    }
    return out;
  }

  private convert(obj: KubeObject): PodInfo | NamespaceInfo | DpiResource | undefined {
    try {
      switch (this.options.kind) {
        case 'pods':
          return podFromObject(obj);
        case 'namespaces':
          return namespaceFromObject(obj);
        case 'resources':
          return resourceFromObject(obj);
      }
    } catch (err) {
      this.options.events.objectSkipped(this.options.kind, err);
      return undefined;
    }
  }

  private upsert(obj: KubeObject): void {
    const converted = this.convert(obj);
    if (!converted) return;
    const { store } = this.options;
    switch (this.options.kind) {
      case 'pods':
        return store.upsert('pod', converted as PodInfo);
      case 'namespaces':
        return store.upsert('namespace', converted as NamespaceInfo);
      case 'resources':
        return store.upsert('resource', converted as DpiResource);
    }
  }

  private remove(obj: KubeObject): void {
    const converted = this.convert(obj);
    if (!converted) return;
    const key =
      this.options.kind === 'namespaces'
        ? (converted as NamespaceInfo).name
        : this.options.kind === 'pods'
          ? endpointKey(converted as PodInfo)
          : resourceKey(converted as DpiResource);
    this.options.store.delete(STORE_KIND[this.options.kind], key);
  }

  private releaseWaiters(): void {
    const waiters = this.syncWaiters;
    this.syncWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * client-node's Watch with two additions: query parameters ListWatch does not set (bookmarks keep the
 * resourceVersion fresh across reconnects; timeoutSeconds makes the server end the watch so a silently dead
 * connection cannot last forever), and a liveness guard so a watch that finishes connecting after its
 * ListWatch was superseded is closed at once and reports nothing.
 */
class GuardedWatch extends Watch {
  constructor(
    config: KubeConfig,
    private readonly alive: () => boolean,
    private readonly extraParams: () => Record<string, string | number | boolean>,
  ) {
    super(config);
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const controller = await super.watch(
      path,
      { ...this.extraParams(), ...queryParams },
      (phase, obj, watchObj) => {
        if (this.alive()) callback(phase, obj, watchObj);
      },
      (err) => {
        if (this.alive()) done(err);
      },
    );
    if (!this.alive()) controller.abort();
    return controller;
  }
}
