// Pure: the selection (which endpoints each resource selects) plus the resolved host interfaces → the desired
// set: what this node should inspect, and why each resource is not fully served.
// Consumes: a SelectionView (model/selection-index.ts fits it) and one InterfaceLookup per endpoint.
// Emits:    endpoints sorted by interface, each endpoint once however many resources select it, with the
//           sorted "ns/name" of those resources; errors per resource, sorted (bad or empty selector with its
//           position, missing interface).
// Guarantees: the same inputs give the same output, in the same order; an endpoint whose interface is
//           missing is not desired (Snort exits when one of its interfaces is missing: FACTS §4) but names
//           itself in an error of every resource that selects it.
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

export function computeDesiredSet(selection: SelectionView, interfaces: ReadonlyMap<EndpointKey, InterfaceLookup>): DesiredSet {
  const endpoints: DesiredEndpoint[] = [];
  const errors: DesiredError[] = [];
  // The selection reports selector problems as messages only; both kinds (empty, unparsable) rank the same in
  // status, so one code serves, and we never branch on the text.
  for (const [resource, message] of selection.resourceErrors()) errors.push({ resource, message, code: 'SELECTOR_SYNTAX' });
  for (const endpoint of selection.selectedEndpointList()) {
    const key = endpointKey(endpoint);
    const selectedBy = [...selection.selectedBy(key)];
    if (selectedBy.length === 0) continue;
    const found = interfaces.get(key);
    if (found?.interface === undefined || found.exists === false) {
      const { message, code } = missingMessage(key, found);
      for (const resource of selectedBy) errors.push({ resource, message, code });
      continue;
    }
    const desired: DesiredEndpoint = {
      namespace: endpoint.namespace,
      pod: endpoint.pod,
      interface: found.interface,
      ips: [...endpoint.ips],
      selectedBy,
      podLabels: endpoint.podLabels,
    };
    if (endpoint.uid !== undefined) desired.uid = endpoint.uid;
    endpoints.push(desired);
  }
  endpoints.sort((a, b) => compare(a.interface, b.interface) || compare(`${a.namespace}/${a.pod}`, `${b.namespace}/${b.pod}`));
  errors.sort(compareErrors);
  return { endpoints, errors: dedupeErrors(errors) };
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
