import { isEndpointPod, podToEndpoint } from './endpoints.js';
import { SelectionIndex } from './selection-index.js';
import { compileResourceSelector } from './selector/resource-selector.js';
import type { DpiResource, NamespaceInfo, PodInfo, Snapshot } from './types.js';
import { endpointKey, resourceKey } from './types.js';

function pod(namespace: string, name: string, labels: Record<string, string>, overrides: Partial<PodInfo> = {}): PodInfo {
  return { namespace, name, nodeName: 'n1', hostNetwork: false, phase: 'Running', podIPs: ['10.0.0.1'], labels, serviceAccount: 'default', ...overrides };
}
const res = (namespace: string, name: string, selector: string): DpiResource => ({ namespace, name, selector });

describe('SelectionIndex', () => {
  it('selects within the resource namespace only', () => {
    const index = new SelectionIndex('n1');
    index.upsertPod(pod('a', 'web', { app: 'web' }));
    index.upsertPod(pod('b', 'web', { app: 'web' }));
    index.upsertResource(res('a', 'dpi', 'app == "web"'));
    expect(index.selectedEndpoints('a/dpi')).toEqual(['a/web']);
    expect(index.selectedBy('a/web')).toEqual(['a/dpi']);
    expect(index.selectedBy('b/web')).toEqual([]);
  });

  it('follows pod label changes, removals and non-endpoint transitions', () => {
    const index = new SelectionIndex('n1');
    index.upsertResource(res('a', 'dpi', 'app == "web"'));
    expect(index.upsertPod(pod('a', 'p', { app: 'web' }))).toBe(true);
    expect(index.selectedEndpoints('a/dpi')).toEqual(['a/p']);
    expect(index.upsertPod(pod('a', 'p', { app: 'db' }))).toBe(true);
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
    expect(index.upsertPod(pod('a', 'p', { app: 'web' }))).toBe(true);
    expect(index.upsertPod(pod('a', 'p', { app: 'web' }, { phase: 'Succeeded' }))).toBe(true);
    expect(index.endpoints()).toEqual([]);
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
    expect(index.upsertPod(pod('a', 'p', { app: 'web' }))).toBe(true);
    expect(index.removePod({ namespace: 'a', name: 'p' })).toBe(true);
    expect(index.removePod({ namespace: 'a', name: 'p' })).toBe(false);
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
  });

  it('ignores pods of other nodes, and reports no change for an identical upsert', () => {
    const index = new SelectionIndex('n1');
    expect(index.upsertPod(pod('a', 'p', {}, { nodeName: 'n2' }))).toBe(false);
    expect(index.endpoints()).toEqual([]);
    expect(index.upsertPod(pod('a', 'p', {}))).toBe(true);
    const v = index.version;
    expect(index.upsertPod(pod('a', 'p', {}))).toBe(false);
    expect(index.version).toBe(v);
    expect(index.upsertPod(pod('a', 'p', {}, { podIPs: ['10.0.0.2'] }))).toBe(true);
    expect(index.endpoint('a/p')?.ips).toEqual(['10.0.0.2']);
    expect(index.version).toBe(v + 1);
  });

  it('re-evaluates endpoints when their namespace labels change', () => {
    const index = new SelectionIndex(undefined);
    index.upsertPod(pod('a', 'p', {}));
    index.upsertResource(res('a', 'dpi', 'pcns.team == "x"'));
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
    expect(index.upsertNamespace({ name: 'a', labels: { team: 'x' } })).toBe(true);
    expect(index.selectedEndpoints('a/dpi')).toEqual(['a/p']);
    expect(index.endpoint('a/p')?.labels['pcns.team']).toBe('x');
    expect(index.upsertNamespace({ name: 'a', labels: { team: 'x' } })).toBe(false);
    expect(index.upsertNamespace({ name: 'a', labels: { team: 'y' } })).toBe(true);
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
    index.upsertNamespace({ name: 'a', labels: { team: 'x' } });
    expect(index.removeNamespace('a')).toBe(true);
    expect(index.selectedEndpoints('a/dpi')).toEqual([]);
  });

  it('exposes per-resource errors, selects nothing for them, and recovers when fixed', () => {
    const index = new SelectionIndex(undefined);
    index.upsertPod(pod('a', 'p', { app: 'web' }));
    index.upsertResource(res('a', 'empty', ''));
    index.upsertResource(res('a', 'bad', 'app == web'));
    index.upsertResource(res('a', 'good', 'has(app)'));
    expect([...index.resourceErrors()]).toEqual([
      ['a/bad', 'invalid spec.selector "app == web": expected a quoted string after == but found label "web" at position 7'],
      ['a/empty', 'spec.selector is empty; use all() to select every pod in namespace a'],
    ]);
    expect(index.selectedEndpoints('a/bad')).toEqual([]);
    expect(index.selectedBy('a/p')).toEqual(['a/good']);
    index.upsertResource(res('a', 'bad', 'app == "web"'));
    expect(index.resourceError('a/bad')).toBeUndefined();
    expect(index.selectedBy('a/p')).toEqual(['a/bad', 'a/good']);
    expect(index.canonicalSelector('a/good')).toBe('has(app)');
    index.upsertResource(res('a', 'good', 'has(('));
    expect(index.selectedBy('a/p')).toEqual(['a/bad']);
    expect(index.removeResource({ namespace: 'a', name: 'bad' })).toBe(true);
    expect(index.selectedBy('a/p')).toEqual([]);
    expect(index.resources()).toEqual(['a/empty', 'a/good']);
  });

  it('builds from a snapshot', () => {
    const snapshot: Snapshot = {
      node: 'n1',
      namespaces: [{ name: 'sample', labels: { env: 'prod' } }],
      pods: [pod('sample', 'nginx', { 'k8s-app': 'nginx' }), pod('sample', 'other', {}), pod('sample', 'remote', { 'k8s-app': 'nginx' }, { nodeName: 'n2' })],
      resources: [res('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"'), res('sample', 'all', 'all()'), res('sample', 'prod', 'pcns.env == "prod" && !has(k8s-app)')],
    };
    const index = SelectionIndex.fromSnapshot(snapshot);
    expect(index.endpoints().map(endpointKey)).toEqual(['sample/nginx', 'sample/other']);
    expect(index.selectedBy('sample/nginx')).toEqual(['sample/all', 'sample/sample-dpi-nginx']);
    expect(index.selectedBy('sample/other')).toEqual(['sample/all', 'sample/prod']);
    expect(index.selectedEndpointList().map(endpointKey)).toEqual(['sample/nginx', 'sample/other']);
  });

  it('shares one frozen array per read until what it reflects changes, then replaces it', () => {
    const index = new SelectionIndex('n1');
    index.upsertPod(pod('a', 'p1', { app: 'web' }));
    index.upsertPod(pod('a', 'p2', { app: 'db' }));
    index.upsertResource(res('a', 'web', 'app == "web"'));
    index.upsertResource(res('a', 'all', 'all()'));
    const reads = () => ({
      p1: index.selectedBy('a/p1'),
      p2: index.selectedBy('a/p2'),
      web: index.selectedEndpoints('a/web'),
      all: index.selectedEndpoints('a/all'),
      endpoints: index.endpoints(),
      selected: index.selectedEndpointList(),
      resources: index.resources(),
      errors: index.resourceErrors(),
    });
    const first = reads();
    for (const v of Object.values(first)) if (Array.isArray(v)) expect(Object.isFrozen(v)).toBe(true);
    expect(() => (first.p1 as string[]).push('x')).toThrow(TypeError);
    // Nothing changed (an identical pod, an identical resource): every read is the same object.
    expect(index.upsertPod(pod('a', 'p2', { app: 'db' }))).toBe(false);
    expect(index.upsertResource(res('a', 'web', 'app == "web"'))).toBe(false);
    const same = reads();
    for (const k of Object.keys(first) as Array<keyof typeof first>) expect([k, same[k]]).toEqual([k, first[k]]);
    for (const k of Object.keys(first) as Array<keyof typeof first>) expect([k, same[k] === first[k]]).toEqual([k, true]);

    // p2 relabelled into "web": its selectedBy and web's selection change; p1's and all's do not.
    index.upsertPod(pod('a', 'p2', { app: 'web' }));
    const second = reads();
    expect(second.p1).toBe(first.p1);
    expect(second.all).toBe(first.all);
    expect(second.p2).toEqual(['a/all', 'a/web']);
    expect(second.web).toEqual(['a/p1', 'a/p2']);
    expect(second.endpoints).not.toBe(first.endpoints);
    expect(second.endpoints.map((e) => e.labels['app'])).toEqual(['web', 'web']);
    expect(second.resources).toBe(first.resources);

    // A new resource: the resource list and the selectedBy of what it selects are replaced.
    index.upsertResource(res('a', 'bad', 'app =='));
    index.upsertResource(res('a', 'db', 'app == "web"'));
    const third = reads();
    expect(third.resources).toEqual(['a/all', 'a/bad', 'a/db', 'a/web']);
    expect(third.p1).toEqual(['a/all', 'a/db', 'a/web']);
    expect([...third.errors.keys()]).toEqual(['a/bad']);
    // Removals: a pod leaves every selection it was in; a resource leaves every selectedBy.
    index.removePod({ namespace: 'a', name: 'p1' });
    index.removeResource({ namespace: 'a', name: 'all' });
    const fourth = reads();
    expect(fourth.p1).toEqual([]);
    expect(fourth.p2).toEqual(['a/db', 'a/web']);
    expect(fourth.web).toEqual(['a/p2']);
    expect(fourth.all).toEqual([]);
    expect(fourth.resources).toEqual(['a/bad', 'a/db', 'a/web']);
    expect(fourth.selected.map(endpointKey)).toEqual(['a/p2']);
    // A namespace label change re-labels its endpoints: a new endpoint object, new lists.
    index.upsertNamespace({ name: 'a', labels: { team: 'x' } });
    expect(index.endpoints()).not.toBe(fourth.endpoints);
    expect(index.endpoint('a/p2')?.labels['pcns.team']).toBe('x');
  });

  it('fromSnapshot (bulk evaluation) equals one-by-one upserts, and stays correct under later changes', () => {
    const nss = ['a', 'b'];
    const pods = nss.flatMap((ns) => Array.from({ length: 30 }, (_, i) => pod(ns, `p${(i * 7) % 30}`, { app: `x${i % 4}`, ...(i % 3 === 0 ? { tier: 'fe' } : {}) })));
    const selectors = ['all()', 'app == "x1"', 'has(tier)', 'app in {"x2", "x3"} && !has(tier)', 'app ==', '', 'pcns.team == "t"'];
    const resources = nss.flatMap((ns) => selectors.map((sel, i) => res(ns, `r${(i * 5) % selectors.length}`, sel)));
    const snapshot: Snapshot = { node: 'n1', namespaces: [{ name: 'a', labels: { team: 't' } }], pods, resources };
    const bulk = SelectionIndex.fromSnapshot(snapshot);
    const oneByOne = new SelectionIndex('n1');
    for (const r of [...resources].reverse()) oneByOne.upsertResource(r);
    for (const p of pods) oneByOne.upsertPod(p);
    oneByOne.upsertNamespace({ name: 'a', labels: { team: 't' } });
    const same = (): void => {
      expect(bulk.endpoints()).toEqual(oneByOne.endpoints());
      expect(bulk.resources()).toEqual(oneByOne.resources());
      expect([...bulk.resourceErrors()]).toEqual([...oneByOne.resourceErrors()]);
      expect(bulk.selectedEndpointList()).toEqual(oneByOne.selectedEndpointList());
      for (const e of bulk.endpoints()) expect([endpointKey(e), bulk.selectedBy(endpointKey(e))]).toEqual([endpointKey(e), oneByOne.selectedBy(endpointKey(e))]);
      for (const r of bulk.resources()) expect([r, bulk.selectedEndpoints(r)]).toEqual([r, oneByOne.selectedEndpoints(r)]);
    };
    same();
    expect(bulk.selectedEndpoints('a/r0')).toHaveLength(30);
    // The sets behind the bulk-built arrays must be live: take things away and put them back.
    for (const index of [bulk, oneByOne]) {
      index.removeResource({ namespace: 'a', name: 'r0' });
      index.upsertPod(pod('a', 'p1', { app: 'x1', tier: 'fe' }));
      index.removePod({ namespace: 'b', name: 'p2' });
      index.upsertResource(res('b', 'r1', 'app == "x0"'));
      index.upsertNamespace({ name: 'a', labels: {} });
    }
    same();
  });

  it('matches a brute-force evaluation after every step of random changes', () => {
    // mulberry32: a small PRNG whose low bits are usable (an LCG's are not, with small moduli).
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const pick = <T,>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
    const namespaces = ['a', 'b', 'c'];
    const podNames = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const resNames = ['r1', 'r2', 'r3', 'r4'];
    const selectors = [
      'all()', 'app == "web"', 'app != "web"', 'has(tier)', '!has(tier)', 'tier in {"fe", "be"}', 'tier not in {"fe"}',
      'pcns.team == "x"', 'pcns.projectcalico.org/name == "a"', 'projectcalico.org/serviceaccount == "sa1"',
      'app starts with "w" && !has(tier)', 'app == "db" || pcns.team != "x"', '', '  ', 'app ==', 'global()',
    ];
    const randomLabels = (): Record<string, string> => {
      const l: Record<string, string> = {};
      if (rand(3) > 0) l['app'] = pick(['web', 'db', 'worker']);
      if (rand(2) > 0) l['tier'] = pick(['fe', 'be', 'x']);
      if (rand(4) === 0) l['pcns.team'] = 'x';
      return l;
    };

    const pods = new Map<string, PodInfo>();
    const nss = new Map<string, NamespaceInfo>();
    const resources = new Map<string, DpiResource>();
    const node = 'n1';
    const index = new SelectionIndex(node);

    let nonTrivialSteps = 0;
    const check = (step: number): void => {
      const expectedSelectedBy = new Map<string, string[]>();
      const endpoints = [...pods.values()].filter((p) => isEndpointPod(p, node)).map((p) => podToEndpoint(p, nss.get(p.namespace)));
      for (const e of endpoints) expectedSelectedBy.set(endpointKey(e), []);
      const errors = new Map<string, string>();
      const selected = new Map<string, string[]>();
      for (const r of [...resources.values()].sort((x, y) => (resourceKey(x) < resourceKey(y) ? -1 : 1))) {
        const rk = resourceKey(r);
        selected.set(rk, []);
        let sel;
        try {
          sel = compileResourceSelector(r);
        } catch (err) {
          errors.set(rk, (err as Error).message);
          continue;
        }
        for (const e of endpoints) {
          if (e.namespace === r.namespace && sel.matches(e.labels)) {
            expectedSelectedBy.get(endpointKey(e))?.push(rk);
            selected.get(rk)?.push(endpointKey(e));
          }
        }
      }
      if ([...selected.values()].some((eks) => eks.length > 0) && errors.size > 0) nonTrivialSteps++;
      const label = `step ${step}`;
      expect([label, index.endpoints()]).toEqual([label, endpoints.sort((x, y) => (endpointKey(x) < endpointKey(y) ? -1 : 1))]);
      for (const [ek, rks] of expectedSelectedBy) expect([label, ek, index.selectedBy(ek)]).toEqual([label, ek, rks]);
      for (const [rk, eks] of selected) expect([label, rk, index.selectedEndpoints(rk)]).toEqual([label, rk, eks.sort()]);
      expect([label, [...index.resourceErrors()]]).toEqual([label, [...errors]]);
      expect([label, index.resources()]).toEqual([label, [...selected.keys()]]);
      const selectedKeys = [...expectedSelectedBy].filter(([, rks]) => rks.length > 0).map(([ek]) => ek).sort();
      expect([label, index.selectedEndpointList().map(endpointKey)]).toEqual([label, selectedKeys]);
    };

    for (let step = 0; step < 3000; step++) {
      const ns = pick(namespaces);
      const before = index.version;
      let changed: boolean;
      switch (rand(7)) {
        case 0:
        case 1: {
          const p = pod(ns, pick(podNames), randomLabels(), {
            nodeName: rand(6) === 0 ? 'n2' : 'n1',
            hostNetwork: rand(10) === 0,
            phase: pick(['Running', 'Running', 'Pending', 'Succeeded']),
            terminating: rand(10) === 0,
            podIPs: rand(8) === 0 ? [] : [`10.0.0.${rand(4)}`],
            serviceAccount: pick(['default', 'sa1']),
          });
          pods.set(endpointKey(p), p);
          changed = index.upsertPod(p);
          break;
        }
        case 2: {
          const ref = { namespace: ns, name: pick(podNames) };
          pods.delete(endpointKey(ref));
          changed = index.removePod(ref);
          break;
        }
        case 3: {
          const n: NamespaceInfo = { name: ns, labels: rand(2) === 0 ? { team: 'x' } : {} };
          nss.set(ns, n);
          changed = index.upsertNamespace(n);
          break;
        }
        case 4: {
          nss.delete(ns);
          changed = index.removeNamespace(ns);
          break;
        }
        case 5: {
          const r = res(ns, pick(resNames), pick(selectors));
          resources.set(resourceKey(r), r);
          changed = index.upsertResource(r);
          break;
        }
        default: {
          const ref = { namespace: ns, name: pick(resNames) };
          resources.delete(resourceKey(ref));
          changed = index.removeResource(ref);
        }
      }
      expect(index.version).toBe(changed ? before + 1 : before);
      check(step);
    }
    // The walk must reach states with selections and errors side by side, or it proves little.
    expect(nonTrivialSteps).toBeGreaterThan(1000);
  });
});
