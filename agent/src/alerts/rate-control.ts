// Pure: the agent-side rate limit per (rule, endpoint). Within one batch, the first `burst` alerts of a key in
// a window are kept as they are; the rest of that window fold into one record carrying a count.
// Folding happens only inside a batch, and the tailer replays an unacknowledged batch with exactly the same
// boundaries after a restart (the boundaries are checkpointed before the batch is sent), so a folded record's
// id (its first line's) and count are the same on every replay: 409 on replay means the same fold is stored.
// RepeatFolder decides alert by alert, so the batch handler can serialise every alert that is final at once and
// let its intermediate objects die young; only the records that absorb repeats wait for the end of the batch.
import type { AlertRecord } from './alert-record.js';

export interface RateControlOptions {
  /** Window in milliseconds; 0 disables folding. */
  windowMs: number;
  /** Alerts per key and window shipped one by one before the rest are folded. */
  burst: number;
}

/**
 * What became of an offered record: `ship` it as it is; ship it as the `head` that later repeats of its window
 * fold into (its count and lastTimestamp may still change until the batch ends); or it was `absorbed` into
 * an earlier head.
 */
export type FoldVerdict = 'ship' | 'head' | 'absorbed';

interface WindowState {
  start: number;
  seen: number;
  head: AlertRecord | undefined;
}

/** One per batch. */
export class RepeatFolder {
  private readonly windows = new Map<string, WindowState>();

  constructor(private readonly options: RateControlOptions) {}

  /** Decides `record`'s fate; an absorbed record's count is added to its head (mutated). */
  offer(record: AlertRecord): FoldVerdict {
    if (this.options.windowMs <= 0) return 'ship';
    const e = record.enriched;
    const a = e.alert;
    const key = `${a.gid}:${a.sid}|${e.inspected ? e.inspected.namespace + '/' + e.inspected.pod : (a.iface ?? '')}`;
    let w = this.windows.get(key);
    if (w === undefined || a.timeMs - w.start >= this.options.windowMs || a.timeMs < w.start) {
      w = { start: a.timeMs, seen: 0, head: undefined };
      this.windows.set(key, w);
    }
    w.seen++;
    if (w.seen <= this.options.burst) return 'ship';
    if (w.head === undefined) {
      w.head = record;
      return 'head';
    }
    w.head.count += record.count;
    w.head.lastTimestamp = a.timestamp;
    return 'absorbed';
  }
}

/** Returns the records to ship, in order; folded records are mutated (count, lastTimestamp). */
export function foldRepeats(records: AlertRecord[], options: RateControlOptions): AlertRecord[] {
  if (options.windowMs <= 0 || records.length < 2) return records;
  const folder = new RepeatFolder(options);
  return records.filter((r) => folder.offer(r) !== 'absorbed');
}
