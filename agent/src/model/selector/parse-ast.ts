// Tokens → syntax tree, by Calico's recursive descent (libcalico-go/lib/selector/parser/parser.go):
//   or    := and ('||' and)*
//   and   := op ('&&' op)*
//   op    := '!'* ( has(l) | all() | global() | l cmp "s" | l [not] in { "s", ... [,] } | '(' or ')' )
// so `||` binds loosest, then `&&`, then `!`. A run of `!` collapses to one negation or none, as Calico
// does (`!!has(a)` is `has(a)`), but `!(!has(a))` keeps both. Empty (or blank) text is all().
import type { LabelOp, SelectorNode } from './ast.js';
import { SelectorSyntaxError } from './selector-syntax-error.js';
import { toSortedSet } from './sort-strings.js';
import type { Token, TokenKind } from './tokenize.js';
import { tokenizeSelector } from './tokenize.js';

const COMPARE_OPS: Partial<Record<TokenKind, LabelOp>> = {
  eq: '==',
  ne: '!=',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
};

const SYMBOLS: Partial<Record<TokenKind, string>> = {
  lbrace: '{', rbrace: '}', comma: ',', eq: '==', ne: '!=', in: 'in', not: '!', notIn: 'not in',
  contains: 'contains', startsWith: 'starts with', endsWith: 'ends with', all: 'all()', lparen: '(',
  rparen: ')', and: '&&', or: '||', global: 'global()',
};

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the selector';
    case 'label':
      return `label "${t.value}"`;
    case 'string':
      return `string ${JSON.stringify(t.value)}`;
    case 'has':
      return `has(${t.value})`;
    default:
      return `"${SYMBOLS[t.kind] ?? t.kind}"`;
  }
}

export function parseSelectorAst(text: string): SelectorNode {
  const tokens = tokenizeSelector(text);
  let at = 0;
  const peek = (offset = 0): Token => tokens[Math.min(at + offset, tokens.length - 1)] as Token;
  const fail = (t: Token, expected: string): never => {
    throw new SelectorSyntaxError(text, t.pos, `expected ${expected} but found ${describe(t)}`);
  };

  const parseOr = (): SelectorNode => {
    const operands = [parseAnd()];
    while (peek().kind === 'or') {
      at++;
      operands.push(parseAnd());
    }
    return operands.length === 1 ? (operands[0] as SelectorNode) : { type: 'or', operands };
  };

  const parseAnd = (): SelectorNode => {
    const operands = [parseOperation()];
    while (peek().kind === 'and') {
      at++;
      operands.push(parseOperation());
    }
    return operands.length === 1 ? (operands[0] as SelectorNode) : { type: 'and', operands };
  };

  const parseOperation = (): SelectorNode => {
    let negated = false;
    while (peek().kind === 'not') {
      negated = !negated;
      at++;
    }
    const node = parseTerm();
    return negated ? { type: 'not', operand: node } : node;
  };

  const parseTerm = (): SelectorNode => {
    const t = peek();
    switch (t.kind) {
      case 'has':
        at++;
        return { type: 'has', label: t.value };
      case 'all':
        at++;
        return { type: 'all' };
      case 'global':
        at++;
        return { type: 'global' };
      case 'label':
        return parseLabelTest(t);
      case 'lparen': {
        at++;
        const inner = parseOr();
        if (peek().kind !== 'rparen') fail(peek(), `&&, || or ) to close the ( at position ${t.pos}`);
        at++;
        return inner;
      }
      default:
        return fail(t, 'a label, has(), all(), global(), ! or (');
    }
  };

  const parseLabelTest = (label: Token): SelectorNode => {
    const op = peek(1);
    const compare = COMPARE_OPS[op.kind];
    if (compare !== undefined) {
      const value = peek(2);
      if (value.kind !== 'string') fail(value, `a quoted string after ${compare}`);
      at += 3;
      return { type: 'compare', op: compare, label: label.value, value: value.value };
    }
    if (op.kind === 'in' || op.kind === 'notIn') {
      const setOp = op.kind === 'in' ? 'in' : 'not in';
      if (peek(2).kind !== 'lbrace') fail(peek(2), `a set literal {...} after ${setOp}`);
      at += 3;
      const values: string[] = [];
      // A trailing comma is allowed and so is {}: Calico reads strings each optionally followed by a comma.
      while (peek().kind === 'string') {
        values.push(peek().value);
        at++;
        if (peek().kind !== 'comma') break;
        at++;
      }
      if (peek().kind !== 'rbrace') {
        const afterValue = tokens[at - 1]?.kind === 'string';
        fail(peek(), afterValue ? 'a comma or } in the set' : 'a quoted string or } in the set');
      }
      at++;
      return { type: 'set', op: setOp, label: label.value, values: toSortedSet(values) };
    }
    return fail(op, `an operator (==, !=, in, not in, contains, starts with, ends with) after label "${label.value}"`);
  };

  if (peek().kind === 'eof') return { type: 'all' };
  const root = parseOr();
  if (peek().kind !== 'eof') fail(peek(), '&&, || or the end of the selector');
  return root;
}
