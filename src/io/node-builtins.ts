// Node's fs and path without a static `node:` import, so modules that use them (saving and loading
// model files) can sit in the browser-safe core: `process.getBuiltinModule` (Node ≥ 20.16) hands
// them over at call time, and a browser gets a clear error instead of a failed import at load.
import { fail } from '../errors';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

function builtin<T>(name: string, what: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(name);
  if (!mod) {
    fail(
      'NODE_ONLY',
      `${what} works with files, which needs Node.js (20.16 or later); in a browser use net.serialize() and Network.deserialize(backend, bytes)`,
    );
  }
  return mod as T;
}

export const nodeFs = (what: string): Fs => builtin<Fs>('fs/promises', what);
export const nodePath = (what: string): Path => builtin<Path>('path', what);
