// Model-parallel training of a stack of dense layers on threads (../shared/DESIGN.md, Threads).
//
// Why: data-parallel training (parallel.ts) gives each thread a share of the rows, so each thread
// reads every parameter and writes a whole gradient block. For a small network, each step then
// moves half of the parameters and gradients from one core's cache to the other's (~250 KB for
// the seed-004 MLP, 784-80-70-10). That traffic cost about as much time as the second core saved.
//
// Here every feature dimension is cut into the same number of fixed CHUNKS (a few per thread), and
// each thread owns a contiguous run of chunks: in every dense layer, the rows of W for those INPUT
// features and the biases of those OUTPUT features. Activations are stored features × rows, so
// each block is contiguous. Per step:
//   forward, per dense layer: each thread multiplies each of its input chunks by its rows of W
//     into that chunk's partial product [out, rows]. After a barrier, each thread sums its output
//     features of all the chunks' partials (in chunk order), adds its biases and applies the
//     activation;
//   after a barrier, each thread turns its share of the rows' outputs back into rows, runs the loss
//     on them, and turns dL/dy into features × rows (scaled to the whole batch's mean);
//   backward, per dense layer after a barrier: each thread writes dW for its rows, db for its
//     output features, and dX plus the previous activation's backward for its input features.
// Parameters and gradients never cross cores while the split stays. The gradient block ends up
// whole, because each thread wrote its own parts. Each thread steps its own parts (ownedRanges):
// within the batch, right after their gradients (Network.trainStep, which fit uses), or after it
// (step()).
//
// Why chunks: a core can run at half speed for seconds (another tenant on a VM, a background job,
// a laptop's efficiency core), and a thread that waits for it at every barrier loses what the
// second core gained. The split between the threads moves (SplitBalancer, on the caller's thread,
// from the time each thread computed), but every sum is over the same fixed chunks in the same
// order, so the weights do not depend on the split: the same seed and thread count give the same
// weights, bit for bit, whichever split each step ran. Against one thread, results differ by float
// rounding: the forward products are summed in chunks.
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

/**
 * Chunks per thread (where every layer is that wide): the split can move in steps of a chunk. With
 * 3 a thread on a core at half speed can be given 2 chunks of 6, against 4 on the other: both finish
 * together. More chunks mean more partial products to sum and more, shorter GEMMs.
 */
export const CHUNKS_PER_THREAD = 3;

type Nonlinear = Activation['activation'];

/** One dense layer of the plan, with the activation that follows it. Offsets are bytes on the shared heap. */
export interface ModelLayer {
  in: number;
  out: number;
  activation: Nonlinear | null;
  /** W [in, out] and b [out] as float offsets in the parameter (and gradient) block. */
  weights: number;
  bias: number;
  /** Per chunk: its partial product [out, rows]. */
  partials: number[];
  /** The layer's output after its activation, and dL/d(that output) turned into dL/d(pre-activation): [out, rows]. */
  y: number;
  dy: number;
}

/** Everything every thread needs to run its part: plain numbers (it travels to workers as JSON). */
export interface ModelPlan {
  threads: number;
  /** Fixed chunks of every feature dimension (a multiple of threads, each chunk at least a feature). */
  chunks: number;
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
  /**
   * The split, on cache lines of its own: i32 [threads + 1] chunk boundaries (thread t owns chunks
   * split[t] … split[t + 1] − 1), written by the caller between steps.
   */
  split: number;
  /** f64 [threads], on the cache lines after the split's: the milliseconds each thread computed (not waiting at a barrier) in its last step. */
  times: number;
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
  const chunks = threads * chunksPerThread(threads, dims);
  const layers: ModelLayer[] = dims.map((d) => ({
    ...d,
    partials: Array.from({ length: chunks }, (_, c) => f32(d.out * rows, `model-parallel partial product of chunk ${c + 1}`)),
    y: f32(d.out * rows, 'model-parallel output'),
    dy: f32(d.out * rows, 'model-parallel output gradient'),
  }));
  const input = dims[0].in, outputs = dims[dims.length - 1].out;
  const plan: ModelPlan = {
    threads, chunks, rows, input, layers, params, grads,
    x: f32(input * rows, 'model-parallel input'),
    ones: f32(rows, 'model-parallel ones'),
    outputs: f32(rows * outputs, 'model-parallel outputs'),
    // Its own 64-byte cache line: the count is written by every thread at every barrier.
    sync: Math.ceil(regions.alloc(128, 'model-parallel barrier') / 64) * 64,
    split: 0,
    times: 0,
  };
  const line = (bytes: number) => Math.ceil(bytes / 64) * 64;
  plan.split = line(regions.alloc(64 + line(4 * (threads + 1)) + 8 * threads, 'model-parallel split and times'));
  plan.times = plan.split + line(4 * (threads + 1));
  regions.heap.f32(plan.ones, rows).fill(1);
  setSplit(regions.heap.views(), plan, evenSplit(threads, chunks));
  return plan;
}

