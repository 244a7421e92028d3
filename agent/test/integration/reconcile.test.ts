// The reconcile loop with the real store, selection, resolver, desired, plan and status, and a recording
// SnortDriver double (the real supervisor needs real Snort).
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStatusSink } from '../../src/reconcile/file-status-sink.js';

import { InterfaceResolver } from '../../src/model/interfaces/resolve-interfaces.js';
import { calicoInterfaceName } from '../../src/model/interfaces/calico-interface-name.js';
import type { DpiResource, NamespaceInfo, PodInfo } from '../../src/model/types.js';
import { createSilentLogger } from '../../src/platform/logger.js';
import type { ReconcilerOptions, StatusSink } from '../../src/reconcile/reconciler.js';
import { Reconciler } from '../../src/reconcile/reconciler.js';
import type { NodeStatusEntry } from '../../src/reconcile/status.js';
import { SourceStore } from '../../src/sources/store.js';
import { RecordingSnortDriver } from '../doubles/recording-snort-driver.double.js';

// ---- wiring: a real store, the real resolver (calico strategy) over a simulated /sys/class/net that follows
// the recording driver's host, and the reconciler with short timings ----
const NODE = 'node-a';

function pod(namespace: string, name: string, labels: Record<string, string>, ip: string, extra: Partial<PodInfo> = {}): PodInfo {
  return { namespace, name, nodeName: NODE, hostNetwork: false, phase: 'Running', podIPs: [ip], labels, serviceAccount: 'default', ...extra };
}

function dpi(namespace: string, name: string, selector: string): DpiResource {
  return { namespace, name, selector };
}

const ifaceOf = (p: { namespace: string; name: string }): string => calicoInterfaceName(p.namespace, p.name);

class RecordingStatusSink implements StatusSink {
  readonly writes: Array<Map<string, NodeStatusEntry>> = [];
  async write(entries: Map<string, NodeStatusEntry>): Promise<void> {
    this.writes.push(new Map(entries));
  }
  last(): Map<string, NodeStatusEntry> | undefined {
    return this.writes[this.writes.length - 1];
  }
}

interface Rig {
  store: SourceStore;
  driver: RecordingSnortDriver;
  sink: RecordingStatusSink;
  reconciler: Reconciler;
  host: Set<string>;
}

function makeRig(options: Partial<ReconcilerOptions> = {}, now: () => number = () => Date.now()): Rig {
  const store = new SourceStore(NODE);
  const driver = new RecordingSnortDriver(now);
  const host = new Set<string>();
  driver.host = host;
  const resolver = new InterfaceResolver({
    strategy: 'calico',
    fs: { exists: async (p) => host.has(p.replace('/sys/class/net/', '')), readFile: async () => '' },
    exec: async () => {
      throw new Error('no exec in tests');
    },
  });
  const sink = new RecordingStatusSink();
  const reconciler = new Reconciler({
    store,
    driver,
    resolver,
    statusSink: sink,
    statusNode: NODE,
    maxInterfacesPerProcess: 2,
    configHash: 'h1',
    logger: createSilentLogger(),
    debounceMs: 5,
    backoffInitialMs: 10,
    backoffMaxMs: 40,
    interfaceRetryMs: 20,
    ...options,
  });
  return { store, driver, sink, reconciler, host };
}

function apply(rig: Rig, state: { pods: PodInfo[]; namespaces?: NamespaceInfo[]; resources: DpiResource[] }): void {
  // Pods that disappear take their veth with them; new pods bring theirs (as the CNI would).
  const next = new Set(state.pods.map(ifaceOf));
  for (const i of [...rig.host]) if (!next.has(i)) rig.driver.deleteInterface(i);
  for (const i of next) rig.driver.addInterface(i);
  rig.store.replace('namespace', state.namespaces ?? []);
  rig.store.replace('resource', state.resources);
  rig.store.replace('pod', state.pods);
}

export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const nginx1 = pod('sample', 'nginx-1', { 'k8s-app': 'nginx', tier: 'web' }, '10.0.0.1');
const nginx2 = pod('sample', 'nginx-2', { 'k8s-app': 'nginx' }, '10.0.0.2');
const redis = pod('sample', 'redis', { 'k8s-app': 'redis' }, '10.0.0.3');
const elsewhere = pod('other', 'nginx', { 'k8s-app': 'nginx' }, '10.0.1.1');
const NGINX = dpi('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"');
const ALL = dpi('sample', 'sample-dpi-all', 'all()');

