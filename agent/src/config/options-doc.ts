// Pure: the option table as the Markdown of docs/configuration.md, so the reference cannot drift from what
// the CLI parses (a test compares the file with this output; `npm run docs` rewrites it).
import type { OptionSpec } from './options.js';
import { OPTIONS } from './options.js';

function typeOf(o: OptionSpec): string {
  switch (o.type.kind) {
    case 'int':
      return `integer ${o.type.min}–${o.type.max}`;
    case 'enum':
      return o.type.values.join(' \\| ');
    case 'bool':
      return 'true \\| false';
    case 'list':
      return 'list';
    default:
      return o.type.kind;
  }
}

function defaultOf(o: OptionSpec): string {
  if (o.default === undefined) return '';
  if (Array.isArray(o.default)) return o.default.length === 0 ? '' : `\`${o.default.join(',')}\``;
  return `\`${String(o.default)}\``;
}

export function renderOptionsDoc(options: readonly OptionSpec[] = OPTIONS): string {
  const rows = options.map(
    (o) =>
      `| \`--${o.flag}\` | ${o.env ? `\`${o.env}\`` : ''} | \`${o.key}\` | ${typeOf(o)} | ${defaultOf(o)} | ${o.commands.join(', ')} | ${o.description.replaceAll('|', '\\|')} |`,
  );
  return [
    '# Configuration reference',
    '',
    'Generated from `agent/src/config/options.ts` by `npm run docs`; a test fails when this file is out of date.',
    '',
    'Every option can be given as a flag, an environment variable or a key in the YAML file named by `--config`',
    '(camelCase keys). Precedence: flag, then environment, then file, then the default. Values are validated at',
    'start: a bad one stops the command with exit code 1 and a message naming the value and what is allowed.',
    'Elasticsearch credentials are read from the environment only (`KUBE_DPI_ES_USERNAME`, `KUBE_DPI_ES_PASSWORD`,',
    '`KUBE_DPI_ES_API_KEY`, `KUBE_DPI_ES_BEARER_TOKEN`, `KUBE_DPI_ES_CA_FILE`, `KUBE_DPI_ES_TLS_INSECURE`), never from flags.',
    '',
    '| flag | environment | YAML key | type | default | commands | description |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
