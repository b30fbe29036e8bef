import type { Kernels } from '../kernels';
import type { Heap, HeapViews } from '../heap';
import { gemmKernels } from './gemm';
import { activationKernels } from './activations';
import { lossKernels } from './losses';
import { optimizerKernels } from './optimizers';
import { dataKernels } from './data';
import { convKernels } from './conv';
import { eurnnKernels } from './eurnn';
import { winogradKernels } from './winograd';

/**
 * The pure-TypeScript kernels: the reference the WASM kernels are tested against, and the
 * "pure-TS path" benchmarks compare with. Plain loops over typed-array views of the heap; simple
 * and obviously right, with loop orders that keep memory access sequential. One file per family,
 * named as in assembly/.
 */
export function createJsKernels(heap: Heap): Kernels {
  // Views of the current buffer (re-derived by the heap after a memory.grow, reused otherwise).
  return jsKernels(() => heap.views());
}

/** The same kernels over any views accessor (the parity tests also run them on float64 memory). */
export function jsKernels(views: () => HeapViews): Kernels {
  return {
    ...gemmKernels(views),
    ...activationKernels(views),
    ...lossKernels(views),
    ...optimizerKernels(views),
    ...dataKernels(views),
    ...convKernels(views),
    ...winogradKernels(views),
    ...eurnnKernels(views),
  } satisfies Kernels;
}