describe('Reconciler', () => {
  let rig: Rig;
  afterEach(async () => {
    await rig.reconciler.stop();
  });

  it('does nothing until every source has synced, then applies the whole state', async () => {
    rig = makeRig();
    rig.store.registerSource('test');
    apply(rig, { pods: [nginx1, nginx2, redis, elsewhere], resources: [NGINX] });
    rig.reconciler.start();
    await new Promise((r) => setTimeout(r, 60));
    expect(rig.driver.calls).toEqual([]);
    rig.store.markSynced('test');
    await until(() => rig.driver.calls.length > 0, 'first pass');
    await rig.reconciler.idle();
    expect(rig.driver.calls).toEqual([{ op: 'start', id: expect.stringMatching(/^snort-[0-9a-f]{12}$/), interfaces: [ifaceOf(nginx1), ifaceOf(nginx2)].sort(), configHash: 'h1' }]);
    expect(rig.reconciler.desired().endpoints.map((e) => e.pod).sort()).toEqual(['nginx-1', 'nginx-2']);
  });

  it('overlapping resources inspect each pod once; status says which resources are served', async () => {
    rig = makeRig();
    apply(rig, { pods: [nginx1, nginx2, redis], resources: [NGINX, ALL] });
    rig.reconciler.start();
    await until(() => rig.sink.writes.length > 0, 'status');
    await rig.reconciler.idle();
    expect([...rig.driver.coverage().values()].every((n) => n === 1)).toBe(true);
    expect([...rig.driver.coverage().keys()].sort()).toEqual([nginx1, nginx2, redis].map(ifaceOf).sort());
    const status = rig.sink.last();
    expect(status?.get('sample/sample-dpi-nginx')).toMatchObject({ node: NODE, active: { success: true }, errorConditions: [] });
    expect(status?.get('sample/sample-dpi-all')?.active.success).toBe(true);
  });

  it('serves alert enrichment by interface and IP, and keeps removed endpoints resolvable for the retention time', async () => {
    let now = 1_000_000;
    rig = makeRig({ retentionMs: 600_000, clock: { now: () => now, monotonic: () => performance.now(), sleep: (ms, s) => new Promise((r) => { const t = setTimeout(r, ms); s?.addEventListener('abort', () => { clearTimeout(t); r(); }); }) } }, () => now);
    apply(rig, { pods: [nginx1, nginx2], resources: [NGINX, ALL] });
    rig.reconciler.start();
    await until(() => rig.reconciler.desired().endpoints.length === 2, 'desired');
    expect(rig.reconciler.endpointForInterface(ifaceOf(nginx1))).toEqual({
      namespace: 'sample', pod: 'nginx-1', interface: ifaceOf(nginx1), ips: ['10.0.0.1'], podLabels: { 'k8s-app': 'nginx', tier: 'web' }, selectedBy: ['sample/sample-dpi-all', 'sample/sample-dpi-nginx'],
    });
    expect(rig.reconciler.endpointForIp('10.0.0.2')?.pod).toBe('nginx-2');
    apply(rig, { pods: [nginx2], resources: [NGINX, ALL] });
    await until(() => rig.reconciler.desired().endpoints.length === 1, 'pod gone');
    now += 9 * 60_000;
    expect(rig.reconciler.endpointForInterface(ifaceOf(nginx1))?.pod).toBe('nginx-1');
    expect(rig.reconciler.endpointForIp('10.0.0.1')?.pod).toBe('nginx-1');
    now += 2 * 60_000;
    expect(rig.reconciler.endpointForInterface(ifaceOf(nginx1))).toBeUndefined();
    expect(rig.reconciler.endpointForIp('10.0.0.1')).toBeUndefined();
    expect(rig.reconciler.endpointForIp('10.0.0.2')?.pod).toBe('nginx-2');
  });

  it('a deleted pod only loses its own thread; deselecting a live interface stops its process (break before make)', async () => {
    rig = makeRig();
    apply(rig, { pods: [nginx1, nginx2, redis], resources: [ALL] });
    rig.reconciler.start();
    await until(() => rig.driver.coverage().size === 3, 'all inspected');
    await rig.reconciler.idle();
    const before = rig.driver.calls.length;
    // nginx-2 deleted: its veth goes; its process keeps inspecting the other interface.
    apply(rig, { pods: [nginx1, redis], resources: [ALL] });
    await until(() => rig.reconciler.desired().endpoints.length === 2, 'pod removed');
    await rig.reconciler.idle();
    expect(rig.driver.calls.slice(before)).toEqual([]);
    // Label change: redis is no longer selected while its veth still exists → its process stops first.
    apply(rig, { pods: [nginx1, redis], resources: [dpi('sample', 'sample-dpi-all', 'k8s-app == "nginx"')] });
    await until(() => rig.reconciler.desired().endpoints.length === 1, 'deselected');
    await rig.reconciler.idle();
    const after = rig.driver.calls.slice(before);
    const firstStart = after.findIndex((c) => c.op === 'start');
    const lastStop = after.map((c) => c.op).lastIndexOf('stop');
    expect(lastStop).toBeGreaterThanOrEqual(0);
    if (firstStart >= 0) expect(lastStop).toBeLessThan(firstStart);
    expect([...rig.driver.coverage()].filter(([, n]) => n > 0).map(([i]) => i)).toEqual([ifaceOf(nginx1)]);
  });

  it('a failed start leaves it dirty and retries with backoff until it works', async () => {
    rig = makeRig();
    rig.driver.failNext('start', 2);
    apply(rig, { pods: [nginx1], resources: [NGINX] });
    rig.reconciler.start();
    await until(() => rig.driver.coverage().size === 1, 'eventual start');
    expect(rig.driver.calls.filter((c) => c.op === 'start')).toHaveLength(3);
  });

  it('a missing interface is a status error, retried until the veth appears (no store event needed)', async () => {
    rig = makeRig();
    apply(rig, { pods: [nginx1], resources: [NGINX] });
    rig.host.delete(ifaceOf(nginx1));
    rig.reconciler.start();
    await until(() => rig.sink.writes.length > 0, 'status');
    const message = `interface ${ifaceOf(nginx1)} of pod sample/nginx-1 does not exist on this node; will retry`;
    expect(rig.sink.last()?.get('sample/sample-dpi-nginx')).toMatchObject({ active: { success: false }, errorConditions: [{ message }] });
    expect(rig.driver.calls).toEqual([]);
    rig.host.add(ifaceOf(nginx1));
    await until(() => rig.driver.coverage().size === 1, 'retry');
    await until(() => rig.sink.last()?.get('sample/sample-dpi-nginx')?.active.success === true, 'status recovers');
    expect(rig.sink.last()?.get('sample/sample-dpi-nginx')?.errorConditions).toEqual([]);
  });

  it('bad and empty selectors show in status; a config hash change reloads instead of restarting', async () => {
    rig = makeRig();
    apply(rig, { pods: [nginx1], resources: [NGINX, dpi('sample', 'bad', 'k8s-app == '), dpi('sample', 'empty', '')] });
    rig.reconciler.start();
    await until(() => rig.driver.coverage().size === 1, 'start');
    await rig.reconciler.idle();
    const status = rig.sink.last();
    expect(status?.get('sample/bad')?.errorConditions[0]?.message).toMatch(/position \d+/);
    expect(status?.get('sample/empty')?.errorConditions[0]?.message).toMatch(/empty/);
    const id = rig.driver.running()[0]?.id;
    rig.reconciler.setConfigHash('h2');
    await until(() => rig.driver.calls.some((c) => c.op === 'reload'), 'reload');
    expect(rig.driver.calls.filter((c) => c.op !== 'start')).toEqual([{ op: 'reload', id, configHash: 'h2' }]);
  });

  it('writes status only when it changes', async () => {
    rig = makeRig();
    apply(rig, { pods: [nginx1], resources: [NGINX] });
    rig.reconciler.start();
    await until(() => rig.sink.last()?.get('sample/sample-dpi-nginx')?.active.success === true, 'live');
    await rig.reconciler.idle();
    const writes = rig.sink.writes.length;
    rig.reconciler.markDirty();
    rig.reconciler.markDirty();
    await new Promise((r) => setTimeout(r, 30));
    await rig.reconciler.idle();
    expect(rig.sink.writes.length).toBe(writes);
  });
});

