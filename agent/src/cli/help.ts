// Help text, generated from the command table and the option table so it cannot drift from what is parsed.
import type { OptionSpec } from '../config/options.js';
import { optionsFor } from '../config/options.js';
import type { Command } from './command.js';

export function renderMainHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `kube-dpi ${version}: selective deep packet inspection for Kubernetes with real Snort 3`,
    '',
    'Usage: kube-dpi <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `kube-dpi <command> --help` for the options of a command.',
    'Exit codes: 0 ok, 1 bad input (invalid value, selector, manifest or file), 2 usage (unknown command or flag).',
    '',
  ].join('\n');
}

export function renderCommandHelp(command: Command): string {
  const options = optionsFor(command.name);
  const rows = options.map((o) => [formatFlag(o), describe(o)] as const);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: kube-dpi ${command.usage}`,
    '',
    command.description,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    '',
  ].join('\n');
}

function formatFlag(o: OptionSpec): string {
  switch (o.type.kind) {
    case 'bool':
      return `--[no-]${o.flag}`;
    case 'int':
      return `--${o.flag} <n>`;
    case 'enum':
      return `--${o.flag} <${o.type.values.join('|')}>`;
    case 'list':
      return `--${o.flag} <value> ...`;
    case 'path':
      return `--${o.flag} <path>`;
    default:
      return `--${o.flag} <value>`;
  }
}

function describe(o: OptionSpec): string {
  const parts = [o.description];
  if (o.default !== undefined && !(Array.isArray(o.default) && o.default.length === 0)) {
    parts.push(`(default: ${String(o.default)})`);
  }
  if (o.env) parts.push(`[env ${o.env}]`);
  return parts.join(' ');
}
