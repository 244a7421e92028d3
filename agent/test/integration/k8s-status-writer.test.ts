// The status writer against the API server double's server-side apply of status.nodes (a list-map keyed by
// node, one field manager per node).
import { Registry } from 'prom-client';
import { createSilentLogger } from '../../src/platform/logger.js';
import { K8sEvents } from '../../src/sources/k8s/events.js';
import { createKubeApi } from '../../src/sources/k8s/kube-api.js';
import { StatusWriter, type NodeStatusEntry } from '../../src/sources/k8s/status-writer.js';
import { dpiObject, eventually, KubeApiServerDouble } from '../doubles/kube-apiserver-double.js';

const API_VERSION = 'projectcalico.org/v3';
const STATUS_PATH = '/apis/projectcalico.org/v3/namespaces/sample/deeppacketinspections/dpi-a/status';

let server: KubeApiServerDouble;
const writers: StatusWriter[] = [];

function writer(node: string, minIntervalMs = 10): StatusWriter {
  const w = new StatusWriter({
    api: createKubeApi(server.kubeConfig(), API_VERSION),
    node,
    dpiApiVersion: API_VERSION,
    events: new K8sEvents(createSilentLogger(), new Registry()),
    minIntervalMs,
    backoff: { initialMs: 10, maxMs: 50 },
  });
  w.start();
  writers.push(w);
  return w;
}

function entry(node: string, success: boolean, errors: string[] = [], at = '2026-12-04T10:00:00Z'): NodeStatusEntry {
  return { node, active: { success, lastUpdated: at }, errorConditions: errors.map((message) => ({ message, lastUpdated: at })) };
}

function statusNodes(name = 'dpi-a'): Array<Record<string, unknown>> {
  const o = server.get('dpi', name, 'sample');
  return ((o?.['status'] as { nodes?: Array<Record<string, unknown>> } | undefined)?.nodes ?? []).slice().sort((a, b) => String(a['node']).localeCompare(String(b['node'])));
}

function applies(path = STATUS_PATH): number {
  return server.requests.filter((r) => r.method === 'PATCH' && r.path === path).length;
}

beforeEach(async () => {
  server = new KubeApiServerDouble();
  await server.start();
  server.put('dpi', dpiObject('sample', 'dpi-a', 'all()'));
  server.put('dpi', dpiObject('sample', 'dpi-b', 'app == "x"'));
});

afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop();
  await server.stop();
});

