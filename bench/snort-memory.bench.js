// Snort memory per process model (docs/snort-process-model.md). Always reports the model's figures for 1, 20
// and 100 pods from the capacity model (dist/snort/capacity.js, fitted to FACTS §8). When a real Snort 3 is
// present (SNORT_BIN or snort on PATH) and we are root, it also MEASURES idle RSS for 4 interfaces (veth
// pairs) in each model: 4 processes, one process with -z 4 (ours), one process with a colon list.
// Run: npm run build && node bench/snort-memory.bench.js
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = (p) => pathToFileURL(join(here, '..', 'dist', p)).href;

function findSnort() {
  if (process.env.SNORT_BIN) return existsSync(process.env.SNORT_BIN) ? process.env.SNORT_BIN : undefined;
  return (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'snort')).find((p) => existsSync(p));
}

export async function run() {
  const { computeCapacity, MEASURED_MEMORY_MODEL: m } = await import(dist('snort/capacity.js'));
  const ring = 8;
  const results = [];
  const ours = computeCapacity({ memoryLimitBytes: undefined, cpuLimitCores: undefined, ringMb: ring, maxInterfacesPerProcess: 16, hyperscan: false, agentReserveMb: 0,
    model: { ...m, reloadPeakMb: 0, hyperscanReloadPeakMb: 0 } });
  const perProcess1 = m.baseMb + ring + m.threadOverheadMb;
  const calicoDefaultRing = m.baseMb + 128 + m.threadOverheadMb;
  for (const pods of [1, 20, 100]) {
    results.push({ metric: `model: ours (-z, 16/process, ${ring} MB ring), ${pods} pods`, value: ours.memoryForMb(pods), unit: 'MB', target: pods === 20 ? `well under 20 × ${perProcess1} = ${20 * perProcess1}` : '' });
    results.push({ metric: `model: one process per pod (${ring} MB ring), ${pods} pods`, value: pods * perProcess1, unit: 'MB', target: '' });
    results.push({ metric: `model: Calico, process per resource×pod (128 MB ring), ${pods} pods, 1 resource`, value: pods * calicoDefaultRing, unit: 'MB', target: '' });
  }
  const snort = findSnort();
  if (!snort) return { name: 'snort-memory', results, note: 'measured figures skipped: no real Snort 3 (set SNORT_BIN or put snort on PATH)' };
  if (process.getuid?.() !== 0) return { name: 'snort-memory', results, note: 'measured figures skipped: needs root for veth pairs and AF_PACKET' };
  results.push(...(await measure(snort, ring)));
  return { name: 'snort-memory', results };
}

async function measure(snort, ring) {
  const { renderSnortConfig } = await import(dist('snort/render.js'));
  const { probeSnort } = await import(dist('snort/snort-probe.js'));
  const probe = await probeSnort(snort);
  const userConfig = join(probe.installConfigDir, 'snort.lua');
  const dir = mkdtempSync(join(tmpdir(), 'kdpi-bench-'));
  const ifaces = [0, 1, 2, 3].map((i) => `calibench${process.pid % 1000}${i}`.slice(0, 15));
  for (const i of ifaces) {
    execFileSync('ip', ['link', 'add', i, 'type', 'veth', 'peer', 'name', `${i}p`.slice(0, 15)]);
    execFileSync('ip', ['link', 'set', i, 'up']);
  }
  const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const start = (name, interfaces, colon = false) => {
    const d = join(dir, name);
    execFileSync('mkdir', ['-p', d]);
    const out = renderSnortConfig({ processId: name, interfaces: colon ? [interfaces.join(':')] : interfaces, processDir: d,
      userConfig: { path: userConfig, sha256: '' }, includePath: probe.installConfigDir, rules: [], bufferSizeMb: ring,
      alertPayload: false, alertFileLimitMb: 16, hyperscan: false });
    writeFileSync(join(d, 'kube-dpi.lua'), out.files['kube-dpi.lua']);
    return spawn(snort, out.args, { stdio: 'ignore' });
  };
  const models = [
    ['measured: 4 interfaces, 4 processes', () => ifaces.map((i, n) => start(`p${n}`, [i]))],
    ['measured: 4 interfaces, one process -z 4 (ours)', () => [start('z4', ifaces)]],
    ['measured: 4 interfaces, one process -i a:b:c:d', () => [start('colon', ifaces, true)]],
  ];
  const results = [];
  try {
    for (const [metric, launch] of models) {
      const children = launch();
      await new Promise((r) => setTimeout(r, 4000));
      const total = children.reduce((sum, c) => sum + (c.exitCode === null ? rss(c.pid) : 0), 0);
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r)))));
      results.push({ metric, value: total, unit: 'MB RSS', target: '' });
    }
  } finally {
    for (const i of ifaces) execFileSync('ip', ['link', 'del', i]);
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const report = await run();
  console.log(JSON.stringify(report, null, 2));
}
