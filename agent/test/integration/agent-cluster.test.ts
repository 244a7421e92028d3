// The composition root in cluster mode (`kube-dpi agent` with a kubeconfig): informers against the Kubernetes
// API server test double, the Snort test double as the binary, and status written back with server-side
// apply. With root, the selected pod gets a real Calico-named veth and status must turn active; without it,
// the missing interface must show as an error condition on the resource. Either way the other node's entry
// (written by another agent) survives, readiness follows the sources, and deleting the resource stops Snort.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calicoInterfaceName } from '../../src/model/interfaces/calico-interface-name.js';
import { parseConfig } from '../../src/config/parse.js';
import { startAgent } from '../../src/main.js';
import type { RunningAgent } from '../../src/main.js';
import { createLogger, createSilentLogger } from '../../src/platform/logger.js';
import { dpiObject, eventually, KubeApiServerDouble, podObject } from '../doubles/kube-apiserver-double.js';
import { netnsCapability } from '../support/capabilities.js';

const REPO = process.cwd();
const NODE = 'node-a';

interface StatusEntry {
  node: string;
  active: { success: boolean };
  errorConditions: Array<{ message: string }>;
}

describe('kube-dpi agent in cluster mode (API server double, Snort double)', () => {
  const api = new KubeApiServerDouble();
  const veth = netnsCapability().ok;
  const iface = calicoInterfaceName('sample', 'nginx-1');
  let work: string;
  let agent: RunningAgent | undefined;

  const nodes = (): StatusEntry[] =>
    (((api.get('dpi', 'sample-dpi-nginx', 'sample')?.['status'] as { nodes?: StatusEntry[] } | undefined)?.nodes) ?? []);
  const mine = (): StatusEntry | undefined => nodes().find((n) => n.node === NODE);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'kube-dpi-cluster-'));
    chmodSync(work, 0o755);
    const url = await api.start();
    writeFileSync(
      join(work, 'kubeconfig'),
      `apiVersion: v1\nkind: Config\nclusters: [{name: double, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]\n` +
        'users: [{name: agent, user: {token: test}}]\ncontexts: [{name: double, context: {cluster: double, user: agent}}]\ncurrent-context: double\n',
    );
    api.put('namespaces', { metadata: { name: 'sample', labels: {} } });
    api.put('nodes', { metadata: { name: NODE } });
    api.put('nodes', { metadata: { name: 'node-b' } });
    api.put('pods', podObject('sample', 'nginx-1', NODE, { labels: { 'k8s-app': 'nginx' }, ip: '10.244.7.2' }));
    api.put('pods', podObject('sample', 'nginx-2', 'node-b', { labels: { 'k8s-app': 'nginx' }, ip: '10.244.8.2' }));
    api.put('pods', podObject('sample', 'redis-1', NODE, { labels: { app: 'redis' }, ip: '10.244.7.3' }));
    api.put('dpi', dpiObject('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"'));
    if (veth) {
      try {
        execFileSync('ip', ['link', 'del', iface], { stdio: 'ignore' });
      } catch {
        // not there
      }
      execFileSync('ip', ['link', 'add', iface, 'type', 'veth', 'peer', 'name', 'kdpiclp']);
      execFileSync('ip', ['link', 'set', iface, 'up']);
    }
  });

  afterAll(async () => {
    await agent?.shutdown('test done');
    await api.stop();
    if (veth) execFileSync('ip', ['link', 'del', iface], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  it('syncs, inspects the selected local pod and writes this node\'s status with server-side apply', async () => {
    // Another node's agent wrote its entry: ours must merge beside it, not replace it.
    const other = { node: 'node-b', active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] };
    const obj = api.get('dpi', 'sample-dpi-nginx', 'sample') as Record<string, unknown>;
    api.put('dpi', { ...obj, status: { nodes: [other] } });
    const config = parseConfig({
      command: 'agent',
      flags: {
        kubeconfig: join(work, 'kubeconfig'),
        node: NODE,
        'state-dir': join(work, 'state'),
        snort: join(REPO, 'agent', 'test', 'doubles', 'snort-double.mjs'),
        'snort-config-dir': join(REPO, 'agent', 'test', 'fixtures', 'snort', 'etc'),
        'rules-dir': join(REPO, 'agent', 'test', 'fixtures', 'snort', 'rules'),
        'metrics-port': '0',
        'lease-namespace': 'kube-dpi',
      },
      env: {},
    });
    agent = await startAgent(config, process.env["KUBE_DPI_TEST_LOG"] ? createLogger({ level: "debug" }) : createSilentLogger());

    if (veth) {
      await eventually('status active on node-a', () => mine()?.active.success === true, 30_000);
    } else {
      const entry = await eventually('a missing-interface condition on node-a', () => {
        const e = mine();
        return e && e.errorConditions.some((c) => c.message.includes(iface)) ? e : undefined;
      }, 30_000);
      expect(entry.active.success).toBe(false);
    }
    expect(nodes().map((n) => n.node).sort()).toEqual(['node-a', 'node-b']);
    const ready = await fetch(`http://127.0.0.1:${agent.metricsPort}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
    expect(metrics).toContain('kube_dpi_');
  });

  it('stops inspection when the resource is deleted', async () => {
    api.remove('dpi', 'sample-dpi-nginx', 'sample');
    const snortDir = join(work, 'state', 'snort');
    await eventually('Snort process folders gone', () => !existsSync(snortDir) || readdirSync(snortDir).every((d) => !d.startsWith('snort-')), 30_000);
    await agent?.shutdown('test done');
    await agent?.stopped;
    agent = undefined;
  });
});
