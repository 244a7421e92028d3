// `make demo` (e2e/local/demo.js), the README's main job, run as a user would: it refuses clearly without
// Snort 3, and with the Snort test double it shows attributed alerts from live traffic and cleans up.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeIf, netnsCapability } from '../agent/test/support/capabilities.js';
import { REPO } from './local/agent-process.js';

const DEMO = join(REPO, 'e2e', 'local', 'demo.js');

describeIf(netnsCapability())('make demo', () => {
  it('exits 1 and says how to get Snort 3 when there is none', () => {
    const env = { ...process.env, PATH: '/usr/bin:/bin', SNORT_BIN: '' };
    delete (env as Record<string, string | undefined>)['SNORT_BIN'];
    const run = spawnSync(process.execPath, [DEMO], { env, encoding: 'utf8' });
    if (run.stderr.includes('needs Snort 3')) {
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('SNORT_BIN');
    } else {
      // A real Snort is installed system-wide: the refusal cannot be provoked here.
      expect(run.status).not.toBe(2);
    }
  });

  it('shows live alerts attributed to the selected pods, then removes what it made', () => {
    const run = spawnSync(process.execPath, [DEMO, '--test-double', '--duration', '6'], { encoding: 'utf8', timeout: 120000 });
    expect(run.stdout).toContain('inspection is live');
    expect(run.stdout).toMatch(/\[1:1122\] SERVER-WEBAPP \/etc\/passwd file access attempt\n {4}pod sample\/nginx-[12] via cali/);
    expect(run.stdout).not.toMatch(/pod sample\/redis-1 via/);
    expect(run.status).toBe(0);
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })).not.toContain('kdpidemo');
  });
});
