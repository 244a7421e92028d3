// Golden fixtures: real alert_json lines → normalised alerts → ECS and Calico documents.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildAlertDocument } from '../sinks/elasticsearch/document.js';
import { createDocumentSerialiser } from '../sinks/elasticsearch/document-json.js';
import type { AlertRecord } from './alert-record.js';
import type { EndpointDirectory, InspectedEndpoint } from './endpoint-directory.js';
import { enrichAlert } from './enrich.js';
import { normaliseAlertLine } from './normalise.js';
import type { NormalisedAlert } from './normalise.js';

const FIXTURES = join(process.cwd(), 'agent', 'test', 'fixtures', 'alerts');
const lines = readFileSync(join(FIXTURES, 'alert_json.sample.txt'), 'utf8').trim().split('\n');

const pod1: InspectedEndpoint = {
  namespace: 'sample',
  pod: 'pod1',
  podLabels: { 'k8s-app': 'nginx', 'app.kubernetes.io/name': 'web' },
  ips: ['10.250.1.2'],
  interface: 'cali0123456789a',
  selectedBy: ['sample/sample-dpi-nginx'],
};
const pod2: InspectedEndpoint = { ...pod1, pod: 'pod2', ips: ['10.250.2.2'], interface: 'cali0123456789b', selectedBy: ['sample/all'] };
export const GOLDEN_DIRECTORY: EndpointDirectory = {
  endpointForInterface: (iface) => [pod1, pod2].find((p) => p.interface === iface),
  endpointForIp: (ip) => [pod1, pod2].find((p) => p.ips.includes(ip)),
};

const options = { payload: true, maxPayloadBytes: 48, referenceTimeMs: Date.UTC(2026, 11, 5), timestampZone: 'utc' as const };

function normalised(): NormalisedAlert[] {
  return lines.map((line) => {
    const r = normaliseAlertLine(line, options);
    if (!r.ok) throw new Error(`golden line rejected: ${r.reason}`);
    return r.alert;
  });
}

function records(): AlertRecord[] {
  return normalised().map((alert, i) => ({
    id: `golden-${i.toString(36)}`,
    enriched: enrichAlert(alert, GOLDEN_DIRECTORY, 'node-1'),
    // Every fifth record stands for folded repeats, so event.start/end and record.count are covered too.
    count: i % 5 === 4 ? 3 : 1,
    lastTimestamp: i % 5 === 4 ? '2026-12-04T15:22:00.000001Z' : alert.timestamp,
  }));
}

function documents(format: 'ecs' | 'calico'): unknown[] {
  return records().map((r) => buildAlertDocument({ ...r, count: 1, lastTimestamp: r.enriched.alert.timestamp }, { format, snortVersion: '3.11.1.0' }));
}

/** The exact bytes the sinks get: one document per line, from the direct serialiser. */
function goldenBytes(name: string, format: 'ecs' | 'calico'): void {
  const ctx = { format, snortVersion: '3.11.1.0' };
  const serialise = createDocumentSerialiser(ctx);
  const rs = records();
  const text = rs.map((r) => serialise(r) + '\n').join('');
  expect(text).toBe(rs.map((r) => JSON.stringify(buildAlertDocument(r, ctx)) + '\n').join(''));
  const path = join(FIXTURES, name);
  if (process.env['UPDATE_GOLDEN']) writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

function golden(name: string, actual: unknown): void {
  const path = join(FIXTURES, name);
  if (process.env['UPDATE_GOLDEN']) writeFileSync(path, JSON.stringify(actual, null, 1) + '\n');
  expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(path, 'utf8')));
}

describe('golden alert fixtures', () => {
  it('normalises every real line', () => golden('golden.normalised.json', normalised()));
  it('maps to ECS documents', () => golden('golden.ecs.json', documents('ecs')));
  it('maps to Calico-format documents', () => golden('golden.calico.json', documents('calico')));
  it('serialises ECS documents to the golden bytes', () => goldenBytes('golden.ecs.ndjson', 'ecs'));
  it('serialises Calico-format documents to the golden bytes', () => goldenBytes('golden.calico.ndjson', 'calico'));

  it('gets the facts of the samples right', () => {
    const n = normalised();
    // Line 6: seconds + timestamp micros.
    expect(n[5]).toMatchObject({ timestamp: '2026-12-04T15:21:59.728356Z', gid: 1, sid: 1000003, rev: 1, severity: 21, iface: 'cali0123456789a' });
    expect(n[5]?.source).toEqual({ ip: '10.250.1.1', port: 48244 });
    // Line 1: no seconds, no year: inferred from the reference time.
    expect(n[0]?.timestamp).toBe('2026-12-04T15:21:48.783946Z');
    expect(n[0]).toMatchObject({ gid: 1, sid: 1000003, rev: 1 });
    // Line 9: community sid 1122 over HTTP, payload truncated to whole base64 quanta (48 bytes → 64 chars).
    expect(n[8]).toMatchObject({ sid: 1122, rev: 16, msg: 'SERVER-WEBAPP /etc/passwd file access attempt', service: 'http', severity: 47 });
    expect(n[8]?.payload).toHaveLength(64);
    expect(n[8]?.payloadTruncated).toBe(true);
    // ICMP from src_ap "10.250.1.2:0": no port.
    expect(n[3]?.source).toEqual({ ip: '10.250.1.2', port: undefined });
    // 116:6 decoder alert: no addresses at all.
    expect(n[25]).toMatchObject({ gid: 116, sid: 6, proto: 'eth', source: undefined, destination: undefined });
    // rate_filter verdict.
    expect(n[16]?.action).toBe('would_drop');
  });

  it('enriches from the interface, with the peer by the other address', () => {
    const e = enrichAlert(normalised()[5] as NormalisedAlert, GOLDEN_DIRECTORY, 'node-1');
    expect(e.inspected?.pod).toBe('pod1');
    expect(e.inspectedSide).toBe('destination');
    expect(e.peer).toBeUndefined();
    const icmp = enrichAlert(normalised()[11] as NormalisedAlert, GOLDEN_DIRECTORY, 'node-1');
    expect(icmp.inspectedSide).toBe('source');
    const b = enrichAlert(normalised()[23] as NormalisedAlert, GOLDEN_DIRECTORY, 'node-1');
    expect(b.inspected?.pod).toBe('pod2');
  });
});
