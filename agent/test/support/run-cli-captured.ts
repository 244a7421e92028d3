// Runs the CLI dispatcher in-process with captured stdout/stderr, as the CLI tests need it.
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/run-cli.js';

export async function runCliCaptured(argv: readonly string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runCli(argv, { stdout, stderr, env });
  return { code, out, err };
}
