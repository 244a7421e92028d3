// A wire-level test double of the Kubernetes API server: a real node:http server that speaks the API server's
// JSON wire format for the few resources kube-dpi uses, so the real @kubernetes/client-node (informers, typed
// clients, Watch) runs against it unchanged. Documented behaviour it follows:
// - list: `{kind: <Kind>List, apiVersion, metadata: {resourceVersion}, items}`; built-in list items carry no
//   kind/apiVersion, custom-resource items do; `fieldSelector` with `=`, `==`, `!=` on dotted paths.
// - watch (`?watch=true`): chunked stream of `{type, object}` lines, ADDED/MODIFIED/DELETED/BOOKMARK/ERROR.
//   resourceVersion "" or "0" starts with synthetic ADDED events for the current state; a later version
//   replays the history after it; one older than the compaction point gets 410 Gone, either as an ERROR event
//   with a Status `{code: 410, reason: "Expired"}` followed by close (what the watch cache does) or as HTTP 410.
//   With a field selector an object that stops matching is sent as DELETED, one that starts matching as ADDED.
//   BOOKMARK only when `allowWatchBookmarks=true`; `timeoutSeconds` closes the stream cleanly.
// - errors are `Status` objects `{kind: Status, apiVersion: v1, status: Failure, message, reason, code}`.
// - PATCH `application/apply-patch+yaml` on `<dpi>/status` with `fieldManager` (required) and `force`:
//   server-side apply of `status.nodes`, a list-map keyed by `node`: each entry is owned by the managers that
//   applied it; an apply replaces the applier's entries, removes entries only it owned that it no longer
//   lists, and leaves entries owned by other managers alone. Another manager's differing entry is a 409
//   Conflict unless `force=true`. Other content types on /status get 415.
// - Leases (coordination.k8s.io/v1): GET, POST (409 AlreadyExists), PUT with metadata.resourceVersion
//   (409 Conflict when stale); spec.acquireTime/renewTime must be MicroTime (six fractional digits) or 400.
// - Nodes, Namespaces, Pods: list and watch.
// Test hooks inject list failures, drop watch connections mid-stream, expire watches, compact history and send
// bookmarks, and record every request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';

export type DoubleKind = 'pods' | 'namespaces' | 'nodes' | 'leases' | 'dpi';

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> };

interface KindInfo {
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  builtIn: boolean;
}

interface HistoryEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
  previous: Obj | undefined;
}

interface OpenWatch {
  kind: DoubleKind;
  res: ServerResponse;
  socket: Socket;
  filter: (o: Obj) => boolean;
  bookmarks: boolean;
  timer: NodeJS.Timeout | undefined;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  contentType: string | undefined;
  body: unknown;
  status: number;
}

export interface Injection {
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
}

export interface KubeApiServerDoubleOptions {
  /** group/version of DeepPacketInspection, default projectcalico.org/v3. */
  dpiApiVersion?: string;
  /** Serve DeepPacketInspection at all (false: list and watch get 404, as when the CRD is not installed). */
  serveDpi?: boolean;
  /** How a watch from a compacted resourceVersion fails: ERROR event (watch cache) or HTTP 410. */
  tooOld?: 'event' | 'http';
}

const STATUS_REASONS: Record<number, string> = {
  400: 'BadRequest', 404: 'NotFound', 409: 'Conflict', 410: 'Expired', 415: 'UnsupportedMediaType',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable',
};

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

export class KubeApiServerDouble {
  readonly dpiGroup: string;
  readonly dpiVersion: string;
  serveDpi: boolean;
  tooOld: 'event' | 'http';
  readonly requests: RecordedRequest[] = [];

  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private rv = 100;
  /** Watches from a resourceVersion below this get 410 Gone. */
  private compactedRv = 0;
  private readonly objects = new Map<DoubleKind, Map<string, Obj>>();
  private readonly history = new Map<DoubleKind, HistoryEvent[]>();
  private readonly watches = new Set<OpenWatch>();
  /** Kinds whose changes are not delivered to watches open now (events lost in a partition). */
  private readonly suspended = new Set<DoubleKind>();
  private readonly injections: Array<{ match: (method: string, kind: DoubleKind | undefined, sub: string | undefined) => boolean; status: number; left: number }> = [];
  /** SSA ownership of status.nodes entries: resource key → node → managers. */
  private readonly owners = new Map<string, Map<string, Set<string>>>();
  private readonly kinds: Record<DoubleKind, KindInfo>;

