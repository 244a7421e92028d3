// End to end on real Linux networking: pods are network namespaces joined by veths named the way Calico names
// them, the agent is the real CLI in standalone mode (`kube-dpi agent --manifests`), traffic is real HTTP and
// ICMP, and alerts are checked where they land: a file sink and an Elasticsearch _bulk test double.
// Snort is the real Snort 3 when one is on PATH or SNORT_BIN is set; otherwise the TEST DOUBLE of the Snort
// binary (agent/test/doubles/snort-double.mjs), which captures the same real traffic — the suite says which.
// The scenarios run in order and share one agent, as a user's day would: resource applied, new pod, label
// change, overlapping resources, a bad snort.lua override, the agent SIGKILLed mid-traffic while
// Elasticsearch is down, a pod's interface removed, and the resources deleted.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { netnsCapability, realSnort, describeIf, sharedReference } from '../agent/test/support/capabilities.js';
import { ElasticsearchBulkDouble } from '../agent/test/doubles/elasticsearch-bulk-double.js';
import {
  PodNetwork,
  dpiObject,
  maliciousRequest,
  namespaceObject,
  ping,
  removeManifestFile,
  waitFor,
  waitForHttp,
  writeManifestFile,
} from './local/harness.js';
import { AgentProcess, REPO, readFileSink } from './local/agent-process.js';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NODE = 'e2e-node';
const real = realSnort();
const SNORT = real.path ?? join(REPO, 'agent', 'test', 'doubles', 'snort-double.mjs');
const SNORT_KIND = real.path ? `real Snort at ${real.path}` : 'the TEST DOUBLE of Snort (agent/test/doubles/snort-double.mjs)';

function rulesSource(): string[] {
  const fromEnv = process.env['KUBE_DPI_E2E_RULES'];
  if (fromEnv) return [fromEnv];
  if (real.path) {
    const community = sharedReference('snort3', 'rules', 'snort3-community.rules');
    if (community) return [community];
    if (existsSync('/usr/etc/snort/rules')) return readdirSync('/usr/etc/snort/rules').filter((f) => f.endsWith('.rules')).map((f) => join('/usr/etc/snort/rules', f));
  }
  return [join(REPO, 'agent', 'test', 'fixtures', 'snort', 'rules', 'community-subset.rules')];
}

