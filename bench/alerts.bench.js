// Alert pipeline benchmark (DESIGN §7): run after `npm run build`.
// 1. Ingest: a 1,000,000-line alert_json file (the 27 real sample lines, cycled in Snort's layout, each with a
//    unique pkt_num) through `kube-dpi ingest` pinned to one core (taskset) into the Elasticsearch _bulk double
//    running in its own process (pinned to the other core when there is one). BENCH_RUNS runs (default 3): median
//    alerts/s, alerts per CPU-second (user + system, from /proc: the figure a shared machine disturbs least) and
//    peak RSS (VmHWM); then the same with the lines cut to the fields kube-dpi's generated snort.lua asks for (the
//    samples carry ~20 more, and payloads). The CLI's own floor (`kube-dpi --help`) is reported too.
// 2. Agent path: the same pipeline the agent runs (AlertTailer in follow mode over
//    <stateDir>/snort/<processId>/N_alert_json.txt → normalise/enrich → Elasticsearch sink), in a child process
//    pinned to one core that loads only the pipeline (this file re-run with --agent-runner):
//    a. throughput: a backlog of BENCH_ALERT_LINES lines in two packet-thread files, followed until every line is
//       acknowledged; median alerts/s over BENCH_RUNS runs and peak RSS;
//    b. latency: this process appends lines at 1,000 alerts/s (then 10,000 alerts/s) while the runner follows;
//       latency = bulk acknowledged (runner) − line written (here), both on the epoch clock
//       (performance.timeOrigin + performance.now()); p50/p99/max and the runner's peak RSS.
// Targets: ≥ 100,000 alerts/s on one core; p99 < 1 s at 1,000 alerts/s; agent < 100 MB RSS.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileTestDouble, cpuSeconds, median, peakRss, ROOT } from './support.js';

