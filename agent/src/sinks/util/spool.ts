// A bounded on-disk spool of segments, each one ready-to-send request body (for Elasticsearch, _bulk NDJSON).
// Segments are written to a temp name, fsync'd and renamed, so a crash leaves whole segments or none.
// Policy when the bound is hit: append() refuses, and the caller keeps the records in memory and retries them
// in place. The tailer's in-flight bound then stops reading — backpressure — and the lines wait in Snort's
// alert files, which are the durable buffer; nothing is dropped by the spool.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../../platform/durable-write.js';

export interface SpoolSegment {
  name: string;
  bytes: number;
}

const SEGMENT = /^(\d{12})\.ndjson$/;

export class Spool {
  private segments: SpoolSegment[] = [];
  private total = 0;
  private seq = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  async open(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true });
    const names = (await fsp.readdir(this.dir)).sort();
    for (const name of names) {
      const m = SEGMENT.exec(name);
      if (!m) {
        if (name.endsWith('.tmp')) await fsp.rm(join(this.dir, name), { force: true });
        continue;
      }
      const { size } = await fsp.stat(join(this.dir, name));
      this.segments.push({ name, bytes: size });
      this.total += size;
      this.seq = Math.max(this.seq, Number(m[1]) + 1);
    }
  }

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.segments.length;
  }

  hasRoom(bytes: number): boolean {
    return this.total + bytes <= this.maxBytes;
  }

  /** False (nothing written) when the segment would exceed the bound. */
  async append(body: Buffer): Promise<boolean> {
    const bytes = body.length;
    if (!this.hasRoom(bytes)) return false;
    // Reserve before the awaits so concurrent appends respect the bound.
    this.total += bytes;
    const name = `${String(this.seq++).padStart(12, '0')}.ndjson`;
    try {
      await writeFileDurably(join(this.dir, name), body);
    } catch (err) {
      this.total -= bytes;
      throw err;
    }
    this.segments.push({ name, bytes });
    return true;
  }

  oldest(): SpoolSegment | undefined {
    return this.segments[0];
  }

  read(segment: SpoolSegment): Promise<Buffer> {
    return fsp.readFile(join(this.dir, segment.name));
  }

  /** Keep only what still has to be sent. */
  async replace(segment: SpoolSegment, body: Buffer): Promise<void> {
    const bytes = body.length;
    await writeFileDurably(join(this.dir, segment.name), body);
    this.total += bytes - segment.bytes;
    segment.bytes = bytes;
  }

  async remove(segment: SpoolSegment): Promise<void> {
    await fsp.rm(join(this.dir, segment.name), { force: true });
    const i = this.segments.indexOf(segment);
    if (i !== -1) this.segments.splice(i, 1);
    this.total -= segment.bytes;
  }
}

