// AlertTailer: follows every Snort alert_json file under a root (agent: <stateDir>/snort, one folder per
// Snort process, `<N>_alert_json.txt` per packet thread and rotated `<name>.<unix-seconds>`), or a fixed list
// of files (`kube-dpi ingest`).
// Consumes: the files and its checkpoints. New files are found by a full scan every poll interval (and at once
//   when chokidar sees a process folder come or go); known files are polled on their own schedule: every
//   activePollMs (100 ms) while they grow, backing off to the poll interval while they are quiet. chokidar does not
//   watch inside the process folders: on a folder whose files are appended continuously it re-reads the folder
//   (readdir + lstat of every entry) back to back, which cost a whole core at 10k alerts/s.
// Emits: TailBatches of complete lines with byte offsets to one handler, in file order; the handler's promise
//   resolves when every sink has acknowledged the batch.
// Guarantees: a checkpoint advances only past acknowledged lines; unacknowledged batches are replayed after a
//   restart with the same boundaries (recorded before dispatch), so folded documents are reproduced exactly;
//   files are identified by dev+ino plus a fingerprint of the first line (inode reuse), so a rename (rotation)
//   keeps its position; a rotated file is read to its end before the live file of the same stream and removed
//   only after its lines are acknowledged; truncation restarts at 0 under a new identity; a partial last line
//   waits for its '\n'; at most maxInflightLines lines and maxInflightBytes bytes are unacknowledged at any time
//   (backpressure: reading stops, the lines wait in the file).
// The loop never dies of its own error: it records, waits, continues.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import type { Dirent } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import { CheckpointStore } from './checkpoint-store.js';
import type { CheckpointEntry } from './checkpoint-store.js';
import type { AlertEvents } from './events.js';
import { LineSplitter } from './lines.js';

/** `alert_json.txt`, `3_alert_json.txt`, and their rotations `….<unix-seconds>`. */
export const ALERT_FILE = /^(?:\d+_)?alert_json\.txt(?:\.(\d+))?$/;

export interface TailedFile {
  path: string;
  /** Deterministic id base of this file's content: documents are `<key>-<offset base36>`. */
  key: string;
  /** Folder (process) the file belongs to. */
  folder: string;
}

export interface TailBatch {
  file: TailedFile;
  lines: string[];
  /** Byte offset of each line's first byte. */
  starts: number[];
  startOffset: number;
  endOffset: number;
  /** Lines skipped in this range because they exceeded the maximum length. */
  oversized: number;
  /** The file's mtime when read: a reference for alert timestamps without a year. */
  mtimeMs: number;
}

/**
 * Reads everything it needs from `batch.lines` before it returns (the tailer lets the strings go then: held
 * until the sinks answered, they survived young collections); may throw, and is then called again with the
 * same batch. The promise resolves once every sink has acknowledged the batch and never rejects (Sink.write
 * never does); if it did anyway, the batch stays unacknowledged and its lines are replayed after a restart.
 */
export type BatchHandler = (batch: TailBatch) => Promise<void>;

export interface AlertTailerOptions {
  /** Follow everything under this folder (two levels: <root>/<process>/<file>). */
  root?: string;
  /** Or exactly these files (ingest). */
  files?: string[];
  /** Keep following (agent) or stop at the end of each file (ingest). */
  follow: boolean;
  /** Checkpoint file. */
  checkpointFile: string;
  node: string;
  handler: BatchHandler;
  events: AlertEvents;
  maxLineBytes: number;
  /** Record batch boundaries before dispatch (needed when batches are folded). */
  deterministicBatches: boolean;
  readChunkBytes?: number;
  maxBatchLines?: number;
  maxInflightLines?: number;
  /** Bytes of dispatched, unacknowledged lines at most (backpressure by memory, not only by count). */
  maxInflightBytes?: number;
  /** Bytes of lines per batch at most (a batch is also cut at maxBatchLines). */
  maxBatchBytes?: number;
  /** Full scans for new files, and the longest a quiet file waits to be looked at again (1000 ms). */
  pollIntervalMs?: number;
  /** How often a file that is growing is read (100 ms, at most pollIntervalMs). */
  activePollMs?: number;
  /** Use chokidar (agent); tests may rely on polling alone. */
  watch?: boolean;
  clock?: Clock;
}

