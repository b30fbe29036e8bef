// TensorFlow.js beside ours, on the same networks and batches: its wasm backend (XNNPACK, SIMD)
// and its cpu backend (plain JavaScript). Cases: the seed-004 epoch (a training loop of
// optimizer.minimize over batches of 64, as one writes it with the tfjs API), the CNN epoch
// (tf.layers and trainOnBatch; cpu only: tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so
// it cannot train convolutions), GEMM (tf.matMul) and the MLP inference cases (raw ops).
// The environment loads the library (Node: the packages; the demo page: their browser builds).
import type { BenchCase, Prepared } from './cases';
import { floatImages, gemmOperands, DENSE_IMAGE, GEMM_SHAPES } from './cases';
import type { BenchData } from './data';
import type { Peer, Refusal } from './peers';
import type { Dataset } from '../data/dataset';
import { Rng } from '../rng';

// TensorFlow.js's API, loosely typed: an optional peer whose types need not be installed, and
// whose versions vary. Only the calls below are used.
/* The tf namespace (@tensorflow/tfjs). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tfjs = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Tensor = any;

/** The tfjs backend names we drive: 'wasm' and 'cpu' (ours: 'tfjs-wasm', 'tfjs-cpu'). */
export type TfjsBackend = 'wasm' | 'cpu';

/** A batch of images as [0, 1] floats and int labels, rows taken in `order` from `from`. */
function batchOf(ds: Dataset, order: Int32Array, from: number, rows: number): { x: Float32Array; y: Int32Array } {
  const x = new Float32Array(rows * 784);
  const y = new Int32Array(rows);
  const pixels = ds.x as Uint8Array;
  for (let r = 0; r < rows; r++) {
    const i = order[from + r];
    for (let c = 0; c < 784; c++) x[r * 784 + c] = pixels[i * 784 + c] / 255;
    y[r] = ds.y[i];
  }
  return { x, y };
}

async function seedEpoch(tf: Tfjs, data: BenchData): Promise<Prepared> {
  const normal = (shape: number[], seed: number) => tf.variable(tf.randomNormal(shape, 0, 0.01, 'float32', seed));
  const W = [normal([784, 80], 1), normal([80, 70], 2), normal([70, 10], 3)];
  const B = [tf.variable(tf.zeros([80])), tf.variable(tf.zeros([70])), tf.variable(tf.zeros([10]))];
  const optimizer = tf.train.sgd(0.1);
  const logits = (x: Tensor) => tf.tanh(tf.relu(x.matMul(W[0]).add(B[0])).matMul(W[1]).add(B[1])).matMul(W[2]).add(B[2]);
  const rng = new Rng(1);
  return {
    run(items) {
      const order = rng.shuffle(Int32Array.from({ length: items }, (_, i) => i));
      for (let from = 0; from < items; from += 64) {
        const rows = Math.min(64, items - from);
        const { x, y } = batchOf(data.train, order, from, rows);
        tf.tidy(() => {
          const xs = tf.tensor2d(x, [rows, 784]);
          const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
          optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, logits(xs)));
        });
      }
    },
    dispose: () => { tf.dispose([...W, ...B]); optimizer.dispose(); },
  };
}

/** The CNN preset as a compiled tf.layers model (Adam 0.001, softmax cross-entropy); bench/cnn.ts uses it too. */
export function tfjsCnnPreset(tf: Tfjs): Tfjs {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10 }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: (y: Tensor, p: Tensor) => tf.losses.softmaxCrossEntropy(y, p) });
  return model;
}

async function cnnEpoch(tf: Tfjs, data: BenchData): Promise<Prepared> {
  const model = tfjsCnnPreset(tf);
  const all = Int32Array.from({ length: data.train.count }, (_, i) => i);
  return {
    async run(items) {
      for (let from = 0; from < items; from += 64) {
        const rows = Math.min(64, items - from);
        const { x, y } = batchOf(data.train, all, from, rows);
        const xs = tf.tensor4d(x, [rows, 28, 28, 1]);
        const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
        await model.trainOnBatch(xs, ys);
        tf.dispose([xs, ys]);
      }
    },
    dispose: () => model.dispose(),
  };
}

