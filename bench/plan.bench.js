#!/usr/bin/env node
// Plan benchmark (DESIGN §7 "Plan": 1,000 pods on a node and 200 resources → full plan under 50 ms; one pod
// change re-planned under 2 ms). Runs against the built library (`npm run build` first).
//
// Method: 1,000 endpoint pods and 200 DeepPacketInspection resources in ONE namespace (the worst case: a
// resource only selects within its namespace), selectors a mix of ==, in, has, &&, || and all(), so most pods
// are selected by several resources. Measured:
// - full plan: what `kube-dpi plan` and a first agent pass compute — SelectionIndex.fromSnapshot, interface
//   names for every selected endpoint (InterfaceResolver, calico strategy, not checked: no host I/O),
//   computeDesiredSet and planChanges against nothing running; median of 15 runs after 3 warm-ups;
// - one pod change: a pod's labels change (all 200 selectors re-evaluated for it), then the incremental index
//   update, computeDesiredSet and planChanges against the processes the previous plan started (sticky
//   placement: the answer is "keep all, start/stop at most one"); interface lookups of unchanged pods are
//   reused, as their veths did not change; median and p99 of 2,000 changes after 200 warm-ups.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SelectionIndex } from '../dist/model/selection-index.js';
import { InterfaceResolver } from '../dist/model/interfaces/resolve-interfaces.js';
import { calicoInterfaceName } from '../dist/model/interfaces/calico-interface-name.js';
import { computeDesiredSet } from '../dist/reconcile/desired.js';
import { planChanges } from '../dist/reconcile/plan.js';

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
  for (let i = 0; i < 18; i++) {
    const t0 = performance.now();
    state = await fullPlan(snap, resolver);
    if (i >= 3) fullTimes.push(performance.now() - t0);
  }
  const { index, lookups } = state;
  let running = state.plan.start.map((s) => ({ ...s, deadInterfaces: [] }));

  const changeTimes = [];
  for (let n = 0; n < 2200; n++) {
    const i = (n * 7919) % PODS;
    const pod = makePod(i, n + 1);
    const t0 = performance.now();
    index.upsertPod(pod);
    if (!lookups.has(`${NS}/${pod.name}`)) lookups.set(`${NS}/${pod.name}`, { interface: calicoInterfaceName(NS, pod.name), exists: undefined });
    const desired = computeDesiredSet(index, lookups);
    const plan = planChanges(desired, running, OPTIONS);
    const elapsed = performance.now() - t0;
    // Apply the plan to the simulated running set, as the driver would.
    const stopped = new Set(plan.stop);
    running = [...running.filter((p) => !stopped.has(p.id)), ...plan.start.map((s) => ({ ...s, deadInterfaces: [] }))];
    if (n >= 200) changeTimes.push(elapsed);
  }
  const selected = state.desired.endpoints.length;
  return {
    name: 'plan',
    method: `1,000 pods × 200 resources in one namespace; ${selected} endpoints selected, ${state.plan.start.length} Snort processes of ≤16 interfaces. See bench/plan.bench.js for the method.`,
    results: [
      { metric: 'full plan (selection + interfaces + desired + plan), median', value: median(fullTimes), unit: 'ms', target: '< 50 ms' },
      { metric: 'full plan, p95', value: pct(fullTimes, 0.95), unit: 'ms', target: '' },
      { metric: 'one pod change re-planned, median', value: median(changeTimes), unit: 'ms', target: '< 2 ms' },
      { metric: 'one pod change re-planned, p99', value: pct(changeTimes, 0.99), unit: 'ms', target: '' },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await run();
  for (const r of report.results) console.log(`${report.name}: ${r.metric} = ${r.value.toFixed(3)} ${r.unit} (target ${r.target || '-'})`);
}
