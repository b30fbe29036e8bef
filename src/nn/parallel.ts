// Data-parallel training and inference over the backend's workers (../shared/DESIGN.md, Threads).
// A batch of rows is cut into one contiguous share per thread, the caller's thread taking the
// first. Every worker holds a replica of the network (its layers bound to the shared parameters and
// to a gradient block of its own, its buffers planned by this thread's heap); each share's gradient
// is the mean over its rows, and the shares are summed, weighted by their rows, in thread order:
// the same seed and thread count give the same weights, bit for bit.
import type { ThreadPool } from '../kernels/threads';
import { HeapRegions, type Heap } from '../kernels/heap';
import type { Network, ShareOutputs } from './network';
import { buildLayers } from './layers/index';
import { Replica, METRIC_KINDS, type BatchSums, type MetricKind } from './replica';
import type { Optimizer } from './optimizers';
import { OP_SETUP, OP_DROP, OP_TRAIN, OP_EVAL, OP_PREDICT, OP_OPTIMIZER, OP_STEP, OP_TRAIN_MODEL, OP_STEP_OWNED, gatherArgs, gatherImageRows, type ReplicaSetup, type ImageGather } from './parallel-protocol';
import { reduceAndStep, paramRanges } from './parallel-step';
import { MODEL_PARALLEL_MAX_ROWS, computeTimes, evenSplit, isPeerFailure, modelParallelLayers, modelParallelStep, ownedUpdate, planModelParallel, resetBarrier, setSplit, stepOwned, type ModelPlan } from './parallel-model';
import { ModeChooser, RowBalancer, SplitBalancer } from './parallel-balance';

/** The part the caller's thread plays in a threaded model-parallel step (made once: a step allocates nothing it can avoid). */
const CALLER_PART = [0] as const;

/** Inference below this many rows runs on the caller's thread alone (a handoff costs more than it saves). */
const MIN_SPLIT_ROWS = 8;

let nextId = 1;

/** A group that also notes each region's offset and size, in order: the plan a worker replays. */
class RecordedRegions extends HeapRegions {
  readonly log: [number, number][] = [];
  override alloc(bytes: number, what?: string, zero?: boolean): number {
    const ptr = super.alloc(bytes, what, zero);
    this.log.push([ptr, bytes]);
    return ptr;
  }
}

/** The rows of each share: [first row, rows] for `threads` shares, the first share the largest. */
export function shares(rows: number, threads: number): [number, number][] {
  const n = Math.min(threads, rows), base = Math.floor(rows / n), extra = rows % n;
  return consecutive(Array.from({ length: n }, (_, t) => base + (t < extra ? 1 : 0)));
}

/** An optimizer step to run with a training batch: what Network.step takes. */
export interface StepArgs {
  optimizer: Optimizer;
  state: readonly number[];
  t: number;
  lr: number;
}

interface Buffers {
  x: number;
  labels: number;
  targets: number;
}

export class Parallel {
  private readonly id = nextId++;
  private readonly heap: Heap;
  /** Per worker: its gradient block and its replica's buffers. */
  private readonly regions: RecordedRegions[];
  private grads: number[] = [];
  private planned = false;
  /**
   * The last training batch's share weights (rows / batch rows), until its step ('owned': it ran
   * model-parallel, each thread steps its own parameters); the optimizer the workers have.
   */
  private pending: number[] | 'owned' | null = null;
  private optimizer?: Optimizer;
  /** Model-parallel training of a dense stack (parallel-model.ts), when the network and its batches allow it. */
  private model: ModelPlan | null = null;
  /** Moves the model's split between the threads (null: the split stays, as `fixSplit` set it). */
  private balancer: SplitBalancer | null = null;
  /** Whether model-parallel steps run threaded or on the caller alone (then it plays every thread's part: allParts). */
  private mode = new ModeChooser();
  private readonly allParts: number[];
  /** predict()'s shares of rows by each thread's speed. */
  private rowBalancer: RowBalancer;
  private readonly modelRegions: HeapRegions;

