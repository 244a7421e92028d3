import { LineSplitter } from './lines.js';

function run(splitter: LineSplitter, chunks: string[]) {
  const lines: Array<[string, number, number]> = [];
  const oversized: Array<[number, number]> = [];
  for (const c of chunks) splitter.push(Buffer.from(c), (t, s, e) => lines.push([t, s, e]), (s, e) => oversized.push([s, e]));
  return { lines, oversized };
}

describe('LineSplitter', () => {
  it('splits complete lines with absolute offsets', () => {
    const { lines } = run(new LineSplitter(100, 10), ['a\nbb\n']);
    expect(lines).toEqual([['a', 10, 12], ['bb', 12, 15]]);
  });

  it('carries a partial line until its newline and checkpoints only before it', () => {
    const s = new LineSplitter(100);
    const first = run(s, ['one\ntw']);
    expect(first.lines).toEqual([['one', 0, 4]]);
    expect(s.completedOffset).toBe(4);
    expect(s.pendingBytes).toBe(2);
    const second = run(s, ['o', '\n']);
    expect(second.lines).toEqual([['two', 4, 8]]);
    expect(s.completedOffset).toBe(8);
  });

  it('skips an oversized line up to its newline, even across chunks, and keeps going', () => {
    const s = new LineSplitter(5);
    const { lines, oversized } = run(s, ['ok\n0123', '456789', 'abc\nfine\n']);
    expect(lines).toEqual([['ok', 0, 3], ['fine', 17, 22]]);
    expect(oversized).toEqual([[3, 17]]);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('é\n');
    const s = new LineSplitter(10);
    const out: string[] = [];
    s.push(bytes.subarray(0, 1), (t) => out.push(t), () => undefined);
    s.push(bytes.subarray(1), (t) => out.push(t), () => undefined);
    expect(out).toEqual(['é']);
  });
});
