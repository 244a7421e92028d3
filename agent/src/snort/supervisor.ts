// SnortSupervisor: the SnortDriver (reconcile/ports.ts) over real Snort 3 processes.
//
// Consumes: process specs from the reconciler (start / stop / reload), the user's snort.lua and rules folder
//   (through refreshConfig()), and Snort's own output (stdout under stdbuf -oL, stderr).
// Emits: running() and per-interface health() with onHealthChanged; telemetry through events.ts (logs and
//   metrics: starts, exits, rejected configs, reloads, live interfaces, daq packet counters).
// Guarantees:
//   - No config reaches Snort without `snort -T --warn-all` accepting it first; a rejected one leaves the
//     last good config (and its rules snapshot) in use, and says why with Snort's ERROR lines.
//   - An interface is live only after Snort printed `++ [N] <iface>` for it, and stops being live at
//     `-- [N] <iface>` or at exit; exit code 0 is never taken as success (FACTS §4, §5, §11).
//   - An exited process is restarted with exponential backoff and jitter until stop(); five exits within
//     five minutes show as SNORT_CRASH_LOOP on its interfaces. The loop never dies of its own error.
//   - stop() is SIGTERM, then SIGKILL after stopTimeoutMs, and resolves once the process is gone.
//   - After an agent restart, adoptLeftovers() adopts the Snort processes this agent started (found by their
//     -l folder, checked against the manifest) and kills those it cannot vouch for; process folders with
//     alert files are never deleted here (leftoverProcessDirs() hands them to the alert tailer).
import { execa } from 'execa';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type { Registry } from 'prom-client';
import type { Clock } from '../platform/clock.js';
import { systemClock } from '../platform/clock.js';
import type { ErrorCode } from '../platform/errors.js';
import { SnortError, errorMessageOf } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { InterfaceHealth, RunningSnortProcess, SnortDriver, SnortProcessSpec } from '../reconcile/ports.js';
import type { ConfigInputs } from './config-inputs.js';
import { loadConfigInputs, pruneRuleSnapshots, snapshotRules } from './config-inputs.js';
import { SnortEvents } from './events.js';
import { OutputFollower } from './output-follower.js';
import type { LeftoverDir } from './leftovers.js';
import { findLeftoverProcesses, isAlive, listProcessDirs } from './leftovers.js';
import type { ProcessManifest } from './layout.js';
import { CANDIDATE_CONFIG, GENERATED_CONFIG, MANIFEST_FILE, STDERR_FILE, STDOUT_FILE, isAlertFileName, processDir, snortRoot } from './layout.js';
import { DaqStatsCollector, classifySnortLine } from './output-lines.js';
import type { HashedFile, RenderedSnortConfig } from './render.js';
import { renderSnortConfig, withConfigFile } from './render.js';
import type { RestartPolicyOptions } from './restart-policy.js';
import { DEFAULT_RESTART_POLICY, RestartPolicy } from './restart-policy.js';
import type { SnortProbe } from './snort-probe.js';
import { findExecutable, probeSnort } from './snort-probe.js';
import type { ValidateSnort, ValidationResult } from './validate.js';
import { validateSnortConfig } from './validate.js';

/** The unprivileged identity Snort runs as when the agent is root (FACTS §5). */
const NOBODY = 65534;

export interface SnortSupervisorOptions {
  snortBin: string;
  stateDir: string;
  rulesDir: string;
  /** --snort-config; undefined = /usr/etc/snort/snort.lua when it exists, else snort-config/snort.lua. */
  snortConfig: string | undefined;
  /** --snort-config-dir; undefined = <prefix>/etc/snort of the binary. */
  snortConfigDir: string | undefined;
  bufferSizeMb: number;
  alertPayload: boolean;
  alertFileLimitMb: number;
  /** "nobody" (default when root): uid/gid 65534 with only CAP_NET_RAW; "root" keeps root; or a uid. */
  snortUser: string;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  random?: () => number;
  restartPolicy?: RestartPolicyOptions;
  /** SIGTERM → SIGKILL delay. */
  stopTimeoutMs?: number;
  /** How often to ask Snort for its stats (SIGUSR1); 0 = never. */
  statsIntervalMs?: number;
  /** How long to wait for "== reload complete" before giving up on a reload. */
  reloadTimeoutMs?: number;
  /** Injected edges (tests): the -T runner, /proc, /sys/class/net, the install override path, bundled config. */
  validate?: ValidateSnort;
  procRoot?: string;
  sysClassNet?: string;
  installOverridePath?: string;
  bundledConfigPath?: string;
}

/** One validated config: what every process is rendered from until the next accepted change. */
interface Generation {
  hash: string;
  inputs: ConfigInputs;
  rules: HashedFile[];
  snapshotDir: string;
}

interface ThreadState {
  live: boolean;
  reason?: string;
  code?: ErrorCode;
  since: number;
}

interface ReloadWaiter {
  resolve: (outcome: 'complete' | 'failed' | 'pending') => void;
}

