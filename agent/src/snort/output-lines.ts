// Pure: one line of Snort's stdout or stderr → what it means for supervision. The line shapes are the ones
// measured on Snort 3.11 (FACTS §4–§6, validation-errors.txt). Exit code 0 is not success, so these lines
// are how the supervisor knows whether a thread really captures.

export type SnortLine =
  | { kind: 'commencing' }
  | { kind: 'thread-started'; thread: number; iface: string }
  | { kind: 'thread-stopped'; thread: number; iface: string }
  /** The DAQ could not open an interface (missing, name too long, no CAP_NET_RAW). The whole process exits 0. */
  | { kind: 'daq-open-failed'; iface: string; reason: string }
  /** A capture socket failed while running (the veth was deleted): that thread stops. */
  | { kind: 'daq-receive-failed'; iface: string; reason: string }
  | { kind: 'reload-started' }
  | { kind: 'reload-complete' }
  | { kind: 'reload-failed' }
  | { kind: 'reload-pending' }
  | { kind: 'error'; text: string }
  | { kind: 'fatal'; text: string }
  | { kind: 'other' };

const THREAD = /^(\+\+|--) \[(\d+)\] (\S+)\s*$/;
const DAQ_OPEN = /^Couldn't construct a DAQ instance \(([^)]*)\): (.*)$/;
const DAQ_RECEIVE = /^Error receiving message from the DAQ instance \(([^)]*)\)(?::\s*(.*))?$/;

export function classifySnortLine(raw: string): SnortLine {
  const line = raw.replace(/\r$/, '');
  const thread = THREAD.exec(line);
  if (thread) {
    return { kind: thread[1] === '++' ? 'thread-started' : 'thread-stopped', thread: Number(thread[2]), iface: thread[3]! };
  }
  const open = DAQ_OPEN.exec(line);
  if (open) return { kind: 'daq-open-failed', iface: open[1]!, reason: open[2]!.trim() };
  const receive = DAQ_RECEIVE.exec(line);
  if (receive) return { kind: 'daq-receive-failed', iface: receive[1]!, reason: (receive[2] ?? 'capture error').trim() };
  const trimmed = line.trim();
  if (trimmed === 'Commencing packet processing') return { kind: 'commencing' };
  if (trimmed.startsWith('Reload started.')) return { kind: 'reload-started' };
  if (trimmed === '== reload complete') return { kind: 'reload-complete' };
  if (trimmed.startsWith('== reload failed')) return { kind: 'reload-failed' };
  if (trimmed.startsWith('== reload pending')) return { kind: 'reload-pending' };
  if (line.startsWith('ERROR:')) return { kind: 'error', text: line };
  if (line.startsWith('FATAL:')) return { kind: 'fatal', text: line };
  return { kind: 'other' };
}

export interface DaqCounters {
  received: number;
  analyzed: number;
  dropped: number;
}

/**
 * Collects the `daq` block of a stats dump (SIGUSR1, or the shutdown stats):
 *
 *   daq
 *                   received: 14
 *                   analyzed: 14
 *                    dropped: 0
 *   --------------------------------------------------
 *
 * Feed every stdout line; a completed block is returned once, when the next non-counter line arrives.
 */
export class DaqStatsCollector {
  private current: Partial<Record<string, number>> | undefined;

  push(line: string): DaqCounters | undefined {
    if (this.current) {
      const m = /^\s+([a-z_]+): (\d+)/.exec(line);
      if (m) {
        this.current[m[1]!] = Number(m[2]);
        return undefined;
      }
      const done = this.current;
      this.current = undefined;
      return { received: done['received'] ?? 0, analyzed: done['analyzed'] ?? 0, dropped: done['dropped'] ?? 0 };
    }
    if (line.trim() === 'daq' && !/^\s/.test(line)) this.current = {};
    return undefined;
  }
}
