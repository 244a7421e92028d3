// Process entry for the `kube-dpi` bin: real argv and streams in, exit code out.
import { runCli } from './run-cli.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exitCode = code;
