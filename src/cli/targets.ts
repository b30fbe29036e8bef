// The files a command will write (--save FILE, --out DIR, --checkpoint DIR), checked before any data
// is loaded: a run is not lost at its end to a typo in a path, and nothing later waits on a path
// where files cannot be made (under /proc, Node's recursive mkdir spins forever).
import { stat, open, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './args';

export interface Target {
  /** The flag, for the message: '--save'. */
  flag: string;
  path: string | undefined;
  /** 'file': written as a file (its directory must exist); 'dir': a directory, created with its parents as needed. */
  kind: 'file' | 'dir';
}

/** Throws a UsageError (exit code 2) naming the flag, the path and what is wrong, for the first bad target. */
export async function checkTargets(targets: readonly Target[]): Promise<void> {
  for (const t of targets) if (t.path !== undefined) await checkTarget(t.flag, t.path, t.kind);
}

async function checkTarget(flag: string, path: string, kind: 'file' | 'dir'): Promise<void> {
  const refuse = (why: string): never => { throw new UsageError(`${flag} ${path}: ${why}`); };
  if (path === '') refuse('give a path');
  const kindOf = (p: string) => whatIsAt(p, refuse);
  const full = resolve(path);
  const here = await kindOf(full);
  let dir: string;
  if (kind === 'file') {
    if (here === 'dir' || /[/\\]$/.test(path)) refuse('is a directory; give a file name');
    if (here === 'other') refuse('is not a regular file');
    // The file's directory must exist (atomicWrite puts its temporary file there).
    const parent = dirname(full);
    let k;
    [dir, k] = await nearestExisting(parent, kindOf);
    if (k !== 'dir') refuse(`${dir} is a file, not a directory`);
    if (dir !== parent) refuse(`the directory ${parent} does not exist`);
  } else {
    // A directory is created with its missing parents: the nearest one that exists must be a directory.
    let k;
    [dir, k] = await nearestExisting(full, kindOf);
    if (k !== 'dir') refuse(dir === full ? 'is a file, not a directory' : `${dir} is a file, not a directory`);
  }
  // Writable: create and remove a probe file (permissions alone miss read-only mounts, /proc, /sys).
  const probe = join(dir, `.simdnet-probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await (await open(probe, 'wx')).close();
  } catch (e) {
    refuse(`cannot create files in ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  await rm(probe, { force: true });
}

type Kind = 'dir' | 'file' | 'other' | 'missing';

/** `path` or its nearest ancestor that exists, and what it is. */
async function nearestExisting(path: string, kindOf: (p: string) => Promise<Kind>): Promise<[string, Kind]> {
  for (let d = path; ; d = dirname(d)) {
    const k = await kindOf(d);
    if (k !== 'missing' || dirname(d) === d) return [d, k];
  }
}

/** What is at `path`: a directory, a regular file, something else (device, socket), or nothing. */
async function whatIsAt(path: string, refuse: (why: string) => never): Promise<Kind> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    return refuse(`cannot check ${path} (${code ?? (e as Error).message})`);
  }
}
