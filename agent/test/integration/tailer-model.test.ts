// Model-based tailer test (Vector's file-watcher tests): random sequences of write / partial write / rotate /
// truncate / delete / restart against a model of what was written. Checks: every line written is delivered
// (no loss) under one deterministic id (replays reuse the id, which the sinks turn into "already stored"), no
// line under two ids (no duplicate documents), and rotated files are removed once acknowledged. A third of the
// seeds poll as the agent does: a growing file every few ms, a quiet one backing off to the poll interval.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createAlertEvents } from '../../src/alerts/events.js';
import { AlertTailer } from '../../src/alerts/tailer.js';
import type { TailBatch } from '../../src/alerts/tailer.js';
import { createSilentLogger } from '../../src/platform/logger.js';
import { mulberry32 as prng } from '../support/prng.js';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Harness {
  readonly root: string;
  readonly folder: string;
  readonly live: string;
  readonly delivered = new Map<string, string>();
  readonly written: string[] = [];

  private partial = '';
  private seq = 0;
  private rotation = 1_796_397_719;
  private tailer: AlertTailer | undefined;

  constructor(
    readonly dir: string,
    private readonly random: () => number,
    private readonly deterministic: boolean,
    /** Poll as the agent does (growing files often, quiet ones backing off) instead of every file every 10 ms. */
    private readonly backoff = false,
  ) {
    this.root = join(dir, 'snort');
    this.folder = join(this.root, 'snort-0123456789ab');
    this.live = join(this.folder, '0_alert_json.txt');
    mkdirSync(this.folder, { recursive: true });
  }

  async start(): Promise<void> {
    this.tailer = new AlertTailer({
      root: this.root,
      follow: true,
      watch: false,
      ...(this.backoff ? { pollIntervalMs: 60, activePollMs: 5 } : { pollIntervalMs: 10 }),
      checkpointFile: join(this.dir, 'checkpoints', 'agent.json'),
      node: 'node-1',
      maxLineBytes: 4096,
      deterministicBatches: this.deterministic,
      readChunkBytes: 512,
      maxBatchLines: 7,
      maxInflightLines: 40,
      // Small byte bounds too, so batches are cut by bytes and reading stops on bytes in flight.
      maxBatchBytes: 300,
      maxInflightBytes: 1500,
      events: createAlertEvents(createSilentLogger(), new Registry()),
      handler: (batch) => this.handle(batch),
    });
    await this.tailer.start();
  }

  private async handle(batch: TailBatch): Promise<void> {
    batch.lines.forEach((text, i) => {
      const id = `${batch.file.key}-${(batch.starts[i] as number).toString(36)}`;
      const before = this.delivered.get(id);
      if (before !== undefined && before !== text) throw new Error(`id ${id} reused for different content`);
      this.delivered.set(id, text);
    });
    await sleep(Math.floor(this.random() * 5));
  }

  async stop(): Promise<void> {
    await this.tailer?.stop();
  }

  private line(): string {
    return JSON.stringify({ seconds: 1_796_397_719, rule: '1:1000001:1', n: this.seq++, pad: 'x'.repeat(Math.floor(this.random() * 80)) });
  }

  write(lines: number): void {
    let text = this.partial;
    if (this.partial !== '') this.partial = '';
    for (let i = 0; i < lines; i++) {
      const l = this.line();
      this.written.push(l);
      text += l + '\n';
    }
    if (this.pendingLine) {
      this.written.push(this.pendingLine);
      this.pendingLine = undefined;
    }
    appendFileSync(this.live, text, { mode: 0o600 });
  }

  private pendingLine: string | undefined;

  /** Half a line now; the next write completes it. */
  writePartial(): void {
    if (this.pendingLine) return;
    const l = this.line();
    const cut = Math.max(1, Math.floor(l.length / 2));
    appendFileSync(this.live, l.slice(0, cut), { mode: 0o600 });
    this.pendingLine = l;
    this.partial = l.slice(cut) + '\n';
  }

  /** Snort rotates on line boundaries: complete the partial line, then rename. */
  rotate(): void {
    if (this.pendingLine) this.write(0);
    if (!existsSync(this.live)) return;
    renameSync(this.live, `${this.live}.${this.rotation++}`);
  }

  /** Truncation and deletion lose what was not read yet, so the model waits for the tailer first. */
  async truncate(): Promise<void> {
    if (this.pendingLine) this.write(0);
    await this.caughtUp();
    if (existsSync(this.live)) truncateSync(this.live, 0);
  }

  async deleteLive(): Promise<void> {
    if (this.pendingLine) this.write(0);
    await this.caughtUp();
    if (existsSync(this.live)) unlinkSync(this.live);
  }

  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = new Set(this.delivered.values());
      const missing = this.written.filter((l) => !got.has(l));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`not delivered after ${timeoutMs} ms: ${missing.length} lines, e.g. ${missing[0]}`);
      await sleep(10);
    }
  }

  check(): void {
    const byText = new Map<string, string[]>();
    for (const [id, text] of this.delivered) byText.set(text, [...(byText.get(text) ?? []), id]);
    for (const l of this.written) expect(byText.get(l)).toHaveLength(1);
    expect(byText.size).toBe(this.written.length);
  }
}

describe('AlertTailer against a model', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => 1000 + i);
  it.each(seeds)('seed %i: no loss, no duplicate, rotated files removed', async (seed) => {
    const dir = mkdtempSync(join(tmpdir(), 'kdpi-tail-'));
    const random = prng(seed);
    const h = new Harness(dir, random, seed % 2 === 0, seed % 3 === 0);
    try {
      await h.start();
      for (let step = 0; step < 40; step++) {
        const p = random();
        if (p < 0.45) h.write(1 + Math.floor(random() * 30));
        else if (p < 0.6) h.writePartial();
        else if (p < 0.72) h.rotate();
        else if (p < 0.77) await h.truncate();
        else if (p < 0.82) await h.deleteLive();
        else if (p < 0.95) {
          // Crash: acknowledgements in flight are lost.
          await h.stop();
          await h.start();
        } else await sleep(20);
        if (random() < 0.3) await sleep(Math.floor(random() * 15));
      }
      h.write(1);
      await h.caughtUp();
      h.check();
      // Rotated files go once acknowledged.
      for (let i = 0; i < 200 && readdirSync(h.folder).some((n) => /\.txt\.\d+$/.test(n)); i++) await sleep(10);
      expect(readdirSync(h.folder).filter((n) => /\.txt\.\d+$/.test(n))).toEqual([]);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('retire() drains a folder, then removes its files and the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kdpi-retire-'));
    const h = new Harness(dir, prng(7), true);
    try {
      await h.start();
      h.write(25);
      h.rotate();
      h.write(10);
      await (h as unknown as { tailer: AlertTailer }).tailer.retire(h.folder);
      h.check();
      expect(existsSync(h.folder)).toBe(false);
    } finally {
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
