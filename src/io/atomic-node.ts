import { nodeFs, nodePath } from './node-builtins';

/** `.<name>.simdnet.tmp-<pid>-<random>`: the temporary file says which target it is for and which process wrote it. */
const TMP_MARK = '.simdnet.tmp-';

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over
 * the target, fsync the directory. A crash leaves the old file or the new one, never a torn one.
 * A process killed mid-write leaves its temporary file behind: the next write to the same path
 * removes such files when the process that wrote them is gone.
 * Node only (fs comes from process.getBuiltinModule; see node-builtins.ts).
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
  const { open, rename, rm } = nodeFs('writing a file');
  const { join, dirname, basename } = nodePath('writing a file');
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  await removeStaleTemps(dirname(path), basename(path));
  const tmp = join(dirname(path), `.${basename(path)}${TMP_MARK}${pid}-${Math.random().toString(36).slice(2)}`);
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

/**
 * Removes the temporary files of earlier writes to `dir/name` whose process no longer runs (also
 * the `.<name>.tmp-<pid>-<random>` names of simdnet 0.1). Files of a live process are left alone:
 * that write may still be going on.
 */
async function removeStaleTemps(dir: string, name: string): Promise<void> {
  const { readdir, rm } = nodeFs('writing a file');
  const { join } = nodePath('writing a file');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // the write itself reports a missing or unreadable directory
  }
  for (const entry of names) {
    const rest = [`.${name}${TMP_MARK}`, `.${name}.tmp-`].map((p) => (entry.startsWith(p) ? entry.slice(p.length) : '')).find((r) => r);
    const owner = rest && /^(\d+)-[0-9a-z]+$/.exec(rest);
    if (owner && !processAlive(Number(owner[1]))) await rm(join(dir, entry), { force: true }).catch(() => undefined);
  }
}

/** Whether process `pid` exists (signal 0 checks without sending; EPERM: it exists, owned by another user). */
function processAlive(pid: number): boolean {
  const proc = (globalThis as { process?: { kill?: (pid: number, signal: number) => void } }).process;
  if (!proc?.kill || !(pid > 0)) return true;
  try {
    proc.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM';
  }
}

/**
 * Creates `dir` and its missing parents, one `mkdir` each. Not `mkdir(dir, { recursive: true })`:
 * Node's recursive mkdir retries forever where mkdir says ENOENT for a parent that exists (under
 * /proc it spins at 100% CPU); this loop ends after one pass up and one down the path.
 */
export async function ensureDir(dir: string): Promise<void> {
  const { mkdir, stat } = nodeFs('creating a directory');
  const { dirname, resolve } = nodePath('creating a directory');
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      await stat(d);
      break; // exists: mkdir below reports it if it is not a directory
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
    }
  }
}
