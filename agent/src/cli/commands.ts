// The command table, in the order `kube-dpi --help` lists them.
import { agentCommand } from './agent-command.js';
import type { Command } from './command.js';
import { ingestCommand } from './ingest-command.js';
import { planCommand } from './plan-command.js';
import { selectorCommand } from './selector-command.js';

export const COMMANDS: readonly Command[] = [agentCommand, planCommand, ingestCommand, selectorCommand];
