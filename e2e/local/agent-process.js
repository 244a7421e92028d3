// Runs the real CLI (`node bin/kube-dpi.js agent ...`) as a child process for the e2e suite and the demo,
// with its log captured to a file, and reads what it produces: <stateDir>/status.json and the file sink.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO, 'bin', 'kube-dpi.js');

export class AgentProcess {
  /** @param {{ args: string[], stateDir: string, logFile: string, env?: Record<string,string> }} options */
  constructor(options) {
    this.options = options;
    this.child = undefined;
    this.exit = undefined;
  }

  start() {
    const log = createWriteStream(this.options.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [CLI, 'agent', ...this.options.args], {
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    this.exit = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })));
    this.child = child;
    return this;
  }

  /** SIGTERM (graceful) or SIGKILL (a crash): resolves with the exit code and signal. */
  async stop(signal = 'SIGTERM') {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return this.exit;
    this.child.kill(signal);
    return this.exit;
  }

  log() {
    return existsSync(this.options.logFile) ? readFileSync(this.options.logFile, 'utf8') : '';
  }

  /** status.json: { resources: { "ns/name": {node, active: {success}, errorConditions: [...]}}, errors? } */
  status() {
    const path = join(this.options.stateDir, 'status.json');
    if (!existsSync(path)) return { resources: {} };
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return { resources: {} }; // replaced atomically; a read can still race a rename on some filesystems
    }
  }
}

/** Every document in a file sink (JSON lines, each with its _id). */
export function readFileSink(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}
