// Standalone mode's StatusSink: this node's status entries for all resources in <stateDir>/status.json, the
// file a user (or a test) reads instead of `kubectl get dpi -o yaml`.
// Guarantees: written atomically (temp file in the same folder, then rename), so a reader never sees half a
// file; written only when the content changed; keys sorted, so the file diffs cleanly.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceKey } from '../model/types.js';
import type { DesiredError } from './desired.js';
import type { StatusSink } from './reconciler.js';
import type { NodeStatusEntry } from './status.js';

export const STATUS_FILE = 'status.json';

export interface StatusFileFs {
  mkdir(path: string): Promise<void>;
  writeFile(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

const nodeFs: StatusFileFs = {
  mkdir: async (p) => {
    await mkdir(p, { recursive: true });
  },
  writeFile: (p, d) => writeFile(p, d, { mode: 0o644 }),
  rename: (a, b) => rename(a, b),
};

export class FileStatusSink implements StatusSink {
  readonly path: string;
  private last: string | undefined;
  private seq = 0;

  constructor(
    private readonly stateDir: string,
    private readonly options: { fs?: StatusFileFs; sourceErrors?: () => readonly DesiredError[] } = {},
  ) {
    this.path = join(stateDir, STATUS_FILE);
  }

  async write(entries: Map<ResourceKey, NodeStatusEntry>): Promise<void> {
    const resources: Record<string, NodeStatusEntry> = {};
    for (const key of [...entries.keys()].sort()) resources[key] = entries.get(key) as NodeStatusEntry;
    const errors = (this.options.sourceErrors?.() ?? []).map((e) => ({ resource: e.resource, message: e.message }));
    const text = JSON.stringify({ resources, ...(errors.length > 0 ? { errors } : {}) }, null, 2) + '\n';
    if (text === this.last) return;
    const fs = this.options.fs ?? nodeFs;
    await fs.mkdir(this.stateDir);
    const tmp = `${this.path}.tmp-${process.pid}-${this.seq++}`;
    await fs.writeFile(tmp, text);
    await fs.rename(tmp, this.path);
    this.last = text;
  }
}