describeIf(netnsCapability())(`kube-dpi agent on real veths, with ${SNORT_KIND}`, () => {
  const net = new PodNetwork({ prefix: 'kdpie', net: 247, nodeName: NODE });
  const es = new ElasticsearchBulkDouble({ keepSources: true });
  let work: string;
  let stateDir: string;
  let manifests: string;
  let override: string;
  let fileSink: string;
  let agent: AgentProcess;
  const labels: Record<string, Record<string, string>> = {
    'sample/nginx-1': { 'k8s-app': 'nginx' },
    'sample/redis-1': { app: 'redis' },
    'other/web-other': { 'k8s-app': 'nginx' },
  };

  const agentArgs = (): string[] => {
    const args = ['--manifests', manifests, '--node', NODE, '--state-dir', stateDir, '--snort', SNORT, '--rules-dir', join(work, 'rules'),
      '--snort-config', override, '--sink', `file:${fileSink}`, '--sink', es.url, '--metrics-port', '0', '--log-level', 'debug'];
    if (!real.path) args.push('--snort-config-dir', join(REPO, 'agent', 'test', 'fixtures', 'snort', 'etc'));
    return args;
  };

  const writePods = (): void => {
    for (const [key, l] of Object.entries(labels)) {
      const pod = net.pods.get(key);
      if (pod) pod.labels = l;
    }
    writeManifestFile(manifests, 'pods.yaml', net.podObjects());
  };

  const esDocs = (): Doc[] => [...es.indices.values()].flatMap((m) => [...m.values()]).map((d) => (d === true ? {} : d.source));
  /** Alerts of rule 1:1122 for a pod, counting folded repeats (dpi.count). */
  const passwdAlerts = (docs: Doc[], pod: string): number =>
    docs.filter((d) => d['rule']?.['id'] === '1:1122' && d['kubernetes']?.['pod']?.['name'] === pod).reduce((n, d) => n + (d['dpi']?.['count'] ?? 1), 0);
  const live = (resource: string): boolean => agent.status().resources?.[resource]?.active?.success === true;
  const conditions = (resource: string): string[] =>
    (agent.status().resources?.[resource]?.errorConditions ?? []).map((c: { message: string }) => c.message);
  const waitLive = (resource: string) => waitFor(() => live(resource), { timeoutMs: 30000, what: `${resource} live in status.json` });
  /** A Snort packet thread reported live on the interface since the last agent (re)start (the agent logs it). */
  const waitForThread = (iface: string) =>
    waitFor(() => agent.log().split('\n').some((l) => l.includes('"snort thread started"') && l.includes(iface)), {
      timeoutMs: 30000,
      what: `a live Snort thread on ${iface}`,
    });
  /** Sends one malicious request and waits until the file sink holds one more 1:1122 alert for the pod. */
  const expectAlert = async (pod: string, options: { resendEveryMs?: number } = {}): Promise<Doc> => {
    const before = passwdAlerts(readFileSink(fileSink), pod);
    const target = net.pods.get(`sample/${pod}`);
    await maliciousRequest(target);
    let last = Date.now();
    await waitFor(async () => {
      if (passwdAlerts(readFileSink(fileSink), pod) > before) return true;
      // While Snort processes are being replaced a request can fall between two of them: ask again.
      if (options.resendEveryMs !== undefined && Date.now() - last > options.resendEveryMs) {
        last = Date.now();
        await maliciousRequest(target);
      }
      return false;
    }, { timeoutMs: 20000, what: `a 1:1122 alert for ${pod}` });
    return readFileSink(fileSink).filter((d) => d['rule']?.['id'] === '1:1122' && d['kubernetes']?.['pod']?.['name'] === pod).at(-1) as Doc;
  };

  beforeAll(async () => {
    console.log(`e2e: inspecting with ${SNORT_KIND}`);
    work = mkdtempSync(join(tmpdir(), 'kube-dpi-e2e-'));
    // Snort runs as uid 65534: it must be able to enter the state folder and read the override, as under
    // /var/lib and /etc in production (mkdtemp makes a 0700 folder).
    chmodSync(work, 0o755);
    stateDir = join(work, 'state');
    manifests = join(work, 'manifests');
    override = join(work, 'snort.lua');
    fileSink = join(work, 'alerts.jsonl');
    mkdirSync(join(work, 'rules'), { recursive: true });
    for (const file of rulesSource()) copyFileSync(file, join(work, 'rules', file.split('/').pop() as string));
    copyFileSync(join(REPO, 'snort-config', 'snort.lua'), override);
    await es.up();
    for (const [key, l] of Object.entries(labels)) {
      const [namespace, name] = key.split('/') as [string, string];
      net.addPod({ namespace, name, labels: l });
    }
    for (const pod of net.pods.values()) await waitForHttp(pod);
    writeManifestFile(manifests, 'namespaces.yaml', [namespaceObject('sample'), namespaceObject('other')]);
    writePods();
    agent = new AgentProcess({ args: agentArgs(), stateDir, logFile: join(work, 'agent.log') }).start();
  }, 60000);

  afterAll(async () => {
    await agent?.stop('SIGTERM');
    net.cleanup();
    await es.down();
    if (process.env['KUBE_DPI_E2E_KEEP'] !== '1') rmSync(work, { recursive: true, force: true });
    else console.log(`e2e: kept ${work}`);
  }, 60000);

  afterEach(() => {
    const state = expect.getState();
    if (state.assertionCalls > 0 && state.numPassingAsserts < state.assertionCalls) {
      console.log(`agent log (tail):\n${agent.log().split('\n').slice(-60).join('\n')}`);
    }
  });

  it('inspects nothing before a resource selects something', async () => {
    await waitFor(() => agent.log().includes('agent started'), { what: 'the agent to start' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(Object.keys(agent.status().resources ?? {})).toEqual([]);
    expect(existsSync(join(stateDir, 'snort')) ? readdirSync(join(stateDir, 'snort')).filter((d) => d.startsWith('snort-')) : []).toEqual([]);
  });

  it('starts inspecting when a resource is applied, and attributes alerts to the pod, interface, node and resource', async () => {
    writeManifestFile(manifests, 'dpi-nginx.yaml', [dpiObject('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"')]);
    await waitLive('sample/sample-dpi-nginx');
    const doc = await expectAlert('nginx-1');
    const pod = net.pods.get('sample/nginx-1');
    expect(doc['rule']['name']).toBe('SERVER-WEBAPP /etc/passwd file access attempt');
    expect(doc['kubernetes']['namespace']).toBe('sample');
    expect(doc['kubernetes']['labels']).toEqual({ 'k8s-app': 'nginx' });
    expect(doc['dpi']['interface']).toBe(pod.iface);
    expect(doc['host']['name']).toBe(NODE);
    expect(doc['dpi']['selected_by']).toEqual(['sample/sample-dpi-nginx']);
    expect(doc['destination']['ip']).toBe(pod.podIp);
    // Pods the resource does not select are not inspected: a pod in another namespace with the same label,
    // and a pod in the namespace without it.
    await maliciousRequest(net.pods.get('other/web-other'));
    await maliciousRequest(net.pods.get('sample/redis-1'));
    await expectAlert('nginx-1');
    const docs = readFileSink(fileSink);
    expect(passwdAlerts(docs, 'web-other')).toBe(0);
    expect(passwdAlerts(docs, 'redis-1')).toBe(0);
  });

  it('ships every alert to Elasticsearch as well, with the same ids', async () => {
    await waitFor(() => esDocs().length >= readFileSink(fileSink).length, { what: 'Elasticsearch to catch up' });
    const fileIds = readFileSink(fileSink).map((d) => d['_id']).sort();
    const esIds = [...es.indices.values()].flatMap((m) => [...m.keys()]).sort();
    expect(esIds).toEqual(fileIds);
    expect(new Set(fileIds).size).toBe(fileIds.length);
  });

  it('inspects a new matching pod', async () => {
    labels['sample/nginx-2'] = { 'k8s-app': 'nginx' };
    const pod = net.addPod({ namespace: 'sample', name: 'nginx-2', labels: labels['sample/nginx-2'] });
    await waitForHttp(pod);
    writePods();
    await waitForThread(pod.iface);
    await waitLive('sample/sample-dpi-nginx');
    const doc = await expectAlert('nginx-2');
    expect(doc['dpi']['interface']).toBe(pod.iface);
    // nginx-1 kept its own process: still inspected.
    await expectAlert('nginx-1');
  });

  it('follows a label change: a relabelled pod leaves the selection, another joins it', async () => {
    labels['sample/nginx-2'] = { app: 'retired' };
    labels['sample/redis-1'] = { 'k8s-app': 'nginx', app: 'redis' };
    writePods();
    await waitForThread(net.pods.get('sample/redis-1').iface);
    await waitLive('sample/sample-dpi-nginx');
    await expectAlert('redis-1');
    const before = passwdAlerts(readFileSink(fileSink), 'nginx-2');
    await maliciousRequest(net.pods.get('sample/nginx-2'));
    await expectAlert('nginx-1');
    expect(passwdAlerts(readFileSink(fileSink), 'nginx-2')).toBe(before);
  });

  it('inspects a pod selected by two resources once, naming both', async () => {
    writeManifestFile(manifests, 'dpi-all.yaml', [dpiObject('sample', 'sample-dpi-all', 'all()')]);
    await waitLive('sample/sample-dpi-all');
    await waitFor(async () => (await expectAlert('nginx-1'))['dpi']['selected_by'].length === 2, { timeoutMs: 30000, what: 'both resources on alerts' });
    const before = passwdAlerts(readFileSink(fileSink), 'nginx-1');
    const doc = await expectAlert('nginx-1');
    expect(doc['dpi']['selected_by']).toEqual(['sample/sample-dpi-all', 'sample/sample-dpi-nginx']);
    // One request, one alert: the pod is not inspected twice.
    await new Promise((r) => setTimeout(r, 1500));
    expect(passwdAlerts(readFileSink(fileSink), 'nginx-1')).toBe(before + 1);
    // all() now also selects nginx-2 in its namespace, never web-other in another one.
    await waitFor(() => live('sample/sample-dpi-all'), { what: 'all() live' });
    await expectAlert('nginx-2');
  });

  it('rejects a bad snort.lua override, shows it in status, and keeps inspecting with the previous config', async () => {
    const good = readFileSync(override, 'utf8');
    writeFileSync(override, good + '\n-- an unclosed table: Lua rejects it, so snort -T does\nstream_tcp = {\n');
    await waitFor(() => conditions('sample/sample-dpi-nginx').some((m) => /rejected/i.test(m)), { timeoutMs: 30000, what: 'the rejection in status' });
    expect(agent.log()).toMatch(/ERROR/);
    await expectAlert('nginx-1');
    writeFileSync(override, good);
    await waitFor(() => !conditions('sample/sample-dpi-nginx').some((m) => /rejected/i.test(m)), { timeoutMs: 30000, what: 'the rejection to clear' });
  });

  it('loses and doubles nothing when the agent is SIGKILLed mid-traffic while Elasticsearch is down', async () => {
    const pod = net.pods.get('sample/nginx-1');
    const fileBefore = passwdAlerts(readFileSink(fileSink), 'nginx-1');
    await waitFor(() => passwdAlerts(esDocs(), 'nginx-1') === fileBefore, { what: 'Elasticsearch to hold every earlier alert' });
    const requests = 30;
    for (let i = 0; i < requests; i++) {
      if (i === 5) await es.down();
      if (i === 10) await agent.stop('SIGKILL');
      if (i === 18) agent = new AgentProcess({ args: agentArgs(), stateDir, logFile: join(work, 'agent.log') }).start();
      if (i === 24) await es.up();
      await maliciousRequest(pod);
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitFor(() => passwdAlerts(readFileSink(fileSink), 'nginx-1') >= fileBefore + requests, { timeoutMs: 40000, what: 'the file sink to hold every alert' });
    await waitFor(() => passwdAlerts(esDocs(), 'nginx-1') >= fileBefore + requests, { timeoutMs: 40000, what: 'Elasticsearch to catch up' });
    await new Promise((r) => setTimeout(r, 2000));
    const fileDocs = readFileSink(fileSink);
    expect(passwdAlerts(fileDocs, 'nginx-1')).toBe(fileBefore + requests);
    expect(passwdAlerts(esDocs(), 'nginx-1')).toBe(fileBefore + requests);
    const ids = fileDocs.map((d) => d['_id']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('handles a pod interface that disappears: an error condition, no crash, the others keep being inspected', async () => {
    const redis = net.pods.get('sample/redis-1');
    net.removePod('sample', 'redis-1'); // the veth goes; the Pod object stays in the manifests
    await waitFor(() => conditions('sample/sample-dpi-nginx').some((m) => m.includes(redis.iface)), { timeoutMs: 30000, what: 'a missing-interface condition' });
    expect(live('sample/sample-dpi-nginx')).toBe(false);
    // nginx-1 shares a Snort process with redis-1 (adopted after the SIGKILL): only redis-1's thread stops.
    // Should that process exit, the plan replaces it without the vanished veth; a request that falls between
    // the two processes is asked again.
    await expectAlert('nginx-1', { resendEveryMs: 3000 });
    delete labels['sample/redis-1'];
    writePods();
    await waitLive('sample/sample-dpi-nginx');
  });

  it('stops inspection when the resources are deleted, drains their alert files and removes them', async () => {
    removeManifestFile(manifests, 'dpi-nginx.yaml');
    removeManifestFile(manifests, 'dpi-all.yaml');
    await waitFor(() => Object.keys(agent.status().resources ?? {}).length === 0, { timeoutMs: 30000, what: 'status entries to go' });
    await waitFor(() => readdirSync(join(stateDir, 'snort')).filter((d) => d.startsWith('snort-')).length === 0, { timeoutMs: 30000, what: 'process folders to be drained and removed' });
    const before = readFileSink(fileSink).length;
    await maliciousRequest(net.pods.get('sample/nginx-1'));
    ping(net.pods.get('sample/nginx-1'));
    await new Promise((r) => setTimeout(r, 2000));
    expect(readFileSink(fileSink).length).toBe(before);
    const exit = await agent.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});
