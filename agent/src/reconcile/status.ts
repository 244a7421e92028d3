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

export function computeNodeStatus(input: StatusInput): Map<ResourceKey, NodeStatusEntry> {
  const time = rfc3339(input.now);
  const health = new Map(input.health.map((h) => [h.interface, h]));
  const selected = new Map<ResourceKey, Array<{ endpoint: string; interface: string }>>();
  for (const e of input.desired.endpoints) {
    for (const r of e.selectedBy) {
      const list = selected.get(r) ?? [];
      list.push({ endpoint: `${e.namespace}/${e.pod}`, interface: e.interface });
      selected.set(r, list);
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
    const endpoints = selected.get(key) ?? [];
    const errors = errorsByResource.get(key) ?? [];
    const conditions: Condition[] = errors.map((e) => ({ rank: IMPORTANCE[e.code] ?? IMPORTANCE_DEFAULT, message: e.message }));
    // Interfaces not live: group by reason so sixteen threads of one rejected config make one condition.
    const notLive = new Map<string, { rank: number; reason: string; pods: string[] }>();
    let allLive = endpoints.length > 0;
    for (const { endpoint, interface: iface } of endpoints) {
      const h = health.get(iface);
      if (h?.live === true) continue;
      allLive = false;
      if (h?.reason === undefined) continue; // starting: no condition, just not yet successful
      const group = notLive.get(h.reason) ?? { rank: IMPORTANCE[h.code as ErrorCode] ?? IMPORTANCE_DEFAULT, reason: h.reason, pods: [] };
      group.pods.push(`${endpoint} (${iface})`);
      notLive.set(h.reason, group);
    }
    for (const g of notLive.values()) conditions.push({ rank: g.rank, message: `Snort is not inspecting ${namePods(g.pods)}: ${g.reason}` });
    // Any error here means something this resource selects is not inspected (or it selects nothing).
    const success = allLive && errors.length === 0;
    const messages = orderedMessages(conditions);
    out.set(key, entryFor(input.node, success, messages, time, input.previous?.get(key)));
  }
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
