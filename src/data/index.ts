/** The browser-safe data layer: IDX parsing and in-memory datasets. MNIST loading from disk is in ./mnist-node. */
export * from './idx';
export * from './dataset';
