// Which endpoints each DeepPacketInspection selects, and which resources select each endpoint, kept up to
// date as pods, namespaces and resources come and go. Pure: no I/O, no clock.
//
// Consumes: upserts/removals of PodInfo, NamespaceInfo and DpiResource (from informers or manifest files).
// Emits:    endpoints, both directions of the selection relation, and per-resource errors (bad or empty
//           selectors), each in a stable sorted order.
// Guarantees: after any sequence of calls the state equals a from-scratch evaluation of the current
//           objects (the tests check this against brute force). A change touches only its namespace,
//           because a resource selects only endpoints in its own namespace: a pod change re-evaluates the
//           resources of that namespace, a resource change the endpoints of that namespace, a namespace
//           label change the endpoints and resources of that namespace. Every mutator returns whether
//           anything observable changed, and `version` counts those changes, so a level-triggered
//           reconciler can mark itself dirty cheaply.
// Reads are cached, so a reconcile pass that asks for everything after one pod change costs O(n), not
// O(n log n) plus a sort per endpoint: the entries are kept in key order as they come and go (binary
// insertion), each entry's sorted selectedBy / selected array is rebuilt only when its set changed, and the
// whole-index lists (endpoints, selected endpoints, resource errors) are rebuilt, without sorting, only when
// `version` moved. Every array returned is frozen and shared between calls until it is stale, so callers
// may compare them by identity (computeDesiredSet does) and must copy before changing them.
// fromSnapshot evaluates every pair once, endpoint-major in key order, so it builds each set in one go and
// gets the sorted arrays without sorting.
import { endpointLabels, isEndpointPod, podToEndpoint } from './endpoints.js';
import type { Selector } from './selector/parse-selector.js';
import { compileResourceSelector } from './selector/resource-selector.js';
import type { DpiResource, Endpoint, EndpointKey, Labels, NamespaceInfo, PodInfo, ResourceKey, Snapshot } from './types.js';
import { endpointKey, resourceKey } from './types.js';
import { errorMessageOf } from '../platform/errors.js';

interface EndpointEntry {
  key: EndpointKey;
  pod: PodInfo;
  endpoint: Endpoint;
  selectedBy: Set<ResourceKey>;
  /** `selectedBy` sorted; undefined when stale. */
  selectedByList: readonly ResourceKey[] | undefined;
}

interface ResourceEntry {
  key: ResourceKey;
  resource: DpiResource;
  /** Undefined when the selector is empty or does not parse; then `error` says why and nothing is selected. */
  selector: Selector | undefined;
  error: string | undefined;
  selected: Set<EndpointKey>;
  /** `selected` sorted; undefined when stale. */
  selectedList: readonly EndpointKey[] | undefined;
}

/** A list derived from the whole index, valid while `version` has not moved. */
interface Cached<T> {
  version: number;
  value: T;
}

export class SelectionIndex {
  readonly node: string | undefined;
  private changes = 0;
  private readonly endpointsByKey = new Map<EndpointKey, EndpointEntry>();
  private readonly endpointsByNamespace = new Map<string, Map<EndpointKey, EndpointEntry>>();
  private readonly resourcesByKey = new Map<ResourceKey, ResourceEntry>();
  private readonly resourcesByNamespace = new Map<string, Map<ResourceKey, ResourceEntry>>();
  private readonly namespaces = new Map<string, NamespaceInfo>();
  /** Every endpoint entry in key order, kept sorted by binary insertion and removal. */
  private readonly ordered: EndpointEntry[] = [];
  /** Resource keys in order; undefined when a resource came or went. */
  private orderedResources: readonly ResourceKey[] | undefined;
  private endpointsCache: Cached<readonly Endpoint[]> | undefined;
  private selectedCache: Cached<readonly Endpoint[]> | undefined;
  private errorsCache: Cached<ReadonlyMap<ResourceKey, string>> | undefined;
  /** While fromSnapshot registers resources: evaluation is left to evaluateAll. */
  private bulk = false;

  /** `node` undefined: every pod counts as local (standalone mode without --node). */
  constructor(node: string | undefined) {
    this.node = node;
  }

