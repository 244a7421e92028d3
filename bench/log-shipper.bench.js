// Comparison with a general-purpose log shipper (DESIGN §7: "at least 100k alerts/s on one core, and ahead of the
// best general-purpose log shipper on the same input"): run after `npm run build`.
// Input: the same BENCH_ALERT_LINES-line (default 1,000,000) alert_json file as bench/alerts.bench.js (the 27 real
// sample lines, cycled in Snort's layout, each with a unique pkt_num), written once and read by every shipper.
// Output: the same Elasticsearch _bulk double as alerts.bench.js, in its own process pinned to core 1, started
// afresh for every run so that no shipper pays for the ids an earlier run left in its maps. The shipper is pinned to
// core 0 (taskset -c 0). Measured per shipper, median of BENCH_RUNS runs (default 3):
// - throughput: distinct documents stored by the double / seconds from spawning the shipper to the moment the double
//   holds all of them (polled every 50 ms over the double-only GET /_kube_dpi_double/count). The same clock for
//   every shipper, so kube-dpi's figure here can sit slightly below alerts.bench.js's (which stops at process exit);
// - alerts per CPU-second: the same count / the shipper's user + system CPU time (/proc/<pid>/stat), which the other
//   load on a shared core disturbs much less than wall time;
// - peak RSS: VmHWM of the shipper's process (kube-dpi's node; rsyslogd, which runs in the foreground with -n);
// - exactly once: after the last document arrives we wait until the count has been still for 2 s (a late duplicate
//   would show up then), and report missing (N − distinct ids) and duplicates. With a deterministic _id and the
//   `create` action a second delivery is a 409 the double counts (conflicts); without an _id (rsyslog raw) the
//   double invents one per item, so a duplicate shows as distinct ids above N and only the net surplus is visible.
//
// What each shipper does per line (kube-dpi does the most work):
// - kube-dpi ingest (same command and flags as alerts.bench.js's throughput()): parses the line, normalises it,
//   enriches it (pod lookup by interface and IP; ingest's directory is empty, so nothing matches), builds an ECS
//   document with a deterministic _id, `create`s it in batches of up to 2,000 docs (at most one 2 MiB slab), and
//   checkpoints the file offset only past acknowledged lines.
// - rsyslog json (the closest like-for-like): imfile reads the line, mmjsonparse parses it into $!, a subtree
//   template re-serialises $! as the document, and omelasticsearch `create`s it with _id = pkt_num (bulkid template,
//   dynbulkid), so duplicates are detectable as in kube-dpi. No normalisation, no ECS mapping, no enrichment.
// - rsyslog raw (the cheapest thing a shipper can do): the line itself, unparsed, is the document; no _id.
// rsyslog tuning, a fair best effort (at 200k lines on this shared machine, batches of 2,000 and 16,000 and a second
// action worker thread were not clearly better than this): the input's ruleset gets its own in-memory LinkedList
// queue (dequeue batches of RSYSLOG_BATCH, default 8,000; 4 batches deep, as 100k-deep queues only doubled rsyslog's
// RSS) for the parse, and omelasticsearch its own in-memory action queue with the same batch and bulkmode="on", so
// parsing and the HTTP round trip overlap (kube-dpi also keeps a request in flight while it reads); maxbytes 100m
// lets a batch be one _bulk request; retries forever (resumeRetryCount -1) so nothing is dropped on a slow double;
// imfile in inotify mode reads the existing file from its start (no state file: a fresh work directory per run).
// The benchmark installs nothing: without rsyslogd and its omelasticsearch module it reports skipped with the
// apt-get command.
// Not measured here: syslog-ng, the other Debian candidate, whose package conflicts with rsyslog's. Run by hand once
// on this machine (3.38 from the extracted .debs, file source + json-parser + http() destination to /_bulk, batches
// of 8,000, flow-control, same pinning, 1M lines) it was faster than rsyslog: ~22.7k alerts/s with
// _id = pkt_num (130 MB) and ~64k alerts/s forwarding the raw line (60 MB), i.e. ahead of kube-dpi ingest as it was
// then (~36k alerts/s in the same hour, before that day's hot-path work; not re-measured since). So the "best
// shipper" row below is the best of those measured here, not the best there is.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compileDouble, startDouble, writeAlertFile } from './alerts.bench.js';
import { cpuSeconds, median, peakRss } from './support.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LINES = Number(process.env.BENCH_ALERT_LINES ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const RSYSLOG_BATCH = Number(process.env.RSYSLOG_BATCH ?? 8000);
// A run that makes no progress for this long is over: whatever is missing by then is reported as missing.
const STALL_MS = 20_000;
const SETTLE_MS = 2_000;
const INSTALL = 'apt-get install rsyslog rsyslog-elasticsearch';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pin = existsSync('/usr/bin/taskset') ? ['/usr/bin/taskset', '-c', '0'] : [];


