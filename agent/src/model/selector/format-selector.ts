// Syntax tree → canonical text, exactly as Calico's String() prints it (collectFragments in
// libcalico-go/lib/selector/parser/ast.go): every && / || group in parentheses, `!` glued to its operand,
// values in double quotes unless they contain one (then single quotes; a value cannot hold both, since
// there are no escapes), set members sorted and de-duplicated, `{}` for an empty set.
import type { SelectorNode } from './ast.js';

function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

export function formatSelector(node: SelectorNode): string {
  switch (node.type) {
    case 'all':
      return 'all()';
    case 'global':
      return 'global()';
    case 'has':
      return `has(${node.label})`;
    case 'compare':
      return `${node.label} ${node.op} ${quote(node.value)}`;
    case 'set':
      return `${node.label} ${node.op} {${node.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${formatSelector(node.operand)}`;
    case 'and':
      return `(${node.operands.map(formatSelector).join(' && ')})`;
    case 'or':
      return `(${node.operands.map(formatSelector).join(' || ')})`;
  }
}
