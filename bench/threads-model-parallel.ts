// A PROTOTYPE, not the library's threads path: how fast could a model-parallel training step of
// the seed-004 MLP (784-80 relu-70 tanh-10, softmax cross-entropy, SGD 0.1, batch 64) be on 2
// threads, against the data-parallel path simdnet runs today (each thread a share of the rows, the
// shares' gradients summed, src/nn/parallel.ts)? Measured for issue 17 (≥ 1.7× on 2 cores).
//
// The layout: activations are stored transposed (features × batch), so a block of features is
// contiguous. Thread t owns rows in_t of every weight matrix (its block of input features) and the
// biases of its block of output features: forward, each thread multiplies its input block by its
// weight rows into a partial product, and after a barrier sums its output block of both partials
// (a fixed order: the same weights on every run); backward, the weight gradient of its rows and
// the input gradient of its block need no sums, and it steps its own parameters at once. No
// parameter or gradient ever moves between cores; per step a thread reads ~40 KB of the other's
// activations (data-parallel: ~250 KB of parameters and gradients). Six barriers per step.
//
// It runs the raw kernels on fixed batches (16 random ones, cycled; no gather, no metrics) and
// checks its loss against its own one-thread run. The data-parallel figures are the library's
// trainBatch + step on 64 sequential MNIST rows (gather included), interleaved with it.
//   npm run bench:scripts -- threads-model-parallel      (STEPS=1500 steps per round, 7 rounds)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { compileWasmKernels, instantiateKernelModule, instantiateWorkerKernels, sharedMemory } from '../src/kernels/wasm-backend';
import type { Kernels } from '../src/kernels/kernels';
import { createBackend } from '../src/kernels/backend';
import { Network } from '../src/nn/network';
import { dense } from '../src/nn/layers/index';
import { sgd } from '../src/nn/optimizers';
import { loadMnist } from '../src/data/mnist-node';
import { emit, median, progress } from './support';

const B = 64, SIZES = [784, 80, 70, 10], NX = 16;
interface Plan { T: number; mem: WebAssembly.Memory; module: WebAssembly.Module; sync: SharedArrayBuffer; p: Record<string, number>; scratch: number[] }

/** Thread t's block [first, count] of n features. */
function split(n: number, T: number, t: number): [number, number] { const s = Math.ceil(n / T); const a = Math.min(n, t * s); return [a, Math.min(n, a + s) - a]; }

/**
 * Thread t's part of a training step on batch s % NX: forward (partial products, a barrier, the sum
 * of its output block, bias, activation), the loss on thread 0 (logits and their gradient
 * transposed in JS: 640 values), then backward layer by layer with a barrier between layers.
 */
