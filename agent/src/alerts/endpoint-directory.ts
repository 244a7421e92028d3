// What the alert pipeline needs to know about inspected pods, declared here by the consumer (STYLE.md); the
// composition root wires the reconciler's view of endpoints and interfaces into it.

export interface InspectedEndpoint {
  namespace: string;
  pod: string;
  podLabels: Record<string, string>;
  ips: string[];
  /** The host-side interface Snort inspects for this pod. */
  interface: string;
  /** Resources that select this pod, "ns/name", sorted. */
  selectedBy: string[];
}

export interface EndpointDirectory {
  /** The pod behind a host interface, as the reconciler placed it. */
  endpointForInterface(iface: string): InspectedEndpoint | undefined;
  /** A local pod by IP (for the peer of an alert). */
  endpointForIp(ip: string): InspectedEndpoint | undefined;
}

/** For `kube-dpi ingest` and tests without a cluster: nobody is known. */
export const EMPTY_DIRECTORY: EndpointDirectory = {
  endpointForInterface: () => undefined,
  endpointForIp: () => undefined,
};
