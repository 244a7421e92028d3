import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOptionsDoc } from './options-doc.js';

describe('docs/configuration.md', () => {
  it('matches the option table (run `npm run docs` after changing options.ts)', () => {
    const onDisk = readFileSync(join(process.cwd(), 'docs', 'configuration.md'), 'utf8');
    expect(onDisk).toBe(renderOptionsDoc());
  });

  it('documents every flag', () => {
    const text = renderOptionsDoc();
    for (const flag of ['--sink', '--manifests', '--snort-config', '--metrics-port', '--state-dir']) expect(text).toContain(`\`${flag}\``);
  });
});
