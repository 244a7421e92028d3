// The Kubernetes source's informers against the wire-level API server double: real client-node ListWatch,
// real HTTP list and chunked watch, real resourceVersions.
import { Registry } from 'prom-client';
import { SourceStore } from '../../src/sources/store.js';
import { createSilentLogger } from '../../src/platform/logger.js';
import { createKubernetesSource, type KubernetesSource } from '../../src/sources/k8s/kubernetes-source.js';
import { dpiObject, eventually, KubeApiServerDouble, podObject } from '../doubles/kube-apiserver-double.js';

const NODE = 'node-a';

interface Harness {
  server: KubeApiServerDouble;
  store: SourceStore;
  source: KubernetesSource;
  registry: Registry;
}

const open: Harness[] = [];

async function harness(options: { serveDpi?: boolean; tooOld?: 'event' | 'http'; seed?: (s: KubeApiServerDouble) => void } = {}): Promise<Harness> {
  const server = new KubeApiServerDouble({ serveDpi: options.serveDpi ?? true, tooOld: options.tooOld ?? 'event' });
  await server.start();
  server.put('namespaces', { metadata: { name: 'sample', labels: { team: 'a' } } });
  server.put('nodes', { metadata: { name: NODE } });
  options.seed?.(server);
  const store = new SourceStore(NODE);
  const registry = new Registry();
  const source = createKubernetesSource({
    config: { node: NODE, kubeconfig: undefined, dpiApiVersion: 'projectcalico.org/v3', leaseNamespace: 'kube-dpi' },
    store,
    logger: createSilentLogger(),
    registry,
    kubeConfig: server.kubeConfig(),
    tuning: { informerBackoff: { initialMs: 20, maxMs: 200 }, statusMinIntervalMs: 10, leaseRenewIntervalMs: 50, pruneIntervalMs: 100_000 },
  });
  const h = { server, store, source, registry };
  open.push(h);
  return h;
}

async function metric(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val));
  return v ? Number(v.value) : 0;
}

afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.source.stop();
    await h.server.stop();
  }
});

