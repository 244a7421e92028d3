// Pods → workload endpoints (DESIGN §2): which pods this agent can inspect, and the labels a selector sees
// for each. Pure. Consumes PodInfo / NamespaceInfo from the sources; emits Endpoint for selection.
//
// The labels follow Calico's pod → WorkloadEndpoint conversion and Felix's label inheritance:
// - podToDefaultWorkloadEndpoint (libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go)
//   copies the pod labels, then sets projectcalico.org/namespace and projectcalico.org/orchestrator=k8s,
//   and projectcalico.org/serviceaccount only when the name is non-empty and shorter than 63 characters.
// - The WEP's profiles carry more labels, which Felix's selector index inherits (own labels first, then
//   each profile's): NamespaceToProfile (conversion.go) gives `pcns.<key>` for every Namespace label plus
//   `pcns.projectcalico.org/name=<namespace>`, and ServiceAccountToProfile gives `pcsa.<key>` for the
//   ServiceAccount's labels plus `pcsa.projectcalico.org/name=<sa>`. So a Calico selector such as
//   `pcns.team == "a"` selects pods of namespaces labelled team=a; we flatten the same labels in.
// - A pod's own `pcns.*` / `pcsa.*` labels are dropped (DESIGN §2): in Calico they would shadow the
//   inherited ones, letting a pod claim another namespace's labels. With them gone no key can come from
//   two places, so the flat merge equals Felix's lookup order.
// - The namespace name is known from the pod itself, so `pcns.projectcalico.org/name` is set even when
//   the Namespace object is not (yet) known, as in standalone manifests without Namespace objects; its
//   other labels appear once the Namespace is seen.
// - ServiceAccount objects are not watched, so the only `pcsa.` label is the name.
import type { Endpoint, Labels, NamespaceInfo, PodInfo } from './types.js';

export const LABEL_NAMESPACE = 'projectcalico.org/namespace';
export const LABEL_ORCHESTRATOR = 'projectcalico.org/orchestrator';
export const ORCHESTRATOR_K8S = 'k8s';
export const LABEL_SERVICE_ACCOUNT = 'projectcalico.org/serviceaccount';
export const NAMESPACE_LABEL_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_LABEL_PREFIX = 'pcsa.';
/** The label (after the prefix) that holds the namespace's or service account's own name. */
export const NAME_LABEL = 'projectcalico.org/name';
/** Calico adds projectcalico.org/serviceaccount only for names shorter than this (a label-value limit). */
const MAX_SERVICE_ACCOUNT_LABEL_LENGTH = 63;

/** Calico's IsFinished also knows a "Completed" phase from older API versions. */
const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Completed']);

/**
 * Whether a pod is a workload endpoint of this node: scheduled here (any node when `node` is undefined,
 * i.e. standalone mode without --node), not host-networked, neither finished nor terminating, with an IP.
 */
export function isEndpointPod(pod: PodInfo, node: string | undefined): boolean {
  if (node !== undefined && pod.nodeName !== node) return false;
  if (pod.hostNetwork) return false;
  if (pod.phase !== undefined && FINISHED_PHASES.has(pod.phase)) return false;
  if (pod.terminating === true) return false;
  return pod.podIPs.some((ip) => ip !== '');
}

/** The labels a selector sees for a pod, given its Namespace when known (see the header). */
export function endpointLabels(pod: PodInfo, namespace: NamespaceInfo | undefined): Labels {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(pod.labels)) {
    if (k.startsWith(NAMESPACE_LABEL_PREFIX) || k.startsWith(SERVICE_ACCOUNT_LABEL_PREFIX)) continue;
    labels[k] = v;
  }
  labels[LABEL_NAMESPACE] = pod.namespace;
  labels[LABEL_ORCHESTRATOR] = ORCHESTRATOR_K8S;
  const sa = pod.serviceAccount;
  if (sa !== '' && sa.length < MAX_SERVICE_ACCOUNT_LABEL_LENGTH) labels[LABEL_SERVICE_ACCOUNT] = sa;

  if (namespace !== undefined && namespace.name === pod.namespace) {
    for (const [k, v] of Object.entries(namespace.labels)) labels[NAMESPACE_LABEL_PREFIX + k] = v;
  }
  labels[NAMESPACE_LABEL_PREFIX + NAME_LABEL] = pod.namespace;
  if (sa !== '') labels[SERVICE_ACCOUNT_LABEL_PREFIX + NAME_LABEL] = sa;
  return labels;
}

/** A pod as an endpoint; call only for pods that pass isEndpointPod. */
export function podToEndpoint(pod: PodInfo, namespace: NamespaceInfo | undefined): Endpoint {
  const endpoint: Endpoint = {
    namespace: pod.namespace,
    pod: pod.name,
    ips: pod.podIPs.filter((ip) => ip !== ''),
    labels: endpointLabels(pod, namespace),
    podLabels: { ...pod.labels },
  };
  if (pod.uid !== undefined) endpoint.uid = pod.uid;
  return endpoint;
}
