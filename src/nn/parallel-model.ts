// Model-parallel training of a stack of dense layers on threads (../shared/DESIGN.md, Threads).
//
// Why: data-parallel training (parallel.ts) gives each thread a share of the rows, so each thread
// reads every parameter and writes a whole gradient block. For a small network, each step then
// moves half of the parameters and gradients from one core's cache to the other's (~250 KB for
// the seed-004 MLP, 784-80-70-10). That traffic cost about as much time as the second core saved.
//
// Here each thread owns a block of every dense layer's INPUT features: the rows of W for those
// features, and the biases of its block of OUTPUT features. Activations are stored
// features × rows, so each block is contiguous. Per step:
//   forward, per dense layer: each thread multiplies its input block by its rows of W into a
//     partial product [out, rows]. After a barrier, each thread sums its output block of the
//     partials (in thread order), adds its biases and applies the activation;
//   after a barrier, each thread turns its share of the rows' outputs back into rows, runs the loss
//     on them, and turns dL/dy into features × rows (scaled to the whole batch's mean);
//   backward, per dense layer after a barrier: each thread writes dW for its rows, db for its
//     output block, and dX plus the previous activation's backward for its input block.
// Parameters and gradients never cross cores. The gradient block ends up whole, because each
// thread wrote its own parts. Each thread steps its own parts (ownedRanges): within the batch,
// right after their gradients (Network.trainStep, which fit uses), or after it (step()). The split and the order of every sum are fixed, so the same seed and thread
// count give the same weights. Against one thread, results differ by float rounding: the
// forward products are summed in parts.
import type { Kernels } from '../kernels/kernels';
import type { HeapRegions, HeapViews } from '../kernels/heap';
import { waitWhile } from '../kernels/threads';
import { fail, simdnetError } from '../errors';
import type { Layer } from './layer';
import { Dense } from './layers/dense';
import { Flatten } from './layers/flatten';
import { Reshape } from './layers/reshape';
import { Activation, activationBackward, activationForward } from './layers/activation';
import type { ImageGather } from './parallel-protocol';
import type { Optimizer } from './optimizers';
import { reduceAndStep } from './parallel-step';

/** Batches larger than this train data-parallel: their arithmetic outweighs the parameters' traffic. */
export const MODEL_PARALLEL_MAX_ROWS = 256;

type Nonlinear = Activation['activation'];

/** One dense layer of the plan, with the activation that follows it. Offsets are bytes on the shared heap. */
export interface ModelLayer {
  in: number;
  out: number;
  activation: Nonlinear | null;
  /** W [in, out] and b [out] as float offsets in the parameter (and gradient) block. */
  weights: number;
  bias: number;
  /** Per thread: its partial product [out, rows]. */
  partials: number[];
  /** The layer's output after its activation, and dL/d(that output) turned into dL/d(pre-activation): [out, rows]. */
  y: number;
  dy: number;
}

/** Everything every thread needs to run its part: plain numbers (it travels to workers as JSON). */
export interface ModelPlan {
  threads: number;
  /** Most rows a batch may have. */
  rows: number;
  input: number;
  layers: ModelLayer[];
  /** Parameter and gradient blocks (the network's). */
  params: number;
  grads: number;
  /** The input [input, rows], a row of ones [rows], the outputs as rows [rows, out] for the loss. */
  x: number;
  ones: number;
  outputs: number;
  /** Two i32: the barrier's count, and a flag a failing thread raises. */
  sync: number;
}

/**
 * The dense layers (each with its activation) of `layers` when the network can train
 * model-parallel on `threads` threads: only dense layers, each followed by at most one activation,
 * and every width at least `threads` so that each thread owns features; flatten and reshape
 * layers (which pass their input on as it is) may stand between them. Otherwise null.
 */
export function modelParallelLayers(layers: readonly Layer[], threads: number): { dense: Dense; activation: Nonlinear | null }[] | null {
  if (threads < 2) return null;
  const out: { dense: Dense; activation: Nonlinear | null }[] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    if (layer instanceof Flatten || layer instanceof Reshape) continue;
    if (!(layer instanceof Dense) || layer.inSize < threads || layer.outSize < threads) return null;
    const next = layers[i + 1];
    const activation = next instanceof Activation ? next.activation : null;
    if (activation) i++;
    out.push({ dense: layer, activation });
  }
  return out.length > 0 ? out : null;
}

/**
 * Plans the buffers of model-parallel training for batches of up to `rows` rows. `tensors`: each
 * dense layer's [weights, bias] float offsets in the parameter block.
 */
