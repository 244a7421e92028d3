// Pure: one real Snort 3 alert_json record → NormalisedAlert, or a bounded skip reason. Never throws.
// Field names and formats are the measured ones (FACTS §3, reference/snort3/alert_json.sample.txt):
// - time: `seconds` (integer epoch) plus the microseconds of `timestamp`. `timestamp` alone has no year by
//   default ("12/04-15:21:48.783946", local time) or a two-digit year with -y ("26/12/04-15:46:25.566875");
//   it is only used when `seconds` is absent, with the year inferred from a reference time.
// - rule identity: gid/sid/rev fields, or parsed from `rule` ("1:1122:16").
// - addresses: src_addr/src_port, or parsed from src_ap ("10.250.1.1:49618"); the port is after the last ':'
//   so IPv6 ("fd00::1:443") works; decoder alerts (116:6) have src_ap ":0" and no address at all.
// - priority → severity (0-100, the Elastic Security bands): 1 → 73 high, 2 → 47 medium, 3 → 21 low,
//   4 and above → 10; absent or unknown → 47.

export interface AlertAddress {
  ip: string;
  port: number | undefined;
}

export interface NormalisedAlert {
  /** Epoch milliseconds (integer). */
  timeMs: number;
  /** Microseconds within the second, 0-999999. */
  micros: number;
  /** ISO 8601 UTC with microseconds: "2026-12-04T15:21:59.728356Z". */
  timestamp: string;
  gid: number;
  sid: number;
  rev: number;
  msg: string | undefined;
  classification: string | undefined;
  priority: number | undefined;
  severity: number;
  /** Snort's proto as written: TCP, UDP, ICMP, IP, eth... */
  proto: string | undefined;
  /** Application service, undefined when Snort says "unknown". */
  service: string | undefined;
  /** C2S, S2C or UNK. */
  dir: string | undefined;
  source: AlertAddress | undefined;
  destination: AlertAddress | undefined;
  pktNum: number | undefined;
  pktLen: number | undefined;
  pktGen: string | undefined;
  /** The packet verdict (allow, would_drop...), not the rule action. */
  action: string | undefined;
  iface: string | undefined;
  /** base64 payload, only when enabled; truncated to whole base64 quanta. */
  payload: string | undefined;
  payloadTruncated: boolean;
  /**
   * Every string above (from the line) can be written into JSON as '"' + value + '"': it holds no character
   * JSON escapes (see normaliseAlertLine). Serialisers then skip escaping.
   */
  plain: boolean;
}

export const SKIP_REASONS = ['malformed_json', 'not_an_object', 'missing_rule', 'missing_time', 'oversized'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type NormaliseResult = { ok: true; alert: NormalisedAlert } | { ok: false; reason: SkipReason };

export interface NormaliseOptions {
  /** Keep b64_data. */
  payload: boolean;
  /** Bound on the decoded payload kept. */
  maxPayloadBytes: number;
  /** Epoch ms used to infer the year of a year-less timestamp (the file's mtime or now). */
  referenceTimeMs: number;
  /** How to read a timestamp without `seconds`: local time (Snort's default) or UTC (snort -U). */
  timestampZone: 'local' | 'utc';
}

const SEVERITY_BY_PRIORITY: readonly number[] = [47, 73, 47, 21, 10];
const DEFAULT_SEVERITY = 47;

export function severityFromPriority(priority: number | undefined): number {
  if (priority === undefined || !Number.isInteger(priority) || priority < 1) return DEFAULT_SEVERITY;
  return SEVERITY_BY_PRIORITY[Math.min(priority, 4)] ?? DEFAULT_SEVERITY;
}

/**
 * JSON.parse one line, then normalise it. A line with no backslash and no surrogate has, once JSON.parse has
 * accepted it, no string that JSON must escape (a raw control character inside a string is a syntax error), so
 * its alert is marked `plain` and serialisers only quote its strings: that saves ~2 µs of escaping per alert.
 */
export function normaliseAlertLine(line: string, options: NormaliseOptions): NormaliseResult {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'malformed_json' };
  }
  return normaliseAlert(record, options, line.indexOf('\\') === -1 && !SURROGATE.test(line));
}

const SURROGATE = /[\ud800-\udfff]/;

