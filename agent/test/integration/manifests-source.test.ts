// The standalone source against real files and the real chokidar watcher.
import { mkdtemp, rename, rm, symlink, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { ManifestSource } from '../../src/sources/manifests/manifest-source.js';
import { SourceStore } from '../../src/sources/store.js';
import { createSilentLogger } from '../../src/platform/logger.js';
import { ConfigError } from '../../src/platform/errors.js';

const pod = (name: string, labels: Record<string, string> = {}, ns = 'sample') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n  labels: ${JSON.stringify(labels)}\nspec: {nodeName: node-a}\nstatus: {podIP: 10.0.0.1}\n`;
const dpi = (name: string, selector: string) =>
  `apiVersion: projectcalico.org/v3\nkind: DeepPacketInspection\nmetadata: {name: ${name}, namespace: sample}\nspec:\n  selector: '${selector}'\n`;

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ManifestSource (real files, chokidar)', () => {
  let dir: string;
  let source: ManifestSource | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kdpi-manifests-'));
  });
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  function start(path = dir): { store: SourceStore; reads: () => number; src: ManifestSource } {
    const store = new SourceStore('node-a');
    source = new ManifestSource({ path, store, dpiApiVersion: 'projectcalico.org/v3', logger: createSilentLogger(), registry: new Registry(), debounceMs: 30 });
    let reads = 0;
    source.onRead(() => reads++);
    return { store, reads: () => reads, src: source };
  }

  const podNames = (store: SourceStore) => store.snapshot().pods.map((p) => p.name).sort();

  it('reads every file once before saying synced, then follows additions, edits and deletions', async () => {
    await writeFile(join(dir, 'a.yaml'), pod('a') + '---\n' + dpi('d', 'all()'));
    await writeFile(join(dir, 'b.yml'), pod('b'));
    await writeFile(join(dir, 'notes.txt'), pod('ignored'));
    const { store, src } = start();
    expect(store.isSynced()).toBe(false);
    await src.start();
    expect(store.isSynced()).toBe(true);
    expect(podNames(store)).toEqual(['a', 'b']);
    expect(store.snapshot().resources.map((r) => r.selector)).toEqual(['all()']);

    await writeFile(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'sample' } }));
    await until(() => podNames(store).includes('c'), 'added file');

    await writeFile(join(dir, 'a.yaml'), pod('a', { k8s: 'x' }) + '---\n' + dpi('d', 'k8s == "x"'));
    await until(() => store.snapshot().resources[0]?.selector === 'k8s == "x"', 'edited file');
    expect(store.getPod('sample/a')?.labels).toEqual({ k8s: 'x' });

    await unlink(join(dir, 'b.yml'));
    await until(() => !podNames(store).includes('b'), 'deleted file');
    expect(podNames(store)).toEqual(['a', 'c']);
  });

  it('a malformed file keeps its objects, names its path and line, and does not disturb other files', async () => {
    await writeFile(join(dir, 'a.yaml'), pod('a'));
    await writeFile(join(dir, 'b.yaml'), pod('b'));
    const { store, src } = start();
    let errorChanges = 0;
    src.onErrorsChanged(() => errorChanges++);
    await src.start();

    await writeFile(join(dir, 'a.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: a2\n');
    await until(() => src.errors().length > 0, 'malformed report');
    expect(src.errors()[0]?.file).toBe(join(dir, 'a.yaml'));
    expect(src.errors()[0]?.message).toMatch(/a\.yaml: line \d+/);
    expect(podNames(store)).toEqual(['a', 'b']);

    await writeFile(join(dir, 'b.yaml'), pod('b2'));
    await until(() => podNames(store).includes('b2'), 'edit of the good file');
    expect(podNames(store)).toEqual(['a', 'b2']);

    await writeFile(join(dir, 'a.yaml'), pod('a3'));
    await until(() => src.errors().length === 0, 'recovery');
    expect(podNames(store)).toEqual(['a3', 'b2']);
    expect(errorChanges).toBe(2);
  });

  it('collapses a burst of writes into few reads', async () => {
    const { store, reads, src } = start();
    await src.start();
    const before = reads();
    for (let i = 0; i < 20; i++) await writeFile(join(dir, `p${i}.yaml`), pod(`p${i}`));
    await until(() => podNames(store).length === 20, 'burst');
    await new Promise((r) => setTimeout(r, 100));
    expect(reads() - before).toBeLessThan(20);
  });

  it('watches a single file, including an atomic replace by rename', async () => {
    const file = join(dir, 'all.yaml');
    await writeFile(file, pod('a'));
    await writeFile(join(dir, 'other.yaml'), pod('not-mine'));
    const { store, src } = start(file);
    await src.start();
    expect(podNames(store)).toEqual(['a']);
    await writeFile(join(dir, 'tmp'), pod('z'));
    await rename(join(dir, 'tmp'), file);
    await until(() => podNames(store).includes('z'), 'renamed-over file');
    expect(podNames(store)).toEqual(['z']);
  });

  it('follows a ConfigMap-style ..data symlink swap without reading the dot-folders twice', async () => {
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'pods.yaml'), pod('v1'));
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'pods.yaml'), join(dir, 'pods.yaml'));
    const { store, src } = start();
    await src.start();
    expect(podNames(store)).toEqual(['v1']);
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'pods.yaml'), pod('v2'));
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await until(() => podNames(store).includes('v2'), 'ConfigMap swap');
    expect(podNames(store)).toEqual(['v2']);
  });

  it('a missing path is a ConfigError naming it', async () => {
    const { src } = start(join(dir, 'nope'));
    await expect(src.start()).rejects.toThrow(ConfigError);
    await expect(src.start()).rejects.toThrow(/nope/);
  });
});
