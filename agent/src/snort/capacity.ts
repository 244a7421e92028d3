// Pure: how many interfaces fit in this container, from the memory model measured on Snort 3.11 (FACTS §8,
// full snort.lua + community rules, ac_bnfa, idle):
//
//   RSS(process with n threads) ≈ base + n × (ring + threadOverhead)
//   base ≈ 59 MB, threadOverhead ≈ 16 MB; hyperscan adds ≈ 30 MB to base.
//
// Check against the measurements: 8 MB ring → 1 iface 83 (model 83), 2 → 107 (107), 4 → 153 (155);
// 128 MB ring → 206 (203), 352 (347), 644 (635). A reload briefly holds a second config (VmHWM +39 MB with
// ac_bnfa, +52 MB with hyperscan), and the agent needs its own share; both are reserved.

export interface SnortMemoryModel {
  baseMb: number;
  threadOverheadMb: number;
  hyperscanExtraMb: number;
  reloadPeakMb: number;
  hyperscanReloadPeakMb: number;
}

export const MEASURED_MEMORY_MODEL: SnortMemoryModel = {
  baseMb: 59,
  threadOverheadMb: 16,
  hyperscanExtraMb: 30,
  reloadPeakMb: 39,
  hyperscanReloadPeakMb: 52,
};

export interface CapacityInput {
  /** The container's memory limit in bytes; undefined = unlimited. */
  memoryLimitBytes: number | undefined;
  /** The container's CPU limit in cores; undefined = unlimited. */
  cpuLimitCores: number | undefined;
  ringMb: number;
  maxInterfacesPerProcess: number;
  hyperscan: boolean;
  /** What the agent itself needs (DESIGN §7: under 100 MB). */
  agentReserveMb: number;
  model?: SnortMemoryModel;
}

export interface Capacity {
  /** How many interfaces fit; Infinity without a memory limit. */
  maxInterfaces: number;
  /** Predicted total MB (Snort processes + reserves) for n interfaces. */
  memoryForMb(n: number): number;
  perProcessBaseMb: number;
  perInterfaceMb: number;
  memoryLimitMb: number | undefined;
  cpuLimitCores: number | undefined;
}

/** Search bound: far above any node's pod count, and keeps the loop trivially cheap. */
const MAX_SEARCH = 100_000;

export function computeCapacity(input: CapacityInput): Capacity {
  const model = input.model ?? MEASURED_MEMORY_MODEL;
  const perProcessBaseMb = model.baseMb + (input.hyperscan ? model.hyperscanExtraMb : 0);
  const perInterfaceMb = input.ringMb + model.threadOverheadMb;
  const reloadMb = input.hyperscan ? model.hyperscanReloadPeakMb : model.reloadPeakMb;
  const perProcess = Math.max(1, input.maxInterfacesPerProcess);
  const memoryForMb = (n: number): number => {
    if (n <= 0) return input.agentReserveMb;
    const processes = Math.ceil(n / perProcess);
    // Reloads are applied one process at a time, so one reload peak is reserved, not one per process.
    return input.agentReserveMb + reloadMb + processes * perProcessBaseMb + n * perInterfaceMb;
  };
  const memoryLimitMb = input.memoryLimitBytes === undefined ? undefined : input.memoryLimitBytes / (1024 * 1024);
  let maxInterfaces = Infinity;
  if (memoryLimitMb !== undefined) {
    let lo = 0;
    let hi = MAX_SEARCH;
    // memoryForMb is monotonic in n: binary search the largest n that fits.
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (memoryForMb(mid) <= memoryLimitMb) lo = mid;
      else hi = mid - 1;
    }
    maxInterfaces = lo;
  }
  return { maxInterfaces, memoryForMb, perProcessBaseMb, perInterfaceMb, memoryLimitMb, cpuLimitCores: input.cpuLimitCores };
}

/** The status message when the selected interfaces do not fit, or undefined when they do. */
export function describeOverflow(capacity: Capacity, selected: number): string | undefined {
  if (selected <= capacity.maxInterfaces) return undefined;
  return (
    `${selected} interfaces are selected but the memory limit of ${Math.round(capacity.memoryLimitMb ?? 0)} MB fits ` +
    `${capacity.maxInterfaces} (each Snort process ${capacity.perProcessBaseMb} MB + ${capacity.perInterfaceMb} MB per ` +
    `interface; ${selected} need about ${Math.round(capacity.memoryForMb(selected))} MB): raise the agent's memory limit ` +
    'or lower --buffer-size-mb'
  );
}
