// Seconds per training epoch of the seed network (784-80 ReLU-70 Tanh-10, softmax cross-entropy,
// SGD lr 0.1, batch 64) on the 50,000 MNIST training images, training only: our wasm-relaxed,
// wasm-simd and js backends, and TensorFlow.js's wasm backend running the same network with a manual
// training loop. Variants interleave round-robin; medians of ROUNDS epochs each.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { createBackend, detectFeatures, type BackendName } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense } from '../src/nn/layers/index';
import { sgd } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { take, type Dataset } from '../src/data/dataset';
import { Rng } from '../src/rng';
import { emit, measurePeak, median, progress } from './support';

const ROUNDS = Number(process.env.EPOCH_ROUNDS ?? 3);
const BATCH = 64;
// Multiply-adds per example: forward 784·80 + 80·70 + 70·10; backward twice that except dX of
// the first layer (not needed): 2 flops each.
const FWD = 784 * 80 + 80 * 70 + 70 * 10;
const FLOPS_PER_EXAMPLE = 2 * (FWD + 2 * FWD - 784 * 80);

const { train, test } = await loadMnist();
const epochFlops = FLOPS_PER_EXAMPLE * train.count;

// --- our backends --------------------------------------------------------------------------------
const ours: BackendName[] = ['wasm-simd', 'js', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed' as const] : [])];
const nets = new Map<string, Network>();
for (const name of ours) {
  nets.set(name, new Network(await createBackend(name), { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 }));
}
async function oursEpoch(name: string): Promise<number> {
  const h = await nets.get(name)!.fit(train, { epochs: 1, batchSize: BATCH, optimizer: sgd({ lr: 0.1 }) });
  return h.epochs[0].seconds;
}

// --- TensorFlow.js, wasm backend -----------------------------------------------------------------
setWasmPaths(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')) + '/dist/');
await tf.setBackend('wasm');
await tf.ready();
const tfFeatures = { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') };
const W = [tf.variable(tf.randomNormal([784, 80], 0, 0.01, 'float32', 1)), tf.variable(tf.randomNormal([80, 70], 0, 0.01, 'float32', 2)), tf.variable(tf.randomNormal([70, 10], 0, 0.01, 'float32', 3))];
const B = [tf.variable(tf.zeros([80])), tf.variable(tf.zeros([70])), tf.variable(tf.zeros([10]))];
const tfOptimizer = tf.train.sgd(0.1);
const logits = (x: tf.Tensor2D) => tf.tanh(tf.relu(x.matMul(W[0]).add(B[0])).matMul(W[1]).add(B[1])).matMul(W[2]).add(B[2]) as tf.Tensor2D;
const scaled = (ds: Dataset, order: Int32Array, from: number, rows: number) => {
  const x = new Float32Array(rows * 784);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const i = order[from + r];
    for (let c = 0; c < 784; c++) x[r * 784 + c] = ds.x[i * 784 + c] / 255;
    y[r] = ds.y[i];
  }
  return { x, y };
};
const tfRng = new Rng(1);
function tfEpoch(): number {
  const order = tfRng.shuffle(Int32Array.from({ length: train.count }, (_, i) => i));
  const t0 = performance.now();
  for (let from = 0; from < train.count; from += BATCH) {
    const rows = Math.min(BATCH, train.count - from);
    const { x, y } = scaled(train, order, from, rows);
    tf.tidy(() => {
      const xs = tf.tensor2d(x, [rows, 784]);
      const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
      tfOptimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, logits(xs)) as tf.Scalar);
    });
  }
  return (performance.now() - t0) / 1000;
}
function tfAccuracy(ds: Dataset): number {
  const { x, y } = scaled(ds, Int32Array.from({ length: ds.count }, (_, i) => i), 0, ds.count);
  const pred = tf.tidy(() => logits(tf.tensor2d(x, [ds.count, 784])).argMax(1).dataSync()) as Int32Array;
  let correct = 0;
  for (let i = 0; i < ds.count; i++) if (pred[i] === y[i]) correct++;
  return correct / ds.count;
}

// --- interleaved rounds --------------------------------------------------------------------------
const variants = [...ours, 'tfjs-wasm'];
const runs = new Map<string, number[]>(variants.map((v) => [v, []]));
for (let round = 1; round <= ROUNDS; round++) {
  for (const v of variants) {
    const s = v === 'tfjs-wasm' ? tfEpoch() : await oursEpoch(v);
    runs.get(v)!.push(s);
    progress(`epoch: round ${round}/${ROUNDS} ${v} ${s.toFixed(3)} s`);
  }
}
const peak = await measurePeak();
const testSubset = take(test, 1000);
const accuracy = (v: string) => (v === 'tfjs-wasm' ? tfAccuracy(testSubset) : nets.get(v)!.evaluate(testSubset).accuracy);
const med = (v: string) => median(runs.get(v)!);
for (const v of variants) {
  const s = med(v);
  const gflops = epochFlops / s / 1e9;
  const p = v === 'wasm-relaxed' ? peak.fma : peak.muladd;
  emit({
    bench: 'epoch', backend: v, medianSeconds: +s.toFixed(4), runs: runs.get(v)!.map((x) => +x.toFixed(4)),
    gflops: +gflops.toFixed(2), epochGflop: +(epochFlops / 1e9).toFixed(2), fractionOfPeak: p ? +(gflops / p).toFixed(3) : null,
    imagesPerSecond: Math.round(train.count / s), testAccuracy1000: accuracy(v),
    ...(v === 'tfjs-wasm' ? { tfjs: tf.version.tfjs, tfjsWasm: tfFeatures } : {}),
  });
}
const bestWasm = ours.filter((v) => v !== 'js').reduce((a, b) => (med(a) <= med(b) ? a : b));
emit({
  bench: 'epoch-summary', bestWasm, bestWasmSeconds: +med(bestWasm).toFixed(4),
  wasmVsTfjs: +(med('tfjs-wasm') / med(bestWasm)).toFixed(1), wasmVsJs: +(med('js') / med(bestWasm)).toFixed(1),
  relaxedVsSimd: ours.includes('wasm-relaxed') ? +(med('wasm-simd') / med('wasm-relaxed')).toFixed(2) : null,
  peak,
});