/** rsyslogd and the modules the configs load, or why not (the benchmark never installs anything). */
function findRsyslog() {
  const bin = ['/usr/sbin/rsyslogd', '/usr/bin/rsyslogd'].find((p) => existsSync(p));
  if (!bin) return { reason: `rsyslogd not found; install it with \`${INSTALL}\`` };
  const modDir = ['/usr/lib/x86_64-linux-gnu/rsyslog', '/usr/lib/aarch64-linux-gnu/rsyslog', '/usr/lib64/rsyslog', '/usr/lib/rsyslog']
    .find((d) => existsSync(join(d, 'imfile.so')));
  if (!modDir) return { reason: `rsyslogd found but not its module directory (imfile.so); install with \`${INSTALL}\`` };
  for (const m of ['omelasticsearch', 'mmjsonparse']) {
    if (!existsSync(join(modDir, `${m}.so`))) return { reason: `${m}.so missing in ${modDir}; install it with \`${INSTALL}\`` };
  }
  return { bin, modDir };
}

async function stored(url, index) {
  const res = await fetch(`${url}/_kube_dpi_double/count`);
  const body = await res.json();
  return { count: body.indices[index] ?? 0, conflicts: body.conflicts };
}

/**
 * Polls the double until `index` holds LINES documents and the count has then been still for SETTLE_MS (or no
 * progress for STALL_MS). Seconds run from `started` to the poll that first saw LINES (or the last increase).
 */
async function waitStored(url, index, started, sampleRss) {
  let last = -1;
  let lastChange = performance.now();
  let reachedAt;
  for (;;) {
    await sleep(50);
    sampleRss();
    const { count, conflicts } = await stored(url, index);
    const t = performance.now();
    if (count !== last) {
      last = count;
      lastChange = t;
    }
    if (reachedAt === undefined && count >= LINES) reachedAt = t;
    const quiet = t - lastChange;
    if ((reachedAt !== undefined && quiet >= SETTLE_MS) || quiet >= STALL_MS) {
      return { seconds: ((reachedAt ?? lastChange) - started) / 1000, count, conflicts };
    }
  }
}

function rsyslogConfig({ modDir, dir, file, port, index, mode }) {
  const queue = `queue.type="LinkedList" queue.size="${4 * RSYSLOG_BATCH}" queue.dequeueBatchSize="${RSYSLOG_BATCH}"`;
  const es = [
    'type="omelasticsearch" server="127.0.0.1"', `serverport="${port}"`, `searchIndex="${index}"`, 'esVersion.major="8"',
    'bulkmode="on" maxbytes="100m"', `errorFile="${join(dir, 'es-errors.json')}"`,
    'action.resumeRetryCount="-1"', queue,
  ];
  const json = mode === 'json';
  if (json) es.push('template="doc" bulkid="id" dynbulkid="on" writeoperation="create"');
  else es.push('template="raw"');
  return [
    `global(workDirectory="${join(dir, 'work')}" maxMessageSize="64k")`,
    `module(load="${modDir}/imfile.so" mode="inotify")`,
    json ? `module(load="${modDir}/mmjsonparse.so")` : '',
    `module(load="${modDir}/omelasticsearch.so")`,
    'template(name="doc" type="subtree" subtree="$!")',
    'template(name="id" type="string" string="%$!pkt_num%")',
    'template(name="raw" type="string" string="%msg%")',
    // rsyslog's own messages (errors included) go to a file so a failed run can say why.
    `*.* action(type="omfile" file="${join(dir, 'rsyslogd.log')}")`,
    `ruleset(name="ship" ${queue}) {`,
    json ? '  action(type="mmjsonparse" cookie="" useRawMsg="on")' : '',
    `  action(${es.join(' ')})`,
    '}',
    `input(type="imfile" file="${file}" tag="snort" ruleset="ship" freshStartTail="off")`,
    '',
  ].join('\n');
}

