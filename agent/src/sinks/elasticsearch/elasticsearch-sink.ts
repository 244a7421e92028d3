// http(s)://host:9200[/<index>] — Elasticsearch through the official client's `client.bulk`.
// Consumes SinkRecords; emits _bulk requests of `create` actions with the record's deterministic _id.
// Guarantees: a write resolves only when every record is stored, already stored (409), durably spooled, or
// permanently refused (counted by reason). Batching by count, bytes and time (util/batcher), per-request and
// per-item retry by the pure tables in classify.ts, exponential backoff with jitter (util/backoff). While
// Elasticsearch fails, records that failed `spoolAfterAttempts` times go to the bounded on-disk spool
// (util/spool) and a drainer delivers them later; when the spool is full the records stay in memory and
// are retried in place, which stops the tailer reading (backpressure) — the alert files hold the rest.
import { promisify } from 'node:util';
import { unzip as unzipCallback } from 'node:zlib';
import type { ClientOptions } from '@elastic/elasticsearch';
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';
import type { Sink, SinkRecord, SinkWriteResult } from '../sink.js';
import { emptyWriteResult } from '../sink.js';
import type { SinkEvents } from '../events.js';
import { Batcher } from '../util/batcher.js';
import { backoffDelay } from '../util/backoff.js';
import type { BackoffOptions } from '../util/backoff.js';
import type { Spool } from '../util/spool.js';
import { classifyBulkItem, classifyBulkRequest, everyItemCreated } from './classify.js';
import type { BulkItemResult } from './classify.js';
import { ecsIndexTemplate } from './index-template.js';
import { concatItems, ItemSlabs } from './item-slabs.js';
import type { EncodedItem, Slab } from './item-slabs.js';

/** What the sink needs from the client: declared here so tests can pass the real client or a stub. */
export interface BulkClient {
  bulk(
    params: { operations: unknown; filter_path?: string },
    options: { signal?: AbortSignal; asStream: true; meta: true },
  ): Promise<{ statusCode?: number | null; headers?: Record<string, unknown> | null; body: unknown }>;
  indices: { putIndexTemplate(params: { name: string } & Record<string, unknown>): Promise<unknown> };
  close(): Promise<void>;
}

export interface ElasticsearchSinkOptions {
  name: string;
  index: string;
  /** Install the ECS index template at start (not for the Calico format, whose templates Calico owns). */
  installTemplate: boolean;
  client?: BulkClient;
  clientOptions?: ClientOptions;
  events: SinkEvents;
  batch: { maxItems: number; maxBytes: number; maxDelayMs: number };
  /** Bulk requests in flight at once. */
  concurrency: number;
  spool: Spool | undefined;
  spoolAfterAttempts: number;
  backoff: BackoffOptions;
  clock?: Clock;
  random?: () => number;
}

interface Owner {
  remaining: number;
  result: SinkWriteResult;
  resolve(result: SinkWriteResult): void;
}

/** One document to create: its action and document lines as bytes (item-slabs.ts), and whose write it is. */
interface Item {
  /** '{"create":{…,"_id":…}}\n' + document + '\n'. */
  data: Buffer;
  /** Where the bytes live; undefined for items read back from the spool. */
  slab: Slab | undefined;
  owner: Owner | undefined;
}

type Settlement = 'stored' | 'alreadyStored' | 'spooled' | 'dropped';

// The response carries only what classification needs (classify.ts relies on this shape).
const FILTER_PATH = 'errors,items.*.status,items.*.error.type,items.*.error.reason';
const TEMPLATE_RETRY_MS = 30_000;
const unzip = promisify(unzipCallback);

export class ElasticsearchSink implements Sink {
  readonly kind = 'elasticsearch';
  readonly name: string;
  /** Loaded on first use (see bulkClient). */
  private client: BulkClient | undefined;
  private clientLoading: Promise<BulkClient> | undefined;
  private readonly batcher: Batcher<Item>;
  private readonly queue: Item[][] = [];
  private inFlight = 0;
  private pendingItems = 0;
  private stopped = false;
  private readonly stopSignal = new AbortController();
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly slabs: ItemSlabs;
  private templateState: 'none' | 'installed' | 'skip' = 'none';
  private templateNextTry = 0;
  private drainer: Promise<void> | undefined;
  private wakeDrainer: (() => void) | undefined;

