import type { InterfaceHealth } from './ports.js';
import type { StatusInput } from './status.js';
import { MAX_ERROR_CONDITIONS, computeNodeStatus, rfc3339 } from './status.js';

const T0 = Date.parse('2026-12-04T10:00:00.500Z');
const T1 = T0 + 60_000;
const live = (iface: string): InterfaceHealth => ({ interface: iface, processId: 'snort-x', live: true, since: T0 });
const down = (iface: string, reason: string, code = 'SNORT_CONFIG_REJECTED'): InterfaceHealth => ({ interface: iface, processId: 'snort-x', live: false, reason, code, since: T0 });

const base = (o: Partial<StatusInput> = {}): StatusInput => ({
  node: 'node-a',
  resources: ['ns/a', 'ns/b', 'ns/none'],
  desired: {
    endpoints: [
      { namespace: 'ns', pod: 'p1', interface: 'cali1', selectedBy: ['ns/a', 'ns/b'] },
      { namespace: 'ns', pod: 'p2', interface: 'cali2', selectedBy: ['ns/b'] },
    ],
  },
  errors: [],
  health: [live('cali1'), live('cali2')],
  now: T0,
  ...o,
});

describe('computeNodeStatus', () => {
  it('success when every selected endpoint is live; false when nothing is selected here', () => {
    const s = computeNodeStatus(base());
    expect(s.get('ns/a')).toEqual({ node: 'node-a', active: { success: true, lastUpdated: '2026-12-04T10:00:00Z' }, errorConditions: [] });
    expect(s.get('ns/b')?.active.success).toBe(true);
    expect(s.get('ns/none')?.active.success).toBe(false);
  });

  it('an interface that is not live yet makes success false without inventing a condition', () => {
    const s = computeNodeStatus(base({ health: [live('cali1')] }));
    expect(s.get('ns/a')?.active.success).toBe(true);
    expect(s.get('ns/b')).toMatchObject({ active: { success: false }, errorConditions: [] });
  });

  it('Snort problems are grouped by reason and name the pods', () => {
    const s = computeNodeStatus(base({ health: [down('cali1', 'snort -T rejected the config: ERROR x'), down('cali2', 'snort -T rejected the config: ERROR x')] }));
    expect(s.get('ns/b')?.errorConditions.map((c) => c.message)).toEqual(['Snort is not inspecting ns/p1 (cali1), ns/p2 (cali2): snort -T rejected the config: ERROR x']);
    expect(s.get('ns/a')?.active.success).toBe(false);
  });

  it('orders by importance, dedupes, caps at 10 with a summary', () => {
    const errors = [
      ...Array.from({ length: 12 }, (_, i) => ({ resource: 'ns/a', code: 'INTERFACE_MISSING' as const, message: `interface cali${i + 10} missing` })),
      { resource: 'ns/a', code: 'INTERFACE_MISSING' as const, message: 'interface cali10 missing' },
      { resource: 'ns/a', code: 'SELECTOR_SYNTAX' as const, message: 'bad selector at position 3' },
    ];
    const s = computeNodeStatus(base({ errors }));
    const messages = s.get('ns/a')?.errorConditions.map((c) => c.message) ?? [];
    expect(messages).toHaveLength(MAX_ERROR_CONDITIONS);
    expect(messages[0]).toBe('bad selector at position 3');
    expect(new Set(messages).size).toBe(messages.length);
    expect(messages[9]).toBe('and 4 more error conditions on this node (see the agent log)');
  });

  it('returns the previous object while nothing changes, so the writer can skip it', () => {
    const first = computeNodeStatus(base({ errors: [{ resource: 'ns/a', code: 'CAPACITY_EXCEEDED', message: 'does not fit' }] }));
    const second = computeNodeStatus(base({ now: T1, previous: first, errors: [{ resource: 'ns/a', code: 'CAPACITY_EXCEEDED', message: 'does not fit' }] }));
    expect(second.get('ns/a')).toBe(first.get('ns/a'));
    expect(second.get('ns/b')).toBe(first.get('ns/b'));
  });

  it('a persisting condition keeps its time; active.lastUpdated moves only when success flips', () => {
    const e1 = { resource: 'ns/a', code: 'CAPACITY_EXCEEDED' as const, message: 'does not fit' };
    const first = computeNodeStatus(base({ errors: [e1] }));
    const e2 = { resource: 'ns/a', code: 'INTERFACE_MISSING' as const, message: 'cali9 missing' };
    const second = computeNodeStatus(base({ now: T1, previous: first, errors: [e1, e2] }));
    expect(second.get('ns/a')?.active.lastUpdated).toBe(rfc3339(T0));
    expect(second.get('ns/a')?.errorConditions).toEqual([
      { message: 'does not fit', lastUpdated: rfc3339(T0) },
      { message: 'cali9 missing', lastUpdated: rfc3339(T1) },
    ]);
    const third = computeNodeStatus(base({ now: T1 + 5000, previous: second }));
    expect(third.get('ns/a')).toEqual({ node: 'node-a', active: { success: true, lastUpdated: rfc3339(T1 + 5000) }, errorConditions: [] });
  });

  it('counting only what came and went (frozen, reused endpoints) equals counting everything, step by step', () => {
    let seed = 5;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const resources = ['ns/a', 'ns/b', 'ns/c', 'ns/d'];
    // A pool of frozen endpoints, as computeDesiredSet returns them; each step picks some, old and new.
    const pool = Array.from({ length: 8 }, (_, i) => {
      const selectedBy = Object.freeze(resources.filter(() => rand(3) === 0));
      return Object.freeze({ namespace: 'ns', pod: `p${i}`, interface: `cali${i}`, selectedBy: selectedBy as string[] });
    });
    let incremental: Map<string, unknown> | undefined;
    let full: Map<string, unknown> | undefined;
    let reused = 0;
    for (let step = 0; step < 400; step++) {
      const endpoints = pool.filter(() => rand(3) > 0);
      if (rand(4) === 0) {
        // A changed endpoint: a new object in place of an old one.
        const i = rand(pool.length);
        const old = pool[i] as (typeof pool)[number];
        pool[i] = Object.freeze({ ...old, selectedBy: Object.freeze(resources.filter(() => rand(2) === 0)) as string[] });
      }
      const health = endpoints.filter(() => rand(5) > 0).map((e) => (rand(6) === 0 ? down(e.interface, `reason ${rand(2)}`) : live(e.interface)));
      const input = base({ resources: rand(10) === 0 ? resources.slice(1) : resources, desired: { endpoints }, health, now: T0 + step * 1000 });
      const a = computeNodeStatus({ ...input, ...(incremental ? { previous: incremental as never } : {}) });
      // The same content as plain objects: never frozen, so always counted from scratch.
      const b = computeNodeStatus({ ...input, desired: { endpoints: endpoints.map((e) => ({ ...e, selectedBy: [...e.selectedBy] })) }, ...(full ? { previous: full as never } : {}) });
      expect([step, a]).toEqual([step, b]);
      if (incremental !== undefined) reused++;
      incremental = a;
      full = b;
    }
    expect(reused).toBe(399);
  });

  it('formats RFC 3339 like Kubernetes', () => {
    expect(rfc3339(T0)).toBe('2026-12-04T10:00:00Z');
  });
});
