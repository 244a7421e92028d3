// The config hash the plan compares against running processes: sha256 over everything but the interfaces
// that, when it changes, needs a reload — the rules folder (file names and contents), the snort.lua override
// (its content) and the afpacket ring size. Interfaces are left out on purpose: they are in the process id,
// and changing them needs a restart, not a reload (FACTS §4).
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ConfigInputs {
  rulesDir: string;
  snortConfig: string | undefined;
  bufferSizeMb: number;
}

export interface ConfigInputsFs {
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<string>;
}

const nodeFs: ConfigInputsFs = { readdir: (p) => readdir(p), readFile: (p) => readFile(p, 'utf8') };

export interface ConfigInputsHash {
  hash: string;
  /** Inputs that could not be read (the hash still covers that fact). */
  unreadable: Array<{ path: string; message: string }>;
}

export async function hashConfigInputs(inputs: ConfigInputs, fs: ConfigInputsFs = nodeFs): Promise<ConfigInputsHash> {
  const h = createHash('sha256');
  const unreadable: ConfigInputsHash['unreadable'] = [];
  h.update(`bufferSizeMb=${inputs.bufferSizeMb}\n`);
  let names: string[] = [];
  try {
    names = (await fs.readdir(inputs.rulesDir)).filter((n) => n.endsWith('.rules') && !n.startsWith('.')).sort();
    h.update(`rulesDir=${inputs.rulesDir}\n`);
  } catch {
    // A missing rules folder is normal on a laptop dry run; the hash says "no rules".
    h.update('rulesDir=unreadable\n');
  }
  for (const name of names) {
    const path = join(inputs.rulesDir, name);
    try {
      const text = await fs.readFile(path);
      h.update(`rules ${name} ${Buffer.byteLength(text)}\n`).update(text);
    } catch (err) {
      h.update(`rules ${name} unreadable\n`);
      unreadable.push({ path, message: (err as Error).message });
    }
  }
  if (inputs.snortConfig !== undefined) {
    try {
      const text = await fs.readFile(inputs.snortConfig);
      h.update(`override ${Buffer.byteLength(text)}\n`).update(text);
    } catch (err) {
      h.update('override unreadable\n');
      unreadable.push({ path: inputs.snortConfig, message: (err as Error).message });
    }
  }
  return { hash: h.digest('hex'), unreadable };
}
