// Composition root of `kube-dpi agent`: the only module that knows the concrete classes.
//
//   sources ──────────────► store ──► reconciler ──► SnortSupervisor ──► Snort processes (real snort)
//   (informers | manifests)            │  │  ▲            │ health              │ <stateDir>/snort/<id>/N_alert_json.txt
//                                      │  │  └────────────┘                     ▼
//                                      │  └─► status (SSA on the resource | <stateDir>/status.json)
//                                      └────► endpoint directory ──► alert pipeline (tail, normalise, enrich) ──► sinks
//   rules dir + snort.lua override ──► watcher ──► supervisor.refreshConfig (snort -T) ──► reconciler.setConfigHash
//
// Order matters: Snort is probed and the first config validated before anything starts; leftovers of an
// earlier run are adopted before the first plan, so a restart does not interrupt inspection; the alert
// pipeline starts after the first reconcile pass, so every alert is enriched (it resumes from checkpoints, so
// nothing is missed); on shutdown the sources stop first, then Snort, then the pipeline drains what Snort wrote.
import { hostname } from 'node:os';
import { join } from 'node:path';
import chokidar from 'chokidar';
import type { AgentConfig } from './config/options.js';
import { InterfaceResolver } from './model/interfaces/resolve-interfaces.js';
import type { DesiredError } from './reconcile/desired.js';
import { FileStatusSink } from './reconcile/file-status-sink.js';
import type { SnortDriver } from './reconcile/ports.js';
import type { StatusSink } from './reconcile/reconciler.js';
import { Reconciler } from './reconcile/reconciler.js';
import { createAlertPipeline } from './alerts/pipeline.js';
import type { AlertPipeline } from './alerts/pipeline.js';
import { ConfigError, errorMessageOf } from './platform/errors.js';
import { HealthServer } from './platform/health-server.js';
import { createLogger } from './platform/logger.js';
import type { Logger } from './platform/logger.js';
import { createMetricsRegistry } from './platform/metrics.js';
import { computeCapacity } from './snort/capacity.js';
import { readCgroupLimits } from './snort/cgroup-limits.js';
import { processDir } from './snort/layout.js';
import { SnortSupervisor } from './snort/supervisor.js';
import { ManifestSource } from './sources/manifests/manifest-source.js';
import { SourceStore } from './sources/store.js';

/**
 * Kept out of the container's memory limit for the agent itself; the rest is Snort's. DESIGN §7 asks for under
 * 100 MB, but the measured peak in cluster mode is 186-250 MB (bench/agent-memory.bench.js: 1,000 pods, 200
 * resources, 10k alerts/s; @kubernetes/client-node alone adds ~70 MB), and an under-reserve means the cgroup
 * OOM killer, not a CAPACITY_EXCEEDED status.
 */
const AGENT_RESERVE_MB = 256;

export interface RunningAgent {
  /** Resolves when the agent has shut down. */
  stopped: Promise<void>;
  shutdown(reason: string): Promise<void>;
  metricsPort: number | undefined;
}

interface AgentSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  errors(): readonly DesiredError[];
}

