// The dispatcher: argv → command → exit code. Parses flags strictly from the option table (an unknown flag is
// a usage error, exit 2), loads and validates configuration up front (a bad value is exit 1 with a message
// that names it), then runs the command. Never throws: every failure becomes a message and an exit code.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config/load.js';
import { optionsFor } from '../config/options.js';
import type { FlagValue } from '../config/parse.js';
import { AgentError, UsageError, errorMessageOf } from '../platform/errors.js';
import type { Command, CommandIo } from './command.js';
import { EXIT_BAD_INPUT, EXIT_OK, EXIT_USAGE } from './command.js';
import { COMMANDS } from './commands.js';
import { renderCommandHelp, renderMainHelp } from './help.js';
import { VERSION } from '../version.js';

export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(renderMainHelp(COMMANDS, VERSION));
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(
      `kube-dpi: unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see kube-dpi --help)\n`,
    );
    return EXIT_USAGE;
  }
  try {
    const parsed = parseCommandArgs(command, rest);
    if (parsed.help) {
      io.stdout.write(renderCommandHelp(command));
      return EXIT_OK;
    }
    const config = loadConfig(command.name, parsed.flags, io.env);
    return await command.run({ ...io, config, positionals: parsed.positionals });
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`kube-dpi ${command.name}: ${err.message}\nUsage: kube-dpi ${command.usage} (see --help)\n`);
      return EXIT_USAGE;
    }
    if (err instanceof AgentError) {
      io.stderr.write(`kube-dpi ${command.name}: ${err.message} [${err.code}]\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(`kube-dpi ${command.name}: internal error: ${errorMessageOf(err)}\n`);
    return EXIT_BAD_INPUT;
  }
}

interface ParsedArgs {
  help: boolean;
  flags: Record<string, FlagValue>;
  positionals: string[];
}

function parseCommandArgs(command: Command, args: string[]): ParsedArgs {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const spec of optionsFor(command.name)) {
    options[spec.flag] =
      spec.type.kind === 'bool'
        ? { type: 'boolean' }
        : spec.type.kind === 'list'
          ? { type: 'string', multiple: true }
          : { type: 'string' };
  }
  let values: Record<string, FlagValue>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true, allowNegative: true }) as {
      values: Record<string, FlagValue>;
      positionals: string[];
    });
  } catch (err) {
    throw new UsageError(errorMessageOf(err).replace(/\. To specify a positional argument.*$/s, ''));
  }
  const help = values['help'] === true;
  delete values['help'];
  const { min, max, name } = command.positionals;
  if (!help && (positionals.length < min || positionals.length > max)) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new UsageError(`expected ${expected} ${name} argument(s), got ${positionals.length}`);
  }
  return { help, flags: values, positionals };
}
