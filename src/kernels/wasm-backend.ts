import { KERNEL_NAMES, type KernelName, type Kernels } from './kernels';
import { Heap } from './heap';
import { fail } from '../errors';
// The .wasm bytes are inlined into the bundle (esbuild --loader:.wasm=binary; a small Vite plugin in
// tests), so nothing has to be located or fetched at run time, in Node or in a browser.
import simdBytes from '../../build/simd.wasm';
import relaxedBytes from '../../build/relaxed.wasm';
import simdSharedBytes from '../../build/simd-shared.wasm';
import relaxedSharedBytes from '../../build/relaxed-shared.wasm';
import { MAX_PAGES } from './heap';

export type WasmBuild = 'simd' | 'relaxed';

/** The exports of assembly/index.ts besides the kernels (which take the same arguments as Kernels). */
interface SetupExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmScratchBytes(): number;
  setGemmScratch(ptr: number): void;
  gemmTileRows(): number;
}
const SETUP_FUNCTIONS = ['heapBase', 'gemmScratchBytes', 'setGemmScratch', 'gemmTileRows'] as const satisfies readonly (keyof SetupExports)[];

const BYTES: Record<WasmBuild, Uint8Array<ArrayBuffer>> = { simd: simdBytes, relaxed: relaxedBytes };
/** The same kernels over an imported shared memory (--enable threads), for backends with threads. */
const SHARED_BYTES: Record<WasmBuild, Uint8Array<ArrayBuffer>> = { simd: simdSharedBytes, relaxed: relaxedSharedBytes };

/**
 * Whether this engine can run a build. Validating the real module is the exact test: it fails where
 * SIMD (or relaxed SIMD, e.g. Node 20 without --experimental-wasm-relaxed-simd) is missing.
 */
export function wasmBuildSupported(build: WasmBuild): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(BYTES[build]);
  } catch {
    return false;
  }
}

export function wasmBuildBytes(build: WasmBuild): Uint8Array<ArrayBuffer> {
  return BYTES[build];
}

/**
 * Refuses a module that does not export every kernel of KERNEL_NAMES (and the set-up functions) as
 * a function, and its memory: a build older or newer than this library fails here, at load, with
 * the missing names, not later as "x is not a function" in the middle of a step.
 */
export function checkKernelExports(exports: readonly WebAssembly.ModuleExportDescriptor[]): void {
  const kinds = new Map(exports.map((e) => [e.name, e.kind]));
  const missing: string[] = [...KERNEL_NAMES, ...SETUP_FUNCTIONS].filter((name) => kinds.get(name) !== 'function');
  if (kinds.get('memory') !== 'memory') missing.push('memory');
  if (missing.length > 0) {
    fail('BACKEND', `WebAssembly kernels: the module does not export ${missing.join(', ')} (a build that does not match this library's Kernels; rebuild with npm run build:wasm)`);
  }
}

// Each build is compiled once per realm; every backend is a new instance of that module (its own
// memory) sharing the compiled code, so a second backend starts with kernels the engine has
// already optimised instead of tiering them up again.
const compiled: Partial<Record<string, Promise<WebAssembly.Module>>> = {};

export function compileWasmKernels(build: WasmBuild, shared = false): Promise<WebAssembly.Module> {
  return (compiled[`${build}${shared ? '-shared' : ''}`] ??= WebAssembly.compile((shared ? SHARED_BYTES : BYTES)[build]));
}

export async function instantiateWasmKernels(build: WasmBuild): Promise<{ kernels: Kernels; heap: Heap; tileRows: number }> {
  return instantiateKernelModule(await compileWasmKernels(build));
}

/** A new shared memory for a backend with threads (the same limits as the modules' own). */
export function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
}

/**
 * Instantiates a kernel module and adapts its exports to Kernels. The generated AssemblyScript
 * bindings and @assemblyscript/loader are not used: they copy typed arrays in and out of the
 * module, while we keep all data on the module's memory and pass byte offsets.
 */
export async function instantiateKernelModule(module: WebAssembly.Module, memory?: WebAssembly.Memory): Promise<{ kernels: Kernels; heap: Heap; tileRows: number; scratchBytes: number }> {
  const { exports: ex, kernels } = await kernelInstance(module, memory);
  const heap = new Heap(ex.memory, ex.heapBase());
  // GEMM packing scratch, at a fixed address below every region the host plans.
  ex.setGemmScratch(heap.alloc(ex.gemmScratchBytes(), 'GEMM scratch'));
  return { kernels, heap, tileRows: ex.gemmTileRows(), scratchBytes: ex.gemmScratchBytes() };
}

/**
 * A worker's instance of a shared-memory module over the backend's memory, packing its GEMMs into
 * its own scratch (allocated by the backend's heap).
 */
export async function instantiateWorkerKernels(module: WebAssembly.Module, memory: WebAssembly.Memory, scratch: number): Promise<Kernels> {
  const { exports: ex, kernels } = await kernelInstance(module, memory);
  ex.setGemmScratch(scratch);
  return kernels;
}

async function kernelInstance(module: WebAssembly.Module, memory?: WebAssembly.Memory): Promise<{ exports: SetupExports; kernels: Kernels }> {
  checkKernelExports(WebAssembly.Module.exports(module));
  const instance = await WebAssembly.instantiate(module, memory ? { env: { memory } } : {});
  const ex = instance.exports as unknown as SetupExports & Kernels;
  // The exports themselves, not wrappers: they already take (sizes, byte offsets).
  const kernels: Partial<Record<KernelName, unknown>> = {};
  for (const name of KERNEL_NAMES) kernels[name] = ex[name];
  return { exports: ex, kernels: kernels as Kernels };
}
