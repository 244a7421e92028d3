// The interface resolver against the real kernel: a network namespace stands in for a pod, joined to the host
// by a veth pair (as a CNI plugin does). Needs root; skipped with the reason otherwise.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { calicoInterfaceName } from '../../src/model/interfaces/calico-interface-name.js';
import { InterfaceResolver } from '../../src/model/interfaces/resolve-interfaces.js';
import type { ResolverExec } from '../../src/model/interfaces/resolve-interfaces.js';
import { describeIf, netnsCapability } from '../support/capabilities.js';

const run = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { stdio: 'pipe' }).toString();
const tryRun = (...args: string[]): void => {
  try {
    run(...args);
  } catch {
    // cleanup of something that may not exist
  }
};

/**
 * Makes the host resolve `ip`'s MAC (one UDP datagram starts ARP; the pod's reply teaches the bridge its port):
 * needs no ping or arping, which a fresh machine may lack. Resolves once the neighbour entry has a MAC.
 */
async function learnNeighbour(ip: string): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.send(Buffer.from('x'), 9, ip, () => resolve()));
  socket.close();
  const deadline = Date.now() + 3000;
  while (!/lladdr/.test(run('ip', 'neigh', 'show', ip)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

describeIf(netnsCapability())('InterfaceResolver on real veths', () => {
  const id = process.pid % 100000;
  const octet = 1 + (process.pid % 250);
  const ns = `kdpi-res-${id}`;
  const podName = `pod-${id}`;
  const caliName = calicoInterfaceName('kdpi-test', podName);
  const otherName = `kdpiv${id}`; // a non-Calico CNI's naming
  const bridge = `kdpibr${id}`.slice(0, 15);
  const bridgePort = `kdpip${id}`;
  const ns2 = `kdpi-res2-${id}`;
  const podIp = `10.251.${octet}.2`;
  const otherIp = `10.251.${octet}.3`;
  const bridgedIp = `10.252.${octet}.2`;

  beforeAll(() => {
    run('ip', 'netns', 'add', ns);
    // Calico style: host side named cali<hash>, pod IP as a /32 routed to it.
    run('ip', 'link', 'add', caliName, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    run('ip', 'link', 'set', caliName, 'up');
    run('ip', '-n', ns, 'addr', 'add', `${podIp}/32`, 'dev', 'eth0');
    run('ip', '-n', ns, 'link', 'set', 'eth0', 'up');
    run('ip', 'route', 'add', `${podIp}/32`, 'dev', caliName);
    // Another CNI's naming, also routed.
    run('ip', 'link', 'add', otherName, 'type', 'veth', 'peer', 'name', 'eth1', 'netns', ns);
    run('ip', 'link', 'set', otherName, 'up');
    run('ip', '-n', ns, 'addr', 'add', `${otherIp}/32`, 'dev', 'eth1');
    run('ip', '-n', ns, 'link', 'set', 'eth1', 'up');
    run('ip', 'route', 'add', `${otherIp}/32`, 'dev', otherName);
    // Bridge CNI style: the pod IP is on the bridge's subnet, the veth is a bridge port.
    run('ip', 'netns', 'add', ns2);
    run('ip', 'link', 'add', bridge, 'type', 'bridge');
    run('ip', 'addr', 'add', `10.252.${octet}.1/24`, 'dev', bridge);
    run('ip', 'link', 'set', bridge, 'up');
    run('ip', 'link', 'add', bridgePort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns2);
    run('ip', 'link', 'set', bridgePort, 'master', bridge);
    run('ip', 'link', 'set', bridgePort, 'up');
    run('ip', '-n', ns2, 'addr', 'add', `${bridgedIp}/24`, 'dev', 'eth0');
    run('ip', '-n', ns2, 'link', 'set', 'eth0', 'up');
  });

  afterAll(() => {
    tryRun('ip', 'link', 'del', caliName);
    tryRun('ip', 'link', 'del', otherName);
    tryRun('ip', 'link', 'del', bridgePort);
    tryRun('ip', 'link', 'del', bridge);
    tryRun('ip', 'netns', 'del', ns);
    tryRun('ip', 'netns', 'del', ns2);
  });

  const calicoPod = { namespace: 'kdpi-test', pod: podName, ips: [podIp] };

  it('calico: finds the hashed name under /sys/class/net', async () => {
    const r = new InterfaceResolver({ strategy: 'calico' });
    expect(await r.resolve(calicoPod)).toEqual({ interface: caliName, exists: true, strategy: 'calico' });
    expect(await r.exists(caliName)).toBe(true);
  });

  it('calico: a pod without its veth is reported missing', async () => {
    const res = await new InterfaceResolver({ strategy: 'calico' }).resolve({ namespace: 'kdpi-test', pod: 'gone', ips: ['10.251.0.250'] });
    expect(res).toMatchObject({ exists: false, interface: calicoInterfaceName('kdpi-test', 'gone') });
  });

  it('route: finds the veth of any CNI from the pod IP (ip -j route get)', async () => {
    const r = new InterfaceResolver({ strategy: 'route' });
    expect(await r.resolve({ namespace: 'x', pod: 'y', ips: [otherIp] })).toEqual({ interface: otherName, exists: true, strategy: 'route' });
    expect((await r.resolve(calicoPod)).interface).toBe(caliName);
  });

  it('route: falls back to the real /proc/net/route when ip cannot run', async () => {
    const noIp: ResolverExec = async () => {
      throw Object.assign(new Error('spawn ip ENOENT'), { code: 'ENOENT' });
    };
    const r = new InterfaceResolver({ strategy: 'route', exec: noIp });
    expect((await r.resolve({ namespace: 'x', pod: 'y', ips: [otherIp] })).interface).toBe(otherName);
  });

  it('route: a remote IP (via the default gateway, or unroutable) is not a local pod', async () => {
    const res = await new InterfaceResolver({ strategy: 'route' }).resolve({ namespace: 'x', pod: 'y', ips: ['203.0.113.9'] });
    expect(res.exists).toBe(false);
  });

  it('auto: calico name first, then the route', async () => {
    const r = new InterfaceResolver({ strategy: 'auto' });
    expect((await r.resolve(calicoPod)).interface).toBe(caliName);
    expect(await r.resolve({ namespace: 'x', pod: 'y', ips: [otherIp] })).toEqual({ interface: otherName, exists: true, strategy: 'route' });
  });

  const hasBridgeTool = (() => {
    try {
      run('bridge', '-j', 'fdb', 'show', 'br', 'lo');
      return true;
    } catch (err) {
      return !/ENOENT/.test(String(err));
    }
  })();
  (hasBridgeTool ? it : it.skip)(`route behind a bridge: the port that learned the pod's MAC${hasBridgeTool ? '' : ' [skipped: no bridge tool]'}`, async () => {
    // Traffic teaches the bridge the pod's MAC and the host its neighbour entry.
    await learnNeighbour(bridgedIp);
    const res = await new InterfaceResolver({ strategy: 'route' }).resolve({ namespace: 'x', pod: 'b', ips: [bridgedIp] });
    expect(res).toEqual({ interface: bridgePort, exists: true, strategy: 'route' });
  });
});
