#!/usr/bin/env node
// Selector and selection-index benchmark (DESIGN §7 "Plan": 1,000 pods and 200 resources; one pod change
// well under 2 ms). Runs against the built library (`npm run build` first).
//
// Method: 1,000 endpoint pods and 200 DeepPacketInspection resources, all in ONE namespace, the worst case
// for the index (a resource selects only within its namespace, so spreading them out only makes each change
// cheaper). Pods carry 6 labels of their own plus the Calico-derived ones; the 200 selectors are a mix of
// ==, in, not in, has, !has, starts with, contains, && and ||, and all(). Measured:
// - evaluations per second: every selector against every endpoint's labels, repeated for ≥ 0.5 s;
// - full selection: SelectionIndex.fromSnapshot (pod → endpoint conversion, 200 parses, 200,000 evaluations),
//   median of 15 runs after 3 warm-ups;
// - incremental update: upsertPod with the pod's labels changed (so all 200 selectors are re-evaluated for
//   it), timed one by one over 5,000 updates after 500 warm-ups; median and p99.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseSelector } from '../dist/index.js';
import { SelectionIndex } from '../dist/model/selection-index.js';

const PODS = 1000;
const RESOURCES = 200;
const NS = 'bench';

function podLabels(i, generation = 0) {
  return {
    app: `app-${(i + generation) % 50}`,
    tier: ['fe', 'be', 'db'][i % 3],
    env: i % 4 === 0 ? 'production' : 'staging',
    version: `v${i % 7}`,
    'pod-template-hash': `h${(i * 7919) % 10007}`,
    'app.kubernetes.io/part-of': `shop-${i % 5}`,
  };
}

function makePod(i, generation = 0) {
  return {
    namespace: NS,
    name: `pod-${i}`,
    uid: `uid-${i}`,
    nodeName: 'node-1',
    hostNetwork: false,
    phase: 'Running',
    podIPs: [`10.${(i >> 8) & 255}.${i & 255}.${generation & 255}`],
    labels: podLabels(i, generation),
    serviceAccount: i % 2 === 0 ? 'default' : 'shop',
  };
}

function selectorFor(j) {
  const a = `app-${j % 50}`;
  const b = `app-${(j + 1) % 50}`;
  switch (j % 10) {
    case 0: return `app == "${a}"`;
    case 1: return `app in {"${a}", "${b}", "app-49"} && tier != "db"`;
    case 2: return `has(version) && env starts with "prod"`;
    case 3: return `app == "${a}" || tier == "fe" && !has(canary)`;
    case 4: return `tier not in {"db"} && app.kubernetes.io/part-of == "shop-${j % 5}"`;
    case 5: return `projectcalico.org/serviceaccount == "shop" && app contains "-${j % 10}"`;
    case 6: return `pcns.projectcalico.org/name == "${NS}" && version in {"v1", "v2"}`;
    case 7: return `!(app == "${a}" || app == "${b}") && env == "staging"`;
    case 8: return 'all()';
    default: return `pod-template-hash ends with "${j % 10}" || (has(canary) && tier == "be")`;
  }
}

function snapshot() {
  return {
    node: 'node-1',
    namespaces: [{ name: NS, labels: { team: 'payments', 'kubernetes.io/metadata.name': NS } }],
    pods: Array.from({ length: PODS }, (_, i) => makePod(i)),
    resources: Array.from({ length: RESOURCES }, (_, j) => ({ namespace: NS, name: `dpi-${j}`, selector: selectorFor(j) })),
  };
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function run() {
  const snap = snapshot();

  // Evaluations per second, on the labels the index really produces.
  const index0 = SelectionIndex.fromSnapshot(snap);
  const labelSets = index0.endpoints().map((e) => e.labels);
  const selectors = snap.resources.map((r) => parseSelector(r.selector));
  let evaluations = 0;
  let matched = 0;
  const evalStart = performance.now();
  let elapsed = 0;
  while (elapsed < 500) {
    for (const s of selectors) for (const l of labelSets) if (s.matches(l)) matched++;
    evaluations += selectors.length * labelSets.length;
    elapsed = performance.now() - evalStart;
  }
  const evalsPerSecond = evaluations / (elapsed / 1000);

  // Full selection from scratch.
  const fullTimes = [];
  for (let k = 0; k < 18; k++) {
    const t0 = performance.now();
    const idx = SelectionIndex.fromSnapshot(snap);
    const t1 = performance.now();
    if (idx.endpoints().length !== PODS) throw new Error('bench: not every pod became an endpoint');
    if (k >= 3) fullTimes.push(t1 - t0);
  }
  fullTimes.sort((x, y) => x - y);

  // Incremental single-pod updates.
  const index = SelectionIndex.fromSnapshot(snap);
  const updateTimes = [];
  for (let k = 0; k < 5500; k++) {
    const i = (k * 389) % PODS;
    const pod = makePod(i, k + 1);
    const t0 = performance.now();
    const changed = index.upsertPod(pod);
    const t1 = performance.now();
    if (!changed) throw new Error('bench: an update changed nothing');
    if (k >= 500) updateTimes.push(t1 - t0);
  }
  updateTimes.sort((x, y) => x - y);
  const selectedPairs = index.endpoints().reduce((n, e) => n + index.selectedBy(`${e.namespace}/${e.pod}`).length, 0);

  return {
    name: 'selector',
    method:
      `1,000 endpoint pods × 200 resources in one namespace (the worst case: selection is per namespace); a mix of ` +
      `selector operators; ${selectedPairs.toLocaleString('en-US')} selected (pod, resource) pairs at the end, ` +
      `${matched.toLocaleString('en-US')} matches while counting evaluations. See the top of bench/selector.bench.js.`,
    results: [
      { metric: 'selector evaluations per second', value: evalsPerSecond, unit: 'evals/s', target: '≥ 10,000,000' },
      { metric: 'full selection, 1,000 pods × 200 resources (median)', value: quantile(fullTimes, 0.5), unit: 'ms', target: '< 50 ms' },
      { metric: 'single pod update, re-evaluated against 200 resources (median)', value: quantile(updateTimes, 0.5), unit: 'ms', target: '< 2 ms' },
      { metric: 'single pod update (p99)', value: quantile(updateTimes, 0.99), unit: 'ms', target: '< 2 ms' },
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await run();
  console.log(`${report.name}: ${report.method}`);
  for (const r of report.results) {
    const v = r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : Number(r.value.toPrecision(3)).toString();
    console.log(`  ${r.metric}: ${v} ${r.unit} (target ${r.target})`);
  }
}
