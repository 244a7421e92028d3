// Test double of the SnortDriver port (agent/src/reconcile/ports.ts), for reconciler tests where the real
// supervisor and a real Snort cannot run. It records every call in order and models the facts the plan
// relies on (reference/snort3/FACTS.md §4): one packet thread per interface; a thread goes live once started
// (the real driver reports that on Snort's `++ [N] <iface>` line); an interface deleted while running kills
// only its own thread (`-- [N] <iface>`) and the process lives on; a process whose interface is missing at
// start does not capture at all (Snort exits, code 0, "Could not find index for device"); SIGHUP changes the
// config hash but never the interface set.
import { SnortError } from '../../src/platform/errors.js';
import type { InterfaceHealth, RunningSnortProcess, SnortDriver, SnortProcessSpec } from '../../src/reconcile/ports.js';

export type DriverCall =
  | { op: 'start'; id: string; interfaces: string[]; configHash: string }
  | { op: 'stop'; id: string }
  | { op: 'reload'; id: string; configHash: string };

export class RecordingSnortDriver implements SnortDriver {
  readonly calls: DriverCall[] = [];
  private readonly processes = new Map<string, RunningSnortProcess>();
  private readonly healthByInterface = new Map<string, InterfaceHealth>();
  private readonly listeners: Array<() => void> = [];
  private readonly failures: Array<{ op: DriverCall['op']; times: number }> = [];
  /** Interfaces present on the simulated host; undefined: every interface exists. */
  host: Set<string> | undefined;

  constructor(private readonly now: () => number = () => Date.now()) {}

  running(): readonly RunningSnortProcess[] {
    return [...this.processes.values()].map((p) => ({ ...p, interfaces: [...p.interfaces], deadInterfaces: [...p.deadInterfaces] }));
  }

  async start(spec: SnortProcessSpec): Promise<void> {
    this.calls.push({ op: 'start', id: spec.id, interfaces: [...spec.interfaces], configHash: spec.configHash });
    this.maybeFail('start', spec.id);
    if (this.processes.has(spec.id)) throw new SnortError('SNORT_START_FAILED', `process ${spec.id} already runs`);
    for (const i of spec.interfaces) {
      const owner = [...this.processes.values()].find((p) => p.interfaces.includes(i) && !p.deadInterfaces.includes(i));
      if (owner) throw new Error(`double: ${i} would be captured twice (${owner.id} and ${spec.id}): the plan broke break-before-make`);
    }
    const missing = this.host ? spec.interfaces.filter((i) => !this.host?.has(i)) : [];
    if (missing.length > 0) {
      for (const i of spec.interfaces) {
        this.setHealth({ interface: i, processId: spec.id, live: false, code: 'SNORT_START_FAILED', reason: `Couldn't construct a DAQ instance (${missing[0]}): create_instance: Could not find index for device ${missing[0]} (-1)`, since: this.now() });
      }
      this.emit();
      return;
    }
    this.processes.set(spec.id, { ...spec, interfaces: [...spec.interfaces], deadInterfaces: [] });
    for (const i of spec.interfaces) this.setHealth({ interface: i, processId: spec.id, live: true, since: this.now() });
    this.emit();
  }

  async stop(id: string): Promise<void> {
    this.calls.push({ op: 'stop', id });
    this.maybeFail('stop', id);
    const p = this.processes.get(id);
    if (!p) return;
    this.processes.delete(id);
    for (const i of p.interfaces) if (this.healthByInterface.get(i)?.processId === id) this.healthByInterface.delete(i);
    this.emit();
  }

  async reload(id: string, configHash: string): Promise<void> {
    this.calls.push({ op: 'reload', id, configHash });
    this.maybeFail('reload', id);
    const p = this.processes.get(id);
    if (p) p.configHash = configHash;
  }

  health(): readonly InterfaceHealth[] {
    return [...this.healthByInterface.values()];
  }

  onHealthChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  // ---- test controls ----

  /** The veth went away (pod deleted): its thread dies, the process lives on. */
  deleteInterface(iface: string): void {
    this.host?.delete(iface);
    for (const p of this.processes.values()) {
      if (p.interfaces.includes(iface) && !p.deadInterfaces.includes(iface)) {
        p.deadInterfaces.push(iface);
        this.setHealth({ interface: iface, processId: p.id, live: false, code: 'SNORT_EXITED', reason: `thread for ${iface} stopped (interface removed)`, since: this.now() });
      }
    }
    this.emit();
  }

  addInterface(iface: string): void {
    this.host?.add(iface);
  }

  /** The next `times` calls of `op` throw, as a failing spawn or kill would. */
  failNext(op: DriverCall['op'], times = 1): void {
    this.failures.push({ op, times });
  }

  /** Processes the agent finds after a restart (adopted leftovers). */
  adopt(process: RunningSnortProcess): void {
    this.processes.set(process.id, { ...process });
    for (const i of process.interfaces) if (!process.deadInterfaces.includes(i)) this.setHealth({ interface: i, processId: process.id, live: true, since: this.now() });
  }

  /** Interface → number of live threads inspecting it. */
  coverage(): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.processes.values()) for (const i of p.interfaces) if (!p.deadInterfaces.includes(i)) out.set(i, (out.get(i) ?? 0) + 1);
    return out;
  }

  private setHealth(h: InterfaceHealth): void {
    this.healthByInterface.set(h.interface, h);
  }

  private maybeFail(op: DriverCall['op'], id: string): void {
    const f = this.failures.find((x) => x.op === op && x.times > 0);
    if (!f) return;
    f.times--;
    throw new SnortError(op === 'start' ? 'SNORT_START_FAILED' : op === 'reload' ? 'SNORT_RELOAD_FAILED' : 'SNORT_EXITED', `double: injected ${op} failure for ${id}`);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}
