#!/usr/bin/env node
// `make demo`: the README's main job. Builds three "pods" on this host (network namespaces joined by
// Calico-named veths), writes their manifests and the seed DeepPacketInspection resource, runs the real agent
// in standalone mode with real Snort 3 and the file sink, sends benign and malicious traffic, and prints the
// alerts as they arrive. Ctrl-C (or --duration) stops it and removes everything it created.
//
//   sudo make demo                          # real Snort 3 from PATH or SNORT_BIN, rules from /usr/etc/snort/rules
//   sudo node e2e/local/demo.js --duration 30 --rules-dir ./rules
//   sudo node e2e/local/demo.js --test-double   # no Snort here: the test double, NOT real inspection
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import { AgentProcess, REPO, readFileSink } from './agent-process.js';
import { PodNetwork, benignRequest, dpiObject, maliciousRequest, namespaceObject, ping, waitFor, waitForHttp, writeManifestFile } from './harness.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string' },
    'rules-dir': { type: 'string' },
    'test-double': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('Usage: sudo node e2e/local/demo.js [--duration SECONDS] [--rules-dir DIR] [--test-double]');
  process.exit(0);
}

function fail(message) {
  console.error(`kube-dpi demo: ${message}`);
  process.exit(1);
}

function findSnort() {
  if (process.env.SNORT_BIN) return existsSync(process.env.SNORT_BIN) ? process.env.SNORT_BIN : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'snort'))) return join(dir, 'snort');
  return undefined;
}

if (process.getuid?.() !== 0) fail('needs root to create network namespaces and veth pairs and to capture on them: run `sudo make demo`');
if (!existsSync(join(REPO, 'dist', 'cli', 'bin.js'))) fail('dist/ is missing: run `npm ci` (or `make build`) first');

const useDouble = values['test-double'] === true;
const snort = useDouble ? join(REPO, 'agent', 'test', 'doubles', 'snort-double.mjs') : findSnort();
if (!snort) {
  fail(
    'needs Snort 3 (`snort` on PATH, or SNORT_BIN=/path/to/snort). Alpine: `apk add snort daq`; elsewhere see the README\'s ' +
      'Prerequisites, or run the agent image. Without Snort, `npm run e2e` runs the same scenarios against a test double.',
  );
}

const rulesDir = values['rules-dir'] ?? process.env.KUBE_DPI_RULES_DIR ?? (useDouble ? join(REPO, 'agent', 'test', 'fixtures', 'snort', 'rules') : '/usr/etc/snort/rules');
const hasRules = existsSync(rulesDir) && statSync(rulesDir).isDirectory() && readdirSync(rulesDir).some((f) => f.endsWith('.rules'));
if (!hasRules) {
  fail(
    `no *.rules in ${rulesDir}: put the Snort community rules there (snort3-community-rules.tar.gz from snort.org, ` +
      'extract snort3-community.rules) or pass --rules-dir <folder>',
  );
}

const work = mkdtempSync(join(tmpdir(), 'kube-dpi-demo-'));
chmodSync(work, 0o755); // Snort runs as uid 65534 and must reach its folder under the state dir
const stateDir = join(work, 'state');
const manifests = join(work, 'manifests');
const sink = join(stateDir, 'alerts.jsonl');
mkdirSync(manifests, { recursive: true });

const net = new PodNetwork({ prefix: 'kdpidemo', net: 246, nodeName: 'demo-node' });
let agent;
let stopping = false;

async function cleanup(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping: agent (Snort stops with it), pods, files');
  await agent?.stop('SIGTERM');
  net.cleanup();
  if (process.env.KUBE_DPI_DEMO_KEEP !== '1') rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  process.exit(code);
}
process.on('SIGINT', () => void cleanup(0));
process.on('SIGTERM', () => void cleanup(0));

