import { SelectionIndex } from '../model/selection-index.js';
import type { PodInfo, Snapshot } from '../model/types.js';
import { calicoInterfaceName } from '../model/interfaces/calico-interface-name.js';
import type { InterfaceLookup } from './desired.js';
import { computeDesiredSet } from './desired.js';

const pod = (namespace: string, name: string, labels: Record<string, string>, ip = '10.0.0.1'): PodInfo => ({
  namespace,
  name,
  nodeName: 'n1',
  hostNetwork: false,
  phase: 'Running',
  podIPs: [ip],
  labels,
  serviceAccount: 'default',
});

function snapshot(resources: Array<[string, string, string]>, pods: PodInfo[]): Snapshot {
  return { node: 'n1', namespaces: [], pods, resources: resources.map(([namespace, name, selector]) => ({ namespace, name, selector })) };
}

function lookups(s: Snapshot, missing: string[] = []): Map<string, InterfaceLookup> {
  return new Map(
    s.pods.map((p) => {
      const name = calicoInterfaceName(p.namespace, p.name);
      return [`${p.namespace}/${p.name}`, { interface: name, exists: !missing.includes(`${p.namespace}/${p.name}`) }];
    }),
  );
}

describe('computeDesiredSet', () => {
  const pods = [pod('sample', 'nginx-1', { 'k8s-app': 'nginx' }), pod('sample', 'redis', { 'k8s-app': 'redis' }), pod('other', 'nginx', { 'k8s-app': 'nginx' })];

  it('overlapping resources: each endpoint once, selectedBy sorted; other namespaces never selected', () => {
    const s = snapshot([['sample', 'sample-dpi-nginx', 'k8s-app == "nginx"'], ['sample', 'all', 'all()']], pods);
    const d = computeDesiredSet(SelectionIndex.fromSnapshot(s), lookups(s));
    expect(d.errors).toEqual([]);
    const rows = d.endpoints.map((e) => [e.pod, e.selectedBy]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['nginx-1', ['sample/all', 'sample/sample-dpi-nginx']],
        ['redis', ['sample/all']],
      ]),
    );
    expect(d.endpoints).toHaveLength(2);
    expect(d.endpoints.map((e) => e.interface)).toEqual([...d.endpoints.map((e) => e.interface)].sort());
    expect(d.endpoints.find((e) => e.pod === 'nginx-1')).toMatchObject({ namespace: 'sample', ips: ['10.0.0.1'], podLabels: { 'k8s-app': 'nginx' }, interface: calicoInterfaceName('sample', 'nginx-1') });
  });

  it('bad and empty selectors are errors of their resource, the rest still works', () => {
    const s = snapshot([['sample', 'bad', 'k8s-app == '], ['sample', 'empty', ''], ['sample', 'good', 'has(k8s-app)']], pods);
    const d = computeDesiredSet(SelectionIndex.fromSnapshot(s), lookups(s));
    expect(d.errors.map((e) => e.resource)).toEqual(['sample/bad', 'sample/empty']);
    expect(d.errors[0]?.message).toMatch(/position \d+/);
    expect(d.errors[1]?.message).toMatch(/empty/);
    expect(d.endpoints.map((e) => e.pod).sort()).toEqual(['nginx-1', 'redis']);
  });

  it('a missing interface is an error for every selecting resource, and the endpoint is not desired', () => {
    const s = snapshot([['sample', 'a', 'all()'], ['sample', 'n', 'k8s-app == "nginx"']], pods);
    const d = computeDesiredSet(SelectionIndex.fromSnapshot(s), lookups(s, ['sample/nginx-1']));
    const name = calicoInterfaceName('sample', 'nginx-1');
    const message = `interface ${name} of pod sample/nginx-1 does not exist on this node; will retry`;
    expect(d.errors).toEqual([
      { resource: 'sample/a', message, code: 'INTERFACE_MISSING' },
      { resource: 'sample/n', message, code: 'INTERFACE_MISSING' },
    ]);
    expect(d.endpoints.map((e) => e.pod)).toEqual(['redis']);
  });

  it('an unresolved interface says why', () => {
    const s = snapshot([['sample', 'a', 'k8s-app == "redis"']], pods);
    const d = computeDesiredSet(SelectionIndex.fromSnapshot(s), new Map([['sample/redis', { interface: undefined, exists: false, reason: 'no route to 10.0.0.1' }]]));
    expect(d.errors).toEqual([{ resource: 'sample/a', code: 'INTERFACE_UNRESOLVED', message: 'no host interface found for pod sample/redis (no route to 10.0.0.1); will retry' }]);
  });

  it('unchecked (dry run) interfaces count as present', () => {
    const s = snapshot([['sample', 'a', 'all()']], pods);
    const d = computeDesiredSet(SelectionIndex.fromSnapshot(s), new Map([...lookups(s)].map(([k, v]) => [k, { ...v, exists: undefined }])));
    expect(d.endpoints).toHaveLength(2);
  });
});
