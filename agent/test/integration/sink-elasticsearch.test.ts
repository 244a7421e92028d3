// The Elasticsearch sink with the real official client against the _bulk wire double: 409 on replays, whole-
// request 429/503, per-item failures, connection refused with the spool, slow responses, the index template,
// credentials, and HTTPS with a private CA (verification on by default).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createSilentLogger } from '../../src/platform/logger.js';
import { createSinkEvents } from '../../src/sinks/events.js';
import { ElasticsearchSink } from '../../src/sinks/elasticsearch/elasticsearch-sink.js';
import { elasticsearchTarget } from '../../src/sinks/elasticsearch/client-options.js';
import { Spool } from '../../src/sinks/util/spool.js';
import type { SinkRecord } from '../../src/sinks/sink.js';
import { redactUri } from '../../src/sinks/util/redact-uri.js';
import { ElasticsearchBulkDouble } from '../doubles/elasticsearch-bulk-double.js';
import { describeIf, opensslCapability } from '../support/capabilities.js';
import { makeTestCertificates } from '../support/test-certificates.js';
import type { TestCertificates } from '../support/test-certificates.js';

const INDEX = 'kube-dpi-alerts';
let dir: string;
let es: ElasticsearchBulkDouble;
let registry: Registry;

function records(from: number, n: number): SinkRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const doc = { '@timestamp': '2026-12-04T15:21:59.728356Z', seq: from + i };
    return { id: `k-${(from + i).toString(36)}`, json: JSON.stringify(doc) };
  });
}

function sink(options: { spool?: boolean; env?: Record<string, string>; uri?: string; installTemplate?: boolean } = {}): ElasticsearchSink {
  const target = elasticsearchTarget(options.uri ?? es.url, options.env ?? {});
  return new ElasticsearchSink({
    name: target.name,
    index: target.index ?? INDEX,
    installTemplate: options.installTemplate ?? true,
    clientOptions: { ...target.client, requestTimeout: 2000 },
    events: createSinkEvents(createSilentLogger(), registry),
    batch: { maxItems: 50, maxBytes: 1 << 20, maxDelayMs: 5 },
    concurrency: 2,
    spool: options.spool ? new Spool(join(dir, 'spool'), 1 << 20) : undefined,
    spoolAfterAttempts: 2,
    backoff: { baseMs: 5, maxMs: 50 },
  });
}

async function metric(name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === `kube_dpi_${name}`);
  return (m?.values ?? []).reduce((a, v) => a + Number(v.value), 0);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kdpi-es-'));
  es = new ElasticsearchBulkDouble();
  await es.up();
  registry = new Registry();
});

afterEach(async () => {
  await es.down();
  rmSync(dir, { recursive: true, force: true });
});

