import type { ResolverExec, ResolverFs } from './resolve-interfaces.js';
import { InterfaceResolver, ipToBigint, parseProcIpv6Route, parseProcRoute, routeFromIpJson, routeFromTable } from './resolve-interfaces.js';
import { calicoInterfaceName } from './calico-interface-name.js';

const NGINX = { namespace: 'sample', pod: 'nginx', ips: ['10.250.1.2'] };

function fakeFs(paths: string[], files: Record<string, string> = {}): ResolverFs {
  return {
    exists: async (p) => paths.includes(p),
    readFile: async (p) => {
      const text = files[p];
      if (text === undefined) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return text;
    },
  };
}

function fakeExec(outputs: Record<string, string>): ResolverExec & { calls: string[] } {
  const calls: string[] = [];
  const exec = (async (file: string, args: readonly string[]) => {
    const cmd = [file, ...args].join(' ');
    calls.push(cmd);
    const out = outputs[cmd];
    if (out === undefined) throw Object.assign(new Error(`${cmd} failed`), { code: 2 });
    return out;
  }) as ResolverExec & { calls: string[] };
  exec.calls = calls;
  return exec;
}

const PROC_ROUTE = [
  'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
  'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  'vethabc\t0201FA0A\t00000000\t0005\t0\t0\t0\tFFFFFFFF\t0\t0\t0',
  'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
].join('\n');

const PROC_IPV6_ROUTE = [
  'fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0',
  'fd000000000000000000000000000002 80 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00000001  veth6',
  '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000001 00000000 00000003     eth0',
].join('\n');

