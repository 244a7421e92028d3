// The real CLI (`kube-dpi ingest`, built to dist/, run as a child process) shipping 120,000 alerts to the
// Elasticsearch _bulk double: SIGKILLed mid-stream, restarted while Elasticsearch refuses connections (the
// spool takes over), SIGKILLed again while spooling, restarted, Elasticsearch back: every alert exactly once.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElasticsearchBulkDouble } from '../doubles/elasticsearch-bulk-double.js';

const ROOT = process.cwd();
const N = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alertLines(n: number): string {
  const sample = readFileSync(join(ROOT, 'agent', 'test', 'fixtures', 'alerts', 'alert_json.sample.txt'), 'utf8').split('\n');
  const template = JSON.parse(sample[5] as string) as Record<string, unknown>;
  const out: string[] = [];
  for (let i = 1; i <= n; i++) {
    template['pkt_num'] = i;
    template['seconds'] = 1_796_397_719 + Math.floor(i / 1000);
    template['src_port'] = 1024 + (i % 60000);
    out.push(JSON.stringify(template));
  }
  return out.join('\n') + '\n';
}

describe('kube-dpi ingest: SIGKILL and an Elasticsearch outage', () => {
  let dir: string;
  const es = new ElasticsearchBulkDouble();

  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
    dir = mkdtempSync(join(tmpdir(), 'kdpi-ingest-'));
  }, 120_000);

  afterAll(async () => {
    await es.down();
    rmSync(dir, { recursive: true, force: true });
  });

  function ingest(file: string, url: string): { child: ChildProcess; exit: Promise<{ code: number | null; out: string }> } {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'kube-dpi.js'), 'ingest', file, '--sink', url, '--state-dir', join(dir, 'state'), '--node', 'node-1',
        '--alert-rate-window', '0', '--log-level', process.env.DEBUG_INGEST ? 'debug' : 'error'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => { if (process.env.DEBUG_INGEST) process.stderr.write(d); });
    const exit = new Promise<{ code: number | null; out: string }>((resolve) => child.on('exit', (code) => resolve({ code, out })));
    return { child, exit };
  }

  it('delivers every alert exactly once', async () => {
    const file = join(dir, '0_alert_json.txt');
    writeFileSync(file, alertLines(N));
    await es.up();
    const url = `${es.url}/alerts`;

    // 1: killed in the middle of the stream.
    const first = ingest(file, url);
    while (es.count('alerts') < 20_000) await sleep(5);
    first.child.kill('SIGKILL');
    await first.exit;
    const afterFirst = es.count('alerts');
    expect(afterFirst).toBeLessThan(N);

    // 2: Elasticsearch refuses connections; the run spools and is killed while doing so.
    await es.down();
    const second = ingest(file, url);
    const spooled = (): number => {
      const root = join(dir, 'state', 'spool');
      if (!existsSync(root)) return 0;
      return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.ndjson'))).length;
    };
    for (let i = 0; i < 1000 && spooled() < 3; i++) await sleep(10);
    second.child.kill('SIGKILL');
    await second.exit;
    expect(es.count('alerts')).toBe(afterFirst);
    expect(spooled()).toBeGreaterThan(0);

    // 3: starts while Elasticsearch is still down, which comes back a second later; runs to the end.
    const third = ingest(file, url);
    await sleep(1000);
    await es.up(es.port);
    const { code, out } = await third.exit;
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { complete: boolean };
    expect(summary.complete).toBe(true);

    const docs = es.docs('alerts');
    expect(docs).toHaveLength(N);
    const seen = new Uint8Array(N + 1);
    for (const d of docs) {
      const pkt = ((d.source['dpi'] as Record<string, unknown>)['snort'] as Record<string, number>)['pkt_num'] as number;
      seen[pkt] = (seen[pkt] ?? 0) + 1;
    }
    const wrong = [];
    for (let i = 1; i <= N; i++) if (seen[i] !== 1) wrong.push(i);
    expect(wrong).toEqual([]);

    // A fourth run finds nothing left to do.
    const again = ingest(file, url);
    const rerun = await again.exit;
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.out)).toMatchObject({ lines: 0, alerts: 0 });
    expect(es.count('alerts')).toBe(N);
  }, 180_000);
});