  constructor(private readonly net: Network, private readonly replica: Replica, private readonly pool: ThreadPool) {
    this.heap = net.backend.heap;
    this.regions = pool.slots.map((_, i) => new RecordedRegions(this.heap, `worker ${i + 1}'s replica`));
    this.modelRegions = new HeapRegions(this.heap, 'model-parallel training');
    this.rowBalancer = new RowBalancer(this.threads, 0);
    this.allParts = Array.from({ length: this.threads }, (_, t) => t);
  }

  private get threads(): number {
    return this.pool.size + 1;
  }

  /** Plans each worker's replica for its share of `rows` (and `trainRows`) rows, and sends it. */
  plan(rows: number, trainRows: number): void {
    const net = this.net, P = Math.max(net.paramCount, 4);
    // A worker's replica holds up to twice an even share, for predict()'s shares by speed (RowBalancer).
    const shareRows = Math.min(rows, 2 * Math.ceil(rows / this.threads)), shareTrain = Math.ceil(trainRows / this.threads);
    this.rowBalancer = new RowBalancer(this.threads, shareRows);
    for (const regions of this.regions) regions.release();
    this.grads = this.regions.map((regions) => regions.allocF32(P, 'gradients'));
    this.model = this.planModel(trainRows);
    this.balancer = this.model && new SplitBalancer(this.threads, this.model.chunks);
    this.mode = new ModeChooser();
    const setups: ReplicaSetup[] = this.regions.map((regions, w) => {
      const grads = this.grads[w];
      // The replica's layers, bound and planned here to place its buffers; the worker builds its own.
      const { layers } = buildLayers(net.inputShape, net.specs, net.seed);
      const binds = net.layerTensors.map((mine): [number[], number[]] => [mine.map((x) => net.paramsPtr + x.offset * 4), mine.map((x) => grads + x.offset * 4)]);
      layers.forEach((layer, i) => layer.bind(...binds[i]));
      regions.log.length = 0; // the gradient block is not the replica's to plan
      new Replica(layers, this.replica.lossFn, net.outputs, net.backend.rawKernels, this.heap).plan(regions, shareRows, shareTrain);
      return {
        input: [...net.inputShape], specs: [...net.specs], seed: net.seed, loss: net.loss, outputs: net.outputs,
        binds, rows: shareRows, trainRows: shareTrain, allocations: regions.log.slice(),
        params: net.paramsPtr, gradBlocks: [net.gradsPtr, ...this.grads], model: this.model,
      };
    });
    const texts = setups.map((s) => new TextEncoder().encode(JSON.stringify(s)));
    const scratch = this.heap.group('replica layouts');
    try {
      const ptrs = texts.map((t) => scratch.allocBytes(t, 'replica layout'));
      this.run((w) => [OP_SETUP, this.id, ptrs[w], texts[w].length]);
    } finally {
      scratch.release();
    }
    this.planned = true;
  }

  /**
   * The model-parallel plan for training batches of up to `trainRows` rows, when every layer is
   * dense (with its activation), each is at least a feature per thread wide and the batches are
   * small enough to gain from it; else null (data-parallel training).
   */
  private planModel(trainRows: number): ModelPlan | null {
    this.modelRegions.release();
    const net = this.net, stack = modelParallelLayers(this.replica.layers, this.threads);
    if (!stack || trainRows < 1 || trainRows > MODEL_PARALLEL_MAX_ROWS) return null;
    const dims = stack.map(({ dense, activation }) => {
      const [weights, bias] = net.layerTensors[this.replica.layers.indexOf(dense)]; // a dense layer's tensors
      return { in: dense.inSize, out: dense.outSize, activation, weights: weights.offset, bias: bias.offset };
    });
    return planModelParallel(this.modelRegions, this.threads, trainRows, dims, net.paramsPtr, net.gradsPtr);
  }

