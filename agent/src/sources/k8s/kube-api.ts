// The calls the Kubernetes source makes, declared by its consumers here (informers, status writer, pruner,
// lease elector) and implemented once over @kubernetes/client-node's typed clients. Objects come back as
// plain JSON-shaped records; errors are client-node's own (ApiException `code`, fetch errors), classified by
// classify-error.ts.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  type KubeConfig,
  setHeaderOptions,
  type V1Lease,
} from '@kubernetes/client-node';

export type KubeObject = Record<string, unknown> & { metadata?: Record<string, unknown> };

export interface KubeList {
  metadata?: { resourceVersion?: string };
  items: KubeObject[];
}

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  /** RFC 3339 strings as the server returns them. */
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  resourceVersion?: string;
}

export interface KubeApi {
  listPods(fieldSelector: string): Promise<KubeList>;
  listNamespaces(): Promise<KubeList>;
  listNodes(): Promise<KubeList>;
  listDpis(): Promise<KubeList>;
  /** Server-side apply of a DeepPacketInspection's status subresource under `fieldManager`, forced. */
  applyDpiStatus(namespace: string, name: string, body: KubeObject, fieldManager: string): Promise<KubeObject>;
  /** undefined when the Lease does not exist. */
  getLease(namespace: string, name: string): Promise<LeaseRecord | undefined>;
  /** Creates; throws a 409 when it already exists. */
  createLease(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord>;
  /** Replaces with optimistic concurrency on lease.resourceVersion; throws 409 when someone else wrote first. */
  replaceLease(namespace: string, name: string, lease: LeaseRecord): Promise<LeaseRecord>;
}

export const DPI_PLURAL = 'deeppacketinspections';

/** MicroTime wants exactly six fractional digits; Date#toISOString gives three (kubernetes-client/javascript#828). */
export function microTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '000Z');
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  if (slash <= 0 || slash === apiVersion.length - 1) throw new Error(`not a group/version: ${apiVersion}`);
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function createKubeApi(kubeConfig: KubeConfig, dpiApiVersion: string): KubeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const { group, version } = splitApiVersion(dpiApiVersion);
  const applyOptions = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  return {
    listPods: async (fieldSelector) => (await core.listPodForAllNamespaces({ fieldSelector })) as unknown as KubeList,
    listNamespaces: async () => (await core.listNamespace()) as unknown as KubeList,
    listNodes: async () => (await core.listNode()) as unknown as KubeList,
    listDpis: async () => (await custom.listClusterCustomObject({ group, version, plural: DPI_PLURAL })) as KubeList,
    applyDpiStatus: async (namespace, name, body, fieldManager) =>
      (await custom.patchNamespacedCustomObjectStatus(
        { group, version, namespace, plural: DPI_PLURAL, name, body, fieldManager, force: true },
        applyOptions,
      )) as KubeObject,
    getLease: async (namespace, name) => {
      try {
        return leaseRecordOf(await coordination.readNamespacedLease({ namespace, name }));
      } catch (err) {
        if ((err as { code?: unknown }).code === 404) return undefined;
        throw err;
      }
    },
    createLease: async (namespace, name, lease) =>
      leaseRecordOf(await coordination.createNamespacedLease({ namespace, body: leaseBody(namespace, name, lease) })),
    replaceLease: async (namespace, name, lease) =>
      leaseRecordOf(await coordination.replaceNamespacedLease({ namespace, name, body: leaseBody(namespace, name, lease) })),
  };
}

function leaseBody(namespace: string, name: string, lease: LeaseRecord): V1Lease {
  // Times go as strings: client-node leaves unknown-typed values alone, and a string in MicroTime form is
  // what the API server parses (a Date would be serialised with millisecond precision and rejected).
  const spec: Record<string, unknown> = {
    holderIdentity: lease.holderIdentity,
    leaseDurationSeconds: lease.leaseDurationSeconds,
    acquireTime: lease.acquireTime,
    renewTime: lease.renewTime,
    leaseTransitions: lease.leaseTransitions,
  };
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(lease.resourceVersion ? { resourceVersion: lease.resourceVersion } : {}) },
    spec: spec as V1Lease['spec'],
  };
}

function leaseRecordOf(lease: V1Lease): LeaseRecord {
  const spec = (lease.spec ?? {}) as Record<string, unknown>;
  const time = (v: unknown): string | undefined => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : undefined);
  const record: LeaseRecord = {};
  if (typeof spec['holderIdentity'] === 'string') record.holderIdentity = spec['holderIdentity'];
  if (typeof spec['leaseDurationSeconds'] === 'number') record.leaseDurationSeconds = spec['leaseDurationSeconds'];
  const acquire = time(spec['acquireTime']);
  if (acquire) record.acquireTime = acquire;
  const renew = time(spec['renewTime']);
  if (renew) record.renewTime = renew;
  if (typeof spec['leaseTransitions'] === 'number') record.leaseTransitions = spec['leaseTransitions'];
  if (lease.metadata?.resourceVersion) record.resourceVersion = lease.metadata.resourceVersion;
  return record;
}