describe('FileStatusSink', () => {
  it('writes <stateDir>/status.json atomically and only on change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kdpi-status-'));
    try {
      const sink = new FileStatusSink(join(dir, 'state'), { sourceErrors: () => [{ resource: '/m/bad.yaml', message: '/m/bad.yaml:3: bad', code: 'MANIFEST_INVALID' }] });
      const entry = { node: NODE, active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] };
      await sink.write(new Map([['sample/b', entry], ['sample/a', { ...entry, active: { success: false, lastUpdated: entry.active.lastUpdated } }]]));
      const text = await readFile(sink.path, 'utf8');
      const parsed = JSON.parse(text) as { resources: Record<string, unknown>; errors: unknown[] };
      expect(Object.keys(parsed.resources)).toEqual(['sample/a', 'sample/b']);
      expect(parsed.errors).toEqual([{ resource: '/m/bad.yaml', message: '/m/bad.yaml:3: bad' }]);
      expect(await readdir(join(dir, 'state'))).toEqual(['status.json']);
      const { mtimeMs } = await import('node:fs').then((fs) => fs.statSync(sink.path));
      await new Promise((r) => setTimeout(r, 20));
      await sink.write(new Map([['sample/a', { ...entry, active: { success: false, lastUpdated: entry.active.lastUpdated } }], ['sample/b', entry]]));
      expect((await import('node:fs')).statSync(sink.path).mtimeMs).toBe(mtimeMs);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// ---- state matrix (STYLE.md Tests; Felix states_for_test.go): named snapshots, every ordered pair ----

interface State {
  pods: PodInfo[];
  resources: DpiResource[];
  namespaces?: NamespaceInfo[];
}

const web = Array.from({ length: 5 }, (_, i) => pod('sample', `web-${i}`, { 'k8s-app': 'nginx', shard: String(i % 2) }, `10.0.2.${i + 1}`));
const STATES: Record<string, State> = {
  'no resources': { pods: [nginx1, nginx2, redis, elsewhere], resources: [] },
  'nginx-only': { pods: [nginx1, nginx2, redis, elsewhere], resources: [NGINX] },
  'all()': { pods: [nginx1, nginx2, redis, elsewhere], resources: [ALL] },
  overlapping: { pods: [nginx1, nginx2, redis, elsewhere], resources: [NGINX, ALL, dpi('sample', 'web-tier', 'tier == "web"')] },
  'label change': { pods: [nginx1, nginx2, { ...redis, labels: { 'k8s-app': 'nginx' } }, elsewhere], resources: [NGINX] },
  'pod deleted': { pods: [nginx1, redis, elsewhere], resources: [NGINX] },
  'pod recreated with another IP': { pods: [{ ...nginx1, podIPs: ['10.0.9.9'] }, nginx2, redis], resources: [NGINX] },
  'bad selector': { pods: [nginx1, nginx2, redis], resources: [dpi('sample', 'sample-dpi-nginx', 'k8s-app == "nginx" &&'), ALL] },
  'empty selector': { pods: [nginx1, nginx2, redis], resources: [dpi('sample', 'sample-dpi-nginx', '')] },
  'namespace labels': { pods: [nginx1, nginx2, redis], resources: [dpi('sample', 'ns', 'pcns.team == "web"')], namespaces: [{ name: 'sample', labels: { team: 'web' } }] },
  'many pods': { pods: [nginx1, ...web, redis], resources: [dpi('sample', 'shard0', 'shard == "0"'), NGINX] },
  'other namespace resource': { pods: [nginx1, elsewhere], resources: [dpi('other', 'o', 'all()')] },
  'no pods': { pods: [], resources: [NGINX, ALL] },
};

/** The desired set and plan coverage, computed from scratch for one state. */
async function fromScratch(state: State): Promise<{ desired: unknown; covered: string[] }> {
  const rig = makeRig();
  apply(rig, state);
  rig.reconciler.start();
  await until(() => rig.reconciler.passCount() > 0, 'scratch pass');
  await rig.reconciler.idle();
  const out = { desired: rig.reconciler.desired(), covered: [...rig.driver.coverage().keys()].sort() };
  await rig.reconciler.stop();
  return out;
}

describe('reconcile state matrix: A then B equals B from scratch', () => {
  const names = Object.keys(STATES);
  const expected = new Map<string, { desired: unknown; covered: string[] }>();
  beforeAll(async () => {
    for (const n of names) expected.set(n, await fromScratch(STATES[n] as State));
  });

  const pairs = names.flatMap((a) => names.map((b) => [a, b] as const));
  it.each(pairs)('%s → %s', async (a, b) => {
    const rig = makeRig();
    try {
      apply(rig, STATES[a] as State);
      rig.reconciler.start();
      await until(() => rig.reconciler.passCount() > 0, 'first pass');
      await rig.reconciler.idle();
      apply(rig, STATES[b] as State);
      await rig.reconciler.idle();
      const want = expected.get(b);
      expect(rig.reconciler.desired()).toEqual(want?.desired);
      const coverage = rig.driver.coverage();
      expect([...coverage.keys()].sort()).toEqual(want?.covered);
      for (const [iface, n] of coverage) expect([iface, n]).toEqual([iface, 1]);
      for (const p of rig.driver.running()) expect(p.interfaces.length).toBeLessThanOrEqual(2);
    } finally {
      await rig.reconciler.stop();
    }
  });
});
