import { KERNEL_NAMES, type KernelName, type Kernels } from './kernels';
import { Heap } from './heap';
import { fail } from '../errors';
// The .wasm bytes are inlined into the bundle (esbuild --loader:.wasm=binary; a small Vite plugin in
// tests), so nothing has to be located or fetched at run time, in Node or in a browser.
import simdBytes from '../../build/simd.wasm';
import relaxedBytes from '../../build/relaxed.wasm';

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
const compiled: Partial<Record<WasmBuild, Promise<WebAssembly.Module>>> = {};

export async function instantiateWasmKernels(build: WasmBuild): Promise<{ kernels: Kernels; heap: Heap; tileRows: number }> {
  return instantiateKernelModule(await (compiled[build] ??= WebAssembly.compile(BYTES[build])));
}

/**
 * Instantiates a kernel module and adapts its exports to Kernels. The generated AssemblyScript
 * bindings and @assemblyscript/loader are not used: they copy typed arrays in and out of the
 * module, while we keep all data on the module's memory and pass byte offsets.
 */
export async function instantiateKernelModule(module: WebAssembly.Module): Promise<{ kernels: Kernels; heap: Heap; tileRows: number }> {
  checkKernelExports(WebAssembly.Module.exports(module));
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports as unknown as SetupExports & Kernels;
  const heap = new Heap(ex.memory, ex.heapBase());
  // GEMM packing scratch, at a fixed address below every region the host plans.
  ex.setGemmScratch(heap.alloc(ex.gemmScratchBytes(), 'GEMM scratch'));
  // The exports themselves, not wrappers: they already take (sizes, byte offsets).
  const kernels: Partial<Record<KernelName, unknown>> = {};
  for (const name of KERNEL_NAMES) kernels[name] = ex[name];
  return { kernels: kernels as Kernels, heap, tileRows: ex.gemmTileRows() };
}
