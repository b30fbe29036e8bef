import { nodeFs, nodePath } from './node-builtins';

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over
 * the target, fsync the directory. A crash leaves the old file or the new one, never a torn one.
 * Node only (fs comes from process.getBuiltinModule; see node-builtins.ts).
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
  const { open, rename, rm } = nodeFs('writing a file');
  const { join, dirname, basename } = nodePath('writing a file');
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${pid}-${Math.random().toString(36).slice(2)}`);
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
