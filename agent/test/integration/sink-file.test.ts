// The file sink: JSON lines with their _id, fsync'd, and idempotent when a crash makes the tailer replay.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSilentLogger } from '../../src/platform/logger.js';
import { createSinkEvents } from '../../src/sinks/events.js';
import { FileSink } from '../../src/sinks/file/file-sink.js';
import type { SinkRecord } from '../../src/sinks/sink.js';

function records(key: string, offsets: number[]): SinkRecord[] {
  return offsets.map((o) => {
    const doc = { seq: o };
    return { id: `${key}-${o.toString(36)}`, json: JSON.stringify(doc) };
  });
}

describe('FileSink', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kdpi-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const make = (path: string, window = 1000) =>
    new FileSink({ path, replayWindowLines: window, events: createSinkEvents(createSilentLogger(), new Registry()) });

  it('writes one JSON line per record, starting with its _id', async () => {
    const path = join(dir, 'out', 'alerts.jsonl');
    const s = make(path);
    await s.start();
    expect(await s.write(records('aa', [0, 100]))).toMatchObject({ stored: 2 });
    await s.stop();
    expect(readFileSync(path, 'utf8')).toBe('{"_id":"aa-0","seq":0}\n{"_id":"aa-2s","seq":100}\n');
  });

  it('skips what a restarted pipeline replays, per source file, and takes what is new', async () => {
    const path = join(dir, 'alerts.jsonl');
    const first = make(path);
    await first.start();
    await first.write(records('aa', [0, 10, 20]));
    await first.write(records('bb', [0, 5]));
    await first.stop();
    // "Crash": the checkpoints were at aa@10 and bb@0, so the tailer replays from there.
    const second = make(path);
    await second.start();
    expect(await second.write(records('aa', [10, 20, 30]))).toMatchObject({ stored: 1, alreadyStored: 2 });
    expect(await second.write(records('bb', [5, 9]))).toMatchObject({ stored: 1, alreadyStored: 1 });
    expect(await second.write(records('cc', [0]))).toMatchObject({ stored: 1, alreadyStored: 0 });
    await second.stop();
    const ids = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { _id: string })._id);
    expect(ids).toEqual(['aa-0', 'aa-a', 'aa-k', 'bb-0', 'bb-5', 'aa-u', 'bb-9', 'cc-0']);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('group-commits: writes that arrive during an append share the next fsync, in call order', async () => {
    const path = join(dir, 'alerts.jsonl');
    const s = make(path);
    await s.start();
    const fh = (s as unknown as { fh: { sync(): Promise<void> } }).fh;
    const realSync = fh.sync.bind(fh);
    let syncs = 0;
    fh.sync = () => {
      syncs++;
      return realSync();
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => s.write(records('aa', [i * 10, i * 10 + 1]))));
    expect(results.every((r) => r.stored === 2)).toBe(true);
    // The first write's append is under way when the other nine arrive: they go out together.
    expect(syncs).toBe(2);
    const seqs = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual(Array.from({ length: 10 }, (_, i) => [i * 10, i * 10 + 1]).flat());
    await s.stop();
  });

  it('reads the replay window back across read chunks', async () => {
    const path = join(dir, 'big.jsonl');
    const s = make(path);
    await s.start();
    const offsets = Array.from({ length: 30_000 }, (_, i) => i * 100);
    await s.write(records('zz', offsets));
    await s.stop();
    const again = make(path, 50_000);
    await again.start();
    expect(await again.write(records('zz', [offsets.at(-1) as number, 3_000_000]))).toMatchObject({ stored: 1, alreadyStored: 1 });
    await again.stop();
  });

  it('cuts a failed append back to the last whole line and retries it; write() never rejects', async () => {
    const path = join(dir, 'alerts.jsonl');
    const s = make(path);
    await s.start();
    await s.write(records('aa', [0]));
    // The disk fills halfway through the next append: half a line lands, then the write fails, once.
    const fh = (s as unknown as { fh: { write(b: Buffer): Promise<unknown> } }).fh;
    const realWrite = fh.write.bind(fh);
    let failures = 0;
    fh.write = async (b: Buffer) => {
      if (failures++ === 0) {
        await realWrite(b.subarray(0, Math.floor(b.length / 2)));
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
      return realWrite(b);
    };
    expect(await s.write(records('aa', [10, 20]))).toMatchObject({ stored: 2 });
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).seq)).toEqual([0, 10, 20]);
    await s.stop();
  });

  it('leaves a write that cannot succeed unsettled when stopped, and stops', async () => {
    const s = make(join(dir, 'never-started.jsonl'));
    let settled = false;
    void s.write(records('aa', [1])).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
  });
});
