// Pure: an alert record → the document stored in Elasticsearch (and written by the file sink), in one of two
// formats (config.alertFormat):
// - ecs (default): ECS-aligned, DESIGN §5: @timestamp, event.*, rule.*, source/destination, network, observer,
//   host, plus kubernetes.* (the inspected pod) and dpi.* (interface, selecting resources, peer, count).
// - calico: the flat event document Calico Enterprise writes to tigera_secure_ee_events.<cluster>.*, for users
//   moving from it (type deep_packet_inspection, origin dpi.<ns>/<name>, record.snort_*).
// Field names live here and only here.
import type { AlertFormat } from '../../config/options.js';
import type { AlertRecord } from '../../alerts/alert-record.js';

export interface DocumentContext {
  format: AlertFormat;
  /** Snort's version when the supervisor knows it (observer.version). */
  snortVersion?: string | undefined;
}

export type AlertDocument = Record<string, unknown>;

export const DEFAULT_ECS_INDEX = 'kube-dpi-alerts';
export const CALICO_INDEX_PREFIX = 'tigera_secure_ee_events.';

/** The index a format writes to when the sink URI and --es-index name none. */
export function defaultIndexFor(format: AlertFormat, cluster: string): string {
  return format === 'calico' ? `${CALICO_INDEX_PREFIX}${cluster}.lma` : DEFAULT_ECS_INDEX;
}

export function buildAlertDocument(record: AlertRecord, ctx: DocumentContext): AlertDocument {
  return ctx.format === 'calico' ? buildCalicoDocument(record) : buildEcsDocument(record, ctx);
}

const ECS_CATEGORY = ['intrusion_detection', 'network'];
const ECS_TYPE = ['info'];

export function buildEcsDocument(record: AlertRecord, ctx: DocumentContext): AlertDocument {
  const { alert: a, node, inspected, inspectedSide, peer } = record.enriched;
  const event: Record<string, unknown> = {
    kind: 'alert',
    category: ECS_CATEGORY,
    type: ECS_TYPE,
    module: 'snort',
    dataset: 'snort.alert',
    severity: a.severity,
    id: record.id,
  };
  if (a.action !== undefined) event['action'] = a.action;
  if (record.count > 1) {
    event['start'] = a.timestamp;
    event['end'] = record.lastTimestamp;
  }
  const rule: Record<string, unknown> = {
    id: `${a.gid}:${a.sid}`,
    uuid: `${a.gid}:${a.sid}:${a.rev}`,
    version: String(a.rev),
  };
  if (a.msg !== undefined) rule['name'] = a.msg;
  if (a.classification !== undefined) rule['category'] = a.classification;

  const network: Record<string, unknown> = {
    direction: inspectedSide === 'destination' ? 'ingress' : inspectedSide === 'source' ? 'egress' : 'unknown',
  };
  if (a.proto !== undefined) network['transport'] = a.proto.toLowerCase();
  if (a.service !== undefined) network['protocol'] = a.service;

  const observer: Record<string, unknown> = { name: node, product: 'Snort', vendor: 'Cisco', type: 'ids' };
  if (ctx.snortVersion !== undefined) observer['version'] = ctx.snortVersion;

  const snort: Record<string, unknown> = { gid: a.gid, sid: a.sid, rev: a.rev };
  if (a.priority !== undefined) snort['priority'] = a.priority;
  if (a.dir !== undefined) snort['dir'] = a.dir;
  if (a.pktNum !== undefined) snort['pkt_num'] = a.pktNum;
  if (a.pktLen !== undefined) snort['pkt_len'] = a.pktLen;
  if (a.pktGen !== undefined) snort['pkt_gen'] = a.pktGen;
  if (a.proto !== undefined) snort['proto'] = a.proto;

  const dpi: Record<string, unknown> = { count: record.count, snort };
  if (a.iface !== undefined) dpi['interface'] = a.iface;
  if (inspected) {
    dpi['selected_by'] = inspected.selectedBy;
    dpi['inspected_side'] = inspectedSide ?? 'unknown';
  }
  if (peer) dpi['peer'] = { namespace: peer.namespace, pod: peer.pod, labels: dedotLabels(peer.podLabels) };
  if (a.payload !== undefined) {
    dpi['payload'] = a.payload;
    if (a.payloadTruncated) dpi['payload_truncated'] = true;
  }

  const doc: AlertDocument = { '@timestamp': a.timestamp, event, rule };
  if (a.source) doc['source'] = endpointOf(a.source.ip, a.source.port);
  if (a.destination) doc['destination'] = endpointOf(a.destination.ip, a.destination.port);
  doc['network'] = network;
  doc['observer'] = observer;
  doc['host'] = { name: node };
  if (inspected) {
    doc['kubernetes'] = {
      namespace: inspected.namespace,
      pod: { name: inspected.pod },
      labels: dedotLabels(inspected.podLabels),
      node: { name: node },
    };
  }
  doc['dpi'] = dpi;
  return doc;
}

function endpointOf(ip: string, port: number | undefined): Record<string, unknown> {
  return port === undefined ? { ip } : { ip, port };
}

/** Beats' convention: dots in label keys become '_' so "app.kubernetes.io/name" does not become an object. */
export function dedotLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels)) out[key.includes('.') ? key.replaceAll('.', '_') : key] = labels[key] as string;
  return out;
}

export function buildCalicoDocument(record: AlertRecord): AlertDocument {
  const { alert: a, node, inspected, inspectedSide } = record.enriched;
  const src = a.source;
  const dst = a.destination;
  const srcPod = inspectedSide === 'source' ? inspected : inspectedSide === 'destination' ? record.enriched.peer : undefined;
  const dstPod = inspectedSide === 'destination' ? inspected : inspectedSide === 'source' ? record.enriched.peer : undefined;
  const origin = inspected?.selectedBy[0];
  const doc: AlertDocument = {
    time: Math.floor(a.timeMs / 1000),
    type: 'deep_packet_inspection',
    description: a.msg ?? `${a.gid}:${a.sid}:${a.rev}`,
    severity: a.severity,
    origin: origin === undefined ? 'dpi' : `dpi.${origin}`,
    host: node,
    source_ip: src?.ip,
    source_port: src?.port,
    source_name: srcPod?.pod ?? '-',
    source_namespace: srcPod?.namespace ?? '-',
    dest_ip: dst?.ip,
    dest_port: dst?.port,
    dest_name: dstPod?.pod ?? '-',
    dest_namespace: dstPod?.namespace ?? '-',
    record: {
      snort_signature_id: String(a.sid),
      snort_signature_revision: String(a.rev),
      snort_alert: fastAlertLine(record),
    },
  };
  if (record.count > 1) (doc['record'] as Record<string, unknown>)['count'] = record.count;
  return doc;
}

/** The alert as Snort's alert_fast prints it, which is what Calico Enterprise stores in record.snort_alert. */
export function fastAlertLine(record: AlertRecord): string {
  const a = record.enriched.alert;
  const ap = (e: { ip: string; port: number | undefined } | undefined): string =>
    e === undefined ? '' : e.port === undefined ? e.ip : e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
  const flow = a.source || a.destination ? ` ${ap(a.source)} -> ${ap(a.destination)}` : '';
  const cls = a.classification === undefined ? '' : ` [Classification: ${a.classification}]`;
  return `${a.timestamp} [**] [${a.gid}:${a.sid}:${a.rev}] "${a.msg ?? ''}" [**]${cls} [Priority: ${a.priority ?? 0}] {${a.proto ?? ''}}${flow}`;
}
