// The one interface every output implements (STYLE habit 7), declared by its consumer, the alert pipeline.
// A sink acknowledges a write only when every record in it is in its final, durable place (or, for a sink with
// a spool, durably spooled) or permanently rejected; the tailer advances checkpoints only past lines whose
// records every sink acknowledged.

export interface SinkRecord {
  /** Deterministic document id, the same on every replay of the same line(s). */
  id: string;
  /** The document as JSON text (elasticsearch/document-json.ts), serialised once and shared by all sinks. */
  json: string;
}

export interface SinkWriteResult {
  /** Newly stored. */
  stored: number;
  /** Already there from an earlier attempt or run (409 on create, or the file sink's replay guard). */
  alreadyStored: number;
  /** Durably spooled, to be delivered by the sink's drainer. */
  spooled: number;
  /** Permanently refused, by bounded reason. */
  dropped: Record<string, number>;
}

export interface Sink {
  /** For logs: the URI with any credentials removed. */
  readonly name: string;
  /** Bounded metric label: "file", "elasticsearch". */
  readonly kind: string;
  /** Open files, install index templates; failures that can heal later are logged, not thrown. */
  start(): Promise<void>;
  /**
   * Takes everything it needs from `records` before it returns (the caller drops them then, so the document
   * strings die young); resolves once they are all settled as above. Never rejects: a sink retries its own
   * failures until they succeed or it stops (then the write stays unsettled and the lines are replayed later).
   */
  write(records: readonly SinkRecord[]): Promise<SinkWriteResult>;
  /** Resolves once everything accepted so far is delivered (spool empty), or when the signal aborts. */
  drain(signal?: AbortSignal): Promise<void>;
  /** Stop sending; unacknowledged writes stay unacknowledged (their lines are replayed after a restart). */
  stop(): Promise<void>;
}

export function emptyWriteResult(): SinkWriteResult {
  return { stored: 0, alreadyStored: 0, spooled: 0, dropped: {} };
}
