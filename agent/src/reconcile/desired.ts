// Pure: the selection (which endpoints each resource selects) plus the resolved host interfaces → the desired
// set: what this node should inspect, and why each resource is not fully served.
// Consumes: a SelectionView (model/selection-index.ts fits it) and one InterfaceLookup per endpoint.
// Emits:    endpoints sorted by interface, each endpoint once however many resources select it, with the
//           sorted "ns/name" of those resources; errors per resource, sorted (bad or empty selector with its
//           position, missing interface).
// Guarantees: the same inputs give the same output, in the same order; an endpoint whose interface is
//           missing is not desired (Snort exits when one of its interfaces is missing: FACTS §4) but names
//           itself in an error of every resource that selects it.
// Incremental, invisibly: a reconcile pass after one pod change should cost O(n) with small constants, not a
// sort of every endpoint plus a copy of every selectedBy. So each DesiredEndpoint is remembered per Endpoint
// object (the index replaces an endpoint's object whenever it changes, never mutates it) and reused while the
// endpoint, its selectedBy array (by identity: the index shares one frozen array until it changes) and its
// interface are the same; and the previous pass's order is remembered per SelectionView, so only new or
// changed endpoints are sorted and merged into it (no Set and no key string per endpoint: the memo carries
// both). Both memos are WeakMaps: a selection or endpoint that is gone takes its memo with it. Returned
// endpoints are frozen, as they may be the previous pass's objects.
import type { ErrorCode } from '../platform/errors.js';
import type { Endpoint, EndpointKey, Labels, ResourceKey } from '../model/types.js';
import { endpointKey } from '../model/types.js';

/** What desired needs from the selection; the consumer declares it (STYLE.md). */
export interface SelectionView {
  /** Endpoints selected by at least one resource. */
  selectedEndpointList(): readonly Endpoint[];
  /** "ns/name" of the resources selecting an endpoint, sorted. */
  selectedBy(key: EndpointKey): readonly ResourceKey[];
  /** Resource key → why it selects nothing (empty or invalid selector). */
  resourceErrors(): ReadonlyMap<ResourceKey, string>;
}

/** A resolved host interface, as the resolver reports it. */
export interface InterfaceLookup {
  interface: string | undefined;
  /** false: missing; undefined: not checked (dry run), treated as present. */
  exists: boolean | undefined;
  reason?: string;
}

export interface DesiredEndpoint {
  namespace: string;
  pod: string;
  interface: string;
  ips: string[];
  /** "ns/name" of every resource selecting this endpoint, sorted. */
  selectedBy: ResourceKey[];
  /** The pod's own labels, for alert enrichment. */
  podLabels: Labels;
  uid?: string;
}

export interface DesiredError {
  /** "ns/name" of the resource, or a manifest file path. */
  resource: string;
  message: string;
  code: ErrorCode;
}

export interface DesiredSet {
  endpoints: DesiredEndpoint[];
  errors: DesiredError[];
}

interface EndpointMemo {
  /** The endpoint's key, built once (and hashed once by the maps it is looked up in). */
  key: EndpointKey;
  /** The inputs it was made from, besides the Endpoint object itself. */
  selectedBy: readonly ResourceKey[];
  ips: readonly string[];
  podLabels: Labels;
  uid: string | undefined;
  interface: string;
  desired: DesiredEndpoint;
  /** The call that last emitted it, and the call that last found it in the previous order. */
  emitted: number;
  wasBefore: number;
}

const endpointMemos = new WeakMap<Endpoint, EndpointMemo>();
/** Per selection: the memos of the last result, in output order. */
const lastOrder = new WeakMap<SelectionView, readonly EndpointMemo[]>();
let calls = 0;

