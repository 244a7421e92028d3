import type { RunningSnortProcess, SnortProcessSpec } from './ports.js';
import type { PlannedEndpoint, PlanOptions, SnortPlan } from './plan.js';
import { planChanges, snortProcessId } from './plan.js';
import { mulberry32 as rng } from '../../test/support/prng.js';

const H = 'hash-1';
const opts = (o: Partial<PlanOptions> = {}): PlanOptions => ({ maxInterfacesPerProcess: 2, configHash: H, ...o });
const ep = (iface: string, selectedBy = ['ns/r']): PlannedEndpoint => ({ namespace: 'ns', pod: `pod-${iface}`, interface: iface, selectedBy });
const desired = (...ifaces: string[]) => ({ endpoints: ifaces.map((i) => ep(i)) });
const proc = (interfaces: string[], deadInterfaces: string[] = [], configHash = H): RunningSnortProcess => ({
  id: snortProcessId(interfaces),
  interfaces: [...interfaces].sort(),
  configHash,
  deadInterfaces,
});
const ifacesOf = (specs: SnortProcessSpec[]) => specs.map((s) => s.interfaces);

describe('snortProcessId', () => {
  it('is snort- + 12 hex of sha1 of the sorted interfaces, independent of order', () => {
    expect(snortProcessId(['b', 'a'])).toBe(snortProcessId(['a', 'b']));
    expect(snortProcessId(['a'])).toMatch(/^snort-[0-9a-f]{12}$/);
    // printf 'a,b' | sha1sum → 4d6d5d2e7c6a…
    expect(snortProcessId(['a', 'b'])).not.toBe(snortProcessId(['a']));
  });
});

