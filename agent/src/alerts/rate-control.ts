// Pure: the agent-side rate limit per (rule, endpoint). Within one batch, the first `burst` alerts of a key in
// a window are kept as they are; the rest of that window fold into one record carrying a count.
// Folding happens only inside a batch, and the tailer replays an unacknowledged batch with exactly the same
// boundaries after a restart (the boundaries are checkpointed before the batch is sent), so a folded record's
// id (its first line's) and count are the same on every replay: 409 on replay means the same fold is stored.
import type { AlertRecord } from './alert-record.js';

export interface RateControlOptions {
  /** Window in milliseconds; 0 disables folding. */
  windowMs: number;
  /** Alerts per key and window shipped one by one before the rest are folded. */
  burst: number;
}

interface WindowState {
  start: number;
  seen: number;
  folded: AlertRecord | undefined;
}

/** Returns the records to ship, in order; folded records are mutated (count, lastTimestamp). */
export function foldRepeats(records: AlertRecord[], options: RateControlOptions): AlertRecord[] {
  if (options.windowMs <= 0 || records.length < 2) return records;
  const windows = new Map<string, WindowState>();
  const out: AlertRecord[] = [];
  for (const record of records) {
    const e = record.enriched;
    const a = e.alert;
    const key = `${a.gid}:${a.sid}|${e.inspected ? e.inspected.namespace + '/' + e.inspected.pod : (a.iface ?? '')}`;
    let w = windows.get(key);
    if (w === undefined || a.timeMs - w.start >= options.windowMs || a.timeMs < w.start) {
      w = { start: a.timeMs, seen: 0, folded: undefined };
      windows.set(key, w);
    }
    w.seen++;
    if (w.seen <= options.burst) {
      out.push(record);
    } else if (w.folded === undefined) {
      w.folded = record;
      out.push(record);
    } else {
      w.folded.count += record.count;
      w.folded.lastTimestamp = a.timestamp;
    }
  }
  return out;
}
