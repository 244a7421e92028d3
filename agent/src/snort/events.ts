// Typed telemetry of the Snort stage (STYLE habit 10): every fact the stage reports is one function here,
// with a fixed message, a bounded code and its counter; core code never writes ad-hoc log strings.
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { METRIC_PREFIX } from '../platform/metrics.js';
import type { DaqCounters } from './output-lines.js';

export type SnortExitReason = 'exited' | 'start-failed' | 'crash-loop';
export type ReloadResult = 'complete' | 'failed' | 'rejected' | 'pending' | 'restarted';

export class SnortEvents {
  private readonly exits: Counter<'process' | 'reason'>;
  private readonly starts: Counter<'process'>;
  private readonly rejected: Counter<'scope'>;
  private readonly reloads: Counter<'result'>;
  private readonly threads: Gauge<'state'>;
  private readonly leftovers: Counter<'action'>;
  private readonly packets: Counter<'process' | 'interface' | 'counter'>;
  private readonly lastCounters = new Map<string, DaqCounters>();

  constructor(
    private readonly logger: Logger,
    registry: Registry,
  ) {
    const p = `${METRIC_PREFIX}snort_`;
    this.starts = new Counter({ name: `${p}starts_total`, help: 'Snort processes spawned', labelNames: ['process'], registers: [registry] });
    this.exits = new Counter({ name: `${p}exits_total`, help: 'Snort process exits (exit code 0 included: it is not success)', labelNames: ['process', 'reason'], registers: [registry] });
    this.rejected = new Counter({ name: `${p}config_rejected_total`, help: 'configurations snort -T rejected (the last good one keeps running)', labelNames: ['scope'], registers: [registry] });
    this.reloads = new Counter({ name: `${p}reloads_total`, help: 'SIGHUP reloads by result', labelNames: ['result'], registers: [registry] });
    this.threads = new Gauge({ name: `${p}interfaces`, help: 'interfaces by inspection state (live = Snort printed ++ and no -- since)', labelNames: ['state'], registers: [registry] });
    this.leftovers = new Counter({ name: `${p}leftovers_total`, help: 'processes found from before an agent restart, by what was done', labelNames: ['action'], registers: [registry] });
    this.packets = new Counter({
      name: `${p}packets_total`,
      help: "Snort's daq counters (received, analyzed, dropped); interface is \"*\" for a process with several interfaces",
      labelNames: ['process', 'interface', 'counter'],
      registers: [registry],
    });
  }

  snortStarted(process: string, pid: number | undefined, command: readonly string[]): void {
    this.starts.inc({ process });
    this.logger.info('snort started', { process, pid, command: command.join(' ') });
  }

  snortExited(process: string, reason: SnortExitReason, code: ErrorCode, detail: { exitCode?: number; signal?: string; delayMs: number; errors: readonly string[] }): void {
    this.exits.inc({ process, reason });
    const level = reason === 'crash-loop' ? 'error' : 'warn';
    this.logger.log(level, 'snort exited', { process, code, ...detail });
  }

  threadChanged(process: string, iface: string, live: boolean, reason?: string): void {
    this.logger.info(live ? 'snort thread started' : 'snort thread stopped', { process, interface: iface, reason });
  }

  interfacesCounted(live: number, down: number): void {
    this.threads.set({ state: 'live' }, live);
    this.threads.set({ state: 'down' }, down);
  }

  configRejected(scope: 'generation' | 'process', errors: readonly string[], warnings: readonly string[]): void {
    this.rejected.inc({ scope });
    this.logger.error('snort config rejected', { code: 'SNORT_CONFIG_REJECTED' satisfies ErrorCode, errors, warnings });
  }

  configAccepted(hash: string, rules: number): void {
    this.logger.info('snort config accepted', { configHash: hash, rulesFiles: rules });
  }

  reloaded(process: string, result: ReloadResult, errors: readonly string[] = []): void {
    this.reloads.inc({ result });
    this.logger.log(result === 'complete' || result === 'restarted' ? 'info' : 'warn', 'snort reload', { process, result, errors });
  }

  leftoverFound(process: string, pid: number, action: 'adopted' | 'killed', why: string): void {
    this.leftovers.inc({ action });
    this.logger.info('snort leftover', { process, pid, action, why });
  }

  privilegeNotDropped(why: string): void {
    this.logger.warn('snort runs as root', { why });
  }

  supervisorFailed(process: string, err: unknown): void {
    this.logger.error('snort supervisor error', { process, code: 'INTERNAL' satisfies ErrorCode, error: err instanceof Error ? err.message : String(err) });
  }

  /** Snort's own output, line by line, at debug. */
  snortOutput(process: string, stream: 'stdout' | 'stderr', line: string): void {
    this.logger.debug('snort output', { process, stream, line });
  }

  /** Snort reports totals since its start: counters grow by the difference (a restart starts again at 0). */
  statsReported(process: string, iface: string, counters: DaqCounters): void {
    const key = `${process}\u0000${iface}`;
    const last = this.lastCounters.get(key);
    for (const counter of ['received', 'analyzed', 'dropped'] as const) {
      const prev = last?.[counter] ?? 0;
      const delta = counters[counter] >= prev ? counters[counter] - prev : counters[counter];
      if (delta > 0) this.packets.inc({ process, interface: iface, counter }, delta);
    }
    this.lastCounters.set(key, counters);
  }

  /** A new Snort process starts its counters at 0. */
  statsReset(process: string): void {
    for (const key of [...this.lastCounters.keys()]) if (key.startsWith(`${process}\u0000`)) this.lastCounters.set(key, { received: 0, analyzed: 0, dropped: 0 });
  }
}
