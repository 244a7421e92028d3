// Pruning status entries of deleted nodes: two agents elect one holder of the kube-dpi-status-pruner Lease
// on the API server double; only the holder removes entries, and only those of nodes that are gone.
import { Registry } from 'prom-client';
import { createSilentLogger } from '../../src/platform/logger.js';
import { K8sEvents } from '../../src/sources/k8s/events.js';
import { createKubeApi, type KubeApi } from '../../src/sources/k8s/kube-api.js';
import { LeaseElector, PRUNER_LEASE_NAME } from '../../src/sources/k8s/lease-elector.js';
import { StatusPruner } from '../../src/sources/k8s/status-pruner.js';
import { StatusWriter, type NodeStatusEntry } from '../../src/sources/k8s/status-writer.js';
import { dpiObject, eventually, KubeApiServerDouble } from '../doubles/kube-apiserver-double.js';

const API_VERSION = 'projectcalico.org/v3';
const LEASE_NS = 'kube-dpi';

let server: KubeApiServerDouble;
const stoppers: Array<() => Promise<void>> = [];

interface Agent {
  node: string;
  elector: LeaseElector;
  pruner: StatusPruner;
  writer: StatusWriter;
}

function agent(node: string, options: { leaseDurationMs?: number; renewIntervalMs?: number } = {}): Agent {
  const api: KubeApi = createKubeApi(server.kubeConfig(), API_VERSION);
  const events = new K8sEvents(createSilentLogger(), new Registry());
  const elector = new LeaseElector({
    api, namespace: LEASE_NS, identity: `${node}_test`, events,
    leaseDurationMs: options.leaseDurationMs ?? 30_000, renewIntervalMs: options.renewIntervalMs ?? 50,
  });
  const pruner = new StatusPruner({ api, elector, node, dpiApiVersion: API_VERSION, events, intervalMs: 50 });
  const writer = new StatusWriter({ api, node, dpiApiVersion: API_VERSION, events, minIntervalMs: 10 });
  writer.start();
  stoppers.push(() => pruner.stop(), () => elector.stop(), () => writer.stop());
  return { node, elector, pruner, writer };
}

function entry(node: string): NodeStatusEntry {
  return { node, active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] };
}

function nodesOf(name: string): string[] {
  const status = server.get('dpi', name, 'sample')?.['status'] as { nodes?: Array<{ node: string }> } | undefined;
  return (status?.nodes ?? []).map((e) => e.node).sort();
}

function lease(): { holderIdentity?: string; leaseTransitions?: number; renewTime?: string } {
  return (server.get('leases', PRUNER_LEASE_NAME, LEASE_NS)?.['spec'] ?? {}) as { holderIdentity?: string };
}

function prunePatchesBy(manager: string): number {
  return server.requests.filter((r) => r.method === 'PATCH' && r.query['fieldManager'] === manager && r.body !== undefined && (r.body as { status?: unknown }).status === undefined).length;
}

beforeEach(async () => {
  server = new KubeApiServerDouble();
  await server.start();
  for (const n of ['node-a', 'node-b', 'node-gone']) server.put('nodes', { metadata: { name: n } });
  server.put('dpi', dpiObject('sample', 'dpi-1', 'all()'));
  server.put('dpi', dpiObject('sample', 'dpi-2', 'app == "db"'));
});

afterEach(async () => {
  for (const stop of stoppers.splice(0).reverse()) await stop();
  await server.stop();
});

