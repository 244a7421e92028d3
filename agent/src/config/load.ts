// Reads the optional YAML config file and hands everything to the pure parser.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../platform/errors.js';
import type { AgentConfig, CommandName } from './options.js';
import type { FlagValue } from './parse.js';
import { parseConfig } from './parse.js';

export function loadConfig(
  command: CommandName,
  flags: Record<string, FlagValue>,
  env: Record<string, string | undefined> = process.env,
): AgentConfig {
  const path = typeof flags['config'] === 'string' ? flags['config'] : env['KUBE_DPI_CONFIG'] || undefined;
  let file: { path: string; content: unknown } | undefined;
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`, {
        code: 'CONFIG_FILE_UNREADABLE',
        cause: err,
      });
    }
    try {
      file = { path, content: parseYaml(text) };
    } catch (err) {
      throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`, {
        code: 'CONFIG_FILE_UNREADABLE',
        cause: err,
      });
    }
  }
  return parseConfig({ command, flags, env, ...(file ? { file } : {}) });
}