  static fromSnapshot(snapshot: Snapshot): SelectionIndex {
    const index = new SelectionIndex(snapshot.node);
    // Namespaces first so endpoints get their inherited labels once; resources last, registered without
    // evaluation, then every pair evaluated once in bulk.
    for (const ns of snapshot.namespaces) index.upsertNamespace(ns);
    for (const pod of snapshot.pods) index.upsertPod(pod);
    index.bulk = true;
    for (const r of snapshot.resources) index.upsertResource(r);
    index.bulk = false;
    index.evaluateAll();
    return index;
  }

  /** Bumped by every mutation that changed something observable. */
  get version(): number {
    return this.changes;
  }

  upsertPod(pod: PodInfo): boolean {
    const key = endpointKey(pod);
    if (!isEndpointPod(pod, this.node)) return this.removePod(pod);
    const endpoint = podToEndpoint(pod, this.namespaces.get(pod.namespace));
    const existing = this.endpointsByKey.get(key);
    if (existing === undefined) {
      const entry: EndpointEntry = { key, pod, endpoint, selectedBy: new Set(), selectedByList: EMPTY };
      this.endpointsByKey.set(key, entry);
      this.ordered.splice(lowerBound(this.ordered, key), 0, entry);
      bucket(this.endpointsByNamespace, pod.namespace).set(key, entry);
      this.evaluateEndpoint(entry);
      return this.changed(true);
    }
    existing.pod = pod;
    if (endpointsEqual(existing.endpoint, endpoint)) return false;
    const relabelled = !recordsEqual(existing.endpoint.labels, endpoint.labels);
    existing.endpoint = endpoint;
    if (relabelled) this.evaluateEndpoint(existing);
    return this.changed(true);
  }

  removePod(ref: { namespace: string; name: string }): boolean {
    const key = endpointKey(ref);
    const entry = this.endpointsByKey.get(key);
    if (entry === undefined) return false;
    this.endpointsByKey.delete(key);
    unbucket(this.endpointsByNamespace, ref.namespace, key);
    this.ordered.splice(lowerBound(this.ordered, key), 1);
    for (const rk of entry.selectedBy) {
      const r = this.resourcesByKey.get(rk);
      if (r === undefined) continue;
      r.selected.delete(key);
      r.selectedList = undefined;
    }
    return this.changed(true);
  }

  upsertNamespace(ns: NamespaceInfo): boolean {
    const previous = this.namespaces.get(ns.name);
    this.namespaces.set(ns.name, ns);
    if (previous !== undefined && recordsEqual(previous.labels, ns.labels)) return false;
    return this.relabelNamespace(ns.name);
  }

  removeNamespace(name: string): boolean {
    if (!this.namespaces.delete(name)) return false;
    return this.relabelNamespace(name);
  }

  upsertResource(resource: DpiResource): boolean {
    const key = resourceKey(resource);
    const existing = this.resourcesByKey.get(key);
    if (existing !== undefined && existing.resource.selector === resource.selector) {
      // Same selector text, same selection; only the object (uid, generation) is refreshed.
      const same = existing.resource.uid === resource.uid && existing.resource.generation === resource.generation;
      existing.resource = resource;
      return same ? false : this.changed(true);
    }
    let selector: Selector | undefined;
    let error: string | undefined;
    try {
      selector = compileResourceSelector(resource);
    } catch (err) {
      error = errorMessageOf(err);
    }
    const entry: ResourceEntry = existing ?? { key, resource, selector, error, selected: new Set(), selectedList: EMPTY };
    entry.resource = resource;
    entry.selector = selector;
    entry.error = error;
    if (existing === undefined) {
      this.resourcesByKey.set(key, entry);
      bucket(this.resourcesByNamespace, resource.namespace).set(key, entry);
      this.orderedResources = undefined;
    }
    if (!this.bulk) this.evaluateResource(entry);
    return this.changed(true);
  }

  removeResource(ref: { namespace: string; name: string }): boolean {
    const key = resourceKey(ref);
    const entry = this.resourcesByKey.get(key);
    if (entry === undefined) return false;
    this.resourcesByKey.delete(key);
    unbucket(this.resourcesByNamespace, ref.namespace, key);
    this.orderedResources = undefined;
    for (const ek of entry.selected) {
      const e = this.endpointsByKey.get(ek);
      if (e === undefined) continue;
      e.selectedBy.delete(key);
      e.selectedByList = undefined;
    }
    return this.changed(true);
  }

