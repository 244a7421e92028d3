// Pure: any error thrown by client-node (ApiException with `code`, a Watch error with `statusCode`, a fetch
// transport error with a system `code`) → one bounded reason. Reasons double as metric labels, so the set is
// closed; handling decides by reason, never by message text.

export const K8S_ERROR_REASONS = [
  'not_found', 'gone', 'conflict', 'unauthorized', 'forbidden', 'invalid', 'throttled', 'server', 'transport', 'other',
] as const;
export type K8sErrorReason = (typeof K8S_ERROR_REASONS)[number];

/** The HTTP status of an API error, when there is one. */
export function httpStatusOf(err: unknown): number | undefined {
  if (err === null || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.statusCode === 'number') return e.statusCode;
  // ApiException puts the HTTP status in `code`; system errors put a string there (ECONNREFUSED).
  if (typeof e.code === 'number') return e.code;
  return undefined;
}

export function classifyK8sError(err: unknown): K8sErrorReason {
  const status = httpStatusOf(err);
  if (status === undefined) {
    const code = err !== null && typeof err === 'object' ? (err as { code?: unknown; type?: unknown; name?: unknown }) : {};
    if (typeof code.code === 'string' || code.type === 'system' || code.name === 'FetchError' || code.name === 'AbortError') return 'transport';
    return 'other';
  }
  if (status === 404) return 'not_found';
  if (status === 410) return 'gone';
  if (status === 409) return 'conflict';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status === 400 || status === 415 || status === 422) return 'invalid';
  return 'other';
}

/** Worth retrying the same request later: the server or the path to it may recover, or the object moved on. */
export function isRetryableK8sError(reason: K8sErrorReason): boolean {
  return reason === 'conflict' || reason === 'throttled' || reason === 'server' || reason === 'transport' || reason === 'other';
}
