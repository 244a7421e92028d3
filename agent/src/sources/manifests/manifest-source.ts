// Standalone source: DeepPacketInspection, Pod and Namespace objects from YAML/JSON files instead of the API
// server (DESIGN §3 `--manifests`).
// Consumes: a file or folder path, watched with chokidar (v4 has no globs: we watch the folder and keep
//           *.yaml, *.yml, *.json).
// Emits:    SourceStore.replace per kind, computed from all files, so edits, additions and deletions take effect
//           exactly like watch events; errors() lists malformed files with path and line.
// Guarantees: a burst of file events becomes one re-read (debounced); a malformed file keeps its previous
//           objects and does not disturb other files; the store is marked synced only after the first full
//           read; the watch loop never dies of its own error (a failed read is logged and retried on the
//           next event).
import { dirname } from 'node:path';
import { watch as chokidarWatch } from 'chokidar';
import type { Registry } from 'prom-client';
import type { Logger } from '../../platform/logger.js';
import { ConfigError } from '../../platform/errors.js';
import type { SourceStore } from '../store.js';
import type { ManifestEvents } from './events.js';
import { createManifestEvents } from './events.js';
import type { ManifestError } from './parse-manifests.js';
import type { ManifestFs, ManifestRead } from './read-manifests.js';
import { ManifestReader, nodeManifestFs } from './read-manifests.js';

export const MANIFEST_SOURCE_ID = 'manifests';

/** What the source needs from a file watcher (chokidar's FSWatcher fits). */
export interface ManifestWatcher {
  on(event: 'all', listener: (event: string, path: string) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  close(): Promise<void>;
}

export type ManifestWatchFactory = (path: string, options: { depth: number }) => ManifestWatcher;

export const chokidarWatchFactory: ManifestWatchFactory = (path, options) =>
  chokidarWatch(path, { ignoreInitial: true, depth: options.depth, persistent: true }) as unknown as ManifestWatcher;

export interface ManifestSourceOptions {
  path: string;
  store: SourceStore;
  dpiApiVersion: string;
  logger: Logger;
  registry?: Registry;
  events?: ManifestEvents;
  /** Quiet time after the last file event before re-reading. */
  debounceMs?: number;
  fs?: ManifestFs;
  watch?: ManifestWatchFactory;
}

export class ManifestSource {
  private readonly reader: ManifestReader;
  private readonly events: ManifestEvents;
  private readonly debounceMs: number;
  private watcher: ManifestWatcher | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private currentErrors: ManifestError[] = [];
  private readonly errorListeners: Array<() => void> = [];
  private readonly readListeners: Array<(read: ManifestRead) => void> = [];

  constructor(private readonly options: ManifestSourceOptions) {
    this.reader = new ManifestReader(options.path, options.dpiApiVersion, options.fs ?? nodeManifestFs);
    this.events = options.events ?? createManifestEvents(options.logger, options.registry);
    this.debounceMs = options.debounceMs ?? 100;
    options.store.registerSource(MANIFEST_SOURCE_ID);
  }

  /** First full read (throws ConfigError when the path does not exist), then watching. */
  async start(): Promise<void> {
    let isDir: boolean;
    try {
      isDir = (await (this.options.fs ?? nodeManifestFs).stat(this.options.path)).isDirectory();
    } catch (err) {
      throw new ConfigError(`--manifests ${this.options.path} does not exist or cannot be read: ${(err as Error).message}`, { cause: err });
    }
    // Watch before reading so no change between the read and the watch start is missed.
    const target = isDir ? this.options.path : dirname(this.options.path);
    const watcher = (this.options.watch ?? chokidarWatchFactory)(target, { depth: 0 });
    watcher.on('all', (_event, path) => {
      // A single-file path: only that file matters. A folder: any entry, including ConfigMap ..data swaps.
      if (!isDir && path !== this.options.path) return;
      this.schedule();
    });
    watcher.on('error', (err) => this.events.manifestWatchFailed(err));
    this.watcher = watcher;
    await this.readNow(true);
    this.options.store.markSynced(MANIFEST_SOURCE_ID);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.watcher?.close();
    await this.reading;
  }

  /** Malformed files and skipped objects right now (path and line in each message). */
  errors(): readonly ManifestError[] {
    return this.currentErrors;
  }

  /** The same errors in the shape the reconciler's `sourceErrors` and the plan's "errors" take. */
  planErrors(): Array<{ resource: string; message: string; code: 'MANIFEST_INVALID' }> {
    return this.currentErrors.map((e) => ({ resource: e.file, message: e.message, code: 'MANIFEST_INVALID' as const }));
  }

  onErrorsChanged(listener: () => void): void {
    this.errorListeners.push(listener);
  }

  /** Called after every completed read (tests and the composition root use it to know a change landed). */
  onRead(listener: (read: ManifestRead) => void): void {
    this.readListeners.push(listener);
  }

  /** Re-read soon; bursts of calls collapse into one read. */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.readNow(false);
    }, this.debounceMs);
  }

  private async readNow(first: boolean): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          this.apply(await this.reader.read());
        } catch (err) {
          if (first) throw err;
          this.events.manifestReadFailed(err);
        }
      } while (this.again && !this.stopped);
    })();
    try {
      await this.reading;
    } finally {
      this.reading = undefined;
    }
  }

  private apply(read: ManifestRead): void {
    const { store } = this.options;
    store.replace('namespace', read.namespaces);
    store.replace('resource', read.resources);
    store.replace('pod', read.pods);
    const before = new Set(this.currentErrors.map((e) => e.message));
    const after = new Set(read.errors.map((e) => e.message));
    for (const e of read.errors) if (!before.has(e.message)) this.events.manifestMalformed(e);
    const recovered = new Set(this.currentErrors.filter((e) => !after.has(e.message)).map((e) => e.file));
    for (const file of recovered) if (!read.errors.some((e) => e.file === file)) this.events.manifestRecovered(file);
    for (const what of read.ignored) this.events.manifestObjectIgnored(what);
    const changed = before.size !== after.size || [...after].some((m) => !before.has(m));
    this.currentErrors = read.errors;
    this.events.manifestsRead({
      files: read.files.length,
      pods: read.pods.length,
      namespaces: read.namespaces.length,
      resources: read.resources.length,
      errors: read.errors.length,
    });
    if (changed) for (const l of this.errorListeners) l();
    for (const l of this.readListeners) l(read);
  }
}