export interface TailerStats {
  files: number;
  linesRead: number;
  inflightLines: number;
  /** Bytes of dispatched lines not yet acknowledged. */
  inflightBytes: number;
  /** Bytes not yet acknowledged across all files. */
  backlogBytes: number;
}

interface Pending {
  end: number;
  lines: number;
  bytes: number;
  acked: boolean;
  epoch: number;
}

interface FileState {
  id: string;
  path: string;
  folder: string;
  stream: string;
  rotation: number;
  dev: number;
  ino: number;
  fh: FileHandle;
  size: number;
  mtimeMs: number;
  fp: string | undefined;
  /** The fingerprinted bytes, compared again whenever the file changes: catches truncate-and-regrow. */
  head: Buffer | undefined;
  headCheckedAt: number;
  gen: number;
  /** Identity before a detected truncation: the new content reuses it only when its first line is the same. */
  truncatedFrom: { fp: string; gen: number } | undefined;
  key: string | undefined;
  committed: number;
  readOffset: number;
  splitter: LineSplitter;
  pending: Pending[];
  replay: number[];
  epoch: number;
  gone: boolean;
  missing: number;
  retiring: boolean;
  closed: boolean;
  /** Monotonic ms when this file is next read; see schedule(). */
  nextReadAt: number;
  pollDelay: number;
}

const FINGERPRINT_BYTES = 4096;
/** The reason the poll sleep is cancelled with: abort() without one builds a DOMException (with a stack) per wake. */
const WOKEN = Symbol('tailer woken');

export class AlertTailer {
  private readonly store: CheckpointStore;
  private readonly files = new Map<string, FileState>();
  private readonly clock: Clock;
  private readonly chunk: number;
  private readonly maxBatchLines: number;
  private readonly maxInflight: number;
  private readonly maxInflightBytes: number;
  private readonly maxBatchBytes: number;
  private readonly pollMs: number;
  private readonly activePollMs: number;
  private readonly buffer: Buffer;
  private inflightLines = 0;
  private inflightBytes = 0;
  private linesRead = 0;
  private stopped = false;
  private loopDone: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private woken = false;
  private fullScanDue = true;
  /** Read every file on the next pass, due or not (idle() and retire() want sizes as they are now). */
  private readAllDue = false;
  private lastFullScan = 0;
  /** Monotonic ms of the next file read or full scan that is due: the loop sleeps until then. */
  private nextDueAt = 0;
  private watcher: FSWatcher | undefined;
  private dispatchChain: Promise<void> = Promise.resolve();
  private readonly retiring = new Map<string, Array<() => void>>();
  private idleWaiters: Array<() => void> = [];
  private unacked = 0;

  constructor(private readonly options: AlertTailerOptions) {
    this.store = new CheckpointStore(options.checkpointFile);
    this.clock = options.clock ?? systemClock;
    // One read is at most one batch's bytes: per-batch costs (a checkpoint write or two, a handler call) are
    // then paid per ~2,000 lines of a backlog, not per ~500 (at 256 KiB they were ~20% of the CPU with folding on).
    this.chunk = options.readChunkBytes ?? 1024 * 1024;
    this.maxBatchLines = options.maxBatchLines ?? 2000;
    this.maxInflight = options.maxInflightLines ?? 16_000;
    this.maxInflightBytes = options.maxInflightBytes ?? 4 * 1024 * 1024;
    this.maxBatchBytes = options.maxBatchBytes ?? 1024 * 1024;
    this.pollMs = options.pollIntervalMs ?? 1000;
    this.activePollMs = Math.min(options.activePollMs ?? 100, this.pollMs);
    this.buffer = Buffer.allocUnsafe(this.chunk);
  }