export function planModelParallel(
  regions: HeapRegions, threads: number, rows: number, dims: { in: number; out: number; activation: Nonlinear | null; weights: number; bias: number }[],
  params: number, grads: number,
): ModelPlan {
  if (threads < 2) fail('THREAD', `threads: model-parallel training needs 2 threads or more, got ${threads}`);
  const f32 = (n: number, what: string) => regions.allocF32(n, what);
  const layers: ModelLayer[] = dims.map((d) => ({
    ...d,
    partials: Array.from({ length: threads }, (_, t) => f32(d.out * rows, `model-parallel partial product of thread ${t + 1}`)),
    y: f32(d.out * rows, 'model-parallel output'),
    dy: f32(d.out * rows, 'model-parallel output gradient'),
  }));
  const input = dims[0].in, outputs = dims[dims.length - 1].out;
  const plan: ModelPlan = {
    threads, rows, input, layers, params, grads,
    x: f32(input * rows, 'model-parallel input'),
    ones: f32(rows, 'model-parallel ones'),
    outputs: f32(rows * outputs, 'model-parallel outputs'),
    // Its own 64-byte cache line: the count is written by every thread at every barrier.
    sync: Math.ceil(regions.alloc(128, 'model-parallel barrier') / 64) * 64,
  };
  regions.heap.f32(plan.ones, rows).fill(1);
  return plan;
}

/**
 * Thread t's block [first, count] of n features, or of n rows of the loss: contiguous blocks in
 * thread order, the first ones a feature larger (as the shares of data-parallel training). A
 * block is empty only when n < threads (never for the features: see modelParallelLayers).
 */
export function block(n: number, threads: number, t: number): [number, number] {
  const base = Math.floor(n / threads), extra = n % threads;
  return [t * base + Math.min(t, extra), base + (t < extra ? 1 : 0)];
}

/** The float ranges [from, count] of the parameter block that thread t owns and steps. */
export function ownedRanges(plan: ModelPlan, t: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (const L of plan.layers) {
    const [i0, ic] = block(L.in, plan.threads, t), [o0, oc] = block(L.out, plan.threads, t);
    ranges.push([L.weights + i0 * L.out, ic * L.out], [L.bias + o0, oc]);
  }
  return ranges;
}

/** Steps floats from … from + count of the plan's parameters from its gradient block (which holds the whole batch's mean). */
export function ownedUpdate(k: Kernels, optimizer: Optimizer, plan: ModelPlan, state: readonly number[], t: number, lr: number): (from: number, count: number) => void {
  return (from, count) => reduceAndStep(k, optimizer, plan.params, [plan.grads], [1], state, from, count, t, lr);
}

/** Thread t's step of the parameters it owns, after a model-parallel batch that did not step them. */
export function stepOwned(update: (from: number, count: number) => void, plan: ModelPlan, t: number): void {
  for (const [from, count] of ownedRanges(plan, t)) update(from, count);
}

/** Resets the barrier before a step's command goes out (no thread is in it: the last step ended on every thread). */
export function resetBarrier(views: HeapViews, plan: ModelPlan): void {
  const at = plan.sync >>> 2;
  Atomics.store(views.i32, at, 0);
  Atomics.store(views.i32, at + 1, 0);
}

const PEER_FAILED = 'threads: another thread of this model-parallel step failed';

/**
 * Whether an error says only that another thread of the step failed (that thread's error is the
 * one to report). By its text: an error crosses from a worker as its code and message.
 */
export function isPeerFailure(e: unknown): boolean {
  return String((e as { message?: unknown } | null)?.message).startsWith(PEER_FAILED);
}

/** Raises the failure flag of the barrier at `sync` and wakes every thread waiting in it (they throw). */
export function failBarrier(views: HeapViews, sync: number): void {
  const f = views.i32, i = sync >>> 2;
  Atomics.store(f, i + 1, 1);
  Atomics.add(f, i, 1 << 20);
  Atomics.notify(f, i);
}

/**
 * Where the threads meet between phases of a step: a count on the shared heap. Each thread adds
 * one and waits until every thread of this round has. A thread that fails raises the flag and
 * bumps the count, so the others stop waiting and throw (no hang).
 */
class Barrier {
  private readonly i: number;
  /** `alive`: called while waiting long; throws when a thread can no longer arrive (a worker stopped). */
  constructor(private readonly views: () => HeapViews, private readonly at: number, private readonly threads: number, private readonly alive?: () => void) {
    this.i = at >>> 2;
  }
  wait(): void {
    const f = this.views().i32, i = this.i, T = this.threads;
    const arrived = Atomics.add(f, i, 1) + 1, target = Math.ceil(arrived / T) * T;
    if (arrived === target) Atomics.notify(f, i);
    else {
      const check = () => { this.alive?.(); this.check(); };
      for (let v = Atomics.load(f, i); v < target && Atomics.load(f, i + 1) === 0; v = Atomics.load(f, i)) waitWhile(f, i, v, check);
    }
    this.check();
  }
  private check(): void {
    if (Atomics.load(this.views().i32, this.i + 1) !== 0) {
      throw simdnetError('THREAD', PEER_FAILED);
    }
  }
  fail(): void {
    failBarrier(this.views(), this.at);
  }
}

