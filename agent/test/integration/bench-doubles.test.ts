// The benchmarks compile the TypeScript test doubles on their own (bench/support.js compileTestDouble, tsc with
// its default lib, not this project's tsconfig) and run the _bulk double as a separate process. A double that
// type-checks here but not there only showed up as a failed `npm run bench`: compile them the same way here.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileTestDouble } from '../../../bench/support.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kdpi-bench-doubles-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('test doubles as the benchmarks build them', () => {
  it('compiles the Kubernetes API server double', () => {
    expect(compileTestDouble(join(dir, 'k8s'), 'kube-apiserver-double')).toMatch(/kube-apiserver-double\.js$/);
  }, 60_000);

  it('compiles the _bulk double, which then serves on the port it prints and answers like Elasticsearch', async () => {
    const script = compileTestDouble(join(dir, 'es'), 'elasticsearch-bulk-double');
    const child = spawn(process.execPath, [script, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let text = '';
        child.stdout.on('data', (d: Buffer) => {
          text += d.toString();
          const m = /listening (\d+)/.exec(text);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`the double exited ${code}`)));
      });
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(res.headers.get('x-elastic-product')).toBe('Elasticsearch');
      expect(((await res.json()) as { version: { number: string } }).version.number).toMatch(/^\d+\.\d+/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
