import type { Kernels } from './kernels';
import { Heap } from './heap';
// The .wasm bytes are inlined into the bundle (esbuild --loader:.wasm=binary; a small Vite plugin in
// tests), so nothing has to be located or fetched at run time, in Node or in a browser.
import simdBytes from '../../build/simd.wasm';
import relaxedBytes from '../../build/relaxed.wasm';

export type WasmBuild = 'simd' | 'relaxed';

/** The exports of assembly/index.ts: the kernels (same signatures as Kernels) plus set-up. */
interface WasmExports extends Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmScratchBytes(): number;
  setGemmScratch(ptr: number): void;
  gemmTileRows(): number;
}

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
 * Instantiates one build and adapts its exports to Kernels. The generated AssemblyScript bindings
 * and @assemblyscript/loader are not used: they copy typed arrays in and out of the module, while we
 * keep all data on the module's memory and pass byte offsets.
 */
// Each build is compiled once per realm; every backend is a new instance of that module (its own
// memory) sharing the compiled code, so a second backend starts with kernels the engine has
// already optimised instead of tiering them up again.
const compiled: Partial<Record<WasmBuild, Promise<WebAssembly.Module>>> = {};

export async function instantiateWasmKernels(build: WasmBuild): Promise<{ kernels: Kernels; heap: Heap; tileRows: number }> {
  const module = await (compiled[build] ??= WebAssembly.compile(BYTES[build]));
  const instance = await WebAssembly.instantiate(module, {});
  const ex = instance.exports as unknown as WasmExports;
  const heap = new Heap(ex.memory, ex.heapBase());
  // GEMM packing scratch, at a fixed address below every region the host plans.
  ex.setGemmScratch(heap.alloc(ex.gemmScratchBytes(), 'GEMM scratch'));
  // One adapter line per kernel: the exports already take (sizes, byte offsets).
  const kernels = {
    gemm: ex.gemm,
    biasAdd: ex.biasAdd,
    biasGrad: ex.biasGrad,
    reluForward: ex.reluForward,
    reluBackward: ex.reluBackward,
    tanhForward: ex.tanhForward,
    tanhBackward: ex.tanhBackward,
    sigmoidForward: ex.sigmoidForward,
    sigmoidBackward: ex.sigmoidBackward,
    softmax: ex.softmax,
    softmaxCrossEntropy: ex.softmaxCrossEntropy,
    squaredError: ex.squaredError,
    sgd: ex.sgd,
    momentum: ex.momentum,
    adam: ex.adam,
    rmsprop: ex.rmsprop,
    gatherImages: ex.gatherImages,
    gatherLabels: ex.gatherLabels,
    argmax: ex.argmax,
    im2col: ex.im2col,
    col2im: ex.col2im,
    maxPoolForward: ex.maxPoolForward,
    maxPoolBackward: ex.maxPoolBackward,
    multiply: ex.multiply,
    maxAbs: ex.maxAbs,
    rotationForward: ex.rotationForward,
    rotationBackward: ex.rotationBackward,
    modReluForward: ex.modReluForward,
    modReluBackward: ex.modReluBackward,
    complexInputForward: ex.complexInputForward,
    complexInputBackward: ex.complexInputBackward,
  } satisfies Kernels;
  return { kernels, heap, tileRows: ex.gemmTileRows() };
}
