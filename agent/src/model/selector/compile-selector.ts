// Syntax tree → one closure per node, so evaluating a selector is a few property reads and comparisons
// with no allocation per call. Semantics are Calico's (libcalico-go/lib/selector/parser/ast.go Evaluate):
// an absent label makes !=, not in (and so !has) true and every other test false.
import type { SelectorNode } from './ast.js';

export type LabelMatcher = (labels: Readonly<Record<string, string>>) => boolean;

// A label is present only when it holds a string. Reading `labels[k]` on an ordinary object also finds
// inherited members ("constructor", "toString", "__proto__"), which are never strings; the typeof test
// rejects them without the cost of a hasOwnProperty call.
export function compileSelector(node: SelectorNode): LabelMatcher {
  switch (node.type) {
    case 'all':
    case 'global':
      return () => true;
    case 'has': {
      const k = node.label;
      return (l) => typeof l[k] === 'string';
    }
    case 'compare': {
      const k = node.label;
      const v = node.value;
      switch (node.op) {
        case '==':
          return (l) => l[k] === v;
        case '!=':
          return (l) => {
            const x = l[k];
            return typeof x !== 'string' || x !== v;
          };
        case 'contains':
          return (l) => {
            const x = l[k];
            return typeof x === 'string' && x.includes(v);
          };
        case 'starts with':
          return (l) => {
            const x = l[k];
            return typeof x === 'string' && x.startsWith(v);
          };
        case 'ends with':
          return (l) => {
            const x = l[k];
            return typeof x === 'string' && x.endsWith(v);
          };
      }
      break;
    }
    case 'set': {
      const k = node.label;
      const inSet = compileMembership(node.values);
      if (node.op === 'in') {
        return (l) => {
          const x = l[k];
          return typeof x === 'string' && inSet(x);
        };
      }
      return (l) => {
        const x = l[k];
        return typeof x !== 'string' || !inSet(x);
      };
    }
    case 'not': {
      const inner = compileSelector(node.operand);
      return (l) => !inner(l);
    }
    case 'and': {
      const parts = node.operands.map(compileSelector);
      if (parts.length === 2) {
        const [a, b] = parts as [LabelMatcher, LabelMatcher];
        return (l) => a(l) && b(l);
      }
      return (l) => {
        for (let i = 0; i < parts.length; i++) if (!(parts[i] as LabelMatcher)(l)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.operands.map(compileSelector);
      if (parts.length === 2) {
        const [a, b] = parts as [LabelMatcher, LabelMatcher];
        return (l) => a(l) || b(l);
      }
      return (l) => {
        for (let i = 0; i < parts.length; i++) if ((parts[i] as LabelMatcher)(l)) return true;
        return false;
      };
    }
  }
  throw new Error(`unknown selector node ${JSON.stringify(node)}`);
}

function compileMembership(values: readonly string[]): (x: string) => boolean {
  if (values.length === 0) return () => false;
  if (values.length === 1) {
    const only = values[0];
    return (x) => x === only;
  }
  const set = new Set(values);
  return (x) => set.has(x);
}
