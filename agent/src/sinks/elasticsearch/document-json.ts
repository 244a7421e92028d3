// Pure: an alert record → its document as JSON text, written directly as a string. The output is byte for byte
// JSON.stringify(buildAlertDocument(record, ctx)) — document.ts stays the readable definition of the formats and
// this is the fast path the pipeline uses: building the nested objects and stringifying them cost ~12 µs per
// alert, most of the per-line budget at 100k alerts/s. Equivalence is proved by the golden NDJSON fixtures and a
// randomized test (document-json.test.ts); any change to document.ts must be mirrored here.
// Rules that keep the bytes identical: keys in the same insertion order as document.ts; a key whose value is
// undefined is left out (JSON.stringify does); every string goes through JSON.stringify (escaping, lone
// surrogates); numbers through num() (non-finite → null, as JSON.stringify does). Parts that depend only on the
// node, the Snort version or an endpoint object (labels, selecting resources) are stringified once and cached;
// endpoint objects are treated as immutable (the reconciler builds new ones on every pass). Strings of an alert
// marked `plain` (see normaliseAlertLine) need no escaping and are only quoted.
import type { AlertRecord } from '../../alerts/alert-record.js';
import type { InspectedEndpoint } from '../../alerts/endpoint-directory.js';
import type { NormalisedAlert } from '../../alerts/normalise.js';
import type { DocumentContext } from './document.js';
import { dedotLabels, fastAlertLine } from './document.js';

export type DocumentSerialiser = (record: AlertRecord) => string;

const q = JSON.stringify as (s: string) => string;
/** JSON.stringify(s) for a string known to hold nothing JSON escapes. */
const quote = (s: string): string => '"' + s + '"';

/**
 * Built by `+=`, the text is a tree of ~40 cons-string pieces. Reading a character makes V8 flatten it into one
 * sequential string now; encoding or slicing a flat string is then cheaper than encoding the tree (measured:
 * flatten + Buffer write 7% of the ingest profile, Buffer write of the tree 10%).
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

function num(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

export function createDocumentSerialiser(ctx: DocumentContext): DocumentSerialiser {
  return ctx.format === 'calico' ? serialiseCalico : ecsSerialiser(ctx);
}

const ECS_EVENT_HEAD = ',"event":{"kind":"alert","category":["intrusion_detection","network"],"type":["info"],"module":"snort","dataset":"snort.alert","severity":';

interface RuleJson {
  gid: number;
  rev: number;
  msg: string | undefined;
  cls: string | undefined;
  /** The rule object as JSON. */
  rule: string;
  /** ',"snort":{"gid":…,"sid":…,"rev":…' (left open for the alert's own fields). */
  snortHead: string;
}

interface EndpointJson {
  node: string;
  kubernetes: string;
  selectedBy: string;
}

