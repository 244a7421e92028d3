#!/usr/bin/env node
// Agent memory under load (DESIGN §7: under 100 MB RSS with 1,000 pods, 200 resources and a sustained 10k
// alerts/s). Method: 1,000 pods in 10 namespaces and 200 resources (mixed selectors); 16 of the selected pods
// get real host interfaces (veths named the Calico way), so one Snort process with 16 packet threads runs on
// them. Snort is the test double with its synthetic-load knob, writing 10,000 alert lines per second in the
// real alert_json format across those 16 per-thread files. The agent (the real CLI, file sink) tails,
// normalises, enriches and ships them for DURATION seconds; its RSS is sampled from /proc every 500 ms (peak =
// VmHWM at the end), and the sink is counted to check it kept up. The same load runs twice:
// - standalone: the objects come from a manifests directory (`--manifests`);
// - cluster mode, what the DaemonSet runs: the same objects served by the Kubernetes API server test double
//   (agent/test/doubles/kube-apiserver-double.ts, compiled with tsc into a temp dir and run in its own
//   process), the agent given a kubeconfig for it, so it loads @kubernetes/client-node, lists and watches
//   through informers, writes status with server-side apply and holds the pruner Lease.
// Knobs: BENCH_AGENT_SECONDS (30), BENCH_AGENT_RATE (10000), BENCH_AGENT_MODES (standalone,cluster),
// BENCH_AGENT_NODE_FLAGS (extra node/V8 flags for the agent process only, e.g. "--max-semi-space-size=2").
// The bench pins nothing; run it under `taskset -c N` to keep it off a core (children inherit the mask).
// Needs root (veths); skips with the reason otherwise.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { calicoName } from '../e2e/local/harness.js';
import { compileTestDouble, cpuSeconds } from './support.js';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const DURATION_S = Number(process.env.BENCH_AGENT_SECONDS ?? 30);
const RATE = Number(process.env.BENCH_AGENT_RATE ?? 10000);
const MODES = (process.env.BENCH_AGENT_MODES ?? 'standalone,cluster').split(',').map((m) => m.trim()).filter((m) => m !== '');
const NODE_FLAGS = (process.env.BENCH_AGENT_NODE_FLAGS ?? '').split(/\s+/).filter((f) => f !== '');
const PODS = 1000;
const RESOURCES = 200;
const LIVE = 16;
const NODE = 'bench-node';

function manifests() {
  const objects = [];
  for (let n = 0; n < 10; n++) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${n}`, labels: { team: `t${n % 3}` } } });
  for (let i = 0; i < PODS; i++) {
    const ns = `ns-${i % 10}`;
    objects.push({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `pod-${i}`, namespace: ns, labels: { app: `app-${i % 50}`, tier: ['web', 'db', 'cache'][i % 3], 'k8s-app': i < LIVE * 10 ? 'live' : 'idle' } },
      spec: { nodeName: NODE, serviceAccountName: 'default' },
      status: { phase: 'Running', podIP: `10.${100 + (i >> 8)}.${i & 255}.2`, podIPs: [{ ip: `10.${100 + (i >> 8)}.${i & 255}.2` }] },
    });
  }
  const selectors = (r) => [`app == "app-${r % 50}"`, `tier in {"web", "db"} && app != "app-${r % 7}"`, `has(tier) && !has(missing)`, `app starts with "app-1"`][r % 4];
  for (let r = 0; r < RESOURCES; r++) {
    objects.push({ apiVersion: 'projectcalico.org/v3', kind: 'DeepPacketInspection', metadata: { name: `dpi-${r}`, namespace: `ns-${r % 10}` }, spec: { selector: selectors(r) } });
  }
  return objects;
}

function rssKb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), hwm: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

// The API server double runs in its own process, compiled the way alerts.bench.js compiles the Elasticsearch
// double; its imports (client-node, yaml) resolve through a node_modules link to this checkout's.
const DOUBLE_RUNNER = `import { readFileSync } from 'node:fs';
import { KubeApiServerDouble } from './kube-apiserver-double.js';
const KINDS = { Namespace: 'namespaces', Node: 'nodes', Pod: 'pods', DeepPacketInspection: 'dpi' };
const api = new KubeApiServerDouble();
const url = await api.start();
for (const o of JSON.parse(readFileSync(process.argv[2], 'utf8'))) api.put(KINDS[o.kind], o);
process.on('SIGTERM', () => void api.stop().then(() => process.exit(0)));
process.stdout.write('listening ' + url + '\\n');
`;

function compileApiDouble(dir) {
  const out = dirname(compileTestDouble(dir, 'kube-apiserver-double'));
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
  writeFileSync(join(out, 'run-double.js'), DOUBLE_RUNNER);
  return join(out, 'run-double.js');
}

async function startApiDouble(script, objectsFile) {
  const child = spawn(process.execPath, [script, objectsFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /listening (\S+)/.exec(text);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`API server double exited ${code}`)));
  });
  return { child, url };
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Runs the agent with `modeArgs` under the load; returns its RSS (MB: median, max, VmHWM), alerts/s and CPU share. */
async function measure(dir, modeArgs) {
  mkdirSync(dir);
  const sink = join(dir, 'alerts.jsonl');
  const perThread = Math.ceil(RATE / LIVE);
  const agent = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, 'bin', 'kube-dpi.js'), 'agent', ...modeArgs, '--node', NODE,
    '--state-dir', join(dir, 'state'), '--snort', join(ROOT, 'agent', 'test', 'doubles', 'snort-double.mjs'),
    '--snort-config-dir', join(ROOT, 'agent', 'test', 'fixtures', 'snort', 'etc'), '--rules-dir', join(ROOT, 'agent', 'test', 'fixtures', 'snort', 'rules'),
    '--sink', `file:${sink}`, '--alert-rate-window', '0', '--metrics-port', '0', '--log-level', 'warn'], {
    env: { ...process.env, KUBE_DPI_SNORT_DOUBLE_SYNTHETIC_ALERTS_PER_SEC: String(perThread) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  agent.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const samples = [];
  const started = Date.now();
  try {
    // Warm-up: until alerts flow.
    while (!(existsSync(sink) && statSync(sink).size > 0)) {
      if (agent.exitCode !== null) throw new Error(`agent exited ${agent.exitCode}; agent log: ${log}`);
      if (Date.now() - started > 60000) throw new Error(`no alerts after 60 s; agent log: ${log}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const t0 = Date.now();
    const lines0 = countLines(sink);
    const cpu0 = cpuSeconds(agent.pid);
    while (Date.now() - t0 < DURATION_S * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      samples.push(rssKb(agent.pid).rss);
    }
    const shipped = countLines(sink) - lines0;
    const seconds = (Date.now() - t0) / 1000;
    const cpuShare = (cpuSeconds(agent.pid) - cpu0) / seconds;
    const { hwm } = rssKb(agent.pid);
    samples.sort((a, b) => a - b);
    return { p50: samples[Math.floor(samples.length / 2)] / 1024, max: samples[samples.length - 1] / 1024, hwm: hwm / 1024, perSecond: shipped / seconds, cpuShare };
  } finally {
    await stopChild(agent);
    // The sink file is the largest thing here (hundreds of MB at 10k alerts/s); free it before the next mode.
    rmSync(sink, { force: true });
  }
}

