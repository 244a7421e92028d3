// Pure: flags, environment and the YAML file's content → AgentConfig, or a ConfigError that names the bad
// value, where it came from and what is allowed. Precedence: flag > environment > file > default.
import { ConfigError } from '../platform/errors.js';
import type { AgentConfig, CommandName, OptionSpec } from './options.js';
import { OPTIONS, optionsFor } from './options.js';

export type FlagValue = string | boolean | string[] | undefined;

export interface ConfigSources {
  command: CommandName;
  flags: Record<string, FlagValue>;
  env: Record<string, string | undefined>;
  /** Parsed YAML document, when a config file was given. */
  file?: { path: string; content: unknown };
}

type Origin = { describe: string };

export function parseConfig(sources: ConfigSources): AgentConfig {
  const config: Record<string, unknown> = {};
  const fileValues = readFileObject(sources);
  for (const spec of OPTIONS) {
    config[spec.key] = spec.default === undefined ? undefined : structuredClone(spec.default);
  }
  for (const spec of optionsFor(sources.command)) {
    const fromFlag = sources.flags[spec.flag];
    const fromEnv = spec.env === undefined ? undefined : sources.env[spec.env];
    const fromFile = fileValues?.[spec.key];
    if (fromFlag !== undefined && !(Array.isArray(fromFlag) && fromFlag.length === 0)) {
      config[spec.key] = convert(spec, fromFlag, { describe: `flag --${spec.flag}` });
    } else if (fromEnv !== undefined && fromEnv !== '') {
      config[spec.key] = convert(spec, fromEnv, { describe: `environment variable ${spec.env}` });
    } else if (fromFile !== undefined && fromFile !== null) {
      config[spec.key] = convert(spec, fromFile, { describe: `key ${spec.key} in ${sources.file?.path}` });
    }
  }
  return config as unknown as AgentConfig;
}

function readFileObject(sources: ConfigSources): Record<string, unknown> | undefined {
  if (!sources.file) return undefined;
  const { path, content } = sources.file;
  if (content === null || content === undefined) return {};
  if (typeof content !== 'object' || Array.isArray(content)) {
    throw new ConfigError(`config file ${path} must be a YAML mapping of option names to values`);
  }
  const allowed = new Set(optionsFor(sources.command).map((o) => o.key as string));
  allowed.delete('configFile');
  for (const key of Object.keys(content)) {
    if (!allowed.has(key)) {
      throw new ConfigError(
        `config file ${path}: unknown key "${key}" for \`kube-dpi ${sources.command}\`; allowed keys: ${[...allowed].sort().join(', ')}`,
      );
    }
  }
  return content as Record<string, unknown>;
}

function convert(spec: OptionSpec, raw: unknown, origin: Origin): unknown {
  const type = spec.type;
  const fail = (expected: string): never => {
    throw new ConfigError(`invalid ${origin.describe}: ${JSON.stringify(raw)}; expected ${expected}`);
  };
  switch (type.kind) {
    case 'string':
    case 'path': {
      if (typeof raw !== 'string') fail('a string');
      const value = (raw as string).trim();
      if (value === '') fail('a non-empty string');
      return value;
    }
    case 'int': {
      const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(value) || value < type.min || value > type.max) {
        fail(`an integer from ${type.min} to ${type.max}`);
      }
      return value;
    }
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const text = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(text)) return true;
      if (['false', '0', 'no', 'off'].includes(text)) return false;
      return fail('true or false');
    }
    case 'enum': {
      if (typeof raw !== 'string' || !type.values.includes(raw)) fail(`one of ${type.values.join(', ')}`);
      return raw;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : fail('a list of strings');
      const values = (items as unknown[]).map((item) => {
        if (typeof item !== 'string') fail('a list of strings');
        return (item as string).trim();
      });
      return values.filter((v) => v !== '');
    }
  }
}
