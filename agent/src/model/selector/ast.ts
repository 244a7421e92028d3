// The selector syntax tree: one node type per Calico AST node (libcalico-go/lib/selector/parser/ast.go).
// `&&` and `||` are n-ary, as Calico builds them: `a && b && c` is one AndNode with three operands, while
// parentheses produce no node of their own, so `(a && b) && c` nests.

export type LabelOp = '==' | '!=' | 'contains' | 'starts with' | 'ends with';
export type SetOp = 'in' | 'not in';

export type SelectorNode =
  | { type: 'all' }
  | { type: 'global' }
  | { type: 'has'; label: string }
  | { type: 'compare'; op: LabelOp; label: string; value: string }
  /** `values` is sorted (byte order of the UTF-8 encoding, as Go sorts strings) and de-duplicated. */
  | { type: 'set'; op: SetOp; label: string; values: readonly string[] }
  | { type: 'not'; operand: SelectorNode }
  | { type: 'and'; operands: readonly SelectorNode[] }
  | { type: 'or'; operands: readonly SelectorNode[] };
