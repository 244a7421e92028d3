import { runCliCaptured } from '../../test/support/run-cli-captured.js';

const run = (argv: string[]) => runCliCaptured(argv);

describe('kube-dpi selector', () => {
  it('prints the canonical form as the only line', async () => {
    expect(await run(['selector', "k8s-app == 'nginx'&&has(tier)"])).toEqual({
      code: 0,
      out: '(k8s-app == "nginx" && has(tier))\n',
      err: '',
    });
  });

  it('prints all() for the empty selector, as Calico parses it', async () => {
    expect(await run(['selector', ''])).toMatchObject({ code: 0, out: 'all()\n' });
    expect(await run(['selector', ' \t'])).toMatchObject({ code: 0, out: 'all()\n' });
  });

  it.each([
    ['app == "web"', '{"app":"web"}', true],
    ['app == "web"', '{"app":"db"}', false],
    ['app != "web"', '{}', true],
    ['!has(app)', '{"other":"x"}', true],
    ['a in {"x", "y"}', '{"a":"y","b":"z"}', true],
    ['has(__proto__)', '{"__proto__":"x"}', true],
    ['has(constructor)', '{}', false],
  ])('%s with --labels %s → matches: %s', async (sel, labels, expected) => {
    const r = await run(['selector', sel, '--labels', labels]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`matches: ${expected}`);
    expect(lines[2]).toBe('');
  });

  it('accepts --labels=value and labels before the expression', async () => {
    expect((await run(['selector', '--labels={"a":"1"}', 'a == "1"'])).out).toBe('a == "1"\nmatches: true\n');
  });

  it('exits 1 on a bad selector with the position and a caret under it', async () => {
    const r = await run(['selector', 'app == web']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'kube-dpi selector: invalid selector: expected a quoted string after == but found label "web" at position 7 [SELECTOR_SYNTAX]\n' +
        '  app == web\n' +
        '         ^\n',
    );
  });

  it('puts the caret at the end for a truncated selector and keeps tabs aligned', async () => {
    const r = await run(['selector', 'a\t== "b" &&']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('at position 11');
    expect(r.err.endsWith(`  a\t== "b" &&\n   \t${' '.repeat(9)}^\n`)).toBe(true);
  });

  it('shows only the offending line when the selector holds a newline', async () => {
    const r = await run(['selector', 'a == "x\ny" &&\nb']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('at position 13');
    expect(r.err.endsWith(`  y" &&\n  ${' '.repeat(5)}^\n`)).toBe(true);
  });

  it.each([
    ['not json', /invalid --labels: "not json" is not valid JSON/],
    ['["a"]', /invalid --labels: expected a JSON object of string values, got an array/],
    ['null', /invalid --labels: .* got null/],
    ['"x"', /invalid --labels: .* got a string/],
    ['7', /invalid --labels: .* got a number/],
    ['{"a":1}', /invalid --labels: the value of "a" must be a string, got number/],
    ['{"a":{"b":"c"}}', /invalid --labels: the value of "a" must be a string, got object/],
    ['{"a":null}', /invalid --labels: the value of "a" must be a string, got null/],
  ])('exits 1 when --labels is %s', async (labels, message) => {
    const r = await run(['selector', 'has(a)', '--labels', labels]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
  });

  it('reports the selector error first when both inputs are bad', async () => {
    const r = await run(['selector', 'a ==', '--labels', 'nope']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('SELECTOR_SYNTAX');
  });

  it('is a usage error (exit 2) without an expression or with two', async () => {
    expect((await run(['selector'])).code).toBe(2);
    expect((await run(['selector', 'a', 'b'])).code).toBe(2);
  });
});
