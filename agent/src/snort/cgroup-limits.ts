// Reads this container's memory and CPU limits from its cgroup (v2 memory.max / cpu.max; v1
// memory.limit_in_bytes / cpu.cfs_quota_us + cpu.cfs_period_us), for the capacity model. A limit that
// cannot be read counts as no limit: the agent then trusts maxInterfacesPerProcess alone and says so.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupLimits {
  memoryBytes: number | undefined;
  cpuCores: number | undefined;
  /** Where the values came from, for the log. */
  source: string;
}

export interface CgroupReaderOptions {
  /** Where cgroupfs is mounted (default /sys/fs/cgroup). */
  root?: string;
  /** The /proc/self/cgroup text source (default /proc/self/cgroup). */
  procSelfCgroup?: string;
  readText?: (path: string) => Promise<string>;
}

/** v1 reports "unlimited" as a page-rounded huge number. */
const V1_UNLIMITED = 2 ** 60;

export async function readCgroupLimits(options: CgroupReaderOptions = {}): Promise<CgroupLimits> {
  const root = options.root ?? '/sys/fs/cgroup';
  const read = options.readText ?? ((p: string) => readFile(p, 'utf8'));
  const tryRead = async (p: string): Promise<string | undefined> => {
    try {
      return (await read(p)).trim();
    } catch {
      return undefined;
    }
  };
  const membership = (await tryRead(options.procSelfCgroup ?? '/proc/self/cgroup')) ?? '';
  const paths = new Map<string, string>();
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (controllers === undefined || path === undefined) continue;
    for (const c of controllers === '' ? ['unified'] : controllers.split(',')) paths.set(c, path);
  }
  // Inside a container the cgroup namespace usually makes its own cgroup the root; outside, the full path.
  const candidates = (dir: string, path: string | undefined): string[] =>
    [...new Set([path === undefined ? undefined : join(dir, path), dir].filter((p): p is string => p !== undefined))];

  // cgroup v2
  for (const dir of candidates(root, paths.get('unified'))) {
    const memoryMax = await tryRead(join(dir, 'memory.max'));
    const cpuMax = await tryRead(join(dir, 'cpu.max'));
    if (memoryMax === undefined && cpuMax === undefined) continue;
    const memoryBytes = memoryMax === undefined || memoryMax === 'max' ? undefined : Number(memoryMax);
    const [quota, period] = (cpuMax ?? 'max').split(/\s+/);
    const cpuCores = quota === undefined || quota === 'max' ? undefined : Number(quota) / Number(period ?? 100000);
    return { memoryBytes: finite(memoryBytes), cpuCores: finite(cpuCores), source: `cgroup v2 ${dir}` };
  }
  // cgroup v1
  let memoryBytes: number | undefined;
  let cpuCores: number | undefined;
  let source = 'none';
  for (const dir of candidates(join(root, 'memory'), paths.get('memory'))) {
    const text = await tryRead(join(dir, 'memory.limit_in_bytes'));
    if (text === undefined) continue;
    const value = Number(text);
    memoryBytes = value >= V1_UNLIMITED ? undefined : value;
    source = `cgroup v1 ${dir}`;
    break;
  }
  for (const dir of candidates(join(root, 'cpu'), paths.get('cpu'))) {
    const quota = await tryRead(join(dir, 'cpu.cfs_quota_us'));
    const period = await tryRead(join(dir, 'cpu.cfs_period_us'));
    if (quota === undefined || period === undefined) continue;
    cpuCores = Number(quota) <= 0 ? undefined : Number(quota) / Number(period);
    if (source === 'none') source = `cgroup v1 ${dir}`;
    break;
  }
  return { memoryBytes: finite(memoryBytes), cpuCores: finite(cpuCores), source };
}

function finite(n: number | undefined): number | undefined {
  return n !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}
