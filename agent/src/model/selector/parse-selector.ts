// The library entry point (DESIGN §3): Calico selector text → a compiled selector with Calico's canonical
// form. Throws SelectorSyntaxError (with the position) when the text does not parse. Like Calico, the
// empty or blank selector is all(); rejecting it for a DeepPacketInspection is the caller's rule.
import type { SelectorNode } from './ast.js';
import type { LabelMatcher } from './compile-selector.js';
import { compileSelector } from './compile-selector.js';
import { formatSelector } from './format-selector.js';
import { parseSelectorAst } from './parse-ast.js';

export interface Selector {
  /** Whether labels (a plain object of strings) satisfy the selector. Safe to call detached. */
  readonly matches: LabelMatcher;
  /** The canonical form, exactly as Calico prints it. */
  toString(): string;
  readonly ast: SelectorNode;
}

export function parseSelector(text: string): Selector {
  if (typeof text !== 'string') throw new TypeError(`selector must be a string, got ${typeof text}`);
  const ast = parseSelectorAst(text);
  const canonical = formatSelector(ast);
  return Object.freeze({ matches: compileSelector(ast), toString: () => canonical, ast });
}