describe('LeaseElector', () => {
  it('elects exactly one of two agents, writing a Lease with MicroTime stamps', async () => {
    const a = agent('node-a');
    const b = agent('node-b');
    a.elector.start();
    b.elector.start();
    await eventually('a leader', () => a.elector.isLeader() || b.elector.isLeader());
    await new Promise((r) => setTimeout(r, 200));
    expect([a.elector.isLeader(), b.elector.isLeader()].filter(Boolean)).toHaveLength(1);
    const spec = lease();
    expect([`node-a_test`, `node-b_test`]).toContain(spec.holderIdentity);
    expect(spec.renewTime).toMatch(/\.\d{6}Z$/);
    expect(server.get('leases', PRUNER_LEASE_NAME, LEASE_NS)?.['spec']).toMatchObject({ leaseDurationSeconds: 30 });
  });

  it('hands over when the holder stops renewing, after the lease duration', async () => {
    const a = agent('node-a', { leaseDurationMs: 1000, renewIntervalMs: 50 });
    a.elector.start();
    await eventually('a leads', () => a.elector.isLeader());
    const b = agent('node-b', { leaseDurationMs: 1000, renewIntervalMs: 50 });
    b.elector.start();
    let bothLed = 0;
    const sampler = setInterval(() => {
      if (a.elector.isLeader() && b.elector.isLeader()) bothLed++;
    }, 5);
    stoppers.push(async () => clearInterval(sampler));
    await new Promise((r) => setTimeout(r, 300));
    expect(b.elector.isLeader()).toBe(false);
    // a stops renewing without releasing (as a killed agent would): stop only its loop.
    server.inject('PUT', 'leases', 503, { times: 1000 });
    await eventually('a steps down', () => !a.elector.isLeader(), 5000);
    server.clearInjections();
    await a.elector.stop();
    await eventually('b takes over', () => b.elector.isLeader(), 5000);
    expect(lease().holderIdentity).toBe('node-b_test');
    expect(lease().leaseTransitions).toBe(1);
    // The old holder stepped down (renew deadline) before the new one could take over (lease duration).
    expect(bothLed).toBe(0);
  });

  it('a holder that stops releases the lease so the other takes over at once', async () => {
    const a = agent('node-a', { leaseDurationMs: 30_000 });
    a.elector.start();
    await eventually('a leads', () => a.elector.isLeader());
    const b = agent('node-b', { leaseDurationMs: 30_000 });
    b.elector.start();
    await a.elector.stop();
    await eventually('b takes over well before 30 s', () => b.elector.isLeader(), 3000);
  });

  it('a write with a stale resourceVersion gets 409: of two racing writers only the first wins', async () => {
    const a = agent('node-a');
    expect(await a.elector.tryAcquireOrRenew()).toBe(true);
    const api = createKubeApi(server.kubeConfig(), API_VERSION);
    const seen = (await api.getLease(LEASE_NS, PRUNER_LEASE_NAME))!;
    // The holder renews (new resourceVersion) after the intruder read the lease.
    expect(await a.elector.tryAcquireOrRenew()).toBe(true);
    await expect(api.replaceLease(LEASE_NS, PRUNER_LEASE_NAME, { ...seen, holderIdentity: 'intruder' })).rejects.toMatchObject({ code: 409 });
    expect(lease().holderIdentity).toBe('node-a_test');
  });
});

describe('StatusPruner', () => {
  it('only the lease holder removes entries of deleted nodes; entries of live nodes stay', async () => {
    const a = agent('node-a');
    const b = agent('node-b');
    const gone = agent('node-gone');
    for (const { node, writer } of [a, b, gone]) {
      await writer.write(new Map([['sample/dpi-1', entry(node)], ['sample/dpi-2', entry(node)]]));
      await writer.flush();
    }
    expect(nodesOf('dpi-1')).toEqual(['node-a', 'node-b', 'node-gone']);
    // Nothing is pruned while node-gone's Node exists.
    a.elector.start();
    await eventually('a leads', () => a.elector.isLeader());
    b.elector.start();
    expect(await a.pruner.pruneOnce()).toBe(0);
    // The node is deleted (its agent is gone with it).
    await gone.writer.stop();
    server.remove('nodes', 'node-gone');
    a.pruner.start();
    b.pruner.start();
    await eventually('pruned', () => nodesOf('dpi-1').length === 2 && nodesOf('dpi-2').length === 2);
    expect(nodesOf('dpi-1')).toEqual(['node-a', 'node-b']);
    expect(nodesOf('dpi-2')).toEqual(['node-a', 'node-b']);
    expect(server.statusOwners('sample', 'dpi-1')).toEqual({ 'node-a': ['kube-dpi-node-a'], 'node-b': ['kube-dpi-node-b'] });
    expect(b.elector.isLeader()).toBe(false);
    expect(await b.pruner.pruneOnce()).toBe(0);
    // Exactly one removal apply per resource, each under the dead node's manager.
    expect(prunePatchesBy('kube-dpi-node-gone')).toBe(2);
    // Live agents keep writing their entries afterwards without conflict.
    await a.writer.write(new Map([['sample/dpi-1', { ...entry('node-a'), active: { success: false, lastUpdated: 'x' } }]]));
    await a.writer.flush();
    expect(nodesOf('dpi-1')).toEqual(['node-a', 'node-b']);
  });

  it('does not prune from a Node list that lacks its own node', async () => {
    const a = agent('node-a');
    const gone = agent('node-gone');
    await gone.writer.write(new Map([['sample/dpi-1', entry('node-gone')]]));
    await gone.writer.flush();
    server.remove('nodes', 'node-gone');
    server.remove('nodes', 'node-a');
    a.elector.start();
    await eventually('a leads', () => a.elector.isLeader());
    expect(await a.pruner.pruneOnce()).toBe(0);
    expect(nodesOf('dpi-1')).toEqual(['node-gone']);
  });
});
