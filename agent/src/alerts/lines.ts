// Pure: bytes of an append-only file → complete lines with their absolute byte offsets.
// A partial last line is carried until its '\n' arrives (Snort's stdio buffer may split a long line over
// several write() calls, FACTS §7). A line longer than the maximum is reported as oversized and skipped up to
// its next '\n' without ever being held in memory whole, so a runaway line cannot exhaust memory.

/** A complete line: `text` without its '\n', `start` its first byte, `end` the byte after its '\n'. */
export type LineHandler = (text: string, start: number, end: number) => void;
/** An oversized line that was skipped: bytes [start, end). */
export type OversizedHandler = (start: number, end: number) => void;

export class LineSplitter {
  private readonly maxLineBytes: number;
  /** Absolute offset of the next byte push() will see. */
  private position = 0;
  /** Absolute offset where the current (incomplete) line starts. */
  private lineStart = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private skipping = false;

  constructor(maxLineBytes: number, startOffset = 0) {
    this.maxLineBytes = maxLineBytes;
    this.reset(startOffset);
  }

  /** Forget any partial line and continue from `offset` (after a seek, truncation or restart). */
  reset(offset: number): void {
    this.position = offset;
    this.lineStart = offset;
    this.carry = [];
    this.carryBytes = 0;
    this.skipping = false;
  }

  /** Offset just past the last complete (or skipped) line: the only safe place to checkpoint. */
  get completedOffset(): number {
    return this.lineStart;
  }

  /** Offset of the next byte expected. */
  get nextOffset(): number {
    return this.position;
  }

  /** Bytes of the partial line held, waiting for '\n'. */
  get pendingBytes(): number {
    return this.position - this.lineStart;
  }

  push(chunk: Buffer, onLine: LineHandler, onOversized: OversizedHandler): void {
    const base = this.position;
    const length = chunk.length;
    let i = 0;
    while (i < length) {
      const nl = chunk.indexOf(10, i);
      if (nl === -1) {
        this.holdPartial(chunk, i);
        break;
      }
      const end = base + nl + 1;
      if (this.skipping) {
        this.skipping = false;
        onOversized(this.lineStart, end);
      } else if (this.carryBytes + (nl - i) > this.maxLineBytes) {
        this.carry = [];
        this.carryBytes = 0;
        onOversized(this.lineStart, end);
      } else {
        let stop = nl;
        let text: string;
        if (this.carryBytes === 0) {
          if (stop > i && chunk[stop - 1] === 13) stop--;
          text = chunk.toString('utf8', i, stop);
        } else {
          this.carry.push(chunk.subarray(i, stop));
          const whole = Buffer.concat(this.carry);
          const wholeEnd = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
          text = whole.toString('utf8', 0, wholeEnd);
          this.carry = [];
          this.carryBytes = 0;
        }
        onLine(text, this.lineStart, end);
      }
      this.lineStart = end;
      i = nl + 1;
    }
    this.position = base + length;
  }

  private holdPartial(chunk: Buffer, from: number): void {
    if (this.skipping) return;
    const rest = chunk.length - from;
    if (this.carryBytes + rest > this.maxLineBytes) {
      // Too long already: drop what is held and skip to the next '\n'.
      this.carry = [];
      this.carryBytes = 0;
      this.skipping = true;
      return;
    }
    // Copy: the caller may reuse its read buffer.
    this.carry.push(Buffer.from(chunk.subarray(from)));
    this.carryBytes += rest;
  }
}
