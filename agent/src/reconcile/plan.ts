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
  const keep: string[] = [];
  const reload: string[] = [];
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
    keep.push(proc.id);
    for (const i of liveDesired) covered.add(i);
    if (proc.configHash !== options.configHash) reload.push(proc.id);
  }

  // Capacity: what already runs (kept or compacted) stays; the rest fits in what is left, in sorted order.
  const pending = [...wanted.keys()].filter((i) => !covered.has(i)).sort(compare);
  const cap = options.maxInterfaces ?? Infinity;
  const room = Math.max(0, cap - covered.size);
  const placed = pending.slice(0, room);
  const unplaced = pending.slice(room);

  const start: SnortProcessSpec[] = [];
  for (const group of compacted) for (const chunk of chunks([...group].sort(compare), perProcess)) start.push(spec(chunk, options.configHash));
  for (const chunk of chunks(placed, perProcess)) start.push(spec(chunk, options.configHash));
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

function spec(interfaces: string[], configHash: string): SnortProcessSpec {
  return { id: snortProcessId(interfaces), interfaces, configHash };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
