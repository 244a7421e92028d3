// Exponential backoff with full jitter (AWS architecture blog; Vector's ExponentialBackoff): the delay for
// attempt n is uniform in [0, min(max, base·2^n)], so many agents retrying after an outage spread out.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 30_000 };

/** `random` returns [0, 1); injected so tests are deterministic. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
