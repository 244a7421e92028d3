// Adapter: finds the host-side interface of each endpoint, so Snort is only ever started on an interface that
// exists (Snort exits, code 0, when one of its -i interfaces is missing: FACTS §4).
// Consumes endpoints ({namespace, pod, ips}); emits one InterfaceResolution per endpoint; guarantees it never
// throws for one endpoint's sake: a failure is a resolution with `exists: false` and a reason the status can show.
// Strategies:
//   calico — Calico's name (prefix + sha1 hash), checked under /sys/class/net.
//   route  — the interface the host routes the pod IP to (`ip -j route get`, else /proc/net/route and
//            /proc/net/ipv6_route), which works for any CNI that routes pod IPs to a veth; when that device is a
//            bridge (bridge CNIs), the bridge port that learned the pod's MAC.
//   auto   — calico when that interface exists, otherwise route.
import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { InterfaceStrategy } from '../../config/options.js';
import type { EndpointKey } from '../types.js';
import { endpointKey } from '../types.js';
import { calicoInterfaceName } from './calico-interface-name.js';

export interface InterfaceResolution {
  /** The host interface, when one was found (for calico also when it does not exist, to name it in errors). */
  interface: string | undefined;
  /** true: exists on this host; false: missing or not found; undefined: not checked (dry run). */
  exists: boolean | undefined;
  strategy: 'calico' | 'route';
  /** Why it is missing, in words for a status condition. */
  reason?: string;
}

export interface ResolvableEndpoint {
  namespace: string;
  pod: string;
  ips: readonly string[];
}

/** The file-system edge: only existence checks and small reads. */
export interface ResolverFs {
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<string>;
}

/** Runs a program and resolves with its stdout; rejects when it cannot run or exits non-zero. */
export type ResolverExec = (file: string, args: readonly string[]) => Promise<string>;

export interface InterfaceResolverOptions {
  strategy: InterfaceStrategy;
  prefix?: string;
  /** false: calico names are not checked (dry run); route and auto need the host anyway. Default true. */
  checkExists?: boolean;
  fs?: ResolverFs;
  exec?: ResolverExec;
  sysClassNet?: string;
  procNet?: string;
}

const execFileAsync = promisify(execFile);

