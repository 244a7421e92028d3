// TEST DOUBLE of Elasticsearch's HTTP API, just the parts kube-dpi uses, speaking the real wire format:
// - every response carries `x-elastic-product: Elasticsearch` (the official client refuses a 2xx without it)
//   and, when the request asked for `compatible-with=8`, the vendored content type back;
// - `GET /` cluster info; `PUT /_index_template/<name>` (acknowledged, recorded);
// - `POST /_bulk` and `POST /<index>/_bulk` with NDJSON action/document pairs: `create` of an existing _id in
//   the index answers that item 409 version_conflict_engine_exception (real ES semantics), `index` overwrites;
//   the response is {took, errors, items:[{create:{_index,_id,_version,result,status}}]}.
// Double-only, read-only (not an Elasticsearch API): `GET /_kube_dpi_double/count` answers
//   {count, conflicts, createAttempts, indices: {<index>: ids}} so a benchmark can poll, over HTTP, how many
//   distinct documents a shipper that is not kube-dpi (rsyslog...) has stored.
// Faults for tests: down() closes the listener (connection refused) and up() reopens it on the same port with
// the data kept; failRequests(n, status) answers whole requests with 429/503...; itemStatus() overrides
// statuses per item; delayMs slows every response. With `tls` it serves HTTPS with that key and certificate, as
// a cluster with security on does (the test makes its own CA: agent/test/support/test-certificates.ts).
// Run directly (after compiling to JS) it serves on --port and prints `listening <port>`; it then keeps ids
// only, for benchmarks.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface StoredDoc {
  index: string;
  id: string;
  source: Record<string, unknown>;
}

export interface BulkDoubleOptions {
  /** Keep the documents (tests; the default) or only their ids (benchmarks). */
  keepSources?: boolean;
  /** Serve HTTPS with this PEM key and certificate chain. */
  tls?: { key: string; cert: string };
}

type ItemHook = (action: { op: string; index: string; id: string | undefined }, doc: string) => { status: number; type?: string } | undefined;

export class ElasticsearchBulkDouble {
  readonly indices = new Map<string, Map<string, StoredDoc | true>>();
  readonly templates = new Map<string, unknown>();
  /** Every bulk request seen: item count and status. */
  readonly requests: Array<{ items: number; status: number; path: string; headers: IncomingMessage['headers'] }> = [];
  delayMs = 0;
  createAttempts = 0;
  conflicts = 0;
  private failures: number[] = [];
  private itemHook: ItemHook | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Duplex>();
  port = 0;

