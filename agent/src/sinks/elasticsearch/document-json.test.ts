// The direct serialiser must write exactly the bytes of JSON.stringify(buildAlertDocument(...)): randomized
// records (seeded, so a failure reproduces) with hostile strings, odd numbers, absent fields, folded counts,
// inspected/peer endpoints with dotted and numeric label keys, in both formats.
import type { AlertRecord } from '../../alerts/alert-record.js';
import type { InspectedEndpoint } from '../../alerts/endpoint-directory.js';
import type { InspectedSide } from '../../alerts/enrich.js';
import type { AlertAddress, NormalisedAlert } from '../../alerts/normalise.js';
import { buildAlertDocument } from './document.js';
import type { DocumentContext } from './document.js';
import { createDocumentSerialiser } from './document-json.js';
import { mulberry32 as prng } from '../../../test/support/prng.js';


// Pieces an alert read without JSON.parse can hold (normaliseAlertLine: nothing JSON escapes, no lone surrogate).
const PLAIN_PIECES = ['a', 'Z', '0', ' ', '/', '\u007f', 'é', '€', '\u2028', ':', '.', '[', '}', '{', ','];
const PIECES = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\r', '\t', '\u0000', '\u001f', '\u007f', 'é', '€', '😀', '\ud800', '\udc00', '\u2028', ':', '.', '[', '}', '{', ','];

function gen(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const maybe = <T>(f: () => T, p = 0.5): T | undefined => (random() < p ? f() : undefined);
  let pieces = PIECES;
  const str = (): string => {
    const n = Math.floor(random() * 12);
    let s = '';
    for (let i = 0; i < n; i++) s += random() < 0.6 ? String.fromCharCode(97 + Math.floor(random() * 26)) : pick(pieces);
    return s;
  };
  const numberish = (): number =>
    pick([0, 1, 7, 65535, 2 ** 31, 2 ** 53 + 2, -1, -0, 0.5, 1e21, 1e-7, 123.456, Infinity, -Infinity, NaN, Math.floor(random() * 1e6)]);
  const addr = (): AlertAddress => ({ ip: pick(['10.0.0.1', 'fd00::1', str()]), port: maybe(numberish, 0.7) });
  const labels = (): Record<string, string> => {
    const out: Record<string, string> = {};
    const n = Math.floor(random() * 4);
    for (let i = 0; i < n; i++) out[pick(['app', 'app.kubernetes.io/name', '1', '42', 'a.b.c', str()])] = str();
    return out;
  };
  const endpoint = (): InspectedEndpoint => ({
    namespace: str(),
    pod: str(),
    podLabels: labels(),
    ips: ['10.0.0.1'],
    interface: 'cali0',
    selectedBy: Array.from({ length: Math.floor(random() * 3) }, () => `${str()}/${str()}`),
  });
  const alert = (plain: boolean): NormalisedAlert => {
    pieces = plain ? PLAIN_PIECES : PIECES;
    const a = {
      timeMs: pick([0, 1_796_000_000_123, numberish()]),
      micros: 5,
      timestamp: pick(['2026-12-04T15:21:59.728356Z', str()]),
      gid: numberish(),
      sid: numberish(),
      rev: numberish(),
      msg: maybe(str),
      classification: maybe(str),
      priority: maybe(numberish),
      severity: numberish(),
      proto: maybe(() => pick(['TCP', 'UDP', 'eth', 'İ', plain ? 'Ω' : '\ud800', str()])),
      service: maybe(str),
      dir: maybe(str),
      source: maybe(addr),
      destination: maybe(addr),
      pktNum: maybe(numberish),
      pktLen: maybe(numberish),
      pktGen: maybe(str),
      action: maybe(str),
      iface: maybe(str),
      payload: maybe(str),
      payloadTruncated: random() < 0.5,
      plain,
    };
    pieces = PIECES;
    return a;
  };
  const shared = [endpoint(), endpoint()];
  return (): AlertRecord => {
    const a = alert(random() < 0.5);
    const inspected = maybe(() => (random() < 0.5 ? pick(shared) : endpoint()));
    const inspectedSide: InspectedSide = inspected ? pick(['source', 'destination', undefined] as const) : undefined;
    return {
      id: str(),
      enriched: { alert: a, node: pick(['node-1', 'node-2', str()]), inspected, inspectedSide, peer: maybe(() => pick(shared), 0.3) },
      count: pick([1, 1, 2, 17]),
      lastTimestamp: str(),
    };
  };
}

describe('direct document serialiser', () => {
  const contexts: DocumentContext[] = [
    { format: 'ecs', snortVersion: '3.11.1.0' },
    { format: 'ecs', snortVersion: undefined },
    { format: 'calico' },
  ];
  for (const ctx of contexts) {
    it(`writes the bytes of JSON.stringify(buildAlertDocument) (${ctx.format}, version ${String(ctx.snortVersion)})`, () => {
      for (const seed of [1, 2, 3, 4, 5]) {
        const next = gen(prng(seed));
        const serialise = createDocumentSerialiser(ctx);
        for (let i = 0; i < 2000; i++) {
          const record = next();
          const expected = JSON.stringify(buildAlertDocument(record, ctx));
          const actual = serialise(record);
          if (actual !== expected) throw new Error(`seed ${seed} record ${i}:\n${actual}\n!==\n${expected}`);
        }
      }
    });
  }

  it('produces valid JSON even for hostile strings', () => {
    const next = gen(prng(99));
    const serialise = createDocumentSerialiser({ format: 'ecs' });
    for (let i = 0; i < 500; i++) expect(() => JSON.parse(serialise(next()))).not.toThrow();
  });
});