  /**
   * Gives each worker w (of `count`) its command, runs `mine` on this thread meanwhile, then waits
   * for every worker (even when one failed: no command may still run when this returns) and
   * rethrows the first error (an error that only says another thread failed comes last).
   */
  private run<T>(command: (w: number) => number[], count = this.pool.size, mine?: () => T): { mine?: T; results: Float64Array[] } {
    for (let w = 0; w < count; w++) this.pool.post(w, command(w));
    let error: unknown, own: T | undefined;
    try {
      own = mine?.();
    } catch (e) {
      error = e;
    }
    const results: Float64Array[] = [];
    for (let w = 0; w < count; w++) {
      try {
        results.push(this.pool.wait(w).slice(0, 5));
      } catch (e) {
        if (error === undefined || isPeerFailure(error)) error = e;
      }
    }
    if (error !== undefined) throw error;
    return { mine: own, results };
  }

  /**
   * Forward, loss and backward of a data-parallel training batch on every thread (each first
   * gathering its share's inputs, with `images`). With `reduce`, the mean loss's
   * gradient is then in the network's block; without, each share's is in its thread's block until
   * step() sums them (in parallel, with the optimizer step).
   */
  train(rows: number, buf: Buffers, metric: MetricKind, reduce = true, images?: ImageGather): BatchSums {
    const net = this.net, parts = shares(rows, this.threads);
    // The layers' states (a dropout RNG) before the batch: each worker starts its share from them.
    const states: number[] = [];
    for (const layer of this.replica.layers) {
      if (!layer.getState) continue;
      const s = layer.getState();
      states.push(s.length, ...s);
    }
    const { mine, results } = this.run(
      (w) => this.command(OP_TRAIN, parts[w + 1], buf, metric, [parts[w + 1][0], rows, ...gatherArgs(images, parts[w + 1][0]), ...states]),
      parts.length - 1,
      () => {
        const [, count] = parts[0];
        this.gatherCallerShare(count, buf, images);
        const sums = this.replica.loss(count, this.replica.forward(count, buf.x, 'train', { offset: 0, total: rows }), buf.labels, buf.targets, true, metric);
        this.replica.backward(count);
        return sums;
      },
    );
    // The batch's mean gradient: Σ (share rows / rows) · share gradient, in thread order.
    const weights = parts.map(([, count]) => count / rows);
    if (reduce) {
      const k = net.backend.rawKernels, P = net.paramCount, G = net.gradsPtr;
      for (let w = 1; w < parts.length; w++) k.weightedSum(P, G, this.grads[w - 1], G, w === 1 ? weights[0] : 1, weights[w]);
      this.pending = null;
    } else this.pending = weights;
    return addSums(mine!, results);
  }

  /**
   * Fixes the model-parallel split at `counts` chunks per thread (or, without, lets it move again
   * from an even split). Returns the plan's number of chunks (null: no model-parallel plan). For
   * tests: the weights must not depend on the split.
   */
  fixSplit(counts?: readonly number[]): number | null {
    const plan = this.model;
    if (!plan) return null;
    setSplit(this.heap.views(), plan, counts ?? evenSplit(this.threads, plan.chunks));
    this.balancer = counts ? null : new SplitBalancer(this.threads, plan.chunks);
    return plan.chunks;
  }

  /** Whether a training batch of `rows` rows with these images runs model-parallel (parallel-model.ts). */
  trainsModelParallel(rows: number, images?: ImageGather): boolean {
    return this.model !== null && images !== undefined && rows >= 1 && rows <= this.model.rows;
  }

