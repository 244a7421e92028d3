import { NotImplementedError } from '../platform/errors.js';
import type { Command } from './command.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the per-node agent (in-cluster, or standalone with --manifests)',
  usage: 'agent [--manifests <dir|file>] [--node N] [--sink <uri>]... [options]',
  description: [
    'Runs the per-node agent: watches DeepPacketInspection resources and the pods on this node (from the API',
    'server, or from --manifests in standalone mode), runs real Snort 3 on the selected pods\' host interfaces,',
    'and ships pod-enriched alerts to the sinks. In a cluster the node name comes from NODE_NAME.',
  ].join('\n'),
  positionals: { min: 0, max: 0, name: 'no' },
  async run() {
    throw new NotImplementedError('the agent (`kube-dpi agent`)');
  },
};
