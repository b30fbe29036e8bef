// simdnet: the core entry. Runs unchanged in Node and browsers (no node: imports reachable).
export type { Kernels, KernelName } from './kernels/kernels';
export { Heap, MAX_BYTES } from './kernels/heap';
export { createBackend, detectFeatures } from './kernels/backend';
export type { Backend, BackendName, BackendChoice } from './kernels/backend';
export { SimdnetError, IdxError, HeapError, ShapeError, ModelFormatError, DivergenceError } from './errors';
export { Rng } from './rng';
export * from './data/index';
export { Network, checkDataset } from './nn/network';
export type { NetworkConfig, NetworkJson, ParamTensor, LossName } from './nn/network';
export { dense, parseLayers, ACTIVATIONS } from './nn/layers';
export type { DenseSpec, ActivationName, Layer } from './nn/layers';
export { sgd, momentum, adam, rmsprop, optimizerByName, OPTIMIZERS } from './nn/optimizers';
export type { Optimizer, OptimizerName } from './nn/optimizers';
export { parseInit, formatInit } from './nn/init';
export type { Init } from './nn/init';
export type { FitOptions, History, EpochRecord, BatchInfo } from './nn/fit';
export { checkGradients } from './nn/gradcheck';
export type { TensorGradientCheck, GradientCheckOptions } from './nn/gradcheck';
