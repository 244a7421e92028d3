import { AgentError } from '../../platform/errors.js';
import { parseSelector } from './parse-selector.js';
import { SelectorSyntaxError } from './selector-syntax-error.js';
import { compareGoStrings } from './sort-strings.js';

type L = Record<string, string>;

function matches(sel: string, labels: L): boolean {
  return parseSelector(sel).matches(labels);
}

function canonical(sel: string): string {
  return parseSelector(sel).toString();
}

function syntaxError(sel: string): SelectorSyntaxError {
  try {
    parseSelector(sel);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(sel)} to be rejected`);
}

describe('operators: match and non-match tables (Calico parser_test.go and more)', () => {
  const table: Array<[string, L[], L[]]> = [
    ['a == "b"', [{ a: 'b' }, { a: 'b', c: 'd' }], [{}, { a: 'c' }, { c: 'd' }, { a: '' }, { a: 'bb' }]],
    ["a == 'b'", [{ a: 'b' }], [{}, { a: 'B' }]],
    ['a == ""', [{ a: '' }], [{}, { a: 'x' }]],
    ['a != "b"', [{}, { a: 'c' }, { a: '' }, { c: 'b' }], [{ a: 'b' }]],
    ['a != ""', [{}, { a: 'x' }], [{ a: '' }]],
    ['a in {"x", "y"}', [{ a: 'x' }, { a: 'y' }], [{}, { a: 'z' }, { a: '' }, { b: 'x' }]],
    [`a in {"'", '"', "c"}`, [{ a: 'c' }, { a: '"' }, { a: "'" }], [{}, { a: 'e' }]],
    ['a in {}', [], [{}, { a: '' }, { a: 'x' }]],
    ['a in {"",}', [{ a: '' }], [{}, { a: 'x' }]],
    ['a not in {"x", "y"}', [{}, { a: 'z' }, { a: '' }, { b: 'x' }], [{ a: 'x' }, { a: 'y' }]],
    [`a not in {"'", '"', "c"}`, [{}, { a: 'e' }], [{ a: 'c' }, { a: '"' }, { a: "'" }]],
    ['a not in {}', [{}, { a: 'x' }, { a: '' }], []],
    ['a contains "an"', [{ a: 'an' }, { a: 'banana' }, { a: 'and' }], [{}, { a: 'a n' }, { b: 'an' }, { a: 'AN' }]],
    ['a contains ""', [{ a: '' }, { a: 'x' }], [{}]],
    ['a starts with "ab"', [{ a: 'ab' }, { a: 'abc' }], [{}, { a: 'cab' }, { a: 'a' }, { b: 'ab' }]],
    ['a starts with ""', [{ a: '' }, { a: 'x' }], [{}]],
    ['a ends with "ab"', [{ a: 'ab' }, { a: 'cab' }], [{}, { a: 'abc' }, { a: 'b' }, { b: 'ab' }]],
    ['a ends with ""', [{ a: '' }, { a: 'x' }], [{}]],
    ['has(a)', [{ a: '' }, { a: 'x' }, { a: 'x', b: 'y' }], [{}, { b: 'a' }]],
    ['!has(a)', [{}, { b: 'a' }], [{ a: '' }, { a: 'x' }]],
    ['all()', [{}, { a: 'b' }], []],
    ['global()', [{}, { a: 'b' }], []],
    ['', [{}, { a: 'b' }], []],
    [' \t ', [{}, { a: 'b' }], []],
    ['!all()', [], [{}, { a: 'b' }]],
  ];
  it.each(table)('%s', (sel, yes, no) => {
    const s = parseSelector(sel);
    for (const l of yes) expect([l, s.matches(l)]).toEqual([l, true]);
    for (const l of no) expect([l, s.matches(l)]).toEqual([l, false]);
    // Calico's round-trip property: the canonical form selects the same label sets.
    const again = parseSelector(s.toString());
    for (const l of yes) expect(again.matches(l)).toBe(true);
    for (const l of no) expect(again.matches(l)).toBe(false);
    expect(again.toString()).toBe(s.toString());
  });
});

describe('absent labels', () => {
  it.each([
    ['a == "x"', false],
    ['a != "x"', true],
    ['a in {"x"}', false],
    ['a not in {"x"}', true],
    ['a contains "x"', false],
    ['a starts with "x"', false],
    ['a ends with "x"', false],
    ['has(a)', false],
    ['!has(a)', true],
    ['!a == "x"', true],
    ['!a != "x"', false],
  ] as const)('%s on {} is %s', (sel, expected) => {
    expect(matches(sel, {})).toBe(expected);
    expect(matches(sel, { b: 'x' })).toBe(expected);
  });

  it('does not see inherited object members as labels', () => {
    for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(matches(`has(${k})`, {})).toBe(false);
      expect(matches(`${k} != "x"`, {})).toBe(true);
      expect(matches(`${k} not in {"x"}`, {})).toBe(true);
      expect(matches(`${k} contains ""`, {})).toBe(false);
    }
    expect(matches('__proto__ == "x"', JSON.parse('{"__proto__":"x"}') as L)).toBe(true);
    expect(matches('constructor == "y"', { constructor: 'y' } as unknown as L)).toBe(true);
    expect(matches('has(a)', Object.assign(Object.create(null) as L, { a: '1' }))).toBe(true);
  });
});

describe('boolean structure and precedence', () => {
  const table: Array<[string, L, boolean]> = [
    ['a == "1" && b == "2"', { a: '1', b: '2' }, true],
    ['a == "1" && b == "2"', { a: '1' }, false],
    ['a == "1" || b == "2"', { b: '2' }, true],
    ['a == "1" || b == "2"', {}, false],
    // || is lowest: a || (b && c)
    ['a == "1" || b == "2" && c == "3"', { a: '1' }, true],
    ['a == "1" || b == "2" && c == "3"', { b: '2' }, false],
    ['(a == "1" || b == "2") && c == "3"', { a: '1' }, false],
    ['(a == "1" || b == "2") && c == "3"', { a: '1', c: '3' }, true],
    ['a == "1" && b == "2" || c == "3"', { c: '3' }, true],
    // ! binds tighter than &&: (!a) && b
    ['!has(a) && has(b)', { b: '' }, true],
    ['!has(a) && has(b)', { a: '', b: '' }, false],
    ['!(has(a) && has(b))', { a: '' }, true],
    ['!a == "1" && b == "2"', { a: '1', b: '2' }, false],
    ['!a == "1" && b == "2"', { a: '0', b: '2' }, true],
    ['! a == "1" || ! b == "2"', { a: '1', b: '2' }, false],
    ['!(!has(a) || has(b))', { a: 'a' }, true],
    ['!(has(b) || !has(a))', { a: 'a' }, true],
    ['!!has(a)', { a: '' }, true],
    ['!!!has(a)', { a: '' }, false],
    ['!! ! has(a)', { a: '' }, false],
    ['! !!has(a)', {}, true],
    ['!(!has(a))', { a: '' }, true],
    ['((((has(a)))))', { a: '' }, true],
    ['has(a) && has(b) && has(c)', { a: '', b: '', c: '' }, true],
    ['has(a) && has(b) && has(c)', { a: '', b: '' }, false],
    ['has(a) || has(b) || has(c)', { c: '' }, true],
    ['has(a) || has(b) || has(c)', {}, false],
    ['all() && !global()', {}, false],
  ];
  it.each(table)('%s on %j → %s', (sel, labels, expected) => {
    expect(matches(sel, labels)).toBe(expected);
  });
});

describe('canonical form', () => {
  const table: Array<[string, string]> = [
    // Calico's canonicalisationTests
    ['', 'all()'],
    [' all() ', 'all()'],
    [' (all() )', 'all()'],
    ['! (has( b)||! has(a ))', '!(has(b) || !has(a))'],
    ['! (a == "b"&&! c != "d")', '!(a == "b" && !c != "d")'],
    [`a == "'"`, `a == "'"`],
    [`a == '"'`, `a == '"'`],
    [`a contains '"'`, `a contains '"'`],
    [`a contains "'"`, `a contains "'"`],
    [`a startswith '"'`, `a starts with '"'`],
    [`a endswith "'"`, `a ends with "'"`],
    [`a!='"'`, `a != '"'`],
    ['a in {"d"}', 'a in {"d"}'],
    ['a in {"a", "b"}', 'a in {"a", "b"}'],
    ['a in {"d", "a", "b"}', 'a in {"a", "b", "d"}'],
    ['a in {"z", "x", "y", "a"}', 'a in {"a", "x", "y", "z"}'],
    ['a in {"z", "z", "x", "y", "x", "a"}', 'a in {"a", "x", "y", "z"}'],
    // Calico's visitor tests, without the prefix
    ["k == 'v' && x == 'y'", '(k == "v" && x == "y")'],
    ["k == 'v' || has(x)", '(k == "v" || has(x))'],
    ["!(k == 'v')", '!k == "v"'],
    ["!(!(k == 'v' && has(t) || all()) && (a in {'b', 'c'}))", '!(!((k == "v" && has(t)) || all()) && a in {"b", "c"})'],
    // more
    ['a==\'b\'', 'a == "b"'],
    ['a   ==   "b"', 'a == "b"'],
    ['a\t==\t"b"', 'a == "b"'],
    ['a in {}', 'a in {}'],
    ['a in { }', 'a in {}'],
    ['a not in {}', 'a not in {}'],
    ['a notin{"y","x",}', 'a not in {"x", "y"}'],
    ["a in {'x\"', \"y'\"}", `a in {'x"', "y'"}`],
    ['a  not \t in {"x"}', 'a not in {"x"}'],
    ['a starts  with "x"', 'a starts with "x"'],
    ['a ends\twith "x"', 'a ends with "x"'],
    ['a contains"x"', 'a contains "x"'],
    ['has(  a.b/c-d_E9  )', 'has(a.b/c-d_E9)'],
    ['global( )', 'global()'],
    ['all(\t)', 'all()'],
    ['!!has(a)', 'has(a)'],
    ['!!!has(a)', '!has(a)'],
    ['a == "1" && b == "2" && c == "3"', '(a == "1" && b == "2" && c == "3")'],
    ['a == "1" && (b == "2" && c == "3")', '(a == "1" && (b == "2" && c == "3"))'],
    ['(a == "1" && b == "2") && c == "3"', '((a == "1" && b == "2") && c == "3")'],
    ['a == "1" || b == "2" && c == "3"', '(a == "1" || (b == "2" && c == "3"))'],
    ['a == "1" && b == "2" || c == "3" && d == "4"', '((a == "1" && b == "2") || (c == "3" && d == "4"))'],
    ['has(a) || has(b) || has(c)', '(has(a) || has(b) || has(c))'],
    ['!(has(a) || has(b))', '!(has(a) || has(b))'],
    ['k8s-app == "nginx"', 'k8s-app == "nginx"'],
    ['projectcalico.org/namespace == "x"', 'projectcalico.org/namespace == "x"'],
    // Word operators are label names when they do not follow a label
    ['in == "x"', 'in == "x"'],
    ['not == "x"', 'not == "x"'],
    ['contains contains "contains"', 'contains contains "contains"'],
    ['startswith starts with "value"', 'startswith starts with "value"'],
    ['in in {"in"}', 'in in {"in"}'],
    ['has == "x"', 'has == "x"'],
    ['all != "x"', 'all != "x"'],
    ['global not in {"x"}', 'global not in {"x"}'],
    ['has(a) && in == "x"', '(has(a) && in == "x")'],
    // Strings keep everything between the quotes, even a newline or a tab
    ['a == "x\ny"', 'a == "x\ny"'],
    ['a == " \t "', 'a == " \t "'],
    ['a == "&& || ! ( )"', 'a == "&& || ! ( )"'],
    // Go sorts set members by bytes: uppercase before lowercase, shorter prefix first
    ['a in {"b", "B", "a", "A", "ab", ""}', 'a in {"", "A", "B", "a", "ab", "b"}'],
  ];
  it.each(table)('%j → %s', (input, expected) => {
    expect(canonical(input)).toBe(expected);
    expect(canonical(expected)).toBe(expected);
    expect(String(parseSelector(input))).toBe(expected);
  });

  it('keeps a negation of a negated group, as Calico does, so that form is not a fixed point', () => {
    // NotNode(NotNode(has)) prints as "!!has(a)", which re-parses with the !s collapsed (parser.go).
    expect(canonical('!(!has(a))')).toBe('!!has(a)');
    expect(canonical('!(!(has(a)))')).toBe('!!has(a)');
    expect(canonical('!!has(a)')).toBe('has(a)');
    expect(canonical('!(!!has(a))')).toBe('!has(a)');
    expect(matches('!(!has(a))', { a: '' })).toBe(true);
  });

  it('sorts set members in UTF-8 byte order, not UTF-16 order', () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in Go; UTF-16 puts the emoji first.
    expect(canonical('a in {"😀", "～"}')).toBe('a in {"～", "😀"}');
    expect(compareGoStrings('～', '😀')).toBeLessThan(0);
    expect(compareGoStrings('a', 'ab')).toBeLessThan(0);
    expect(compareGoStrings('b', 'a')).toBeGreaterThan(0);
    expect(compareGoStrings('x', 'x')).toBe(0);
  });
});

describe('label names', () => {
  it('accepts [A-Za-z0-9_./-] up to 512 characters', () => {
    const long = 'a'.repeat(512);
    expect(canonical(`${long} == "x"`)).toBe(`${long} == "x"`);
    expect(matches(`${long} == "x"`, { [long]: 'x' })).toBe(true);
    expect(canonical(`has(${long})`)).toBe(`has(${long})`);
    expect(canonical('A-Z_a.z/0-9 == "x"')).toBe('A-Z_a.z/0-9 == "x"');
  });

  it('rejects a label name of 513 characters, pointing at the 513th', () => {
    const long = 'a'.repeat(513);
    expect(syntaxError(`${long} == "x"`).position).toBe(512);
    expect(syntaxError(`has(${long})`).position).toBe(4 + 512);
    expect(syntaxError(`x == "y" && ${long} == "x"`).position).toBe(12 + 512);
    expect(syntaxError(`${long} == "x"`).message).toContain('longer than 512');
  });

  it('allows labels that start with digits, dots, dashes or slashes', () => {
    for (const l of ['0', '.a', '-a', '/a', 'a/', '...', '9-9']) {
      expect(matches(`${l} == "v"`, { [l]: 'v' })).toBe(true);
    }
  });
});

describe('syntax errors carry the position and what was expected', () => {
  const table: Array<[string, number, RegExp]> = [
    // Calico's badSelectors
    ['b == b', 5, /expected a quoted string after ==/],
    ['b contains b', 11, /quoted string after contains/],
    ['b starts with b', 14, /quoted string after starts with/],
    ['b ends with b', 12, /quoted string after ends with/],
    ["'b1' == b", 0, /expected a label, has\(\), all\(\), global\(\), ! or \(/],
    ['b', 1, /expected an operator .* after label "b" but found the end of the selector/],
    ['a b', 2, /expected an operator .* after label "a"/],
    ['!', 1, /expected a label.*found the end of the selector/],
    ['foo == "bar" &', 13, /expected &&/],
    ['foo == "bar" |', 13, /expected \|\|/],
    ['foo != ||', 7, /quoted string after !=/],
    ['foo in {"", ||', 12, /expected a quoted string or \} in the set/],
    ['foo in ""', 7, /set literal/],
    ['"FOO', 0, /unterminated string/],
    [`"FOO'`, 0, /unterminated string/],
    [`'FOO`, 0, /unterminated string/],
    ['(', 1, /expected a label.*end of the selector/],
    ['(a == "foo"', 11, /expected &&, \|\| or \) to close the \( at position 0/],
    [')', 0, /expected a label/],
    ['()', 1, /expected a label.*found "\)"/],
    ['%', 0, /unexpected character "%"/],
    ['a == "b" && %', 12, /unexpected character "%"/],
    ['a == "b" || %', 12, /unexpected character "%"/],
    ['a ', 2, /after label "a"/],
    ['has(foo) &&', 11, /expected a label.*end of the selector/],
    // whitespace: only space and tab
    ['a == "b"\n', 8, /unexpected character "\\n"/],
    ['a\n== "b"', 1, /after label "a"/],
    ['\na == "b"', 0, /unexpected character "\\n"/],
    ['a ==\r"b"', 4, /unexpected character "\\r"; expected a quoted string/],
    ['a\u00a0== "b"', 1, /after label "a"/],
    // trailing content
    ['a == "b" c == "d"', 9, /expected &&, \|\| or the end of the selector but found label "c"/],
    ['has(a) has(b)', 7, /expected &&, \|\| or the end/],
    ['all() all()', 6, /expected &&, \|\| or the end/],
    ['a == "b")', 8, /expected &&, \|\| or the end of the selector but found "\)"/],
    ['has(a) in {"x"}', 7, /expected &&, \|\| or the end of the selector but found label "in"/],
    // has(, all(, global( need the parenthesis immediately
    ['has (a)', 4, /after label "has"/],
    ['all ()', 4, /after label "all"/],
    ['global ()', 7, /after label "global"/],
    ['has()', 4, /expected a label name inside has\(/],
    ['has( )', 5, /expected a label name inside has\(/],
    ['has(a b)', 6, /expected \) to close has\(/],
    ['has(a', 5, /expected \) to close has\(/],
    ['all(x)', 4, /expected \) to close all\(/],
    ['global(x)', 7, /expected \) to close global\(/],
    ['!has(a', 6, /close has\(/],
    // operators
    ['a = "b"', 2, /expected ==/],
    ['a === "b"', 4, /expected ==/],
    ['a starts "b"', 9, /expected "with" after "starts"/],
    ['a ends "b"', 7, /expected "with" after "ends"/],
    ['a not "b"', 6, /expected "in" after "not"/],
    ['a not', 5, /expected "in" after "not"/],
    ['a squiggles "b"', 2, /after label "a"/],
    ['a inx {"b"}', 4, /expected a set literal \{\.\.\.\} after in but found label "x"/],
    ['a in "b"', 5, /set literal \{\.\.\.\} after in/],
    ['a not in "b"', 9, /set literal \{\.\.\.\} after not in/],
    ['a in', 4, /set literal/],
    ['a ==', 4, /quoted string after ==.*end of the selector/],
    ['a == "b" &&', 11, /expected a label/],
    ['a == "b" ||', 11, /expected a label/],
    ['a == "b" && || b == "c"', 12, /expected a label/],
    ['&& a == "b"', 0, /expected a label/],
    ['a == "b" !', 9, /expected &&, \|\| or the end/],
    ['!= "b"', 0, /expected a label/],
    ['a (', 2, /after label "a" but found "\("/],
    ['(a)', 2, /after label "a" but found "\)"/],
    // sets
    ['a in {', 6, /expected a quoted string or \} in the set/],
    ['a in {"x"', 9, /expected a comma or \} in the set/],
    ['a in {"x" "y"}', 10, /expected a comma or \} in the set/],
    ['a in {,}', 6, /expected a quoted string or \} in the set/],
    ['a in {"x",,}', 10, /expected a quoted string or \} in the set/],
    ['a in {x}', 6, /expected a quoted string or \} in the set but found label "x"/],
    ['a in {"x"}}', 10, /expected &&, \|\| or the end/],
    ['a in {"x"', 9, /comma or \}/],
    // a later tokenizer error wins over an earlier parse error, as in Calico (tokenize first, then parse)
    ['"x" == %', 7, /unexpected character "%"/],
  ];
  it.each(table)('%j fails at %d', (sel, position, message) => {
    const err = syntaxError(sel);
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('SELECTOR_SYNTAX');
    expect(err.name).toBe('SelectorSyntaxError');
    expect(err.position).toBe(position);
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(new RegExp(`at position ${position}$`));
    expect(err.selector).toBe(sel);
    expect(err.position).toBeGreaterThanOrEqual(0);
    expect(err.position).toBeLessThanOrEqual(sel.length);
  });
});

