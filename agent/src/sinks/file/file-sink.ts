// file:<path> — alert documents as JSON lines, each beginning with its "_id"; fsync'd before a write is
// acknowledged. Idempotent on restart: lines written but not yet checkpointed (a crash between fsync and the
// tailer's checkpoint) are replayed by the tailer; at start the sink reads back the last `replayWindowLines`
// lines of the file, remembers the highest offset written per source file (ids are "<file key>-<offset base36>"
// and a source file's records arrive in offset order), and skips replayed records at or below it. The tailer
// keeps at most that many lines unacknowledged, so the window always covers the replay.
// A failed append (disk full, I/O error) is cut back to the last whole write and retried with backoff until it
// succeeds or the sink stops: write() never rejects (Sink contract).
// Group commit: writes that arrive while an append + fsync is in progress go out together in the next one, so
// many small batches (a dozen busy packet-thread files) cost one fsync per round, not one each.
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Sink, SinkRecord, SinkWriteResult } from '../sink.js';
import { emptyWriteResult } from '../sink.js';
import type { SinkEvents } from '../events.js';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';

const STOPPED = new Error('file sink stopped');

export interface FileSinkOptions {
  path: string;
  /** Lines read back at start; must be ≥ the tailer's max unacknowledged lines. */
  replayWindowLines: number;
  events: SinkEvents;
  clock?: Clock;
}

/**
 * 4× the tailer's default bound on unacknowledged lines (16,000): enough to cover any replay, and read back at
 * start only 64k lines rather than 200k (~140 MB of text with payloads).
 */
export const FILE_SINK_REPLAY_WINDOW = 64_000;

interface QueuedWrite {
  bytes: Buffer | undefined;
  result: SinkWriteResult;
  resolve: (result: SinkWriteResult) => void;
}

export class FileSink implements Sink {
  readonly kind = 'file';
  readonly name: string;
  private fh: FileHandle | undefined;
  /** Source file key → highest offset already in the file (only for keys seen in the replay window). */
  private readonly written = new Map<string, number>();
  /** Writes waiting for the next append, in call order. */
  private queue: QueuedWrite[] = [];
  /** The append loop while it runs. */
  private appending: Promise<void> | undefined;
  /** Size after the last whole write: where a failed append is cut back to. */
  private size = 0;
  private readonly stopSignal = new AbortController();

  constructor(private readonly options: FileSinkOptions) {
    this.name = `file:${options.path}`;
  }

  async start(): Promise<void> {
    await fsp.mkdir(dirname(this.options.path), { recursive: true });
    this.fh = await fsp.open(this.options.path, 'a+', 0o640);
    this.size = (await this.fh.stat()).size;
    await this.readBackWindow(this.fh);
  }

  write(records: readonly SinkRecord[]): Promise<SinkWriteResult> {
    // The lines are built and encoded now, not when the chain gets to them: the Sink contract lets the caller
    // drop the records as soon as write() returns. isReplay() sees the records in call order either way.
    const result = emptyWriteResult();
    let out = '';
    for (const r of records) {
      if (this.written.size > 0 && this.isReplay(r.id)) {
        result.alreadyStored++;
        continue;
      }
      out += '{"_id":"' + r.id + '",' + r.json.slice(1) + '\n';
      result.stored++;
    }
    const bytes = out === '' ? undefined : Buffer.from(out);
    return new Promise((resolve) => {
      this.queue.push({ bytes, result, resolve });
      this.appending ??= this.appendQueued();
    });
  }

  /**
   * Appends everything queued, one append + fsync per round, and settles those writes; until the queue is empty.
   * It clears `appending` in the same synchronous step that finds the queue empty, so a write() that comes just
   * after always either joins this loop or starts the next.
   */
  private async appendQueued(): Promise<void> {
    for (;;) {
      if (this.queue.length === 0) {
        this.appending = undefined;
        return;
      }
      const group = this.queue;
      this.queue = [];
      const parts = group.flatMap((w) => (w.bytes === undefined ? [] : [w.bytes]));
      try {
        await this.append(parts.length <= 1 ? parts[0] : Buffer.concat(parts));
      } catch {
        // Stopped while failing: these writes stay unsettled for good, and so does anything queued later; the
        // tailer replays their lines after a restart.
        this.queue = [];
        this.appending = undefined;
        return;
      }
      let stored = 0;
      let already = 0;
      for (const w of group) {
        stored += w.result.stored;
        already += w.result.alreadyStored;
        w.resolve(w.result);
      }
      if (stored > 0) this.options.events.alertsShipped(this.kind, stored);
      if (already > 0) this.options.events.alertsAlreadyStored(this.kind, already);
    }
  }

  private async append(bytes: Buffer | undefined): Promise<void> {
    const clock = this.options.clock ?? systemClock;
    for (let attempt = 0; bytes !== undefined; attempt++) {
      const fh = this.fh;
      try {
        if (!fh) throw new Error('file sink not started');
        await fh.write(bytes);
        await fh.sync();
        this.size += bytes.length;
        break;
      } catch (err) {
        if (this.stopSignal.signal.aborted) throw STOPPED;
        this.options.events.requestFailed(this.kind, 'file_write', err);
        // A partial append would leave half a line before the retried whole one.
        await fh?.truncate(this.size).catch(() => undefined);
        await clock.sleep(backoffDelay(attempt, DEFAULT_BACKOFF), this.stopSignal.signal);
      }
    }
  }

  private isReplay(id: string): boolean {
    const dash = id.lastIndexOf('-');
    const key = id.slice(0, dash);
    const seen = this.written.get(key);
    if (seen === undefined) return false;
    const offset = parseInt(id.slice(dash + 1), 36);
    if (offset <= seen) return true;
    // Past the replay: this source needs no more checks.
    this.written.delete(key);
    return false;
  }

  private async readBackWindow(fh: FileHandle): Promise<void> {
    const { size } = await fh.stat();
    const chunk = 1 << 20;
    let end = size;
    let lines = 0;
    let tail = '';
    while (end > 0 && lines < this.options.replayWindowLines) {
      const start = Math.max(0, end - chunk);
      const buf = Buffer.alloc(end - start);
      await fh.read(buf, 0, buf.length, start);
      const text = buf.toString('utf8') + tail;
      const parts = text.split('\n');
      // parts[0] may be a line cut by the chunk boundary: keep it for the next round unless at the start.
      tail = start > 0 ? (parts.shift() ?? '') : '';
      for (let i = parts.length - 1; i >= 0 && lines < this.options.replayWindowLines; i--) {
        if (this.remember(parts[i] as string)) lines++;
      }
      end = start;
    }
    if (tail !== '' && lines < this.options.replayWindowLines) this.remember(tail);
  }

  private remember(line: string): boolean {
    const m = /^\{"_id":"([^"]+)-([0-9a-z]+)"/.exec(line);
    if (!m) return false;
    const key = m[1] as string;
    const offset = parseInt(m[2] as string, 36);
    if ((this.written.get(key) ?? -1) < offset) this.written.set(key, offset);
    return true;
  }

  async drain(): Promise<void> {
    while (this.appending) await this.appending;
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.appending;
    await this.fh?.close();
    this.fh = undefined;
  }
}
