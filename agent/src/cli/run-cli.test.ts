import { runCliCaptured } from '../../test/support/run-cli-captured.js';

const run = (argv: string[], env: Record<string, string> = {}) => runCliCaptured(argv, env);

describe('runCli', () => {
  it('lists every command in --help', async () => {
    const { code, out } = await run(['--help']);
    expect(code).toBe(0);
    for (const name of ['agent', 'plan', 'ingest', 'selector']) expect(out).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it.each(['agent', 'plan', 'ingest', 'selector'])('prints help for %s and exits 0', async (name) => {
    const { code, out } = await run([name, '--help']);
    expect(code).toBe(0);
    expect(out).toContain(`Usage: kube-dpi ${name}`);
    expect(out).toContain('--help');
  });

  it('exits 2 without a command, with an unknown command or an unknown flag', async () => {
    expect((await run([])).code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const flag = await run(['plan', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("Unknown option '--no-such-flag'");
  });

  it('exits 2 when positional arguments are missing', async () => {
    const { code, err } = await run(['ingest', '--sink', 'file:/tmp/x']);
    expect(code).toBe(2);
    expect(err).toContain('expected at least 1 alert file argument(s), got 0');
  });

  it('exits 1 with the bad value named when configuration is invalid', async () => {
    const { code, err } = await run(['agent', '--buffer-size-mb', 'huge']);
    expect(code).toBe(1);
    expect(err).toContain('invalid flag --buffer-size-mb: "huge"; expected an integer from 1 to 1024');
  });

  it('exits 1 when the config file cannot be read', async () => {
    const { code, err } = await run(['agent', '--config', '/nonexistent/kube-dpi.yaml']);
    expect(code).toBe(1);
    expect(err).toContain('cannot read config file /nonexistent/kube-dpi.yaml');
  });

  it('prints the version', async () => {
    const { code, out } = await run(['--version']);
    expect(code).toBe(0);
    expect(out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
