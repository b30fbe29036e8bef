import { open, rename, rm } from 'node:fs/promises';
import { join, dirname, basename } from 'node:path';

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over
 * the target, fsync the directory. A crash leaves the old file or the new one, never a torn one.
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  try {
    const dir = await open(dirname(path), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic.
  }
}