/**
 * Thread t's part of a training step on `rows` rows whose uint8 images `images` says where to find.
 * Between forward and backward, each thread runs `loss(first, count, outputs)` on its share of the
 * rows (block(rows, threads, t)), if it has one: the outputs of rows first … first + count, as rows
 * at `outputs`; it returns where it wrote dL/dOutput for them (the mean over its rows, count ×
 * outputs). With `update`, each thread steps its own parameters (the float ranges of ownedRanges)
 * as soon as their gradients are written and nothing else reads them. `alive` (the caller's):
 * called while a barrier waits long; throws when a worker stopped.
 */
export function modelParallelStep(
  k: Kernels, views: () => HeapViews, plan: ModelPlan, t: number, rows: number, images: ImageGather,
  loss: (first: number, count: number, outputs: number) => number, update?: (from: number, count: number) => void, alive?: () => void,
): void {
  const T = plan.threads, B = rows, barrier = new Barrier(views, plan.sync, T, alive);
  try {
    // The input block of this thread, features × rows.
    const [x0, xc] = block(plan.input, T, t);
    k.gatherImagesT(B, plan.input, x0, xc, images.src, images.srcRows, images.indices, plan.x + x0 * B * 4);
    const P = (f: number) => plan.params + f * 4, G = (f: number) => plan.grads + f * 4;
    let x = plan.x;
    for (const L of plan.layers) {
      const [i0, ic] = block(L.in, T, t), [o0, oc] = block(L.out, T, t);
      // partial[out, B] = W[i0 …, :]ᵀ · x[i0 …, B]
      k.gemm(1, 0, L.out, B, ic, P(L.weights + i0 * L.out), x + i0 * B * 4, L.partials[t], 0);
      barrier.wait();
      const y = L.y + o0 * B * 4, n = oc * B, at = (p: number) => p + o0 * B * 4;
      for (let s = 1; s < T; s++) k.weightedSum(n, at(s === 1 ? L.partials[0] : L.y), at(L.partials[s]), y, 1, 1);
      k.gemm(0, 0, oc, B, 1, P(L.bias + o0), plan.ones, y, 1); // y[o, :] += b[o]
      if (L.activation) activationForward(k, L.activation, n, y, y);
      x = L.y;
    }
    barrier.wait();
    const last = plan.layers[plan.layers.length - 1];
    const [r0, rc] = block(B, T, t);
    if (rc > 0) {
      const n = last.out, outputs = plan.outputs + r0 * n * 4;
      transpose(views().f32, last.y + r0 * 4, n, rc, B, outputs, n, 1);
      const dOut = loss(r0, rc, outputs);
      // dL/dy of these rows into their columns of dy, from the mean over rc rows to the mean over B.
      transpose(views().f32, dOut, rc, n, n, last.dy + r0 * 4, B, rc / B);
    }
    barrier.wait();
    for (let l = plan.layers.length - 1; l >= 0; l--) {
      const L = plan.layers[l], [i0, ic] = block(L.in, T, t), [o0, oc] = block(L.out, T, t);
      // dy holds dL/d(output after the activation). A hidden layer's: each thread wrote its block
      // of features (its dx below); the last layer's: each thread its rows, before the barrier
      // above. This thread's block goes through the activation, then all of dy must be written
      // before the products that read it.
      if (L.activation) activationBackward(k, L.activation, oc * B, L.y + o0 * B * 4, L.dy + o0 * B * 4, L.dy + o0 * B * 4);
      if (L.activation || L !== last) barrier.wait();
      const input = l > 0 ? plan.layers[l - 1].y : plan.x;
      k.gemm(0, 1, ic, L.out, B, input + i0 * B * 4, L.dy, G(L.weights + i0 * L.out), 0); // dW[i0 …, :] = x[i0 …, :] · dyᵀ
      k.gemm(0, 0, oc, 1, B, L.dy + o0 * B * 4, plan.ones, G(L.bias + o0), 0); // db[o] = Σ_rows dy[o, :]
      if (l > 0) k.gemm(0, 0, ic, B, L.out, P(L.weights + i0 * L.out), L.dy, plan.layers[l - 1].dy + i0 * B * 4, 0); // dx[i0 …] = W[i0 …, :] · dy
      // This thread alone reads its rows of W and its biases (in this backward pass and the next forward pass).
      if (update) { update(L.weights + i0 * L.out, ic * L.out); update(L.bias + o0, oc); }
    }
  } catch (e) {
    barrier.fail();
    throw e;
  }
}

/**
 * dst[c, r] = scale · src[r, c] for r < rows, c < cols: src rows `srcStride` floats apart, dst
 * rows `dstStride` floats apart (byte offsets).
 */
function transpose(f: Float32Array, src: number, rows: number, cols: number, srcStride: number, dst: number, dstStride: number, scale: number): void {
  const s0 = src >>> 2, d0 = dst >>> 2;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f[d0 + c * dstStride + r] = f[s0 + r * srcStride + c] * scale;
}