  async start(): Promise<void> {
    await this.store.load();
    if (this.options.root !== undefined) await fsp.mkdir(this.options.root, { recursive: true });
    if (this.options.follow && this.options.watch !== false && this.options.root !== undefined) {
      // Depth 0: process folders coming and going. Files inside are found by scans and read by polling (see top).
      this.watcher = watch(this.options.root, { depth: 0, ignoreInitial: true, persistent: false });
      this.watcher.on('all', (event) => {
        if (event === 'change') return;
        this.fullScanDue = true;
        this.signal();
      });
      this.watcher.on('error', (err) => this.options.events.tailerFailed(err));
    }
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signal();
    await this.loopDone;
    await this.dispatchChain;
    await this.store.settled();
    await this.watcher?.close();
    for (const state of this.files.values()) await this.close(state);
    this.files.clear();
  }

  /** Resolves when every file is read to its end (a partial last line aside) and everything is acknowledged. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.readAllDue = true;
      this.signal();
    });
  }

  /**
   * A stopped Snort process's folder: read every file in it to the end, wait for acknowledgement, then delete
   * the files, their checkpoints and the folder.
   */
  retire(dir: string): Promise<void> {
    const folder = resolve(dir);
    return new Promise((resolvePromise) => {
      const waiters = this.retiring.get(folder) ?? [];
      waiters.push(resolvePromise);
      this.retiring.set(folder, waiters);
      this.fullScanDue = true;
      this.readAllDue = true;
      this.signal();
    });
  }

  stats(): TailerStats {
    let backlog = 0;
    for (const s of this.files.values()) backlog += Math.max(0, s.size - s.committed);
    return { files: this.files.size, linesRead: this.linesRead, inflightLines: this.inflightLines, inflightBytes: this.inflightBytes, backlogBytes: backlog };
  }

