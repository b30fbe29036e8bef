// simdnet: the core entry. Runs unchanged in Node and browsers (no node: imports reachable).
export type { Kernels, KernelName } from './kernels/kernels';
export { Heap, MAX_BYTES } from './kernels/heap';
export { createBackend, detectFeatures } from './kernels/backend';
export type { Backend, BackendName, BackendChoice } from './kernels/backend';
export { SimdnetError, IdxError, HeapError, ShapeError, ModelFormatError, DivergenceError } from './errors';
export { Rng } from './rng';
