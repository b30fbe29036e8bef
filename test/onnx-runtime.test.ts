// Exported models in the real runtimes: every model goes through toOnnx, runs in onnxruntime-node
// and onnxruntime-web (WASM backend, one thread), and must give our predict() (or our logits) within
// 1e-5 relative, on real MNIST test images (seeded noise for a 3-channel input). The figures go to
// test-artifacts/onnx-runtime.json.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Network, deserializeModel } from '../src/io/network';
import { conv2d, dense, dropout, flatten, maxPool2d, reshape, type ActivationName } from '../src/nn/layers/index';
import type { LossName } from '../src/nn/losses';
import { CNN_PRESET } from '../src/cli/presets';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { loadMnist } from '../src/data/mnist-node';
import { Rng } from '../src/rng';
import { toOnnx, toOnnxModel, type ToOnnxOptions } from '../src/onnx/export';
import { runOnnx, relativeError, toNchw, type Runtime } from './support/onnx';

const RUNTIMES: Runtime[] = ['onnxruntime-node', 'onnxruntime-web'];
const IMAGES = 200;
const figures: Record<string, unknown>[] = [];

let backend: Backend;
let digits: Float32Array; // IMAGES MNIST test images, pixels / 255
beforeAll(async () => {
  backend = await createBackend();
  const { test } = await loadMnist();
  digits = Float32Array.from((test.x as Uint8Array).subarray(0, IMAGES * 784), (v) => v / 255);
});
afterAll(() => {
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync('test-artifacts/onnx-runtime.json', JSON.stringify(figures, null, 1));
});

/** The raw outputs of the last layer (what a 'logits' export gives). */
function logits(net: Network, x: Float32Array): Float32Array {
  const rows = x.length / net.input;
  net.plan(rows);
  backend.heap.write(net.inputPtr, x);
  return backend.heap.read(net.forwardRows(rows), rows * net.outputs);
}

/** Exports `net`, runs it in both runtimes on `x` (NHWC examples), and checks the outputs against ours. */
async function check(name: string, net: Network, x: Float32Array, options: ToOnnxOptions = {}): Promise<void> {
  const model = toOnnx(net, options);
  const rows = x.length / net.input;
  const image = net.inputShape.length === 3 && (options.imageInput ?? 'nchw') === 'nchw';
  const input = image ? toNchw(x, net.inputShape) : x;
  const dims = [rows, ...(image ? [net.inputShape[2], net.inputShape[0], net.inputShape[1]] : net.inputShape)];
  const ours = options.output === 'logits' ? logits(net, x) : net.predict(x);
  const row: Record<string, unknown> = { name, describe: net.describe(), loss: net.loss, output: options.output ?? 'probabilities', bytes: model.length, examples: rows };
  for (const runtime of RUNTIMES) {
    const theirs = await runOnnx(runtime, model, input, dims);
    const err = relativeError(theirs, ours, net.outputs);
    row[runtime] = err;
    expect(err.norm, `${name} in ${runtime}`).toBeLessThan(1e-5);
  }
  figures.push(row);
}

describe('exported models run in onnxruntime-node and onnxruntime-web with our outputs (MNIST test images)', () => {
  it.each(['relu', 'leaky-relu', 'tanh', 'sigmoid', 'linear'] as ActivationName[])('MLP 784-64(%s)-32(relu)-10, softmax probabilities', async (act) => {
    const net = new Network(backend, { input: 784, layers: [dense(64, act), dense(32, 'relu'), dense(10)], init: 'he', seed: 3 });
    await check(`mlp-${act}`, net, digits);
    net.dispose();
  });

  it.each([
    ['softmax-cross-entropy', 'probabilities'], ['softmax-cross-entropy', 'logits'],
    ['sigmoid-cross-entropy', 'probabilities'], ['sigmoid-cross-entropy', 'logits'],
    ['mse', 'probabilities'], ['squared-error', 'logits'],
  ] as [LossName, 'probabilities' | 'logits'][])('the %s loss, output %s', async (loss, output) => {
    const net = new Network(backend, { input: 784, layers: [dense(48, 'tanh'), dense(10)], loss, init: 'glorot', seed: 4 });
    await check(`mlp-${loss}-${output}`, net, digits, { output });
    const graph = toOnnxModel(net, { output }).graph;
    const last = graph.nodes[graph.nodes.length - 1].opType;
    expect(last).toBe(output === 'logits' || loss === 'mse' || loss === 'squared-error' ? 'Identity' : loss === 'softmax-cross-entropy' ? 'Softmax' : 'Sigmoid');
    net.dispose();
  });

  it('an MLP trained with dropout (the Dropout node is the identity at inference)', async () => {
    const net = new Network(backend, { input: 784, layers: [dense(64, 'relu'), dropout(0.3), dense(10)], init: 'he', seed: 5 });
    const { train } = await loadMnist({ limit: 2000 });
    await net.fit(train, { epochs: 1, batchSize: 32 });
    expect(toOnnxModel(net).graph.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Dropout', 'Gemm', 'Softmax']);
    await check('mlp-dropout', net, digits);
    net.dispose();
  });

  it('the CNN preset (simdnet train --model cnn), probabilities and logits', async () => {
    const net = new Network(backend, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 1 });
    await check('cnn-preset', net, digits);
    await check('cnn-preset-logits', net, digits, { output: 'logits' });
    net.dispose();
  });

  it('the shipped digit model (models/digits.simdnet), and with an NHWC input', async () => {
    const { net } = deserializeModel(backend, DIGIT_MODEL_BYTES, 'digits');
    await check('digits', net, digits);
    await check('digits-nhwc', net, digits, { imageInput: 'nhwc' });
    expect(toOnnxModel(net).graph.nodes.map((n) => n.opType)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'Flatten', 'Gemm', 'Softmax']);
    net.dispose();
  });

  it('3-channel images: explicit and asymmetric padding, strides, valid, pooling stride ≠ size, flatten, dropout after a conv', async () => {
    const net = new Network(backend, {
      input: [13, 11, 3],
      layers: [
        conv2d(6, 3, { padding: 1, stride: 2, activation: 'relu' }), conv2d(5, [2, 3], { padding: [0, 2, 1, 0], activation: 'tanh' }),
        maxPool2d(3, { stride: 1 }), dropout(0.2), conv2d(4, 2, { padding: 'valid', activation: 'sigmoid' }), flatten(), dense(7, 'leaky-relu'), dense(3),
      ],
      init: 'he', seed: 6,
    });
    const rng = new Rng(9);
    const x = Float32Array.from({ length: 16 * net.input }, () => rng.next());
    await check('rgb-cnn', net, x);
    await check('rgb-cnn-nhwc', net, x, { imageInput: 'nhwc' });
    net.dispose();
  });

  it('a reshape layer (flat pixels seen as an image), a network ending in a conv, sigmoid outputs', async () => {
    const net = new Network(backend, { input: 784, layers: [reshape([28, 28, 1]), conv2d(4, 5, { stride: 2 }), maxPool2d(2), conv2d(2, 3, { activation: 'relu' })], loss: 'sigmoid-cross-entropy', init: 'he', seed: 7 });
    await check('reshape-conv-out', net, digits);
    const twoChannels = new Network(backend, { input: [6, 6, 2], layers: [conv2d(3, 3), flatten(), reshape([3, 6, 6]), conv2d(2, 3), dense(4)], seed: 8 });
    const rng = new Rng(10);
    await check('reshape-nchw-roundtrip', twoChannels, Float32Array.from({ length: 8 * 72 }, () => rng.next() - 0.5));
    net.dispose();
    twoChannels.dispose();
  });
});
