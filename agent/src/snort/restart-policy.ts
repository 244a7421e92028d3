// Pure: when to restart an exited Snort process, and when its exits count as a crash loop. Exponential
// backoff with full jitter (so many processes failing together do not restart in lockstep), reset after a
// run that lasted long enough to count as healthy.

export interface RestartPolicyOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** A run at least this long resets the backoff. */
  healthyRunMs: number;
  /** This many exits within crashLoopWindowMs is a crash loop. */
  crashLoopExits: number;
  crashLoopWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  healthyRunMs: 60_000,
  crashLoopExits: 5,
  crashLoopWindowMs: 5 * 60_000,
};

export class RestartPolicy {
  private attempt = 0;
  private exits: number[] = [];

  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /**
   * Records an exit at `now` after a run of `ranMs`; returns the delay before the next start and whether
   * the process is now in a crash loop. `random` is in [0, 1) (injected for tests).
   */
  exited(now: number, ranMs: number, random: number): { delayMs: number; crashLoop: boolean } {
    if (ranMs >= this.options.healthyRunMs) this.attempt = 0;
    this.exits = this.exits.filter((t) => now - t < this.options.crashLoopWindowMs);
    this.exits.push(now);
    const ceiling = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** this.attempt);
    this.attempt += 1;
    // Full jitter, but never below half the ceiling: a restart storm is what backoff is for.
    const delayMs = Math.round(ceiling / 2 + (ceiling / 2) * random);
    return { delayMs, crashLoop: this.exits.length >= this.options.crashLoopExits };
  }

  /** True while the recent exits still count as a loop (they age out of the window). */
  inCrashLoop(now: number): boolean {
    return this.exits.filter((t) => now - t < this.options.crashLoopWindowMs).length >= this.options.crashLoopExits;
  }
}
