import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 1000 };

  it('grows exponentially from half to the full nominal delay', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(50);
    expect(backoffDelay(0, policy, () => 0.999999)).toBe(100);
    expect(backoffDelay(1, policy, () => 0)).toBe(100);
    expect(backoffDelay(3, policy, () => 0)).toBe(400);
  });

  it('is capped at maxMs', () => {
    expect(backoffDelay(20, policy, () => 0.999999)).toBe(1000);
    expect(backoffDelay(20, policy, () => 0)).toBe(500);
  });
});