function stepFn(k: Kernels, plan: Plan, t: number, f32: () => Float32Array) {
  const { T, p } = plan;
  const arr = new Int32Array(plan.sync);
  let gen = 0;
  const barrier = () => { gen++; Atomics.add(arr, 0, 1); while (Atomics.load(arr, 0) < T * gen); };
  const lr = 0.1;
  return (s: number) => {
    const XT = p.XT + (s % NX) * 784 * B * 4;
    const acts = [XT, p.A1, p.A2];
    // forward
    for (let l = 0; l < 3; l++) {
      const inN = SIZES[l], outN = SIZES[l + 1];
      const [is, ic] = split(inN, T, t);
      const W = p[`W${l + 1}`], Pt = p[`P${l + 1}_${t}`];
      k.gemm(1, 0, outN, B, ic, W + is * outN * 4, acts[l] + is * B * 4, Pt, 0);
      if (T > 1) barrier();
      if (l === 2) break;
      const [os, oc] = split(outN, T, t);
      const Y = p[`A${l + 1}`] + os * B * 4;
      if (T > 1) k.weightedSum(oc * B, p[`P${l + 1}_0`] + os * B * 4, p[`P${l + 1}_1`] + os * B * 4, Y, 1, 1);
      else k.weightedSum(oc * B, Pt + os * B * 4, Pt + os * B * 4, Y, 1, 0);
      k.gemm(0, 0, oc, B, 1, p[`b${l + 1}`] + os * 4, p.ones, Y, 1);
      if (l === 0) k.reluForward(oc * B, Y, Y); else k.tanhForward(oc * B, Y, Y);
    }
    if (t === 0) {
      const v = f32();
      const b3 = p.b3 >>> 2, P0 = p.P3_0 >>> 2, P1 = p.P3_1 >>> 2, yr = p.Y3 >>> 2;
      for (let o = 0; o < 10; o++) for (let r = 0; r < B; r++) v[yr + r * 10 + o] = v[P0 + o * B + r] + (T > 1 ? v[P1 + o * B + r] : 0) + v[b3 + o];
      k.softmaxCrossEntropy(B, 10, p.Y3, p.labels, p.dY3, p.stats);
      const d = p.dY3 >>> 2, dt = p.dY3T >>> 2;
      for (let o = 0; o < 10; o++) for (let r = 0; r < B; r++) v[dt + o * B + r] = v[d + r * 10 + o];
      k.gemm(0, 0, 10, 1, B, p.dY3T, p.ones, p.db3, 0);
      k.sgd(10, p.b3, p.db3, lr);
    }
    if (T > 1) barrier();
    // backward: layer 3, 2, 1
    const dYT = [p.dY1T, p.dY2T, p.dY3T];
    for (let l = 2; l >= 0; l--) {
      const inN = SIZES[l], outN = SIZES[l + 1];
      const [is, ic] = split(inN, T, t);
      const W = p[`W${l + 1}`], dW = p[`dW${l + 1}`];
      k.gemm(0, 1, ic, outN, B, acts[l] + is * B * 4, dYT[l], dW + is * outN * 4, 0);
      if (l > 0) {
        // dA_{l} block = W[in_t,:] · dYT, then the activation's backward into dY_{l-1}
        k.gemm(0, 0, ic, B, outN, W + is * outN * 4, dYT[l], p.dA + is * B * 4, 0);
        const Y = acts[l] + is * B * 4;
        if (l === 1) k.reluBackward(ic * B, Y, p.dA + is * B * 4, dYT[0] + is * B * 4);
        else k.tanhBackward(ic * B, Y, p.dA + is * B * 4, dYT[1] + is * B * 4);
      }
      k.sgd(ic * outN, W + is * outN * 4, dW + is * outN * 4, lr);
      if (l < 2) {
        const [os, oc] = split(outN, T, t);
        k.gemm(0, 0, oc, 1, B, dYT[l] + os * B * 4, p.ones, p[`db${l + 1}`] + os * 4, 0);
        k.sgd(oc, p[`b${l + 1}`] + os * 4, p[`db${l + 1}`] + os * 4, lr);
      }
      if (T > 1 && l > 0) barrier();
    }
  };
}

/** The prototype on T threads: runs n steps, returns µs per step; lastLoss() the last batch's mean loss. */
async function prototype(T: number): Promise<{ run: (n: number) => number; lastLoss: () => number }> {
  const mem = sharedMemory();
  const module = await compileWasmKernels('relaxed', true);
  const { kernels: k, heap, scratchBytes } = await instantiateKernelModule(module, mem);
  const p: Record<string, number> = {};
  const al = (name: string, floats: number) => { p[name] = heap.alloc(floats * 4, name); };
  for (let l = 0; l < 3; l++) {
    al(`W${l + 1}`, SIZES[l] * SIZES[l + 1]); al(`b${l + 1}`, SIZES[l + 1]);
    al(`dW${l + 1}`, SIZES[l] * SIZES[l + 1]); al(`db${l + 1}`, SIZES[l + 1]);
    for (let t = 0; t < 2; t++) al(`P${l + 1}_${t}`, SIZES[l + 1] * B);
  }
  al('XT', 784 * B * NX); al('A1', 80 * B); al('A2', 70 * B); al('Y3', 10 * B); al('dY3', 10 * B); al('dY3T', 10 * B);
  al('dY2T', 70 * B); al('dY1T', 80 * B); al('dA', 784 * B); al('ones', B); al('labels', B); al('stats', 4);
  const view = () => new Float32Array(mem.buffer);
  let seed = 7;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const f = view();
  for (let l = 0; l < 3; l++) for (let i = 0; i < SIZES[l] * SIZES[l + 1]; i++) f[(p[`W${l + 1}`] >>> 2) + i] = (rnd() - 0.5) * 0.02;
  for (let i = 0; i < 784 * B * NX; i++) f[(p.XT >>> 2) + i] = rnd() < 0.8 ? 0 : rnd(); // about MNIST's ink density
  for (let i = 0; i < B; i++) f[(p.ones >>> 2) + i] = 1;
  const labels = new Int32Array(mem.buffer, p.labels, B);
  for (let i = 0; i < B; i++) labels[i] = Math.floor(rnd() * 10);
  const sync = new SharedArrayBuffer(64), ctl = new Int32Array(sync);
  const plan: Plan = { T, mem, module, sync, p, scratch: T > 1 ? [heap.alloc(scratchBytes, 'worker scratch')] : [] };
  const step = stepFn(k, plan, 0, view);
  if (T > 1) {
    const worker = new Worker(new URL(import.meta.url), { workerData: plan });
    worker.unref();
    await new Promise((r) => worker.once('message', r));
  }
  let s = 0;
  return {
    run(n) {
      if (T > 1) { Atomics.store(ctl, 8, n); Atomics.add(ctl, 9, 1); Atomics.notify(ctl, 9); }
      const t0 = performance.now();
      for (let i = 0; i < n; i++) step(s++);
      while (T > 1 && Atomics.load(ctl, 10) !== Atomics.load(ctl, 9)); // the worker's last step
      return ((performance.now() - t0) / n) * 1000;
    },
    lastLoss: () => new Float64Array(mem.buffer, p.stats, 1)[0] / B,
  };
}