  /**
   * A model-parallel training batch (parallel-model.ts): every thread gathers its block of the
   * images' values and runs its part; this thread also runs the loss. The batch's mean gradient is
   * then whole in the network's block. With `update`, each thread also steps the parameters it
   * owns, within the batch; else step() does.
   */
  trainModel(rows: number, buf: Buffers, metric: MetricKind, images: ImageGather, update?: StepArgs): BatchSums {
    const plan = this.model!, heap = this.heap, views = () => heap.views(), k = this.net.backend.rawKernels, n = this.net.outputs;
    let sums: BatchSums = { loss: 0, correct: 0, sse: 0, sae: 0 };
    if (update) this.ensureOptimizer(update.optimizer);
    const stepArgs = update ? [1, update.t, update.lr, ...update.state] : [0];
    const mine = update && ownedUpdate(k, update.optimizer, plan, update.state, update.t, update.lr);
    // The loss of each part's rows on this thread (all of them, alone), summed in thread order as addSums does.
    const loss = (first: number, count: number, out: number) => {
      const s = this.replica.loss(count, out, buf.labels + first * 4, buf.targets ? buf.targets + first * n * 4 : 0, true, metric);
      sums = { loss: sums.loss + s.loss, correct: sums.correct + s.correct, sse: sums.sse + s.sse, sae: sums.sae + s.sae };
      return this.replica.outputGradient;
    };
    resetBarrier(views(), plan);
    const started = performance.now(), alone = this.mode.alone;
    let results: Float64Array[] = [];
    if (alone) {
      modelParallelStep(k, views, plan, this.allParts, rows, images, loss, mine);
    } else {
      ({ results } = this.run(
        (w) => [OP_TRAIN_MODEL, this.id, rows, w + 1, plan.sync, ...gatherArgs(images, 0), buf.labels, buf.targets, METRIC_KINDS.indexOf(metric), ...stepArgs],
        this.pool.size,
        () => {
          // While it waits long at a barrier, this thread also watches the workers (one that stopped
          // never arrives); the checks are made then, not on every step.
          let checks: (() => void)[] | undefined;
          modelParallelStep(k, views, plan, CALLER_PART, rows, images, loss, mine, () => { for (const check of (checks ??= this.pool.slots.map((_, w) => this.pool.liveness(w)))) check(); });
        },
      ));
    }
    this.pending = update ? null : 'owned';
    this.mode.record(performance.now() - started);
    // Every thread has finished: the split may move for the next step (step() steps whatever
    // each thread owns then: every parameter once, its gradient whole in the block).
    const next = alone ? null : this.balancer?.record(computeTimes(views(), plan));
    if (next) setSplit(views(), plan, next);
    return addSums(sums, results);
  }

  /** Sends `optimizer` to the workers, unless they have it. */
  private ensureOptimizer(optimizer: Optimizer): void {
    if (this.optimizer === optimizer) return;
    const text = new TextEncoder().encode(JSON.stringify({ name: optimizer.name, options: optimizer.options }));
    const scratch = this.heap.group('optimizer setup');
    try {
      const ptr = scratch.allocBytes(text, 'optimizer setup');
      this.run(() => [OP_OPTIMIZER, this.id, ptr, text.length]);
    } finally {
      scratch.release();
    }
    this.optimizer = optimizer;
  }

  /**
   * The optimizer step after train(…, reduce = false): each thread sums the shares' gradients over
   * its range of the parameters and steps that range (bit for bit the one-thread reduction and
   * step); after a model-parallel batch, each thread steps the parameters it owns.
   */
  step(optimizer: Optimizer, state: readonly number[], t: number, lr: number): void {
    const net = this.net, pending = this.pending;
    this.pending = null;
    this.ensureOptimizer(optimizer);
    const k = net.backend.rawKernels;
    if (pending === 'owned' && this.model) {
      const plan = this.model;
      this.run((w) => [OP_STEP_OWNED, this.id, t, lr, w + 1, ...state], this.pool.size, () => stepOwned(ownedUpdate(k, optimizer, plan, state, t, lr), this.heap.views(), plan, 0));
      return;
    }
    // ('owned' without a plan: the network was planned anew since; the whole gradient is in its block.)
    const weights = pending === 'owned' ? [1] : (pending ?? [1]), gradBlocks = [net.gradsPtr, ...this.grads];
    const ranges = paramRanges(net.paramCount, this.threads);
    this.run(
      (w) => [OP_STEP, this.id, ranges[w + 1][0], ranges[w + 1][1], t, lr, w + 1, weights.length, ...weights, ...state],
      this.pool.size,
      () => reduceAndStep(k, optimizer, net.paramsPtr, gradBlocks, weights, state, ranges[0][0], ranges[0][1], t, lr),
    );
  }

