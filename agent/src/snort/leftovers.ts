// Finds what a previous agent left behind (STYLE habit 5): Snort processes it started, recognised by their
// command line naming one of our process folders, and process folders with their manifests. The supervisor
// decides to adopt or kill; folders with alert files are left for the alert tailer to drain.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessManifest } from './layout.js';
import { MANIFEST_FILE, isAlertFileName, isSnortProcessId, snortRoot } from './layout.js';

export interface LeftoverProcess {
  pid: number;
  /** The process folder its command line names (its -l). */
  processId: string;
  cmdline: string[];
}

/** Processes whose command line has `-l <stateDir>/snort/<snort-id>`. */
export async function findLeftoverProcesses(stateDir: string, procRoot = '/proc'): Promise<LeftoverProcess[]> {
  const root = snortRoot(stateDir);
  const found: LeftoverProcess[] = [];
  for (const name of await readdir(procRoot).catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    const raw = await readFile(join(procRoot, name, 'cmdline'), 'utf8').catch(() => '');
    if (!raw.includes(root)) continue;
    const cmdline = raw.split('\0').filter((a) => a !== '');
    const at = cmdline.indexOf('-l');
    const dir = at >= 0 ? cmdline[at + 1] : undefined;
    if (!dir || !dir.startsWith(root + '/')) continue;
    const id = dir.slice(root.length + 1);
    if (isSnortProcessId(id)) found.push({ pid, processId: id, cmdline });
  }
  return found;
}

export interface LeftoverDir {
  processId: string;
  dir: string;
  manifest: ProcessManifest | undefined;
  alertFiles: string[];
}

export async function listProcessDirs(stateDir: string): Promise<LeftoverDir[]> {
  const root = snortRoot(stateDir);
  const out: LeftoverDir[] = [];
  for (const name of (await readdir(root).catch(() => [] as string[])).sort()) {
    if (!isSnortProcessId(name)) continue;
    const dir = join(root, name);
    const files = await readdir(dir).catch(() => [] as string[]);
    out.push({ processId: name, dir, manifest: await readManifest(dir), alertFiles: files.filter(isAlertFileName).sort() });
  }
  return out;
}

export async function readManifest(dir: string): Promise<ProcessManifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as ProcessManifest;
    return Array.isArray(parsed.interfaces) && typeof parsed.configHash === 'string' && Array.isArray(parsed.command) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
