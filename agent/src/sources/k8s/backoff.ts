// Pure: exponential backoff with jitter. Half the delay is fixed and half random ("equal jitter"), so a
// thousand agents that lost the API server at the same moment do not come back in step, yet none retries
// sooner than half the nominal delay.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per attempt; default 2. */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2 };

/** Delay before retry number `attempt` (0 = the first retry). `random` returns [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt));
  return Math.round(nominal / 2 + (nominal / 2) * random());
}
