// The model every stage shares: Kubernetes objects reduced to what selection and inspection need.
// Sources (informers, manifest files) produce these; selection, planning and enrichment consume them.

export type Labels = Readonly<Record<string, string>>;

/** A Pod, reduced. `podIPs` holds status.podIPs (or status.podIP) in order. */
export interface PodInfo {
  namespace: string;
  name: string;
  uid?: string;
  nodeName?: string;
  hostNetwork: boolean;
  /** status.phase: Pending, Running, Succeeded, Failed, Unknown. */
  phase?: string;
  /** metadata.deletionTimestamp is set. */
  terminating?: boolean;
  podIPs: string[];
  labels: Labels;
  /** spec.serviceAccountName (Kubernetes defaults it to "default"). */
  serviceAccount: string;
}

export interface NamespaceInfo {
  name: string;
  labels: Labels;
}

/** A DeepPacketInspection resource: `spec.selector` is Calico selector text, namespaced. */
export interface DpiResource {
  namespace: string;
  name: string;
  selector: string;
  uid?: string;
  generation?: number;
}

/** "ns/name": how resources are named in plans, status and documents. */
export type ResourceKey = string;

export function resourceKey(r: { namespace: string; name: string }): ResourceKey {
  return `${r.namespace}/${r.name}`;
}

/** A workload endpoint on this node: a pod that can be inspected, with its labels for selection. */
export interface Endpoint {
  namespace: string;
  pod: string;
  uid?: string;
  ips: string[];
  /** Pod labels minus pcns./pcsa. keys, plus projectcalico.org/{namespace,orchestrator,serviceaccount}. */
  labels: Labels;
  /** The pod's own labels, as the user wrote them (for alert enrichment). */
  podLabels: Labels;
}

/** "ns/pod". */
export type EndpointKey = string;

export function endpointKey(e: { namespace: string; pod: string } | { namespace: string; name: string }): EndpointKey {
  return `${e.namespace}/${'pod' in e ? e.pod : e.name}`;
}

/** Everything the sources know at one moment. */
export interface Snapshot {
  /** This node's name; undefined in standalone mode without --node (all pods are local). */
  node: string | undefined;
  pods: readonly PodInfo[];
  namespaces: readonly NamespaceInfo[];
  resources: readonly DpiResource[];
}