describe('planChanges', () => {
  const cases: Array<{ name: string; desired: string[]; actual: RunningSnortProcess[]; options?: Partial<PlanOptions>; exists?: string[]; expect: Partial<SnortPlan> & { startIfaces?: string[][] } }> = [
    { name: 'nothing desired, nothing running', desired: [], actual: [], expect: { stop: [], startIfaces: [], keep: [], reload: [] } },
    { name: 'from scratch: sorted and packed by maxInterfacesPerProcess', desired: ['c', 'a', 'b'], actual: [], expect: { startIfaces: [['a', 'b'], ['c']], stop: [] } },
    { name: 'everything already runs: keep', desired: ['a', 'b'], actual: [proc(['a', 'b'])], expect: { keep: [snortProcessId(['a', 'b'])], startIfaces: [], stop: [] } },
    { name: 'a new pod goes into a new process; the running one is not touched', desired: ['a', 'b', 'c'], actual: [proc(['a', 'b'])], expect: { keep: [snortProcessId(['a', 'b'])], startIfaces: [['c']], stop: [] } },
    { name: 'a deleted pod whose veth is gone: the process keeps its other thread', desired: ['a'], actual: [proc(['a', 'b'])], exists: ['a'], expect: { keep: [snortProcessId(['a', 'b'])], startIfaces: [], stop: [] } },
    { name: 'deselected but still present: stop, and place the rest again', desired: ['a'], actual: [proc(['a', 'b'])], exists: ['a', 'b'], expect: { stop: [snortProcessId(['a', 'b'])], startIfaces: [['a']], keep: [] } },
    { name: 'nothing desired any more: stop', desired: [], actual: [proc(['a'])], expect: { stop: [snortProcessId(['a'])], startIfaces: [] } },
    { name: 'a dead thread of a desired interface (pod recreated with the same name) is re-placed, merged with its process\'s live rest when they fit (binary-counter consolidation)', desired: ['a', 'b'], actual: [proc(['a', 'b'], ['a'])], options: { maxInterfacesPerProcess: 4 }, expect: { stop: [snortProcessId(['a', 'b'])], startIfaces: [['a', 'b']], keep: [] } },
    { name: 'compaction: dead threads outnumber live ones → restart with the live desired ones (merged with a new pod of the same size)', desired: ['c', 'x'], actual: [proc(['a', 'b', 'c'], ['a', 'b'])], options: { maxInterfacesPerProcess: 4 }, exists: ['c', 'x'], expect: { stop: [snortProcessId(['a', 'b', 'c'])], startIfaces: [['c', 'x']], keep: [] } },
    { name: 'pods arriving one at a time: two single-pod processes merge into one', desired: ['a', 'b'], actual: [proc(['a'])], options: { maxInterfacesPerProcess: 16 }, expect: { stop: [snortProcessId(['a'])], startIfaces: [['a', 'b']], keep: [] } },
    { name: 'a lone pod beside a process of a bigger size class starts on its own, interrupting nobody', desired: ['a', 'b', 'c'], actual: [proc(['a', 'b'])], options: { maxInterfacesPerProcess: 16 }, expect: { keep: [snortProcessId(['a', 'b'])], startIfaces: [['c']], stop: [] } },
    { name: 'compaction of a process with no live desired interface: just stop', desired: [], actual: [proc(['a', 'b'], ['a', 'b'])], exists: [], expect: { stop: [snortProcessId(['a', 'b'])], startIfaces: [] } },
    { name: 'another config hash: reload, not restart', desired: ['a'], actual: [proc(['a'], [], 'old')], expect: { keep: [snortProcessId(['a'])], reload: [snortProcessId(['a'])], startIfaces: [], stop: [] } },
    { name: 'capacity: the last in sorted order of the unplaced is left out', desired: ['d', 'a', 'c', 'b'], actual: [proc(['d'])], options: { maxInterfaces: 3, capacityBasis: 'memory limit 256Mi' }, expect: { keep: [snortProcessId(['d'])], startIfaces: [['a', 'b']], unplaced: ['c'] } },
  ];

  it.each(cases)('$name', (c) => {
    const exists = c.exists ? (i: string) => c.exists?.includes(i) === true : undefined;
    const plan = planChanges(desired(...c.desired), c.actual, opts({ ...c.options, ...(exists ? { interfaceExists: exists } : {}) }));
    const { startIfaces, ...rest } = c.expect;
    if (startIfaces) expect(ifacesOf(plan.start)).toEqual(startIfaces);
    expect(plan).toMatchObject(rest);
    for (const s of plan.start) {
      expect(s.id).toBe(snortProcessId(s.interfaces));
      expect(s.configHash).toBe(H);
    }
  });

  it('capacity errors name the interface, pod, counts and basis, once per selecting resource', () => {
    const plan = planChanges(
      { endpoints: [ep('a', ['ns/r1']), ep('b', ['ns/r1', 'ns/r2'])] },
      [],
      opts({ maxInterfaces: 1, capacityBasis: 'memory limit 256Mi' }),
    );
    expect(plan.unplaced).toEqual(['b']);
    expect(plan.errors).toEqual([
      { resource: 'ns/r1', code: 'CAPACITY_EXCEEDED', message: 'interface b of pod ns/pod-b does not fit: 2 interfaces selected, limit 1 from memory limit 256Mi' },
      { resource: 'ns/r2', code: 'CAPACITY_EXCEEDED', message: 'interface b of pod ns/pod-b does not fit: 2 interfaces selected, limit 1 from memory limit 256Mi' },
    ]);
  });

  it('overlapping leftovers (after an agent restart): the second inspector of an interface stops, in id order', () => {
    const [first, second] = [proc(['a']), proc(['a', 'b'])].sort((x, y) => (x.id < y.id ? -1 : 1)) as [RunningSnortProcess, RunningSnortProcess];
    const plan = planChanges(desired('a', 'b'), [second, first], opts());
    expect(plan.keep).toEqual([first.id]);
    expect(plan.stop).toEqual([second.id]);
    const covered = [...first.interfaces, ...plan.start.flatMap((x) => x.interfaces)].sort();
    expect(covered).toEqual(['a', 'b']);
  });

  it('an interface selected via two endpoints is still inspected once', () => {
    const plan = planChanges({ endpoints: [ep('a'), { ...ep('a'), pod: 'other' }] }, [], opts());
    expect(ifacesOf(plan.start)).toEqual([['a']]);
  });
});