  /** All endpoints, sorted by "ns/pod". */
  endpoints(): readonly Endpoint[] {
    if (this.endpointsCache?.version !== this.changes) {
      this.endpointsCache = { version: this.changes, value: Object.freeze(this.ordered.map((e) => e.endpoint)) };
    }
    return this.endpointsCache.value;
  }

  endpoint(key: EndpointKey): Endpoint | undefined {
    return this.endpointsByKey.get(key)?.endpoint;
  }

  /** The resources ("ns/name", sorted) that select an endpoint; [] for an unknown endpoint. */
  selectedBy(key: EndpointKey): readonly ResourceKey[] {
    const entry = this.endpointsByKey.get(key);
    if (entry === undefined) return EMPTY;
    entry.selectedByList ??= sortedFrozen(entry.selectedBy);
    return entry.selectedByList;
  }

  /** The endpoints ("ns/pod", sorted) a resource selects; [] for an unknown or invalid resource. */
  selectedEndpoints(key: ResourceKey): readonly EndpointKey[] {
    const entry = this.resourcesByKey.get(key);
    if (entry === undefined) return EMPTY;
    entry.selectedList ??= sortedFrozen(entry.selected);
    return entry.selectedList;
  }

  /** Endpoints selected by at least one resource, sorted by key. */
  selectedEndpointList(): readonly Endpoint[] {
    if (this.selectedCache?.version !== this.changes) {
      const list: Endpoint[] = [];
      for (const e of this.ordered) if (e.selectedBy.size > 0) list.push(e.endpoint);
      this.selectedCache = { version: this.changes, value: Object.freeze(list) };
    }
    return this.selectedCache.value;
  }

  /** Every known resource key, sorted. */
  resources(): readonly ResourceKey[] {
    this.orderedResources ??= sortedFrozen(this.resourcesByKey.keys());
    return this.orderedResources;
  }

  /** Resource key → why the resource selects nothing (empty or invalid selector), sorted by key. */
  resourceErrors(): ReadonlyMap<ResourceKey, string> {
    if (this.errorsCache?.version !== this.changes) {
      const out = new Map<ResourceKey, string>();
      for (const key of this.resources()) {
        const error = (this.resourcesByKey.get(key) as ResourceEntry).error;
        if (error !== undefined) out.set(key, error);
      }
      this.errorsCache = { version: this.changes, value: out };
    }
    return this.errorsCache.value;
  }

  resourceError(key: ResourceKey): string | undefined {
    return this.resourcesByKey.get(key)?.error;
  }

  /** The canonical form of a resource's selector, for status messages; undefined when it has none. */
  canonicalSelector(key: ResourceKey): string | undefined {
    return this.resourcesByKey.get(key)?.selector?.toString();
  }

  private changed(didChange: boolean): boolean {
    if (didChange) this.changes++;
    return didChange;
  }

  /** Namespace labels changed: recompute inherited labels of its endpoints and re-evaluate those that moved. */
  private relabelNamespace(name: string): boolean {
    const entries = this.endpointsByNamespace.get(name);
    if (entries === undefined) return false;
    const ns = this.namespaces.get(name);
    let any = false;
    for (const entry of entries.values()) {
      const labels: Labels = endpointLabels(entry.pod, ns);
      if (recordsEqual(labels, entry.endpoint.labels)) continue;
      entry.endpoint = { ...entry.endpoint, labels };
      this.evaluateEndpoint(entry);
      any = true;
    }
    return this.changed(any);
  }