export function computeDesiredSet(selection: SelectionView, interfaces: ReadonlyMap<EndpointKey, InterfaceLookup>): DesiredSet {
  const call = ++calls;
  /** In the selection's order (by key); sorted by interface at the end. */
  const emitted: EndpointMemo[] = [];
  let repeated = false;
  const errors: DesiredError[] = [];
  // The selection reports selector problems as messages only; both kinds (empty, unparsable) rank the same in
  // status, so one code serves, and we never branch on the text.
  for (const [resource, message] of selection.resourceErrors()) errors.push({ resource, message, code: 'SELECTOR_SYNTAX' });
  for (const endpoint of selection.selectedEndpointList()) {
    let memo = endpointMemos.get(endpoint);
    const key = memo?.key ?? endpointKey(endpoint);
    const selectedBy = selection.selectedBy(key);
    if (selectedBy.length === 0) continue;
    const found = interfaces.get(key);
    if (found?.interface === undefined || found.exists === false) {
      const { message, code } = missingMessage(key, found);
      for (const resource of selectedBy) errors.push({ resource, message, code });
      continue;
    }
    if (
      memo === undefined ||
      memo.selectedBy !== selectedBy ||
      memo.interface !== found.interface ||
      memo.ips !== endpoint.ips ||
      memo.podLabels !== endpoint.podLabels ||
      memo.uid !== endpoint.uid
    ) {
      memo = { key, selectedBy, ips: endpoint.ips, podLabels: endpoint.podLabels, uid: endpoint.uid, interface: found.interface, desired: desiredEndpoint(endpoint, found.interface, selectedBy), emitted: 0, wasBefore: 0 };
      endpointMemos.set(endpoint, memo);
    } else if (memo.emitted === call) {
      repeated = true;
    }
    memo.emitted = call;
    emitted.push(memo);
  }
  let ordered: EndpointMemo[];
  if (repeated) {
    // A view that lists one endpoint twice gets the plain sort (and the output it always got).
    ordered = emitted.sort(compareMemos);
    lastOrder.delete(selection);
  } else {
    ordered = orderLikeBefore(emitted, lastOrder.get(selection), call);
    lastOrder.set(selection, ordered);
  }
  errors.sort(compareErrors);
  return { endpoints: ordered.map((m) => m.desired), errors: dedupeErrors(errors) };
}

function desiredEndpoint(endpoint: Endpoint, iface: string, selectedBy: readonly ResourceKey[]): DesiredEndpoint {
  const desired: DesiredEndpoint = {
    namespace: endpoint.namespace,
    pod: endpoint.pod,
    interface: iface,
    ips: Object.freeze([...endpoint.ips]) as string[],
    selectedBy: Object.freeze([...selectedBy]) as ResourceKey[],
    podLabels: endpoint.podLabels,
  };
  if (endpoint.uid !== undefined) desired.uid = endpoint.uid;
  return Object.freeze(desired);
}

function compareMemos(a: EndpointMemo, b: EndpointMemo): number {
  // Ties on the interface are rare (two pods, one name).
  return compare(a.interface, b.interface) || compare(a.key, b.key);
}

/**
 * `emitted` sorted by interface, then key. Memos the previous result had keep its order; only the others
 * are sorted, then merged in: O(n + k log k) for k new or changed endpoints instead of O(n log n).
 */
function orderLikeBefore(emitted: EndpointMemo[], previous: readonly EndpointMemo[] | undefined, call: number): EndpointMemo[] {
  if (previous === undefined) return emitted.sort(compareMemos);
  const kept: EndpointMemo[] = [];
  for (const m of previous) {
    if (m.emitted !== call) continue;
    m.wasBefore = call;
    kept.push(m);
  }
  if (kept.length === emitted.length) return kept;
  const fresh = emitted.filter((m) => m.wasBefore !== call).sort(compareMemos);
  const out = new Array<EndpointMemo>(emitted.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < kept.length && j < fresh.length) {
    const a = kept[i] as EndpointMemo;
    const b = fresh[j] as EndpointMemo;
    if (compareMemos(a, b) <= 0) {
      out[k++] = a;
      i++;
    } else {
      out[k++] = b;
      j++;
    }
  }
  while (i < kept.length) out[k++] = kept[i++] as EndpointMemo;
  while (j < fresh.length) out[k++] = fresh[j++] as EndpointMemo;
  return out;
}

function missingMessage(key: EndpointKey, found: InterfaceLookup | undefined): { message: string; code: ErrorCode } {
  if (found?.interface !== undefined) {
    return { message: `interface ${found.interface} of pod ${key} does not exist on this node; will retry`, code: 'INTERFACE_MISSING' };
  }
  const why = found?.reason !== undefined ? ` (${found.reason})` : '';
  return { message: `no host interface found for pod ${key}${why}; will retry`, code: 'INTERFACE_UNRESOLVED' };
}

export function compareErrors(a: DesiredError, b: DesiredError): number {
  return compare(a.resource, b.resource) || compare(a.message, b.message);
}

function dedupeErrors(sorted: DesiredError[]): DesiredError[] {
  return sorted.filter((e, i) => i === 0 || compareErrors(e, sorted[i - 1] as DesiredError) !== 0);
}

/** Code-unit order, never locale order, so output is the same everywhere. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
