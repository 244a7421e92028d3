// Pure: the host-side interface name Calico's CNI plugin gives a pod's veth. Calico
// (libcalico-go/lib/backend/k8s/conversion, VethNameForWorkload) hashes "<namespace>.<pod>" with SHA-1 and
// appends the first 11 hex characters to the prefix (FELIX_INTERFACEPREFIX's first entry, default "cali").
// The 11 is fixed there whatever the prefix, so we keep it fixed too: a different count would name an
// interface Calico never created. node:crypto is computation, not I/O, so this stays a pure module.
import { createHash } from 'node:crypto';

/** Hex characters of the SHA-1 Calico keeps, independent of the prefix. */
export const CALICO_HASH_CHARS = 11;

/** Linux interface names are at most 15 bytes (IFNAMSIZ 16 with the NUL). */
export const MAX_INTERFACE_NAME = 15;

export function calicoInterfaceName(namespace: string, pod: string, prefix = 'cali'): string {
  const hash = createHash('sha1').update(`${namespace}.${pod}`).digest('hex');
  return prefix + hash.slice(0, CALICO_HASH_CHARS);
}
