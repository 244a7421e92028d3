// Every configuration option in one table: its flag, environment variable, YAML key, type, default and what
// is allowed. Flags, environment and the YAML file are all read through this table, so an option exists in
// all three or in none, and every error can name the option the way the user wrote it.
import { LOG_LEVELS } from '../platform/logger.js';

export type CommandName = 'agent' | 'plan' | 'ingest' | 'selector';

export type OptionType =
  | { kind: 'string' }
  | { kind: 'path' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list' };

export interface OptionSpec {
  /** Key in AgentConfig and in the YAML file (camelCase). */
  key: keyof AgentConfig;
  /** Long flag without the leading dashes (kebab-case). */
  flag: string;
  /** Environment variable, or undefined when the option is not taken from the environment. */
  env?: string;
  type: OptionType;
  description: string;
  /** Commands that accept the option. */
  commands: readonly CommandName[];
  default?: AgentConfig[keyof AgentConfig];
}

export const INTERFACE_STRATEGIES = ['calico', 'route', 'auto'] as const;
export type InterfaceStrategy = (typeof INTERFACE_STRATEGIES)[number];

export const ALERT_FORMATS = ['ecs', 'calico'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AgentConfig {
  configFile: string | undefined;
  manifests: string | undefined;
  node: string | undefined;
  kubeconfig: string | undefined;
  leaseNamespace: string;
  dpiApiVersion: string;
  snortBin: string;
  rulesDir: string;
  snortConfig: string | undefined;
  snortConfigDir: string | undefined;
  stateDir: string;
  sinks: string[];
  alertFormat: AlertFormat;
  alertPayload: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
  metricsPort: number;
  interfacePrefix: string;
  interfaceStrategy: InterfaceStrategy;
  bufferSizeMb: number;
  maxInterfacesPerProcess: number;
  snortUser: string;
  alertFileLimitMb: number;
  labels: string | undefined;
  esIndex: string | undefined;
  clusterName: string;
  alertRateWindow: number;
  alertRateBurst: number;
  alertPayloadMaxBytes: number;
  alertMaxLineKb: number;
  sinkBatchSize: number;
  sinkBatchKb: number;
  sinkFlushMs: number;
  spoolMaxMb: number;
}

const RUNTIME: readonly CommandName[] = ['agent', 'plan', 'ingest'];
const AGENT_AND_PLAN: readonly CommandName[] = ['agent', 'plan'];

export const OPTIONS: readonly OptionSpec[] = [
  { key: 'configFile', flag: 'config', env: 'KUBE_DPI_CONFIG', type: { kind: 'path' }, commands: RUNTIME,
    description: 'YAML file with any of these options (camelCase keys); flags and environment override it' },
  { key: 'manifests', flag: 'manifests', env: 'KUBE_DPI_MANIFESTS', type: { kind: 'path' }, commands: AGENT_AND_PLAN,
    description: 'standalone mode: a YAML file or folder of DeepPacketInspection, Pod and Namespace objects, watched for changes' },
  { key: 'node', flag: 'node', env: 'NODE_NAME', type: { kind: 'string' }, commands: RUNTIME,
    description: 'this node\'s name; pods count as local when spec.nodeName equals it (standalone: all pods when unset)' },
  { key: 'kubeconfig', flag: 'kubeconfig', env: 'KUBECONFIG', type: { kind: 'path' }, commands: ['agent'],
    description: 'kubeconfig file; in-cluster service-account config when unset' },
  { key: 'leaseNamespace', flag: 'lease-namespace', env: 'POD_NAMESPACE', type: { kind: 'string' }, commands: ['agent'],
    default: 'kube-dpi', description: 'namespace of the Lease that elects the one agent pruning status entries of deleted nodes' },
  { key: 'dpiApiVersion', flag: 'dpi-api-version', env: 'KUBE_DPI_API_VERSION', type: { kind: 'string' }, commands: AGENT_AND_PLAN,
    default: 'projectcalico.org/v3',
    description: 'group/version of DeepPacketInspection (crd.projectcalico.org/v1 where Calico\'s API server runs)' },
  { key: 'snortBin', flag: 'snort', env: 'KUBE_DPI_SNORT', type: { kind: 'path' }, commands: AGENT_AND_PLAN, default: 'snort',
    description: 'the Snort 3 binary' },
  { key: 'rulesDir', flag: 'rules-dir', env: 'KUBE_DPI_RULES_DIR', type: { kind: 'path' }, commands: AGENT_AND_PLAN,
    default: '/usr/etc/snort/rules', description: 'folder of *.rules files (the custom-rules init container copies here)' },
  { key: 'snortConfig', flag: 'snort-config', env: 'KUBE_DPI_SNORT_CONFIG', type: { kind: 'path' }, commands: AGENT_AND_PLAN,
    description: 'snort.lua override (variables, inspectors, event_filter, rate_filter, suppress); default /usr/etc/snort/snort.lua when it exists' },
  { key: 'snortConfigDir', flag: 'snort-config-dir', env: 'KUBE_DPI_SNORT_CONFIG_DIR', type: { kind: 'path' }, commands: AGENT_AND_PLAN,
    description: 'the Snort install\'s config folder holding snort_defaults.lua; found from the binary\'s prefix when unset' },
  { key: 'stateDir', flag: 'state-dir', env: 'KUBE_DPI_STATE_DIR', type: { kind: 'path' }, commands: RUNTIME,
    default: '/var/lib/kube-dpi', description: 'offsets, spool, generated configs and alert files' },
  { key: 'sinks', flag: 'sink', env: 'KUBE_DPI_SINKS', type: { kind: 'list' }, commands: ['agent', 'ingest'], default: [],
    description: 'where alerts go, repeatable: file:<path> or http(s)://host:9200 (Elasticsearch); environment: comma-separated' },
  { key: 'alertFormat', flag: 'alert-format', env: 'KUBE_DPI_ALERT_FORMAT', type: { kind: 'enum', values: ALERT_FORMATS },
    commands: ['agent', 'ingest'], default: 'ecs', description: 'document format: ecs, or calico for Calico Enterprise\'s event index' },
  { key: 'alertPayload', flag: 'alert-payload', env: 'KUBE_DPI_ALERT_PAYLOAD', type: { kind: 'bool' }, commands: ['agent', 'ingest'],
    default: false, description: 'include the (truncated) packet payload, b64_data, in documents' },
  { key: 'logLevel', flag: 'log-level', env: 'KUBE_DPI_LOG_LEVEL', type: { kind: 'enum', values: LOG_LEVELS }, commands: RUNTIME,
    default: 'info', description: 'log level' },
  { key: 'metricsPort', flag: 'metrics-port', env: 'KUBE_DPI_METRICS_PORT', type: { kind: 'int', min: 0, max: 65535 },
    commands: ['agent'], default: 9090, description: 'port for /metrics, /healthz and /readyz (0 = any free port)' },
  { key: 'interfacePrefix', flag: 'interface-prefix', env: 'KUBE_DPI_INTERFACE_PREFIX', type: { kind: 'string' },
    commands: AGENT_AND_PLAN, default: 'cali', description: 'prefix of Calico-named host interfaces' },
  { key: 'interfaceStrategy', flag: 'interface-strategy', env: 'KUBE_DPI_INTERFACE_STRATEGY',
    type: { kind: 'enum', values: INTERFACE_STRATEGIES }, commands: AGENT_AND_PLAN, default: 'calico',
    description: 'how to find a pod\'s host interface: calico (prefix + hash name), route (the interface that routes the pod IP), auto (calico, then route)' },
  { key: 'bufferSizeMb', flag: 'buffer-size-mb', env: 'KUBE_DPI_BUFFER_SIZE_MB', type: { kind: 'int', min: 1, max: 1024 },
    commands: AGENT_AND_PLAN, default: 8, description: 'afpacket ring per interface in MB (Snort\'s 128 MB default dominates memory)' },
  { key: 'maxInterfacesPerProcess', flag: 'max-interfaces-per-process', env: 'KUBE_DPI_MAX_INTERFACES_PER_PROCESS',
    type: { kind: 'int', min: 1, max: 256 }, commands: AGENT_AND_PLAN, default: 16,
    description: 'interfaces (packet threads) one Snort process inspects' },
  { key: 'snortUser', flag: 'snort-user', env: 'KUBE_DPI_SNORT_USER', type: { kind: 'string' }, commands: ['agent'], default: 'nobody',
    description: 'when the agent is root, run Snort as this user (nobody = uid/gid 65534) holding only CAP_NET_RAW, via setpriv; root keeps root (development)' },
  { key: 'alertFileLimitMb', flag: 'alert-file-limit-mb', env: 'KUBE_DPI_ALERT_FILE_LIMIT_MB', type: { kind: 'int', min: 1, max: 4096 },
    commands: ['agent'], default: 16, description: 'Snort rotates each alert_json file at this size in MB (alert_json.limit)' },
  { key: 'labels', flag: 'labels', type: { kind: 'string' }, commands: ['selector'],
    description: 'a JSON object of labels to match the selector against' },
  // Alert pipeline and sinks (issue 6). Secrets are never options: see KUBE_DPI_ES_* in docs/alerts.md.
  { key: 'esIndex', flag: 'es-index', env: 'KUBE_DPI_ES_INDEX', type: { kind: 'string' }, commands: ['agent', 'ingest'],
    description: 'Elasticsearch index when the sink URI names none (default kube-dpi-alerts; calico format: tigera_secure_ee_events.<cluster>.lma)' },
  { key: 'clusterName', flag: 'cluster-name', env: 'KUBE_DPI_CLUSTER_NAME', type: { kind: 'string' }, commands: ['agent', 'ingest'],
    default: 'cluster', description: 'cluster name in the Calico-format index name' },
  { key: 'alertRateWindow', flag: 'alert-rate-window', env: 'KUBE_DPI_ALERT_RATE_WINDOW', type: { kind: 'int', min: 0, max: 86400 },
    commands: ['agent', 'ingest'], default: 10,
    description: 'seconds over which repeats of one rule on one endpoint fold into one document with a count (0 = off)' },
  { key: 'alertRateBurst', flag: 'alert-rate-burst', env: 'KUBE_DPI_ALERT_RATE_BURST', type: { kind: 'int', min: 1, max: 1000000 },
    commands: ['agent', 'ingest'], default: 5, description: 'alerts per rule, endpoint and window shipped one by one before the rest fold' },
  { key: 'alertPayloadMaxBytes', flag: 'alert-payload-max-bytes', env: 'KUBE_DPI_ALERT_PAYLOAD_MAX_BYTES',
    type: { kind: 'int', min: 0, max: 1048576 }, commands: ['agent', 'ingest'], default: 1024,
    description: 'payload bytes kept per alert when --alert-payload is on' },
  { key: 'alertMaxLineKb', flag: 'alert-max-line-kb', env: 'KUBE_DPI_ALERT_MAX_LINE_KB', type: { kind: 'int', min: 1, max: 65536 },
    commands: ['agent', 'ingest'], default: 1024, description: 'longer alert lines are counted and skipped' },
  { key: 'sinkBatchSize', flag: 'sink-batch-size', env: 'KUBE_DPI_SINK_BATCH_SIZE', type: { kind: 'int', min: 1, max: 100000 },
    commands: ['agent', 'ingest'], default: 2000, description: 'documents per Elasticsearch _bulk request at most' },
  { key: 'sinkBatchKb', flag: 'sink-batch-kb', env: 'KUBE_DPI_SINK_BATCH_KB', type: { kind: 'int', min: 1, max: 102400 },
    commands: ['agent', 'ingest'], default: 5120, description: 'kilobytes per Elasticsearch _bulk request at most' },
  { key: 'sinkFlushMs', flag: 'sink-flush-ms', env: 'KUBE_DPI_SINK_FLUSH_MS', type: { kind: 'int', min: 1, max: 60000 },
    commands: ['agent', 'ingest'], default: 100, description: 'a partial _bulk request is sent this long after its first document' },
  { key: 'spoolMaxMb', flag: 'spool-max-mb', env: 'KUBE_DPI_SPOOL_MAX_MB', type: { kind: 'int', min: 0, max: 1048576 },
    commands: ['agent', 'ingest'], default: 512,
    description: 'on-disk spool per Elasticsearch sink while it is down; when full, reading pauses (0 = no spool)' },
];

export function optionsFor(command: CommandName): OptionSpec[] {
  return OPTIONS.filter((o) => o.commands.includes(command));
}
