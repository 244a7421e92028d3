// The in-cluster source: informers for DeepPacketInspection (config.dpiApiVersion, all namespaces), the Pods
// on this node (fieldSelector spec.nodeName=<node>) and Namespaces, feeding the SourceStore; plus the
// status writer (this node's status.nodes entries) and the pruner of entries of deleted nodes (Lease-elected).
// Consumes: AgentConfig (node, kubeconfig, dpiApiVersion, leaseNamespace), a KubeConfig (in-cluster by default,
// the kubeconfig file when given). Emits: store events (sources k8s:pods, k8s:namespaces, k8s:resources, each
// unsynced until its latest list succeeded), status applies, Lease writes.
// Guarantees: start() never waits on the API server (a missing CRD or unreachable server is logged and
// retried with backoff, not fatal); nothing here throws after start; stop() ends every request and timer.
import { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { AgentConfig } from '../../config/options.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import { ConfigError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { SourceStore } from '../store.js';
import type { BackoffPolicy } from './backoff.js';
import { classifyK8sError } from './classify-error.js';
import { K8sEvents } from './events.js';
import { createKubeApi, DPI_PLURAL, splitApiVersion, type KubeApi } from './kube-api.js';
import { LeaseElector, leaseIdentityFor } from './lease-elector.js';
import { ResilientInformer } from './resilient-informer.js';
import { StatusPruner } from './status-pruner.js';
import { StatusWriter } from './status-writer.js';

export interface KubernetesSourceTuning {
  informerBackoff: BackoffPolicy;
  informerStableAfterMs: number;
  watchTimeoutSeconds: number;
  statusMinIntervalMs: number;
  statusBackoff: BackoffPolicy;
  leaseDurationMs: number;
  leaseRenewIntervalMs: number;
  pruneIntervalMs: number;
}

export const DEFAULT_TUNING: KubernetesSourceTuning = {
  informerBackoff: { initialMs: 500, maxMs: 30_000 },
  informerStableAfterMs: 30_000,
  watchTimeoutSeconds: 300,
  statusMinIntervalMs: 2000,
  statusBackoff: { initialMs: 1000, maxMs: 30_000 },
  leaseDurationMs: 30_000,
  leaseRenewIntervalMs: 10_000,
  pruneIntervalMs: 60_000,
};

export interface KubernetesSourceOptions {
  config: Pick<AgentConfig, 'node' | 'kubeconfig' | 'dpiApiVersion' | 'leaseNamespace'>;
  store: SourceStore;
  logger: Logger;
  registry: Registry;
  clock?: Clock;
  /** Default: loadKubeConfig(config.kubeconfig). */
  kubeConfig?: KubeConfig;
  /** Default: createKubeApi(kubeConfig, config.dpiApiVersion). */
  api?: KubeApi;
  random?: () => number;
  /** Lease holder identity; default "<node>_<random hex>". */
  identity?: string;
  tuning?: Partial<KubernetesSourceTuning>;
}

export interface KubernetesSource {
  /** Starts informers, status writer, lease elector and pruner; returns without waiting for the API server. */
  start(): Promise<void>;
  /** Resolves once every informer has listed successfully at least once (or the source was stopped). */
  waitForSync(): Promise<void>;
  stop(): Promise<void>;
  statusWriter: StatusWriter;
  pruner: StatusPruner;
  elector: LeaseElector;
  informers: readonly ResilientInformer[];
}

/** In-cluster service-account config by default; the kubeconfig file (its current context) when given. */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (kubeconfig) kc.loadFromFile(kubeconfig);
    else kc.loadFromCluster();
  } catch (err) {
    throw new ConfigError(`cannot load the Kubernetes client configuration from ${kubeconfig ?? 'the in-cluster service account'}: ${(err as Error).message}`, { cause: err });
  }
  if (!kc.getCurrentCluster()) {
    throw new ConfigError(`no current cluster in ${kubeconfig ?? 'the in-cluster configuration'} (in a pod: are KUBERNETES_SERVICE_HOST/PORT set?)`);
  }
  return kc;
}

export function createKubernetesSource(options: KubernetesSourceOptions): KubernetesSource {
  const { config, store, logger, registry } = options;
  const node = config.node;
  if (!node) throw new ConfigError('`kube-dpi agent` in a cluster needs this node\'s name: set NODE_NAME (downward API spec.nodeName) or --node');
  try {
    splitApiVersion(config.dpiApiVersion);
  } catch {
    throw new ConfigError(`invalid --dpi-api-version ${JSON.stringify(config.dpiApiVersion)}; expected group/version, e.g. projectcalico.org/v3`);
  }
  const tuning = { ...DEFAULT_TUNING, ...options.tuning };
  const clock = options.clock ?? systemClock;
  const kubeConfig = options.kubeConfig ?? loadKubeConfig(config.kubeconfig);
  const api = options.api ?? createKubeApi(kubeConfig, config.dpiApiVersion);
  const events = new K8sEvents(logger, registry);
  const { group, version } = splitApiVersion(config.dpiApiVersion);
  const common = {
    store, kubeConfig, events, clock,
    backoff: tuning.informerBackoff,
    stableAfterMs: tuning.informerStableAfterMs,
    watchTimeoutSeconds: tuning.watchTimeoutSeconds,
    ...(options.random ? { random: options.random } : {}),
  };
  const fieldSelector = `spec.nodeName=${node}`;
  const informers = [
    new ResilientInformer({ ...common, kind: 'resources', path: `/apis/${group}/${version}/${DPI_PLURAL}`, list: () => api.listDpis() }),
    new ResilientInformer({ ...common, kind: 'namespaces', path: '/api/v1/namespaces', list: () => api.listNamespaces() }),
    new ResilientInformer({ ...common, kind: 'pods', path: '/api/v1/pods', fieldSelector, list: () => api.listPods(fieldSelector) }),
  ];
  const statusWriter = new StatusWriter({
    api, node, dpiApiVersion: config.dpiApiVersion, events, clock,
    minIntervalMs: tuning.statusMinIntervalMs, backoff: tuning.statusBackoff,
    ...(options.random ? { random: options.random } : {}),
  });
  const elector = new LeaseElector({
    api, namespace: config.leaseNamespace, identity: options.identity ?? leaseIdentityFor(node), events, clock,
    leaseDurationMs: tuning.leaseDurationMs, renewIntervalMs: tuning.leaseRenewIntervalMs,
  });
  const pruner = new StatusPruner({ api, elector, node, dpiApiVersion: config.dpiApiVersion, events, clock, intervalMs: tuning.pruneIntervalMs });
  // A new leader prunes at once instead of waiting for its next interval.
  elector.onChange((leading) => {
    if (leading) void pruner.pruneOnce().catch((err: unknown) => events.pruneFailed(classifyK8sError(err), err));
  });

  return {
    statusWriter,
    pruner,
    elector,
    informers,
    async start() {
      for (const informer of informers) informer.start();
      statusWriter.start();
      elector.start();
      pruner.start();
    },
    async waitForSync() {
      await Promise.all(informers.map((i) => i.waitForSync()));
    },
    async stop() {
      await pruner.stop();
      await elector.stop();
      await statusWriter.stop();
      await Promise.all(informers.map((i) => i.stop()));
    },
  };
}
