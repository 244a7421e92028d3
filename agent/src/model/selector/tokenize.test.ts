import { SelectorSyntaxError } from './selector-syntax-error.js';
import { tokenizeSelector } from './tokenize.js';

const kinds = (text: string): string[] => tokenizeSelector(text).map((t) => (t.value === '' ? t.kind : `${t.kind}(${t.value})`));

describe('tokenizeSelector (cases from Calico tokenizer_test.go, plus positions)', () => {
  it.each<[string, string[]]>([
    ['a=="b"', ['label(a)', 'eq', 'string(b)', 'eof']],
    ['label contains "value"', ['label(label)', 'contains', 'string(value)', 'eof']],
    ['contains contains "contains"', ['label(contains)', 'contains', 'string(contains)', 'eof']],
    ["contains contains 'contains'", ['label(contains)', 'contains', 'string(contains)', 'eof']],
    ['label contains"value"', ['label(label)', 'contains', 'string(value)', 'eof']],
    ['label startswith "value"', ['label(label)', 'startsWith', 'string(value)', 'eof']],
    ['label endswith "value"', ['label(label)', 'endsWith', 'string(value)', 'eof']],
    ['label starts  with "value"', ['label(label)', 'startsWith', 'string(value)', 'eof']],
    ['startswith starts with "value"', ['label(startswith)', 'startsWith', 'string(value)', 'eof']],
    ['endswith ends with "value"', ['label(endswith)', 'endsWith', 'string(value)', 'eof']],
    ['a not in "bar" && !has(foo) || b in c', ['label(a)', 'notIn', 'string(bar)', 'and', 'not', 'has(foo)', 'or', 'label(b)', 'in', 'label(c)', 'eof']],
    ['has(calico/k8s_NS-.1/role)', ['has(calico/k8s_NS-.1/role)', 'eof']],
    ['a  not  in  "bar"  &&  ! has( foo )  ||  b  in  c ', ['label(a)', 'notIn', 'string(bar)', 'and', 'not', 'has(foo)', 'or', 'label(b)', 'in', 'label(c)', 'eof']],
    ['a notin"bar"&&!has(foo)||b in"c"', ['label(a)', 'notIn', 'string(bar)', 'and', 'not', 'has(foo)', 'or', 'label(b)', 'in', 'string(c)', 'eof']],
    ['a not in {}', ['label(a)', 'notIn', 'lbrace', 'rbrace', 'eof']],
    ['a not in {"a","B"}', ['label(a)', 'notIn', 'lbrace', 'string(a)', 'comma', 'string(B)', 'rbrace', 'eof']],
    ['global()', ['global', 'eof']],
    ['all()', ['all', 'eof']],
    ['a!="b"', ['label(a)', 'ne', 'string(b)', 'eof']],
    ['!!a', ['not', 'not', 'label(a)', 'eof']],
    ['(in)', ['lparen', 'label(in)', 'rparen', 'eof']],
    ['', ['eof']],
  ])('%j', (text, expected) => {
    expect(kinds(text)).toEqual(expected);
  });

  it('records where each token starts', () => {
    expect(tokenizeSelector(' a  ==\t"b" ').map((t) => t.pos)).toEqual([1, 4, 7, 11]);
    expect(tokenizeSelector('a not  in {}').map((t) => t.pos)).toEqual([0, 2, 10, 11, 12]);
  });

  it.each(['label starts foo "value"', 'label ends foo "value"', 'label squiggles "value"', '"x', 'a = "b"', 'a & b', 'a | b', '#'])(
    'rejects %j',
    (text) => {
      expect(() => tokenizeSelector(text)).toThrow(SelectorSyntaxError);
    },
  );
});
