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

  it('formats RFC 3339 like Kubernetes', () => {
    expect(rfc3339(T0)).toBe('2026-12-04T10:00:00Z');
  });
});
