// Alert pipeline benchmark (DESIGN §7): run after `npm run build`.
// 1. Throughput: a 1,000,000-line alert_json file (the 27 real sample lines, cycled, each with a unique
//    pkt_num) through `kube-dpi ingest` pinned to one core (taskset) into the Elasticsearch _bulk double
//    running in its own process (pinned to the other core when there is one). Reports alerts/s and the
//    ingest process's peak RSS (VmHWM).
// 2. Latency: the agent's pipeline (tailer → normalise/enrich → Elasticsearch sink) following a live file
//    written at 1,000 alerts/s; latency = bulk acknowledged − line written; reports p50/p99.
// Targets: ≥ 100,000 alerts/s on one core; p99 < 1 s.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LINES = Number(process.env.BENCH_ALERT_LINES ?? 1_000_000);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function compileDouble(dir) {
  const out = join(dir, 'double');
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), [
    join(ROOT, 'agent', 'test', 'doubles', 'elasticsearch-bulk-double.ts'),
    '--outDir', out, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--skipLibCheck', '--types', 'node',
  ], { stdio: 'pipe' });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return join(out, 'elasticsearch-bulk-double.js');
}

async function startDouble(script) {
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

function sampleLines() {
  const text = readFileSync(join(ROOT, 'agent', 'test', 'fixtures', 'alerts', 'alert_json.sample.txt'), 'utf8');
  return text.trim().split('\n').map((l) => JSON.parse(l));
}

function writeAlertFile(path, n) {
  const samples = sampleLines();
  const fd = openSync(path, 'w');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const rec = samples[i % samples.length];
    rec.pkt_num = i + 1;
    buf += JSON.stringify(rec) + '\n';
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
}

function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function throughput(dir, url) {
  const file = join(dir, 'alert_json.txt');
  writeAlertFile(file, LINES);
  const pin = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];
  const argv = [process.execPath, join(ROOT, 'bin', 'kube-dpi.js'), 'ingest', file, '--sink', `${url}/bench`,
    '--state-dir', join(dir, 'state'), '--node', 'bench', '--log-level', 'error', '--alert-rate-window', process.env.BENCH_RATE_WINDOW ?? '0'];
  const [cmd, ...args] = [...pin, ...argv];
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let rss = 0;
  const timer = setInterval(() => {
    // taskset execs node in place, so the pid is node's.
    rss = Math.max(rss, peakRss(child.pid));
  }, 50);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`ingest exited ${code}: ${out}`);
  const summary = JSON.parse(out);
  const shipped = Object.values(summary.sinks).reduce((a, s) => a + s.stored + s.alreadyStored, 0);
  return { seconds, alertsPerSecond: summary.alerts / seconds, rss, shipped, documents: summary.documents };
}

async function latency(dir, url) {
  const { createAlertPipeline } = await import(pathToFileURL(join(ROOT, 'dist', 'alerts', 'pipeline.js')).href);
  const { createSinks } = await import(pathToFileURL(join(ROOT, 'dist', 'sinks', 'registry.js')).href);
  const { createSinkEvents } = await import(pathToFileURL(join(ROOT, 'dist', 'sinks', 'events.js')).href);
  const { createSilentLogger } = await import(pathToFileURL(join(ROOT, 'dist', 'platform', 'logger.js')).href);
  const { createMetricsRegistry } = await import(pathToFileURL(join(ROOT, 'dist', 'platform', 'metrics.js')).href);
  const stateDir = join(dir, 'agent-state');
  const config = {
    stateDir, sinks: [`${url}/latency`], node: 'bench', alertFormat: 'ecs', alertPayload: false, alertPayloadMaxBytes: 1024,
    alertMaxLineKb: 1024, alertRateWindow: 0, alertRateBurst: 5, esIndex: undefined, clusterName: 'cluster',
    sinkBatchSize: 2000, sinkBatchKb: 5120, sinkFlushMs: 100, spoolMaxMb: 512,
  };
  const logger = createSilentLogger();
  const registry = createMetricsRegistry({ processMetrics: false });
  const written = new Map();
  const latencies = [];
  const [es] = createSinks(config.sinks, { config, env: {}, events: createSinkEvents(logger, registry) });
  // Decorator: the moment a write resolves is the moment the bulk request was acknowledged.
  const timed = {
    name: es.name, kind: es.kind, start: () => es.start(), drain: (s) => es.drain(s), stop: () => es.stop(),
    async write(records) {
      const result = await es.write(records);
      const now = performance.now();
      for (const r of records) {
        const offset = parseInt(r.id.slice(r.id.lastIndexOf('-') + 1), 36);
        const t = written.get(offset);
        if (t !== undefined) latencies.push(now - t);
      }
      return result;
    },
  };
  const pipeline = createAlertPipeline({
    config, directory: { endpointForInterface: () => undefined, endpointForIp: () => undefined }, logger, registry,
    node: 'bench', sinks: [timed], pollIntervalMs: 1000,
  });
  const folder = join(stateDir, 'snort', 'snort-bench00000000');
  mkdirSync(folder, { recursive: true });
  const file = join(folder, '0_alert_json.txt');
  await pipeline.start();
  const samples = sampleLines();
  let offset = 0;
  const total = 1000 * LATENCY_SECONDS;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    // 1,000 alerts/s in 10 ms steps of 10 lines.
    const due = t0 + i; // ms
    const wait = due - performance.now();
    if (wait > 0 && i % 10 === 0) await sleep(wait);
    const rec = samples[i % samples.length];
    rec.pkt_num = i + 1;
    const line = JSON.stringify(rec) + '\n';
    written.set(offset, performance.now());
    appendFileSync(file, line);
    offset += Buffer.byteLength(line);
  }
  for (let i = 0; i < 500 && latencies.length < total; i++) await sleep(20);
  await pipeline.stop();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { count: latencies.length, p50: q(0.5), p99: q(0.99), max: latencies.at(-1) ?? NaN };
}

export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'kdpi-bench-'));
  const double = await startDouble(compileDouble(dir));
  try {
    const t = await throughput(dir, double.url);
    const l = await latency(dir, double.url);
    return {
      name: 'alerts',
      results: [
        { metric: `ingest throughput (${LINES} lines, one core, _bulk double in another process)`, value: Math.round(t.alertsPerSecond), unit: 'alerts/s', target: '>= 100000' },
        { metric: 'ingest wall time', value: Number(t.seconds.toFixed(2)), unit: 's', target: '-' },
        { metric: 'ingest peak RSS', value: Math.round(t.rss / 1048576), unit: 'MB', target: '< 100' },
        { metric: 'documents acknowledged', value: t.shipped, unit: 'docs', target: String(LINES) },
        { metric: `latency p50 at 1000 alerts/s through the tailer (${l.count} alerts)`, value: Math.round(l.p50), unit: 'ms', target: '-' },
        { metric: 'latency p99 at 1000 alerts/s through the tailer', value: Math.round(l.p99), unit: 'ms', target: '< 1000' },
        { metric: 'latency max', value: Math.round(l.max), unit: 'ms', target: '-' },
      ],
    };
  } finally {
    double.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { name, results } = await run();
  console.log(name);
  for (const r of results) console.log(`  ${r.metric}: ${r.value} ${r.unit} (target ${r.target})`);
}
