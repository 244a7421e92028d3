// Pure: this node's entry in each resource's status.nodes[] (DESIGN §2, compatible with Calico Enterprise).
// Consumes: every known resource key, the desired set (which endpoints each resource selects here), the
//           errors of desired/plan (selector, interface, capacity), the Snort driver's per-interface health,
//           and the previous entries.
// Emits:    Map "ns/name" → {node, active: {success, lastUpdated}, errorConditions: [{message, lastUpdated}]}.
// Guarantees: success is true only when the resource selects at least one endpoint on this node and every
//           one of those endpoints' interfaces has a live Snort thread; at most 10 conditions, most important
//           first, deduplicated (one condition per distinct problem, naming the pods it hits); an entry whose
//           content did not change is returned as the previous object itself, with its old timestamps, so
//           a writer can skip it; a condition that persists keeps the time it was first seen.
// Cost: O(endpoints + resources) per call when `previous` is the last output and the endpoints are the
//           frozen, reused objects of computeDesiredSet; a full count of (endpoint, resource) pairs otherwise.
import type { ErrorCode } from '../platform/errors.js';
import type { ResourceKey } from '../model/types.js';
import type { InterfaceHealth } from './ports.js';
import type { DesiredError } from './desired.js';
import { compare } from './desired.js';

export const MAX_ERROR_CONDITIONS = 10;

export interface NodeStatusEntry {
  node: string;
  active: { success: boolean; lastUpdated: string };
  errorConditions: Array<{ message: string; lastUpdated: string }>;
}

export interface StatusInput {
  node: string;
  /** Every resource known now; each gets an entry. */
  resources: readonly ResourceKey[];
  desired: { endpoints: ReadonlyArray<{ namespace: string; pod: string; interface: string; selectedBy: readonly string[] }> };
  errors: readonly DesiredError[];
  health: readonly InterfaceHealth[];
  /** Epoch ms. */
  now: number;
  previous?: ReadonlyMap<ResourceKey, NodeStatusEntry>;
}

/** Lower is more important: what the user must fix first comes first. */
const IMPORTANCE: Partial<Record<ErrorCode, number>> = {
  SELECTOR_SYNTAX: 0,
  SELECTOR_EMPTY: 0,
  SNORT_CONFIG_REJECTED: 1,
  SNORT_NOT_FOUND: 1,
  SNORT_CRASH_LOOP: 2,
  SNORT_START_FAILED: 3,
  SNORT_RELOAD_FAILED: 3,
  CAPACITY_EXCEEDED: 4,
  INTERFACE_MISSING: 5,
  INTERFACE_UNRESOLVED: 5,
  SNORT_EXITED: 6,
};
const IMPORTANCE_DEFAULT = 7;
/** How many pods a grouped condition names before "and N more". */
const NAMED_PODS = 3;

interface Condition {
  rank: number;
  message: string;
}

type StatusEndpoint = StatusInput['desired']['endpoints'][number];

/**
 * How many desired endpoints select each resource, and which endpoint objects that counted. Remembered per
 * output map, so that the next call, given it as `previous`, only counts what came and went: desired endpoints
 * are frozen and reused while unchanged (reconcile/desired.ts), so a pass after one pod change costs O(n) set
 * lookups rather than a walk of every (endpoint, resource) pair. Endpoints that are not frozen could change in
 * place, so any of them means a full count.
 */
interface Tally {
  endpoints: ReadonlySet<StatusEndpoint>;
  counts: ReadonlyMap<ResourceKey, number>;
}
const tallies = new WeakMap<ReadonlyMap<ResourceKey, NodeStatusEntry>, Tally>();

/** The counts for `endpoints`; `reusable` false when the next call must not diff against it. */
function tallyOf(endpoints: readonly StatusEndpoint[], before: Tally | undefined): { tally: Tally; reusable: boolean } {
  const now = new Set(endpoints);
  // An endpoint listed twice counts twice in a full count; a set cannot say so.
  const reusable = now.size === endpoints.length && endpoints.every((e) => Object.isFrozen(e) && Object.isFrozen(e.selectedBy));
  const diff = reusable && before !== undefined;
  const counts = new Map<ResourceKey, number>(diff ? before.counts : undefined);
  const add = (e: StatusEndpoint, by: number): void => {
    for (const r of e.selectedBy) counts.set(r, (counts.get(r) ?? 0) + by);
  };
  if (diff) {
    for (const e of before.endpoints) if (!now.has(e)) add(e, -1);
    for (const e of endpoints) if (!before.endpoints.has(e)) add(e, 1);
  } else {
    for (const e of endpoints) add(e, 1);
  }
  return { tally: { endpoints: now, counts }, reusable };
}