  constructor(options: KubeApiServerDoubleOptions = {}) {
    const [group, version] = (options.dpiApiVersion ?? 'projectcalico.org/v3').split('/') as [string, string];
    this.dpiGroup = group;
    this.dpiVersion = version;
    this.serveDpi = options.serveDpi ?? true;
    this.tooOld = options.tooOld ?? 'event';
    this.kinds = {
      pods: { kind: 'Pod', apiVersion: 'v1', namespaced: true, builtIn: true },
      namespaces: { kind: 'Namespace', apiVersion: 'v1', namespaced: false, builtIn: true },
      nodes: { kind: 'Node', apiVersion: 'v1', namespaced: false, builtIn: true },
      leases: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', namespaced: true, builtIn: true },
      dpi: { kind: 'DeepPacketInspection', apiVersion: `${group}/${version}`, namespaced: true, builtIn: false },
    };
    for (const k of Object.keys(this.kinds) as DoubleKind[]) {
      this.objects.set(k, new Map());
      this.history.set(k, []);
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('double not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** A KubeConfig pointing the real client at this server. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'double', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'double' }],
      contexts: [{ name: 'double', cluster: 'double', user: 'double' }],
      currentContext: 'double',
    });
    return kc;
  }

  async stop(): Promise<void> {
    for (const w of this.watches) this.closeWatch(w, false);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  // ---- state hooks ---------------------------------------------------------------------------------------

  /** Creates or replaces an object (ADDED or MODIFIED); returns the stored copy. */
  put(kind: DoubleKind, object: Record<string, unknown>): Obj {
    const obj = structuredClone(object) as Obj;
    obj.metadata = { ...(obj.metadata ?? {}) };
    const info = this.kinds[kind];
    if (info.namespaced && typeof obj.metadata['namespace'] !== 'string') obj.metadata['namespace'] = 'default';
    const key = this.keyOf(kind, obj);
    const previous = this.objects.get(kind)!.get(key);
    obj.metadata['uid'] = previous?.metadata['uid'] ?? `uid-${kind}-${key}`;
    obj.metadata['creationTimestamp'] = previous?.metadata['creationTimestamp'] ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (kind === 'dpi' && previous && obj['status'] === undefined && previous['status'] !== undefined) obj['status'] = previous['status'];
    this.store(kind, key, obj, previous);
    return structuredClone(obj);
  }

  remove(kind: DoubleKind, name: string, namespace?: string): boolean {
    const key = this.kinds[kind].namespaced ? `${namespace ?? 'default'}/${name}` : name;
    const previous = this.objects.get(kind)!.get(key);
    if (!previous) return false;
    this.objects.get(kind)!.delete(key);
    if (kind === 'dpi') this.owners.delete(key);
    const deleted = structuredClone(previous);
    deleted.metadata['resourceVersion'] = String(++this.rv);
    this.record(kind, { rv: this.rv, type: 'DELETED', object: deleted, previous });
    return true;
  }

  get(kind: DoubleKind, name: string, namespace?: string): Obj | undefined {
    const key = this.kinds[kind].namespaced ? `${namespace ?? 'default'}/${name}` : name;
    const o = this.objects.get(kind)!.get(key);
    return o ? structuredClone(o) : undefined;
  }

  list(kind: DoubleKind): Obj[] {
    return [...this.objects.get(kind)!.values()].map((o) => structuredClone(o));
  }

  /** Managers owning each status.nodes entry of a DeepPacketInspection. */
  statusOwners(namespace: string, name: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [node, managers] of this.owners.get(`${namespace}/${name}`) ?? []) out[node] = [...managers].sort();
    return out;
  }

  /** The next `times` requests matching (method, kind, subresource) fail with `status`. */
  inject(method: string, kind: DoubleKind, status: number, options: { times?: number; subresource?: string } = {}): void {
    this.injections.push({
      match: (m, k, sub) => m === method && k === kind && (options.subresource === undefined || options.subresource === sub),
      status,
      left: options.times ?? 1,
    });
  }

