import { RestartPolicy } from './restart-policy.js';

const options = { initialDelayMs: 1000, maxDelayMs: 8000, healthyRunMs: 60_000, crashLoopExits: 5, crashLoopWindowMs: 300_000 };

describe('RestartPolicy', () => {
  it('backs off exponentially with jitter between half and the full ceiling, capped', () => {
    const p = new RestartPolicy(options);
    const delays = [0, 1, 2, 3, 4, 5].map((i) => p.exited(i * 1000, 10, 0.99999).delayMs);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    const q = new RestartPolicy(options);
    expect(q.exited(0, 10, 0).delayMs).toBe(500);
  });

  it('resets after a healthy run', () => {
    const p = new RestartPolicy(options);
    p.exited(0, 10, 0.999);
    p.exited(1, 10, 0.999);
    expect(p.exited(100_000, 60_000, 0.999).delayMs).toBe(1000);
  });

  it('reports a crash loop at 5 exits within 5 minutes, and it ages out', () => {
    const p = new RestartPolicy(options);
    const loops = [0, 10, 20, 30, 40].map((t) => p.exited(t * 1000, 10, 0.5).crashLoop);
    expect(loops).toEqual([false, false, false, false, true]);
    expect(p.inCrashLoop(41_000)).toBe(true);
    expect(p.inCrashLoop(400_000)).toBe(false);
  });
});
