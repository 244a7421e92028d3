// `kube-dpi selector '<expr>' [--labels '{"k":"v"}']`: line 1 of stdout is the canonical form (as Calico
// prints it); with --labels, line 2 is `matches: true|false`. A bad selector prints the reason, the
// expression and a caret under the position to stderr and exits 1; so does a bad --labels value, naming it.
// Nothing reaches stdout unless both inputs are good.
import { parseSelector } from '../model/selector/parse-selector.js';
import { SelectorSyntaxError } from '../model/selector/selector-syntax-error.js';
import { ConfigError } from '../platform/errors.js';
import type { Command } from './command.js';
import { EXIT_BAD_INPUT, EXIT_OK } from './command.js';

export const selectorCommand: Command = {
  name: 'selector',
  summary: 'parse a Calico selector, print its canonical form, and test it against labels',
  usage: "selector '<expr>' [--labels '{\"k\":\"v\"}']",
  description: [
    'Parses a Calico selector and prints its canonical form (as Calico prints it). With --labels, prints',
    'whether the selector matches those labels. Exits 1 with the error position when the selector is invalid.',
  ].join('\n'),
  positionals: { min: 1, max: 1, name: 'selector expression' },
  async run(ctx) {
    const text = ctx.positionals[0] ?? '';
    let selector;
    try {
      selector = parseSelector(text);
    } catch (err) {
      if (!(err instanceof SelectorSyntaxError)) throw err;
      ctx.stderr.write(`kube-dpi selector: invalid selector: ${err.message} [${err.code}]\n${caretLines(text, err.position)}`);
      return EXIT_BAD_INPUT;
    }
    const labels = ctx.config.labels === undefined ? undefined : parseLabelsFlag(ctx.config.labels);
    ctx.stdout.write(`${selector.toString()}\n`);
    if (labels !== undefined) ctx.stdout.write(`matches: ${selector.matches(labels)}\n`);
    return EXIT_OK;
  },
};

/**
 * The line of `text` that holds `position`, and a caret under it. The caret's indent copies the tabs of
 * the line so it lines up in a terminal; a newline in the text (legal only inside a quoted string) starts
 * a new line, so only the offending line is shown.
 */
function caretLines(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  const newline = text.indexOf('\n', lineStart);
  const line = text.slice(lineStart, newline === -1 ? text.length : newline);
  const indent = text.slice(lineStart, position).replace(/[^\t]/g, ' ');
  return `  ${line}\n  ${indent}^\n`;
}

/** --labels must be a JSON object whose values are all strings. */
function parseLabelsFlag(raw: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(`invalid --labels: ${JSON.stringify(raw)} is not valid JSON (${(err as Error).message}); expected an object such as '{"app":"web"}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new ConfigError(`invalid --labels: expected a JSON object of string values, got ${kind}`);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new ConfigError(`invalid --labels: the value of ${JSON.stringify(k)} must be a string, got ${v === null ? 'null' : typeof v}`);
    }
    // defineProperty keeps a "__proto__" key an ordinary label instead of the object's prototype.
    Object.defineProperty(labels, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return labels;
}
