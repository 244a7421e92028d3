// `kube-dpi plan --manifests <dir|file> [--node N]`: the dry run of DESIGN §3. Reads the manifests once (no
// watch), runs the same selection, interface naming, desired set and plan as the agent, and prints one JSON
// object on stdout: {"node", "endpoints", "snort", "errors"}. Starts nothing and touches no interface: with the
// calico strategy the names are computed, not checked (route and auto need the host by nature).
// Exit 0 even when files or resources have errors (they are in "errors"); 1 when --manifests does not exist.
import { InterfaceResolver } from '../model/interfaces/resolve-interfaces.js';
import { SelectionIndex } from '../model/selection-index.js';
import { UsageError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import { hashConfigInputs } from '../reconcile/config-inputs-hash.js';
import { computeDesiredSet } from '../reconcile/desired.js';
import { planChanges } from '../reconcile/plan.js';
import { ManifestReader } from '../sources/manifests/read-manifests.js';
import type { Command } from './command.js';
import { EXIT_OK } from './command.js';

export interface PlanOutput {
  node: string | null;
  endpoints: Array<{ namespace: string; pod: string; interface: string; ips: string[]; selectedBy: string[] }>;
  snort: Array<{ id: string; interfaces: string[]; configHash: string }>;
  errors: Array<{ resource: string; message: string }>;
}

export const planCommand: Command = {
  name: 'plan',
  summary: 'dry run: print which interfaces would be inspected, as JSON, and start nothing',
  usage: 'plan --manifests <dir|file> [--node N]',
  description: [
    'Reads DeepPacketInspection, Pod and Namespace objects from --manifests and prints the plan as one JSON',
    'object on stdout: {"node", "endpoints": [...], "snort": [...], "errors": [...]}. Starts nothing.',
    'Pods count as on this node when spec.nodeName equals --node (all pods when --node is not given).',
    'Malformed files and invalid resources are listed in "errors" (exit 0); a missing --manifests path exits 1.',
  ].join('\n'),
  positionals: { min: 0, max: 0, name: 'no' },
  async run(ctx) {
    const { config } = ctx;
    if (config.manifests === undefined) throw new UsageError('--manifests <dir|file> is required');
    const logger = createLogger({ level: config.logLevel, stream: ctx.stderr });
    const read = await new ManifestReader(config.manifests, config.dpiApiVersion).read();
    for (const what of read.ignored) logger.debug('manifest object ignored (kind or apiVersion not watched)', { object: what });

    const index = SelectionIndex.fromSnapshot({ node: config.node, pods: read.pods, namespaces: read.namespaces, resources: read.resources });
    const resolver = new InterfaceResolver({ strategy: config.interfaceStrategy, prefix: config.interfacePrefix, checkExists: false });
    const desired = computeDesiredSet(index, await resolver.resolveAll(index.selectedEndpointList()));
    const inputs = await hashConfigInputs({ rulesDir: config.rulesDir, snortConfig: config.snortConfig, bufferSizeMb: config.bufferSizeMb });
    const plan = planChanges(desired, [], { maxInterfacesPerProcess: config.maxInterfacesPerProcess, configHash: inputs.hash });

    const output: PlanOutput = {
      node: config.node ?? null,
      endpoints: desired.endpoints.map((e) => ({ namespace: e.namespace, pod: e.pod, interface: e.interface, ips: e.ips, selectedBy: e.selectedBy })),
      snort: plan.start.map((s) => ({ id: s.id, interfaces: s.interfaces, configHash: s.configHash })),
      errors: [
        ...read.errors.map((e) => ({ resource: e.file, message: e.message })),
        ...inputs.unreadable.map((u) => ({ resource: u.path, message: `cannot read ${u.path}: ${u.message}` })),
        ...[...desired.errors, ...plan.errors].map((e) => ({ resource: e.resource, message: e.message })),
      ],
    };
    ctx.stdout.write(JSON.stringify(output, null, 2) + '\n');
    return EXIT_OK;
  },
};