  constructor(private readonly options: ElasticsearchSinkOptions) {
    this.name = options.name;
    this.client = options.client;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.batcher = new Batcher<Item>({ ...options.batch, clock: this.clock }, (items) => this.enqueue(items));
    this.slabs = new ItemSlabs('{"create":{"_index":' + JSON.stringify(options.index) + ',"_id":"');
    if (!options.installTemplate) this.templateState = 'skip';
  }

  async start(): Promise<void> {
    // Load and construct the client now, so that options it refuses fail the start, as they did in the constructor.
    await this.bulkClient();
    if (this.options.spool) {
      await this.options.spool.open();
      this.options.events.spoolBytes(this.kind, this.options.spool.bytes);
      this.drainer = this.drainLoop();
    }
    await this.ensureTemplate();
  }

  write(records: readonly SinkRecord[]): Promise<SinkWriteResult> {
    if (records.length === 0) return Promise.resolve(emptyWriteResult());
    return new Promise((resolve) => {
      const owner: Owner = { remaining: records.length, result: emptyWriteResult(), resolve };
      this.pendingItems += records.length;
      for (const r of records) {
        let encoded = this.slabs.item(r.id, r.json);
        if (encoded === undefined) {
          // The slab is full: end the batch here, so every batch is one contiguous range of one slab.
          this.batcher.flush();
          this.slabs.moveOn();
          encoded = this.slabs.item(r.id, r.json) as EncodedItem;
        }
        this.batcher.add({ data: encoded.data, slab: encoded.slab, owner }, encoded.data.length);
      }
    });
  }