/**
 * How many chunks each thread gets: CHUNKS_PER_THREAD, fewer where a layer is narrow. Every chunk
 * must hold a feature of every dimension, and a chunk of a hidden layer at least 4 (the GEMM's MR)
 * of them. The weights stay independent of the split only if every GEMM whose rows are a thread's
 * features computes each element the same way wherever its row falls, and the GEMM's few-rows
 * path (under 4 rows, neither operand transposed) sums in another order than its tiles: dx has
 * 4 rows or more this way, and db and the bias term pass the ones as a transposed B, which the
 * few-rows path never takes.
 */
function chunksPerThread(threads: number, dims: readonly { in: number; out: number }[]): number {
  const hidden = Math.min(...dims.slice(1).map((d) => d.in)); // Infinity for one layer
  const ends = Math.min(dims[0].in, dims[dims.length - 1].out);
  return Math.max(1, Math.min(CHUNKS_PER_THREAD, Math.floor(hidden / (4 * threads)), Math.floor(ends / threads)));
}

/** `threads` equal runs of chunks (the first ones a chunk larger where they do not divide). */
export function evenSplit(threads: number, chunks: number): number[] {
  return Array.from({ length: threads }, (_, t) => block(chunks, threads, t)[1]);
}

/** Sets the split to `counts` chunks per thread (each at least 1, summing to the plan's chunks). */
export function setSplit(views: HeapViews, plan: ModelPlan, counts: readonly number[]): void {
  if (counts.length !== plan.threads || counts.some((c) => !Number.isInteger(c) || c < 1) || counts.reduce((a, b) => a + b, 0) !== plan.chunks) {
    fail('THREAD', `threads: a model-parallel split needs ${plan.threads} whole counts of at least 1 chunk that add up to ${plan.chunks}, got [${counts.join(', ')}]`);
  }
  const i = plan.split >>> 2;
  let at = 0;
  views.i32[i] = 0;
  counts.forEach((c, t) => { views.i32[i + t + 1] = at += c; });
}

/** The chunks thread t owns now: [first, end). */
export function ownedChunks(views: HeapViews, plan: ModelPlan, t: number): [number, number] {
  const i = plan.split >>> 2;
  return [views.i32[i + t], views.i32[i + t + 1]];
}

/** Per group of chunks (group g: the chunks of thread g under the even split), the thread that owns all of it, or −1. */
export function wholeGroups(views: HeapViews, plan: ModelPlan): number[] {
  const per = plan.chunks / plan.threads, i = plan.split >>> 2, f = views.i32;
  return Array.from({ length: plan.threads }, (_, g) => {
    for (let u = 0; u < plan.threads; u++) if (f[i + u] <= g * per && (g + 1) * per <= f[i + u + 1]) return u;
    return -1;
  });
}

/** The milliseconds each thread computed in the last step (its time in the step, less its waits). */
export function computeTimes(views: HeapViews, plan: ModelPlan): number[] {
  return Array.from(views.f64.subarray(plan.times >>> 3, (plan.times >>> 3) + plan.threads));
}

