// One unit the pipeline ships: an enriched alert with its deterministic identity and, after rate control, the
// number of alerts it stands for.
import type { EnrichedAlert } from './enrich.js';

export interface AlertRecord {
  /** Deterministic document id: the source file's identity + the byte offset of the (first) line. */
  id: string;
  enriched: EnrichedAlert;
  /** Alerts this record stands for (1 unless rate control folded repeats into it). */
  count: number;
  /** Time of the last folded alert (the alert's own time when count is 1). */
  lastTimestamp: string;
}