  async drain(signal?: AbortSignal): Promise<void> {
    this.batcher.flush();
    while (!signal?.aborted && !this.stopped) {
      const spooled = this.options.spool?.count ?? 0;
      if (this.pendingItems === 0 && this.inFlight === 0 && this.queue.length === 0 && spooled === 0) return;
      await this.clock.sleep(20, signal);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopSignal.abort();
    this.wakeDrainer?.();
    await this.drainer;
    await this.clientLoading?.catch(() => undefined);
    await this.client?.close().catch(() => undefined);
  }

  /**
   * The official client, imported on first use: importing @elastic/elasticsearch costs ~0.5 CPU-seconds and
   * ~30 MB of RSS (its ES|QL helpers load apache-arrow), which `plan`, `selector`, `--help` and an agent or
   * ingest with only file sinks never need.
   */
  private bulkClient(): Promise<BulkClient> {
    if (this.client) return Promise.resolve(this.client);
    this.clientLoading ??= import('@elastic/elasticsearch').then(({ Client }) => {
      this.client = new Client(this.options.clientOptions ?? {}) as unknown as BulkClient;
      return this.client;
    });
    return this.clientLoading;
  }

  private enqueue(items: Item[]): void {
    this.queue.push(items);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0 && !this.stopped) {
      const items = this.queue.shift() as Item[];
      this.inFlight++;
      void this.deliver(items).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** Until every item is settled (or the sink stops): send, classify, back off, spool. */
  private async deliver(items: Item[]): Promise<void> {
    let pending = items;
    let attempt = 0;
    while (pending.length > 0 && !this.stopped) {
      const spool = this.options.spool;
      if (spool && (attempt >= this.options.spoolAfterAttempts || spool.count > 0)) {
        if (await this.trySpool(pending)) return;
      }
      const { retry, reason } = await this.send(pending);
      if (retry.length === 0) return;
      this.options.events.alertsRetried(this.kind, reason, retry.length);
      pending = retry;
      await this.clock.sleep(backoffDelay(attempt++, this.options.backoff, this.random), this.stopSignal.signal);
    }
  }

  private async trySpool(items: Item[]): Promise<boolean> {
    const spool = this.options.spool as Spool;
    const body = this.body(items);
    let ok: boolean;
    try {
      ok = await spool.append(body);
    } catch (err) {
      this.options.events.requestFailed(this.kind, 'spool_write', err);
      return false;
    }
    this.options.events.spoolBytes(this.kind, spool.bytes);
    if (!ok) {
      this.options.events.spoolFull(this.kind, spool.bytes);
      return false;
    }
    this.options.events.alertsSpooled(this.kind, items.length);
    for (const item of items) this.settle(item, 'spooled');
    this.wakeDrainer?.();
    return true;
  }

  /** The NDJSON request body (also what a spool segment holds): a view of the slab for a whole batch. */
  private body(items: readonly Item[]): Buffer {
    return concatItems(items);
  }

  /** One _bulk request; returns the items to try again. */
  private async send(items: Item[]): Promise<{ retry: Item[]; reason: string }> {
    await this.ensureTemplate();
    let status: number | undefined;
    let text = '';
    let failure: unknown;
    try {
      ({ status, text } = await this.post(this.body(items)));
    } catch (err) {
      failure = err;
      status = statusOf(err);
      // A 2xx that still failed (the client's product check): there is no usable answer.
      if (status !== undefined && status < 300) status = undefined;
    }
    const verdict = classifyBulkRequest(status);
    if (verdict.action !== 'items') {
      if (verdict.action === 'split' && items.length > 1) {
        const half = Math.ceil(items.length / 2);
        const a = await this.send(items.slice(0, half));
        const b = await this.send(items.slice(half));
        return { retry: [...a.retry, ...b.retry], reason: a.reason !== 'ok' ? a.reason : b.reason };
      }
      if (verdict.action === 'drop' || verdict.action === 'split') {
        for (const item of items) this.settle(item, 'dropped', verdict.reason);
        this.options.events.alertsDropped(this.kind, verdict.reason, items.length);
        return { retry: [], reason: verdict.reason };
      }
      if (!this.stopped) this.options.events.requestFailed(this.kind, verdict.reason, failure ?? httpError(status, text));
      return { retry: items, reason: verdict.reason };
    }

    // The common answer, every item created, is settled without parsing 2,000 item objects.
    if (everyItemCreated(text, items.length)) {
      for (const item of items) this.settle(item, 'stored');
      this.options.events.alertsShipped(this.kind, items.length);
      return { retry: [], reason: 'ok' };
    }
    let response: { errors?: boolean; items?: Array<Record<string, BulkItemResult>> };
    try {
      response = JSON.parse(text) as typeof response;
    } catch (err) {
      // Not Elasticsearch's answer (a proxy's error page?): nothing is known about the items.
      if (!this.stopped) this.options.events.requestFailed(this.kind, 'bad_response', err);
      return { retry: items, reason: 'bad_response' };
    }
    const results = response.items ?? [];
    let stored = 0;
    let already = 0;
    const retry: Item[] = [];
    let retryReason = 'ok';
    const drops = new Map<string, number>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Item;
      const entry = results[i];
      const result = entry === undefined ? undefined : (entry['create'] ?? Object.values(entry)[0]);
      if (result === undefined) {
        // A response shorter than the request: not an answer for these items.
        retry.push(item);
        retryReason = 'item_missing';
        continue;
      }
      const verdict = classifyBulkItem(result);
      switch (verdict.action) {
        case 'stored':
          stored++;
          this.settle(item, 'stored');
          break;
        case 'already_stored':
          already++;
          this.settle(item, 'alreadyStored');
          break;
        case 'retry':
          retry.push(item);
          retryReason = verdict.reason;
          break;
        case 'drop':
          drops.set(verdict.reason, (drops.get(verdict.reason) ?? 0) + 1);
          this.settle(item, 'dropped', verdict.reason);
          break;
      }
    }
    if (stored > 0) this.options.events.alertsShipped(this.kind, stored);
    if (already > 0) this.options.events.alertsAlreadyStored(this.kind, already);
    for (const [reason, n] of drops) this.options.events.alertsDropped(this.kind, reason, n);
    return { retry, reason: retryReason };
  }

  /**
   * POSTs one body and reads the answer itself (asStream): the client would otherwise parse every response,
   * and its transport would retry 502-504 on its own, out of sight of our backoff and metrics. Throws only
   * when no answer came (the status is then undefined).
   */
  private async post(body: Buffer): Promise<{ status: number; text: string }> {
    const client = this.client ?? (await this.bulkClient());
    const res = await client.bulk({ operations: body, filter_path: FILTER_PATH }, { signal: this.stopSignal.signal, asStream: true, meta: true });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body as AsyncIterable<Buffer>) chunks.push(chunk);
    let raw = Buffer.concat(chunks);
    const encoding = String(res.headers?.['content-encoding'] ?? '').toLowerCase();
    if (encoding.includes('gzip') || encoding.includes('deflate')) raw = await unzip(raw);
    return { status: res.statusCode ?? 0, text: raw.toString('utf8') };
  }

