// Shared setup for the Snort integration tests: which binary (a real Snort 3 when SNORT_BIN is set or snort
// is on PATH, else the documented test double), temp state/rules folders, and pods as network namespaces
// with veth pairs (needs root; callers skip with netnsCapability()).
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry } from '../../src/platform/metrics.js';
import { createSilentLogger } from '../../src/platform/logger.js';
import type { SnortSupervisorOptions } from '../../src/snort/supervisor.js';
import { realSnort } from '../support/capabilities.js';

const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = join(here, '..', 'fixtures', 'snort');
export const doublePath = join(here, '..', 'doubles', 'snort-double.mjs');
export const bundledConfig = join(here, '..', '..', '..', 'snort-config', 'snort.lua');

/** The binary under test: a real Snort 3 when available, else the test double. */
export function snortUnderTest(): { bin: string; real: boolean; configDir: string | undefined } {
  const real = realSnort();
  if (real.path) return { bin: real.path, real: true, configDir: undefined };
  return { bin: doublePath, real: false, configDir: join(fixtures, 'etc') };
}

export interface TestDirs {
  root: string;
  stateDir: string;
  rulesDir: string;
  cleanup(): void;
}

export function makeDirs(): TestDirs {
  const root = mkdtempSync(join(tmpdir(), 'kdpi-snort-'));
  // Like /var/lib: Snort running as uid 65534 must be able to pass through to its own folder.
  chmodSync(root, 0o711);
  const stateDir = join(root, 'state');
  const rulesDir = join(root, 'rules');
  mkdirSync(stateDir, { recursive: true });
  mkdirSync(rulesDir, { recursive: true });
  copyFileSync(join(fixtures, 'rules', 'community-subset.rules'), join(rulesDir, 'community-subset.rules'));
  return { root, stateDir, rulesDir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function supervisorOptions(dirs: TestDirs, over: Partial<SnortSupervisorOptions> = {}): SnortSupervisorOptions {
  const snort = snortUnderTest();
  return {
    snortBin: snort.bin,
    stateDir: dirs.stateDir,
    rulesDir: dirs.rulesDir,
    snortConfig: bundledConfig,
    snortConfigDir: snort.configDir,
    bufferSizeMb: 8,
    alertPayload: false,
    alertFileLimitMb: 16,
    snortUser: 'root',
    logger: createSilentLogger(),
    registry: createMetricsRegistry({ processMetrics: false }),
    statsIntervalMs: 0,
    stopTimeoutMs: 3000,
    installOverridePath: join(dirs.root, 'no-install-override.lua'),
    ...over,
  };
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A pod: a network namespace whose eth0 is the peer of a host-side veth named like Calico's. */
export interface Pod {
  ns: string;
  iface: string;
  hostIp: string;
  podIp: string;
  servers: ChildProcess[];
}

let podSeq = 0;
export function makePod(index: number): Pod {
  const tag = `${process.pid % 10000}${podSeq++}`;
  const ns = `kdpi-t${tag}`;
  const iface = `calit${tag}`.slice(0, 15);
  const net = `10.253.${(process.pid + index * 7 + podSeq) % 250}`;
  const hostIp = `${net}.1`;
  const podIp = `${net}.2`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', ns);
  ip('link', 'add', iface, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  ip('addr', 'add', `${hostIp}/24`, 'dev', iface);
  ip('link', 'set', iface, 'up');
  ip('-n', ns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0');
  ip('-n', ns, 'link', 'set', 'eth0', 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  return { ns, iface, hostIp, podIp, servers: [] };
}

export function deleteVeth(pod: Pod): void {
  try {
    execFileSync('ip', ['link', 'del', pod.iface], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

export function removePod(pod: Pod): void {
  for (const s of pod.servers) s.kill('SIGKILL');
  deleteVeth(pod);
  try {
    execFileSync('ip', ['netns', 'del', pod.ns], { stdio: 'pipe' });
  } catch {
    // already gone
  }
}

/** ICMP echo from inside the pod to the host side (the reply comes back through the veth too). */
export function pingFromPod(pod: Pod, count = 2): void {
  execFileSync('ip', ['netns', 'exec', pod.ns, 'python3', join(fixtures, 'icmp-echo.py'), pod.hostIp, String(count)], { stdio: 'pipe' });
}

/** An HTTP server in the pod, and a request for /etc/passwd from the host (community sid 1:1122). */
export async function httpPasswdRequest(pod: Pod): Promise<void> {
  if (pod.servers.length === 0) {
    const server = spawn('ip', ['netns', 'exec', pod.ns, 'python3', '-m', 'http.server', '8080', '--bind', pod.podIp], { stdio: 'ignore' });
    pod.servers.push(server);
    await waitFor('http server', () => {
      try {
        execFileSync('curl', ['-s', '-o', '/dev/null', '--max-time', '1', `http://${pod.podIp}:8080/`], { stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    });
  }
  execFileSync('curl', ['-s', '-o', '/dev/null', '--max-time', '2', `http://${pod.podIp}:8080/cgi-bin/view?file=/etc/passwd`], { stdio: 'pipe' });
}

export function readAlerts(file: string): Array<Record<string, unknown>> {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