/** Not-live endpoints with a reason, by reason: sixteen threads of one rejected config make one condition. */
type NotLive = Map<string, { rank: number; reason: string; pods: string[] }>;

export function computeNodeStatus(input: StatusInput): Map<ResourceKey, NodeStatusEntry> {
  const time = rfc3339(input.now);
  const health = new Map(input.health.map((h) => [h.interface, h]));
  const before = input.previous !== undefined ? tallies.get(input.previous) : undefined;
  const { tally, reusable } = tallyOf(input.desired.endpoints, before);
  // Only endpoints without a live thread are walked per resource; live ones cost one lookup.
  const notLive = new Map<ResourceKey, NotLive>();
  const notAllLive = new Set<ResourceKey>();
  for (const e of input.desired.endpoints) {
    const h = health.get(e.interface);
    if (h?.live === true) continue;
    const named = `${e.namespace}/${e.pod} (${e.interface})`;
    for (const r of e.selectedBy) {
      notAllLive.add(r);
      if (h?.reason === undefined) continue; // starting: no condition, just not yet successful
      let groups = notLive.get(r);
      if (groups === undefined) {
        groups = new Map();
        notLive.set(r, groups);
      }
      let group = groups.get(h.reason);
      if (group === undefined) {
        group = { rank: IMPORTANCE[h.code as ErrorCode] ?? IMPORTANCE_DEFAULT, reason: h.reason, pods: [] };
        groups.set(h.reason, group);
      }
      group.pods.push(named);
    }
  }
  const errorsByResource = new Map<ResourceKey, DesiredError[]>();
  for (const err of input.errors) {
    const list = errorsByResource.get(err.resource) ?? [];
    list.push(err);
    errorsByResource.set(err.resource, list);
  }

  const out = new Map<ResourceKey, NodeStatusEntry>();
  for (const key of [...input.resources].sort(compare)) {
    const errors = errorsByResource.get(key) ?? [];
    const conditions: Condition[] = errors.map((e) => ({ rank: IMPORTANCE[e.code] ?? IMPORTANCE_DEFAULT, message: e.message }));
    for (const g of notLive.get(key)?.values() ?? []) conditions.push({ rank: g.rank, message: `Snort is not inspecting ${namePods(g.pods)}: ${g.reason}` });
    // Any error here means something this resource selects is not inspected (or it selects nothing).
    const success = (tally.counts.get(key) ?? 0) > 0 && !notAllLive.has(key) && errors.length === 0;
    const messages = orderedMessages(conditions);
    out.set(key, entryFor(input.node, success, messages, time, input.previous?.get(key)));
  }
  if (reusable) tallies.set(out, tally);
  return out;
}

function orderedMessages(conditions: Condition[]): string[] {
  const best = new Map<string, number>();
  for (const c of conditions) best.set(c.message, Math.min(c.rank, best.get(c.message) ?? Infinity));
  const sorted = [...best].sort((a, b) => a[1] - b[1] || compare(a[0], b[0])).map(([m]) => m);
  if (sorted.length <= MAX_ERROR_CONDITIONS) return sorted;
  const shown = sorted.slice(0, MAX_ERROR_CONDITIONS - 1);
  shown.push(`and ${sorted.length - shown.length} more error conditions on this node (see the agent log)`);
  return shown;
}

function entryFor(node: string, success: boolean, messages: string[], time: string, previous: NodeStatusEntry | undefined): NodeStatusEntry {
  if (
    previous !== undefined &&
    previous.node === node &&
    previous.active.success === success &&
    previous.errorConditions.length === messages.length &&
    previous.errorConditions.every((c, i) => c.message === messages[i])
  ) {
    return previous;
  }
  const seen = new Map((previous?.errorConditions ?? []).map((c) => [c.message, c.lastUpdated]));
  return {
    node,
    active: { success, lastUpdated: previous !== undefined && previous.active.success === success ? previous.active.lastUpdated : time },
    errorConditions: messages.map((message) => ({ message, lastUpdated: seen.get(message) ?? time })),
  };
}

function namePods(pods: string[]): string {
  const sorted = [...pods].sort(compare);
  const named = sorted.slice(0, NAMED_PODS).join(', ');
  return sorted.length > NAMED_PODS ? `${named} and ${sorted.length - NAMED_PODS} more` : named;
}

/** RFC 3339 in UTC with whole seconds, as Kubernetes writes metav1.Time. */
export function rfc3339(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
