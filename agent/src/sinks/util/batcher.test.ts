import { backoffDelay } from './backoff.js';
import { Batcher } from './batcher.js';

describe('Batcher', () => {
  it('flushes by count, by bytes, and by time', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({ maxItems: 3, maxBytes: 100, maxDelayMs: 20 }, (items) => batches.push(items));
    [1, 2, 3, 4].forEach((i) => b.add(i, 1));
    expect(batches).toEqual([[1, 2, 3]]);
    b.add(5, 60);
    b.add(6, 60);
    expect(batches).toEqual([[1, 2, 3], [4, 5]]);
    await new Promise((r) => setTimeout(r, 50));
    expect(batches).toEqual([[1, 2, 3], [4, 5], [6]]);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap, with full jitter', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 20].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000 }, top))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(5, { baseMs: 100, maxMs: 1000 }, () => 0)).toBe(0);
  });
});
