// Pure: the desired set and what runs now → the changes to make (STYLE habit 3: plan as data).
// Consumes: desired endpoints (interface + selecting resources), the running Snort processes (with their dead
//           threads), and options (caps, the current config hash, whether an interface exists on the host).
// Emits:    {stop, start, reload, keep, unplaced, errors}. The executor runs stops before starts (break before
//           make, so no interface is ever captured by two processes at once), then reloads.
// Guarantees (the process model; property-tested in plan.test.ts):
//   - each process inspects a sorted set of interfaces, one packet thread each, at most
//     maxInterfacesPerProcess; its id is "snort-" + 12 hex of sha1(interfaces joined by ","), stable across
//     agent restarts, so leftovers are recognised by id;
//   - sticky placement, to interrupt as few pods as possible: a running process is kept while every interface
//     it inspects is still desired or gone from the host (a vanished veth kills only its own thread, FACTS §4);
//   - a process that inspects an interface which still exists but is no longer selected stops (deselection
//     stops inspection); its other desired interfaces are placed again;
//   - desired interfaces without a live thread in a kept process are packed, sorted, into new processes;
//   - under-full processes in the same size class are merged (a binary counter, see consolidate), so memory
//     follows pods / maxInterfacesPerProcess processes even when pods arrive one at a time;
//   - a kept process whose dead threads outnumber its live ones restarts with only its live desired interfaces
//     (memory reclaim: a dead thread keeps nothing useful);
//   - a kept process with another config hash is reloaded (SIGHUP re-reads rules and snort.lua), not restarted;
//   - at most maxInterfaces are inspected; the excess (the last, in sorted order, of those not yet placed) is
//     not placed and becomes an error for each resource selecting it;
//   - after the plan runs, every desired interface within the cap has exactly one live thread.
import { createHash } from 'node:crypto';
import type { RunningSnortProcess, SnortProcessSpec } from './ports.js';
import type { DesiredError } from './desired.js';
import { compare, compareErrors } from './desired.js';

export interface PlanOptions {
  /** Packet threads (interfaces) per Snort process (config.maxInterfacesPerProcess). */
  maxInterfacesPerProcess: number;
  /** Hash of the config inputs other than interfaces (rules, override, buffer size): a change means reload. */
  configHash: string;
  /** Cap on inspected interfaces, from the container's memory/CPU limits; unlimited when undefined. */
  maxInterfaces?: number;
  /** What the cap comes from, for the error message, e.g. "memory limit 512Mi". */
  capacityBasis?: string;
  /** Whether an interface exists on the host now; default: assume it does (so deselection always stops). */
  interfaceExists?: (name: string) => boolean;
}

/** The part of a desired endpoint the plan needs. */
export interface PlannedEndpoint {
  namespace: string;
  pod: string;
  interface: string;
  selectedBy: readonly string[];
}

export interface SnortPlan {
  /** Process ids to stop. Executed FIRST (break before make). */
  stop: string[];
  /** Processes to start, after every stop has completed. Sorted by first interface. */
  start: SnortProcessSpec[];
  /** Kept processes whose config hash differs: validate and SIGHUP, after the starts. */
  reload: string[];
  /** Every running process that stays as it is (reloaded ones included). */
  keep: string[];
  /** Desired interfaces not placed because of maxInterfaces, sorted. */
  unplaced: string[];
  /** One CAPACITY_EXCEEDED error per (resource, unplaced interface), sorted. */
  errors: DesiredError[];
}

export function snortProcessId(interfaces: readonly string[]): string {
  const sorted = [...interfaces].sort(compare);
  return 'snort-' + createHash('sha1').update(sorted.join(',')).digest('hex').slice(0, 12);
}

