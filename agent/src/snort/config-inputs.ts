// Reads what the user owns (their snort.lua and the rules folder), hashes the contents, and snapshots the
// rules of a validated generation, so a later bad rules change never reaches a process that (re)starts.
// The hashes feed render.ts (pure) and the generation hash the plan compares (SnortSupervisor.configHash()).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES_SNAPSHOT_PREFIX, snortRoot } from './layout.js';
import type { HashedFile } from './render.js';

/** The Calico-compatible override path (DESIGN §3): used when it exists and no --snort-config is given. */
export const INSTALL_OVERRIDE_PATH = '/usr/etc/snort/snort.lua';

/** snort-config/snort.lua of this package, found upwards from this module (works from agent/src and dist/). */
export function bundledSnortConfig(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'snort-config', 'snort.lua');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'snort-config', 'snort.lua');
}

export interface RulesFile {
  name: string;
  path: string;
  sha256: string;
  content: Buffer;
}

export interface ConfigInputs {
  userConfig: HashedFile;
  userConfigOrigin: 'override' | 'install' | 'bundled';
  rules: RulesFile[];
  /** Covers the user's config, every rules file and the agent-owned settings: changes exactly when a reload is due. */
  hash: string;
}

export interface ConfigInputsOptions {
  rulesDir: string;
  snortConfig: string | undefined;
  /** Agent-owned settings that change the rendered output (ring, payload, limit, hyperscan...). */
  owned: Record<string, unknown>;
  installOverridePath?: string;
  bundledConfigPath?: string;
}

export async function loadConfigInputs(options: ConfigInputsOptions): Promise<ConfigInputs> {
  const installPath = options.installOverridePath ?? INSTALL_OVERRIDE_PATH;
  let userPath: string;
  let origin: ConfigInputs['userConfigOrigin'];
  if (options.snortConfig !== undefined) {
    userPath = resolve(options.snortConfig);
    origin = 'override';
  } else if (await isFile(installPath)) {
    userPath = installPath;
    origin = 'install';
  } else {
    userPath = options.bundledConfigPath ?? bundledSnortConfig();
    origin = 'bundled';
  }
  // A missing override is not an error here: snort -T reports it in Snort's own words.
  const userContent = await readFile(userPath).catch(() => Buffer.from(''));
  const userConfig = { path: userPath, sha256: sha256(userContent) };

  const names = (await readdir(options.rulesDir).catch(() => [] as string[])).filter((n) => n.endsWith('.rules')).sort();
  const rules: RulesFile[] = [];
  for (const name of names) {
    const path = join(options.rulesDir, name);
    if (!(await isFile(path))) continue;
    const content = await readFile(path);
    rules.push({ name, path, sha256: sha256(content), content });
  }
  const hash = sha256(JSON.stringify({ userConfig, rules: rules.map((r) => [r.name, r.sha256]), owned: options.owned }));
  return { userConfig, userConfigOrigin: origin, rules, hash };
}

/** Copies the rules to <stateDir>/snort/rules-<hash12>/NN-<name> (once) and returns the copies' paths. */
export async function snapshotRules(stateDir: string, inputs: ConfigInputs): Promise<{ dir: string; files: HashedFile[] }> {
  const dir = join(snortRoot(stateDir), RULES_SNAPSHOT_PREFIX + inputs.hash.slice(0, 12));
  await mkdir(dir, { recursive: true });
  // Snort may run as uid 65534: it must read these.
  await chmod(dir, 0o755);
  const files: HashedFile[] = [];
  for (const [i, rule] of inputs.rules.entries()) {
    const safe = rule.name.replace(/[^A-Za-z0-9._-]/g, '_');
    const path = join(dir, `${String(i).padStart(2, '0')}-${safe}`);
    await writeFile(path, rule.content, { mode: 0o644 });
    files.push({ path, sha256: rule.sha256 });
  }
  return { dir, files };
}

/** Removes rules snapshots no generation in `keep` uses. */
export async function pruneRuleSnapshots(stateDir: string, keep: ReadonlySet<string>): Promise<void> {
  const root = snortRoot(stateDir);
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (name.startsWith(RULES_SNAPSHOT_PREFIX) && !keep.has(join(root, name))) await rm(join(root, name), { recursive: true, force: true });
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