export const nodeResolverFs: ResolverFs = {
  exists: async (path) => {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  readFile: (path) => readFile(path, 'utf8'),
};

export const nodeResolverExec: ResolverExec = async (file, args) => {
  const { stdout } = await execFileAsync(file, [...args], { timeout: 5000, maxBuffer: 4 * 1024 * 1024 });
  return stdout;
};

export class InterfaceResolver {
  private readonly strategy: InterfaceStrategy;
  private readonly prefix: string;
  private readonly checkExists: boolean;
  private readonly fs: ResolverFs;
  private readonly exec: ResolverExec;
  private readonly sysClassNet: string;
  private readonly procNet: string;
  /** Set once `ip` failed to run, so later lookups go straight to /proc. */
  private ipUnavailable = false;
  /**
   * Route answers by "ns/pod ips": every pass resolves every selected endpoint, and spawning `ip` a thousand
   * times per pass would dominate it. A cached answer is reused only while its interface still exists (a pod
   * recreated with the same IP gets a new veth, so the old name is gone and we look again).
   */
  private readonly routeCache = new Map<string, string>();

  constructor(options: InterfaceResolverOptions) {
    this.strategy = options.strategy;
    this.prefix = options.prefix ?? 'cali';
    this.checkExists = options.checkExists ?? true;
    this.fs = options.fs ?? nodeResolverFs;
    this.exec = options.exec ?? nodeResolverExec;
    this.sysClassNet = options.sysClassNet ?? '/sys/class/net';
    this.procNet = options.procNet ?? '/proc/net';
  }

  /** Whether a host interface exists (used for interfaces Snort runs on that are no longer desired). */
  async exists(name: string): Promise<boolean> {
    if (name === '' || name.includes('/') || name === '.' || name === '..') return false;
    return this.fs.exists(`${this.sysClassNet}/${name}`);
  }

  async resolveAll(endpoints: readonly ResolvableEndpoint[]): Promise<Map<EndpointKey, InterfaceResolution>> {
    const out = new Map<EndpointKey, InterfaceResolution>();
    await Promise.all(
      endpoints.map(async (e) => {
        out.set(endpointKey(e), await this.resolve(e));
      }),
    );
    return out;
  }

  async resolve(endpoint: ResolvableEndpoint): Promise<InterfaceResolution> {
    try {
      if (this.strategy === 'route') return await this.byRoute(endpoint);
      const calico = await this.byCalicoName(endpoint, this.strategy === 'auto' || this.checkExists);
      if (this.strategy === 'calico' || calico.exists !== false) return calico;
      const routed = await this.byRoute(endpoint);
      if (routed.exists) return routed;
      return { ...calico, reason: `${calico.reason}; and by route: ${routed.reason ?? 'not found'}` };
    } catch (err) {
      return { interface: undefined, exists: false, strategy: this.strategy === 'route' ? 'route' : 'calico', reason: `lookup failed: ${(err as Error).message}` };
    }
  }

  private async byCalicoName(endpoint: ResolvableEndpoint, check: boolean): Promise<InterfaceResolution> {
    const name = calicoInterfaceName(endpoint.namespace, endpoint.pod, this.prefix);
    if (!check) return { interface: name, exists: undefined, strategy: 'calico' };
    if (await this.exists(name)) return { interface: name, exists: true, strategy: 'calico' };
    return { interface: name, exists: false, strategy: 'calico', reason: `interface ${name} does not exist on this node` };
  }

  private async byRoute(endpoint: ResolvableEndpoint): Promise<InterfaceResolution> {
    if (endpoint.ips.length === 0) return { interface: undefined, exists: false, strategy: 'route', reason: 'the pod has no IP to route' };
    const cacheKey = `${endpointKey(endpoint)} ${endpoint.ips.join(',')}`;
    const cached = this.routeCache.get(cacheKey);
    if (cached !== undefined) {
      if (await this.exists(cached)) return { interface: cached, exists: true, strategy: 'route' };
      this.routeCache.delete(cacheKey);
    }
    const found = await this.lookUpRoute(endpoint);
    if (found.exists === true && found.interface !== undefined) {
      if (this.routeCache.size > 20_000) this.routeCache.clear(); // bounded: pods churn
      this.routeCache.set(cacheKey, found.interface);
    }
    return found;
  }

  private async lookUpRoute(endpoint: ResolvableEndpoint): Promise<InterfaceResolution> {
    const reasons: string[] = [];
    for (const ip of endpoint.ips) {
      const route = await this.routeOf(ip);
      if (route.dev === undefined) {
        reasons.push(route.reason ?? `no route to ${ip}`);
        continue;
      }
      const port = await this.bridgePortOf(route.dev, ip);
      if (port.dev !== undefined) return { interface: port.dev, exists: true, strategy: 'route' };
      reasons.push(port.reason ?? `no interface for ${ip}`);
    }
    return { interface: undefined, exists: false, strategy: 'route', reason: reasons.join('; ') };
  }

  /** The device the host routes `ip` to directly (no gateway), via `ip -j route get`, else /proc. */
  private async routeOf(ip: string): Promise<{ dev?: string; reason?: string }> {
    if (!this.ipUnavailable) {
      let stdout: string | undefined;
      try {
        stdout = await this.exec('ip', ['-j', 'route', 'get', ip]);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') this.ipUnavailable = true;
        else return { reason: `no route to ${ip}` };
      }
      if (stdout !== undefined) return routeFromIpJson(ip, stdout);
    }
    const v6 = ip.includes(':');
    const table = await this.fs.readFile(`${this.procNet}/${v6 ? 'ipv6_route' : 'route'}`);
    const routes = v6 ? parseProcIpv6Route(table) : parseProcRoute(table);
    return routeFromTable(ip, routes);
  }

  /** When `dev` is a bridge, the port whose forwarding entry holds the pod's MAC; otherwise `dev` itself. */
  private async bridgePortOf(dev: string, ip: string): Promise<{ dev?: string; reason?: string }> {
    if (!(await this.fs.exists(`${this.sysClassNet}/${dev}/bridge`))) return { dev };
    try {
      const neigh = JSON.parse(await this.exec('ip', ['-j', 'neigh', 'show', ip, 'dev', dev])) as Array<{ lladdr?: string }>;
      const mac = neigh.find((n) => typeof n.lladdr === 'string')?.lladdr?.toLowerCase();
      if (mac === undefined) return { reason: `${ip} is behind bridge ${dev} but its MAC is not known yet` };
      const fdb = JSON.parse(await this.exec('bridge', ['-j', 'fdb', 'show', 'br', dev])) as Array<{ mac?: string; ifname?: string; flags?: string[] }>;
      const entry = fdb.find((f) => f.mac?.toLowerCase() === mac && f.ifname !== undefined && f.ifname !== dev && !(f.flags ?? []).includes('self'));
      if (entry?.ifname === undefined) return { reason: `${ip} is behind bridge ${dev} but no bridge port has learned ${mac}` };
      return { dev: entry.ifname };
    } catch (err) {
      return { reason: `${ip} is behind bridge ${dev}; finding its port failed: ${(err as Error).message}` };
    }
  }
}

interface IpRouteJson {
  type?: string;
  dst?: string;
  dev?: string;
  gateway?: string;
}

/** `ip -j route get <ip>` → the device, when the route is a direct (link) route, which is how CNIs route pods. */
export function routeFromIpJson(ip: string, stdout: string): { dev?: string; reason?: string } {
  let routes: IpRouteJson[];
  try {
    routes = JSON.parse(stdout) as IpRouteJson[];
  } catch {
    return { reason: `unreadable output from ip route get ${ip}` };
  }
  const route = routes[0];
  if (route?.dev === undefined) return { reason: `no route to ${ip}` };
  if (route.type !== undefined && route.type !== 'unicast') return { reason: `${ip} is a ${route.type} address on this host, not a pod's` };
  if (route.gateway !== undefined) return { reason: `${ip} is routed via gateway ${route.gateway} on ${route.dev}, so the pod is not on this node` };
  return { dev: route.dev };
}

export interface TableRoute {
  dev: string;
  /** Destination as a big integer, with its prefix length. */
  dst: bigint;
  prefix: number;
  bits: 32 | 128;
  viaGateway: boolean;
}

/** /proc/net/route: hex fields in host (little-endian) byte order. */
export function parseProcRoute(text: string): TableRoute[] {
  const out: TableRoute[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[0] === undefined) continue;
    const dst = leHexToBigint(f[1] ?? '');
    const gateway = leHexToBigint(f[2] ?? '');
    const mask = leHexToBigint(f[7] ?? '');
    if (dst === undefined || gateway === undefined || mask === undefined) continue;
    out.push({ dev: f[0], dst, prefix: popcount(mask), bits: 32, viaGateway: gateway !== 0n });
  }
  return out;
}

