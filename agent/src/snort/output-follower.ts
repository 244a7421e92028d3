// Snort's stdout and stderr go to append-only files in its process folder, not to pipes into the agent:
// a pipe dies with the agent, and a Snort adopted after an agent restart would then get SIGPIPE (or EPIPE) on
// its next line — just when it reports `-- [N] iface` for a vanished veth. The follower reads the files as
// they grow, line by line, and keeps them small: once everything is read past `maxBytes`, it truncates the file
// (Snort writes with O_APPEND, so its next line lands at the new end).
import { promises as fsp } from 'node:fs';

export const OUTPUT_FILE_MAX_BYTES = 4 * 1024 * 1024;

export interface OutputFollowerOptions {
  path: string;
  onLine: (line: string) => void;
  /** Start at the current end (adoption: earlier lines were already handled) or at `fromOffset`. */
  fromOffset?: number;
  pollMs?: number;
  maxBytes?: number;
}

export class OutputFollower {
  private offset: number;
  private carry = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(private readonly options: OutputFollowerOptions, offset: number) {
    this.offset = offset;
  }

  /** Begins following; `fromOffset` undefined means from the file's current end. */
  static async start(options: OutputFollowerOptions): Promise<OutputFollower> {
    const offset = options.fromOffset ?? (await fsp.stat(options.path).then((s) => s.size).catch(() => 0));
    const follower = new OutputFollower(options, offset);
    follower.timer = setInterval(() => follower.poll(), options.pollMs ?? 50);
    follower.timer.unref();
    return follower;
  }

  /** Reads what is left (the process exited, so nothing more comes) and stops. */
  async finish(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.reading;
    if (!this.stopped) await this.readNew();
    if (this.carry !== '') this.emit(this.carry);
    this.carry = '';
    this.stopped = true;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    this.reading = this.reading.then(() => this.readNew()).catch(() => undefined);
  }

  private async readNew(): Promise<void> {
    if (this.stopped) return;
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(this.options.path, 'r');
      const { size } = await fh.stat();
      if (size < this.offset) this.offset = 0; // truncated (by us, or by someone else)
      while (this.offset < size) {
        const buf = Buffer.alloc(Math.min(64 * 1024, size - this.offset));
        const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const text = this.carry + buf.subarray(0, bytesRead).toString('utf8');
        const lines = text.split('\n');
        this.carry = lines.pop() ?? '';
        for (const line of lines) this.emit(line);
      }
      // Truncate only when nothing arrived since the read (a line written in the instant between the stat and
      // the truncate would be lost; at 4 MB that is a rare instant, and it costs one log line).
      if (this.carry === '' && this.offset >= (this.options.maxBytes ?? OUTPUT_FILE_MAX_BYTES) && (await fh.stat()).size === this.offset) {
        await fsp.truncate(this.options.path, 0);
        this.offset = 0;
      }
    } catch {
      // The folder went away (retired) or the file is not there yet: nothing to read now.
    } finally {
      await fh?.close().catch(() => undefined);
    }
  }

  private emit(line: string): void {
    try {
      this.options.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    } catch {
      // a parsing bug must not stop supervision
    }
  }
}