interface Proc {
  spec: SnortProcessSpec;
  dir: string;
  /** Stops following the output files of a process adopted after an agent restart. */
  adoptedFollowers?: () => void;
  rendered: RenderedSnortConfig | undefined;
  generation: Generation | undefined;
  threads: Map<string, ThreadState>;
  dead: Set<string>;
  policy: RestartPolicy;
  pid: number | undefined;
  adopted: boolean;
  stopping: boolean;
  /** Aborts the current run (execa cancelSignal) or the backoff sleep. */
  abort: AbortController;
  loop: Promise<void> | undefined;
  exited: Promise<void> | undefined;
  reloadWaiter: ReloadWaiter | undefined;
  recentErrors: string[];
  openFailures: Map<string, string>;
  receiveFailures: Map<string, string>;
}

export interface ConfigStatus {
  /** The generation in use (what configHash() returns). */
  hash: string | undefined;
  /** The last rejected change, while it is still the newest input. */
  rejected: { hash: string; errors: string[]; warnings: string[]; at: number } | undefined;
}

export class SnortSupervisor implements SnortDriver {
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly events: SnortEvents;
  private readonly validate: ValidateSnort;
  private readonly procs = new Map<string, Proc>();
  private readonly failedStarts = new Map<string, InterfaceHealth[]>();
  private readonly listeners: Array<() => void> = [];
  private probe: SnortProbe | undefined;
  private wrappers: string[] = [];
  private generation: Generation | undefined;
  private rejected: ConfigStatus['rejected'];
  private statsTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SnortSupervisorOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.events = new SnortEvents(options.logger, options.registry);
    this.validate = options.validate ?? validateSnortConfig;
  }

  /** Probes the binary, prepares the state folder and validates the first generation. Call once. */
  async init(): Promise<ConfigStatus> {
    this.probe = await probeSnort(this.options.snortBin);
    this.wrappers = await this.launchWrappers();
    await mkdir(snortRoot(this.options.stateDir), { recursive: true });
    // Others may pass through to their own folder (Snort as 65534), not list the agent's state.
    await chmod(this.options.stateDir, 0o711).catch(() => undefined);
    await chmod(snortRoot(this.options.stateDir), 0o711);
    if (this.wrappers.length > 0 && this.wrappers[0]?.endsWith('setpriv')) await this.checkReachableByDroppedUser();
    const status = await this.refreshConfig();
    const interval = this.options.statsIntervalMs ?? 30_000;
    if (interval > 0) {
      this.statsTimer = setInterval(() => this.requestStats(), interval);
      this.statsTimer.unref();
    }
    return status;
  }

  /** Hash of the config generation in use: the plan's SnortProcessSpec.configHash. */
  configHash(): string {
    return this.generation?.hash ?? '';
  }

  configStatus(): ConfigStatus {
    return { hash: this.generation?.hash, rejected: this.rejected };
  }

  /** The binary's probe result (after init). */
  snortInfo(): SnortProbe | undefined {
    return this.probe;
  }

  /**
   * Re-reads the user's snort.lua and the rules folder. A change is validated with snort -T; accepted, it
   * becomes the generation new starts and reloads use (configHash() changes, listeners are told); rejected,
   * the previous generation stays and configStatus().rejected says why.
   */
  async refreshConfig(): Promise<ConfigStatus> {
    const probe = this.requireProbe();
    const inputs = await loadConfigInputs({
      rulesDir: this.options.rulesDir,
      snortConfig: this.options.snortConfig,
      owned: this.ownedSettings(),
      ...(this.options.installOverridePath === undefined ? {} : { installOverridePath: this.options.installOverridePath }),
      ...(this.options.bundledConfigPath === undefined ? {} : { bundledConfigPath: this.options.bundledConfigPath }),
    });
    if (inputs.hash === this.generation?.hash) {
      this.rejected = undefined;
      return this.configStatus();
    }
    if (inputs.hash === this.rejected?.hash) return this.configStatus();
    const snapshot = await snapshotRules(this.options.stateDir, inputs);
    const candidate: Generation = { hash: inputs.hash, inputs, rules: snapshot.files, snapshotDir: snapshot.dir };
    // Validate with a process-shaped config (the loopback stands in for the interfaces; -T opens no DAQ).
    const dir = join(snortRoot(this.options.stateDir), 'validate');
    await mkdir(dir, { recursive: true });
    const rendered = this.render(candidate, { id: 'snort-validate', interfaces: ['lo'], configHash: inputs.hash }, dir);
    const result = await this.validateRendered(rendered, dir, probe.path);
    if (!result.ok) {
      this.rejected = { hash: inputs.hash, errors: result.errors, warnings: result.warnings, at: this.clock.now() };
      this.events.configRejected('generation', result.errors, result.warnings);
      if (this.generation?.snapshotDir !== snapshot.dir) await rm(snapshot.dir, { recursive: true, force: true });
      this.notify();
      return this.configStatus();
    }
    this.generation = candidate;
    this.rejected = undefined;
    this.events.configAccepted(inputs.hash, inputs.rules.length);
    await this.pruneSnapshots();
    this.notify();
    return this.configStatus();
  }

  running(): readonly RunningSnortProcess[] {
    return [...this.procs.values()].map((p) => ({ ...p.spec, interfaces: [...p.spec.interfaces], deadInterfaces: [...p.dead].sort() }));
  }

  health(): readonly InterfaceHealth[] {
    const out: InterfaceHealth[] = [];
    for (const p of this.procs.values()) {
      for (const iface of p.spec.interfaces) {
        const t = p.threads.get(iface) ?? { live: false, since: 0 };
        out.push({
          interface: iface,
          processId: p.spec.id,
          live: t.live,
          ...(t.reason === undefined ? {} : { reason: t.reason }),
          ...(t.code === undefined ? {} : { code: t.code }),
          since: t.since,
        });
      }
    }
    for (const entries of this.failedStarts.values()) out.push(...entries);
    return out;
  }

  onHealthChanged(listener: () => void): void {
    this.listeners.push(listener);
  }

  async start(spec: SnortProcessSpec): Promise<void> {
    if (this.closed) throw new SnortError('SNORT_START_FAILED', 'the supervisor is closed');
    if (this.procs.has(spec.id)) throw new SnortError('SNORT_START_FAILED', `Snort process ${spec.id} is already running`);
    const probe = this.requireProbe();
    const generation = this.requireGeneration();
    const interfaces = [...spec.interfaces].sort();
    const dir = processDir(this.options.stateDir, spec.id);
    await this.prepareProcessDir(dir);
    const proc: Proc = this.newProc({ ...spec, interfaces, configHash: generation.hash }, dir);
    const rendered = this.render(generation, proc.spec, dir);
    const result = await this.validateRendered(rendered, dir, probe.path);
    if (!result.ok) {
      this.events.configRejected('process', result.errors, result.warnings);
      this.failedStarts.set(spec.id, interfaces.map((iface) => ({
        interface: iface, processId: spec.id, live: false, code: 'SNORT_CONFIG_REJECTED', reason: result.errors.join('\n'), since: this.clock.now(),
      })));
      this.notify();
      throw new SnortError('SNORT_CONFIG_REJECTED', `snort -T rejected the config of ${spec.id}`, { snortErrors: result.errors });
    }
    this.failedStarts.delete(spec.id);
    await this.writeConfig(dir, rendered);
    proc.rendered = rendered;
    proc.generation = generation;
    this.procs.set(spec.id, proc);
    const spawned = new Promise<void>((resolve) => {
      proc.loop = this.supervise(proc, resolve);
    });
    await spawned;
  }

  async stop(id: string): Promise<void> {
    this.failedStarts.delete(id);
    const proc = this.procs.get(id);
    if (!proc) return;
    proc.stopping = true;
    if (proc.adopted && proc.pid !== undefined) await this.killPid(proc.pid);
    proc.abort.abort();
    await proc.loop;
    await proc.exited;
    this.procs.delete(id);
    this.notify();
  }

  async reload(id: string, configHash: string): Promise<void> {
    const proc = this.procs.get(id);
    if (!proc) throw new SnortError('SNORT_RELOAD_FAILED', `no Snort process ${id} to reload`);
    const probe = this.requireProbe();
    const generation = this.requireGeneration();
    if (configHash !== generation.hash) {
      this.options.logger.debug('snort reload uses the current generation', { process: id, asked: configHash, current: generation.hash });
    }
    const rendered = this.render(generation, proc.spec, proc.dir);
    if (rendered.hash === proc.rendered?.hash) {
      proc.spec.configHash = generation.hash;
      return;
    }
    // Without its stdout (adopted after an agent restart) a reload's outcome cannot be seen: restart instead.
    if (proc.adopted) {
      await this.stop(id);
      await this.start({ ...proc.spec, configHash: generation.hash });
      this.events.reloaded(id, 'restarted');
      return;
    }
    const candidatePath = join(proc.dir, CANDIDATE_CONFIG);
    await writeFile(candidatePath, rendered.files[GENERATED_CONFIG] ?? '', { mode: 0o644 });
    const result = await this.validate(probe.path, withConfigFile(rendered.args, candidatePath));
    if (!result.ok) {
      await rm(candidatePath, { force: true });
      this.events.configRejected('process', result.errors, result.warnings);
      this.events.reloaded(id, 'rejected', result.errors);
      throw new SnortError('SNORT_CONFIG_REJECTED', `snort -T rejected the new config of ${id}; the old one keeps running`, { snortErrors: result.errors });
    }
    const previous = await readFile(join(proc.dir, GENERATED_CONFIG), 'utf8').catch(() => undefined);
    await rename(candidatePath, join(proc.dir, GENERATED_CONFIG));
    const accepted = () => {
      proc.rendered = rendered;
      proc.generation = generation;
      proc.spec.configHash = generation.hash;
      void this.writeManifest(proc).catch((err: unknown) => this.events.supervisorFailed(id, err));
    };
    if (proc.pid === undefined) {
      // Between runs (backoff): the next start reads the new file.
      accepted();
      return;
    }
    const outcome = await this.hangUp(proc);
    if (outcome === 'complete') {
      accepted();
      this.events.reloaded(id, 'complete');
      await this.pruneSnapshots();
      this.notify();
      return;
    }
    // Snort kept its old config; put the old file back so a restart does not pick up what Snort refused.
    if (previous !== undefined) await writeFile(join(proc.dir, GENERATED_CONFIG), previous, { mode: 0o644 });
    const errors = proc.recentErrors.slice(-10);
    this.events.reloaded(id, outcome === 'failed' ? 'failed' : 'pending', errors);
    throw new SnortError('SNORT_RELOAD_FAILED', `Snort ${outcome === 'failed' ? 'rejected' : 'did not finish'} the reload of ${id}; the old config keeps running`, { snortErrors: errors });
  }

  /**
   * After an agent restart: adopts the Snort processes a previous agent started here whose command line
   * matches their manifest, and kills the others (SIGTERM, then SIGKILL). Adopted processes appear in
   * running() with the configHash they were started with, so the plan reloads or stops them as needed.
   */
  async adoptLeftovers(): Promise<{ adopted: string[]; killed: number[] }> {
    const dirs = new Map((await listProcessDirs(this.options.stateDir)).map((d) => [d.processId, d]));
    const adopted: string[] = [];
    const killed: number[] = [];
    for (const found of await findLeftoverProcesses(this.options.stateDir, this.options.procRoot)) {
      const own = this.procs.get(found.processId);
      if (own && own.pid === found.pid) continue;
      const manifest = dirs.get(found.processId)?.manifest;
      const matches = manifest !== undefined && !own && sameCommand(found.cmdline, manifest.command);
      if (!matches) {
        this.events.leftoverFound(found.processId, found.pid, 'killed', manifest ? 'command line differs from its manifest' : 'no manifest');
        await this.killPid(found.pid);
        killed.push(found.pid);
        continue;
      }
      this.adopt(found.processId, found.pid, manifest);
      adopted.push(found.processId);
    }
    this.notify();
    return { adopted, killed };
  }

  /** Process folders no running process owns that still hold alert files: for the alert tailer to drain. */
  async leftoverProcessDirs(): Promise<LeftoverDir[]> {
    return (await listProcessDirs(this.options.stateDir)).filter((d) => !this.procs.has(d.processId) && d.alertFiles.length > 0);
  }

  /** Deletes a process folder once it holds no alert files (the tailer deletes those when drained). */
  async removeProcessDir(id: string): Promise<boolean> {
    if (this.procs.has(id)) return false;
    const dir = processDir(this.options.stateDir, id);
    const files = await readdir(dir).catch(() => undefined);
    if (files === undefined) return true;
    if (files.some(isAlertFileName)) return false;
    await rm(dir, { recursive: true, force: true });
    return true;
  }

  /** Agent shutdown: stops every process. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.statsTimer) clearInterval(this.statsTimer);
    await Promise.all([...this.procs.keys()].map((id) => this.stop(id)));
  }

  /** Asks every process for its stats now (SIGUSR1); the daq counters arrive on stdout. */
  requestStats(): void {
    for (const p of this.procs.values()) {
      if (p.pid !== undefined && !p.adopted) {
        try {
          process.kill(p.pid, 'SIGUSR1');
        } catch {
          // exited meanwhile; the loop records that
        }
      }
    }
  }

  // ------------------------------------------------------------------ supervision loop

  /** run → record exit → back off → run again, until stop(). Never throws. */
  private async supervise(proc: Proc, spawned: () => void): Promise<void> {
    let first = true;
    while (!proc.stopping) {
      // A veth that is gone cannot be opened, and Snort then exits as a whole (FACTS §4): restarting a
      // process that also inspects other pods can only fail and leave them uninspected. Report every thread
      // dead instead, so the plan restarts the others without it. (A one-interface process just backs off:
      // its failure is the truth, and the plan stops it once its pod is gone.)
      const vanished = this.vanishedInterfaces(proc);
      if (vanished.length > 0 && vanished.length < proc.spec.interfaces.length) {
        if (first) spawned();
        await this.park(proc, vanished);
        break;
      }
      const startedAt = this.clock.monotonic();
      let exit: { exitCode?: number; signal?: string } = {};
      try {
        exit = await this.runOnce(proc, first ? spawned : undefined);
      } catch (err) {
        this.events.supervisorFailed(proc.spec.id, err);
      } finally {
        if (first) spawned();
        first = false;
      }
      if (proc.stopping) break;
      const ranMs = this.clock.monotonic() - startedAt;
      const { delayMs, crashLoop } = proc.policy.exited(this.clock.now(), ranMs, this.random());
      const startFailed = proc.openFailures.size > 0;
      const code: ErrorCode = crashLoop ? 'SNORT_CRASH_LOOP' : startFailed ? 'SNORT_START_FAILED' : 'SNORT_EXITED';
      const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${String(exit.exitCode)}`;
      for (const iface of proc.spec.interfaces) {
        const why = proc.openFailures.get(iface) ?? proc.receiveFailures.get(iface) ?? firstOpenFailure(proc) ?? proc.recentErrors.at(-1);
        const reason = `${crashLoop ? 'Snort keeps exiting' : 'Snort exited'} (${how})${why ? `: ${why}` : ''}; restarting in ${Math.round(delayMs / 1000)} s`;
        this.setThread(proc, iface, { live: false, code, reason });
      }
      this.events.snortExited(proc.spec.id, crashLoop ? 'crash-loop' : startFailed ? 'start-failed' : 'exited', code, {
        ...exit, delayMs, errors: proc.recentErrors.slice(-5),
      });
      this.notify();
      await this.clock.sleep(delayMs, proc.abort.signal);
      if (proc.abort.signal.aborted && !proc.stopping) proc.abort = new AbortController();
      if (!proc.stopping) {
        // A restart renders from the current generation: the last config snort -T accepted.
        try {
          const generation = this.requireGeneration();
          const rendered = this.render(generation, proc.spec, proc.dir);
          if (rendered.hash !== proc.rendered?.hash) {
            await this.writeConfig(proc.dir, rendered);
            proc.rendered = rendered;
            proc.generation = generation;
            proc.spec.configHash = generation.hash;
          }
        } catch (err) {
          this.events.supervisorFailed(proc.spec.id, err);
        }
      }
    }
  }

  private async runOnce(proc: Proc, spawned: (() => void) | undefined): Promise<{ exitCode?: number; signal?: string }> {
    const probe = this.requireProbe();
    const rendered = proc.rendered;
    if (!rendered) throw new Error(`no rendered config for ${proc.spec.id}`);
    proc.openFailures.clear();
    proc.receiveFailures.clear();
    proc.dead.clear();
    proc.recentErrors = [];
    const command = [...this.wrappers, probe.path, ...rendered.args];
    // Output goes to files in the process folder (output-follower.ts says why), read as they grow.
    const stdoutPath = join(proc.dir, STDOUT_FILE);
    const stderrPath = join(proc.dir, STDERR_FILE);
    const stats = new DaqStatsCollector();
    const followers = await Promise.all([
      OutputFollower.start({ path: stdoutPath, onLine: (line) => this.onLine(proc, 'stdout', line, stats) }),
      OutputFollower.start({ path: stderrPath, onLine: (line) => this.onLine(proc, 'stderr', line, stats) }),
    ]);
    const child = execa(command[0]!, command.slice(1), {
      stdin: 'ignore',
      // O_APPEND: Snort's lines always land at the end, even after the follower truncates the file.
      stdout: { file: stdoutPath, append: true },
      stderr: { file: stderrPath, append: true },
      reject: false,
      cleanup: false,
      cancelSignal: proc.abort.signal,
      killSignal: 'SIGTERM',
      forceKillAfterDelay: this.options.stopTimeoutMs ?? 5000,
      cwd: proc.dir,
    });
    proc.pid = child.pid;
    let resolveExited: () => void = () => undefined;
    proc.exited = new Promise((r) => (resolveExited = r));
    this.events.statsReset(proc.spec.id);
    for (const iface of proc.spec.interfaces) this.setThread(proc, iface, { live: false, code: 'SNORT_START_FAILED', reason: 'Snort is starting' });
    await this.writeManifest(proc, command).catch((err: unknown) => this.events.supervisorFailed(proc.spec.id, err));
    this.events.snortStarted(proc.spec.id, child.pid, command);
    this.notify();
    spawned?.();
    const result = await child;
    await Promise.all(followers.map((f) => f.finish()));
    proc.pid = undefined;
    proc.reloadWaiter?.resolve('failed');
    proc.reloadWaiter = undefined;
    resolveExited();
    const out: { exitCode?: number; signal?: string } = {};
    if (result.exitCode !== undefined) out.exitCode = result.exitCode;
    if (result.signal !== undefined) out.signal = result.signal;
    return out;
  }

  private onLine(proc: Proc, stream: 'stdout' | 'stderr', line: string, stats: DaqStatsCollector): void {
    this.events.snortOutput(proc.spec.id, stream, line);
    if (stream === 'stdout') {
      const counters = stats.push(line);
      if (counters) this.events.statsReported(proc.spec.id, proc.spec.interfaces.length === 1 ? proc.spec.interfaces[0]! : '*', counters);
    }
    const parsed = classifySnortLine(line);
    switch (parsed.kind) {
      case 'thread-started': {
        const iface = proc.spec.interfaces[parsed.thread] ?? parsed.iface;
        proc.dead.delete(iface);
        this.setThread(proc, iface, { live: true });
        this.notify();
        break;
      }
      case 'thread-stopped': {
        const iface = proc.spec.interfaces[parsed.thread] ?? parsed.iface;
        proc.dead.add(iface);
        const why = proc.receiveFailures.get(iface);
        this.setThread(proc, iface, { live: false, code: 'INTERFACE_MISSING', reason: `Snort stopped inspecting ${iface}${why ? `: ${why}` : ''}` });
        this.notify();
        break;
      }
      case 'daq-open-failed':
        proc.openFailures.set(parsed.iface, line);
        this.setThread(proc, parsed.iface, { live: false, code: 'SNORT_START_FAILED', reason: line });
        this.notify();
        break;
      case 'daq-receive-failed':
        proc.receiveFailures.set(parsed.iface, line);
        break;
      case 'reload-complete':
        proc.reloadWaiter?.resolve('complete');
        break;
      case 'reload-failed':
        proc.reloadWaiter?.resolve('failed');
        break;
      case 'reload-pending':
        proc.reloadWaiter?.resolve('pending');
        break;
      case 'error':
      case 'fatal':
        proc.recentErrors.push(parsed.text);
        if (proc.recentErrors.length > 20) proc.recentErrors.shift();
        break;
      default:
        break;
    }
  }

  /** SIGHUP and wait for Snort's verdict; "reload pending; retry" is retried with backoff a few times. */
  private async hangUp(proc: Proc): Promise<'complete' | 'failed' | 'pending'> {
    const timeoutMs = this.options.reloadTimeoutMs ?? 60_000;
    for (let attempt = 0; attempt < 5; attempt++) {
      const pid = proc.pid;
      if (pid === undefined) return 'complete';
      proc.recentErrors = [];
      const outcome = await new Promise<'complete' | 'failed' | 'pending'>((resolve) => {
        const timer = setTimeout(() => resolve('pending'), timeoutMs);
        proc.reloadWaiter = {
          resolve: (o) => {
            clearTimeout(timer);
            proc.reloadWaiter = undefined;
            resolve(o);
          },
        };
        try {
          process.kill(pid, 'SIGHUP');
        } catch {
          proc.reloadWaiter.resolve('failed');
        }
      });
      if (outcome !== 'pending') return outcome;
      this.events.reloaded(proc.spec.id, 'pending');
      await this.clock.sleep(Math.min(10_000, 500 * 2 ** attempt));
    }
    return 'pending';
  }

  // ------------------------------------------------------------------ adoption

  private adopt(id: string, pid: number, manifest: ProcessManifest): void {
    const dir = processDir(this.options.stateDir, id);
    const proc = this.newProc({ id, interfaces: [...manifest.interfaces].sort(), configHash: manifest.configHash }, dir);
    proc.adopted = true;
    proc.pid = pid;
    this.procs.set(id, proc);
    this.events.leftoverFound(id, pid, 'adopted', 'command line matches its manifest');
    const netDir = this.options.sysClassNet ?? '/sys/class/net';
    // Its output files are followed from where they are now (what came before was handled by the previous
    // agent), so reloads and `--` lines are seen again. A thread counts as live while the process lives and
    // its interface exists (a vanished veth is exactly what stops a thread, FACTS §4).
    const stats = new DaqStatsCollector();
    void Promise.all([
      OutputFollower.start({ path: join(proc.dir, STDOUT_FILE), onLine: (line) => this.onLine(proc, 'stdout', line, stats) }),
      OutputFollower.start({ path: join(proc.dir, STDERR_FILE), onLine: (line) => this.onLine(proc, 'stderr', line, stats) }),
    ]).then((followers) => {
      const stopFollowing = (): void => followers.forEach((f) => f.stop());
      if (proc.abort.signal.aborted || !proc.adopted) stopFollowing();
      else {
        proc.abort.signal.addEventListener('abort', stopFollowing, { once: true });
        proc.adoptedFollowers = stopFollowing;
      }
    });
    const check = (): void => {
      if (proc.stopping) return;
      const alive = isAlive(pid);
      for (const iface of proc.spec.interfaces) {
        const exists = existsSync(join(netDir, iface));
        const live = alive && exists;
        const prev = proc.threads.get(iface);
        if (prev?.live === live && prev.since !== 0) continue;
        if (!exists) proc.dead.add(iface);
        this.setThread(proc, iface, live
          ? { live: true, reason: 'adopted after an agent restart' }
          : { live: false, code: alive ? 'INTERFACE_MISSING' : 'SNORT_EXITED', reason: alive ? `${iface} no longer exists` : 'the adopted Snort process exited' });
        this.notify();
      }
      if (!alive) {
        // Not our child, so no exit status: start it again as our own, through the normal loop.
        clearInterval(timer);
        proc.adoptedFollowers?.();
        proc.adopted = false;
        proc.pid = undefined;
        void this.restartAdopted(proc);
      }
    };
    const timer = setInterval(check, 1000);
    timer.unref();
    proc.abort.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    check();
  }

  private vanishedInterfaces(proc: Proc): string[] {
    const netDir = this.options.sysClassNet ?? '/sys/class/net';
    return proc.spec.interfaces.filter((iface) => !existsSync(join(netDir, iface)));
  }

  /** Not running, and not restarting, until the plan stops this process (all threads reported dead). */
  private async park(proc: Proc, vanished: readonly string[]): Promise<void> {
    for (const iface of proc.spec.interfaces) {
      proc.dead.add(iface);
      const reason = vanished.includes(iface)
        ? `${iface} no longer exists; Snort stopped inspecting it`
        : `Snort is restarting without ${vanished.join(', ')}, which no longer exists`;
      this.setThread(proc, iface, { live: false, code: 'INTERFACE_MISSING', reason });
    }
    this.notify();
    while (!proc.stopping) {
      await this.clock.sleep(1000, proc.abort.signal);
      if (proc.abort.signal.aborted && !proc.stopping) proc.abort = new AbortController();
    }
  }

  private async restartAdopted(proc: Proc): Promise<void> {
    try {
      const generation = this.requireGeneration();
      const rendered = this.render(generation, proc.spec, proc.dir);
      await this.writeConfig(proc.dir, rendered);
      proc.rendered = rendered;
      proc.generation = generation;
      proc.spec.configHash = generation.hash;
      await new Promise<void>((resolve) => {
        proc.loop = this.supervise(proc, resolve);
      });
    } catch (err) {
      this.events.supervisorFailed(proc.spec.id, err);
    }
  }

  // ------------------------------------------------------------------ helpers

  private newProc(spec: SnortProcessSpec, dir: string): Proc {
    return {
      spec,
      dir,
      rendered: undefined,
      generation: undefined,
      threads: new Map(),
      dead: new Set(),
      policy: new RestartPolicy(this.options.restartPolicy ?? DEFAULT_RESTART_POLICY),
      pid: undefined,
      adopted: false,
      stopping: false,
      abort: new AbortController(),
      loop: undefined,
      exited: undefined,
      reloadWaiter: undefined,
      recentErrors: [],
      openFailures: new Map(),
      receiveFailures: new Map(),
    };
  }

  private setThread(proc: Proc, iface: string, next: { live: boolean; reason?: string; code?: ErrorCode }): void {
    const prev = proc.threads.get(iface);
    const state: ThreadState = { live: next.live, since: this.clock.now() };
    if (next.reason !== undefined) state.reason = next.reason;
    if (next.code !== undefined && !next.live) state.code = next.code;
    if (prev && prev.live === state.live && prev.reason === state.reason && prev.code === state.code) return;
    proc.threads.set(iface, state);
    if (prev?.live !== state.live) this.events.threadChanged(proc.spec.id, iface, state.live, state.reason);
  }

  private notify(): void {
    let live = 0;
    let down = 0;
    for (const h of this.health()) if (h.live) live += 1; else down += 1;
    this.events.interfacesCounted(live, down);
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.events.supervisorFailed('-', err);
      }
    }
  }

  private render(generation: Generation, spec: SnortProcessSpec, dir: string): RenderedSnortConfig {
    const probe = this.requireProbe();
    return renderSnortConfig({
      processId: spec.id,
      interfaces: [...spec.interfaces].sort(),
      processDir: dir,
      userConfig: generation.inputs.userConfig,
      includePath: this.options.snortConfigDir ?? probe.installConfigDir,
      rules: generation.rules,
      bufferSizeMb: this.options.bufferSizeMb,
      alertPayload: this.options.alertPayload,
      alertFileLimitMb: this.options.alertFileLimitMb,
      hyperscan: probe.hyperscan,
    });
  }

  private ownedSettings(): Record<string, unknown> {
    return {
      bufferSizeMb: this.options.bufferSizeMb,
      alertPayload: this.options.alertPayload,
      alertFileLimitMb: this.options.alertFileLimitMb,
      hyperscan: this.probe?.hyperscan,
      includePath: this.options.snortConfigDir ?? this.probe?.installConfigDir,
    };
  }

  private async validateRendered(rendered: RenderedSnortConfig, dir: string, bin: string): Promise<ValidationResult> {
    const candidate = join(dir, CANDIDATE_CONFIG);
    await writeFile(candidate, rendered.files[GENERATED_CONFIG] ?? '', { mode: 0o644 });
    try {
      return await this.validate(bin, withConfigFile(rendered.args, candidate));
    } catch (err) {
      return { ok: false, errors: [`snort -T could not run: ${errorMessageOf(err)}`], warnings: [], exitCode: undefined };
    } finally {
      await rm(candidate, { force: true });
    }
  }

  private async prepareProcessDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    // Snort may run as uid 65534 and must create its alert files here.
    await chmod(dir, 0o777);
  }

  private async writeConfig(dir: string, rendered: RenderedSnortConfig): Promise<void> {
    for (const [name, content] of Object.entries(rendered.files)) {
      const tmp = join(dir, `.${name}.tmp`);
      await writeFile(tmp, content, { mode: 0o644 });
      await rename(tmp, join(dir, name));
    }
  }

  private async writeManifest(proc: Proc, command?: string[]): Promise<void> {
    const path = join(proc.dir, MANIFEST_FILE);
    const previous = await readFile(path, 'utf8').then((t) => JSON.parse(t) as ProcessManifest).catch(() => undefined);
    const manifest: ProcessManifest = {
      id: proc.spec.id,
      interfaces: proc.spec.interfaces,
      configHash: proc.spec.configHash,
      renderHash: proc.rendered?.hash ?? '',
      command: command ?? previous?.command ?? [],
      ...(proc.pid === undefined ? {} : { pid: proc.pid }),
      startedAt: command ? this.clock.now() : previous?.startedAt ?? this.clock.now(),
    };
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n', { mode: 0o644 });
    await rename(tmp, path);
  }

  private async pruneSnapshots(): Promise<void> {
    const keep = new Set<string>();
    if (this.generation) keep.add(this.generation.snapshotDir);
    for (const p of this.procs.values()) if (p.generation) keep.add(p.generation.snapshotDir);
    await pruneRuleSnapshots(this.options.stateDir, keep).catch((err: unknown) => this.events.supervisorFailed('-', err));
  }

  private async killPid(pid: number): Promise<void> {
    const signal = (s: NodeJS.Signals): void => {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const deadline = this.clock.monotonic() + (this.options.stopTimeoutMs ?? 5000);
    while (isAlive(pid) && !isZombie(pid, this.options.procRoot) && this.clock.monotonic() < deadline) await sleepReal(50);
    if (isAlive(pid) && !isZombie(pid, this.options.procRoot)) signal('SIGKILL');
    while (isAlive(pid) && !isZombie(pid, this.options.procRoot)) await sleepReal(20);
  }

  /**
   * Snort runs as an unprivileged user, which must be able to walk down to its process folder: a parent that
   * others cannot enter (a 0700 temp or home folder) would only show up later as Snort failing to open its
   * config. Say so up front, with the folder and the fixes.
   */
  private async checkReachableByDroppedUser(): Promise<void> {
    let dir = resolvePath(this.options.stateDir);
    for (;;) {
      const mode = (await stat(dir)).mode;
      if ((mode & 0o001) === 0) {
        throw new SnortError(
          'SNORT_START_FAILED',
          `Snort runs as user ${this.options.snortUser} and cannot enter ${dir} (mode ${(mode & 0o777).toString(8)}) on the way to ` +
            `--state-dir ${this.options.stateDir}: chmod o+x ${dir}, choose a --state-dir under a traversable folder, or pass --snort-user root`,
        );
      }
      const parent = dirname(dir);
      if (parent === dir) return;
      dir = parent;
    }
  }

  /** setpriv (drop to 65534 + CAP_NET_RAW) and stdbuf -oL (Snort block-buffers stdout on a pipe). */
  private async launchWrappers(): Promise<string[]> {
    const wrappers: string[] = [];
    const user = this.options.snortUser;
    if (process.getuid?.() === 0 && user !== 'root') {
      const uid = user === 'nobody' ? NOBODY : /^\d+$/.test(user) ? Number(user) : await lookupUid(user);
      const setpriv = await findExecutable('setpriv');
      if (uid === undefined) this.events.privilegeNotDropped(`unknown user ${JSON.stringify(user)}`);
      else if (!setpriv) this.events.privilegeNotDropped('setpriv (util-linux) not found');
      else wrappers.push(setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--inh-caps=+net_raw', '--ambient-caps=+net_raw');
    }
    const stdbuf = await findExecutable('stdbuf');
    if (stdbuf) wrappers.push(stdbuf, '-oL');
    return wrappers;
  }

  private requireProbe(): SnortProbe {
    if (!this.probe) throw new SnortError('SNORT_NOT_FOUND', 'SnortSupervisor.init() has not run');
    return this.probe;
  }

  private requireGeneration(): Generation {
    if (!this.generation) {
      throw new SnortError('SNORT_CONFIG_REJECTED', 'no Snort config has been accepted yet', { snortErrors: this.rejected?.errors ?? [] });
    }
    return this.generation;
  }
}

function firstOpenFailure(proc: Proc): string | undefined {
  return proc.openFailures.values().next().value;
}

/** The leftover's command line ends with the manifest's (wrappers exec into snort, so only its argv remains). */
function sameCommand(cmdline: readonly string[], command: readonly string[]): boolean {
  const at = command.findIndex((a) => a === '-c');
  if (at < 1) return false;
  const snortArgs = command.slice(at);
  const tail = cmdline.slice(cmdline.length - snortArgs.length);
  return tail.length === snortArgs.length && tail.every((a, i) => a === snortArgs[i]);
}

function isZombie(pid: number, procRoot = '/proc'): boolean {
  try {
    // "pid (comm) S ..." — state Z once dead but not yet reaped by its parent.
    const stat = readFileSyncSafe(join(procRoot, String(pid), 'stat'));
    return stat === undefined || /\) Z /.test(stat);
  } catch {
    return true;
  }
}

function readFileSyncSafe(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function sleepReal(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function lookupUid(user: string): Promise<number | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  const line = passwd.split('\n').find((l) => l.split(':')[0] === user);
  const uid = line?.split(':')[2];
  return uid === undefined ? undefined : Number(uid);
}
