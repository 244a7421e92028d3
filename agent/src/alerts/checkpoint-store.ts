// Durable tail positions: one JSON file per tailer in <stateDir>/checkpoints, replaced atomically (temp file,
// fsync, rename, fsync of the folder), so a crash leaves the old or the new version, never a torn one.
// Writes are coalesced: flush() resolves once a write that began after the call has completed.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileDurably } from '../platform/durable-write.js';

export interface CheckpointEntry {
  path: string;
  dev: number;
  ino: number;
  /** sha1 of the file's first line (or first 4 KiB): tells a reused inode from the same file. */
  fp: string;
  /** Bumped on each detected truncation, so rewritten content gets new document ids. */
  gen: number;
  /** Every line before this byte offset is acknowledged by every sink. */
  offset: number;
  /** Ends of batches dispatched but not yet acknowledged, replayed with exactly these boundaries. */
  replay: number[];
}

export class CheckpointStore {
  private entries = new Map<string, CheckpointEntry>();
  private writing: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private folderMade = false;

  constructor(readonly file: string) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const parsed = JSON.parse(text) as { version: number; files: Record<string, CheckpointEntry> };
    this.entries = new Map(Object.entries(parsed.files ?? {}));
  }

  get(id: string): CheckpointEntry | undefined {
    return this.entries.get(id);
  }

  set(id: string, entry: CheckpointEntry): void {
    this.entries.set(id, entry);
  }

  delete(id: string): void {
    this.entries.delete(id);
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.writing) {
      this.writing = this.write().finally(() => (this.writing = undefined));
      return this.writing;
    }
    const after = this.writing;
    this.queued = after
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        this.writing = this.write().finally(() => (this.writing = undefined));
        return this.writing;
      });
    return this.queued;
  }

  /** Resolves when no write is in progress or queued (for a clean stop). */
  async settled(): Promise<void> {
    while (this.writing || this.queued) await (this.queued ?? this.writing)?.catch(() => undefined);
  }

  private async write(): Promise<void> {
    const body = JSON.stringify({ version: 1, files: Object.fromEntries(this.entries) });
    // The folder is made once; if it is removed later, the failed write makes it again on the retry.
    if (!this.folderMade) {
      await fsp.mkdir(dirname(this.file), { recursive: true });
      this.folderMade = true;
    }
    try {
      await writeFileDurably(this.file, body, { syncDir: true });
    } catch (err) {
      this.folderMade = false;
      throw err;
    }
  }
}
