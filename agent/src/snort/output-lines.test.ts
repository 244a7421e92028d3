import { DaqStatsCollector, classifySnortLine } from './output-lines.js';

describe('classifySnortLine', () => {
  // Lines exactly as real Snort 3.11 printed them (FACTS §4–§6, validation-errors.txt).
  const table: Array<[string, unknown]> = [
    ['++ [0] cali0123456789a', { kind: 'thread-started', thread: 0, iface: 'cali0123456789a' }],
    ['-- [1] cali0123456789b', { kind: 'thread-stopped', thread: 1, iface: 'cali0123456789b' }],
    ['Commencing packet processing', { kind: 'commencing' }],
    [
      "Couldn't construct a DAQ instance (calinothere0001): create_instance: Could not find index for device calinothere0001 (-1)",
      { kind: 'daq-open-failed', iface: 'calinothere0001', reason: 'create_instance: Could not find index for device calinothere0001 (-1)' },
    ],
    [
      'Error receiving message from the DAQ instance (cali0123456789c): wait_for_packet: Encountered error condition on a packet socket',
      { kind: 'daq-receive-failed', iface: 'cali0123456789c', reason: 'wait_for_packet: Encountered error condition on a packet socket' },
    ],
    ['Reload started. [signal]', { kind: 'reload-started' }],
    ['== reload complete', { kind: 'reload-complete' }],
    ['== reload failed - bad config', { kind: 'reload-failed' }],
    ['== reload pending; retry', { kind: 'reload-pending' }],
    ['ERROR: /tmp/reload/test.rules:3 unknown rule keyword: nosuchoption.', { kind: 'error', text: 'ERROR: /tmp/reload/test.rules:3 unknown rule keyword: nosuchoption.' }],
    ['FATAL: see prior 1 errors (0 warnings)', { kind: 'fatal', text: 'FATAL: see prior 1 errors (0 warnings)' }],
    ['o")~   Snort exiting', { kind: 'other' }],
  ];
  it.each(table)('%s', (line, expected) => expect(classifySnortLine(line)).toEqual(expected));
});

describe('DaqStatsCollector', () => {
  it('returns the daq block once it ends', () => {
    const c = new DaqStatsCollector();
    const lines = [
      '--------------------------------------------------',
      'Packet Statistics',
      '--------------------------------------------------',
      'daq',
      '                 received: 30687',
      '                 analyzed: 30687',
      '                  dropped: 12',
      '                    allow: 30687',
      '--------------------------------------------------',
    ];
    const results = lines.map((l) => c.push(l)).filter((r) => r !== undefined);
    expect(results).toEqual([{ received: 30687, analyzed: 30687, dropped: 12 }]);
  });
});