/** `plain`: the caller vouches that no string in the record needs escaping in JSON (see normaliseAlertLine). */
export function normaliseAlert(input: unknown, options: NormaliseOptions, plain = false): NormaliseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, reason: 'not_an_object' };
  // Named property reads (r['gid'], not r[name]) keep V8's inline caches: this runs 100k times a second.
  const r = input as Record<string, unknown>;

  let gid = r['gid'];
  let sid = r['sid'];
  let rev = r['rev'];
  if (typeof gid !== 'number' || typeof sid !== 'number') {
    const parsed = parseRule(r['rule']);
    if (!parsed) return { ok: false, reason: 'missing_rule' };
    [gid, sid, rev] = parsed;
  } else if (typeof rev !== 'number') {
    rev = parseRule(r['rule'])?.[2] ?? 0;
  }

  const text = typeof r['timestamp'] === 'string' ? r['timestamp'] : undefined;
  const micros = text === undefined ? 0 : microsOf(text);
  let seconds = r['seconds'];
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    seconds = text === undefined ? undefined : secondsFromTimestamp(text, options);
    if (seconds === undefined) return { ok: false, reason: 'missing_time' };
  }
  const secs = Math.floor(seconds as number);
  // Beyond what a Date can hold (±8.64e15 ms) there is no timestamp to write: as good as no time at all.
  if (Math.abs(secs) > MAX_DATE_SECONDS) return { ok: false, reason: 'missing_time' };

  const proto = str(r['proto']);
  const service = str(r['service']);
  const priority = typeof r['priority'] === 'number' ? r['priority'] : undefined;

  let payload: string | undefined;
  let payloadTruncated = false;
  if (options.payload && typeof r['b64_data'] === 'string') {
    payload = r['b64_data'];
    const maxChars = Math.floor(options.maxPayloadBytes / 3) * 4;
    if (payload.length > maxChars) {
      payload = payload.slice(0, maxChars);
      payloadTruncated = true;
    }
  }

  return {
    ok: true,
    alert: {
      timeMs: secs * 1000 + Math.floor(micros / 1000),
      micros,
      timestamp: isoSecondPrefix(secs) + String(micros).padStart(6, '0') + 'Z',
      gid: gid as number,
      sid: sid as number,
      rev: rev as number,
      msg: str(r['msg']),
      classification: str(r['class']),
      priority,
      severity: severityFromPriority(priority),
      proto,
      service: service === 'unknown' ? undefined : service,
      dir: str(r['dir']),
      source: address(r['src_addr'], r['src_port'], r['src_ap']),
      destination: address(r['dst_addr'], r['dst_port'], r['dst_ap']),
      pktNum: num(r['pkt_num']),
      pktLen: num(r['pkt_len']),
      pktGen: str(r['pkt_gen']),
      action: str(r['action']),
      iface: str(r['iface']),
      payload,
      payloadTruncated,
      plain,
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** "1:1122:16" → [1, 1122, 16]. */
function parseRule(v: unknown): [number, number, number] | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+):(\d+)(?::(\d+))?$/.exec(v);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
}

function address(addr: unknown, port: unknown, ap: unknown): AlertAddress | undefined {
  if (typeof addr === 'string' && addr !== '') {
    return { ip: addr, port: typeof port === 'number' && port > 0 ? port : undefined };
  }
  if (typeof ap !== 'string') return undefined;
  const colon = ap.lastIndexOf(':');
  const ip = colon === -1 ? ap : ap.slice(0, colon);
  if (ip === '') return undefined;
  const p = colon === -1 ? 0 : Number(ap.slice(colon + 1));
  return { ip, port: Number.isInteger(p) && p > 0 ? p : undefined };
}

/** The digits after the last '.' of "…hh:mm:ss.uuuuuu" (at most six, all digits), as microseconds; else 0. */
function microsOf(text: string): number {
  const dot = text.lastIndexOf('.');
  if (dot === -1) return 0;
  const end = Math.min(text.length, dot + 7);
  if (end === dot + 1) return 0;
  let v = 0;
  for (let i = dot + 1; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    v = v * 10 + d;
  }
  return v * 10 ** (6 - (end - dot - 1));
}

const TIMESTAMP = /^(?:(\d{2})\/)?(\d{2})\/(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$/;
const DAY_MS = 86_400_000;
const MAX_DATE_SECONDS = 8.64e12;

/** A bounded memo: alerts come in runs of a few seconds, and a local-time Date per alert is measurable. */
function boundedMemo<V>(max: number): { has(key: string): boolean; get(key: string): V | undefined; set(key: string, value: V): void } {
  const map = new Map<string, V>();
  return {
    has: (key) => map.has(key),
    get: (key) => map.get(key),
    set(key, value) {
      if (map.size >= max) map.clear();
      map.set(key, value);
    },
  };
}

const secondsMemo = boundedMemo<number | undefined>(256);

function secondsFromTimestamp(text: string, options: NormaliseOptions): number | undefined {
  // The result depends on the text up to the seconds, the zone and the reference (one per batch).
  const dot = text.lastIndexOf('.');
  const key = `${dot === -1 ? text : text.slice(0, dot)}|${options.timestampZone}|${options.referenceTimeMs}`;
  if (secondsMemo.has(key)) return secondsMemo.get(key);
  const seconds = computeSecondsFromTimestamp(text, options);
  secondsMemo.set(key, seconds);
  return seconds;
}

function computeSecondsFromTimestamp(text: string, options: NormaliseOptions): number | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const make = (year: number): number =>
    options.timestampZone === 'utc'
      ? Date.UTC(year, month - 1, day, hour, minute, second)
      : new Date(year, month - 1, day, hour, minute, second).getTime();
  let ms: number;
  if (m[1] !== undefined) {
    ms = make(2000 + Number(m[1]));
  } else {
    // No year: the most recent such date not more than a day after the reference (an alert from 31 Dec read
    // on 1 Jan belongs to last year).
    const refYear = new Date(options.referenceTimeMs).getUTCFullYear();
    ms = make(refYear);
    if (ms > options.referenceTimeMs + DAY_MS) ms = make(refYear - 1);
  }
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}

// toISOString per alert is measurable at 100k alerts/s.
const isoMemo = boundedMemo<string>(256);

function isoSecondPrefix(seconds: number): string {
  const key = String(seconds);
  let prefix = isoMemo.get(key);
  if (prefix === undefined) {
    prefix = new Date(seconds * 1000).toISOString().slice(0, 20);
    isoMemo.set(key, prefix);
  }
  return prefix;
}
