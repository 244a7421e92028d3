// Where the Snort stage keeps its files under the state folder, and how its names are made. One place, so
// the supervisor, the alert tailer and the agent after a restart all agree:
//
//   <stateDir>/snort/                          0711: others may pass through, not list
//     rules-<hash12>/NN-<name>.rules           snapshot of the last validated rules (0755 dir, 0644 files)
//     snort-<12 hex>/                          one folder per Snort process, 0777 so uid 65534 can write
//       kube-dpi.lua                           generated config (rewritten on reload)
//       kube-dpi.json                          manifest: the spec and hashes, to recognise leftovers
//       snort.stdout.log, snort.stderr.log     Snort's output, appended; survives agent restarts
//       N_alert_json.txt[.<epoch>]             Snort's per-thread alert files (N = thread = interface index)
import { join } from 'node:path';

export const SNORT_SUBDIR = 'snort';
export const PROCESS_ID_PREFIX = 'snort-';
export const GENERATED_CONFIG = 'kube-dpi.lua';
/** Written next to GENERATED_CONFIG while a new config is validated; renamed over it once accepted. */
export const CANDIDATE_CONFIG = 'kube-dpi.next.lua';
export const MANIFEST_FILE = 'kube-dpi.json';
export const RULES_SNAPSHOT_PREFIX = 'rules-';
export const ALERT_FILE_SUFFIX = '_alert_json.txt';
/** Snort's own output (banner, `++`/`--` thread lines, reloads, stats), followed by the supervisor. */
export const STDOUT_FILE = 'snort.stdout.log';
export const STDERR_FILE = 'snort.stderr.log';

/** "snort-" + 12 hex of sha1(sorted interfaces joined ","): defined once, by the plan that names processes. */
export { snortProcessId } from '../reconcile/plan.js';

export function isSnortProcessId(name: string): boolean {
  return /^snort-[0-9a-f]{12}$/.test(name);
}

export function snortRoot(stateDir: string): string {
  return join(stateDir, SNORT_SUBDIR);
}

export function processDir(stateDir: string, processId: string): string {
  return join(snortRoot(stateDir), processId);
}

/** Thread N's live alert file (Snort with --id-zero names every thread's file this way). */
export function alertFileName(threadIndex: number): string {
  return `${threadIndex}${ALERT_FILE_SUFFIX}`;
}

/** True for N_alert_json.txt and its rotated N_alert_json.txt.<epoch>. */
export function isAlertFileName(name: string): boolean {
  return /^\d+_alert_json\.txt(\.\d+)?$/.test(name);
}

/** What the manifest records: enough to recognise a leftover process and what it was started with. */
export interface ProcessManifest {
  id: string;
  interfaces: string[];
  /** The spec's configHash (the config generation the process runs). */
  configHash: string;
  /** The rendered hash of this process's own files and arguments. */
  renderHash: string;
  /** The full command line the supervisor spawned (wrappers included), to match /proc/<pid>/cmdline. */
  command: string[];
  /** Pid of the last spawn, when known. */
  pid?: number;
  startedAt: number;
}
