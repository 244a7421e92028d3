// Removes status.nodes entries of nodes that no longer exist, so the list does not grow forever as nodes
// come and go. Only the holder of the pruner Lease does it (one agent at a time, LeaseElector).
// How an entry is removed: a server-side apply under the dead node's own field manager (kube-dpi-<node>) that
// names no status fields. SSA removes fields that their only manager stops applying, and status.nodes is a
// list-map, so exactly that node's entry goes and the entries of other nodes (owned by their own managers)
// are untouched, with no read-modify-write race against agents writing at the same moment. A JSON patch
// `remove /status/nodes/<i>` guarded by a `test` on resourceVersion would also be safe, but it addresses the
// entry by index, so every concurrent status write by any agent would make it fail and retry.
// An entry some other manager co-owns (e.g. edited with kubectl) survives that apply; it is reported.
import { systemClock, type Clock } from '../../platform/clock.js';
import { DPI_KIND } from '../convert.js';
import { classifyK8sError } from './classify-error.js';
import type { K8sEvents } from './events.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { fieldManagerFor } from './status-writer.js';

export interface StatusPrunerOptions {
  api: Pick<KubeApi, 'listNodes' | 'listDpis' | 'applyDpiStatus'>;
  elector: { isLeader(): boolean };
  /** This agent's node: a Node list without it is not trusted (nothing is pruned from it). */
  node: string;
  dpiApiVersion: string;
  events: K8sEvents;
  clock?: Clock;
  /** Default 60 s. */
  intervalMs?: number;
}

export class StatusPruner {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private abort = new AbortController();

  constructor(private readonly options: StatusPrunerOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.loop;
  }

  /** One pass, when leader: returns how many entries were removed. */
  async pruneOnce(): Promise<number> {
    const { api, elector, events } = this.options;
    if (!elector.isLeader()) return 0;
    const nodes = new Set((await api.listNodes()).items.map((n) => nameOf(n)).filter((n): n is string => n !== undefined));
    if (!nodes.has(this.options.node)) return 0;
    let removed = 0;
    for (const dpi of (await api.listDpis()).items) {
      const name = nameOf(dpi);
      const namespace = dpi.metadata?.['namespace'];
      if (name === undefined || typeof namespace !== 'string') continue;
      for (const dead of deadNodesOf(dpi, nodes)) {
        if (!elector.isLeader()) return removed;
        const key = `${namespace}/${name}`;
        try {
          const after = await api.applyDpiStatus(
            namespace,
            name,
            { apiVersion: this.options.dpiApiVersion, kind: DPI_KIND, metadata: { name, namespace } },
            fieldManagerFor(dead),
          );
          if (deadNodesOf(after, new Set([...nodes])).includes(dead)) {
            events.pruneFailed('conflict', new Error(`${key}: the entry of node ${dead} is also owned by another field manager`));
          } else {
            events.entriesPruned(key, dead);
            removed++;
          }
        } catch (err) {
          const reason = classifyK8sError(err);
          if (reason !== 'not_found') events.pruneFailed(reason, err);
        }
      }
    }
    return removed;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        await this.pruneOnce();
      } catch (err) {
        this.options.events.pruneFailed(classifyK8sError(err), err);
      }
      await this.clock.sleep(this.intervalMs, this.abort.signal);
    }
  }
}

function nameOf(obj: KubeObject): string | undefined {
  const name = obj.metadata?.['name'];
  return typeof name === 'string' ? name : undefined;
}

function deadNodesOf(dpi: KubeObject, nodes: ReadonlySet<string>): string[] {
  const status = dpi['status'] as { nodes?: unknown } | undefined;
  if (!Array.isArray(status?.nodes)) return [];
  const out: string[] = [];
  for (const entry of status.nodes as Array<{ node?: unknown }>) {
    if (typeof entry?.node === 'string' && !nodes.has(entry.node)) out.push(entry.node);
  }
  return out;
}