/** /proc/net/ipv6_route: dst, dst_len, src, src_len, next_hop, metric, refcnt, use, flags, dev. */
export function parseProcIpv6Route(text: string): TableRoute[] {
  const out: TableRoute[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[9] === undefined || !/^[0-9a-f]{32}$/i.test(f[0] ?? '')) continue;
    const flags = parseInt(f[8] ?? '0', 16);
    // RTF_REJECT (0x200): unreachable/blackhole routes are not interfaces.
    if (flags & 0x200 || f[9] === 'lo') continue;
    out.push({
      dev: f[9],
      dst: BigInt(`0x${f[0]}`),
      prefix: parseInt(f[1] ?? '0', 16),
      bits: 128,
      viaGateway: !/^0+$/.test(f[4] ?? '0'),
    });
  }
  return out;
}

/** Longest-prefix match of `ip` in a parsed table; only direct routes name the pod's interface. */
export function routeFromTable(ip: string, routes: readonly TableRoute[]): { dev?: string; reason?: string } {
  const addr = ipToBigint(ip);
  if (addr === undefined) return { reason: `${ip} is not an IP address` };
  const bits = ip.includes(':') ? 128 : 32;
  let best: TableRoute | undefined;
  for (const r of routes) {
    if (r.bits !== bits) continue;
    const shift = BigInt(bits - r.prefix);
    if (r.prefix !== 0 && addr >> shift !== r.dst >> shift) continue;
    if (best === undefined || r.prefix > best.prefix) best = r;
  }
  if (best === undefined) return { reason: `no route to ${ip}` };
  if (best.viaGateway) return { reason: `${ip} is routed via a gateway on ${best.dev}, so the pod is not on this node` };
  return { dev: best.dev };
}

function leHexToBigint(hex: string): bigint | undefined {
  if (!/^[0-9a-f]{8}$/i.test(hex)) return undefined;
  const bytes = hex.match(/../g) ?? [];
  return BigInt(`0x${bytes.reverse().join('')}`);
}

function popcount(n: bigint): number {
  let count = 0;
  for (let v = n; v > 0n; v >>= 1n) if (v & 1n) count++;
  return count;
}

export function ipToBigint(ip: string): bigint | undefined {
  if (!ip.includes(':')) {
    const parts = ip.split('.');
    if (parts.length !== 4) return undefined;
    let v = 0n;
    for (const p of parts) {
      if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
      v = (v << 8n) | BigInt(Number(p));
    }
    return v;
  }
  let text = ip.split('%')[0] ?? '';
  const v4tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4tail?.[1] !== undefined) {
    const v4 = ipToBigint(v4tail[1]);
    if (v4 === undefined) return undefined;
    text = text.slice(0, -v4tail[1].length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] ?? '').split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] ?? '').split(':')) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}
