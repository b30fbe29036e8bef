// The module's exports: every kernel of src/kernels/kernels.ts, plus heap set-up (heapBase, the
// GEMM scratch). Each family file exports only these, so a kernel added to a family is exported.
export * from "./gemm";
export * from "./activations";
export * from "./losses";
export * from "./optimizers";
export * from "./data";
export * from "./conv";
export * from "./eurnn";
export * from "./winograd";