describe('planChanges property: every desired existing interface is inspected exactly once, within caps', () => {
  const universe = Array.from({ length: 24 }, (_, i) => `cali${String(i).padStart(11, '0')}`);

  it.each(Array.from({ length: 300 }, (_, i) => i + 1))('seed %i', (seed) => {
    const r = rng(seed);
    const pick = (p: number) => universe.filter(() => r() < p);
    const onHost = new Set(pick(0.8));
    const wanted = pick(0.5).filter((i) => onHost.has(i));
    const perProcess = 1 + Math.floor(r() * 5);
    const maxInterfaces = r() < 0.3 ? Math.floor(r() * 12) : undefined;
    const actual: RunningSnortProcess[] = [];
    const nProcs = Math.floor(r() * 6);
    for (let p = 0; p < nProcs; p++) {
      const ifaces = universe.filter(() => r() < 0.15).slice(0, perProcess + (r() < 0.2 ? 2 : 0));
      if (ifaces.length === 0 || actual.some((a) => a.id === snortProcessId(ifaces))) continue;
      const dead = ifaces.filter((i) => !onHost.has(i) || r() < 0.2);
      actual.push(proc(ifaces, dead, r() < 0.3 ? 'old' : H));
    }
    const plan = planChanges(desired(...wanted), actual, opts({ maxInterfacesPerProcess: perProcess, maxInterfaces, interfaceExists: (i) => onHost.has(i) }));

    // Apply the plan: stops first, then starts.
    const stopped = new Set(plan.stop);
    const after = [...actual.filter((a) => !stopped.has(a.id)), ...plan.start.map((s) => ({ ...s, deadInterfaces: [] as string[] }))];
    expect(new Set([...plan.keep, ...plan.stop])).toEqual(new Set(actual.map((a) => a.id)));
    expect(plan.keep.filter((id) => stopped.has(id))).toEqual([]);

    const liveCount = new Map<string, number>();
    for (const p of after) for (const i of p.interfaces) if (!p.deadInterfaces.includes(i)) liveCount.set(i, (liveCount.get(i) ?? 0) + 1);
    const inspectedDesired = wanted.filter((i) => (liveCount.get(i) ?? 0) > 0);
    for (const i of wanted) expect(liveCount.get(i) ?? 0).toBeLessThanOrEqual(1);
    expect(inspectedDesired.length + plan.unplaced.length).toBe(wanted.length);
    if (maxInterfaces !== undefined && plan.unplaced.length > 0) expect(inspectedDesired.length).toBeGreaterThanOrEqual(Math.min(maxInterfaces, wanted.length));
    if (maxInterfaces === undefined) expect(plan.unplaced).toEqual([]);
    // New processes respect the per-process cap, are sorted and never hold an undesired interface.
    for (const s of plan.start) {
      expect(s.interfaces.length).toBeLessThanOrEqual(perProcess);
      expect(s.interfaces).toEqual([...s.interfaces].sort());
      for (const i of s.interfaces) expect(wanted).toContain(i);
    }
    // Deselected interfaces that still exist are inspected by nobody.
    for (const [i, n] of liveCount) if (!wanted.includes(i) && onHost.has(i)) expect(n).toBe(0);
    // Reloads only for kept processes with another hash.
    for (const id of plan.reload) expect(plan.keep).toContain(id);
    // Bounded process count: a process this plan starts is never left beside an under-full process of its
    // size class that it would fit with (running processes are not merged with each other).
    const started = new Set(plan.start.map((s) => s.id));
    const open = after
      .map((p) => ({ id: p.id, n: p.interfaces.filter((i) => !p.deadInterfaces.includes(i) && wanted.includes(i)).length }))
      .filter((p) => p.n > 0 && p.n < perProcess);
    for (const x of open) {
      if (!started.has(x.id)) continue;
      for (const y of open) {
        if (y.id !== x.id && Math.floor(Math.log2(x.n)) === Math.floor(Math.log2(y.n))) expect(x.n + y.n).toBeGreaterThan(perProcess);
      }
    }
  });
});
