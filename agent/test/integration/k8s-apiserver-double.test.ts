// The API server double's own wire behaviour, checked with plain HTTP, so the Kubernetes source tests rest on
// documented API server semantics and not on whatever the double happens to do.
import { dpiObject, KubeApiServerDouble, podObject } from '../doubles/kube-apiserver-double.js';

let server: KubeApiServerDouble;
const STATUS = '/apis/projectcalico.org/v3/namespaces/sample/deeppacketinspections/d/status';

beforeEach(async () => {
  server = new KubeApiServerDouble();
  await server.start();
  server.put('dpi', dpiObject('sample', 'd', 'all()'));
});

afterEach(async () => {
  await server.stop();
});

function apply(manager: string, nodes: unknown[], options: { force?: boolean; contentType?: string } = {}): Promise<Response> {
  const q = new URLSearchParams({ fieldManager: manager, ...(options.force === false ? {} : { force: 'true' }) });
  return fetch(`${server.url}${STATUS}?${q}`, {
    method: 'PATCH',
    headers: { 'content-type': options.contentType ?? 'application/apply-patch+yaml' },
    body: JSON.stringify({ apiVersion: 'projectcalico.org/v3', kind: 'DeepPacketInspection', metadata: { name: 'd', namespace: 'sample' }, status: { nodes } }),
  });
}

describe('KubeApiServerDouble wire behaviour', () => {
  it('lists built-in kinds without item kind/apiVersion, custom resources with them, honouring fieldSelector', async () => {
    server.put('pods', podObject('sample', 'a', 'n1'));
    server.put('pods', podObject('sample', 'b', 'n2'));
    const pods = (await (await fetch(`${server.url}/api/v1/pods?fieldSelector=spec.nodeName%3Dn1`)).json()) as { kind: string; metadata: { resourceVersion: string }; items: Array<Record<string, unknown>> };
    expect(pods.kind).toBe('PodList');
    expect(pods.items.map((p) => (p['metadata'] as { name: string }).name)).toEqual(['a']);
    expect(pods.items[0]!['kind']).toBeUndefined();
    expect(Number(pods.metadata.resourceVersion)).toBeGreaterThan(0);
    const dpis = (await (await fetch(`${server.url}/apis/projectcalico.org/v3/deeppacketinspections`)).json()) as { items: Array<Record<string, unknown>> };
    expect(dpis.items[0]).toMatchObject({ kind: 'DeepPacketInspection', apiVersion: 'projectcalico.org/v3' });
  });

  it('server-side apply keeps other managers\' entries, conflicts without force, transfers with force', async () => {
    expect((await apply('kube-dpi-n1', [{ node: 'n1', active: { success: true } }])).status).toBe(200);
    expect((await apply('kube-dpi-n2', [{ node: 'n2', active: { success: false } }])).status).toBe(200);
    const conflict = await apply('kubectl', [{ node: 'n1', active: { success: false } }], { force: false });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ kind: 'Status', code: 409, reason: 'Conflict' });
    expect(server.statusOwners('sample', 'd')).toEqual({ n1: ['kube-dpi-n1'], n2: ['kube-dpi-n2'] });
    // Applying nothing releases only the applier's own entries.
    expect((await apply('kube-dpi-n2', [])).status).toBe(200);
    const nodes = (server.get('dpi', 'd', 'sample')!['status'] as { nodes: Array<{ node: string }> }).nodes;
    expect(nodes.map((n) => n.node)).toEqual(['n1']);
    // With force the applier takes the conflicting entry over.
    expect((await apply('kubectl', [{ node: 'n1', active: { success: false } }])).status).toBe(200);
    expect(server.statusOwners('sample', 'd')).toEqual({ n1: ['kubectl'] });
  });

  it('rejects an apply with the wrong content type (415) or without a field manager (400)', async () => {
    expect((await apply('m', [], { contentType: 'application/json-patch+json' })).status).toBe(415);
    const res = await fetch(`${server.url}${STATUS}`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: '{}' });
    expect(res.status).toBe(400);
  });

  it('rejects Lease times that are not MicroTime, as the real API server does', async () => {
    const post = (renewTime: string): Promise<Response> => fetch(`${server.url}/apis/coordination.k8s.io/v1/namespaces/kube-dpi/leases`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'l' }, spec: { holderIdentity: 'x', renewTime } }),
    });
    expect((await post('2026-12-04T10:00:00.123Z')).status).toBe(400);
    expect((await post('2026-12-04T10:00:00.123000Z')).status).toBe(201);
    expect((await post('2026-12-04T10:00:00.123000Z')).status).toBe(409);
  });

  it('streams watch events from a resourceVersion and answers a compacted one with an ERROR 410 event', async () => {
    const rv = server.currentResourceVersion();
    server.put('pods', podObject('sample', 'w', 'n1'));
    const text = await (await fetch(`${server.url}/api/v1/pods?watch=true&resourceVersion=${rv}&timeoutSeconds=1`)).text();
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string } });
    expect(events).toEqual([expect.objectContaining({ type: 'ADDED', object: expect.objectContaining({ kind: 'Pod' }) })]);
    server.compact();
    const gone = await (await fetch(`${server.url}/api/v1/pods?watch=true&resourceVersion=${rv}`)).text();
    expect(JSON.parse(gone.trim())).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });
});
