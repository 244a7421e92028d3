// Probes the Snort binary once at start: where it is, its version, whether it has Hyperscan, and where its
// install keeps snort_defaults.lua (<prefix>/etc/snort for <prefix>/bin/snort).
import { execa } from 'execa';
import { access, realpath } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { SnortError } from '../platform/errors.js';

export interface SnortProbe {
  /** Absolute path of the binary. */
  path: string;
  version: string | undefined;
  hyperscan: boolean;
  /** <prefix>/etc/snort of the binary (resolved through symlinks), whether or not it exists. */
  installConfigDir: string;
}

export async function probeSnort(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<SnortProbe> {
  const path = await findExecutable(bin, env);
  if (!path) throw new SnortError('SNORT_NOT_FOUND', `Snort binary ${JSON.stringify(bin)} not found (set --snort)`);
  const version = await execa(path, ['-V'], { all: true, reject: false, timeout: 30_000 });
  const text = version.all ?? '';
  if (version.exitCode !== 0) {
    throw new SnortError('SNORT_NOT_FOUND', `${path} -V failed (exit ${String(version.exitCode)}): ${text.split('\n').slice(-3).join(' ')}`, { exitCode: version.exitCode });
  }
  let hyperscan = /Hyperscan version/i.test(text);
  if (!hyperscan) {
    const help = await execa(path, ['--help-config', 'search_engine'], { all: true, reject: false, timeout: 30_000 });
    hyperscan = /\bhyperscan\b/.test(help.all ?? '');
  }
  const real = await realpath(path).catch(() => path);
  return {
    path,
    version: /Version (\d+(?:\.\d+)+)/.exec(text)?.[1],
    hyperscan,
    installConfigDir: join(dirname(dirname(real)), 'etc', 'snort'),
  };
}

export async function findExecutable(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = bin.includes('/') ? [bin] : (env['PATH'] ?? '').split(delimiter).filter(Boolean).map((d) => join(d, bin));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return undefined;
}