try {
  console.log(useDouble ? '!! --test-double: alerts come from the Snort TEST DOUBLE, not real inspection\n' : `Snort: ${snort}`);
  console.log(`rules: ${rulesDir}\nwork folder: ${work}\n`);
  const pods = [
    net.addPod({ namespace: 'sample', name: 'nginx-1', labels: { 'k8s-app': 'nginx' } }),
    net.addPod({ namespace: 'sample', name: 'nginx-2', labels: { 'k8s-app': 'nginx' } }),
    net.addPod({ namespace: 'sample', name: 'redis-1', labels: { app: 'redis' } }),
  ];
  for (const pod of pods) await waitForHttp(pod);
  for (const pod of pods) console.log(`pod ${pod.namespace}/${pod.name}  ${pod.podIp}  host interface ${pod.iface}  labels ${JSON.stringify(pod.labels)}`);
  writeManifestFile(manifests, 'namespaces.yaml', [namespaceObject('sample')]);
  writeManifestFile(manifests, 'pods.yaml', net.podObjects());
  writeManifestFile(manifests, 'dpi.yaml', [dpiObject('sample', 'sample-dpi-nginx', 'k8s-app == "nginx"')]);
  console.log('\nDeepPacketInspection sample/sample-dpi-nginx  selector: k8s-app == "nginx"  (redis-1 is not selected)\n');

  const args = ['--manifests', manifests, '--node', 'demo-node', '--state-dir', stateDir, '--snort', snort, '--rules-dir', rulesDir, '--metrics-port', '0'];
  if (useDouble) args.push('--snort-config-dir', join(REPO, 'agent', 'test', 'fixtures', 'snort', 'etc'));
  agent = new AgentProcess({ args, stateDir, logFile: join(work, 'agent.log') }).start();
  agent.exit.then(({ code, signal }) => {
    if (!stopping) {
      console.error(`agent exited (code ${code}, signal ${signal}); its log:\n${agent.log().split('\n').slice(-20).join('\n')}`);
      void cleanup(1);
    }
  });

  await waitFor(() => agent.status().resources?.['sample/sample-dpi-nginx'] !== undefined, { timeoutMs: 30000, what: 'the first status' });
  let lastStatus = '';
  const showStatus = () => {
    const entry = agent.status().resources?.['sample/sample-dpi-nginx'];
    const text = entry ? `status: active=${entry.active.success}${entry.errorConditions.map((c) => `\n  error: ${c.message}`).join('')}` : 'status: none';
    if (text !== lastStatus) console.log(text);
    lastStatus = text;
  };
  await waitFor(() => {
    showStatus();
    return agent.status().resources?.['sample/sample-dpi-nginx']?.active?.success === true;
  }, { timeoutMs: 60000, intervalMs: 500, what: 'inspection to be live' });
  console.log(`\ninspection is live; alerts from ${sink}:\n`);

  let shown = 0;
  const printAlerts = () => {
    const docs = readFileSink(sink);
    for (const d of docs.slice(shown)) {
      const src = d.source ? `${d.source.ip}${d.source.port ? ':' + d.source.port : ''}` : '-';
      const dst = d.destination ? `${d.destination.ip}${d.destination.port ? ':' + d.destination.port : ''}` : '-';
      const pod = d.kubernetes ? `${d.kubernetes.namespace}/${d.kubernetes.pod.name}` : '(unknown pod)';
      const count = d.dpi?.count > 1 ? ` x${d.dpi.count}` : '';
      console.log(`${d['@timestamp']}  [${d.rule.id}] ${d.rule.name}${count}\n    pod ${pod} via ${d.dpi?.interface}  ${src} -> ${dst}  resources ${(d.dpi?.selected_by ?? []).join(',')}`);
    }
    shown = docs.length;
  };
  const started = Date.now();
  const duration = values.duration ? Number(values.duration) * 1000 : Infinity;
  let round = 0;
  while (!stopping && Date.now() - started < duration) {
    round++;
    await maliciousRequest(pods[round % 2]); // GET /cgi-bin/view?file=/etc/passwd: community rule 1:1122
    await benignRequest(pods[2]);
    ping(pods[0], 1); // ICMP echo: community rules 1:366, 1:29456, 1:408
    await new Promise((r) => setTimeout(r, 1000));
    printAlerts();
    showStatus();
  }
  await new Promise((r) => setTimeout(r, 1500));
  printAlerts();
  console.log(`\n${shown} alert documents; all attributed to the selected pods (redis-1 is not inspected).`);
  await cleanup(shown > 0 ? 0 : 1);
} catch (err) {
  console.error(`kube-dpi demo: ${err instanceof Error ? err.message : String(err)}`);
  if (agent) console.error(agent.log().split('\n').slice(-20).join('\n'));
  await cleanup(1);
}
