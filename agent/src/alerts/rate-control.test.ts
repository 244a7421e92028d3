import type { AlertRecord } from './alert-record.js';
import { foldRepeats } from './rate-control.js';

function rec(i: number, sid: number, timeMs: number, iface = 'a'): AlertRecord {
  return {
    id: `k-${i}`,
    count: 1,
    lastTimestamp: `t${i}`,
    enriched: { node: 'n', inspected: undefined, inspectedSide: undefined, peer: undefined, alert: { gid: 1, sid, timeMs, timestamp: `t${i}`, iface } as never },
  };
}

describe('foldRepeats', () => {
  it('keeps a burst, folds the rest of the window into one record with a count', () => {
    const records = [0, 1, 2, 3, 4, 5].map((i) => rec(i, 7, 1000 + i));
    const out = foldRepeats(records, { windowMs: 10_000, burst: 2 });
    expect(out.map((r) => [r.id, r.count])).toEqual([['k-0', 1], ['k-1', 1], ['k-2', 4]]);
    expect(out[2]?.lastTimestamp).toBe('t5');
  });

  it('keys by rule and endpoint and opens a new window after windowMs', () => {
    const records = [rec(0, 7, 0), rec(1, 8, 1), rec(2, 7, 2, 'b'), rec(3, 7, 3), rec(4, 7, 20_000)];
    const out = foldRepeats(records, { windowMs: 10_000, burst: 1 });
    expect(out.map((r) => [r.id, r.count])).toEqual([['k-0', 1], ['k-1', 1], ['k-2', 1], ['k-3', 1], ['k-4', 1]]);
  });

  it('is deterministic for the same batch and off with a zero window', () => {
    const make = () => [0, 1, 2, 3].map((i) => rec(i, 7, i));
    expect(foldRepeats(make(), { windowMs: 5, burst: 1 })).toEqual(foldRepeats(make(), { windowMs: 5, burst: 1 }));
    expect(foldRepeats(make(), { windowMs: 0, burst: 1 })).toHaveLength(4);
  });
});
