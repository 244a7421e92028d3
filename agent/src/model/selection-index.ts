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
}

interface ResourceEntry {
  key: ResourceKey;
  resource: DpiResource;
  /** Undefined when the selector is empty or does not parse; then `error` says why and nothing is selected. */
  selector: Selector | undefined;
  error: string | undefined;
  selected: Set<EndpointKey>;
}

export class SelectionIndex {
  readonly node: string | undefined;
  private changes = 0;
  private readonly endpointsByKey = new Map<EndpointKey, EndpointEntry>();
  private readonly endpointsByNamespace = new Map<string, Map<EndpointKey, EndpointEntry>>();
  private readonly resourcesByKey = new Map<ResourceKey, ResourceEntry>();
  private readonly resourcesByNamespace = new Map<string, Map<ResourceKey, ResourceEntry>>();
  private readonly namespaces = new Map<string, NamespaceInfo>();

  /** `node` undefined: every pod counts as local (standalone mode without --node). */
  constructor(node: string | undefined) {
    this.node = node;
  }

  static fromSnapshot(snapshot: Snapshot): SelectionIndex {
    const index = new SelectionIndex(snapshot.node);
    // Namespaces first so endpoints get their inherited labels once; resources last so each is
    // evaluated once against the complete endpoint set.
    for (const ns of snapshot.namespaces) index.upsertNamespace(ns);
    for (const pod of snapshot.pods) index.upsertPod(pod);
    for (const r of snapshot.resources) index.upsertResource(r);
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
      const entry: EndpointEntry = { key, pod, endpoint, selectedBy: new Set() };
      this.endpointsByKey.set(key, entry);
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
    for (const rk of entry.selectedBy) this.resourcesByKey.get(rk)?.selected.delete(key);
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
    const entry: ResourceEntry = existing ?? { key, resource, selector, error, selected: new Set() };
    entry.resource = resource;
    entry.selector = selector;
    entry.error = error;
    if (existing === undefined) {
      this.resourcesByKey.set(key, entry);
      bucket(this.resourcesByNamespace, resource.namespace).set(key, entry);
    }
    this.evaluateResource(entry);
    return this.changed(true);
  }

  removeResource(ref: { namespace: string; name: string }): boolean {
    const key = resourceKey(ref);
    const entry = this.resourcesByKey.get(key);
    if (entry === undefined) return false;
    this.resourcesByKey.delete(key);
    unbucket(this.resourcesByNamespace, ref.namespace, key);
    for (const ek of entry.selected) this.endpointsByKey.get(ek)?.selectedBy.delete(key);
    return this.changed(true);
  }

  /** All endpoints, sorted by "ns/pod". */
  endpoints(): Endpoint[] {
    return [...this.endpointsByKey.keys()].sort(compareKeys).map((k) => (this.endpointsByKey.get(k) as EndpointEntry).endpoint);
  }

  endpoint(key: EndpointKey): Endpoint | undefined {
    return this.endpointsByKey.get(key)?.endpoint;
  }

  /** The resources ("ns/name", sorted) that select an endpoint; [] for an unknown endpoint. */
  selectedBy(key: EndpointKey): ResourceKey[] {
    const entry = this.endpointsByKey.get(key);
    return entry === undefined ? [] : [...entry.selectedBy].sort(compareKeys);
  }

  /** The endpoints ("ns/pod", sorted) a resource selects; [] for an unknown or invalid resource. */
  selectedEndpoints(key: ResourceKey): EndpointKey[] {
    const entry = this.resourcesByKey.get(key);
    return entry === undefined ? [] : [...entry.selected].sort(compareKeys);
  }

  /** Endpoints selected by at least one resource, sorted by key. */
  selectedEndpointList(): Endpoint[] {
    return this.endpoints().filter((e) => (this.endpointsByKey.get(endpointKey(e)) as EndpointEntry).selectedBy.size > 0);
  }

  /** Every known resource key, sorted. */
  resources(): ResourceKey[] {
    return [...this.resourcesByKey.keys()].sort(compareKeys);
  }

  /** Resource key → why the resource selects nothing (empty or invalid selector), sorted by key. */
  resourceErrors(): Map<ResourceKey, string> {
    const out = new Map<ResourceKey, string>();
    for (const key of this.resources()) {
      const error = (this.resourcesByKey.get(key) as ResourceEntry).error;
      if (error !== undefined) out.set(key, error);
    }
    return out;
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

  private evaluateEndpoint(entry: EndpointEntry): void {
    const resources = this.resourcesByNamespace.get(entry.endpoint.namespace);
    const labels = entry.endpoint.labels;
    if (resources !== undefined) {
      for (const r of resources.values()) {
        const now = r.selector !== undefined && r.selector.matches(labels);
        if (now === entry.selectedBy.has(r.key)) continue;
        if (now) {
          entry.selectedBy.add(r.key);
          r.selected.add(entry.key);
        } else {
          entry.selectedBy.delete(r.key);
          r.selected.delete(entry.key);
        }
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
        if (!matches(e.endpoint.labels)) continue;
        entry.selected.add(e.key);
        e.selectedBy.add(entry.key);
      }
      return;
    }
    {
      for (const e of endpoints.values()) {
        const now = selector !== undefined && selector.matches(e.endpoint.labels);
        if (now === entry.selected.has(e.key)) continue;
        if (now) {
          entry.selected.add(e.key);
          e.selectedBy.add(entry.key);
        } else {
          entry.selected.delete(e.key);
          e.selectedBy.delete(entry.key);
        }
      }
    }
  }
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