describe('InterfaceResolver', () => {
  const cali = calicoInterfaceName('sample', 'nginx');

  it('calico: the hashed name, existing under /sys/class/net', async () => {
    const r = new InterfaceResolver({ strategy: 'calico', fs: fakeFs([`/sys/class/net/${cali}`]), exec: fakeExec({}) });
    expect(await r.resolve(NGINX)).toEqual({ interface: cali, exists: true, strategy: 'calico' });
  });

  it('calico: a missing interface is named, with a reason, never thrown', async () => {
    const r = new InterfaceResolver({ strategy: 'calico', fs: fakeFs([]), exec: fakeExec({}) });
    const res = await r.resolve(NGINX);
    expect(res).toMatchObject({ interface: cali, exists: false });
    expect(res.reason).toContain(cali);
  });

  it('calico without checking (dry run) does not touch the host', async () => {
    const fs = fakeFs([]);
    let checks = 0;
    const counting: ResolverFs = { ...fs, exists: async (p) => (checks++, fs.exists(p)) };
    const r = new InterfaceResolver({ strategy: 'calico', checkExists: false, fs: counting, exec: fakeExec({}) });
    expect(await r.resolve(NGINX)).toEqual({ interface: cali, exists: undefined, strategy: 'calico' });
    expect(checks).toBe(0);
  });

  it('honours the prefix', async () => {
    const r = new InterfaceResolver({ strategy: 'calico', prefix: 'tap', checkExists: false });
    expect((await r.resolve(NGINX)).interface).toBe(calicoInterfaceName('sample', 'nginx', 'tap'));
  });

  it('route: the device of a direct route from ip -j route get', async () => {
    const exec = fakeExec({ 'ip -j route get 10.250.1.2': '[{"dst":"10.250.1.2","dev":"veth1234","prefsrc":"10.250.1.1","flags":[],"uid":0,"cache":[]}]' });
    const r = new InterfaceResolver({ strategy: 'route', fs: fakeFs([]), exec });
    expect(await r.resolve(NGINX)).toEqual({ interface: 'veth1234', exists: true, strategy: 'route' });
  });

  it('route: answers are cached while the interface exists, and looked up again once it is gone', async () => {
    const exec = fakeExec({ 'ip -j route get 10.250.1.2': '[{"dst":"10.250.1.2","dev":"veth1234","flags":[]}]' });
    const present = ['/sys/class/net/veth1234'];
    const r = new InterfaceResolver({ strategy: 'route', fs: fakeFs(present), exec });
    await r.resolve(NGINX);
    expect((await r.resolve(NGINX)).interface).toBe('veth1234');
    expect(exec.calls).toHaveLength(1);
    present.length = 0;
    await r.resolve(NGINX);
    expect(exec.calls).toHaveLength(2);
  });

  it('route: a gateway route means the pod is not here', async () => {
    const exec = fakeExec({ 'ip -j route get 10.250.1.2': '[{"dst":"10.250.1.2","gateway":"192.0.2.1","dev":"eth0","flags":[]}]' });
    const res = await new InterfaceResolver({ strategy: 'route', fs: fakeFs([]), exec }).resolve(NGINX);
    expect(res.exists).toBe(false);
    expect(res.reason).toContain('gateway');
  });

  it('route: behind a bridge, the port that learned the pod MAC', async () => {
    const exec = fakeExec({
      'ip -j route get 10.250.1.2': '[{"dst":"10.250.1.2","dev":"cni0","flags":[]}]',
      'ip -j neigh show 10.250.1.2 dev cni0': '[{"dst":"10.250.1.2","dev":"cni0","lladdr":"66:d9:31:3f:bd:15","state":["REACHABLE"]}]',
      'bridge -j fdb show br cni0': '[{"mac":"aa:aa:aa:aa:aa:aa","ifname":"vethother","master":"cni0"},{"mac":"66:D9:31:3F:BD:15","ifname":"veth9f2c","master":"cni0"},{"mac":"66:d9:31:3f:bd:15","ifname":"cni0","flags":["self"]}]',
    });
    const r = new InterfaceResolver({ strategy: 'route', fs: fakeFs(['/sys/class/net/cni0/bridge']), exec });
    expect(await r.resolve(NGINX)).toEqual({ interface: 'veth9f2c', exists: true, strategy: 'route' });
  });

  it('route: falls back to /proc/net/route when ip is not installed', async () => {
    const exec = (async () => {
      throw Object.assign(new Error('spawn ip ENOENT'), { code: 'ENOENT' });
    }) as ResolverExec;
    const r = new InterfaceResolver({ strategy: 'route', fs: fakeFs([], { '/proc/net/route': PROC_ROUTE, '/proc/net/ipv6_route': PROC_IPV6_ROUTE }), exec });
    expect((await r.resolve(NGINX)).interface).toBe('vethabc');
    expect((await r.resolve({ namespace: 'a', pod: 'b', ips: ['fd00::2'] })).interface).toBe('veth6');
    expect((await r.resolve({ namespace: 'a', pod: 'b', ips: ['8.8.8.8'] })).exists).toBe(false);
  });

  it('route: tries every IP of a dual-stack pod', async () => {
    const exec = fakeExec({ 'ip -j route get fd00::2': '[{"dst":"fd00::2","dev":"veth6","flags":[]}]' });
    const r = new InterfaceResolver({ strategy: 'route', fs: fakeFs([]), exec });
    expect((await r.resolve({ namespace: 'a', pod: 'b', ips: ['10.9.9.9', 'fd00::2'] })).interface).toBe('veth6');
  });

  it('auto: calico when it exists, else route', async () => {
    const exec = fakeExec({ 'ip -j route get 10.250.1.2': '[{"dst":"10.250.1.2","dev":"lxc12","flags":[]}]' });
    const withCali = new InterfaceResolver({ strategy: 'auto', fs: fakeFs([`/sys/class/net/${cali}`]), exec });
    expect((await withCali.resolve(NGINX)).interface).toBe(cali);
    expect(exec.calls).toEqual([]);
    const without = new InterfaceResolver({ strategy: 'auto', fs: fakeFs([]), exec });
    expect(await without.resolve(NGINX)).toEqual({ interface: 'lxc12', exists: true, strategy: 'route' });
  });

  it('auto: names the calico interface when neither works', async () => {
    const res = await new InterfaceResolver({ strategy: 'auto', fs: fakeFs([]), exec: fakeExec({}) }).resolve(NGINX);
    expect(res).toMatchObject({ interface: cali, exists: false, strategy: 'calico' });
  });

  it('resolveAll keys by ns/pod; exists() refuses path tricks', async () => {
    const r = new InterfaceResolver({ strategy: 'calico', checkExists: false });
    const all = await r.resolveAll([NGINX, { namespace: 'x', pod: 'y', ips: [] }]);
    expect([...all.keys()].sort()).toEqual(['sample/nginx', 'x/y']);
    expect(await r.exists('../../etc')).toBe(false);
  });
});

describe('route parsing', () => {
  it('parses /proc/net/route (little-endian hex) and picks the longest prefix', () => {
    const routes = parseProcRoute(PROC_ROUTE);
    expect(routes).toHaveLength(3);
    expect(routeFromTable('10.250.1.2', routes)).toEqual({ dev: 'vethabc' });
    expect(routeFromTable('192.0.2.7', routes)).toEqual({ dev: 'eth0' });
    expect(routeFromTable('1.1.1.1', routes).reason).toContain('gateway');
  });

  it('parses /proc/net/ipv6_route', () => {
    const routes = parseProcIpv6Route(PROC_IPV6_ROUTE);
    expect(routeFromTable('fd00::2', routes)).toEqual({ dev: 'veth6' });
    expect(routeFromTable('fd00::9', routes)).toEqual({ dev: 'eth0' });
  });

  it('rejects local addresses from ip route get', () => {
    expect(routeFromIpJson('127.0.0.1', '[{"type":"local","dst":"127.0.0.1","dev":"lo"}]').dev).toBeUndefined();
  });

  it('reads IPv4, IPv6 and v4-mapped addresses', () => {
    expect(ipToBigint('10.0.0.1')).toBe(0x0a000001n);
    expect(ipToBigint('::1')).toBe(1n);
    expect(ipToBigint('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
    expect(ipToBigint('fd00::')).toBe(0xfd00n << 112n);
    expect(ipToBigint('nope')).toBeUndefined();
    expect(ipToBigint('1:2:3')).toBeUndefined();
  });
});