  clearInjections(): void {
    this.injections.length = 0;
  }

  /** Destroys the sockets of open watches mid-stream (no terminating chunk), as a dropped connection does. */
  dropWatches(kind?: DoubleKind): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (kind !== undefined && w.kind !== kind) continue;
      this.watches.delete(w);
      if (w.timer) clearTimeout(w.timer);
      w.socket.destroy();
      n++;
    }
    return n;
  }

  /** Ends open watches cleanly (terminating chunk), as the server does when a watch's timeout ends. */
  closeWatches(kind?: DoubleKind): number {
    let n = 0;
    for (const w of [...this.watches]) {
      if (kind !== undefined && w.kind !== kind) continue;
      this.closeWatch(w, true);
      n++;
    }
    return n;
  }

  /** Until the next compact(), changes of `kind` are not sent to the watches open now (lost in transit). */
  loseEvents(kind: DoubleKind): void {
    this.suspended.add(kind);
  }

  /** Forgets history before now: later watches from older versions get 410; open watches get ERROR 410. */
  compact(options: { expireOpenWatches?: boolean } = {}): void {
    this.compactedRv = this.rv + 1;
    this.suspended.clear();
    for (const k of this.history.keys()) this.history.set(k, []);
    if (options.expireOpenWatches ?? true) {
      for (const w of [...this.watches]) {
        this.writeEvent(w, { type: 'ERROR', object: this.statusObject(410, 'too old resource version') });
        this.closeWatch(w, true);
      }
    }
  }

  /** Sends a BOOKMARK at the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(kind?: DoubleKind): number {
    let n = 0;
    for (const w of this.watches) {
      if (!w.bookmarks || (kind !== undefined && w.kind !== kind)) continue;
      const info = this.kinds[w.kind];
      this.writeEvent(w, { type: 'BOOKMARK', object: { kind: info.kind, apiVersion: info.apiVersion, metadata: { resourceVersion: String(this.rv) } } });
      n++;
    }
    return n;
  }

  openWatchCount(kind?: DoubleKind): number {
    return [...this.watches].filter((w) => kind === undefined || w.kind === kind).length;
  }

  currentResourceVersion(): string {
    return String(this.rv);
  }

  // ---- HTTP ----------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const query = Object.fromEntries(url.searchParams.entries());
    const raw = await readBody(req);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim();
    const method = req.method ?? 'GET';
    const recorded: RecordedRequest = { method, path: url.pathname, query, contentType, body: undefined, status: 0 };
    this.requests.push(recorded);
    const send = (status: number, body: unknown): void => {
      recorded.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, message: string): void => send(status, this.statusObject(status, message));

    const route = this.route(url.pathname);
    if (!route) return fail(404, `the server could not find the requested resource (${url.pathname})`);
    if (route.kind === 'dpi' && !this.serveDpi) return fail(404, 'the server could not find the requested resource');
    const injected = this.injections.find((i) => i.left > 0 && i.match(method, route.kind, route.subresource));
    if (injected) {
      injected.left--;
      return fail(injected.status, `injected failure ${injected.status}`);
    }
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = contentType === 'application/apply-patch+yaml' ? parseYaml(raw) : JSON.parse(raw);
      } catch (err) {
        return fail(400, `the request body does not parse: ${(err as Error).message}`);
      }
    }
    recorded.body = body;
    const info = this.kinds[route.kind];

    if (route.name === undefined) {
      if (method === 'GET' && query['watch'] === 'true') {
        recorded.status = this.startWatch(route.kind, route.namespace, query, req, res);
        return;
      }
      if (method === 'GET') {
        const filter = this.filterFor(route.namespace, query['fieldSelector'], query['labelSelector']);
        const items = [...this.objects.get(route.kind)!.values()].filter(filter).map((o) => this.forList(route.kind, o));
        return send(200, { kind: `${info.kind}List`, apiVersion: info.apiVersion, metadata: { resourceVersion: String(this.rv) }, items });
      }
      if (method === 'POST' && route.kind === 'leases') {
        const lease = body as Obj | undefined;
        if (!lease?.metadata || typeof lease.metadata['name'] !== 'string') return fail(422, 'metadata.name: Required value');
        const bad = this.invalidLease(lease);
        if (bad) return fail(400, bad);
        lease.metadata['namespace'] = route.namespace ?? 'default';
        if (this.objects.get('leases')!.has(this.keyOf('leases', lease))) {
          return send(409, { ...this.statusObject(409, `leases.coordination.k8s.io "${String(lease.metadata['name'])}" already exists`), reason: 'AlreadyExists' });
        }
        return send(201, this.withKind('leases', this.put('leases', { ...lease, metadata: { ...lease.metadata } })));
      }
      return fail(405, 'method not allowed');
    }

    const key = info.namespaced ? `${route.namespace}/${route.name}` : route.name;
    const current = this.objects.get(route.kind)!.get(key);
    const notFound = (): void => fail(404, `${route.kind} "${route.name}" not found`);
    if (method === 'GET') return current ? send(200, this.withKind(route.kind, current)) : notFound();
    if (method === 'PUT' && route.kind === 'leases') {
      if (!current) return notFound();
      const lease = body as Obj;
      const bad = this.invalidLease(lease);
      if (bad) return fail(400, bad);
      const sentRv = lease.metadata?.['resourceVersion'];
      if (sentRv !== undefined && sentRv !== current.metadata['resourceVersion']) {
        return fail(409, `Operation cannot be fulfilled on leases.coordination.k8s.io "${route.name}": the object has been modified; please apply your changes to the latest version and try again`);
      }
      return send(200, this.withKind('leases', this.put('leases', { ...lease, metadata: { ...lease.metadata, name: route.name, namespace: route.namespace } })));
    }
    if (method === 'PATCH' && route.kind === 'dpi' && route.subresource === 'status') {
      if (contentType !== 'application/apply-patch+yaml') return fail(415, `the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml (got ${contentType})`);
      if (!current) return notFound();
      const manager = query['fieldManager'];
      if (!manager) return fail(400, 'PATCH is invalid: metadata.managedFields.fieldManager: Required value: is required for apply patch');
      const applied = body as Obj | undefined;
      if (!applied || applied['apiVersion'] !== info.apiVersion || applied['kind'] !== info.kind) {
        return fail(400, `apply patch needs apiVersion ${info.apiVersion} and kind ${info.kind}`);
      }
      if (applied.metadata?.['name'] !== route.name) return fail(400, 'metadata.name in the body does not match the URL');
      const result = this.applyStatus(key, current, applied, manager, query['force'] === 'true');
      if (typeof result === 'string') return fail(409, result);
      return send(200, this.withKind('dpi', result));
    }
    return fail(405, 'method not allowed');
  }

  private route(path: string): { kind: DoubleKind; namespace: string | undefined; name: string | undefined; subresource: string | undefined } | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') rest = parts.slice(2);
    else if (parts[0] === 'apis' && parts.length >= 3) {
      const gv = `${parts[1]}/${parts[2]}`;
      if (gv !== 'coordination.k8s.io/v1' && gv !== `${this.dpiGroup}/${this.dpiVersion}`) return undefined;
      rest = parts.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const plural = rest[0];
    const kind: DoubleKind | undefined =
      plural === 'pods' ? 'pods' : plural === 'namespaces' ? 'namespaces' : plural === 'nodes' ? 'nodes'
        : plural === 'leases' && path.startsWith('/apis/coordination.k8s.io/') ? 'leases'
          : plural === 'deeppacketinspections' && path.startsWith(`/apis/${this.dpiGroup}/`) ? 'dpi' : undefined;
    if (!kind) return undefined;
    return { kind, namespace, name: rest[1], subresource: rest[2] };
  }

  private startWatch(kind: DoubleKind, namespace: string | undefined, query: Record<string, string>, req: IncomingMessage, res: ServerResponse): number {
    const filter = this.filterFor(namespace, query['fieldSelector'], query['labelSelector']);
    const from = query['resourceVersion'] ?? '';
    const fromRv = from === '' || from === '0' ? undefined : Number(from);
    if (fromRv !== undefined && fromRv < this.compactedRv - 1 && this.tooOld === 'http') {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify(this.statusObject(410, `too old resource version: ${from} (${this.compactedRv})`)));
      return 410;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const watch: OpenWatch = { kind, res, socket: req.socket, filter, bookmarks: query['allowWatchBookmarks'] === 'true', timer: undefined };
    if (fromRv !== undefined && fromRv < this.compactedRv - 1) {
      this.writeEvent(watch, { type: 'ERROR', object: this.statusObject(410, `too old resource version: ${from} (${this.compactedRv})`) });
      res.end();
      return 200;
    }
    this.watches.add(watch);
    res.on('close', () => {
      this.watches.delete(watch);
      if (watch.timer) clearTimeout(watch.timer);
    });
    if (fromRv === undefined) {
      for (const o of this.objects.get(kind)!.values()) if (filter(o)) this.writeEvent(watch, { type: 'ADDED', object: this.withKind(kind, o) });
    } else {
      for (const e of this.history.get(kind)!) if (e.rv > fromRv) this.deliver(watch, e);
    }
    const timeout = Number(query['timeoutSeconds'] ?? '0');
    if (timeout > 0) watch.timer = setTimeout(() => this.closeWatch(watch, true), timeout * 1000);
    return 200;
  }

  private deliver(w: OpenWatch, e: HistoryEvent): void {
    const now = e.type !== 'DELETED' && w.filter(e.object);
    const before = e.previous !== undefined && w.filter(e.previous);
    let type: string | undefined;
    if (e.type === 'DELETED') type = before ? 'DELETED' : undefined;
    else if (now && before) type = 'MODIFIED';
    else if (now) type = 'ADDED';
    else if (before) type = 'DELETED';
    if (type) this.writeEvent(w, { type, object: this.withKind(w.kind, e.object) });
  }

  private writeEvent(w: OpenWatch, event: { type: string; object: unknown }): void {
    if (!w.res.writableEnded) w.res.write(JSON.stringify(event) + '\n');
  }

  private closeWatch(w: OpenWatch, graceful: boolean): void {
    this.watches.delete(w);
    if (w.timer) clearTimeout(w.timer);
    if (graceful) w.res.end();
    else w.socket.destroy();
  }

  private store(kind: DoubleKind, key: string, obj: Obj, previous: Obj | undefined): void {
    obj.metadata['resourceVersion'] = String(++this.rv);
    this.objects.get(kind)!.set(key, obj);
    this.record(kind, { rv: this.rv, type: previous ? 'MODIFIED' : 'ADDED', object: structuredClone(obj), previous });
  }

  private record(kind: DoubleKind, e: HistoryEvent): void {
    this.history.get(kind)!.push(e);
    if (this.suspended.has(kind)) return;
    for (const w of this.watches) if (w.kind === kind) this.deliver(w, e);
  }

  private applyStatus(key: string, current: Obj, applied: Obj, manager: string, force: boolean): Obj | string {
    const appliedStatus = (applied['status'] ?? {}) as Record<string, unknown>;
    const appliedNodes = Array.isArray(appliedStatus['nodes']) ? (appliedStatus['nodes'] as Array<Record<string, unknown>>) : [];
    const status = { ...((current['status'] ?? {}) as Record<string, unknown>) };
    const live = Array.isArray(status['nodes']) ? [...(status['nodes'] as Array<Record<string, unknown>>)] : [];
    const owners = this.owners.get(key) ?? new Map<string, Set<string>>();
    const appliedKeys = new Set<string>();
    for (const entry of appliedNodes) {
      const node = entry['node'];
      if (typeof node !== 'string') return `status.nodes: every entry needs the key field "node"`;
      if (appliedKeys.has(node)) return `status.nodes: duplicate entries for key node="${node}"`;
      appliedKeys.add(node);
      const existing = live.find((e) => e['node'] === node);
      const others = [...(owners.get(node) ?? [])].filter((m) => m !== manager);
      if (existing && others.length > 0 && JSON.stringify(existing) !== JSON.stringify(entry) && !force) {
        return `Apply failed with 1 conflict: conflict with "${others[0]}" using ${this.dpiGroup}/${this.dpiVersion}: .status.nodes[node="${node}"]`;
      }
    }
    for (const entry of appliedNodes) {
      const node = entry['node'] as string;
      const i = live.findIndex((e) => e['node'] === node);
      const existing = i >= 0 ? live[i] : undefined;
      const set = owners.get(node) ?? new Set<string>();
      if (existing && JSON.stringify(existing) !== JSON.stringify(entry)) set.clear();
      set.add(manager);
      owners.set(node, set);
      if (i >= 0) live[i] = structuredClone(entry);
      else live.push(structuredClone(entry));
    }
    for (const [node, set] of [...owners]) {
      if (appliedKeys.has(node) || !set.has(manager)) continue;
      set.delete(manager);
      if (set.size === 0) {
        owners.delete(node);
        const i = live.findIndex((e) => e['node'] === node);
        if (i >= 0) live.splice(i, 1);
      }
    }
    this.owners.set(key, owners);
    status['nodes'] = live;
    const next = structuredClone(current);
    next['status'] = status;
    if (JSON.stringify(next['status']) === JSON.stringify(current['status'])) return structuredClone(current);
    this.store('dpi', key, next, current);
    return structuredClone(next);
  }

  private invalidLease(lease: Obj): string | undefined {
    const spec = (lease['spec'] ?? {}) as Record<string, unknown>;
    for (const field of ['acquireTime', 'renewTime']) {
      const v = spec[field];
      if (v !== undefined && v !== null && (typeof v !== 'string' || !MICRO_TIME.test(v))) {
        return `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00"`;
      }
    }
    return undefined;
  }

  private filterFor(namespace: string | undefined, fieldSelector: string | undefined, labelSelector: string | undefined): (o: Obj) => boolean {
    const terms = (fieldSelector ?? '').split(',').filter((t) => t.trim() !== '').map((t) => {
      const m = /^\s*([\w.]+)\s*(==|!=|=)\s*(.*?)\s*$/.exec(t);
      if (!m) throw new Error(`unsupported field selector ${t}`);
      return { path: m[1]!.split('.'), negate: m[2] === '!=', value: m[3]! };
    });
    const labels = (labelSelector ?? '').split(',').filter((t) => t.trim() !== '').map((t) => t.split('=').map((s) => s.trim()) as [string, string]);
    return (o) => {
      if (namespace !== undefined && o.metadata['namespace'] !== namespace) return false;
      for (const term of terms) {
        let v: unknown = o;
        for (const p of term.path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
        const s = v === undefined || v === null ? '' : String(v);
        if ((s === term.value) === term.negate) return false;
      }
      const have = (o.metadata['labels'] ?? {}) as Record<string, string>;
      return labels.every(([k, v]) => have[k] === v);
    };
  }

  private keyOf(kind: DoubleKind, o: Obj): string {
    const name = String(o.metadata['name']);
    return this.kinds[kind].namespaced ? `${String(o.metadata['namespace'] ?? 'default')}/${name}` : name;
  }

  private withKind(kind: DoubleKind, o: Obj): Obj {
    const info = this.kinds[kind];
    return { ...structuredClone(o), apiVersion: info.apiVersion, kind: info.kind };
  }

  private forList(kind: DoubleKind, o: Obj): Obj {
    if (!this.kinds[kind].builtIn) return this.withKind(kind, o);
    const copy = structuredClone(o);
    delete copy['apiVersion'];
    delete copy['kind'];
    return copy;
  }

  private statusObject(code: number, message: string): Record<string, unknown> {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: STATUS_REASONS[code] ?? 'Unknown', code };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Handy object builders in the API server's JSON shape. */
export function podObject(namespace: string, name: string, nodeName: string, extra: { labels?: Record<string, string>; ip?: string } = {}): Record<string, unknown> {
  return {
    metadata: { name, namespace, labels: extra.labels ?? {} },
    spec: { nodeName, serviceAccountName: 'default', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running', podIP: extra.ip ?? '10.0.0.1', podIPs: [{ ip: extra.ip ?? '10.0.0.1' }] },
  };
}

export function dpiObject(namespace: string, name: string, selector: string): Record<string, unknown> {
  return { metadata: { name, namespace, generation: 1 }, spec: { selector } };
}

/** Polls until `check` returns true (or a value), failing with `what` after timeoutMs. For tests. */
export async function eventually<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