  constructor(private readonly options: BulkDoubleOptions = {}) {}

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  async up(port = this.port): Promise<void> {
    // A client that dies mid-request (a SIGKILLed agent, or down() destroying the sockets) makes reading the body
    // fail with "aborted": Elasticsearch just drops such a request, and so does the double.
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.handle(req, res).catch(() => res.destroy());
    const server = this.options.tls ? createTlsServer(this.options.tls, handler) : createServer(handler);
    // 'connection' is the TCP socket for HTTP and HTTPS alike: down() must refuse TLS clients too.
    server.on('connection', (s: Duplex) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Connection refused from now on; stored data is kept. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `n` bulk requests answer `status` as a whole (429, 503...). */
  failRequests(n: number, status: number): void {
    for (let i = 0; i < n; i++) this.failures.push(status);
  }

  itemStatus(hook: ItemHook | undefined): void {
    this.itemHook = hook;
  }

  docs(index: string): StoredDoc[] {
    return [...(this.indices.get(index)?.values() ?? [])].filter((d): d is StoredDoc => d !== true);
  }

  count(index?: string): number {
    if (index !== undefined) return this.indices.get(index)?.size ?? 0;
    let n = 0;
    for (const m of this.indices.values()) n += m.size;
    return n;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const compat = /compatible-with=(\d+)/.exec(String(req.headers['accept'] ?? ''));
    const filter = url.searchParams.get('filter_path');
    const send = (status: number, payload: unknown): void => {
      const text = JSON.stringify(filter === null ? payload : (filterPath(payload, compileFilterPath(filter)) ?? {}));
      res.writeHead(status, {
        'x-elastic-product': 'Elasticsearch',
        'content-type': compat ? `application/vnd.elasticsearch+json;compatible-with=${compat[1]}` : 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (req.method === 'GET' && path === '/') {
      return send(200, { name: 'double', cluster_name: 'double', version: { number: '8.19.0' }, tagline: 'You Know, for Search' });
    }
    if (req.method === 'GET' && path === '/_kube_dpi_double/count') {
      const indices = Object.fromEntries([...this.indices].map(([name, ids]) => [name, ids.size]));
      return send(200, { count: this.count(), conflicts: this.conflicts, createAttempts: this.createAttempts, indices });
    }
    const template = /^\/_index_template\/([^/]+)$/.exec(path);
    if (template && req.method === 'PUT') {
      this.templates.set(decodeURIComponent(template[1] as string), JSON.parse(body || '{}'));
      return send(200, { acknowledged: true });
    }
    const bulk = /^\/(?:([^/_][^/]*)\/)?_bulk$/.exec(path);
    if (bulk && (req.method === 'POST' || req.method === 'PUT')) {
      const failure = this.failures.shift();
      if (failure !== undefined) {
        this.requests.push({ items: 0, status: failure, path, headers: req.headers });
        return send(failure, { error: { type: failure === 429 ? 'es_rejected_execution_exception' : 'unavailable_shards_exception', reason: 'injected' }, status: failure });
      }
      return this.bulk(bulk[1] === undefined ? undefined : decodeURIComponent(bulk[1]), body, path, req, send);
    }
    return send(404, { error: { type: 'illegal_argument_exception', reason: `no handler for ${req.method} ${path}` }, status: 404 });
  }

  private bulk(defaultIndex: string | undefined, body: string, path: string, req: IncomingMessage, send: (status: number, payload: unknown) => void): void {
    const started = Date.now();
    const lines = body.split('\n');
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i++) {
      const actionLine = lines[i] as string;
      if (actionLine === '') continue;
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(actionLine) as typeof action;
      } catch {
        return send(400, { error: { type: 'x_content_parse_exception', reason: `malformed action/metadata line [${i + 1}]` }, status: 400 });
      }
      const op = Object.keys(action)[0] as string;
      const meta = action[op] ?? {};
      const doc = lines[++i] ?? '';
      const index = meta._index ?? defaultIndex;
      const id = meta._id;
      if (index === undefined) return send(400, { error: { type: 'action_request_validation_exception', reason: 'index is missing' }, status: 400 });
      const hooked = this.itemHook?.({ op, index, id }, doc);
      if (hooked && hooked.status !== 201 && hooked.status !== 200) {
        errors = true;
        items.push({ [op]: { _index: index, _id: id, status: hooked.status, error: { type: hooked.type ?? (hooked.status === 429 ? 'es_rejected_execution_exception' : 'mapper_parsing_exception'), reason: 'injected' } } });
        continue;
      }
      let source: Record<string, unknown>;
      try {
        source = this.options.keepSources !== false ? (JSON.parse(doc) as Record<string, unknown>) : {};
      } catch {
        errors = true;
        items.push({ [op]: { _index: index, _id: id, status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse' } } });
        continue;
      }
      let store = this.indices.get(index);
      if (!store) this.indices.set(index, (store = new Map()));
      const docId = id ?? `auto-${store.size}-${Math.random().toString(36).slice(2)}`;
      if (op === 'create') this.createAttempts++;
      if (op === 'create' && store.has(docId)) {
        errors = true;
        this.conflicts++;
        items.push({
          create: {
            _index: index,
            _id: docId,
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: `[${docId}]: version conflict, document already exists (current version [1])`, index },
          },
        });
        continue;
      }
      store.set(docId, this.options.keepSources !== false ? { index, id: docId, source } : true);
      items.push({ [op]: { _index: index, _id: docId, _version: 1, result: 'created', status: 201, _seq_no: store.size - 1, _primary_term: 1 } });
    }
    this.requests.push({ items: items.length, status: 200, path, headers: req.headers });
    send(200, { took: Date.now() - started, errors, items });
  }
}

/** A compiled filter_path: `true` keeps the whole value; otherwise the keys (or '*') to descend into. */
type FilterTree = true | Map<string, FilterTree>;

export function compileFilterPath(filter: string): FilterTree {
  const root = new Map<string, FilterTree>();
  for (const path of filter.split(',')) {
    let node: Map<string, FilterTree> = root;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      if (i === parts.length - 1) return void node.set(part, true);
      let next = node.get(part);
      if (next === true) return;
      if (next === undefined) node.set(part, (next = new Map()));
      node = next;
    });
  }
  return root;
}

/**
 * Elasticsearch's response filtering (`filter_path=errors,items.*.status`): keeps only the matching paths, `*`
 * matches any one key, arrays apply the filter to each element, objects left empty are removed.
 */
export function filterPath(value: unknown, tree: FilterTree): unknown {
  if (tree === true) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      const kept = filterPath(v, tree);
      if (kept !== undefined) out.push(kept);
    }
    return out;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, unknown> = {};
  let any = false;
  const star = tree.get('*');
  for (const key in value) {
    const sub = tree.get(key) ?? star;
    if (sub === undefined) continue;
    const kept = filterPath((value as Record<string, unknown>)[key], sub);
    if (kept === undefined) continue;
    out[key] = kept;
    any = true;
  }
  return any ? out : undefined;
}

// Standalone: `node elasticsearch-bulk-double.js --port 9200` (benchmarks run it in its own process).
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === new URL(`file://${entry}`).href) {
  const i = process.argv.indexOf('--port');
  const port = i === -1 ? 0 : Number(process.argv[i + 1]);
  const double = new ElasticsearchBulkDouble({ keepSources: false });
  await double.up(port);
  process.stdout.write(`listening ${double.port}\n`);
  process.on('message', (m) => {
    if (m === 'count') process.send?.({ count: double.count(), conflicts: double.conflicts });
  });
}