describe('ElasticsearchSink against the _bulk double', () => {
  it('stores with create and a deterministic _id, installs the template, and a replay is already stored', async () => {
    const s = sink();
    await s.start();
    expect(es.templates.has(`${INDEX}-template`)).toBe(true);
    expect(await s.write(records(0, 120))).toEqual({ stored: 120, alreadyStored: 0, spooled: 0, dropped: {} });
    expect(await s.write(records(100, 40))).toEqual({ stored: 20, alreadyStored: 20, spooled: 0, dropped: {} });
    expect(es.count(INDEX)).toBe(140);
    expect(es.docs(INDEX).find((d) => d.id === 'k-0')?.source).toEqual({ '@timestamp': '2026-12-04T15:21:59.728356Z', seq: 0 });
    // The client speaks compatible-with=8, which ES 8.x and 9.x both accept.
    expect(String(es.requests[0]?.headers['content-type'])).toContain('compatible-with=8');
    await s.stop();
  });

  it('retries whole requests answered 429 and 503', async () => {
    const s = sink();
    await s.start();
    es.failRequests(3, 429);
    es.failRequests(2, 503);
    expect((await s.write(records(0, 30))).stored).toBe(30);
    expect(es.count(INDEX)).toBe(30);
    expect(await metric('sink_request_failures_total')).toBe(5);
    await s.stop();
  });

  it('retries only the items that failed with 429/5xx and drops 4xx items with their reason', async () => {
    const s = sink();
    await s.start();
    const tries = new Map<string, number>();
    es.itemStatus(({ id }) => {
      const n = (tries.get(id as string) ?? 0) + 1;
      tries.set(id as string, n);
      if (id === 'k-3' && n < 3) return { status: 429 };
      if (id === 'k-5' && n < 2) return { status: 503, type: 'unavailable_shards_exception' };
      if (id === 'k-7') return { status: 400, type: 'mapper_parsing_exception' };
      return undefined;
    });
    const result = await s.write(records(0, 10));
    expect(result).toEqual({ stored: 9, alreadyStored: 0, spooled: 0, dropped: { mapper_parsing_exception: 1 } });
    expect(tries.get('k-3')).toBe(3);
    expect(tries.get('k-0')).toBe(1);
    expect(await metric('sink_alerts_dropped_total')).toBe(1);
    await s.stop();
  });

  it('spools while Elasticsearch refuses connections and delivers the spool when it is back', async () => {
    const s = sink({ spool: true });
    await s.start();
    await es.down();
    const result = await s.write(records(0, 80));
    expect(result.spooled).toBe(80);
    expect(await metric('sink_spool_bytes')).toBeGreaterThan(0);
    await es.up();
    await s.drain();
    expect(es.count(INDEX)).toBe(80);
    expect(await metric('sink_spool_bytes')).toBe(0);
    await s.stop();
  });

  it('holds writes in memory when the spool is full (backpressure) and completes them later', async () => {
    const target = elasticsearchTarget(es.url, {});
    const s = new ElasticsearchSink({
      name: target.name, index: INDEX, installTemplate: false, clientOptions: target.client,
      events: createSinkEvents(createSilentLogger(), registry),
      batch: { maxItems: 50, maxBytes: 1 << 20, maxDelayMs: 5 }, concurrency: 1,
      spool: new Spool(join(dir, 'tiny'), 100), spoolAfterAttempts: 1, backoff: { baseMs: 5, maxMs: 20 },
    });
    await s.start();
    await es.down();
    let settled = false;
    const pending = s.write(records(0, 20)).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 200));
    expect(settled).toBe(false);
    expect(await metric('sink_spool_full_total')).toBe(1);
    await es.up();
    expect((await pending).stored).toBe(20);
    await s.stop();
  });

  it('survives slow responses', async () => {
    es.delayMs = 300;
    const s = sink();
    await s.start();
    expect((await s.write(records(0, 10))).stored).toBe(10);
    await s.stop();
  });

  it('sends basic, API key and bearer credentials from the environment and never shows them in its name', async () => {
    const withKey = sink({ env: { KUBE_DPI_ES_API_KEY: 'c2VjcmV0' } });
    await withKey.start();
    await withKey.write(records(0, 1));
    expect(es.requests.at(-1)?.headers['authorization']).toBe('ApiKey c2VjcmV0');
    await withKey.stop();
    const bearer = sink({ env: { KUBE_DPI_ES_BEARER_TOKEN: 'tok' } });
    await bearer.start();
    await bearer.write(records(1, 1));
    expect(es.requests.at(-1)?.headers['authorization']).toBe('Bearer tok');
    await bearer.stop();
    const basic = sink({ uri: `http://elastic:hunter2@127.0.0.1:${es.port}/my-index` });
    expect(basic.name).not.toContain('hunter2');
    await basic.start();
    await basic.write(records(2, 1));
    expect(es.requests.at(-1)?.headers['authorization']).toBe(`Basic ${Buffer.from('elastic:hunter2').toString('base64')}`);
    expect(es.count('my-index')).toBe(1);
    await basic.stop();
    expect(redactUri('https://u:p@h:9200/x')).toBe('https://***@h:9200/x');
  });
});

describeIf(opensslCapability())('ElasticsearchSink over HTTPS with a private CA', () => {
  let certs: TestCertificates;
  let secure: ElasticsearchBulkDouble;

  beforeAll(async () => {
    certs = makeTestCertificates(mkdtempSync(join(tmpdir(), 'kdpi-certs-')));
    secure = new ElasticsearchBulkDouble({ tls: { key: certs.key, cert: certs.cert } });
    await secure.up();
  });
  afterAll(async () => {
    await secure.down();
    rmSync(join(certs.caFile, '..'), { recursive: true, force: true });
  });

  it('verifies the certificate by default: an untrusted one stores nothing and counts transport failures', async () => {
    const s = sink({ uri: secure.url, installTemplate: false });
    await s.start();
    let settled = false;
    void s.write(records(0, 5)).then(() => (settled = true));
    const deadline = Date.now() + 5000;
    while ((await metric('sink_request_failures_total')) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await metric('sink_request_failures_total')).toBeGreaterThanOrEqual(2);
    expect(settled).toBe(false);
    expect(secure.count(INDEX)).toBe(0);
    // Nothing is dropped: the records wait (in the tailer's files, in the agent) until the CA is configured.
    expect(await metric('sink_alerts_dropped_total')).toBe(0);
    await s.stop();
  });

  it('trusts the CA bundle from KUBE_DPI_ES_CA_FILE, installs the template and stores', async () => {
    const s = sink({ uri: secure.url, env: { KUBE_DPI_ES_CA_FILE: certs.caFile } });
    await s.start();
    expect(secure.templates.has(`${INDEX}-template`)).toBe(true);
    expect(await s.write(records(0, 5))).toEqual({ stored: 5, alreadyStored: 0, spooled: 0, dropped: {} });
    await s.stop();
  });

  it('skips verification only when KUBE_DPI_ES_TLS_INSECURE=true says so', async () => {
    const s = sink({ uri: secure.url, env: { KUBE_DPI_ES_TLS_INSECURE: 'true' }, installTemplate: false });
    await s.start();
    expect((await s.write(records(10, 3))).stored).toBe(3);
    await s.stop();
  });

  it('names the variable and the file when the CA bundle cannot be read', () => {
    expect(() => elasticsearchTarget(secure.url, { KUBE_DPI_ES_CA_FILE: join(tmpdir(), 'no-such-ca.pem') })).toThrow(
      /KUBE_DPI_ES_CA_FILE=.*no-such-ca\.pem/,
    );
  });
});
