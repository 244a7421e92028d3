// What every `kube-dpi` subcommand provides to the dispatcher.
import type { AgentConfig, CommandName } from '../config/options.js';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface CommandContext extends CommandIo {
  config: AgentConfig;
  positionals: string[];
}

export interface Command {
  name: CommandName;
  /** One line for the command list. */
  summary: string;
  /** Synopsis after `kube-dpi`, e.g. `plan --manifests <dir|file> [--node N]`. */
  usage: string;
  /** Paragraph(s) shown by `--help`. */
  description: string;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number; name: string };
  run(ctx: CommandContext): Promise<number>;
}