/** The library's data-parallel trainBatch + step on T threads (µs per step). */
async function library(T: number, train: Awaited<ReturnType<typeof loadMnist>>['train']): Promise<(n: number) => number> {
  const backend = await createBackend({ backend: 'wasm-relaxed', threads: T });
  const net = new Network(backend, { input: 784, layers: [dense(80, 'relu'), dense(70, 'tanh'), dense(10)], init: 'normal:0.01', seed: 1 });
  net.plan(B, B);
  const data = net.upload(train, backend.heap.group('bench data'));
  const optimizer = sgd({ lr: 0.1 });
  let s = 0;
  return (n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const images = net.gatherRows(data, null, (s % 700) * B, B, true);
      net.trainBatch(B, 'accuracy', false, images);
      net.step(optimizer, [], ++s, 0.1);
    }
    return ((performance.now() - t0) / n) * 1000;
  };
}

async function main() {
  const steps = Number(process.env.STEPS ?? 1500), rounds = Number(process.env.ROUNDS ?? 7);
  const { train } = await loadMnist();
  const cases: [string, (n: number) => number][] = [];
  const protos = [await prototype(1), await prototype(2)];
  cases.push(['data-parallel (library), 1 thread', await library(1, train)], ['data-parallel (library), 2 threads', await library(2, train)]);
  cases.push(['model-parallel prototype, 1 thread', protos[0].run], ['model-parallel prototype, 2 threads', protos[1].run]);
  for (const [, run] of cases) run(300); // warm-up
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) cases.forEach(([, run], i) => times[i].push(run(steps)));
  const loss = protos.map((x) => x.lastLoss());
  progress(`model-parallel prototype: last mean loss ${loss[0].toPrecision(8)} on 1 thread, ${loss[1].toPrecision(8)} on 2`);
  if (!(Math.abs(loss[0] - loss[1]) < 1e-3)) { progress('the prototype\'s 2-thread loss differs from its 1-thread loss: its schedule is wrong'); process.exit(1); }
  const med = times.map((t) => median(t));
  cases.forEach(([name], i) => {
    emit({ bench: 'threads-model-parallel', case: name, usPerStep: med[i], spread: [Math.min(...times[i]), Math.max(...times[i])], rounds, steps });
    progress(`${name}: ${med[i].toFixed(1)} µs/step (${Math.min(...times[i]).toFixed(0)}–${Math.max(...times[i]).toFixed(0)})`);
  });
  progress(`speed-up on 2 threads: data-parallel ${(med[0] / med[1]).toFixed(2)}×, model-parallel prototype ${(med[2] / med[3]).toFixed(2)}×`);
  process.exit(0);
}

async function worker() {
  const plan = workerData as Plan;
  const k = await instantiateWorkerKernels(plan.module, plan.mem, plan.scratch[0]);
  const step = stepFn(k, plan, 1, () => new Float32Array(plan.mem.buffer));
  const ctl = new Int32Array(plan.sync);
  parentPort!.postMessage('ready');
  let seen = 0, s = 0;
  for (;;) {
    while (Atomics.load(ctl, 9) === seen) Atomics.wait(ctl, 9, seen, 1000);
    seen = Atomics.load(ctl, 9);
    const n = Atomics.load(ctl, 8);
    for (let i = 0; i < n; i++) step(s++);
    Atomics.store(ctl, 10, seen);
  }
}

if (isMainThread) void main(); else void worker();
