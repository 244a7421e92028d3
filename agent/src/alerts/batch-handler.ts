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
import { foldRepeats } from './rate-control.js';
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
  // Synchronous, so nothing of the per-line work (parsed lines, normalised alerts) outlives it: only the JSON
  // text is held while the sinks deliver.
  const prepare = (batch: TailBatch): { out: SinkRecord[]; newest: number } => {
    const normalise: NormaliseOptions = { ...options.normalise, referenceTimeMs: batch.mtimeMs };
    const records: AlertRecord[] = [];
    const skipped = new Map<string, number>();
    const key = batch.file.key + '-';
    const { lines, starts } = batch;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.length === 0) continue;
      const result = normaliseAlertLine(line, normalise);
      if (!result.ok) {
        skipped.set(result.reason, (skipped.get(result.reason) ?? 0) + 1);
        continue;
      }
      records.push({
        id: key + (starts[i] as number).toString(36),
        enriched: enrichAlert(result.alert, directory, node),
        count: 1,
        lastTimestamp: result.alert.timestamp,
      });
    }
    counts.lines += lines.length + batch.oversized;
    counts.alerts += records.length;
    if (batch.oversized > 0) counts.skipped['oversized'] = (counts.skipped['oversized'] ?? 0) + batch.oversized;
    for (const [reason, n] of skipped) {
      counts.skipped[reason] = (counts.skipped[reason] ?? 0) + n;
      events.linesSkipped(reason, n);
    }
    const shipped = foldRepeats(records, rateControl);
    if (shipped.length < records.length) {
      counts.folded += records.length - shipped.length;
      events.alertsFolded(records.length - shipped.length);
    }
    counts.documents += shipped.length;
    const out: SinkRecord[] = new Array(shipped.length);
    let newest = 0;
    for (let i = 0; i < shipped.length; i++) {
      const r = shipped[i] as AlertRecord;
      out[i] = { id: r.id, json: serialise(r) };
      if (r.enriched.alert.timeMs > newest) newest = r.enriched.alert.timeMs;
    }
    return { out, newest };
  };
  return async (batch: TailBatch) => {
    const { out, newest } = prepare(batch);
    if (out.length === 0) return;
    const results = await Promise.all(sinks.map((s) => s.write(out)));
    results.forEach((result, i) => addResult(counts.sinks[(sinks[i] as Sink).name], result));
    if (newest > (counts.lastAckedAlertMs ?? 0)) counts.lastAckedAlertMs = newest;
  };
}

function addResult(into: PipelineCounts['sinks'][string] | undefined, r: SinkWriteResult): void {
  if (!into) return;
  into.stored += r.stored;
  into.alreadyStored += r.alreadyStored;
  into.spooled += r.spooled;
  for (const [reason, n] of Object.entries(r.dropped)) into.dropped[reason] = (into.dropped[reason] ?? 0) + n;
}
