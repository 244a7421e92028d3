// Shared by the benchmarks (not a benchmark itself: bench/run.js runs only *.bench.js).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Peak RSS (VmHWM) of a live process in bytes; 0 once it is gone. */
export function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** user + system CPU seconds of a live process (/proc/<pid>/stat, clock ticks of 1/100 s); 0 once it is gone. */
export function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export function median(xs) {
  const v = [...xs].sort((a, b) => a - b);
  return v.length === 0 ? NaN : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Compiles one test double (agent/test/doubles/<name>.ts) to ESM JavaScript under <dir>/double; returns its path. */
export function compileTestDouble(dir, name) {
  const out = join(dir, 'double');
  execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), [
    join(ROOT, 'agent', 'test', 'doubles', `${name}.ts`),
    '--outDir', out, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2023', '--skipLibCheck', '--types', 'node',
  ], { stdio: 'pipe' });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return join(out, `${basename(name)}.js`);
}
