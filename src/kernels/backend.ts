import type { Kernels } from './kernels';
import { Heap, MAX_PAGES } from './heap';
import { createJsKernels } from './js';
import { instantiateWasmKernels, wasmBuildSupported } from './wasm-backend';
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

/**
 * Creates a backend: a heap and the kernels over it. The only async step of the library.
 * The library never sets engine flags: on Node 20, relaxed SIMD needs `--experimental-wasm-relaxed-simd`.
 */
export async function createBackend(choice: BackendChoice = 'auto'): Promise<Backend> {
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
  let heap: Heap, raw: Kernels;
  if (name === 'js') {
    heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }), 16);
    raw = createJsKernels(heap);
  } else {
    ({ heap, kernels: raw } = await instantiateWasmKernels(name === 'wasm-relaxed' ? 'relaxed' : 'simd'));
  }
  const backend = {
    name, features, kernels: checkedKernels(raw, heap), rawKernels: raw, heap, disposed: false,
    dispose() { backend.disposed = true; },
  };
  return backend;
}