describe('StatusWriter (server-side apply of status.nodes)', () => {
  it('applies this node\'s entry under its own field manager with the apply content type', async () => {
    const w = writer('node-a');
    await w.write(new Map([['sample/dpi-a', entry('node-a', true)]]));
    await w.flush();
    expect(statusNodes()).toEqual([{ node: 'node-a', active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] }]);
    const patch = server.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.path).toBe(STATUS_PATH);
    expect(patch.contentType).toBe('application/apply-patch+yaml');
    expect(patch.query).toMatchObject({ fieldManager: 'kube-dpi-node-a', force: 'true' });
    expect(patch.body).toEqual({
      apiVersion: API_VERSION, kind: 'DeepPacketInspection', metadata: { name: 'dpi-a', namespace: 'sample' },
      status: { nodes: [{ node: 'node-a', active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] }] },
    });
    expect(server.statusOwners('sample', 'dpi-a')).toEqual({ 'node-a': ['kube-dpi-node-a'] });
  });

  it('writes only when the entry changed (timestamps alone are not a change)', async () => {
    const w = writer('node-a');
    await w.write(new Map([['sample/dpi-a', entry('node-a', false, ['interface cali123 is missing'])]]));
    await w.flush();
    expect(applies()).toBe(1);
    await w.write(new Map([['sample/dpi-a', entry('node-a', false, ['interface cali123 is missing'], '2026-12-04T10:05:00Z')]]));
    await w.flush();
    await w.write(new Map([['sample/dpi-a', entry('node-a', false, ['interface cali123 is missing'])]]));
    await w.flush();
    expect(applies()).toBe(1);
    await w.write(new Map([['sample/dpi-a', entry('node-a', true, [], '2026-12-04T10:06:00Z')]]));
    await w.flush();
    expect(applies()).toBe(2);
    expect(statusNodes()[0]).toMatchObject({ active: { success: true, lastUpdated: '2026-12-04T10:06:00Z' }, errorConditions: [] });
  });

  it('coalesces changes inside the rate-limit window into one write of the latest entry', async () => {
    const w = writer('node-a', 400);
    await w.write(new Map([['sample/dpi-a', entry('node-a', false)]]));
    await eventually('first write', () => applies() === 1);
    for (let i = 0; i < 5; i++) await w.write(new Map([['sample/dpi-a', entry('node-a', i % 2 === 0, [`e${i}`])]]));
    await w.flush();
    expect(applies()).toBe(2);
    expect(statusNodes()[0]).toMatchObject({ active: { success: true }, errorConditions: [{ message: 'e4' }] });
  });

  it('merges with other nodes\' entries: each agent owns only its own', async () => {
    const a = writer('node-a');
    const b = writer('node-b');
    await a.write(new Map([['sample/dpi-a', entry('node-a', true)]]));
    await b.write(new Map([['sample/dpi-a', entry('node-b', false, ['Snort config rejected'])]]));
    await Promise.all([a.flush(), b.flush()]);
    await a.write(new Map([['sample/dpi-a', entry('node-a', false, ['Snort keeps exiting'])]]));
    await a.flush();
    expect(statusNodes()).toEqual([
      { node: 'node-a', active: { success: false, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [{ message: 'Snort keeps exiting', lastUpdated: '2026-12-04T10:00:00Z' }] },
      { node: 'node-b', active: { success: false, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [{ message: 'Snort config rejected', lastUpdated: '2026-12-04T10:00:00Z' }] },
    ]);
    expect(server.statusOwners('sample', 'dpi-a')).toEqual({ 'node-a': ['kube-dpi-node-a'], 'node-b': ['kube-dpi-node-b'] });
  });

  it('retries 409 and 5xx with backoff until the write lands', async () => {
    server.inject('PATCH', 'dpi', 409, { subresource: 'status' });
    server.inject('PATCH', 'dpi', 503, { subresource: 'status' });
    const w = writer('node-a');
    await w.write(new Map([['sample/dpi-a', entry('node-a', true)]]));
    await w.flush();
    expect(server.requests.filter((r) => r.method === 'PATCH').map((r) => r.status)).toEqual([409, 503, 200]);
    expect(statusNodes()).toHaveLength(1);
  });

  it('drops the write of a deleted resource (404) and writes nothing for resources no longer listed', async () => {
    const w = writer('node-a');
    server.remove('dpi', 'dpi-b', 'sample');
    await w.write(new Map([['sample/dpi-a', entry('node-a', true)], ['sample/dpi-b', entry('node-a', true)]]));
    await w.flush();
    const b = '/apis/projectcalico.org/v3/namespaces/sample/deeppacketinspections/dpi-b/status';
    expect(server.requests.filter((r) => r.path === b).map((r) => r.status)).toEqual([404]);
    expect(w.pending()).toEqual([]);
    // dpi-a disappears from the reconciler's map: nothing is written for it, even when it would have changed.
    await w.write(new Map());
    await w.flush();
    expect(applies()).toBe(1);
  });

  it('still updates a resource that stops selecting anything here (success false) and caps error conditions at 10', async () => {
    const w = writer('node-a');
    await w.write(new Map([['sample/dpi-a', entry('node-a', true)]]));
    await w.flush();
    const many = Array.from({ length: 14 }, (_, i) => `error ${i}`);
    await w.write(new Map([['sample/dpi-a', entry('node-a', false, many)]]));
    await w.flush();
    const [only] = statusNodes();
    expect(only?.['active']).toMatchObject({ success: false });
    expect((only?.['errorConditions'] as unknown[]).length).toBe(10);
  });
});
