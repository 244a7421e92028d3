#!/usr/bin/env node
// Launcher for the compiled CLI. `npm install` builds dist/ (the `prepare` script); say so if it is missing.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('kube-dpi: dist/ is missing; run `npm run build` (npm install does it) first\n');
  process.exit(1);
}
await import(entry.href);
