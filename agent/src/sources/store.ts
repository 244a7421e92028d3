// The one store both sources feed (informers or manifest files), with identical semantics: upserts, deletes,
// and whole-kind replacement on relist. Consumers get a cheap change callback (kind + key, for incremental
// selection) and read the current snapshot; nothing here does I/O.
import type { DpiResource, NamespaceInfo, PodInfo, Snapshot } from '../model/types.js';
import { endpointKey, resourceKey } from '../model/types.js';

export type StoreKind = 'pod' | 'namespace' | 'resource';

export interface StoreChange {
  kind: StoreKind;
  /** "ns/name" for pods and resources, the name for namespaces. */
  key: string;
  /** The new object, or undefined when it was deleted. */
  object: PodInfo | NamespaceInfo | DpiResource | undefined;
}

export type StoreListener = (changes: readonly StoreChange[]) => void;

export class SourceStore {
  private readonly pods = new Map<string, PodInfo>();
  private readonly namespaces = new Map<string, NamespaceInfo>();
  private readonly resources = new Map<string, DpiResource>();
  private readonly listeners: StoreListener[] = [];
  /** Sources that must sync before anything may be stopped or cleaned up (STYLE habit 4). */
  private readonly unsynced = new Set<string>();

  constructor(readonly node: string | undefined) {}

  onChange(listener: StoreListener): void {
    this.listeners.push(listener);
  }

  /** Declares a source (e.g. "k8s:pods"); the store is synced once every declared source called markSynced. */
  registerSource(id: string): void {
    this.unsynced.add(id);
  }

  markSynced(id: string): void {
    this.unsynced.delete(id);
  }

  /** Back to unsynced, e.g. while an informer relists after a 410 or restarts after an error. */
  markUnsynced(id: string): void {
    this.unsynced.add(id);
  }

  isSynced(): boolean {
    return this.unsynced.size === 0;
  }

  unsyncedSources(): string[] {
    return [...this.unsynced].sort();
  }

  upsert(kind: 'pod', object: PodInfo): void;
  upsert(kind: 'namespace', object: NamespaceInfo): void;
  upsert(kind: 'resource', object: DpiResource): void;
  upsert(kind: StoreKind, object: PodInfo | NamespaceInfo | DpiResource): void {
    const key = keyOf(kind, object);
    const map = this.mapOf(kind) as Map<string, typeof object>;
    if (sameJson(map.get(key), object)) return;
    map.set(key, object);
    this.emit([{ kind, key, object }]);
  }

  delete(kind: StoreKind, key: string): void {
    const map = this.mapOf(kind);
    if (!map.delete(key)) return;
    this.emit([{ kind, key, object: undefined }]);
  }

  /** Replaces every object of a kind (a relist, or a manifest folder re-read); emits only the differences. */
  replace(kind: StoreKind, objects: ReadonlyArray<PodInfo | NamespaceInfo | DpiResource>): void {
    const map = this.mapOf(kind) as Map<string, PodInfo | NamespaceInfo | DpiResource>;
    const next = new Map(objects.map((o) => [keyOf(kind, o), o] as const));
    const changes: StoreChange[] = [];
    for (const key of map.keys()) if (!next.has(key)) changes.push({ kind, key, object: undefined });
    for (const [key, object] of next) if (!sameJson(map.get(key), object)) changes.push({ kind, key, object });
    if (changes.length === 0) return;
    for (const change of changes) {
      if (change.object === undefined) map.delete(change.key);
      else map.set(change.key, change.object);
    }
    this.emit(changes);
  }

  snapshot(): Snapshot {
    return {
      node: this.node,
      pods: [...this.pods.values()],
      namespaces: [...this.namespaces.values()],
      resources: [...this.resources.values()],
    };
  }

  getPod(key: string): PodInfo | undefined {
    return this.pods.get(key);
  }

  getNamespace(name: string): NamespaceInfo | undefined {
    return this.namespaces.get(name);
  }

  getResource(key: string): DpiResource | undefined {
    return this.resources.get(key);
  }

  private mapOf(kind: StoreKind): Map<string, PodInfo | NamespaceInfo | DpiResource> {
    return kind === 'pod' ? this.pods : kind === 'namespace' ? this.namespaces : this.resources;
  }

  private emit(changes: StoreChange[]): void {
    for (const listener of this.listeners) listener(changes);
  }
}

function keyOf(kind: StoreKind, object: PodInfo | NamespaceInfo | DpiResource): string {
  if (kind === 'namespace') return (object as NamespaceInfo).name;
  if (kind === 'pod') return endpointKey(object as PodInfo);
  return resourceKey(object as DpiResource);
}

function sameJson(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}
