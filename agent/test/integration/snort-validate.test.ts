// snort -T through validate.ts against the Snort under test (the real binary when present, else the double):
// Snort's verdicts and its own ERROR lines (FACTS §6).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSnortConfig } from '../../src/snort/render.js';
import { validateSnortConfig } from '../../src/snort/validate.js';
import { probeSnort } from '../../src/snort/snort-probe.js';
import type { TestDirs } from './snort-support.js';
import { bundledConfig, makeDirs, snortUnderTest } from './snort-support.js';

const snort = snortUnderTest();

describe(`validateSnortConfig against ${snort.real ? 'real Snort' : 'the Snort test double'}`, () => {
  let dirs: TestDirs;
  let includePath: string;
  let hyperscan: boolean;
  beforeAll(async () => {
    const probe = await probeSnort(snort.bin);
    includePath = snort.configDir ?? probe.installConfigDir;
    hyperscan = probe.hyperscan;
  });
  beforeEach(() => (dirs = makeDirs()));
  afterEach(() => dirs.cleanup());

  function render(userConfig: string, rules: string[]): string[] {
    const out = renderSnortConfig({
      processId: 'snort-000000000000', interfaces: ['lo'], processDir: dirs.root,
      userConfig: { path: userConfig, sha256: 'x' }, includePath,
      rules: rules.map((path) => ({ path, sha256: 'x' })), bufferSizeMb: 8, alertPayload: false, alertFileLimitMb: 16, hyperscan,
    });
    writeFileSync(join(dirs.root, 'kube-dpi.lua'), out.files['kube-dpi.lua']!);
    return out.args;
  }

  it('accepts the bundled config with the rules', async () => {
    const result = await validateSnortConfig(snort.bin, render(bundledConfig, [join(dirs.rulesDir, 'community-subset.rules')]));
    expect(result).toMatchObject({ ok: true, errors: [], exitCode: 0 });
  });

  it('rejects an unknown rule keyword with Snort\'s ERROR line', async () => {
    const bad = join(dirs.rulesDir, 'bad.rules');
    writeFileSync(bad, 'alert tcp any any -> any 80 ( msg:"x"; nosuchoption; sid:3000001; )\n');
    const result = await validateSnortConfig(snort.bin, render(bundledConfig, [bad]));
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.errors).toContain(`ERROR: ${bad}:1 unknown rule keyword: nosuchoption.`);
  });

  it('rejects a missing override file', async () => {
    const result = await validateSnortConfig(snort.bin, render(join(dirs.root, 'nope.lua'), []));
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toMatch(/nope\.lua.*No such file or directory/);
  });

  it('rejects a Lua syntax error', async () => {
    const user = join(dirs.root, 'user.lua');
    writeFileSync(user, "HOME_NET = 'any'\nstream = {\n");
    const result = await validateSnortConfig(snort.bin, render(user, []));
    expect(result.ok).toBe(false);
    expect(result.errors[0]).toMatch(/^ERROR: .*expected.*near/);
  });

  it('rejects an unknown module table, which plain snort -T would pass', async () => {
    const user = join(dirs.root, 'user.lua');
    writeFileSync(user, "HOME_NET = 'any'\nEXTERNAL_NET = 'any'\ninclude 'snort_defaults.lua'\nno_such_module = { }\n");
    const result = await validateSnortConfig(snort.bin, render(user, []));
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.errors).toEqual([`WARNING: ${user}: unknown table no_such_module`]);
  });
});
