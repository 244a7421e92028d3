import { createLogger } from '../platform/logger.js';
import type { Command } from './command.js';
import { EXIT_OK } from './command.js';

export const agentCommand: Command = {
  name: 'agent',
  summary: 'run the per-node agent (in-cluster, or standalone with --manifests)',
  usage: 'agent [--manifests <dir|file>] [--node N] [--sink <uri>]... [options]',
  description: [
    'Runs the per-node agent: watches DeepPacketInspection resources and the pods on this node (from the API',
    'server, or from --manifests in standalone mode), runs real Snort 3 on the selected pods\' host interfaces,',
    'and ships pod-enriched alerts to the sinks. In a cluster the node name comes from NODE_NAME. Standalone,',
    'alerts go to <state-dir>/alerts.jsonl unless --sink says otherwise, and status to <state-dir>/status.json.',
    'SIGTERM or SIGINT stops Snort, ships what it wrote and exits 0.',
  ].join('\n'),
  positionals: { min: 0, max: 0, name: 'no' },
  async run(ctx) {
    const logger = createLogger({ level: ctx.config.logLevel });
    // Loaded here, not at the top: the agent's graph (the Kubernetes client alone is ~90 MB of RSS) is not
    // needed by `--help`, `plan`, `ingest` or `selector`.
    const { startAgent } = await import('../main.js');
    const agent = await startAgent(ctx.config, logger);
    const onSignal = (signal: NodeJS.Signals): void => void agent.shutdown(signal);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    await agent.stopped;
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    return EXIT_OK;
  },
};
