// The benchmark's cases: the workloads the README reports, each on one of our backends. A case
// measures "items" (images, sequences, calls); a run measures as many as fit the time budget, from
// minItems up to maxItems, and its time is scaled to the case's unit (an epoch is 50,000 images,
// an EURNN step 100 sequences). Peers implement the same cases in ./peers-*.ts.
import type { Backend } from '../kernels/backend';
import { Network } from '../nn/network';
import { deserializeModel } from '../io/network';
import { dense, eurnnClassifier, buildLayers, parseLayerSpec, parseInputShape, type LayerSpec } from '../nn/layers/index';
import type { Shape } from '../nn/layer';
import { decodeModelFile } from '../io/model-file';
import { adam, rmsprop, sgd, type Optimizer } from '../nn/optimizers';
import { permutePixels, take, type Dataset } from '../data/dataset';
import { Rng } from '../rng';
import { CNN_PRESET } from '../cli/presets';
import { DIGIT_MODEL_BYTES } from '../digits-entry';
import type { WorkloadName } from './records';
import type { BenchData } from './data';

/** A case made ready on one variant: run(items) does the work of `items` items. */
export interface Prepared {
  run(items: number): unknown;
  dispose?(): void;
}

export interface BenchCase {
  workload: WorkloadName;
  id: string;
  title: string;
  unit: string;
  /** Items in one unit. */
  unitItems: number;
  /** Items of the first warm-up run, which also calibrates the run size. */
  warmItems: number;
  minItems: number;
  maxItems: number;
  throughputUnit: string;
  /** Floating-point operations per item (multiply and add counted apart); null: not counted. */
  flopsPerItem: number | null;
  /**
   * flopsPerItem counts the direct algorithm's operations (a convolution's as im2col · W), while
   * the run may do fewer (Winograd): its GFLOP/s is an effective rate, given without a share of the peak.
   */
  effectiveFlops?: boolean;
  /** Whether thread counts above 1 apply (a GEMM call, one image: the caller's thread only). */
  threads: boolean;
  /** Left out of --quick runs (the work is too large for its budget on the js path). */
  full?: boolean;
  ours(backend: Backend, data: BenchData): Prepared;
  /** Inference cases: the network (peers that run models export it), and the images of one per call. */
  network?: (backend: Backend) => Network;
  images?: (data: BenchData) => Float32Array[];
}

// --- shapes and flop counts -----------------------------------------------------------------------
/** The seed-004 network: 784-80 ReLU-70 tanh-10, normal(0, 0.01), SGD 0.1, batch 64. */
export const seed004 = (b: Backend) => new Network(b, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 });
const SEED_FWD = 784 * 80 + 80 * 70 + 70 * 10;
/** Training flops per image: forward, and backward twice the forward's multiply-adds except the first layer's dX. */
const SEED_TRAIN_FLOPS = 2 * (SEED_FWD + 2 * SEED_FWD - 784 * 80);
/**
 * Multiply-adds of one example's forward pass through each layer's weight matrix: a dense layer's
 * inputs × outputs, a convolution's kh·kw·c × filters per output pixel (biases, activations and
 * pooling are left out: they are small beside these).
 */
export function forwardMultiplyAdds(input: Shape, specs: readonly LayerSpec[]): number {
  return buildLayers(input, specs).layers.reduce((sum, layer) => {
    const w = layer.params().find((p) => p.name === 'weights');
    return w && w.shape.length === 2 ? sum + w.shape[0] * layer.outSize : sum;
  }, 0);
}
/** The CNN preset's multiply-adds per image: conv1 28·28·25·32, conv2 14·14·800·64, dense 3136·10. */
const CNN_FWD = forwardMultiplyAdds([28, 28, 1], CNN_PRESET);
/** The shipped digit model's (models/digits.simdnet), read from its header. */
const DIGIT_FWD = (() => {
  const { header } = decodeModelFile(DIGIT_MODEL_BYTES, 'the shipped digit model', 1e7);
  return forwardMultiplyAdds(parseInputShape(header.input), header.layers.map(({ params: _, ...l }, i) => parseLayerSpec(l, `layer ${i}`)));
})();
/** The inference MLP (784-128 ReLU-10, He init). */
const mlp = (b: Backend) => new Network(b, { input: 784, layers: [dense(128, 'relu'), dense(10)], init: 'he', seed: 1 });
const MLP_FWD = 784 * 128 + 128 * 10;

const EPOCH = 50_000;
const BATCH = 64;