describe('Kubernetes informers against the API server double', () => {
  it('lists DPI resources, this node\'s pods and namespaces, then opens the synced gate', async () => {
    const h = await harness({
      seed: (s) => {
        s.put('dpi', dpiObject('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"'));
        s.put('pods', podObject('sample', 'nginx-1', NODE, { labels: { 'k8s-app': 'nginx' }, ip: '10.1.0.5' }));
        s.put('pods', podObject('sample', 'elsewhere', 'node-b'));
      },
    });
    expect(h.store.isSynced()).toBe(false);
    expect(h.store.unsyncedSources()).toEqual(['k8s:namespaces', 'k8s:pods', 'k8s:resources']);
    await h.source.start();
    await h.source.waitForSync();
    expect(h.store.isSynced()).toBe(true);
    const snap = h.store.snapshot();
    expect(snap.resources).toEqual([{ namespace: 'sample', name: 'sample-dpi-nginx', selector: 'k8s-app == "nginx"', uid: expect.any(String), generation: 1 }]);
    expect(snap.pods.map((p) => p.name)).toEqual(['nginx-1']);
    expect(snap.pods[0]).toMatchObject({ podIPs: ['10.1.0.5'], labels: { 'k8s-app': 'nginx' }, nodeName: NODE, phase: 'Running' });
    expect(snap.namespaces).toEqual([{ name: 'sample', labels: { team: 'a' } }]);
    // The pod list and watch asked the server for this node only.
    const podLists = h.server.requests.filter((r) => r.path === '/api/v1/pods');
    expect(podLists.length).toBeGreaterThanOrEqual(1);
    for (const r of podLists) expect(r.query['fieldSelector']).toBe(`spec.nodeName=${NODE}`);
    const watch = await eventually('pod watch', () => h.server.requests.find((r) => r.path === '/api/v1/pods' && r.query['watch'] === 'true'));
    expect(watch.query['fieldSelector']).toBe(`spec.nodeName=${NODE}`);
    expect(watch.query['allowWatchBookmarks']).toBe('true');
    expect(Number(watch.query['timeoutSeconds'])).toBeGreaterThanOrEqual(300);
  });

  it('applies watch events: added, modified, deleted, and pods moving off this node', async () => {
    const h = await harness();
    await h.source.start();
    await h.source.waitForSync();
    await eventually('watches open', () => h.server.openWatchCount() === 3);
    h.server.put('pods', podObject('sample', 'web', NODE, { labels: { app: 'web' } }));
    h.server.put('dpi', dpiObject('sample', 'all', 'all()'));
    await eventually('added', () => h.store.getPod('sample/web') && h.store.getResource('sample/all'));
    h.server.put('pods', podObject('sample', 'web', NODE, { labels: { app: 'web2' } }));
    await eventually('modified', () => h.store.getPod('sample/web')?.labels['app'] === 'web2');
    h.server.put('namespaces', { metadata: { name: 'sample', labels: { team: 'b' } } });
    await eventually('namespace labels', () => h.store.getNamespace('sample')?.labels['team'] === 'b');
    h.server.remove('dpi', 'all', 'sample');
    await eventually('deleted', () => h.store.getResource('sample/all') === undefined);
    // The field-selected watch reports a pod that stops matching (here: rescheduled object) as DELETED.
    h.server.put('pods', podObject('sample', 'web', 'node-b'));
    await eventually('moved off the node', () => h.store.getPod('sample/web') === undefined);
    h.server.sendBookmarks();
    h.server.put('pods', podObject('sample', 'after-bookmark', NODE));
    await eventually('after bookmark', () => h.store.getPod('sample/after-bookmark'));
    expect(h.store.isSynced()).toBe(true);
  });

  it('restarts after a dropped watch connection and resyncs what changed meanwhile', async () => {
    const h = await harness({ seed: (s) => void s.put('pods', podObject('sample', 'p1', NODE)) });
    await h.source.start();
    await h.source.waitForSync();
    await eventually('watches open', () => h.server.openWatchCount('pods') === 1);
    // The connection drops mid-stream; the first reconnect attempts fail; meanwhile a pod goes and another comes.
    h.server.inject('GET', 'pods', 503, { times: 2 });
    expect(h.server.dropWatches('pods')).toBe(1);
    h.server.remove('pods', 'p1', 'sample');
    h.server.put('pods', podObject('sample', 'p2', NODE));
    await eventually('resynced', () => h.store.isSynced() && h.store.getPod('sample/p2') !== undefined && h.store.getPod('sample/p1') === undefined);
    await eventually('watch reopened', () => h.server.openWatchCount('pods') === 1);
    expect(await metric(h.registry, 'kube_dpi_k8s_informer_restarts_total', { kind: 'pods' })).toBeGreaterThanOrEqual(1);
    h.server.put('pods', podObject('sample', 'p3', NODE));
    await eventually('live again', () => h.store.getPod('sample/p3'));
  });

  it('relists on 410 Gone (ERROR event): objects deleted in the gap disappear, added ones appear', async () => {
    const h = await harness({ tooOld: 'event', seed: (s) => {
      s.put('pods', podObject('sample', 'old', NODE));
      s.put('pods', podObject('sample', 'stays', NODE));
    } });
    await h.source.start();
    await h.source.waitForSync();
    await eventually('watches open', () => h.server.openWatchCount('pods') === 1);
    // The changes never reach the open watch (lost in transit), then history is compacted and the watch is
    // expired: the informer's resourceVersion is too old and only a fresh list can tell what happened.
    const unsyncedSeen: string[][] = [];
    h.store.onChange(() => unsyncedSeen.push(h.store.unsyncedSources()));
    h.server.loseEvents('pods');
    h.server.remove('pods', 'old', 'sample');
    h.server.put('pods', podObject('sample', 'new', NODE));
    expect(h.store.getPod('sample/old')).toBeDefined();
    h.server.compact({ expireOpenWatches: true });
    await eventually('relisted', () => h.store.getPod('sample/new') !== undefined && h.store.getPod('sample/old') === undefined);
    expect(h.store.getPod('sample/stays')).toBeDefined();
    expect(h.store.unsyncedSources()).not.toContain('k8s:pods');
    // compact() expired every kind's watch, so the others relist too; the gate opens once all have.
    await eventually('all synced', () => h.store.isSynced());
    expect(await metric(h.registry, 'kube_dpi_k8s_relists_total', { kind: 'pods' })).toBe(1);
    // A relist, not a restart: client-node's own 410 handling, with the kind unsynced until the list landed.
    expect(await metric(h.registry, 'kube_dpi_k8s_informer_restarts_total', { kind: 'pods' })).toBe(0);
    expect(unsyncedSeen.length).toBeGreaterThan(0);
    expect(unsyncedSeen.every((u) => u.includes('k8s:pods'))).toBe(true);
    await eventually('watch reopened', () => h.server.openWatchCount('pods') === 1);
  });

  it('relists on HTTP 410 when it rewatches from a compacted version after a clean close', async () => {
    const h = await harness({ tooOld: 'http', seed: (s) => void s.put('pods', podObject('sample', 'a', NODE)) });
    await h.source.start();
    await h.source.waitForSync();
    await eventually('watches open', () => h.server.openWatchCount('pods') === 1);
    h.server.loseEvents('pods');
    h.server.remove('pods', 'a', 'sample');
    h.server.put('pods', podObject('sample', 'b', NODE));
    h.server.compact({ expireOpenWatches: false });
    // A clean close (the server's watch timeout) makes the informer rewatch from its version, now compacted.
    h.server.closeWatches('pods');
    await eventually('b seen, a gone', () => h.store.getPod('sample/b') !== undefined && h.store.getPod('sample/a') === undefined);
    expect(h.store.isSynced()).toBe(true);
    const watches = h.server.requests.filter((r) => r.path === '/api/v1/pods' && r.query['watch'] === 'true');
    expect(watches.map((r) => r.status)).toContain(410);
    expect(await metric(h.registry, 'kube_dpi_k8s_informer_restarts_total', { kind: 'pods' })).toBe(0);
    expect(await metric(h.registry, 'kube_dpi_k8s_relists_total', { kind: 'pods' })).toBe(1);
  });

  it('keeps a kind unsynced while its list fails with 500, backs off, and syncs once the list succeeds', async () => {
    const h = await harness();
    h.server.inject('GET', 'pods', 500, { times: 3 });
    await h.source.start();
    await eventually('others synced', () => h.store.unsyncedSources().length === 1 && h.store.unsyncedSources());
    expect(h.store.unsyncedSources()).toEqual(['k8s:pods']);
    await h.source.waitForSync();
    expect(h.store.isSynced()).toBe(true);
    expect(await metric(h.registry, 'kube_dpi_k8s_errors_total', { kind: 'pods', code: 'server' })).toBe(3);
    expect(await metric(h.registry, 'kube_dpi_k8s_informer_restarts_total', { kind: 'pods' })).toBe(3);
    const lists = h.server.requests.filter((r) => r.path === '/api/v1/pods' && r.query['watch'] !== 'true');
    expect(lists.map((r) => r.status)).toEqual([500, 500, 500, 200]);
  });

  it('a missing CRD (404 on list) is retried, not fatal; the resources source syncs once it is served', async () => {
    const h = await harness({ serveDpi: false });
    await h.source.start();
    await eventually('404 seen twice', async () => (await metric(h.registry, 'kube_dpi_k8s_errors_total', { kind: 'resources', code: 'not_found' })) >= 2);
    expect(h.store.unsyncedSources()).toEqual(['k8s:resources']);
    h.server.serveDpi = true;
    h.server.put('dpi', dpiObject('sample', 'x', 'all()'));
    await h.source.waitForSync();
    expect(h.store.getResource('sample/x')).toBeDefined();
  });
});
