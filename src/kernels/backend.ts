import type { Kernels } from './kernels';
import { Heap, MAX_PAGES } from './heap';
import { createJsKernels } from './js';
import { compileWasmKernels, instantiateKernelModule, instantiateWasmKernels, sharedMemory, wasmBuildSupported } from './wasm-backend';
import { ThreadPool, THREAD_PROTOCOL, threadsAvailable } from './threads';
import { checkedKernels } from './checked';
import { fail } from '../errors';

export type BackendName = 'wasm-relaxed' | 'wasm-simd' | 'js';
/** 'auto': relaxed SIMD → SIMD → js, the first this engine supports; 'wasm': the same without js. */
export type BackendChoice = 'auto' | 'wasm' | 'js' | 'wasm-simd' | 'wasm-relaxed';

export interface Backend {
  /** Which implementation runs. */
  readonly name: BackendName;
  /** What this engine supports (independent of the choice made). */
  readonly features: { readonly simd: boolean; readonly relaxedSimd: boolean };
  /** The kernels, with argument checks. */
  readonly kernels: Kernels;
  /** The same kernels without checks (for code that planned its regions and checked them once). */
  readonly rawKernels: Kernels;
  /** The heap every kernel reads and writes. */
  readonly heap: Heap;
  /** Threads that run a batch's rows: 1 (the caller's) or more (workers over shared memory). */
  readonly threads: number;
  /** Why `threads: 'auto'` could not have more than 1 thread (e.g. a page without cross-origin isolation). */
  readonly threadNote?: string;
  /** The workers (threads − 1 of them), when threads > 1. */
  readonly pool?: ThreadPool;
  /** Whether dispose() was called. */
  readonly disposed: boolean;
  /**
   * Ends the backend: networks and classifiers on it refuse further use, and once nothing refers to
   * the backend its WebAssembly memory is garbage (WebAssembly memory cannot shrink; dropping it
   * is how its pages go back to the system).
   */
  dispose(): void;
}

/** What the engine supports, by validating the real modules. */
export function detectFeatures(): { simd: boolean; relaxedSimd: boolean } {
  return { simd: wasmBuildSupported('simd'), relaxedSimd: wasmBuildSupported('relaxed') };
}

export interface BackendOptions {
  backend?: BackendChoice;
  /**
   * Threads for training, evaluation and prediction: 1 (default), a number, or 'auto' (the cores
   * available, at most 8). More than 1 needs SharedArrayBuffer: in a browser, a cross-origin
   * isolated page (COOP same-origin, COEP require-corp); 'auto' falls back to 1 there, saying why in
   * `threadNote`, and a number fails.
   */
  threads?: number | 'auto';
}

/** Most threads 'auto' picks: past this a batch of 64 rows is cut too fine to gain. */
const AUTO_THREADS_MAX = 8;
/** Most threads a backend takes. */
const THREADS_MAX = 64;

function availableCores(): number {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = g.process?.getBuiltinModule?.('os') as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1;
}

function resolveThreads(threads: BackendOptions['threads']): { threads: number; note?: string } {
  if (threads === undefined || threads === 1) return { threads: 1 };
  const available = threadsAvailable();
  if (threads === 'auto') {
    const cores = Math.min(AUTO_THREADS_MAX, availableCores());
    if (!available.ok) return { threads: 1, note: `1 thread: ${available.why}` };
    return { threads: Math.max(1, cores) };
  }
  if (!Number.isInteger(threads) || threads < 1 || threads > THREADS_MAX) {
    fail('ARGUMENT', `createBackend: threads must be 'auto' or an integer from 1 to ${THREADS_MAX}, got ${String(threads)}`);
  }
  if (!available.ok) fail('BACKEND', `createBackend: ${threads} threads are not possible here: ${available.why}`);
  return { threads };
}

/**
 * Creates a backend: a heap and the kernels over it (and, with threads, the workers). The only
 * async step of the library. `createBackend('wasm')` and `createBackend({ backend: 'wasm', threads: 2 })`.
 * The library never sets engine flags: on Node 20, relaxed SIMD needs `--experimental-wasm-relaxed-simd`.
 */
export async function createBackend(options: BackendChoice | BackendOptions = 'auto'): Promise<Backend> {
  const { backend: choice = 'auto', threads: threadsOption } = typeof options === 'object' && options !== null ? options : { backend: options };
  const { threads, note: threadNote } = resolveThreads(threadsOption);
  const features = detectFeatures();
  let name: BackendName;
  switch (choice) {
    case 'js': name = 'js'; break;
    case 'wasm-relaxed':
      if (!features.relaxedSimd) {
        fail('BACKEND', "createBackend('wasm-relaxed'): this engine does not support WebAssembly relaxed SIMD (on Node 20 start node with --experimental-wasm-relaxed-simd)");
      }
      name = 'wasm-relaxed'; break;
    case 'wasm-simd':
      if (!features.simd) fail('BACKEND', "createBackend('wasm-simd'): this engine does not support WebAssembly SIMD");
      name = 'wasm-simd'; break;
    case 'wasm':
    case 'auto':
      if (features.relaxedSimd) name = 'wasm-relaxed';
      else if (features.simd) name = 'wasm-simd';
      else if (choice === 'auto') name = 'js';
      else fail('BACKEND', "createBackend('wasm'): this engine does not support WebAssembly SIMD; use 'auto' or 'js'");
      break;
    default:
      fail('ARGUMENT', `createBackend: unknown backend '${String(choice)}'; expected auto, wasm, js, wasm-simd or wasm-relaxed`);
  }
  const build = name === 'wasm-relaxed' ? 'relaxed' : 'simd';
  let heap: Heap, raw: Kernels, pool: ThreadPool | undefined;
  if (threads === 1) {
    if (name === 'js') {
      heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }), 16);
      raw = createJsKernels(heap);
    } else {
      ({ heap, kernels: raw } = await instantiateWasmKernels(build));
    }
  } else {
    // One shared memory; the caller's kernels and each worker's are instances over it.
    const memory = sharedMemory();
    const module = name === 'js' ? null : await compileWasmKernels(build, true);
    let scratchBytes = 0;
    if (module) ({ heap, kernels: raw, scratchBytes } = await instantiateKernelModule(module, memory));
    else raw = createJsKernels((heap = new Heap(memory, 16)));
    const scratch = Array.from({ length: threads - 1 }, (_, i) => (scratchBytes ? heap.alloc(scratchBytes, `GEMM scratch of worker ${i + 1}`) : 0));
    pool = await ThreadPool.start(threads - 1, (index, control) => ({
      protocol: THREAD_PROTOCOL, backend: name, module, memory, heapBase: heap.base, scratch: scratch[index], control, index,
    }));
  }
  const backend = {
    name, features, kernels: checkedKernels(raw, heap), rawKernels: raw, heap, disposed: false, threads, pool,
    ...(threadNote !== undefined && { threadNote }),
    dispose() {
      backend.disposed = true;
      pool?.terminate();
    },
  };
  return backend;
}
