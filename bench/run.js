#!/usr/bin/env node
// `npm run bench`: runs every bench/*.bench.js (each exports `run()` → { name, results: [{metric, value, unit, target}] }
// or { name, skipped: reason }), prints the figures and writes docs/benchmarks.md with the method, the machine
// and the target beside each figure. Benchmarks measure; they never fail a build.
import { readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  date: new Date().toISOString().slice(0, 10),
};

/**
 * A fixed CPU workload (JSON round trips of an alert-sized record), timed before and after the benchmarks: shared
 * or throttled machines (VMs) drift by 2× within hours, and this says how fast the machine was while these
 * figures were taken. Compare it with another run's before comparing their figures.
 */
function calibrate() {
  const record = { timestamp: '12/04-15:21:59.728356', seconds: 1796397719, pkt_num: 1, proto: 'TCP', src_addr: '10.250.1.1', src_port: 48244, msg: 'SERVER-WEBAPP /etc/passwd file access attempt', class: 'Attempted Information Leak', priority: 2 };
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const start = performance.now();
    for (let i = 0; i < 100_000; i++) {
      record.pkt_num = i;
      JSON.parse(JSON.stringify(record));
    }
    runs.push(performance.now() - start);
  }
  return Math.min(...runs);
}

const calibrationBefore = calibrate();
const reports = [];
for (const file of files) {
  process.stderr.write(`bench: ${file}\n`);
  try {
    const mod = await import(pathToFileURL(join(here, file)).href);
    const report = await mod.run();
    reports.push({ file, ...report });
  } catch (err) {
    reports.push({ file, name: file.replace(/\.bench\.js$/, ''), error: err instanceof Error ? err.message : String(err) });
  }
}

const calibrationAfter = calibrate();
const fmt = (v) => (typeof v === 'number' ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString()) : String(v));
const lines = [
  '# Benchmarks',
  '',
  'Written by `npm run bench` (bench/run.js); do not edit by hand. Each figure comes from the benchmark file named in',
  'its section; the method is described at the top of that file. Targets are DESIGN §7.',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, ${machine.date}.`,
  'Absolute numbers depend on this machine; compare ratios (and the target column) across machines.',
  `Calibration (100,000 JSON round trips of an alert-sized record, best of 5; lower is faster): ${calibrationBefore.toFixed(0)} ms before the benchmarks, ${calibrationAfter.toFixed(0)} ms after. Shared or throttled machines drift within hours: compare runs only at similar calibration.`,
  '',
];
for (const report of reports) {
  lines.push(`## ${report.name} (\`bench/${report.file}\`)`, '');
  if (report.error) lines.push(`Failed: ${report.error}`, '');
  else if (report.skipped) lines.push(`Skipped: ${report.skipped}`, '');
  if (report.method) lines.push(report.method, '');
  if (report.results?.length) {
    lines.push('| metric | value | unit | target |', '|---|---|---|---|');
    for (const r of report.results) lines.push(`| ${r.metric} | ${fmt(r.value)} | ${r.unit ?? ''} | ${r.target ?? ''} |`);
    lines.push('');
  }
}
const text = lines.join('\n');
process.stdout.write(text + '\n');
if (only.length === 0) writeFileSync(join(here, '..', 'docs', 'benchmarks.md'), text + '\n');