function rows(m, suffix) {
  return [
    { metric: `agent RSS, median while loaded${suffix}`, value: m.p50, unit: 'MB', target: '< 100' },
    { metric: `agent RSS, max sampled${suffix}`, value: m.max, unit: 'MB', target: '< 100' },
    { metric: `agent peak RSS (VmHWM, incl. start-up)${suffix}`, value: m.hwm, unit: 'MB', target: '< 100' },
    { metric: `alerts shipped per second (agent-side folding off, one document per alert)${suffix}`, value: m.perSecond, unit: 'alerts/s', target: `>= ${RATE} (keeps up)` },
    { metric: `agent CPU while loaded (CPU-seconds per second: 1 = one core)${suffix}`, value: m.cpuShare, unit: 'cores', target: '-' },
  ];
}

export async function run() {
  const name = 'agent memory under load';
  if (process.getuid?.() !== 0) return { name, skipped: 'needs root to create the host interfaces (veths)' };
  if (!existsSync(join(ROOT, 'dist', 'cli', 'bin.js'))) return { name, skipped: 'dist/ missing: npm run build' };
  const work = mkdtempSync(join(tmpdir(), 'kube-dpi-bench-agent-'));
  chmodSync(work, 0o755);
  const objects = manifests();
  // The live pods: the first LIVE pods selected by dpi-0 (app == "app-0") in ns-0 are pods 0, 50, 100...
  const livePods = objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === 'ns-0' && o.metadata.labels.app === 'app-0').slice(0, LIVE);
  const links = livePods.map((p) => calicoName(p.metadata.namespace, p.metadata.name));
  let apiDouble;
  try {
    for (const link of links) {
      try { execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' }); } catch { /* not there */ }
      execFileSync('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', `kdpib${links.indexOf(link)}`]);
      execFileSync('ip', ['link', 'set', link, 'up']);
    }
    const results = [];
    const flags = NODE_FLAGS.length > 0 ? ` Agent node flags: ${NODE_FLAGS.join(' ')}.` : '';
    if (MODES.includes('standalone')) {
      mkdirSync(join(work, 'manifests'));
      writeFileSync(join(work, 'manifests', 'all.yaml'), objects.map((o) => stringify(o)).join('---\n'));
      results.push(...rows(await measure(join(work, 'standalone'), ['--manifests', join(work, 'manifests')]), ''));
    }
    if (MODES.includes('cluster')) {
      const objectsFile = join(work, 'objects.json');
      writeFileSync(objectsFile, JSON.stringify([{ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE } }, ...objects]));
      apiDouble = await startApiDouble(compileApiDouble(work), objectsFile);
      const kubeconfig = join(work, 'kubeconfig');
      writeFileSync(kubeconfig,
        `apiVersion: v1\nkind: Config\nclusters: [{name: double, cluster: {server: "${apiDouble.url}", insecure-skip-tls-verify: true}}]\n` +
        'users: [{name: agent, user: {token: bench}}]\ncontexts: [{name: double, context: {cluster: double, user: agent}}]\ncurrent-context: double\n');
      results.push(...rows(await measure(join(work, 'cluster'), ['--kubeconfig', kubeconfig, '--lease-namespace', 'kube-dpi']), ', cluster mode (API server double)'));
    }
    return {
      name,
      method: `1,000 pods, 200 resources; 16 live interfaces in one Snort (test double) process writing ${RATE} alerts/s; the real agent with the file sink for ${DURATION_S} s. RSS sampled every 500 ms. ` +
        'Rows without a suffix: standalone (`--manifests`); "cluster mode (API server double)": the same objects listed and watched from the Kubernetes API server test double through a kubeconfig, as the DaemonSet runs.' + flags,
      results,
    };
  } finally {
    if (apiDouble) await stopChild(apiDouble.child);
    for (const link of links) {
      try { execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' }); } catch { /* gone */ }
    }
    rmSync(work, { recursive: true, force: true });
  }
}

function countLines(path) {
  if (!existsSync(path)) return 0;
  const buf = readFileSync(path);
  let n = 0;
  for (let i = 0; i < buf.length; i++) if (buf[i] === 10) n++;
  return n;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const report = await run();
  console.log(JSON.stringify(report, null, 2));
}