export async function startAgent(config: AgentConfig, logger: Logger = createLogger({ level: config.logLevel })): Promise<RunningAgent> {
  const standalone = config.manifests !== undefined;
  if (!standalone && config.node === undefined) {
    throw new ConfigError('in-cluster mode needs the node name: set NODE_NAME (the chart sets it from spec.nodeName) or --node; or run standalone with --manifests <dir|file>');
  }
  const node = config.node ?? hostname();
  const sinks = config.sinks.length > 0 ? config.sinks : [`file:${join(config.stateDir, 'alerts.jsonl')}`];
  const registry = createMetricsRegistry();
  const store = new SourceStore(config.node);

  const supervisor = new SnortSupervisor({
    snortBin: config.snortBin,
    stateDir: config.stateDir,
    rulesDir: config.rulesDir,
    snortConfig: config.snortConfig,
    snortConfigDir: config.snortConfigDir,
    bufferSizeMb: config.bufferSizeMb,
    alertPayload: config.alertPayload,
    alertFileLimitMb: config.alertFileLimitMb,
    snortUser: config.snortUser,
    logger,
    registry,
  });
  try {
    await supervisor.init();
  } catch (err) {
    throw new ConfigError(`cannot use Snort at ${config.snortBin}: ${errorMessageOf(err)}; Snort 3 is a prerequisite (see the README)`, { cause: err });
  }
  const adopted = await supervisor.adoptLeftovers();
  if (adopted.adopted.length > 0 || adopted.killed.length > 0) logger.info('adopted leftovers', adopted);

  const limits = await readCgroupLimits();
  const capacity = computeCapacity({
    memoryLimitBytes: limits.memoryBytes,
    cpuLimitCores: limits.cpuCores,
    ringMb: config.bufferSizeMb,
    maxInterfacesPerProcess: config.maxInterfacesPerProcess,
    hyperscan: supervisor.snortInfo()?.hyperscan ?? false,
    agentReserveMb: AGENT_RESERVE_MB,
  });

  // eslint-disable-next-line prefer-const -- assigned once below; the directory and callbacks built first read it late
  let reconciler: Reconciler | undefined;
  const directory = {
    endpointForInterface: (iface: string) => reconciler?.endpointForInterface(iface),
    endpointForIp: (ip: string) => reconciler?.endpointForIp(ip),
  };
  const pipeline: AlertPipeline = createAlertPipeline({
    config: { ...config, sinks },
    directory,
    logger,
    registry,
    node,
    ...(supervisor.snortInfo()?.version ? { snortVersion: supervisor.snortInfo()?.version } : {}),
  });

  // A stopped process's alert files are drained by the pipeline, then removed with their folder. Retirements
  // asked for before the pipeline started (a stop in the first pass) wait for it.
  let markPipelineStarted: () => void = () => undefined;
  const pipelineReady = new Promise<void>((resolve) => (markPipelineStarted = resolve));
  const retiring = new Map<string, Promise<void>>();
  const retire = (id: string): void => {
    if (retiring.has(id)) return;
    const done: Promise<void> = pipelineReady
      .then(() => pipeline.retire(processDir(config.stateDir, id)))
      .catch((err: unknown) => {
        logger.warn('alert folder not retired', { processId: id, error: errorMessageOf(err) });
      })
      .finally(() => retiring.delete(id));
    retiring.set(id, done);
  };
  const leftoverDirs = await supervisor.leftoverProcessDirs();
  // A process id names its interface set, so a pass may stop a process and start one with the same id (its
  // dead threads compacted, or a merge that restores the set). Its folder is retired only when no process
  // with that id runs after the pass, and a start waits for a retirement of its folder still under way.
  const stoppedThisPass = new Set<string>();
  const driver: SnortDriver = {
    running: () => supervisor.running(),
    start: async (spec) => {
      await retiring.get(spec.id);
      await supervisor.start(spec);
    },
    stop: async (id) => {
      await supervisor.stop(id);
      stoppedThisPass.add(id);
    },
    reload: (id, hash) => supervisor.reload(id, hash),
    health: () => supervisor.health(),
    onHealthChanged: (listener) => supervisor.onHealthChanged(listener),
  };
  const retireStopped = (): void => {
    const running = new Set(supervisor.running().map((p) => p.id));
    for (const id of stoppedThisPass) if (!running.has(id)) retire(id);
    stoppedThisPass.clear();
  };

  let source: AgentSource;
  let statusSink: StatusSink;
  let k8sStop: (() => Promise<void>) | undefined;
  if (standalone) {
    const manifests = new ManifestSource({ path: config.manifests as string, store, dpiApiVersion: config.dpiApiVersion, logger, registry });
    manifests.onErrorsChanged(() => reconciler?.markDirty());
    source = { start: () => manifests.start(), stop: () => manifests.stop(), errors: () => manifests.planErrors() };
    statusSink = new FileStatusSink(config.stateDir, { sourceErrors: () => manifests.planErrors() });
  } else {
    // Loaded only in cluster mode: the Kubernetes client costs ~90 MB of RSS that standalone mode never uses.
    const { createKubernetesSource } = await import('./sources/k8s/kubernetes-source.js');
    const k8s = createKubernetesSource({ config, store, logger, registry });
    source = { start: () => k8s.start(), stop: () => k8s.stop(), errors: () => [] };
    statusSink = k8s.statusWriter;
    k8sStop = () => k8s.stop();
  }

  // A rejected snort.lua override or rules change is shown on every resource this node inspects for.
  const configErrors = (): DesiredError[] => {
    const rejected = supervisor.configStatus().rejected;
    if (!rejected) return [];
    const message = `Snort config rejected by snort -T; the previous config keeps running: ${rejected.errors.slice(0, 3).join(' | ')}`;
    return store.snapshot().resources.map((r) => ({ resource: `${r.namespace}/${r.name}`, message, code: 'SNORT_CONFIG_REJECTED' as const }));
  };
  const resolver = new InterfaceResolver({ strategy: config.interfaceStrategy, prefix: config.interfacePrefix });
  reconciler = new Reconciler({
    store,
    driver,
    resolver,
    statusSink,
    statusNode: node,
    maxInterfacesPerProcess: config.maxInterfacesPerProcess,
    configHash: supervisor.configHash(),
    ...(Number.isFinite(capacity.maxInterfaces) ? { maxInterfaces: capacity.maxInterfaces } : {}),
    ...(Number.isFinite(capacity.maxInterfaces)
      ? {
          capacityBasis:
            `the container memory limit of ${Math.round(capacity.memoryLimitMb ?? 0)} MB (each Snort process ` +
            `${capacity.perProcessBaseMb} MB + ${capacity.perInterfaceMb} MB per interface; raise the limit or lower --buffer-size-mb)`,
        }
      : {}),
    sourceErrors: () => [...source.errors(), ...configErrors()],
    logger,
    registry,
  });
  // Rules and override edits (ConfigMap updates, a new rules image) are validated and applied as reloads.
  const watched = [config.rulesDir, ...(config.snortConfig ? [config.snortConfig] : [])];
  const watcher = chokidar.watch(watched, { ignoreInitial: true, depth: 1, awaitWriteFinish: { stabilityThreshold: 300 } });
  let refreshing = Promise.resolve();
  watcher.on('all', () => {
    refreshing = refreshing.then(async () => {
      await supervisor.refreshConfig().catch((err: unknown) => logger.warn('snort config refresh failed', { error: errorMessageOf(err) }));
      reconciler?.setConfigHash(supervisor.configHash());
      reconciler?.markDirty();
    });
  });
  watcher.on('error', (err) => logger.warn('rules/config watcher error', { error: errorMessageOf(err) }));

  let health: HealthServer | undefined;
  let metricsPort: number | undefined;
  if (config.metricsPort >= 0) {
    health = new HealthServer({
      port: config.metricsPort,
      registry,
      readiness: () => {
        const reasons: string[] = [];
        if (!store.isSynced()) reasons.push(`sources not synced: ${store.unsyncedSources().join(', ')}`);
        if ((reconciler?.passCount() ?? 0) === 0) reasons.push('first reconcile pass not done');
        return { ready: reasons.length === 0, reasons };
      },
    });
    metricsPort = await health.start();
  }

  // The pipeline starts once the first pass has published which pod is behind each interface: alerts that
  // adopted Snort processes wrote while the agent was down are then enriched like the others. Nothing is
  // missed by waiting; the tailer resumes from its checkpoints.
  let pipelineStarted: Promise<void> | undefined;
  reconciler.onPass(() => {
    retireStopped();
    pipelineStarted ??= (async () => {
      await pipeline.start();
      markPipelineStarted();
      const running = new Set(supervisor.running().map((p) => p.id));
      for (const dir of leftoverDirs) if (!running.has(dir.processId)) retire(dir.processId);
    })().catch((err: unknown) => {
      logger.error('alert pipeline did not start', { error: errorMessageOf(err) });
    });
  });

  reconciler.start();
  await source.start();
  logger.info('agent started', { node, mode: standalone ? 'standalone' : 'cluster', sinks: sinks.length, metricsPort, snort: supervisor.snortInfo()?.version });

  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      logger.info('agent stopping', { reason });
      await watcher.close().catch(() => undefined);
      await source.stop().catch(() => undefined);
      await reconciler?.stop().catch(() => undefined);
      for (const p of supervisor.running()) await supervisor.stop(p.id).catch(() => undefined);
      await supervisor.close().catch(() => undefined);
      // Snort is gone: what it wrote is final. Give the pipeline a bounded time to ship it.
      if (pipelineStarted) {
        await pipelineStarted;
        const bound = new Promise((r) => setTimeout(r, 10_000).unref());
        await Promise.race([Promise.all([pipeline.done(), ...retiring.values()]), bound]).catch(() => undefined);
        await pipeline.stop().catch(() => undefined);
      }
      await k8sStop?.().catch(() => undefined);
      await health?.stop();
      logger.info('agent stopped');
      resolveStopped();
    })();
    return shuttingDown;
  };
  return { stopped, shutdown, metricsPort };
}
