// Crash-safe file replacement for state the agent must not lose or half-write (checkpoints, spool segments):
// write a temporary file, fsync it, rename it over the target, and (optionally) fsync the folder so the
// rename itself survives a power cut.
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

export async function writeFileDurably(path: string, body: string | Uint8Array, options: { mode?: number; syncDir?: boolean } = {}): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await fsp.open(tmp, 'w', options.mode ?? 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, path);
  if (options.syncDir) {
    const dir = await fsp.open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