  /**
   * Every (endpoint, resource) pair of an index whose relation is empty, endpoint-major: each endpoint's
   * matches are collected in resource-key order and each resource's in endpoint-key order, so the sets are
   * built in one go and their sorted arrays come for free (no per-pair Set insert, no sort).
   */
  private evaluateAll(): void {
    for (const [ns, bucketed] of this.resourcesByNamespace) {
      const endpoints = this.endpointsByNamespace.get(ns);
      if (endpoints === undefined) continue;
      const resources = [...bucketed.values()].filter((r) => r.selector !== undefined).sort((a, b) => compareKeys(a.key, b.key));
      const matchers = resources.map((r) => (r.selector as Selector).matches);
      const selected: EndpointKey[][] = resources.map(() => []);
      for (const e of this.ordered) {
        if (e.endpoint.namespace !== ns) continue;
        const labels = e.endpoint.labels;
        const by: ResourceKey[] = [];
        for (let i = 0; i < matchers.length; i++) {
          if (!(matchers[i] as (l: Labels) => boolean)(labels)) continue;
          by.push((resources[i] as ResourceEntry).key);
          (selected[i] as EndpointKey[]).push(e.key);
        }
        e.selectedBy = new Set(by);
        e.selectedByList = Object.freeze(by);
      }
      resources.forEach((r, i) => {
        const keys = selected[i] as EndpointKey[];
        r.selected = new Set(keys);
        r.selectedList = Object.freeze(keys);
      });
    }
  }

  private evaluateEndpoint(entry: EndpointEntry): void {
    const resources = this.resourcesByNamespace.get(entry.endpoint.namespace);
    const labels = entry.endpoint.labels;
    if (resources !== undefined) {
      for (const r of resources.values()) {
        const now = r.selector !== undefined && r.selector.matches(labels);
        if (now === entry.selectedBy.has(r.key)) continue;
        if (now) link(entry, r);
        else unlink(entry, r);
      }
    }
  }

  private evaluateResource(entry: ResourceEntry): void {
    const endpoints = this.endpointsByNamespace.get(entry.resource.namespace);
    const selector = entry.selector;
    if (endpoints === undefined) return;
    if (entry.selected.size === 0) {
      // Nothing to take back (a new resource, or one that selected nothing): only additions, no diffing.
      // This is the whole cost of a full build, so it skips the per-pair membership test.
      if (selector === undefined) return;
      const matches = selector.matches;
      for (const e of endpoints.values()) {
        if (matches(e.endpoint.labels)) link(e, entry);
      }
      return;
    }
    {
      for (const e of endpoints.values()) {
        const now = selector !== undefined && selector.matches(e.endpoint.labels);
        if (now === entry.selected.has(e.key)) continue;
        if (now) link(e, entry);
        else unlink(e, entry);
      }
    }
  }
}

const EMPTY: readonly string[] = Object.freeze([]);

// Every change to the relation goes through these two, so the sorted arrays can never go stale unnoticed.
function link(e: EndpointEntry, r: ResourceEntry): void {
  e.selectedBy.add(r.key);
  e.selectedByList = undefined;
  r.selected.add(e.key);
  r.selectedList = undefined;
}

function unlink(e: EndpointEntry, r: ResourceEntry): void {
  e.selectedBy.delete(r.key);
  e.selectedByList = undefined;
  r.selected.delete(e.key);
  r.selectedList = undefined;
}

function sortedFrozen(keys: Iterable<string>): readonly string[] {
  return Object.freeze([...keys].sort(compareKeys));
}

/** The first position in `entries` (sorted by key) whose key is not below `key`. */
function lowerBound(entries: readonly EndpointEntry[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as EndpointEntry).key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bucket<V>(map: Map<string, Map<string, V>>, ns: string): Map<string, V> {
  let b = map.get(ns);
  if (b === undefined) {
    b = new Map();
    map.set(ns, b);
  }
  return b;
}

function unbucket<V>(map: Map<string, Map<string, V>>, ns: string, key: string): void {
  const b = map.get(ns);
  if (b === undefined) return;
  b.delete(key);
  if (b.size === 0) map.delete(ns);
}

/** Plain code-unit order, so keys sort the same everywhere (no locale). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function recordsEqual(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) if (a[k] !== b[k] || !Object.hasOwn(b, k)) return false;
  return true;
}

function endpointsEqual(a: Endpoint, b: Endpoint): boolean {
  return (
    a.uid === b.uid &&
    a.ips.length === b.ips.length &&
    a.ips.every((ip, i) => ip === b.ips[i]) &&
    recordsEqual(a.labels, b.labels) &&
    recordsEqual(a.podLabels, b.podLabels)
  );
}
