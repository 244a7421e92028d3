#!/usr/bin/env node
// Plan benchmark (DESIGN §7 "Plan": 1,000 pods on a node and 200 resources → full plan under 50 ms; one pod
// change re-planned under 2 ms). Runs against the built library (`npm run build` first).
//
// Method: 1,000 endpoint pods and 200 DeepPacketInspection resources in ONE namespace (the worst case: a
// resource only selects within its namespace), selectors a mix of ==, in, has, &&, || and all(), so most pods
// are selected by several resources. Measured:
// - full plan: what `kube-dpi plan` and a first agent pass compute — SelectionIndex.fromSnapshot, interface
//   names for every selected endpoint (InterfaceResolver, calico strategy, not checked: no host I/O),
//   computeDesiredSet and planChanges against nothing running; median and p95 of 30 runs after 5 warm-ups;
// - one pod change, the pure part of a reconcile pass and nothing else: a pod's labels change (all 200
//   selectors re-evaluated for it), then SelectionIndex.upsertPod, computeDesiredSet and planChanges against
//   the processes the previous plan started (sticky placement: "keep all, start/stop at most one"). Interface
//   lookups are not redone (the pod's veth did not change; the resolver is I/O and caches by interface);
//   median and p99 of 2,000 changes after 200 warm-ups;
// - the status entries of that pass (computeNodeStatus against the previous entries, every thread live),
//   reported on its own: the reconciler computes them after the plan has run.
// At the end the incrementally maintained desired set must equal one computed from scratch, or the run fails.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SelectionIndex } from '../dist/model/selection-index.js';
import { InterfaceResolver } from '../dist/model/interfaces/resolve-interfaces.js';
import { calicoInterfaceName } from '../dist/model/interfaces/calico-interface-name.js';
import { computeDesiredSet } from '../dist/reconcile/desired.js';
import { planChanges } from '../dist/reconcile/plan.js';
import { computeNodeStatus } from '../dist/reconcile/status.js';
import { isDeepStrictEqual } from 'node:util';

const PODS = 1000;
const RESOURCES = 200;
const NS = 'bench';
const OPTIONS = { maxInterfacesPerProcess: 16, configHash: 'bench' };

function makePod(i, generation = 0) {
  return {
    namespace: NS,
    name: `pod-${i}`,
    uid: `uid-${i}`,
    nodeName: 'node-1',
    hostNetwork: false,
    phase: 'Running',
    podIPs: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
    labels: {
      app: `app-${(i + generation) % 50}`,
      tier: ['fe', 'be', 'db'][i % 3],
      env: i % 4 === 0 ? 'production' : 'staging',
      version: `v${i % 7}`,
    },
    serviceAccount: 'default',
  };
}

function selectorFor(r) {
  switch (r % 6) {
    case 0: return `app == "app-${r % 50}"`;
    case 1: return `app in {"app-${r % 50}", "app-${(r + 1) % 50}"} && tier == "fe"`;
    case 2: return `has(version) && env == "production"`;
    case 3: return `tier == "db" || app == "app-${r % 50}"`;
    case 4: return `version == "v${r % 7}"`;
    default: return r === 5 ? 'all()' : `app == "app-${(r * 3) % 50}"`;
  }
}

function snapshot() {
  return {
    node: 'node-1',
    namespaces: [{ name: NS, labels: {} }],
    pods: Array.from({ length: PODS }, (_, i) => makePod(i)),
    resources: Array.from({ length: RESOURCES }, (_, r) => ({ namespace: NS, name: `dpi-${r}`, selector: selectorFor(r) })),
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

async function fullPlan(snap, resolver) {
  const index = SelectionIndex.fromSnapshot(snap);
  const lookups = await resolver.resolveAll(index.selectedEndpointList());
  const desired = computeDesiredSet(index, lookups);
  const plan = planChanges(desired, [], OPTIONS);
  return { index, lookups, desired, plan };
}

export async function run() {
  const snap = snapshot();
  const resolver = new InterfaceResolver({ strategy: 'calico', checkExists: false });
  const fullTimes = [];
  let state;
  for (let i = 0; i < 35; i++) {
    const t0 = performance.now();
    state = await fullPlan(snap, resolver);
    if (i >= 5) fullTimes.push(performance.now() - t0);
  }
  const { index, lookups } = state;
  let running = state.plan.start.map((s) => ({ ...s, deadInterfaces: [] }));
  const resources = index.resources();
  const liveHealth = () => running.flatMap((p) => p.interfaces.map((i) => ({ interface: i, processId: p.id, live: true, since: 0 })));
  let status = computeNodeStatus({ node: 'node-1', resources, desired: state.desired, errors: [], health: liveHealth(), now: 0 });

  const pods = [...snap.pods];
  const changeTimes = [];
  const statusTimes = [];
  let desired = state.desired;
  for (let n = 0; n < 2200; n++) {
    const i = (n * 7919) % PODS;
    const pod = makePod(i, n + 1);
    pods[i] = pod;
    // Every pod already has its lookup; a new pod would get one from the resolver before the pass.
    if (!lookups.has(`${NS}/${pod.name}`)) lookups.set(`${NS}/${pod.name}`, { interface: calicoInterfaceName(NS, pod.name), exists: undefined });
    const t0 = performance.now();
    index.upsertPod(pod);
    desired = computeDesiredSet(index, lookups);
    const plan = planChanges(desired, running, OPTIONS);
    const t1 = performance.now();
    // Apply the plan to the simulated running set, as the driver would.
    const stopped = new Set(plan.stop);
    running = [...running.filter((p) => !stopped.has(p.id)), ...plan.start.map((s) => ({ ...s, deadInterfaces: [] }))];
    const health = liveHealth();
    const t2 = performance.now();
    status = computeNodeStatus({ node: 'node-1', resources, desired, errors: [], health, now: n, previous: status });
    const t3 = performance.now();
    if (n >= 200) {
      changeTimes.push(t1 - t0);
      statusTimes.push(t3 - t2);
    }
  }
  const scratch = SelectionIndex.fromSnapshot({ ...snap, pods });
  if (!isDeepStrictEqual(desired, computeDesiredSet(scratch, await resolver.resolveAll(scratch.selectedEndpointList())))) {
    throw new Error('bench: the incrementally maintained desired set differs from one computed from scratch');
  }
  const selected = state.desired.endpoints.length;
  return {
    name: 'plan',
    method: `1,000 pods × 200 resources in one namespace; ${selected} endpoints selected, ${state.plan.start.length} Snort processes of ≤16 interfaces. See bench/plan.bench.js for the method.`,
    results: [
      { metric: 'full plan (selection + interfaces + desired + plan), median', value: median(fullTimes), unit: 'ms', target: '< 50 ms' },
      { metric: 'full plan, p95', value: pct(fullTimes, 0.95), unit: 'ms', target: '< 50 ms' },
      { metric: 'one pod change re-planned (upsertPod + desired + plan), median', value: median(changeTimes), unit: 'ms', target: '< 2 ms' },
      { metric: 'one pod change re-planned, p99', value: pct(changeTimes, 0.99), unit: 'ms', target: '< 2 ms' },
      { metric: 'status entries after one pod change, median', value: median(statusTimes), unit: 'ms', target: '' },
      { metric: 'status entries after one pod change, p99', value: pct(statusTimes, 0.99), unit: 'ms', target: '' },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await run();
  for (const r of report.results) console.log(`${report.name}: ${r.metric} = ${r.value.toFixed(3)} ${r.unit} (target ${r.target || '-'})`);
}
