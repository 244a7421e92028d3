import { MEASURED_MEMORY_MODEL, computeCapacity, describeOverflow } from './capacity.js';

const MB = 1024 * 1024;
const noReserve = { ...MEASURED_MEMORY_MODEL, reloadPeakMb: 0, hyperscanReloadPeakMb: 0 };

describe('computeCapacity', () => {
  it('reproduces the measured RSS within 3% (FACTS §8)', () => {
    const measured: Array<[number, number, number]> = [
      [8, 1, 83], [8, 2, 107], [8, 4, 153], [128, 1, 206], [128, 2, 352], [128, 4, 644],
    ];
    for (const [ring, n, rss] of measured) {
      const c = computeCapacity({ memoryLimitBytes: undefined, cpuLimitCores: undefined, ringMb: ring, maxInterfacesPerProcess: 16, hyperscan: false, agentReserveMb: 0, model: noReserve });
      expect(Math.abs(c.memoryForMb(n) - rss) / rss).toBeLessThan(0.03);
    }
  });

  it('finds the largest interface count under the limit', () => {
    const c = computeCapacity({ memoryLimitBytes: 1024 * MB, cpuLimitCores: 2, ringMb: 8, maxInterfacesPerProcess: 16, hyperscan: false, agentReserveMb: 100 });
    expect(c.memoryForMb(c.maxInterfaces)).toBeLessThanOrEqual(1024);
    expect(c.memoryForMb(c.maxInterfaces + 1)).toBeGreaterThan(1024);
    // 1024 - 100 agent - 39 reload = 885 MB; 31 interfaces = 2 processes × 59 + 31 × 24 = 862 MB, 32 need 886.
    expect(c.maxInterfaces).toBe(31);
    expect(describeOverflow(c, 31)).toBeUndefined();
    expect(describeOverflow(c, 40)).toMatch(/40 interfaces are selected but the memory limit of 1024 MB fits 31/);
  });

  it('is unbounded without a memory limit', () => {
    const c = computeCapacity({ memoryLimitBytes: undefined, cpuLimitCores: undefined, ringMb: 8, maxInterfacesPerProcess: 16, hyperscan: true, agentReserveMb: 100 });
    expect(c.maxInterfaces).toBe(Infinity);
    expect(c.perProcessBaseMb).toBe(89);
  });
});