  private signal(): void {
    this.woken = true;
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      this.woken = false;
      try {
        busy = await this.tick();
      } catch (err) {
        this.options.events.tailerFailed(err);
      }
      if (this.stopped) break;
      if (busy) {
        await new Promise<void>((r) => setImmediate(r));
        continue;
      }
      if (this.woken) {
        this.woken = false;
        continue;
      }
      // Until the next file or scan is due; acknowledgements (which may lift backpressure) and folder events wake
      // it sooner. While reading is stopped by backpressure only a wake-up can help.
      const due = this.full() ? this.lastFullScan + this.pollMs : this.nextDueAt;
      const sleepMs = Math.max(0, Math.min(this.pollMs, due - this.clock.monotonic()));
      await new Promise<void>((r) => {
        const timer = new AbortController();
        this.wake = () => {
          timer.abort(WOKEN);
          r();
        };
        void this.clock.sleep(sleepMs, timer.signal).then(() => r());
      });
      this.wake = undefined;
    }
  }

  /** One pass; true when there is more to read right away. */
  private async tick(): Promise<boolean> {
    const now = this.clock.monotonic();
    if (this.fullScanDue || now - this.lastFullScan >= this.pollMs) {
      this.fullScanDue = false;
      this.lastFullScan = now;
      await this.scan();
    }
    const readAll = this.readAllDue;
    this.readAllDue = false;
    let nextDue = this.lastFullScan + this.pollMs;
    let busy = false;
    for (const group of this.streams()) {
      for (const state of group) {
        let more = false;
        if (readAll || state.retiring || state.nextReadAt <= now) {
          const offset = state.readOffset;
          const size = state.size;
          more = await this.readFile(state);
          this.schedule(state, more || state.readOffset !== offset || state.size !== size, more, now);
          if (more) busy = true;
        }
        nextDue = Math.min(nextDue, state.nextReadAt);
        // The next file of the stream waits until this one is read to its end.
        if (state.readOffset < state.size || more) break;
      }
    }
    this.nextDueAt = nextDue;
    await this.cleanUp();
    this.checkIdle();
    return busy && !this.full();
  }

  /**
   * A file that grew is read again after activePollMs (at once when a read stopped early with more to read);
   * a quiet one waits twice as long each time, up to the poll interval, so a thousand idle packet-thread files
   * cost a thousand fstat calls a second, not ten thousand.
   */
  private schedule(state: FileState, progressed: boolean, more: boolean, now: number): void {
    if (progressed) {
      state.pollDelay = this.activePollMs;
      state.nextReadAt = more ? now : now + this.activePollMs;
    } else {
      state.pollDelay = Math.min(state.pollDelay * 2, this.pollMs);
      state.nextReadAt = now + state.pollDelay;
    }
  }

  /** Files grouped by stream (folder + live name), rotated ones first by age, the live file last. */
  private streams(): FileState[][] {
    const groups = new Map<string, FileState[]>();
    for (const state of this.files.values()) {
      const k = `${state.folder}\0${state.stream}`;
      const g = groups.get(k);
      if (g) g.push(state);
      else groups.set(k, [state]);
    }
    const out = [...groups.values()];
    for (const g of out) g.sort((a, b) => a.rotation - b.rotation);
    return out;
  }

  private async scan(): Promise<void> {
    const found = new Map<string, { path: string; dev: number; ino: number; size: number; mtimeMs: number }>();
    for (const path of await this.candidates()) {
      try {
        const st = await fsp.stat(path);
        if (!st.isFile()) continue;
        found.set(`${st.dev}:${st.ino}`, { path, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Gone between readdir and stat: the next scan settles it.
      }
    }
    for (const [id, state] of this.files) {
      const f = found.get(id);
      if (!f) {
        // Deleted: the open handle still reads what it held. Twice missing, so that a rename racing the
        // directory listing is not taken for a deletion.
        if (++state.missing >= 2) state.gone = true;
        continue;
      }
      state.missing = 0;
      state.size = Math.max(state.size, f.size);
      if (f.path !== state.path) this.renamed(state, f.path);
      found.delete(id);
    }
    for (const [id, f] of found) await this.open(id, f.path);
  }

  private async candidates(): Promise<string[]> {
    if (this.options.files) return this.options.files.map((f) => resolve(f));
    const root = this.options.root as string;
    const out: string[] = [];
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(root, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const e of entries) {
      if (e.isFile() && ALERT_FILE.test(e.name)) out.push(join(root, e.name));
      if (!e.isDirectory()) continue;
      let inner: string[];
      try {
        inner = await fsp.readdir(join(root, e.name));
      } catch {
        continue;
      }
      for (const name of inner) if (ALERT_FILE.test(name)) out.push(join(root, e.name, name));
    }
    return out;
  }

  private parseName(path: string): { folder: string; stream: string; rotation: number } {
    const name = basename(path);
    const m = ALERT_FILE.exec(name);
    const rotation = m?.[1] === undefined ? Number.MAX_SAFE_INTEGER : Number(m[1]);
    const stream = m?.[1] === undefined ? name : name.slice(0, name.length - m[1].length - 1);
    return { folder: resolve(dirname(path)), stream, rotation };
  }

  private renamed(state: FileState, path: string): void {
    const { folder, stream, rotation } = this.parseName(path);
    state.path = path;
    state.folder = folder;
    state.stream = stream;
    state.rotation = rotation;
    // Rotated: read it to its end now, so the live file of its stream does not wait behind it.
    state.nextReadAt = 0;
    state.pollDelay = this.activePollMs;
    const entry = this.store.get(state.id);
    if (entry) entry.path = path;
  }

  private async open(id: string, path: string): Promise<void> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(path, 'r');
    } catch {
      return;
    }
    const st = await fh.stat();
    if (`${st.dev}:${st.ino}` !== id) {
      await fh.close();
      this.fullScanDue = true;
      return;
    }
    const { folder, stream, rotation } = this.parseName(path);
    const state: FileState = {
      id,
      path,
      folder,
      stream,
      rotation,
      dev: st.dev,
      ino: st.ino,
      fh,
      size: st.size,
      mtimeMs: st.mtimeMs,
      fp: undefined,
      head: undefined,
      headCheckedAt: -1,
      gen: 0,
      truncatedFrom: undefined,
      key: undefined,
      committed: 0,
      readOffset: 0,
      splitter: new LineSplitter(this.options.maxLineBytes),
      pending: [],
      replay: [],
      epoch: 0,
      gone: false,
      missing: 0,
      retiring: false,
      closed: false,
      nextReadAt: 0,
      pollDelay: this.activePollMs,
    };
    this.files.set(id, state);
    await this.identify(state);
  }

  /** Fingerprint once the first line is there; resume from the checkpoint when it is the same file. */
  private async identify(state: FileState): Promise<boolean> {
    if (state.key !== undefined) return true;
    const n = Math.min(state.size, FINGERPRINT_BYTES);
    if (n === 0) return false;
    const head = Buffer.alloc(n);
    const { bytesRead } = await state.fh.read(head, 0, n, 0);
    const nl = head.subarray(0, bytesRead).indexOf(10);
    if (nl === -1 && bytesRead < FINGERPRINT_BYTES) return false;
    const headBytes = Buffer.from(head.subarray(0, nl === -1 ? bytesRead : nl + 1));
    const fp = createHash('sha1').update(headBytes).digest('hex');
    state.head = headBytes;
    const saved = this.store.get(state.id);
    if (saved && saved.fp === fp && saved.offset <= state.size) {
      state.gen = saved.gen;
      state.committed = saved.offset;
      state.replay = saved.replay.filter((end) => end > saved.offset && end <= state.size);
    } else if (saved && saved.fp === fp) {
      // Shorter than its checkpoint: truncated while we were away.
      state.gen = saved.gen + 1;
      this.options.events.fileTruncated(state.path, saved.offset, state.size);
    } else {
      // New content. The generation only separates rewritten content whose first line is identical, so the
      // key stays a function of what is on disk (a restart before the checkpoint was written agrees).
      state.gen = state.truncatedFrom?.fp === fp ? state.truncatedFrom.gen + 1 : 0;
    }
    state.truncatedFrom = undefined;
    state.fp = fp;
    state.readOffset = state.committed;
    state.splitter.reset(state.committed);
    state.key = this.keyOf(state);
    this.store.set(state.id, this.entryOf(state));
    this.options.events.fileOpened(state.path, state.committed);
    return true;
  }

  private keyOf(state: FileState): string {
    return createHash('sha1')
      .update(`${this.options.node}\0${basename(state.folder)}\0${state.dev}:${state.ino}\0${state.fp}\0${state.gen}`)
      .digest('hex')
      .slice(0, 20);
  }

  private entryOf(state: FileState): CheckpointEntry {
    return {
      path: state.path,
      dev: state.dev,
      ino: state.ino,
      fp: state.fp ?? '',
      gen: state.gen,
      offset: state.committed,
      replay: state.pending.filter((p) => p.epoch === state.epoch).map((p) => p.end),
    };
  }

  /** Reads what is new in one file; true when it stopped early with more to read. */
  private async readFile(state: FileState): Promise<boolean> {
    if (state.closed) return false;
    const st = await state.fh.stat();
    state.mtimeMs = st.mtimeMs;
    if (st.size < state.readOffset || (state.key !== undefined && st.size < state.committed)) {
      this.truncated(state, st.size);
    } else if (st.size !== state.headCheckedAt && state.head !== undefined && !(await this.sameHead(state, st.size))) {
      // Truncated and written again (or deleted and the inode reused) between two looks.
      this.truncated(state, st.size);
    }
    state.size = st.size;
    if (!(await this.identify(state))) return false;
    let reads = 0;
    while (state.readOffset < state.size && !this.stopped) {
      if (this.full()) return true;
      if (reads++ >= 8) return true;
      const replayEnd = state.replay[0];
      // A recorded (replayed) batch is read whole and kept whole, whatever the chunk and batch sizes are now
      // (they may differ from the run that recorded it), so folded documents come out exactly as before.
      const replaying = replayEnd !== undefined && state.readOffset === state.splitter.completedOffset;
      const want = replaying
        ? Math.min(state.size, replayEnd) - state.readOffset
        : Math.min(this.chunk, state.size - state.readOffset, replayEnd === undefined ? Infinity : replayEnd - state.readOffset);
      const buffer = want <= this.buffer.length ? this.buffer : Buffer.allocUnsafe(want);
      const { bytesRead } = await state.fh.read(buffer, 0, want, state.readOffset);
      if (bytesRead === 0) break;
      const batchStart = state.splitter.completedOffset;
      this.cut(state, buffer.subarray(0, bytesRead), batchStart, replaying);
      state.readOffset += bytesRead;
      if (replayEnd !== undefined && state.readOffset >= replayEnd) state.replay.shift();
    }
    // A rotated, retiring or deleted file never completes its partial last line: skip it.
    const final = state.rotation !== Number.MAX_SAFE_INTEGER || state.retiring || state.gone;
    if (final && state.readOffset >= state.size && state.splitter.pendingBytes > 0 && this.options.follow) {
      const start = state.splitter.completedOffset;
      state.splitter.reset(state.readOffset);
      this.dispatch(state, { lines: [], starts: [], startOffset: start, endOffset: state.readOffset, oversized: 0 }, true);
    }
    return false;
  }

  private full(): boolean {
    return this.inflightLines >= this.maxInflight || this.inflightBytes >= this.maxInflightBytes;
  }

  /** Split a chunk into batches of at most maxBatchLines lines / maxBatchBytes bytes and dispatch them. */
  private cut(state: FileState, chunk: Buffer, firstStart: number, whole = false): void {
    let lines: string[] = [];
    let starts: number[] = [];
    let oversized = 0;
    let batchStart = firstStart;
    state.splitter.push(
      chunk,
      (text, start, end) => {
        lines.push(text);
        starts.push(start);
        if (!whole && (lines.length >= this.maxBatchLines || end - batchStart >= this.maxBatchBytes)) {
          this.dispatch(state, { lines, starts, startOffset: batchStart, endOffset: end, oversized });
          lines = [];
          starts = [];
          oversized = 0;
          batchStart = end;
        }
      },
      () => {
        oversized++;
      },
    );
    const end = state.splitter.completedOffset;
    if (end > batchStart) this.dispatch(state, { lines, starts, startOffset: batchStart, endOffset: end, oversized });
  }

  private dispatch(state: FileState, part: Omit<TailBatch, 'file' | 'mtimeMs'>, incomplete = false): void {
    const count = part.lines.length + part.oversized + (incomplete ? 1 : 0);
    if (incomplete) this.options.events.linesSkipped('incomplete', 1);
    this.linesRead += part.lines.length;
    this.options.events.linesRead(part.lines.length);
    if (part.oversized > 0) this.options.events.linesSkipped('oversized', part.oversized);
    const bytes = part.endOffset - part.startOffset;
    const pending: Pending = { end: part.endOffset, lines: count, bytes, acked: false, epoch: state.epoch };
    state.pending.push(pending);
    this.inflightLines += count;
    this.inflightBytes += bytes;
    this.unacked++;
    const batch: TailBatch = {
      ...part,
      file: { path: state.path, key: state.key as string, folder: state.folder },
      mtimeMs: state.mtimeMs,
    };
    const deterministic = this.options.deterministicBatches;
    if (deterministic) this.store.set(state.id, this.entryOf(state));
    // Batches reach the handler strictly in the order they were cut (the file sink relies on it); with
    // deterministic batches only once their boundaries are durable.
    this.dispatchChain = this.dispatchChain.then(async () => {
      if (deterministic) await this.persistWithRetry();
      void this.deliver(state, pending, batch);
    });
  }

  private async deliver(state: FileState, pending: Pending, batch: TailBatch): Promise<void> {
    let delivery: Promise<void> | undefined;
    for (let attempt = 0; delivery === undefined && !this.stopped; attempt++) {
      try {
        delivery = this.options.handler(batch);
      } catch (err) {
        this.options.events.tailerFailed(err);
        await this.clock.sleep(Math.min(30_000, 100 * 2 ** attempt));
      }
    }
    if (delivery === undefined) return;
    // The handler has what it needs (BatchHandler's contract).
    batch.lines = [];
    try {
      await delivery;
    } catch (err) {
      // Against the contract: never acknowledged, so neither lost nor checkpointed past (replayed after a restart).
      this.options.events.tailerFailed(err);
      return;
    }
    if (this.stopped) return;
    pending.acked = true;
    if (pending.epoch === state.epoch) {
      while (state.pending.length > 0 && (state.pending[0] as Pending).acked) {
        const done = state.pending.shift() as Pending;
        if (done.epoch === state.epoch) state.committed = done.end;
      }
      if (state.key !== undefined) this.store.set(state.id, this.entryOf(state));
    } else {
      state.pending = state.pending.filter((p) => p !== pending);
    }
    await this.persistWithRetry();
    this.inflightLines -= pending.lines;
    this.inflightBytes -= pending.bytes;
    this.unacked--;
    this.signal();
  }

  private async persistWithRetry(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.store.flush();
        return;
      } catch (err) {
        this.options.events.checkpointFailed(err);
        await this.clock.sleep(Math.min(10_000, 100 * 2 ** attempt));
      }
    }
  }

  private async sameHead(state: FileState, size: number): Promise<boolean> {
    state.headCheckedAt = size;
    const head = state.head as Buffer;
    const now = Buffer.alloc(head.length);
    const { bytesRead } = await state.fh.read(now, 0, head.length, 0);
    return bytesRead === head.length && now.equals(head);
  }

  private truncated(state: FileState, size: number): void {
    this.options.events.fileTruncated(state.path, state.readOffset, size);
    // In-flight batches of the old content still finish, but no longer move this file's checkpoint.
    state.epoch++;
    if (state.fp !== undefined) state.truncatedFrom = { fp: state.fp, gen: state.gen };
    state.fp = undefined;
    state.head = undefined;
    state.key = undefined;
    state.committed = 0;
    state.readOffset = 0;
    state.replay = [];
    state.splitter.reset(0);
  }

  /** Remove what is finished: rotated and deleted files once acknowledged, and retired folders. */
  private async cleanUp(): Promise<void> {
    for (const [folder, waiters] of this.retiring) {
      const states = [...this.files.values()].filter((s) => s.folder === folder);
      for (const s of states) {
        s.retiring = true;
        s.size = (await s.fh.stat()).size;
      }
      if (!states.every((s) => this.finished(s))) continue;
      for (const s of states) await this.forget(s, 'retired', true);
      // Snort may have left other files (stats, the config copy): the whole folder goes.
      await fsp.rm(folder, { recursive: true, force: true });
      await this.persistWithRetry();
      this.retiring.delete(folder);
      this.options.events.folderRetired(folder);
      for (const w of waiters) w();
    }
    if (!this.options.follow) return;
    let changed = false;
    for (const s of [...this.files.values()]) {
      if (!s.gone && s.rotation === Number.MAX_SAFE_INTEGER) continue;
      // Decide on the file as it is now, not as the last read saw it.
      const { size } = await s.fh.stat();
      if (size !== s.size) {
        s.size = size;
        continue;
      }
      if (s.gone && (this.finished(s) || s.key === undefined)) {
        await this.forget(s, 'deleted', false);
        changed = true;
      } else if (s.rotation !== Number.MAX_SAFE_INTEGER && this.finished(s)) {
        await this.forget(s, 'rotated', true);
        changed = true;
      }
    }
    if (changed) await this.persistWithRetry();
  }

  private finished(s: FileState): boolean {
    // An empty file has no identity and nothing to deliver.
    return (s.key !== undefined || s.size === 0) && s.readOffset >= s.size && s.pending.length === 0 && s.committed >= s.size;
  }

  private async forget(s: FileState, reason: 'rotated' | 'retired' | 'deleted', unlink: boolean): Promise<void> {
    await this.close(s);
    if (unlink) await fsp.rm(s.path, { force: true });
    this.files.delete(s.id);
    this.store.delete(s.id);
    this.options.events.fileRemoved(s.path, reason);
  }

  private async close(s: FileState): Promise<void> {
    if (s.closed) return;
    s.closed = true;
    await s.fh.close().catch(() => undefined);
  }

  private checkIdle(): void {
    if (this.idleWaiters.length === 0 || this.unacked > 0 || this.fullScanDue) return;
    for (const s of this.files.values()) {
      if (s.readOffset < s.size) return;
      if (s.key === undefined && s.size > 0 && s.size >= FINGERPRINT_BYTES) return;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