const LINES = Number(process.env.BENCH_ALERT_LINES ?? 1_000_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The Elasticsearch _bulk double, compiled to JavaScript under <dir>/double. */
export function compileDouble(dir) {
  return compileTestDouble(dir, 'elasticsearch-bulk-double');
}

export async function startDouble(script) {
  const pin = cpus().length > 1 && existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '1'] : [];
  const [cmd, ...args] = pin.length ? [...pin, process.execPath, script, '--port', '0'] : [process.execPath, script, '--port', '0'];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      const m = /listening (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`double exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

export function sampleLines() {
  const text = readFileSync(join(ROOT, 'agent', 'test', 'fixtures', 'alerts', 'alert_json.sample.txt'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

/** Snort's own alert_json layout, `{ "key" : value, … }` (reference/snort3/alert_json.sample.txt). */
function snortLine(rec) {
  return '{ ' + Object.entries(rec).map(([k, v]) => `${JSON.stringify(k)} : ${JSON.stringify(v)}`).join(', ') + ' }';
}

/**
 * `n` lines cycling the real samples, each with a unique pkt_num, in Snort's layout. With `fields`, each sample
 * keeps only those fields (what kube-dpi's generated snort.lua asks Snort for), in the sample's order.
 */
export function writeAlertFile(path, n, { fields } = {}) {
  const keep = fields ? new Set(fields) : undefined;
  const samples = sampleLines().map((r) => (keep ? Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k))) : r));
  const fd = openSync(path, 'w');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const rec = samples[i % samples.length];
    rec.pkt_num = i + 1;
    buf += snortLine(rec) + '\n';
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

async function throughput(dir, url, run, fields) {
  const file = join(dir, fields ? 'own-fields.txt' : 'alert_json.txt');
  if (!existsSync(file)) writeAlertFile(file, LINES, { fields });
  const pin = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
  const argv = [process.execPath, join(ROOT, 'bin', 'kube-dpi.js'), 'ingest', file, '--sink', `${url}/bench${run}`,
    '--state-dir', join(dir, `state-${run}`), '--node', 'bench', '--log-level', 'error', '--alert-rate-window', process.env.BENCH_RATE_WINDOW ?? '0'];
  const [cmd, ...args] = [...pin, ...argv];
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let rss = 0;
  let cpu = 0;
  const timer = setInterval(() => {
    // taskset execs node in place, so the pid is node's.
    rss = Math.max(rss, peakRss(child.pid));
    cpu = cpuSeconds(child.pid) || cpu;
  }, 50);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`ingest exited ${code}: ${out}`);
  const summary = JSON.parse(out);
  const shipped = Object.values(summary.sinks).reduce((a, s) => a + s.stored + s.alreadyStored, 0);
  // CPU is sampled every 50 ms up to the exit: a slight undercount, so alerts per CPU-second errs high by ≤ 1%.
  return { seconds, alertsPerSecond: summary.alerts / seconds, alertsPerCpuSecond: summary.alerts / cpu, rss, shipped, documents: summary.documents };
}

async function cliFloor() {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kube-dpi.js'), '--help'], { stdio: ['ignore', 'ignore', 'ignore'] });
  let rss = 0;
  const timer = setInterval(() => (rss = Math.max(rss, peakRss(child.pid))), 20);
  await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  return rss;
}

const now = () => performance.timeOrigin + performance.now();

/** Starts this file as the agent-path runner (pinned to core 0); resolves with its messages. */
function startRunner(params) {
  const pin = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
  const [cmd, ...args] = [...pin, process.execPath, fileURLToPath(import.meta.url), '--agent-runner', JSON.stringify(params)];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages = [];
  const waiters = [];
  let text = '';
  child.stdout.on('data', (d) => {
    text += d;
    let nl;
    while ((nl = text.indexOf('\n')) !== -1) {
      const m = JSON.parse(text.slice(0, nl));
      text = text.slice(nl + 1);
      messages.push(m);
      for (const w of waiters.splice(0)) w();
    }
  });
  const exited = new Promise((resolve) => child.on('close', resolve));
  const next = async (type) => {
    for (;;) {
      const i = messages.findIndex((m) => m.type === type);
      if (i !== -1) return messages.splice(i, 1)[0];
      const code = await Promise.race([new Promise((r) => waiters.push(r)).then(() => undefined), exited]);
      if (code !== undefined && !messages.some((m) => m.type === type)) throw new Error(`agent runner exited ${code} before '${type}'`);
    }
  };
  return { child, next, exited };
}

/** The agent path over a backlog: BENCH_ALERT_LINES lines in two packet-thread files, followed to the end. */
async function followThroughput(dir, url, run, v8Flags) {
  const stateDir = join(dir, `follow-${run}`);
  const folder = join(stateDir, 'snort', 'snort-bench00000000');
  mkdirSync(folder, { recursive: true });
  writeAlertFile(join(folder, '0_alert_json.txt'), Math.ceil(LINES / 2));
  writeAlertFile(join(folder, '1_alert_json.txt'), Math.floor(LINES / 2));
  const runner = startRunner({ mode: 'throughput', stateDir, url: `${url}/follow${run}`, expect: LINES, v8Flags });
  const done = await runner.next('done');
  await runner.exited;
  rmSync(stateDir, { recursive: true, force: true });
  return done;
}

/** The agent path live: lines appended here at `rate` alerts/s for `seconds`; acknowledgement times from the runner. */
async function followLatency(dir, url, rate, seconds) {
  const stateDir = join(dir, `latency-${rate}`);
  const folder = join(stateDir, 'snort', 'snort-bench00000000');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, '0_alert_json.txt');
  writeFileSync(file, '');
  const total = rate * seconds;
  const runner = startRunner({ mode: 'latency', stateDir, url: `${url}/latency${rate}`, expect: total });
  await runner.next('ready');
  const samples = sampleLines();
  const written = new Map();
  const fd = openSync(file, 'a');
  let offset = 0;
  const step = Math.max(1, rate / 100); // lines per 10 ms
  const t0 = performance.now();
  for (let i = 0; i < total; i += step) {
    const wait = t0 + (i / rate) * 1000 - performance.now();
    if (wait > 0) await sleep(wait);
    let buf = '';
    const starts = [];
    for (let j = i; j < Math.min(total, i + step); j++) {
      const rec = samples[j % samples.length];
      rec.pkt_num = j + 1;
      const line = JSON.stringify(rec) + '\n';
      starts.push(offset + Buffer.byteLength(buf));
      buf += line;
    }
    const t = now();
    writeSync(fd, buf);
    for (const o of starts) written.set(o, t);
    offset += Buffer.byteLength(buf);
  }
  closeSync(fd);
  const done = await runner.next('done');
  await runner.exited;
  const latencies = [];
  for (const [o, t] of done.acks) {
    const w = written.get(o);
    if (w !== undefined) latencies.push(t - w);
  }
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  rmSync(stateDir, { recursive: true, force: true });
  return { count: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? NaN, rss: done.rss };
}

/** --agent-runner: the agent's alert pipeline only (no Kubernetes client), following <stateDir>/snort. */
async function agentRunner(params) {
  if (params.v8Flags) (await import('node:v8')).setFlagsFromString(params.v8Flags);
  const load = (p) => import(pathToFileURL(join(ROOT, 'dist', ...p.split('/'))).href);
  const { createAlertPipeline } = await load('alerts/pipeline.js');
  const { createSinks } = await load('sinks/registry.js');
  const { createSinkEvents } = await load('sinks/events.js');
  const { createSilentLogger } = await load('platform/logger.js');
  const { createMetricsRegistry } = await load('platform/metrics.js');
  const send = (m) => new Promise((resolve) => process.stdout.write(JSON.stringify(m) + '\n', resolve));
  const config = {
    stateDir: params.stateDir, sinks: [params.url], node: 'bench', alertFormat: 'ecs', alertPayload: false, alertPayloadMaxBytes: 1024,
    alertMaxLineKb: 1024, alertRateWindow: 0, alertRateBurst: 5, esIndex: undefined, clusterName: 'cluster',
    sinkBatchSize: 2000, sinkBatchKb: 5120, sinkFlushMs: params.mode === 'latency' ? 50 : 100, spoolMaxMb: 512,
  };
  const logger = createSilentLogger();
  const registry = createMetricsRegistry({ processMetrics: false });
  const [es] = createSinks(config.sinks, { config, env: {}, events: createSinkEvents(logger, registry) });
  const acks = [];
  let acked = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  // Decorator: the moment a write resolves is the moment its bulk request(s) were acknowledged.
  const timed = {
    name: es.name, kind: es.kind, start: () => es.start(), drain: (s) => es.drain(s), stop: () => es.stop(),
    async write(records) {
      // The caller drops the records once write() returns (Sink contract): take the offsets and count first.
      const offsets = params.mode === 'latency' ? records.map((r) => parseInt(r.id.slice(r.id.lastIndexOf('-') + 1), 36)) : [];
      const n = records.length;
      const result = await es.write(records);
      const t = now();
      for (const o of offsets) acks.push([o, t]);
      acked += n;
      if (acked >= params.expect) finish();
      return result;
    },
  };
  const pipeline = createAlertPipeline({
    config, directory: { endpointForInterface: () => undefined, endpointForIp: () => undefined }, logger, registry,
    node: 'bench', sinks: [timed], pollIntervalMs: 1000,
  });
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await pipeline.start();
  await send({ type: 'ready' });
  await Promise.race([finished, sleep(params.mode === 'latency' ? 120_000 : 600_000)]);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await pipeline.stop();
  const cpuSecondsUsed = (cpu.user + cpu.system) / 1e6;
  await send({ type: 'done', acked, seconds, alertsPerSecond: acked / seconds, alertsPerCpuSecond: acked / cpuSecondsUsed, rss: peakRss(process.pid), acks });
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'kdpi-bench-'));
  const double = await startDouble(compileDouble(dir));
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  try {
    const floor = await cliFloor();
    const ingest = [];
    for (let i = 0; i < runs; i++) {
      ingest.push(await throughput(dir, double.url, i));
      rmSync(join(dir, `state-${i}`), { recursive: true, force: true });
    }
    rmSync(join(dir, 'alert_json.txt'), { force: true });
    const { ALERT_JSON_FIELDS } = await import(pathToFileURL(join(ROOT, 'dist', 'snort', 'render.js')).href);
    const own = [];
    for (let i = 0; i < runs; i++) {
      own.push(await throughput(dir, double.url, `own-${i}`, ALERT_JSON_FIELDS));
      rmSync(join(dir, `state-own-${i}`), { recursive: true, force: true });
    }
    rmSync(join(dir, 'own-fields.txt'), { force: true });
    const follow = [];
    for (let i = 0; i < runs; i++) follow.push(await followThroughput(dir, double.url, i));
    // What the agent would get with the heap setting `kube-dpi ingest` uses (the agent's main.ts does not set it).
    const tuned = await followThroughput(dir, double.url, 'tuned', '--heap-growing-percent=50');
    const l1k = await followLatency(dir, double.url, 1000, LATENCY_SECONDS);
    const l10k = await followLatency(dir, double.url, 10_000, LATENCY_SECONDS);
    const perRun = (xs) => xs.map((x) => Math.round(x)).join(', ');
    return {
      name: 'alerts',
      method: `Median of ${runs} runs; per-run values in the metric name. Input: the 27 real sample lines (default-field and all-field records, some with payloads) cycled in Snort's layout, and the same lines cut to the fields kube-dpi's generated snort.lua asks for. Ingest runs \`kube-dpi ingest\` (the whole CLI); the agent path runs only the alert pipeline (AlertTailer following <stateDir>/snort/<processId>/N_alert_json.txt), as the agent does. Both pinned to one core, the _bulk double on the other.`,
      results: [
        { metric: `ingest throughput (${LINES} lines; runs: ${perRun(ingest.map((t) => t.alertsPerSecond))})`, value: Math.round(median(ingest.map((t) => t.alertsPerSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'ingest alerts per CPU-second (user + system; what one core sustains when it is not shared)', value: Math.round(median(ingest.map((t) => t.alertsPerCpuSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: `ingest throughput, lines with only the fields kube-dpi's snort.lua asks for (runs: ${perRun(own.map((t) => t.alertsPerSecond))})`, value: Math.round(median(own.map((t) => t.alertsPerSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: "ingest alerts per CPU-second, kube-dpi's fields", value: Math.round(median(own.map((t) => t.alertsPerCpuSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'ingest wall time', value: Number(median(ingest.map((t) => t.seconds)).toFixed(2)), unit: 's', target: '-' },
        { metric: `ingest peak RSS (runs: ${perRun(ingest.map((t) => t.rss / 1048576))})`, value: Math.round(median(ingest.map((t) => t.rss)) / 1048576), unit: 'MB', target: '< 100' },
        { metric: 'CLI floor: peak RSS of `kube-dpi --help` (every command; the agent and the Kubernetes client load lazily)', value: Math.round(floor / 1048576), unit: 'MB', target: '-' },
        { metric: 'documents acknowledged per ingest run', value: ingest[0].shipped, unit: 'docs', target: String(LINES) },
        { metric: `agent path throughput, tailer follow mode (${LINES} lines backlog in 2 files; runs: ${perRun(follow.map((f) => f.alertsPerSecond))})`, value: Math.round(median(follow.map((f) => f.alertsPerSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'agent path alerts per CPU-second', value: Math.round(median(follow.map((f) => f.alertsPerCpuSecond))), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'agent path peak RSS during the backlog', value: Math.round(median(follow.map((f) => f.rss)) / 1048576), unit: 'MB', target: '< 100' },
        { metric: 'agent path with --heap-growing-percent=50 (one run): throughput', value: Math.round(tuned.alertsPerSecond), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'agent path with --heap-growing-percent=50 (one run): peak RSS during the backlog', value: Math.round(tuned.rss / 1048576), unit: 'MB', target: '< 100' },
        { metric: `agent path latency p50 at 1,000 alerts/s (${l1k.count} alerts)`, value: Math.round(l1k.p50), unit: 'ms', target: '-' },
        { metric: 'agent path latency p99 at 1,000 alerts/s', value: Math.round(l1k.p99), unit: 'ms', target: '< 1000' },
        { metric: 'agent path latency max at 1,000 alerts/s', value: Math.round(l1k.max), unit: 'ms', target: '-' },
        { metric: `agent path latency p99 at 10,000 alerts/s (${l10k.count} alerts)`, value: Math.round(l10k.p99), unit: 'ms', target: '-' },
        { metric: 'agent path peak RSS at 10,000 alerts/s sustained', value: Math.round(l10k.rss / 1048576), unit: 'MB', target: '< 100' },
      ],
    };
  } finally {
    double.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--agent-runner') {
  await agentRunner(JSON.parse(process.argv[3]));
  process.exit(0);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { name, results } = await run();
  console.log(name);
  for (const r of results) console.log(`  ${r.metric}: ${r.value} ${r.unit} (target ${r.target})`);
}
