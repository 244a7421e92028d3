// Reads a manifests file or folder into the objects of every file, remembering each file's last good parse
// so that a file which becomes malformed keeps contributing the objects it had (and other files are not
// disturbed). Used once by `kube-dpi plan` and on every debounced burst of file events by ManifestSource.
// A folder is read one level deep, skipping dot-names: a mounted ConfigMap keeps its real files under
// `..data/` and timestamped dot-folders, with top-level symlinks that point into them.
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../platform/errors.js';
import type { DpiResource, NamespaceInfo, PodInfo } from '../../model/types.js';
import { endpointKey, resourceKey } from '../../model/types.js';
import type { ManifestError, ManifestObjects, ParsedManifest } from './parse-manifests.js';
import { parseManifest } from './parse-manifests.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export function isManifestFile(name: string): boolean {
  const base = name.split('/').pop() ?? name;
  return !base.startsWith('.') && MANIFEST_EXTENSIONS.some((ext) => base.toLowerCase().endsWith(ext));
}

/** The file-system edge, injectable for tests. */
export interface ManifestFs {
  stat(path: string): Promise<{ isDirectory(): boolean; isFile(): boolean }>;
  readdir(path: string): Promise<string[]>;
  readFile(path: string): Promise<string>;
}

export const nodeManifestFs: ManifestFs = {
  stat: (p) => stat(p),
  readdir: (p) => readdir(p),
  readFile: (p) => readFile(p, 'utf8'),
};

export interface ManifestRead extends ManifestObjects {
  /** Malformed files (path and line) and skipped objects, sorted by file then line. */
  errors: ManifestError[];
  /** Files read, sorted. */
  files: string[];
  /** Ignored objects (other kinds / apiVersions), for a debug log. */
  ignored: string[];
}

interface FileState {
  text: string;
  parsed: ParsedManifest;
  /** The objects of the last parse that was not malformed. */
  lastGood: ManifestObjects;
}

export class ManifestReader {
  private readonly files = new Map<string, FileState>();

  constructor(
    private readonly path: string,
    private readonly dpiApiVersion: string,
    private readonly fs: ManifestFs = nodeManifestFs,
  ) {}

  /** Reads everything now. Throws ConfigError only when the path itself does not exist or is not readable. */
  async read(): Promise<ManifestRead> {
    const paths = await this.list();
    const errors: ManifestError[] = [];
    for (const old of [...this.files.keys()]) if (!paths.includes(old)) this.files.delete(old);
    for (const path of paths) {
      let text: string;
      try {
        text = await this.fs.readFile(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // Removed between listing and reading: the next event re-reads.
        if (code === 'ENOENT') {
          this.files.delete(path);
          continue;
        }
        errors.push({ file: path, message: `${path}: cannot read: ${(err as Error).message}` });
        continue;
      }
      const previous = this.files.get(path);
      if (previous?.text === text) continue;
      const parsed = parseManifest(path, text, this.dpiApiVersion);
      const lastGood = parsed.malformed ? (previous?.lastGood ?? { pods: [], namespaces: [], resources: [] }) : parsed;
      this.files.set(path, { text, parsed, lastGood: { pods: lastGood.pods, namespaces: lastGood.namespaces, resources: lastGood.resources } });
    }
    return this.merge(errors);
  }

  private async list(): Promise<string[]> {
    let info: { isDirectory(): boolean; isFile(): boolean };
    try {
      info = await this.fs.stat(this.path);
    } catch (err) {
      throw new ConfigError(`--manifests ${this.path} does not exist or cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (!info.isDirectory()) return [this.path];
    const names = await this.fs.readdir(this.path);
    const out: string[] = [];
    for (const name of names.filter(isManifestFile).sort()) {
      const full = join(this.path, name);
      try {
        if ((await this.fs.stat(full)).isFile()) out.push(full);
      } catch {
        // a dangling symlink (ConfigMap swap in progress): skipped until the next event
      }
    }
    return out;
  }

  private merge(readErrors: ManifestError[]): ManifestRead {
    const pods = new Map<string, PodInfo>();
    const namespaces = new Map<string, NamespaceInfo>();
    const resources = new Map<string, DpiResource>();
    const errors = [...readErrors];
    const ignored: string[] = [];
    const files = [...this.files.keys()].sort();
    for (const file of files) {
      const state = this.files.get(file) as FileState;
      errors.push(...state.parsed.errors);
      ignored.push(...state.parsed.ignored);
      // Later files win on duplicates, in sorted order, so the outcome does not depend on event order.
      for (const p of state.lastGood.pods) pods.set(endpointKey(p), p);
      for (const n of state.lastGood.namespaces) namespaces.set(n.name, n);
      for (const r of state.lastGood.resources) resources.set(resourceKey(r), r);
    }
    errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : (a.line ?? 0) - (b.line ?? 0)));
    return { pods: [...pods.values()], namespaces: [...namespaces.values()], resources: [...resources.values()], errors, files, ignored };
  }
}