/** Images as float rows in [0, 1] (what one predict call takes). */
export function floatImages(ds: Dataset, count: number): Float32Array[] {
  return Array.from({ length: Math.min(count, ds.count) }, (_, i) => Float32Array.from((ds.x as Uint8Array).subarray(i * 784, (i + 1) * 784), (v) => v / 255));
}

/** A noise image with no zero pixel: the worst case of the GEMM's skipping of zero inputs. */
export const DENSE_IMAGE = Float32Array.from({ length: 784 }, (_, i) => 0.05 + ((i * 7919) % 997) / 1050);

const permuted = new WeakMap<Dataset, Dataset>();
/** Permuted pixel-by-pixel MNIST for the EURNN (the first 2,000 training images, permutation seed 0). */
export function eurnnData(data: BenchData): Dataset {
  let ds = permuted.get(data.train);
  if (!ds) permuted.set(data.train, (ds = permutePixels(take(data.train, 2000), 0)));
  return ds;
}

// --- GEMM -----------------------------------------------------------------------------------------
interface GemmShape { id: string; title: string; transA: number; transB: number; m: number; n: number; k: number; full?: boolean }
export const GEMM_SHAPES: GemmShape[] = [
  { id: 'gemm-forward', title: 'GEMM 64×80×784 (the seed layer\'s forward)', transA: 0, transB: 0, m: 64, n: 80, k: 784 },
  { id: 'gemm-dx', title: 'GEMM 64×784×80, B transposed (its dX)', transA: 0, transB: 1, m: 64, n: 784, k: 80 },
  { id: 'gemm-dw', title: 'GEMM 784×80×64, A transposed (its dW)', transA: 1, transB: 0, m: 784, n: 80, k: 64 },
  { id: 'gemm-256', title: 'GEMM 256³', transA: 0, transB: 0, m: 256, n: 256, k: 256 },
  { id: 'gemm-1024', title: 'GEMM 1024³', transA: 0, transB: 0, m: 1024, n: 1024, k: 1024, full: true },
];

/** Seeded operands in [−1, 1) (no zeros to skip). */
export function gemmOperands(s: GemmShape): { a: Float32Array; b: Float32Array } {
  const rng = new Rng(1);
  return { a: Float32Array.from({ length: s.m * s.k }, () => rng.uniform(-1, 1)), b: Float32Array.from({ length: s.k * s.n }, () => rng.uniform(-1, 1)) };
}

const gemmCase = (s: GemmShape): BenchCase => ({
  workload: 'gemm', id: s.id, title: s.title, unit: 'call', unitItems: 1,
  warmItems: 1, minItems: 1, maxItems: 1e6, throughputUnit: 'calls/s', flopsPerItem: 2 * s.m * s.n * s.k, threads: false, full: s.full,
  ours(backend) {
    const group = backend.heap.group(s.title);
    const { a, b } = gemmOperands(s);
    const A = group.allocF32From(a), B = group.allocF32From(b), C = group.allocF32(s.m * s.n);
    const kernels = backend.rawKernels;
    return {
      run: (calls) => { for (let i = 0; i < calls; i++) kernels.gemm(s.transA, s.transB, s.m, s.n, s.k, A, B, C, 0); },
      dispose: () => group.release(),
    };
  },
});

// --- training -------------------------------------------------------------------------------------
/** One pass of fit() over the first `items` images (batches of 64; the unit is a 50,000-image epoch). */
function epochRunner(net: Network, train: Dataset, optimizer: () => Optimizer): Prepared {
  return { run: (items) => net.fit(take(train, items), { epochs: 1, batchSize: BATCH, optimizer: optimizer() }), dispose: () => net.dispose() };
}

const EPOCH_CASE: BenchCase = {
  workload: 'epoch', id: 'seed-004-epoch', title: 'seed-004 MLP epoch (784-80-70-10, SGD, batch 64, 50,000 images)', unit: 'epoch', unitItems: EPOCH,
  warmItems: 2 * BATCH, minItems: 2 * BATCH, maxItems: EPOCH, throughputUnit: 'images/s', flopsPerItem: SEED_TRAIN_FLOPS, threads: true,
  ours: (backend, data) => epochRunner(seed004(backend), data.train, () => sgd({ lr: 0.1 })),
};