export function planChanges(desired: { endpoints: readonly PlannedEndpoint[] }, actual: readonly RunningSnortProcess[], options: PlanOptions): SnortPlan {
  const perProcess = Math.max(1, Math.floor(options.maxInterfacesPerProcess));
  const exists = options.interfaceExists ?? (() => true);
  const wanted = new Map<string, PlannedEndpoint[]>();
  for (const e of desired.endpoints) {
    const list = wanted.get(e.interface);
    if (list) list.push(e);
    else wanted.set(e.interface, [e]);
  }

  const stop: string[] = [];
  /** Kept processes: id → live desired interfaces (sorted), reload flag. */
  const kept: Array<{ id: string; interfaces: string[]; reload: boolean }> = [];
  /** Desired interfaces with a live thread in a kept process. */
  const covered = new Set<string>();
  /** Live desired interfaces of compacted processes: they restart together, as they ran. */
  const compacted: string[][] = [];

  for (const proc of [...actual].sort((a, b) => compare(a.id, b.id))) {
    const dead = new Set(proc.deadInterfaces);
    const live = proc.interfaces.filter((i) => !dead.has(i));
    const deselected = live.some((i) => !wanted.has(i) && exists(i));
    // Adopted leftovers may overlap a process already kept: inspecting twice is never allowed.
    const duplicate = live.some((i) => wanted.has(i) && covered.has(i));
    if (deselected || duplicate) {
      stop.push(proc.id);
      continue;
    }
    const liveDesired = live.filter((i) => wanted.has(i));
    if (dead.size > live.length) {
      stop.push(proc.id);
      if (liveDesired.length > 0) compacted.push(liveDesired);
      for (const i of liveDesired) covered.add(i);
      continue;
    }
    kept.push({ id: proc.id, interfaces: [...liveDesired].sort(compare), reload: proc.configHash !== options.configHash });
    for (const i of liveDesired) covered.add(i);
  }

  // Capacity: what already runs (kept or compacted) stays; the rest fits in what is left, in sorted order.
  const pending = [...wanted.keys()].filter((i) => !covered.has(i)).sort(compare);
  const cap = options.maxInterfaces ?? Infinity;
  const room = Math.max(0, cap - covered.size);
  const placed = pending.slice(0, room);
  const unplaced = pending.slice(room);

  const groups: Group[] = [
    ...kept.filter((k) => k.interfaces.length > 0).map((k) => ({ interfaces: k.interfaces, keptIds: [k.id], changed: false })),
    ...compacted.flatMap((g) => chunks([...g].sort(compare), perProcess)).map((interfaces) => ({ interfaces, keptIds: [], changed: true })),
    ...chunks(placed, perProcess).map((interfaces) => ({ interfaces, keptIds: [], changed: true })),
  ];
  const final = consolidate(groups, perProcess);
  const restarted = new Set(final.filter((g) => g.changed).flatMap((g) => g.keptIds));
  const keep: string[] = [];
  const reload: string[] = [];
  for (const k of kept) {
    if (restarted.has(k.id)) stop.push(k.id);
    else {
      keep.push(k.id);
      if (k.reload) reload.push(k.id);
    }
  }
  const start: SnortProcessSpec[] = final.filter((g) => g.changed).map((g) => spec(g.interfaces, options.configHash));
  start.sort((a, b) => compare(a.interfaces[0] ?? '', b.interfaces[0] ?? ''));

  const errors: DesiredError[] = [];
  if (unplaced.length > 0) {
    const basis = options.capacityBasis ?? 'the configured limit';
    for (const iface of unplaced) {
      for (const e of wanted.get(iface) ?? []) {
        const message = `interface ${iface} of pod ${e.namespace}/${e.pod} does not fit: ${wanted.size} interfaces selected, limit ${cap} from ${basis}`;
        for (const resource of e.selectedBy) errors.push({ resource, message, code: 'CAPACITY_EXCEEDED' });
      }
    }
    errors.sort(compareErrors);
  }
  return { stop, start, reload, keep, unplaced, errors };
}

interface Group {
  interfaces: string[];
  /** Running processes whose interfaces this group holds (empty for new ones). */
  keptIds: string[];
  /** False only for a running process left exactly as it is. */
  changed: boolean;
}

/**
 * Bounded memory as pods arrive one at a time. Sticky placement alone would give every new pod its own
 * process (each paying Snort's ~60-90 MB base). So a new (or restarted) under-full process is merged like a
 * binary counter: when it and another under-full process are in the same size class
 * (floor(log2(interfaces))) and fit together, they become one, and the result may merge again. Pods arriving
 * one by one therefore leave at most one under-full process per class (≤ log2(max)+1 of them), and a pod is
 * restarted by a merge at most log2(max) times over its life — the price, paid by few pods and rarely, for
 * memory that grows with pods/max processes instead of with pods. Two running processes are never merged
 * with each other, so a removal interrupts nobody.
 */
function consolidate(groups: readonly Group[], perProcess: number): Group[] {
  const full = groups.filter((g) => g.interfaces.length >= perProcess);
  let open = groups.filter((g) => g.interfaces.length < perProcess);
  const sizeClass = (g: Group): number => Math.floor(Math.log2(g.interfaces.length));
  for (;;) {
    // Deterministic: smallest class first, then by first interface.
    open.sort((a, b) => sizeClass(a) - sizeClass(b) || compare(a.interfaces[0] ?? '', b.interfaces[0] ?? ''));
    let pair: [number, number] | undefined;
    for (let i = 0; i < open.length && !pair; i++) {
      for (let j = i + 1; j < open.length && !pair; j++) {
        const a = open[i] as Group;
        const b = open[j] as Group;
        // Only arrivals merge: two running processes are never restarted just to be joined, so removing a
        // pod interrupts nobody else.
        const fits = a.interfaces.length + b.interfaces.length <= perProcess;
        if ((a.changed || b.changed) && sizeClass(a) === sizeClass(b) && fits) pair = [i, j];
      }
    }
    if (!pair) break;
    const a = open[pair[0]] as Group;
    const b = open[pair[1]] as Group;
    const union: Group = { interfaces: [...a.interfaces, ...b.interfaces].sort(compare), keptIds: [...a.keptIds, ...b.keptIds], changed: true };
    open = open.filter((_, i) => i !== pair[0] && i !== pair[1]);
    if (union.interfaces.length >= perProcess) full.push(union);
    else open.push(union);
  }
  return [...full, ...open];
}

function spec(interfaces: string[], configHash: string): SnortProcessSpec {
  return { id: snortProcessId(interfaces), interfaces, configHash };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
