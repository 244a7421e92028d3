import { NotImplementedError } from '../platform/errors.js';
import type { Command } from './command.js';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'ship existing alert_json files to the sinks, exactly once across re-runs',
  usage: 'ingest <alert_json file>... --sink <uri> [--state-dir DIR]',
  description: [
    'Ships existing Snort alert_json files (for example from `snort -r capture.pcap`) through the same',
    'normalise, enrich and sink path as the agent. Checkpoints in --state-dir make a re-run after an',
    'interruption send each alert exactly once. Exits when done and prints a summary.',
  ].join('\n'),
  positionals: { min: 1, max: Infinity, name: 'alert file' },
  async run() {
    throw new NotImplementedError('the ingest command (`kube-dpi ingest`)');
  },
};