/** The features [first, count] of n that chunks first … end − 1 of `chunks` cover. */
export function chunkFeatures(n: number, chunks: number, first: number, end: number): [number, number] {
  const from = block(n, chunks, first)[0], to = block(n, chunks, end)[0]; // block(n, chunks, chunks)[0] is n
  return [from, to - from];
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

/** The float ranges [from, count] of the parameter block that thread t owns (under the split in `views`) and steps. */
export function ownedRanges(views: HeapViews, plan: ModelPlan, t: number): [number, number][] {
  const ranges: [number, number][] = [], [a, b] = ownedChunks(views, plan, t);
  for (const L of plan.layers) {
    const [i0, ic] = chunkFeatures(L.in, plan.chunks, a, b), [o0, oc] = chunkFeatures(L.out, plan.chunks, a, b);
    ranges.push([L.weights + i0 * L.out, ic * L.out], [L.bias + o0, oc]);
  }
  return ranges;
}

/** Steps floats from … from + count of the plan's parameters from its gradient block (which holds the whole batch's mean). */
export function ownedUpdate(k: Kernels, optimizer: Optimizer, plan: ModelPlan, state: readonly number[], t: number, lr: number): (from: number, count: number) => void {
  return (from, count) => reduceAndStep(k, optimizer, plan.params, [plan.grads], [1], state, from, count, t, lr);
}

/** Thread t's step of the parameters it owns, after a model-parallel batch that did not step them. */
export function stepOwned(update: (from: number, count: number) => void, views: HeapViews, plan: ModelPlan, t: number): void {
  for (const [from, count] of ownedRanges(views, plan, t)) update(from, count);
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
  /** Milliseconds spent waiting for the other threads so far. */
  waited = 0;
  /** `alive`: called while waiting long; throws when a thread can no longer arrive (a worker stopped). */
  constructor(private readonly views: () => HeapViews, private readonly at: number, private readonly threads: number, private readonly alive?: () => void) {
    this.i = at >>> 2;
  }
  wait(): void {
    const f = this.views().i32, i = this.i, T = this.threads;
    const arrived = Atomics.add(f, i, 1) + 1, target = Math.ceil(arrived / T) * T;
    if (arrived === target) Atomics.notify(f, i);
    else {
      const check = () => { this.alive?.(); this.check(); }, start = performance.now();
      for (let v = Atomics.load(f, i); v < target && Atomics.load(f, i + 1) === 0; v = Atomics.load(f, i)) waitWhile(f, i, v, check);
      this.waited += performance.now() - start;
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
 * The parts `roles` of a training step on `rows` rows whose uint8 images `images` says where to
 * find: one thread t of the plan ([t], with the other threads running theirs at the same time), or
 * all of them in turn on this thread alone ([0, 1, …]: the same arithmetic in the same order, so the
 * same weights, bit for bit, without the other threads). Each part t runs over the chunks the split
 * gives it. Between forward and backward, each part runs `loss(first, count, outputs)` on its
 * share of the rows (block(rows, threads, t)), if it has one: the outputs of rows first … first +
 * count, as rows at `outputs`; it returns where it wrote dL/dOutput for them (the mean over its
 * rows, count × outputs). With `update`, each part steps its own parameters (the float ranges of
 * ownedRanges) as soon as their gradients are written and nothing else reads them. `alive` (the
 * caller's): called while a barrier waits long; throws when a worker stopped. A thread that runs
 * one part ends by writing the milliseconds it computed (computeTimes).
 */
export function modelParallelStep(
  k: Kernels, views: () => HeapViews, plan: ModelPlan, roles: readonly number[], rows: number, images: ImageGather,
  loss: (first: number, count: number, outputs: number) => number, update?: (from: number, count: number) => void, alive?: () => void,
): void {
  const started = performance.now();
  const T = plan.threads, C = plan.chunks, B = rows, alone = roles.length === T;
  const barrier = new Barrier(views, plan.sync, alone ? 1 : T, alive);
  try {
    const chunks = roles.map((t) => ownedChunks(views(), plan, t));
    const own = (r: number, n: number) => chunkFeatures(n, C, chunks[r][0], chunks[r][1]);
    // The chunks' partial products are summed in groups (group g: the chunks thread g owns under
    // the even split), then the groups in order: a group one part owns whole, it sums over all
    // outputs before the barrier, from its own cache, so a balanced split reads one other thread's
    // sum per output (as one chunk per thread would). The order of every sum stays the same.
    const per = C / T, whole = wholeGroups(views(), plan);
    // The input features of each part, features × rows.
    roles.forEach((_, r) => {
      const [x0, xc] = own(r, plan.input);
      k.gatherImagesT(B, plan.input, x0, xc, images.src, images.srcRows, images.indices, plan.x + x0 * B * 4);
    });
    const P = (f: number) => plan.params + f * 4, G = (f: number) => plan.grads + f * 4;
    let x = plan.x;
    for (const L of plan.layers) {
      const sumGroup = (g: number, n: number, at: (p: number) => number) => {
        for (let c = g * per + 1; c < (g + 1) * per; c++) k.weightedSum(n, at(L.partials[g * per]), at(L.partials[c]), at(L.partials[g * per]), 1, 1);
      };
      roles.forEach((t, r) => {
        // partial[c][out, B] = W[chunk c, :]ᵀ · x[chunk c, B], for each chunk c of this part
        for (let c = chunks[r][0]; c < chunks[r][1]; c++) {
          const [i0, ic] = block(L.in, C, c);
          k.gemm(1, 0, L.out, B, ic, P(L.weights + i0 * L.out), x + i0 * B * 4, L.partials[c], 0);
        }
        for (let g = 0; g < T; g++) if (whole[g] === t) sumGroup(g, L.out * B, (p) => p);
      });
      barrier.wait();
      // Each part's output features: the groups no part owned whole, then the groups in order.
      roles.forEach((_, r) => {
        const [o0, oc] = own(r, L.out), y = L.y + o0 * B * 4, n = oc * B, at = (p: number) => p + o0 * B * 4;
        for (let g = 0; g < T; g++) if (whole[g] < 0) sumGroup(g, n, at);
        for (let g = 1; g < T; g++) k.weightedSum(n, at(g === 1 ? L.partials[0] : L.y), at(L.partials[g * per]), y, 1, 1);
        k.gemm(0, 1, oc, B, 1, P(L.bias + o0), plan.ones, y, 1); // y[o, :] += b[o] (ones as Bᵀ: see chunksPerThread)
        if (L.activation) activationForward(k, L.activation, n, y, y);
      });
      x = L.y;
    }
    barrier.wait();
    const last = plan.layers[plan.layers.length - 1];
    for (const t of roles) {
      const [r0, rc] = block(B, T, t);
      if (rc === 0) continue;
      const n = last.out, outputs = plan.outputs + r0 * n * 4;
      transpose(views().f32, last.y + r0 * 4, n, rc, B, outputs, n, 1);
      const dOut = loss(r0, rc, outputs);
      // dL/dy of these rows into their columns of dy, from the mean over rc rows to the mean over B.
      transpose(views().f32, dOut, rc, n, n, last.dy + r0 * 4, B, rc / B);
    }
    barrier.wait();
    for (let l = plan.layers.length - 1; l >= 0; l--) {
      const L = plan.layers[l];
      // dy holds dL/d(output after the activation). A hidden layer's: each part wrote its
      // features (its dx below); the last layer's: each part its rows, before the barrier
      // above. Each part's features go through the activation, then all of dy must be written
      // before the products that read it.
      roles.forEach((_, r) => {
        const [o0, oc] = own(r, L.out);
        if (L.activation) activationBackward(k, L.activation, oc * B, L.y + o0 * B * 4, L.dy + o0 * B * 4, L.dy + o0 * B * 4);
      });
      if (L.activation || L !== last) barrier.wait();
      const input = l > 0 ? plan.layers[l - 1].y : plan.x;
      roles.forEach((_, r) => {
        const [i0, ic] = own(r, L.in), [o0, oc] = own(r, L.out);
        k.gemm(0, 1, ic, L.out, B, input + i0 * B * 4, L.dy, G(L.weights + i0 * L.out), 0); // dW[i0 …, :] = x[i0 …, :] · dyᵀ
        k.gemm(0, 1, oc, 1, B, L.dy + o0 * B * 4, plan.ones, G(L.bias + o0), 0); // db[o] = Σ_rows dy[o, :] (ones as Bᵀ)
        if (l > 0) k.gemm(0, 0, ic, B, L.out, P(L.weights + i0 * L.out), L.dy, plan.layers[l - 1].dy + i0 * B * 4, 0); // dx[i0 …] = W[i0 …, :] · dy
        // This part alone reads its rows of W and its biases (in this backward pass and the next forward pass).
        if (update) { update(L.weights + i0 * L.out, ic * L.out); update(L.bias + o0, oc); }
      });
    }
  } catch (e) {
    barrier.fail();
    throw e;
  }
  if (!alone) views().f64[(plan.times >>> 3) + roles[0]] = performance.now() - started - barrier.waited;
}

/**
 * dst[c, r] = scale · src[r, c] for r < rows, c < cols: src rows `srcStride` floats apart, dst
 * rows `dstStride` floats apart (byte offsets).
 */
function transpose(f: Float32Array, src: number, rows: number, cols: number, srcStride: number, dst: number, dstStride: number, scale: number): void {
  const s0 = src >>> 2, d0 = dst >>> 2;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f[d0 + c * dstStride + r] = f[s0 + r * srcStride + c] * scale;
}
