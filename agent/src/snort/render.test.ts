// Golden files: the rendered config and command line for named inputs. UPDATE_GOLDEN=1 rewrites them (then
// review the diff: every change here is a change in what real Snort is given).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SnortRenderInput } from './render.js';
import { ALERT_JSON_FIELDS, renderSnortConfig, withConfigFile } from './render.js';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '__golden__');

const base: SnortRenderInput = {
  processId: 'snort-3f1c0d5e9a2b',
  interfaces: ['cali0123456789a', 'cali0123456789b'],
  processDir: '/var/lib/kube-dpi/snort/snort-3f1c0d5e9a2b',
  userConfig: { path: '/usr/etc/snort/snort.lua', sha256: 'a'.repeat(64) },
  includePath: '/usr/local/etc/snort',
  rules: [
    { path: '/var/lib/kube-dpi/snort/rules-0123456789ab/00-local.rules', sha256: 'b'.repeat(64) },
    { path: '/var/lib/kube-dpi/snort/rules-0123456789ab/01-snort3-community.rules', sha256: 'c'.repeat(64) },
  ],
  bufferSizeMb: 8,
  alertPayload: false,
  alertFileLimitMb: 16,
  hyperscan: true,
};

const cases: Record<string, SnortRenderInput> = {
  'two-interfaces-hyperscan': base,
  'one-interface-payload-no-hyperscan': {
    ...base,
    processId: 'snort-9d0e1f2a3b4c',
    interfaces: ['cali0123456789c'],
    processDir: '/var/lib/kube-dpi/snort/snort-9d0e1f2a3b4c',
    alertPayload: true,
    hyperscan: false,
    includePath: undefined,
  },
  'no-rules': { ...base, rules: [] },
};

function golden(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(file, actual);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('renderSnortConfig', () => {
  for (const [name, input] of Object.entries(cases)) {
    it(`matches the golden files for ${name}`, () => {
      const out = renderSnortConfig(input);
      golden(`${name}.lua`, out.files['kube-dpi.lua'] ?? '');
      golden(`${name}.args.json`, JSON.stringify(out.args, null, 2) + '\n');
    });
  }

  it('sets every agent-owned setting the facts require', () => {
    const out = renderSnortConfig(base);
    const lua = out.files['kube-dpi.lua'] ?? '';
    expect(out.args).toEqual(expect.arrayContaining(['-k', 'none', '-s', '65535', '--id-zero', '--daq-mode', 'passive']));
    expect(out.args.join(' ')).toContain('-i cali0123456789a -i cali0123456789b -z 2');
    expect(out.args.join(' ')).toContain('--daq-var buffer_size_mb=8');
    expect(lua).toContain("network.checksum_eval = 'none'");
    expect(lua).toContain('file = true,');
    expect(lua).toContain('limit = 16,');
    for (const field of ALERT_JSON_FIELDS) expect(lua).toMatch(new RegExp(`fields = '[^']*\\b${field}\\b`));
    expect(lua).not.toContain('b64_data');
    expect(lua.indexOf("include '/usr/etc/snort/snort.lua'")).toBeLessThan(lua.indexOf('alert_json ='));
  });

  it('is deterministic and hashes exactly what needs a reload', () => {
    const h = renderSnortConfig(base).hash;
    expect(renderSnortConfig({ ...base }).hash).toBe(h);
    expect(renderSnortConfig({ ...base, userConfig: { ...base.userConfig, sha256: 'd'.repeat(64) } }).hash).not.toBe(h);
    expect(renderSnortConfig({ ...base, rules: [base.rules[0]!] }).hash).not.toBe(h);
    const changedRule = [{ ...base.rules[0]!, sha256: 'e'.repeat(64) }, base.rules[1]!];
    expect(renderSnortConfig({ ...base, rules: changedRule }).hash).not.toBe(h);
    expect(renderSnortConfig({ ...base, alertPayload: true }).hash).not.toBe(h);
  });

  it('quotes paths for Lua and refuses rule paths Snort would split', () => {
    const lua = renderSnortConfig({ ...base, userConfig: { path: "/etc/it's/snort.lua", sha256: 'f' } }).files['kube-dpi.lua'];
    expect(lua).toContain("include '/etc/it\\'s/snort.lua'");
    expect(() => renderSnortConfig({ ...base, rules: [{ path: '/a b/x.rules', sha256: '0' }] })).toThrow(/whitespace/);
    expect(() => renderSnortConfig({ ...base, interfaces: [] })).toThrow(/no interfaces/);
  });

  it('swaps the config file for validation of a candidate', () => {
    const args = withConfigFile(renderSnortConfig(base).args, '/tmp/next.lua');
    expect(args.slice(0, 2)).toEqual(['-c', '/tmp/next.lua']);
  });
});
