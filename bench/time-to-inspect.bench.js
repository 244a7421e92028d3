#!/usr/bin/env node
// Time to inspect (DESIGN §7: a new matching pod is inspected within Snort's start time plus 1 s).
// Method: the real agent in standalone mode watches a manifests folder; a pod (network namespace + Calico-named
// veth) already exists and a resource selects it; we then write the Pod into the manifests and time, from the
// file's rename: (a) until the agent spawns Snort for it ("snort started" in the log: the agent's share),
// (b) until Snort reports the packet thread live (`++ [N] <iface>`: Snort's own start time), repeated ROUNDS
// times with a fresh pod each. Snort is the real one when on PATH / SNORT_BIN, else the test double (whose start
// time is tcpdump's, so only the agent's share is meaningful then). Needs root.
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AgentProcess, REPO } from '../e2e/local/agent-process.js';
import { PodNetwork, dpiObject, namespaceObject, waitFor, writeManifestFile } from '../e2e/local/harness.js';

const ROUNDS = Number(process.env.BENCH_INSPECT_ROUNDS ?? 5);

function findSnort() {
  if (process.env.SNORT_BIN) return process.env.SNORT_BIN;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) if (dir && existsSync(join(dir, 'snort'))) return join(dir, 'snort');
  return undefined;
}

function logTimes(log, message, iface) {
  const out = [];
  for (const line of log.split('\n')) {
    if (!line.includes(`"message":"${message}"`) || !line.includes(iface)) continue;
    try {
      out.push(Date.parse(JSON.parse(line).timestamp));
    } catch {
      // a partial last line
    }
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run() {
  const name = 'time to inspect a new pod';
  if (process.getuid?.() !== 0) return { name, skipped: 'needs root (network namespaces and veths)' };
  const real = findSnort();
  const snort = real ?? join(REPO, 'agent', 'test', 'doubles', 'snort-double.mjs');
  const work = mkdtempSync(join(tmpdir(), 'kube-dpi-bench-inspect-'));
  chmodSync(work, 0o755);
  const manifests = join(work, 'manifests');
  const stateDir = join(work, 'state');
  const net = new PodNetwork({ prefix: 'kdpibt', net: 245, nodeName: 'bench-node' });
  const args = ['--manifests', manifests, '--node', 'bench-node', '--state-dir', stateDir, '--snort', snort, '--metrics-port', '0'];
  if (real) {
    const rules = process.env.KUBE_DPI_RULES_DIR ?? '/usr/etc/snort/rules';
    if (existsSync(rules)) args.push('--rules-dir', rules);
  } else {
    args.push('--snort-config-dir', join(REPO, 'agent', 'test', 'fixtures', 'snort', 'etc'), '--rules-dir', join(REPO, 'agent', 'test', 'fixtures', 'snort', 'rules'));
  }
  writeManifestFile(manifests, 'ns.yaml', [namespaceObject('bench')]);
  writeManifestFile(manifests, 'dpi.yaml', [dpiObject('bench', 'all', 'all()')]);
  const agent = new AgentProcess({ args, stateDir, logFile: join(work, 'agent.log') }).start();
  const agentShare = [];
  const snortShare = [];
  try {
    await waitFor(() => agent.log().includes('agent started'), { timeoutMs: 30000, what: 'the agent' });
    for (let i = 1; i <= ROUNDS; i++) {
      const pod = net.addPod({ namespace: 'bench', name: `pod-${i}`, labels: { app: 'bench' }, http: false });
      const t0 = Date.now();
      writeManifestFile(manifests, 'pods.yaml', net.podObjects());
      await waitFor(() => logTimes(agent.log(), 'snort thread started', pod.iface).length > 0, { timeoutMs: 60000, what: `a live thread on ${pod.iface}` });
      const spawned = logTimes(agent.log(), 'snort started', pod.iface).at(-1);
      const live = logTimes(agent.log(), 'snort thread started', pod.iface).at(-1);
      if (spawned !== undefined && live !== undefined) {
        agentShare.push(spawned - t0);
        snortShare.push(live - spawned);
      }
    }
  } finally {
    await agent.stop('SIGTERM');
    net.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
  return {
    name,
    method: `${ROUNDS} new pods, one at a time, written to the watched manifests folder; Snort: ${real ? `real (${real})` : 'the TEST DOUBLE (its start time is not Snort\'s)'}. Each new pod starts its own Snort process (sticky placement), so no other pod's inspection is interrupted.`,
    results: [
      { metric: 'manifest written → Snort spawned for the pod (the agent\'s share), median', value: median(agentShare), unit: 'ms', target: '<= 1000 on top of Snort\'s start' },
      { metric: 'manifest written → Snort spawned, max', value: Math.max(...agentShare), unit: 'ms', target: '<= 1000' },
      { metric: `Snort spawned → packet thread live (${real ? 'Snort' : 'double'}), median`, value: median(snortShare), unit: 'ms', target: real ? 'FACTS: 0.3–1.7 s' : 'n/a (double)' },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await run(), null, 2));
}
