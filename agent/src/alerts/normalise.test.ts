import { normaliseAlert, normaliseAlertLine, severityFromPriority } from './normalise.js';

const opts = { payload: false, maxPayloadBytes: 0, referenceTimeMs: Date.UTC(2027, 0, 1, 12), timestampZone: 'utc' as const };

describe('normaliseAlert', () => {
  it('parses IPv6 address:port pairs at the last colon', () => {
    const r = normaliseAlert({ seconds: 1, timestamp: '01/01-00:00:01.5', rule: '1:2:3', src_ap: 'fd00::1:443', dst_ap: 'fd00::2:51000' }, opts);
    expect(r.ok && r.alert.source).toEqual({ ip: 'fd00::1', port: 443 });
    expect(r.ok && r.alert.destination).toEqual({ ip: 'fd00::2', port: 51000 });
    expect(r.ok && r.alert.micros).toBe(500000);
  });

  it('prefers src_addr/src_port over src_ap', () => {
    const r = normaliseAlert({ seconds: 1, rule: '1:2:3', src_addr: 'fd00::9', src_port: 80, src_ap: 'x:1' }, opts);
    expect(r.ok && r.alert.source).toEqual({ ip: 'fd00::9', port: 80 });
  });

  it('puts a year-less timestamp in the most recent year not after the reference', () => {
    const r = normaliseAlert({ timestamp: '12/31-23:59:59.000001', rule: '1:2:3' }, opts);
    expect(r.ok && r.alert.timestamp).toBe('2026-12-31T23:59:59.000001Z');
    const y = normaliseAlert({ timestamp: '26/12/04-15:46:25.566875', rule: '1:2:3' }, opts);
    expect(y.ok && y.alert.timestamp).toBe('2026-12-04T15:46:25.566875Z');
  });

  it('counts malformed and incomplete records instead of throwing', () => {
    expect(normaliseAlertLine('{ "timestamp" : "12/04-15:21', opts)).toEqual({ ok: false, reason: 'malformed_json' });
    expect(normaliseAlertLine('[1,2]', opts)).toEqual({ ok: false, reason: 'not_an_object' });
    expect(normaliseAlertLine('null', opts)).toEqual({ ok: false, reason: 'not_an_object' });
    expect(normaliseAlertLine('{"seconds":1}', opts)).toEqual({ ok: false, reason: 'missing_rule' });
    expect(normaliseAlertLine('{"rule":"1:2:3"}', opts)).toEqual({ ok: false, reason: 'missing_time' });
    expect(normaliseAlertLine('{"rule":"1:2:3","timestamp":"garbage"}', opts)).toEqual({ ok: false, reason: 'missing_time' });
    // A time no Date can hold (it used to throw from toISOString).
    expect(normaliseAlertLine('{"rule":"1:2:3","seconds":17963977190000000}', opts)).toEqual({ ok: false, reason: 'missing_time' });
    expect(normaliseAlertLine('{"rule":"1:2:3","seconds":-1e300}', opts)).toEqual({ ok: false, reason: 'missing_time' });
  });

  it('maps priority to severity consistently', () => {
    expect([1, 2, 3, 4, 9, undefined, 0].map(severityFromPriority)).toEqual([73, 47, 21, 10, 10, 47, 47]);
  });

  it('drops the payload unless enabled', () => {
    const line = { seconds: 1, rule: '1:2:3', b64_data: 'QUJD' };
    expect((normaliseAlert(line, opts) as { alert: { payload?: string } }).alert.payload).toBeUndefined();
    const on = normaliseAlert(line, { ...opts, payload: true, maxPayloadBytes: 100 });
    expect(on.ok && on.alert.payload).toBe('QUJD');
  });
});

describe('plain alerts (strings written into JSON without escaping)', () => {
  it('marks a line plain only when it has no backslash and no surrogate', () => {
    const plain = (line: string): boolean | undefined => {
      const r = normaliseAlertLine(line, opts);
      return r.ok ? r.alert.plain : undefined;
    };
    expect(plain('{ "seconds" : 1, "rule" : "1:2:3", "msg" : "SERVER-WEBAPP /etc/passwd", "iface" : "cali1" }')).toBe(true);
    expect(plain('{ "seconds" : 1, "rule" : "1:2:3", "msg" : "say \\"hi\\"" }')).toBe(false);
    expect(plain('{ "seconds" : 1, "rule" : "1:2:3", "msg" : "tab\\there" }')).toBe(false);
    expect(plain('{ "seconds" : 1, "rule" : "1:2:3", "msg" : "lone \ud800" }')).toBe(false);
    expect(plain('{\t"seconds" : 1, "rule" : "1:2:3" }')).toBe(true);
    expect(normaliseAlert({ seconds: 1, rule: '1:2:3', msg: '"' }, opts)).toMatchObject({ ok: true, alert: { plain: false } });
  });
});
