// Selector text → tokens, following Calico's tokenizer (libcalico-go/lib/selector/tokenizer/tokenizer.go)
// decision for decision, so that what Calico accepts we accept and what it rejects we reject. Each token
// carries its start position so the parser can say where it stopped.
import { SelectorSyntaxError } from './selector-syntax-error.js';

export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'not'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'all'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'global'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Label name (label, has) or literal text (string); '' otherwise. */
  value: string;
  /** 0-based index of the token's first character. */
  pos: number;
}

/** Calico's LabelKeyMatcher is `[a-zA-Z0-9_./-]{1,512}`. */
export const MAX_LABEL_NAME_LENGTH = 512;

const SPACE = 0x20;
const TAB = 0x09;

function isLabelChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || // a-z
    (c >= 0x41 && c <= 0x5a) || // A-Z
    (c >= 0x30 && c <= 0x39) || // 0-9
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x2f || // /
    c === 0x2d // -
  );
}

/** Only space and tab separate tokens (Calico's `whitespace = " \t"`); a newline is an unexpected character. */
function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB) break;
    i++;
  }
  return i;
}

/** What may come after a token of `kind`, for the message about a character that cannot start a token. */
function expectationAfter(kind: TokenKind | undefined): string {
  switch (kind) {
    case 'eq':
    case 'ne':
    case 'contains':
    case 'startsWith':
    case 'endsWith':
      return 'expected a quoted string';
    case 'in':
    case 'notIn':
      return 'expected a set literal {...}';
    case 'lbrace':
    case 'comma':
      return 'expected a quoted string or }';
    case 'string':
      return 'expected &&, ||, ), a comma, } or the end of the selector';
    case 'rbrace':
    case 'has':
    case 'all':
    case 'global':
    case 'rparen':
      return 'expected &&, ||, ) or the end of the selector';
    default:
      return 'expected a label name, has(), all(), global(), ! or (';
  }
}

export function tokenizeSelector(text: string): Token[] {
  const tokens: Token[] = [];
  const fail = (pos: number, reason: string): never => {
    throw new SelectorSyntaxError(text, pos, reason);
  };

  /** The end of the label name starting at `start` (exclusive); start itself when there is none. */
  const labelEnd = (start: number): number => {
    let i = start;
    while (i < text.length && isLabelChar(text.charCodeAt(i))) i++;
    if (i - start > MAX_LABEL_NAME_LENGTH) {
      fail(start + MAX_LABEL_NAME_LENGTH, `label name is longer than ${MAX_LABEL_NAME_LENGTH} characters`);
    }
    return i;
  };

  let i = 0;
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length) {
      tokens.push({ kind: 'eof', value: '', pos: text.length });
      return tokens;
    }
    const start = i;
    const push = (kind: TokenKind, value = ''): void => {
      tokens.push({ kind, value, pos: start });
    };
    const ch = text[i];
    const next = text[i + 1];
    switch (ch) {
      case '(':
        push('lparen');
        i++;
        continue;
      case ')':
        push('rparen');
        i++;
        continue;
      case '"':
      case "'": {
        // No escapes: the literal runs to the next matching quote, whatever lies between (even a newline).
        const close = text.indexOf(ch, i + 1);
        if (close === -1) fail(start, `unterminated string: no closing ${ch} for the quote`);
        push('string', text.slice(i + 1, close));
        i = close + 1;
        continue;
      }
      case '{':
        push('lbrace');
        i++;
        continue;
      case '}':
        push('rbrace');
        i++;
        continue;
      case ',':
        push('comma');
        i++;
        continue;
      case '=':
        if (next !== '=') fail(start, 'expected == (a single = is not an operator)');
        push('eq');
        i += 2;
        continue;
      case '!':
        if (next === '=') {
          push('ne');
          i += 2;
        } else {
          push('not');
          i++;
        }
        continue;
      case '&':
        if (next !== '&') fail(start, 'expected && (a single & is not an operator)');
        push('and');
        i += 2;
        continue;
      case '|':
        if (next !== '|') fail(start, 'expected || (a single | is not an operator)');
        push('or');
        i += 2;
        continue;
    }

    const last = tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
    if (last?.kind === 'label') {
      // Directly after a label only a word operator can follow; anywhere else these words are label names
      // (so `in == "x"` compares the label "in"). Calico matches them as prefixes: `a notin {}` is valid.
      const expectOperator = (pos: number): never =>
        fail(
          pos,
          `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label "${last.value}"`,
        );
      if (text.startsWith('contains', i)) {
        push('contains');
        i += 'contains'.length;
      } else if (text.startsWith('starts', i)) {
        i = skipWhitespace(text, i + 'starts'.length);
        if (!text.startsWith('with', i)) fail(i, 'expected "with" after "starts"');
        push('startsWith');
        i += 'with'.length;
      } else if (text.startsWith('ends', i)) {
        i = skipWhitespace(text, i + 'ends'.length);
        if (!text.startsWith('with', i)) fail(i, 'expected "with" after "ends"');
        push('endsWith');
        i += 'with'.length;
      } else if (text.startsWith('not', i)) {
        i = skipWhitespace(text, i + 'not'.length);
        if (!text.startsWith('in', i)) fail(i, 'expected "in" after "not"');
        push('notIn');
        i += 'in'.length;
      } else if (text.startsWith('in', i)) {
        push('in');
        i += 'in'.length;
      } else {
        expectOperator(i);
      }
    } else if (text.startsWith('has(', i)) {
      // The parenthesis must follow `has` immediately: `has (a)` is the label "has" followed by "(".
      i = skipWhitespace(text, i + 'has('.length);
      const end = labelEnd(i);
      if (end === i) fail(i, 'expected a label name inside has(');
      const name = text.slice(i, end);
      i = skipWhitespace(text, end);
      if (text[i] !== ')') fail(i, 'expected ) to close has(');
      push('has', name);
      i++;
    } else if (text.startsWith('all(', i)) {
      i = skipWhitespace(text, i + 'all('.length);
      if (text[i] !== ')') fail(i, 'expected ) to close all(');
      push('all');
      i++;
    } else if (text.startsWith('global(', i)) {
      i = skipWhitespace(text, i + 'global('.length);
      if (text[i] !== ')') fail(i, 'expected ) to close global(');
      push('global');
      i++;
    } else {
      const end = labelEnd(i);
      if (end === i) {
        const bad = String.fromCodePoint(text.codePointAt(i) ?? 0);
        fail(i, `unexpected character ${JSON.stringify(bad)}; ${expectationAfter(last?.kind)}`);
      }
      push('label', text.slice(i, end));
      i = end;
    }
  }
}
