import { SelectionIndex } from '../model/selection-index.js';
import type { PodInfo, Snapshot } from '../model/types.js';
import { calicoInterfaceName } from '../model/interfaces/calico-interface-name.js';
import type { DesiredEndpoint, DesiredSet, InterfaceLookup } from './desired.js';
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

  it('reuses the previous result for unchanged endpoints and rebuilds exactly the changed ones', () => {
    const s = snapshot([['sample', 'n', 'k8s-app == "nginx"'], ['sample', 'a', 'all()']], pods);
    const index = SelectionIndex.fromSnapshot(s);
    const l = lookups(s);
    const first = computeDesiredSet(index, l);
    const again = computeDesiredSet(index, new Map(l));
    expect(again).toEqual(first);
    expect(again.endpoints).not.toBe(first.endpoints);
    again.endpoints.forEach((e, i) => expect(e).toBe(first.endpoints[i]));
    for (const e of again.endpoints) {
      expect(Object.isFrozen(e) && Object.isFrozen(e.selectedBy) && Object.isFrozen(e.ips)).toBe(true);
    }
    // The caller's array is its own: reordering it does not reorder the next result.
    again.endpoints.reverse();
    expect(computeDesiredSet(index, l).endpoints).toEqual(first.endpoints);

    const byPod = (d: DesiredSet, podName: string): DesiredEndpoint | undefined => d.endpoints.find((e) => e.pod === podName);
    // Relabel: redis joins "n" (new selectedBy → new object); nginx-1 is untouched (same object).
    index.upsertPod(pod('sample', 'redis', { 'k8s-app': 'nginx' }));
    const relabelled = computeDesiredSet(index, l);
    expect(byPod(relabelled, 'redis')?.selectedBy).toEqual(['sample/a', 'sample/n']);
    expect(byPod(relabelled, 'redis')).not.toBe(byPod(first, 'redis'));
    expect(byPod(relabelled, 'nginx-1')).toBe(byPod(first, 'nginx-1'));
    // A new IP (same labels, same selection) and a new interface name are changes too.
    index.upsertPod(pod('sample', 'nginx-1', { 'k8s-app': 'nginx' }, '10.0.0.9'));
    const moved = new Map(l).set('sample/redis', { interface: 'cali-other', exists: true });
    const after = computeDesiredSet(index, moved);
    expect(byPod(after, 'nginx-1')?.ips).toEqual(['10.0.0.9']);
    expect(byPod(after, 'redis')?.interface).toBe('cali-other');
    const now = { ...s, pods: [pod('sample', 'nginx-1', { 'k8s-app': 'nginx' }, '10.0.0.9'), pod('sample', 'redis', { 'k8s-app': 'nginx' })] };
    expect(after).toEqual(computeDesiredSet(SelectionIndex.fromSnapshot(now), moved));
    // Missing, then back: the endpoint leaves the desired set and returns in its place.
    const missing = computeDesiredSet(index, new Map(moved).set('sample/nginx-1', { interface: calicoInterfaceName('sample', 'nginx-1'), exists: false }));
    expect(missing.endpoints.map((e) => e.pod)).toEqual(['redis']);
    expect(computeDesiredSet(index, moved)).toEqual(after);
  });

  it('equals a from-scratch computation after every step of random changes', () => {
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const podNames = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const selectors = ['all()', 'app == "web"', 'has(tier)', 'app != "web" && has(tier)', 'tier in {"fe"}', 'app =='];
    const current = new Map<string, PodInfo>();
    const resources = new Map<string, string>();
    // Few interface names, so ties on the interface (ordered by key) happen too.
    const ifaces = new Map<string, InterfaceLookup>();
    const index = new SelectionIndex('n1');
    let compared = 0;
    for (let step = 0; step < 1500; step++) {
      const name = podNames[rand(podNames.length)] as string;
      switch (rand(5)) {
        case 0:
        case 1: {
          const labels: Record<string, string> = {};
          if (rand(2) === 0) labels['app'] = rand(2) === 0 ? 'web' : 'db';
          if (rand(2) === 0) labels['tier'] = rand(2) === 0 ? 'fe' : 'be';
          const p = pod('ns', name, labels, `10.0.0.${rand(3)}`);
          current.set(name, p);
          index.upsertPod(p);
          break;
        }
        case 2:
          current.delete(name);
          index.removePod({ namespace: 'ns', name });
          break;
        case 3: {
          const r = `r${rand(4)}`;
          const selector = selectors[rand(selectors.length)] as string;
          resources.set(r, selector);
          index.upsertResource({ namespace: 'ns', name: r, selector });
          break;
        }
        default:
          ifaces.set(`ns/${name}`, { interface: `cali${rand(4)}`, exists: rand(6) !== 0 });
      }
      const lookupsNow = new Map(ifaces);
      const fresh = SelectionIndex.fromSnapshot({
        node: 'n1',
        namespaces: [],
        pods: [...current.values()],
        resources: [...resources].map(([n, selector]) => ({ namespace: 'ns', name: n, selector })),
      });
      const expected = computeDesiredSet(fresh, lookupsNow);
      expect([step, computeDesiredSet(index, lookupsNow)]).toEqual([step, expected]);
      if (expected.endpoints.length > 2) compared++;
    }
    expect(compared).toBeGreaterThan(500);
  });
});