function gemm(tf: Tfjs, id: string): Prepared {
  const s = GEMM_SHAPES.find((g) => g.id === id)!;
  const { a, b } = gemmOperands(s);
  const A = tf.tensor2d(a, s.transA ? [s.k, s.m] : [s.m, s.k]);
  const B = tf.tensor2d(b, s.transB ? [s.n, s.k] : [s.k, s.n]);
  return {
    // Both backends compute eagerly and synchronously: the product exists when matMul returns.
    run: (calls) => { for (let i = 0; i < calls; i++) tf.matMul(A, B, s.transA === 1, s.transB === 1).dispose(); },
    dispose: () => tf.dispose([A, B]),
  };
}

/** The inference MLP (784-128 ReLU-10, softmax) with He-normal weights. */
function mlp(tf: Tfjs, c: BenchCase, data: BenchData): Prepared {
  const he = (fanIn: number, shape: number[], seed: number) => tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed);
  const W0 = he(784, [784, 128], 1), b0 = tf.zeros([128]), W1 = he(128, [128, 10], 2), b1 = tf.zeros([10]);
  const forward = (x: Tensor) => tf.softmax(tf.relu(x.matMul(W0).add(b0)).matMul(W1).add(b1));
  const dispose = () => tf.dispose([W0, b0, W1, b1]);
  if (c.id === 'mlp-10k') {
    const all = Float32Array.from(data.test.x as Uint8Array, (v) => v / 255);
    return { run: (items) => tf.tidy(() => forward(tf.tensor2d(all.subarray(0, items * 784), [items, 784])).dataSync()), dispose };
  }
  const images = c.id === 'mlp-1-dense' ? [DENSE_IMAGE] : floatImages(data.test, 1000);
  let next = 0;
  return {
    run: (calls) => { for (let i = 0; i < calls; i++) tf.tidy(() => forward(tf.tensor2d(images[next++ % images.length], [1, 784])).dataSync()); },
    dispose,
  };
}

/** The tfjs backends as peers; `tf` is the loaded library with the wasm backend registered when `wasm` is true. */
export function tfjsPeer(tf: Tfjs, backend: TfjsBackend): Peer {
  const use = async () => {
    if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  };
  const withBackend = (p: Prepared): Prepared => ({
    // Each run first makes this variant's backend current (the two share tf's engine; each uses
    // only tensors it made, so switching moves no data).
    run: async (items) => { await use(); return p.run(items); },
    dispose: p.dispose,
  });
  const peer: Peer = {
    engine: 'tfjs',
    backend: `tfjs-${backend}`,
    async prepare(c, data, quick): Promise<Prepared | Refusal | undefined> {
      await use();
      peer.note = tfjsNote(tf, backend);
      if (c.workload === 'gemm') return withBackend(gemm(tf, c.id));
      if (c.id === 'seed-004-epoch') return withBackend(await seedEpoch(tf, data));
      if (c.id === 'cnn-epoch') {
        if (backend === 'wasm') return { status: 'unsupported', reason: 'tfjs-backend-wasm cannot train convolutions (no Conv2DBackpropFilter kernel)' };
        if (quick) return { status: 'skipped', reason: 'over a second per image: too slow for --quick' };
        return withBackend(await cnnEpoch(tf, data));
      }
      if (c.id.startsWith('mlp-')) return withBackend(mlp(tf, c, data));
      return undefined;
    },
  };
  return peer;
}

/** What a tfjs variant reports about itself (version, SIMD and threads of its wasm backend). */
function tfjsNote(tf: Tfjs, backend: TfjsBackend): string {
  const flag = (f: string) => { try { return tf.env().getBool(f); } catch { return false; } };
  const version = `TensorFlow.js ${tf.version.tfjs}${flag('PROD') ? ', prod mode' : ''}`;
  if (backend !== 'wasm') return version;
  return `${version}, SIMD ${flag('WASM_HAS_SIMD_SUPPORT') ? 'on' : 'off'}, threads ${flag('WASM_HAS_MULTITHREAD_SUPPORT') ? 'on' : 'off'}`;
}