  /**
   * The loss and figures of the gathered rows (inference mode), on every thread; `outputs` sees each
   * share's outputs. With `images`, each thread first gathers its share's inputs (ImageGather).
   */
  evaluate(rows: number, buf: Buffers, metric: MetricKind, outputs?: ShareOutputs, images?: ImageGather): BatchSums {
    const parts = shares(rows, rows < MIN_SPLIT_ROWS ? 1 : this.threads);
    let own = 0;
    const { mine, results } = this.run(
      (w) => this.command(OP_EVAL, parts[w + 1], buf, metric, gatherArgs(images, parts[w + 1][0])),
      parts.length - 1,
      () => {
        this.gatherCallerShare(parts[0][1], buf, images);
        return this.replica.loss(parts[0][1], (own = this.replica.forward(parts[0][1], buf.x, 'infer')), buf.labels, buf.targets, false, metric);
      },
    );
    // A worker's outputs stay in its replica's buffer (shared memory) until its next command; results[4] is their offset.
    if (outputs) parts.forEach(([first, count], t) => outputs(first, count, t === 0 ? own : results[t - 1][4]));
    return addSums(mine!, results);
  }

  /**
   * predict()'s values on every thread: [first row, rows, offset of their values] per share. With
   * `images`, each thread first gathers its share's inputs (ImageGather).
   */
  predict(rows: number, buf: Buffers, images?: ImageGather): [number, number, number][] {
    const counts = rows < MIN_SPLIT_ROWS ? null : this.rowBalancer.counts(rows);
    const parts = counts ? consecutive(counts) : shares(rows, rows < MIN_SPLIT_ROWS ? 1 : this.threads);
    let ms = 0;
    const { mine, results } = this.run(
      (w) => [OP_PREDICT, this.id, parts[w + 1][1], buf.x + parts[w + 1][0] * this.net.input * 4, ...gatherArgs(images, parts[w + 1][0])],
      parts.length - 1,
      () => {
        const started = performance.now();
        this.gatherCallerShare(parts[0][1], buf, images);
        const out = this.replica.output(parts[0][1], this.replica.forward(parts[0][1], buf.x, 'infer'));
        ms = performance.now() - started;
        return out;
      },
    );
    // results[1]: the worker's milliseconds for its share.
    this.rowBalancer.record(parts.map(([, count]) => count), [ms, ...results.map((r) => r[1])]);
    return parts.map(([first, count], t) => [first, count, t === 0 ? mine! : results[t - 1][0]]);
  }

  /** The caller's share (the batch's first rows) of `images` into its input, on this thread. */
  private gatherCallerShare(rows: number, buf: Buffers, images?: ImageGather): void {
    gatherImageRows(this.net.backend.rawKernels, rows, this.net.input, images, buf.x);
  }

  private command(op: number, [first, count]: [number, number], buf: Buffers, metric: MetricKind, rest: number[]): number[] {
    const n = this.net.outputs;
    return [
      op, this.id, count, buf.x + first * this.net.input * 4, buf.labels + first * 4, buf.targets ? buf.targets + first * n * 4 : 0,
      METRIC_KINDS.indexOf(metric), ...rest,
    ];
  }

  /** Frees the workers' replicas and their memory. */
  dispose(): void {
    if (this.planned && !this.net.backend.disposed) this.run(() => [OP_DROP, this.id]);
    for (const r of this.regions) r.release();
    this.modelRegions.release();
  }
}

/** [first row, rows] of consecutive shares of these sizes. */
function consecutive(counts: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  let at = 0;
  for (const count of counts) {
    out.push([at, count]);
    at += count;
  }
  return out;
}

function addSums(first: BatchSums, rest: Float64Array[]): BatchSums {
  const s = { ...first };
  for (const r of rest) { s.loss += r[0]; s.correct += r[1]; s.sse += r[2]; s.sae += r[3]; }
  return s;
}
