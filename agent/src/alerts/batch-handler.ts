// The per-batch work between the tailer and the sinks: lines → normalise → enrich → rate control → documents
// → every sink. Resolves when every sink has acknowledged every record of the batch, which is what lets the
// tailer move its checkpoint. Sinks are called synchronously, in batch order (the file sink relies on it).
import type { Sink, SinkRecord, SinkWriteResult } from '../sinks/sink.js';
import type { DocumentContext } from '../sinks/elasticsearch/document.js';
import { createDocumentSerialiser } from '../sinks/elasticsearch/document-json.js';
import type { AlertRecord } from './alert-record.js';
import type { EndpointDirectory } from './endpoint-directory.js';
import { enrichAlert } from './enrich.js';
import type { AlertEvents } from './events.js';
import { normaliseAlertLine } from './normalise.js';
import type { NormaliseOptions } from './normalise.js';
import { RepeatFolder } from './rate-control.js';
import type { RateControlOptions } from './rate-control.js';
import type { BatchHandler, TailBatch } from './tailer.js';

export interface PipelineCounts {
  lines: number;
  alerts: number;
  documents: number;
  folded: number;
  skipped: Record<string, number>;
  /** Per sink name. */
  sinks: Record<string, { stored: number; alreadyStored: number; spooled: number; dropped: Record<string, number> }>;
  /** Epoch ms of the newest alert acknowledged by every sink. */
  lastAckedAlertMs: number | undefined;
}

export interface BatchHandlerOptions {
  sinks: readonly Sink[];
  directory: EndpointDirectory;
  node: string;
  normalise: Omit<NormaliseOptions, 'referenceTimeMs'>;
  rateControl: RateControlOptions;
  document: DocumentContext;
  events: AlertEvents;
  counts: PipelineCounts;
}

export function newPipelineCounts(): PipelineCounts {
  return { lines: 0, alerts: 0, documents: 0, folded: 0, skipped: {}, sinks: {}, lastAckedAlertMs: undefined };
}

export function createBatchHandler(options: BatchHandlerOptions): BatchHandler {
  const { sinks, directory, node, rateControl, document, events, counts } = options;
  for (const sink of sinks) counts.sinks[sink.name] ??= { stored: 0, alreadyStored: 0, spooled: 0, dropped: {} };
  const serialise = createDocumentSerialiser(document);
  // Synchronous and alert by alert: each line is parsed, enriched, rate-controlled and serialised before the
  // next, so its intermediate objects die young (a batch's worth of them alive at once used to survive young
  // collections and dominate GC time). Only the JSON text is held while the sinks deliver, plus the few fold
  // heads, serialised at the end of the batch once their counts are final.
  const prepare = (batch: TailBatch): { out: SinkRecord[]; newest: number } => {
    const normalise: NormaliseOptions = { ...options.normalise, referenceTimeMs: batch.mtimeMs };
    const folder = new RepeatFolder(rateControl);
    const out: SinkRecord[] = [];
    const heads: Array<{ at: number; record: AlertRecord }> = [];
    const skipped = new Map<string, number>();
    const key = batch.file.key + '-';
    const { lines, starts } = batch;
    let alerts = 0;
    let folded = 0;
    let newest = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.length === 0) continue;
      const result = normaliseAlertLine(line, normalise);
      if (!result.ok) {
        skipped.set(result.reason, (skipped.get(result.reason) ?? 0) + 1);
        continue;
      }
      alerts++;
      const alert = result.alert;
      const record: AlertRecord = {
        id: key + (starts[i] as number).toString(36),
        enriched: enrichAlert(alert, directory, node),
        count: 1,
        lastTimestamp: alert.timestamp,
      };
      const verdict = folder.offer(record);
      if (verdict === 'absorbed') {
        folded++;
        continue;
      }
      if (alert.timeMs > newest) newest = alert.timeMs;
      if (verdict === 'head') {
        heads.push({ at: out.length, record });
        out.push({ id: record.id, json: '' });
      } else {
        out.push({ id: record.id, json: serialise(record) });
      }
    }
    for (const { at, record } of heads) (out[at] as SinkRecord).json = serialise(record);
    counts.lines += lines.length + batch.oversized;
    counts.alerts += alerts;
    if (batch.oversized > 0) counts.skipped['oversized'] = (counts.skipped['oversized'] ?? 0) + batch.oversized;
    for (const [reason, n] of skipped) {
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + n;
      events.linesSkipped(reason, n);
    }
    if (folded > 0) {
      counts.folded += folded;
      events.alertsFolded(folded);
    }
    counts.documents += out.length;
    return { out, newest };
  };
  // Not async: the lines are read (and a failure thrown) before it returns, as BatchHandler requires.
  return (batch: TailBatch) => {
    const { out, newest } = prepare(batch);
    if (out.length === 0) return Promise.resolve();
    const writes = sinks.map((s) => s.write(out));
    // Every sink has taken what it needs (Sink.write's contract): let the documents go now, not after the acks.
    out.length = 0;
    return Promise.all(writes).then((results) => {
      results.forEach((result, i) => addResult(counts.sinks[(sinks[i] as Sink).name], result));
      if (newest > (counts.lastAckedAlertMs ?? 0)) counts.lastAckedAlertMs = newest;
    });
  };
}

function addResult(into: PipelineCounts['sinks'][string] | undefined, r: SinkWriteResult): void {
  if (!into) return;
  into.stored += r.stored;
  into.alreadyStored += r.alreadyStored;
  into.spooled += r.spooled;
  for (const [reason, n] of Object.entries(r.dropped)) into.dropped[reason] = (into.dropped[reason] ?? 0) + n;
}
