// SnortSupervisor against the Snort under test (a real Snort 3 when SNORT_BIN / PATH has one, else the
// documented test double): start, health from ++/-- lines, exit 0 that is not success, backoff and crash
// loop, per-thread alert files from real traffic, reload (complete / pending / failed), rejected changes,
// stop, and adoption after an agent restart. Live parts need root and network namespaces.
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SnortError } from '../../src/platform/errors.js';
import { snortProcessId } from '../../src/snort/layout.js';
import { SnortSupervisor } from '../../src/snort/supervisor.js';
import { isAlive } from '../../src/snort/leftovers.js';
import { describeIf, netnsCapability } from '../support/capabilities.js';
import type { Pod, TestDirs } from './snort-support.js';
import {
  deleteVeth, httpPasswdRequest, makeDirs, makePod, pingFromPod, readAlerts, removePod, snortUnderTest, supervisorOptions, waitFor,
} from './snort-support.js';

const snort = snortUnderTest();
const fast = { initialDelayMs: 20, maxDelayMs: 60, healthyRunMs: 60_000, crashLoopExits: 3, crashLoopWindowMs: 60_000 };

describe(`SnortSupervisor against ${snort.real ? 'real Snort' : 'the Snort test double'}`, () => {
  let dirs: TestDirs;
  let sup: SnortSupervisor;
  beforeEach(() => (dirs = makeDirs()));
  afterEach(async () => {
    await sup?.close();
    dirs.cleanup();
  });

  it('treats exit 0 after "Couldn\'t construct a DAQ instance" as a failed start, backs off and reports the crash loop', async () => {
    sup = new SnortSupervisor(supervisorOptions(dirs, { restartPolicy: fast }));
    await sup.init();
    const iface = 'calinothere0001';
    const spec = { id: snortProcessId([iface]), interfaces: [iface], configHash: sup.configHash() };
    let changes = 0;
    // The start failure is a passing state: after crashLoopExits fast restarts it becomes SNORT_CRASH_LOOP, so on
    // a loaded machine polling alone can miss it. Every state the supervisor reports is kept.
    const reported: Array<ReturnType<SnortSupervisor['health']>[number]> = [];
    sup.onHealthChanged(() => {
      changes++;
      reported.push(...sup.health());
    });
    await sup.start(spec);
    const failed = await waitFor('start failure', () =>
      [...reported, ...sup.health()].find((h) => h.code === 'SNORT_START_FAILED' && /Couldn't construct/.test(h.reason ?? '')),
    );
    expect(failed).toMatchObject({ interface: iface, live: false });
    expect(failed.reason).toContain(`Couldn't construct a DAQ instance (${iface}): create_instance: Could not find index for device ${iface} (-1)`);
    const loop = await waitFor('crash loop', () => sup.health().find((h) => h.code === 'SNORT_CRASH_LOOP'), 20_000);
    expect(loop.reason).toMatch(/Snort keeps exiting \(exit code 0\)/);
    expect(sup.running().map((r) => r.id)).toEqual([spec.id]);
    expect(changes).toBeGreaterThan(0);
    await sup.stop(spec.id);
    expect(sup.running()).toEqual([]);
    expect(sup.health()).toEqual([]);
  });

  it('keeps the last good config when a rules change is rejected, and takes the fixed one', async () => {
    sup = new SnortSupervisor(supervisorOptions(dirs));
    const first = await sup.init();
    expect(first.rejected).toBeUndefined();
    const good = sup.configHash();
    const bad = join(dirs.rulesDir, 'zz-bad.rules');
    writeFileSync(bad, 'alert tcp any any -> any 80 ( msg:"typo"; nosuchoption; sid:3000001; )\n');
    const status = await sup.refreshConfig();
    expect(sup.configHash()).toBe(good);
    expect(status.rejected?.errors.join('\n')).toMatch(/unknown rule keyword: nosuchoption\./);
    const metrics = await supervisorOptionsRegistry(sup);
    expect(metrics).toMatch(/kube_dpi_snort_config_rejected_total\{scope="generation"\} 1/);
    writeFileSync(bad, 'alert tcp any any -> any 80 ( msg:"fixed"; content:"x"; sid:3000001; rev:2; )\n');
    const fixed = await sup.refreshConfig();
    expect(fixed.rejected).toBeUndefined();
    expect(sup.configHash()).not.toBe(good);
  });

  it('refuses to start a process whose rendered config snort -T rejects, and says why in health', async () => {
    sup = new SnortSupervisor(supervisorOptions(dirs, { validate: async () => ({ ok: false, errors: ['ERROR: injected'], warnings: [], exitCode: 1 }) }));
    await expect(sup.init()).resolves.toMatchObject({ hash: undefined });
    await expect(sup.start({ id: snortProcessId(['lo']), interfaces: ['lo'], configHash: '' })).rejects.toBeInstanceOf(SnortError);
  });
});

async function supervisorOptionsRegistry(sup: SnortSupervisor): Promise<string> {
  // The registry is the one the test passed in; reach it through the options object kept by the supervisor.
  const options = (sup as unknown as { options: { registry: { metrics(): Promise<string> } } }).options;
  return options.registry.metrics();
}

describeIf(netnsCapability())('SnortSupervisor live on veths in network namespaces', () => {
  let dirs: TestDirs;
  let sup: SnortSupervisor;
  let pods: Pod[] = [];
  let id: string;
  beforeAll(async () => {
    dirs = makeDirs();
    pods = [makePod(1), makePod(2)];
    // Least privilege as in production: uid 65534 with only CAP_NET_RAW.
    sup = new SnortSupervisor(supervisorOptions(dirs, { snortUser: 'nobody', restartPolicy: fast }));
    await sup.init();
    const interfaces = pods.map((p) => p.iface).sort();
    id = snortProcessId(interfaces);
    await sup.start({ id, interfaces, configHash: sup.configHash() });
    await waitFor('both threads live', () => sup.health().filter((h) => h.live).length === 2, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(sup.health())}`);
    });
  }, 60_000);
  afterAll(async () => {
    await sup?.close();
    for (const p of pods) removePod(p);
    dirs?.cleanup();
  });

  const fileOf = (pod: Pod): string => {
    const thread = sup.running()[0]!.interfaces.indexOf(pod.iface);
    return join(dirs.stateDir, 'snort', id, `${thread}_alert_json.txt`);
  };

  it('writes per-thread alert files from real traffic, 0600 and owned by the unprivileged user', async () => {
    pingFromPod(pods[0]!, 2);
    await httpPasswdRequest(pods[1]!);
    const icmp = await waitFor('ICMP alerts', () => {
      const a = readAlerts(fileOf(pods[0]!));
      return a.some((x) => x['sid'] === 408) && a.some((x) => x['sid'] === 366) ? a : undefined;
    });
    expect(new Set(icmp.map((a) => a['iface']))).toEqual(new Set([pods[0]!.iface]));
    const first366 = icmp.find((a) => a['sid'] === 366)!;
    expect(first366).toMatchObject({ gid: 1, rev: 11, msg: 'PROTOCOL-ICMP PING Unix', class: 'Misc activity', priority: 3, proto: 'ICMP', action: 'allow' });
    for (const key of ['seconds', 'timestamp', 'src_addr', 'dst_addr', 'pkt_num', 'pkt_len', 'dir', 'rule']) expect(first366).toHaveProperty(key);
    const http = await waitFor('HTTP alert', () => readAlerts(fileOf(pods[1]!)).find((a) => a['sid'] === 1122));
    expect(http).toMatchObject({ iface: pods[1]!.iface, msg: 'SERVER-WEBAPP /etc/passwd file access attempt', dst_port: 8080, service: 'http' });
    const st = statSync(fileOf(pods[0]!));
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(65534);
  }, 30_000);

  it('reports daq counters from the stats dump', async () => {
    sup.requestStats();
    const registry = (sup as unknown as { options: { registry: { metrics(): Promise<string> } } }).options.registry;
    let text = '';
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      text = await registry.metrics();
      if (/kube_dpi_snort_packets_total\{[^}]*counter="received"\} [1-9]/.test(text)) break;
      sup.requestStats();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(new RegExp(`kube_dpi_snort_packets_total\\{process="${id}",interface="\\*",counter="received"\\} [1-9]`));
  }, 20_000);

  it('reloads a valid rules change with SIGHUP, also when Snort answers "reload pending; retry" first', async () => {
    appendFileSync(join(dirs.rulesDir, 'community-subset.rules'), '# a comment changes the hash\n');
    const status = await sup.refreshConfig();
    expect(status.rejected).toBeUndefined();
    const pid = (sup as unknown as { procs: Map<string, { pid: number }> }).procs.get(id)!.pid;
    process.kill(pid, 'SIGHUP'); // a reload already in progress makes Snort answer "pending"
    await new Promise((r) => setTimeout(r, 50));
    await sup.reload(id, sup.configHash());
    expect(sup.running()[0]!.configHash).toBe(sup.configHash());
    expect(sup.health().every((h) => h.live)).toBe(true);
    expect(await (sup as unknown as { options: { registry: { metrics(): Promise<string> } } }).options.registry.metrics()).toMatch(/kube_dpi_snort_reloads_total\{result="pending"\} 1\n(.|\n)*result="complete"\} 1|result="complete"\} 1(.|\n)*result="pending"\} 1/);
  }, 30_000);

  it('stops inspecting only the vanished interface; the process and the other thread live on', async () => {
    const [gone, kept] = [pods[0]!, pods[1]!];
    deleteVeth(gone);
    await waitFor('dead thread', () => sup.running()[0]!.deadInterfaces.includes(gone.iface));
    const h = sup.health();
    expect(h.find((x) => x.interface === gone.iface)).toMatchObject({ live: false, code: 'INTERFACE_MISSING' });
    expect(h.find((x) => x.interface === kept.iface)).toMatchObject({ live: true });
    const before = readAlerts(fileOf(kept)).length;
    pingFromPod(kept, 1);
    await waitFor('alerts on the surviving thread', () => readAlerts(fileOf(kept)).length > before);
  }, 30_000);

  it('is adopted by a new supervisor after an agent restart, and stopped by it', async () => {
    const pid = (sup as unknown as { procs: Map<string, { pid: number }> }).procs.get(id)!.pid;
    // The old agent "dies": its supervisor object is dropped without stopping anything.
    const next = new SnortSupervisor(supervisorOptions(dirs, { snortUser: 'nobody', restartPolicy: fast }));
    await next.init();
    const result = await next.adoptLeftovers();
    expect(result).toEqual({ adopted: [id], killed: [] });
    expect(next.running()).toEqual([expect.objectContaining({ id, interfaces: sup.running()[0]!.interfaces })]);
    expect(next.health().find((x) => x.interface === pods[1]!.iface)).toMatchObject({ live: true });
    await next.stop(id);
    expect(isAlive(pid) && !/\) Z /.test(readStat(pid))).toBe(false);
    expect((await next.leftoverProcessDirs()).map((d) => d.processId)).toEqual([id]);
    await next.close();
  }, 30_000);
});

function readStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return ') Z ';
  }
}