function ecsSerialiser(ctx: DocumentContext): DocumentSerialiser {
  let cachedNode: string | undefined;
  let nodePart = '';
  const inspectedCache = new WeakMap<InspectedEndpoint, EndpointJson>();
  const peerCache = new WeakMap<InspectedEndpoint, string>();

  const observerAndHost = (node: string): string => {
    if (node !== cachedNode) {
      const observer: Record<string, unknown> = { name: node, product: 'Snort', vendor: 'Cisco', type: 'ids' };
      if (ctx.snortVersion !== undefined) observer['version'] = ctx.snortVersion;
      nodePart = ',"observer":' + JSON.stringify(observer) + ',"host":' + JSON.stringify({ name: node });
      cachedNode = node;
    }
    return nodePart;
  };
  const inspectedJson = (e: InspectedEndpoint, node: string): EndpointJson => {
    let c = inspectedCache.get(e);
    if (c === undefined || c.node !== node) {
      c = {
        node,
        kubernetes: JSON.stringify({ namespace: e.namespace, pod: { name: e.pod }, labels: dedotLabels(e.podLabels), node: { name: node } }),
        selectedBy: JSON.stringify(e.selectedBy),
      };
      inspectedCache.set(e, c);
    }
    return c;
  };
  const peerJson = (e: InspectedEndpoint): string => {
    let c = peerCache.get(e);
    if (c === undefined) {
      c = JSON.stringify({ namespace: e.namespace, pod: e.pod, labels: dedotLabels(e.podLabels) });
      peerCache.set(e, c);
    }
    return c;
  };

  const transports = new Map<string, string>();
  const transportJson = (proto: string): string => {
    let t = transports.get(proto);
    if (t === undefined) {
      t = q(proto.toLowerCase());
      // Snort's protocol names are a handful; the bound only guards against a stream of odd ones.
      if (transports.size < 64) transports.set(proto, t);
    }
    return t;
  };

  // The rule's parts of a document (rule.*, dpi.snort gid/sid/rev) are the same for every alert of that rule:
  // built once per sid, and reused while gid, rev, message and class are the same.
  const rules = new Map<number, RuleJson>();
  const ruleJson = (a: NormalisedAlert): RuleJson => {
    const known = rules.get(a.sid);
    if (known !== undefined && known.gid === a.gid && known.rev === a.rev && known.msg === a.msg && known.cls === a.classification) return known;
    // Numbers print as digits, '.', '-', 'e', 'Infinity' or 'NaN': nothing to escape.
    let rule = '{"id":"' + a.gid + ':' + a.sid + '","uuid":"' + a.gid + ':' + a.sid + ':' + a.rev + '","version":"' + a.rev + '"';
    if (a.msg !== undefined) rule += ',"name":' + q(a.msg);
    if (a.classification !== undefined) rule += ',"category":' + q(a.classification);
    const entry: RuleJson = {
      gid: a.gid,
      rev: a.rev,
      msg: a.msg,
      cls: a.classification,
      rule: flat(rule + '}'),
      snortHead: flat(',"snort":{"gid":' + num(a.gid) + ',"sid":' + num(a.sid) + ',"rev":' + num(a.rev)),
    };
    // Rules are thousands at most; the bound only guards against a stream of odd sids.
    if (rules.size >= 8192) rules.clear();
    rules.set(a.sid, entry);
    return entry;
  };

  return (record) => {
    const { alert: a, node, inspected, inspectedSide, peer } = record.enriched;
    const js = a.plain ? quote : q;
    let s = '{"@timestamp":' + js(a.timestamp) + ECS_EVENT_HEAD + num(a.severity) + ',"id":' + q(record.id);
    if (a.action !== undefined) s += ',"action":' + js(a.action);
    if (record.count > 1) s += ',"start":' + js(a.timestamp) + ',"end":' + q(record.lastTimestamp);
    const rule = ruleJson(a);
    s += '},"rule":' + rule.rule;
    if (a.source) s += ',"source":' + endpointJson(js(a.source.ip), a.source.port);
    if (a.destination) s += ',"destination":' + endpointJson(js(a.destination.ip), a.destination.port);
    s +=
      inspectedSide === 'destination'
        ? ',"network":{"direction":"ingress"'
        : inspectedSide === 'source'
          ? ',"network":{"direction":"egress"'
          : ',"network":{"direction":"unknown"';
    if (a.proto !== undefined) s += ',"transport":' + transportJson(a.proto);
    if (a.service !== undefined) s += ',"protocol":' + js(a.service);
    s += '}' + observerAndHost(node);
    const ins = inspected ? inspectedJson(inspected, node) : undefined;
    if (ins) s += ',"kubernetes":' + ins.kubernetes;
    s += ',"dpi":{"count":' + num(record.count) + rule.snortHead;
    if (a.priority !== undefined) s += ',"priority":' + num(a.priority);
    if (a.dir !== undefined) s += ',"dir":' + js(a.dir);
    if (a.pktNum !== undefined) s += ',"pkt_num":' + num(a.pktNum);
    if (a.pktLen !== undefined) s += ',"pkt_len":' + num(a.pktLen);
    if (a.pktGen !== undefined) s += ',"pkt_gen":' + js(a.pktGen);
    if (a.proto !== undefined) s += ',"proto":' + js(a.proto);
    s += '}';
    if (a.iface !== undefined) s += ',"interface":' + js(a.iface);
    if (ins) s += ',"selected_by":' + ins.selectedBy + ',"inspected_side":"' + (inspectedSide ?? 'unknown') + '"';
    if (peer) s += ',"peer":' + peerJson(peer);
    if (a.payload !== undefined) {
      s += ',"payload":' + js(a.payload);
      if (a.payloadTruncated) s += ',"payload_truncated":true';
    }
    return flat(s + '}}');
  };
}

/** `ipJson` is the address already as JSON. */
function endpointJson(ipJson: string, port: number | undefined): string {
  return port === undefined ? '{"ip":' + ipJson + '}' : '{"ip":' + ipJson + ',"port":' + num(port) + '}';
}

function serialiseCalico(record: AlertRecord): string {
  const { alert: a, node, inspected, inspectedSide } = record.enriched;
  const src = a.source;
  const dst = a.destination;
  const srcPod = inspectedSide === 'source' ? inspected : inspectedSide === 'destination' ? record.enriched.peer : undefined;
  const dstPod = inspectedSide === 'destination' ? inspected : inspectedSide === 'source' ? record.enriched.peer : undefined;
  const origin = inspected?.selectedBy[0];
  let s =
    '{"time":' +
    num(Math.floor(a.timeMs / 1000)) +
    ',"type":"deep_packet_inspection","description":' +
    q(a.msg ?? `${a.gid}:${a.sid}:${a.rev}`) +
    ',"severity":' +
    num(a.severity) +
    ',"origin":' +
    q(origin === undefined ? 'dpi' : `dpi.${origin}`) +
    ',"host":' +
    q(node);
  if (src?.ip !== undefined) s += ',"source_ip":' + q(src.ip);
  if (src?.port !== undefined) s += ',"source_port":' + num(src.port);
  s += ',"source_name":' + q(srcPod?.pod ?? '-') + ',"source_namespace":' + q(srcPod?.namespace ?? '-');
  if (dst?.ip !== undefined) s += ',"dest_ip":' + q(dst.ip);
  if (dst?.port !== undefined) s += ',"dest_port":' + num(dst.port);
  s +=
    ',"dest_name":' +
    q(dstPod?.pod ?? '-') +
    ',"dest_namespace":' +
    q(dstPod?.namespace ?? '-') +
    ',"record":{"snort_signature_id":' +
    q(String(a.sid)) +
    ',"snort_signature_revision":' +
    q(String(a.rev)) +
    ',"snort_alert":' +
    q(fastAlertLine(record));
  if (record.count > 1) s += ',"count":' + num(record.count);
  return flat(s + '}}');
}
