// What the reconciler needs from the Snort stage, declared here by the consumer (STYLE.md): the reconciler
// computes a plan as data and hands each step to a SnortDriver; only main.ts knows the concrete supervisor.

/** One Snort process as the plan wants it: a set of interfaces (one packet thread each). */
export interface SnortProcessSpec {
  /** Stable id derived from the interface set ("snort-" + short hash); names the process's state folder. */
  id: string;
  /** Interfaces in thread order: thread N writes N_alert_json.txt. Sorted. */
  interfaces: string[];
  /** Hash of everything that, when changed, needs a reload (rules, override, rendered config). */
  configHash: string;
}

/** Why an interface is or is not being inspected right now. */
export interface InterfaceHealth {
  interface: string;
  processId: string;
  /** True only after Snort reported the thread started (`++ [N] <iface>`) and it has not stopped since. */
  live: boolean;
  /** Set when not live: the reason, in words a user can act on (Snort's own error line when there is one). */
  reason?: string;
  /** ErrorCode-like reason code when not live (SNORT_START_FAILED, SNORT_CRASH_LOOP, SNORT_CONFIG_REJECTED...). */
  code?: string;
  /** Epoch ms of the last change. */
  since: number;
}

/** A process the driver runs (or adopted after an agent restart). */
export interface RunningSnortProcess extends SnortProcessSpec {
  /** Interfaces whose thread has stopped (`-- [N] <iface>`, e.g. the veth was deleted); the process lives on. */
  deadInterfaces: string[];
}

export interface SnortDriver {
  /** What runs now. */
  running(): readonly RunningSnortProcess[];
  /** Validate (snort -T) and start; resolves once spawned (liveness arrives later through health). */
  start(spec: SnortProcessSpec): Promise<void>;
  /** SIGTERM, then SIGKILL after a timeout; resolves when the process is gone. */
  stop(id: string): Promise<void>;
  /** Validate the new config and SIGHUP; keeps the old config running when it is rejected. */
  reload(id: string, configHash: string): Promise<void>;
  /** Per interface, live or not and why. */
  health(): readonly InterfaceHealth[];
  /** Called whenever health changes (cheap; the reconciler only marks itself dirty). */
  onHealthChanged(listener: () => void): void;
}
