// Pure: what to do with a bulk request's outcome and with each item of its response, as tables
// (STYLE habit 8; Vector retry.rs, elasticsearch-js onDrop). Retrying never loses an alert because every
// document is written with op_type create and a deterministic _id: a retried item that did reach the index
// the first time answers 409, which is "already stored".

export type RequestAction = 'items' | 'retry' | 'split' | 'drop';
export type ItemAction = 'stored' | 'already_stored' | 'retry' | 'drop';

export interface RequestVerdict {
  action: RequestAction;
  /** Bounded reason code, for metrics and logs. */
  reason: string;
}

export interface ItemVerdict {
  action: ItemAction;
  reason: string;
}

/**
 * `status` is the HTTP status of the _bulk response, or undefined when no response came (connection refused,
 * reset, timeout).
 */
export function classifyBulkRequest(status: number | undefined): RequestVerdict {
  if (status === undefined) return { action: 'retry', reason: 'transport' };
  if (status >= 200 && status < 300) return { action: 'items', reason: 'ok' };
  if (status === 429) return { action: 'retry', reason: 'http_429' };
  if (status >= 500) return { action: 'retry', reason: 'http_5xx' };
  // Credentials or a proxy may be fixed without losing anything: the lines wait on disk meanwhile.
  if (status === 401 || status === 403 || status === 407 || status === 408) return { action: 'retry', reason: `http_${status}` };
  // Too large for the cluster's http.max_content_length: send the halves.
  if (status === 413) return { action: 'split', reason: 'http_413' };
  return { action: 'drop', reason: status === 400 || status === 404 ? `http_${status}` : 'http_4xx' };
}

export interface BulkItemResult {
  status: number;
  error?: { type?: string; reason?: string } | undefined;
}

export function classifyBulkItem(item: BulkItemResult): ItemVerdict {
  const s = item.status;
  if (s >= 200 && s < 300) return { action: 'stored', reason: 'ok' };
  if (s === 409) return { action: 'already_stored', reason: 'version_conflict' };
  if (s === 429) return { action: 'retry', reason: 'item_429' };
  if (s >= 500) return { action: 'retry', reason: 'item_5xx' };
  return { action: 'drop', reason: boundedReason(item.error?.type) };
}

/** Error types become metric labels: keep Elasticsearch's snake_case names, anything else is "rejected". */
function boundedReason(type: string | undefined): string {
  return type !== undefined && /^[a-z_]{1,64}$/.test(type) ? type : 'rejected';
}

const ALL_CREATED_HEAD = '{"errors":false,"items":[';
const ITEM_STATUS = '"status":';

/**
 * True when a _bulk answer filtered to `errors,items.*.status,…` says no item failed and holds exactly `count`
 * item statuses: every document is stored. Anything else is parsed and classified item by item.
 */
export function everyItemCreated(text: string, count: number): boolean {
  if (!text.startsWith(ALL_CREATED_HEAD)) return false;
  let n = 0;
  for (let i = text.indexOf(ITEM_STATUS); i !== -1; i = text.indexOf(ITEM_STATUS, i + ITEM_STATUS.length)) n++;
  return n === count;
}
