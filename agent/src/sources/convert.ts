// Pure: Kubernetes objects as JSON (from the API server or from manifest YAML) → the model's types.
// Both sources go through here, so a pod means the same thing whichever source delivered it.
import { SpecError } from '../platform/errors.js';
import type { DpiResource, Labels, NamespaceInfo, PodInfo } from '../model/types.js';

export const DPI_KIND = 'DeepPacketInspection';

type Obj = Record<string, unknown>;

function asObject(value: unknown): Obj | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : undefined;
}

function labelsOf(value: unknown): Labels {
  const out: Record<string, string> = {};
  const labels = asObject(value);
  if (!labels) return out;
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

function metadataOf(obj: Obj, what: string): { name: string; namespace: string | undefined; meta: Obj } {
  const meta = asObject(obj['metadata']);
  const name = meta?.['name'];
  if (!meta || typeof name !== 'string' || name === '') throw new SpecError('MANIFEST_INVALID', `${what} has no metadata.name`);
  const namespace = typeof meta['namespace'] === 'string' && meta['namespace'] !== '' ? (meta['namespace'] as string) : undefined;
  return { name, namespace, meta };
}

export function podFromObject(obj: Obj): PodInfo {
  const { name, namespace, meta } = metadataOf(obj, 'Pod');
  const spec = asObject(obj['spec']) ?? {};
  const status = asObject(obj['status']) ?? {};
  const ips: string[] = [];
  const podIPs = status['podIPs'];
  if (Array.isArray(podIPs)) {
    for (const entry of podIPs) {
      const ip = asObject(entry)?.['ip'];
      if (typeof ip === 'string' && ip !== '' && !ips.includes(ip)) ips.push(ip);
    }
  }
  const podIP = status['podIP'];
  if (typeof podIP === 'string' && podIP !== '' && !ips.includes(podIP)) ips.unshift(podIP);
  const pod: PodInfo = {
    namespace: namespace ?? 'default',
    name,
    hostNetwork: spec['hostNetwork'] === true,
    podIPs: ips,
    labels: labelsOf(meta['labels']),
    serviceAccount:
      typeof spec['serviceAccountName'] === 'string' && spec['serviceAccountName'] !== ''
        ? (spec['serviceAccountName'] as string)
        : typeof spec['serviceAccount'] === 'string' && spec['serviceAccount'] !== ''
          ? (spec['serviceAccount'] as string)
          : 'default',
  };
  if (typeof meta['uid'] === 'string') pod.uid = meta['uid'];
  if (typeof spec['nodeName'] === 'string' && spec['nodeName'] !== '') pod.nodeName = spec['nodeName'];
  if (typeof status['phase'] === 'string') pod.phase = status['phase'];
  if (meta['deletionTimestamp'] !== undefined && meta['deletionTimestamp'] !== null) pod.terminating = true;
  return pod;
}

export function namespaceFromObject(obj: Obj): NamespaceInfo {
  const { name, meta } = metadataOf(obj, 'Namespace');
  return { name, labels: labelsOf(meta['labels']) };
}

/**
 * A DeepPacketInspection. The selector is kept as text even when empty or invalid: selection turns it into a
 * status error for that resource instead of dropping the resource silently.
 */
export function resourceFromObject(obj: Obj): DpiResource {
  const { name, namespace, meta } = metadataOf(obj, DPI_KIND);
  const spec = asObject(obj['spec']) ?? {};
  const selector = typeof spec['selector'] === 'string' ? spec['selector'] : '';
  const resource: DpiResource = { namespace: namespace ?? 'default', name, selector };
  if (typeof meta['uid'] === 'string') resource.uid = meta['uid'];
  if (typeof meta['generation'] === 'number') resource.generation = meta['generation'];
  return resource;
}
