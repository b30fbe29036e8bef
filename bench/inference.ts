// Inference: single-image latency (median over chunks of 100 calls, ≥ 1,000 calls, cycling through
// the first 1,000 test digits; `denseMicros`: a noise image with no zero pixels, the worst case for
// the GEMM's skipping of zero inputs) and batch-10,000
// throughput, for an MLP (784-128 ReLU-10) on our three backends and TensorFlow.js's wasm backend
// (raw ops: matMul/add/relu/softmax, same weights), and for the shipped CNN digit model on ours.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createBackend, detectFeatures, type BackendName } from '../src/kernels/backend';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { loadMnist } from '../src/data/mnist-node';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { emit, median, progress } from './support';

const { test } = await loadMnist();
const digits = Array.from({ length: 1000 }, (_, i) => Float32Array.from((test.x as Uint8Array).subarray(i * 784, (i + 1) * 784), (v) => v / 255));
let next = 0;
const single = () => digits[next++ % digits.length];
const noise = Float32Array.from({ length: 784 }, (_, i) => 0.05 + ((i * 7919) % 997) / 1050);

function latencyMicros(call: () => void, calls = 2000): number {
  for (let i = 0; i < 200; i++) call(); // warm up
  const chunks: number[] = [];
  for (let c = 0; c < calls / 100; c++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) call();
    chunks.push(((performance.now() - t0) * 1000) / 100);
  }
  return median(chunks);
}
function throughput(call: () => void, images: number, rounds = 5): number {
  call();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    call();
    times.push((performance.now() - t0) / 1000);
  }
  return images / median(times);
}

const names: BackendName[] = ['wasm-simd', 'js', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : [])];
let mlpWeights: Float32Array | undefined;
for (const name of names) {
  const backend = await createBackend(name);
  const mlp = new Network(backend, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed: 1 });
  mlpWeights ??= mlp.getWeights();
  emit({
    bench: 'inference', model: 'mlp 784-128-10', backend: name,
    singleMicros: +latencyMicros(() => mlp.predict(single())).toFixed(2),
    denseMicros: +latencyMicros(() => mlp.predict(noise)).toFixed(2),
    batch10kImagesPerSecond: Math.round(throughput(() => mlp.predict(test), test.count, name === 'js' ? 2 : 5)),
  });
  if (name !== 'js') {
    const cnn = Network.deserialize(backend, DIGIT_MODEL_BYTES);
    emit({
      bench: 'inference', model: 'shipped digit CNN', backend: name,
      singleMicros: +latencyMicros(() => cnn.predict(single()), 1000).toFixed(2),
      batch10kImagesPerSecond: Math.round(throughput(() => cnn.predict(test), test.count, 3)),
    });
  }
  progress(`inference: ${name} done`);
}

// TensorFlow.js wasm, the same MLP weights (layout: W0 [784,128], b0, W1 [128,10], b1 with 4-float alignment).
setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
await tf.setBackend('wasm');
await tf.ready();
const w = mlpWeights!;
const W0 = tf.tensor2d(w.subarray(0, 784 * 128), [784, 128]), b0 = tf.tensor1d(w.subarray(100352, 100352 + 128));
const W1 = tf.tensor2d(w.subarray(100480, 100480 + 1280), [128, 10]), b1 = tf.tensor1d(w.subarray(101760, 101770));
const forward = (x: tf.Tensor2D) => tf.softmax(tf.relu(x.matMul(W0).add(b0)).matMul(W1).add(b1));
const all = Float32Array.from(test.x as Uint8Array, (v) => v / 255);
emit({
  bench: 'inference', model: 'mlp 784-128-10', backend: 'tfjs-wasm', tfjs: tf.version.tfjs,
  singleMicros: +latencyMicros(() => tf.tidy(() => forward(tf.tensor2d(single(), [1, 784])).dataSync())).toFixed(2),
  denseMicros: +latencyMicros(() => tf.tidy(() => forward(tf.tensor2d(noise, [1, 784])).dataSync())).toFixed(2),
  batch10kImagesPerSecond: Math.round(throughput(() => tf.tidy(() => forward(tf.tensor2d(all, [test.count, 784])).dataSync()), test.count)),
});
