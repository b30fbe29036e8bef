// The module's exports: every kernel of src/kernels/kernels.ts, plus heap set-up.
export { gemm, gemmScratchBytes, setGemmScratch, gemmTileRows } from "./gemm";
export { biasAdd, biasGrad, reluForward, reluBackward, tanhForward, tanhBackward, sigmoidForward, sigmoidBackward } from "./activations";
export { softmax, softmaxCrossEntropy, squaredError, argmax } from "./losses";
export { sgd, momentum, adam, rmsprop } from "./optimizers";
export { gatherImages, gatherLabels, maxAbs, heapBase } from "./data";
export { im2col, col2im, maxPoolForward, maxPoolBackward, multiply } from "./conv";
export { rotationForward, rotationBackward, modReluForward, modReluBackward, complexInputForward, complexInputBackward } from "./eurnn";
