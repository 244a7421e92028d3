import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFollower } from './output-follower.js';

const until = async (check: () => boolean, what: string): Promise<void> => {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('OutputFollower', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kdpi-follow-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers whole lines as the file grows, joining a line written in two parts, and the rest at finish', async () => {
    const path = join(dir, 'snort.stdout.log');
    writeFileSync(path, 'old line, before following\n');
    const lines: string[] = [];
    const follower = await OutputFollower.start({ path, onLine: (l) => lines.push(l), pollMs: 5 });
    appendFileSync(path, '++ [0] cali0123456789a\n++ [1] cali');
    await until(() => lines.length === 1, 'the first line');
    appendFileSync(path, '0123456789b\r\n-- [0] cali0123456789a');
    await until(() => lines.length === 2, 'the joined line');
    await follower.finish();
    expect(lines).toEqual(['++ [0] cali0123456789a', '++ [1] cali0123456789b', '-- [0] cali0123456789a']);
  });

  it('truncates the file once everything past the bound is read, and keeps reading what comes after', async () => {
    const path = join(dir, 'snort.stdout.log');
    writeFileSync(path, '');
    const lines: string[] = [];
    const follower = await OutputFollower.start({ path, onLine: (l) => lines.push(l), pollMs: 5, maxBytes: 100 });
    for (let i = 0; i < 20; i++) appendFileSync(path, `stats line ${String(i).padStart(2, '0')}\n`);
    await until(() => lines.length === 20 && statSync(path).size === 0, 'all lines and the truncation');
    appendFileSync(path, 'after the truncation\n');
    await until(() => lines.length === 21, 'the line after');
    follower.stop();
    expect(lines.at(-1)).toBe('after the truncation');
    expect(new Set(lines).size).toBe(21);
  });
});