const CNN_CASE: BenchCase = {
  workload: 'cnn', id: 'cnn-epoch', title: 'CNN preset epoch (conv 5×5×32, pool, conv 5×5×64, pool, dense 10; Adam, batch 64, 50,000 images; GFLOP/s of a direct convolution)', unit: 'epoch', unitItems: EPOCH,
  warmItems: 2, minItems: 2, maxItems: EPOCH, throughputUnit: 'images/s', flopsPerItem: 3 * 2 * CNN_FWD, effectiveFlops: true, threads: true,
  ours: (backend, data) => epochRunner(new Network(backend, { input: [28, 28, 1], layers: CNN_PRESET, init: 'he', seed: 1 }), data.train, () => adam({ lr: 0.001 })),
};

/** The reference step: batch 100 of 784-step sequences, N 256, capacity 2, RMSprop (forward, BPTT, update). */
const EURNN_BATCH = 100;
const EURNN_CASE: BenchCase = {
  workload: 'eurnn', id: 'eurnn-step', title: 'EURNN training step (N 256, capacity 2, batch 100 × 784 steps, RMSprop)', unit: 'step', unitItems: EURNN_BATCH,
  warmItems: 4, minItems: 2, maxItems: 5 * EURNN_BATCH, throughputUnit: 'sequences/s', flopsPerItem: null, threads: true,
  ours(backend, data) {
    const net = new Network(backend, { input: [784, 1], layers: eurnnClassifier(256, { capacity: 2 }), seed: 1 });
    const ds = eurnnData(data);
    return {
      // Fewer sequences than a batch: one smaller step (the work is linear in the batch); more:
      // whole steps of 100 (the runner rounds a run above one unit to whole units).
      run: (items) => {
        const steps = Math.max(1, Math.round(items / EURNN_BATCH));
        return net.fit(ds, { steps, evalEvery: steps, batchSize: Math.min(items, EURNN_BATCH), optimizer: rmsprop({ lr: 1e-4, alpha: 0.99, eps: 1e-8 }) });
      },
      dispose: () => net.dispose(),
    };
  },
};

// --- inference ------------------------------------------------------------------------------------
/** One image per predict call, cycling through the first 1,000 test images (or one fixed image). */
function latency(net: Network, images: Float32Array[]): Prepared {
  let next = 0;
  return { run: (calls) => { for (let i = 0; i < calls; i++) net.predict(images[next++ % images.length]); }, dispose: () => net.dispose() };
}
function batchPredict(net: Network, test: Dataset): Prepared {
  return { run: (items) => net.predict(take(test, items)), dispose: () => net.dispose() };
}
const digitModel = (b: Backend) => deserializeModel(b, DIGIT_MODEL_BYTES, 'the shipped digit model').net;
const single = (id: string, title: string, flops: number, make: (b: Backend) => Network, images: (d: BenchData) => Float32Array[], minItems: number): BenchCase => ({
  workload: 'inference', id, title, unit: 'image', unitItems: 1, warmItems: minItems, minItems, maxItems: 100_000,
  throughputUnit: 'images/s', flopsPerItem: flops, threads: false, ours: (b, d) => latency(make(b), images(d)), network: make, images,
});
const batch = (id: string, title: string, flops: number, make: (b: Backend) => Network, minItems: number): BenchCase => ({
  workload: 'inference', id, title, unit: 'batch', unitItems: 10_000, warmItems: minItems, minItems, maxItems: 10_000,
  throughputUnit: 'images/s', flopsPerItem: flops, threads: true, ours: (b, d) => batchPredict(make(b), d.test), network: make,
});

const INFERENCE_CASES: BenchCase[] = [
  single('mlp-1', 'MLP 784-128-10, one image per call', 2 * MLP_FWD, mlp, (d) => floatImages(d.test, 1000), 50),
  single('mlp-1-dense', 'MLP 784-128-10, one dense (noise) image per call', 2 * MLP_FWD, mlp, () => [DENSE_IMAGE], 50),
  batch('mlp-10k', 'MLP 784-128-10, a batch of 10,000 images', 2 * MLP_FWD, mlp, 200),
  single('cnn-1', 'shipped digit model, one image per call', 2 * DIGIT_FWD, digitModel, (d) => floatImages(d.test, 1000), 3),
  batch('cnn-10k', 'shipped digit model, a batch of 10,000 images', 2 * DIGIT_FWD, digitModel, 5),
];

/** Every case, in the order the suite runs them. */
export const CASES: BenchCase[] = [...GEMM_SHAPES.map(gemmCase), EPOCH_CASE, CNN_CASE, EURNN_CASE, ...INFERENCE_CASES];