describe('the compiled selector', () => {
  it('is frozen, works detached and is reusable', () => {
    const sel = parseSelector('app in {"web", "api"} && tier != "db"');
    const { matches: m } = sel;
    expect(m({ app: 'web' })).toBe(true);
    expect(m({ app: 'api', tier: 'db' })).toBe(false);
    expect(m({ app: 'x' })).toBe(false);
    expect(Object.isFrozen(sel)).toBe(true);
    expect(`${sel}`).toBe('(app in {"api", "web"} && tier != "db")');
  });

  it('rejects a non-string with a TypeError', () => {
    expect(() => parseSelector(undefined as unknown as string)).toThrow(TypeError);
  });

  it('agrees with a direct interpretation on random selectors and labels', () => {
    // mulberry32: a small PRNG whose low bits are usable (an LCG's are not, with small moduli).
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
    };
    const keys = ['a', 'b', 'c'];
    const vals = ['', 'x', 'y', 'xy'];
    type Expr = { text: string; ev: (l: L) => boolean };
    const gen = (depth: number): Expr => {
      const k = keys[rand(keys.length)] as string;
      const v = vals[rand(vals.length)] as string;
      const has = (l: L) => Object.hasOwn(l, k);
      switch (depth <= 0 ? rand(8) : rand(12)) {
        case 0: return { text: `${k} == "${v}"`, ev: (l) => has(l) && l[k] === v };
        case 1: return { text: `${k} != '${v}'`, ev: (l) => !has(l) || l[k] !== v };
        case 2: return { text: `${k} in {"${v}", "x"}`, ev: (l) => has(l) && (l[k] === v || l[k] === 'x') };
        case 3: return { text: `${k} not in {"${v}"}`, ev: (l) => !has(l) || l[k] !== v };
        case 4: return { text: `${k} contains "${v}"`, ev: (l) => has(l) && (l[k] as string).includes(v) };
        case 5: return { text: `${k} starts with "${v}"`, ev: (l) => has(l) && (l[k] as string).startsWith(v) };
        case 6: return { text: `${k} ends with "${v}"`, ev: (l) => has(l) && (l[k] as string).endsWith(v) };
        case 7: return { text: `has(${k})`, ev: has };
        case 8: { const e = gen(depth - 1); return { text: `!(${e.text})`, ev: (l) => !e.ev(l) }; }
        case 9: { const a = gen(depth - 1); const b = gen(depth - 1); return { text: `(${a.text}) && (${b.text})`, ev: (l) => a.ev(l) && b.ev(l) }; }
        case 10: { const a = gen(depth - 1); const b = gen(depth - 1); return { text: `(${a.text}) || (${b.text})`, ev: (l) => a.ev(l) || b.ev(l) }; }
        default: { const a = gen(depth - 1); const b = gen(depth - 1); const c = gen(depth - 1); return { text: `(${a.text}) || (${b.text}) && (${c.text})`, ev: (l) => a.ev(l) || (b.ev(l) && c.ev(l)) }; }
      }
    };
    let trues = 0;
    let falses = 0;
    for (let i = 0; i < 300; i++) {
      const e = gen(3);
      const sel = parseSelector(e.text);
      const round = parseSelector(sel.toString());
      for (let j = 0; j < 20; j++) {
        const l: L = {};
        for (const k of keys) if (rand(3) > 0) l[k] = vals[rand(vals.length)] as string;
        expect([e.text, l, sel.matches(l)]).toEqual([e.text, l, e.ev(l)]);
        expect(round.matches(l)).toBe(e.ev(l));
        if (e.ev(l)) trues++;
        else falses++;
      }
    }
    expect(Math.min(trues, falses)).toBeGreaterThan(1000);
  });
});