async function runRsyslog(rs, dir, script, file, run, mode) {
  const runDir = join(dir, `rsyslog-${mode}-${run}`);
  mkdirSync(join(runDir, 'work'), { recursive: true });
  const double = await startDouble(script);
  const index = `rsyslog-${mode}-${run}`;
  const conf = join(runDir, 'rsyslog.conf');
  writeFileSync(conf, rsyslogConfig({ modDir: rs.modDir, dir: runDir, file, port: new URL(double.url).port, index, mode }));
  const started = performance.now();
  // -n: foreground, so the pid is rsyslogd's (taskset execs in place); own -f, -i pidfile and work directory.
  const child = spawn(pin[0] ?? rs.bin, [...pin.slice(1), ...(pin.length ? [rs.bin] : []), '-n', '-f', conf, '-i', join(runDir, 'rsyslogd.pid')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let rss = 0;
  try {
    const result = await waitStored(double.url, index, started, () => (rss = Math.max(rss, peakRss(child.pid))));
    rss = Math.max(rss, peakRss(child.pid));
    // rsyslogd is idle by now (the count has been still for SETTLE_MS), so this is the CPU the shipping took.
    const cpu = cpuSeconds(child.pid);
    if (result.count === 0) {
      const log = existsSync(join(runDir, 'rsyslogd.log')) ? readFileSync(join(runDir, 'rsyslogd.log'), 'utf8') : '';
      throw new Error(`rsyslog ${mode} stored nothing: ${(stderr + log).slice(-2000)}`);
    }
    return { ...result, alertsPerSecond: Math.min(result.count, LINES) / result.seconds, rss, cpu };
  } finally {
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    double.child.kill('SIGTERM');
    rmSync(runDir, { recursive: true, force: true });
  }
}

async function runKubeDpi(dir, script, file, run) {
  const runDir = join(dir, `kube-dpi-${run}`);
  mkdirSync(runDir, { recursive: true });
  const double = await startDouble(script);
  const index = `kube-dpi-${run}`;
  // The command and flags of alerts.bench.js's throughput().
  const argv = [process.execPath, join(ROOT, 'bin', 'kube-dpi.js'), 'ingest', file, '--sink', `${double.url}/${index}`,
    '--state-dir', join(runDir, 'state'), '--node', 'bench', '--log-level', 'error', '--alert-rate-window', process.env.BENCH_RATE_WINDOW ?? '0'];
  const [cmd, ...args] = [...pin, ...argv];
  const started = performance.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let rss = 0;
  let cpu = 0;
  // node's VmHWM and CPU times are gone once it exits, so sample them on their own timer (the CPU figure misses at
  // most the last 20 ms: shutdown after the last acknowledgement).
  const sample = () => {
    rss = Math.max(rss, peakRss(child.pid));
    cpu = Math.max(cpu, cpuSeconds(child.pid));
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await waitStored(double.url, index, started, sample);
    const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout')]);
    if (code !== 0) throw new Error(`kube-dpi ingest exited ${code}`);
    return { ...result, alertsPerSecond: Math.min(result.count, LINES) / result.seconds, rss, cpu };
  } finally {
    clearInterval(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
    double.child.kill('SIGTERM');
    rmSync(runDir, { recursive: true, force: true });
  }
}

function delivery(runs) {
  // Per run: missing = N − distinct ids (never negative); duplicates = 409s (deterministic _id) + ids beyond N.
  const parts = runs.map((r) => ({ missing: Math.max(0, LINES - r.count), duplicates: r.conflicts + Math.max(0, r.count - LINES) }));
  const exact = parts.every((p) => p.missing === 0 && p.duplicates === 0);
  return { exact, text: parts.map((p) => `${p.missing} missing/${p.duplicates} dup`).join(', ') };
}

function rows(label, runs, target) {
  const perRun = (xs) => xs.map((x) => Math.round(x)).join(', ');
  const d = delivery(runs);
  return [
    { metric: `${label}: throughput (${LINES} lines; runs: ${perRun(runs.map((r) => r.alertsPerSecond))})`, value: Math.round(median(runs.map((r) => r.alertsPerSecond))), unit: 'alerts/s', target },
    { metric: `${label}: alerts per CPU-second of the shipper (runs: ${perRun(runs.map((r) => Math.min(r.count, LINES) / r.cpu))})`, value: Math.round(median(runs.map((r) => Math.min(r.count, LINES) / r.cpu))), unit: 'alerts/s', target: '-' },
    { metric: `${label}: peak RSS (runs: ${perRun(runs.map((r) => r.rss / 1048576))})`, value: Math.round(median(runs.map((r) => r.rss)) / 1048576), unit: 'MB', target: '-' },
    { metric: `${label}: every document exactly once (runs: ${d.text})`, value: d.exact ? 'yes' : 'no', unit: '', target: label.startsWith('kube-dpi') ? 'yes' : '-' },
  ];
}

export async function run() {
  const name = 'log-shipper';
  const rs = findRsyslog();
  if (rs.reason) return { name, skipped: rs.reason };
  const dir = mkdtempSync(join(tmpdir(), 'kdpi-bench-shipper-'));
  try {
    const file = join(dir, 'alert_json.txt');
    writeAlertFile(file, LINES);
    const script = compileDouble(dir);
    const kdpi = [];
    const json = [];
    const raw = [];
    // Interleaved, so that the other engineer's load on this machine, if any, falls on every shipper alike.
    for (let i = 0; i < RUNS; i++) {
      kdpi.push(await runKubeDpi(dir, script, file, i));
      json.push(await runRsyslog(rs, dir, script, file, i, 'json'));
      raw.push(await runRsyslog(rs, dir, script, file, i, 'raw'));
    }
    const m = (xs) => median(xs.map((r) => r.alertsPerSecond));
    const perCpu = (xs) => median(xs.map((r) => Math.min(r.count, LINES) / r.cpu));
    const best = m(json) >= m(raw) ? ['rsyslog json', m(json)] : ['rsyslog raw', m(raw)];
    return {
      name,
      method: `Median of ${RUNS} runs, interleaved. Each shipper reads the same ${LINES}-line alert_json file pinned to core 0 and ships it to a fresh _bulk double pinned to core 1; throughput is distinct documents stored by the double / seconds from spawning the shipper until the double holds them all. kube-dpi parses, normalises, enriches and writes ECS documents with a deterministic _id; rsyslog json (imfile + mmjsonparse + subtree template + omelasticsearch bulkmode, _id = pkt_num, create) only re-serialises the parsed line; rsyslog raw ships the unparsed line without an _id. rsyslog ${RSYSLOG_BATCH}-message dequeue batches, in-memory ruleset and action queues. See the top of bench/log-shipper.bench.js.`,
      results: [
        ...rows('kube-dpi ingest', kdpi, '>= 100000'),
        ...rows('rsyslog json (mmjsonparse, _id = pkt_num)', json, '-'),
        ...rows('rsyslog raw line (no parse, no _id)', raw, '-'),
        { metric: `kube-dpi ingest / best shipper measured here (${best[0]}; syslog-ng is not, see the file)`, value: Number((m(kdpi) / best[1]).toFixed(2)), unit: 'x', target: '> 1' },
        { metric: 'kube-dpi ingest / rsyslog json (like-for-like)', value: Number((m(kdpi) / m(json)).toFixed(2)), unit: 'x', target: '> 1' },
        // CPU time is what the other load on a shared machine disturbs least, so the same ratios per CPU-second.
        { metric: 'per CPU-second: kube-dpi ingest / rsyslog json', value: Number((perCpu(kdpi) / perCpu(json)).toFixed(2)), unit: 'x', target: '-' },
        { metric: 'per CPU-second: kube-dpi ingest / rsyslog raw', value: Number((perCpu(kdpi) / perCpu(raw)).toFixed(2)), unit: 'x', target: '-' },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await run();
  console.log(report.name);
  if (report.skipped) console.log(`  skipped: ${report.skipped}`);
  for (const r of report.results ?? []) console.log(`  ${r.metric}: ${r.value} ${r.unit} (target ${r.target})`);
}
