import { NotImplementedError } from '../platform/errors.js';
import type { Command } from './command.js';

export const planCommand: Command = {
  name: 'plan',
  summary: 'dry run: print which interfaces would be inspected, as JSON, and start nothing',
  usage: 'plan --manifests <dir|file> [--node N]',
  description: [
    'Reads DeepPacketInspection, Pod and Namespace objects from --manifests and prints the plan as one JSON',
    'object on stdout: {"node", "endpoints": [...], "snort": [...], "errors": [...]}. Starts nothing.',
  ].join('\n'),
  positionals: { min: 0, max: 0, name: 'no' },
  async run() {
    throw new NotImplementedError('the plan command (`kube-dpi plan`)');
  },
};