  private settle(item: Item, how: Settlement, reason?: string): void {
    const owner = item.owner;
    if (!owner) return;
    item.owner = undefined;
    item.slab?.release();
    this.pendingItems--;
    if (how === 'dropped') owner.result.dropped[reason ?? 'rejected'] = (owner.result.dropped[reason ?? 'rejected'] ?? 0) + 1;
    else owner.result[how]++;
    if (--owner.remaining === 0) owner.resolve(owner.result);
  }

  /** Delivers spooled segments oldest first; a segment is removed only once every item in it is settled. */
  private async drainLoop(): Promise<void> {
    const spool = this.options.spool as Spool;
    let attempt = 0;
    while (!this.stopped) {
      const segment = spool.oldest();
      if (!segment) {
        await new Promise<void>((resolve) => {
          this.wakeDrainer = resolve;
          void this.clock.sleep(1000, this.stopSignal.signal).then(resolve);
        });
        this.wakeDrainer = undefined;
        continue;
      }
      try {
        const body = await spool.read(segment);
        const items = splitBulkBody(body);
        const { retry, reason } = await this.send(items);
        if (retry.length === 0) {
          await spool.remove(segment);
          attempt = 0;
          if (spool.hasRoom(0)) this.options.events.spoolRecovered(this.kind);
        } else {
          if (retry.length < items.length) await spool.replace(segment, this.body(retry));
          this.options.events.alertsRetried(this.kind, reason, retry.length);
          await this.clock.sleep(backoffDelay(attempt++, this.options.backoff, this.random), this.stopSignal.signal);
        }
        this.options.events.spoolBytes(this.kind, spool.bytes);
      } catch (err) {
        // The drainer never dies of its own error: record, back off, continue.
        this.options.events.requestFailed(this.kind, 'spool_read', err);
        await this.clock.sleep(backoffDelay(attempt++, this.options.backoff, this.random), this.stopSignal.signal);
      }
    }
  }

  private async ensureTemplate(): Promise<void> {
    if (this.templateState !== 'none' || this.clock.now() < this.templateNextTry) return;
    const template = ecsIndexTemplate(this.options.index);
    try {
      const client = this.client ?? (await this.bulkClient());
      await client.indices.putIndexTemplate({ name: template.name, ...template.body });
      this.templateState = 'installed';
      this.options.events.templateInstalled(this.kind, template.name);
    } catch (err) {
      this.templateNextTry = this.clock.now() + TEMPLATE_RETRY_MS;
      this.options.events.templateFailed(this.kind, err);
    }
  }
}

function httpError(status: number | undefined, text: string): Error {
  return new Error(`Elasticsearch answered HTTP ${String(status)}: ${text.slice(0, 300)}`);
}

/** The HTTP status of a client error, undefined for transport errors (no response). */
function statusOf(err: unknown): number | undefined {
  const meta = (err as { meta?: { statusCode?: unknown } } | undefined)?.meta;
  return typeof meta?.statusCode === 'number' && meta.statusCode > 0 ? meta.statusCode : undefined;
}

/** A spooled _bulk body back into items (pairs of action + document lines). */
export function splitBulkBody(body: Buffer): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < body.length) {
    const a = body.indexOf(10, i);
    if (a === -1) break;
    const b = body.indexOf(10, a + 1);
    if (b === -1) break;
    items.push({ data: body.subarray(i, b + 1), slab: undefined, owner: undefined });
    i = b + 1;
  }
  return items;
}
