// What this machine lets a test do. Tests that need root, network namespaces or a real Snort call these and
// skip with the returned reason when they cannot run (CI runs as root, so there they run).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Capability {
  ok: boolean;
  reason: string;
}

let netnsCache: Capability | undefined;

/** Root and the right to create network namespaces and veth pairs (checked by really making one). */
export function netnsCapability(): Capability {
  if (netnsCache) return netnsCache;
  if (process.getuid?.() !== 0) {
    netnsCache = { ok: false, reason: 'needs root to create network namespaces and veth pairs' };
    return netnsCache;
  }
  const name = `kdpi-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    netnsCache = { ok: true, reason: '' };
  } catch (err) {
    netnsCache = { ok: false, reason: `cannot create a network namespace here: ${(err as Error).message.split('\n')[0]}` };
  }
  return netnsCache;
}

/** The real Snort 3 binary: SNORT_BIN, or `snort` on PATH. */
export function realSnort(): { path: string | undefined; reason: string } {
  const fromEnv = process.env['SNORT_BIN'];
  if (fromEnv) return existsSync(fromEnv) ? { path: fromEnv, reason: '' } : { path: undefined, reason: `SNORT_BIN=${fromEnv} does not exist` };
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'snort');
    if (dir && existsSync(candidate)) return { path: candidate, reason: '' };
  }
  return { path: undefined, reason: 'no real Snort 3 (set SNORT_BIN or put snort on PATH)' };
}

/** The openssl CLI, which makes the throwaway CA and certificates of the TLS tests (test-certificates.ts). */
export function opensslCapability(): Capability {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return { ok: true, reason: '' };
  } catch {
    return { ok: false, reason: 'needs the openssl CLI to make test certificates (apt-get install openssl)' };
  }
}

/** `describe` when the capability holds, otherwise `describe.skip` with the reason in the suite name. */
export function describeIf(capability: Capability): (name: string, fn: () => void) => void {
  return capability.ok ? describe : (name, fn) => describe.skip(`${name} [skipped: ${capability.reason}]`, fn);
}

/** Path to the shared reference folder (../shared/reference next to the checkout), when present. */
export function sharedReference(...parts: string[]): string | undefined {
  const candidates = [join(process.cwd(), '..', 'shared', 'reference', ...parts), join(process.cwd(), 'shared', 'reference', ...parts)];
  return candidates.find((p) => existsSync(p));
}
