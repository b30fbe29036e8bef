import type { Backend } from '../kernels/backend';
import type { Kernels } from '../kernels/kernels';
import type { HeapRegions } from '../kernels/heap';
import type { Dataset } from '../data/dataset';
import { featuresOf, hasLabels, targetSizeOf } from '../data/dataset';
import { Rng } from '../rng';
import { fail } from '../errors';
import type { Layer, Shape, ForwardMode } from './layer';
import { sizeOf } from './layer';
import { buildLayers, parseLayerSpec, parseInputShape, describeLayer, type LayerSpec } from './layers/index';
import { initWeights, parseInit, formatInit, type Init } from './init';
import { LOSSES, LOSS_NAMES, type Loss, type LossName } from './losses';
import { fit, type FitOptions, type History } from './fit';
import { parseNetworkJson, asModelError, type NetworkJson, type LayerJson } from './network-json';
import { Replica, type BatchSums, type MetricKind } from './replica';
import { Parallel, type StepArgs } from './parallel';
import { gatherImageRows, type ImageGather } from './parallel-protocol';
import type { Optimizer } from './optimizers';

export type { BatchSums, MetricKind };

export interface NetworkConfig {
  /** Values per example (784), or a shape: [steps, features] for a recurrent layer, [height, width, channels] for conv layers. */
  input: number | Shape;
  layers: LayerSpec[];
  /** Default softmax-cross-entropy. */
  loss?: LossName;
  /** Weight init for layers that do not set their own; default normal:0.01 (the seed networks'). */
  init?: Init | string;
  /** Seeds the weights (and, unless fit() gets its own, the shuffling). Default 1. */
  seed?: number;
}

/** One parameter tensor's place in the parameter block. */
export interface ParamTensor {
  /** `${type}${index in the layer list}.${name}`, e.g. 'dense0.weights', 'eurnn0.angles'. */
  name: string;
  /** The index of its layer in the layer list, and its name there ('weights', 'input.bias'). */
  layer: number;
  param: string;
  shape: number[];
  /** Element offset within the parameter block. */
  offset: number;
  count: number;
}

/** evaluate()'s figures: accuracy for class labels (and 0/1 targets), mse/mae/r2 for float targets. */
export interface Metrics {
  loss: number;
  accuracy?: number;
  mse?: number;
  mae?: number;
  /** 1 − Σ(y − t)² / Σ(t − mean t)² over all outputs (means per output): variance-weighted R². */
  r2?: number;
}

/** Called with a share of a batch's outputs: its first row, its row count, the heap offset of its rows × outputs values. */
export type ShareOutputs = (first: number, rows: number, offset: number) => void;

export interface EvaluateOptions {
  /** Also give each example's predicted class (as classify() does), from the same forward pass. */
  classes?: boolean;
}

/** A dataset prepared for batches: uint8 parts copied to the heap once (kernels gather them). */
export interface UploadedData {
  ds: Dataset;
  count: number;
  /** u8 pixels on the heap (uint8 x), else 0: float x is gathered from ds.x directly. */
  xBytes: number;
  /** u8 labels on the heap (Uint8Array labels), else 0. */
  labelBytes: number;
  metric: MetricKind;
  /** Σ (t − mean t)² per output column, summed (regression), for R². */
  sst: number;
}

/** Rows evaluated per chunk in evaluate()/predict(): large enough for the GEMM to run at speed… */
const EVAL_ROWS = 512;
/**
 * …but a chunk's activations within about this many floats per thread (2 MB, cache-sized): each
 * layer runs over the whole chunk before the next, so a CNN's patch matrices of 512 rows went
 * through memory (shipped digit model, batch 10,000: 666 -> ~510 ms with chunks of a few rows).
 */
const EVAL_CACHE_FLOATS = 512 * 1024;
/** With threads, chunks of at least this many rows a thread, so each gets a share worth a handoff… */
const EVAL_MIN_SHARE_ROWS = 8;
/** …but never more activation memory than this (a very large network evaluates a row at a time). */
const EVAL_BUFFER_FLOATS = 48 * 1024 * 1024;

/**
 * A network on a backend: a list of layers (LAYER_TYPES) and a loss (LOSSES). Parameters live in
 * ONE contiguous block on the heap and gradients in another of the same layout, so an optimizer
 * step is one kernel call. Buffers are planned once for a batch capacity; nothing is allocated
 * inside a step.
 */
export class Network {
  readonly backend: Backend;
  /** Values per example. */
  readonly input: number;
  readonly inputShape: Shape;
  readonly outputs: number;
  readonly loss: LossName;
  readonly seed: number;
  readonly init: Init;
  /** The runtime layers (a spec's activation is a layer of its own). */
  readonly layers: readonly Layer[];
  /** The layer list as given (normalised); JSON and tensor names follow it. */
  readonly specs: readonly LayerSpec[];
  /** For each runtime layer, the index of its spec. */
  readonly specIndex: readonly number[];
  /** Rows per evaluation chunk: EVAL_ROWS, fewer for networks with large activations (see EVAL_CACHE_FLOATS). */
  readonly evalRows: number;
  readonly tensors: readonly ParamTensor[];
  /** Each runtime layer's tensors, in params() order. */
  readonly layerTensors: readonly (readonly ParamTensor[])[];
  readonly paramCount: number;
  /** Byte offsets of the parameter and gradient blocks. */
  readonly paramsPtr: number;
  readonly gradsPtr: number;
  private readonly lossFn: Loss;

  private rows = 0;
  private trainRows = 0;
  /** The heap regions this network owns: parameters and gradients; batch buffers (replaced by plan()). */
  private readonly paramRegions: HeapRegions;
  private readonly planRegions: HeapRegions;
  private disposed = false;
  /** Batch buffers (valid for `rows` rows): input, labels, the gathered examples' indices, targets. */
  private buf = { x: 0, labels: 0, indices: 0, targets: 0, bytes: 0 };
  /** This network's layers and loss computing on its buffers (the caller's thread). */
  private readonly replica: Replica;
  /** With threads: the workers' replicas (made at the first plan). */
  private parallel?: Parallel;
  /** The last training batch's images, when it trained without filling the input buffer (see fillInput). */
  private unfilled?: { rows: number; images: ImageGather };

  constructor(backend: Backend, config: NetworkConfig) {
    this.backend = backend;
    if (typeof config !== 'object' || config === null) fail('ARGUMENT', 'network: expected a config { input, layers, loss?, init?, seed? }');
    this.inputShape = parseInputShape(config.input);
    this.input = sizeOf(this.inputShape);
    this.loss = config.loss ?? 'softmax-cross-entropy';
    if (!LOSS_NAMES.includes(this.loss)) fail('ARGUMENT', `network: unknown loss '${this.loss}'; expected ${LOSS_NAMES.join(', ')}`);
    this.lossFn = LOSSES[this.loss];
    // An Init object is checked through its text form (a NaN stddev is refused like 'normal:NaN').
    this.init = config.init === undefined ? { kind: 'normal', stddev: 0.01 } : parseInit(typeof config.init === 'string' ? config.init : formatInit(config.init));
    if (!Array.isArray(config.layers)) fail('ARGUMENT', 'network: layers must be a list, e.g. [dense(80, \'relu\'), dense(10)]');
    this.specs = config.layers.map((s, i) => parseLayerSpec(s, `layer ${i}`));
    this.seed = config.seed ?? 1;
    if (!Number.isSafeInteger(this.seed)) fail('ARGUMENT', `network: seed must be an integer, got ${config.seed}`);
    ({ layers: this.layers, specIndex: this.specIndex } = buildLayers(this.inputShape, this.specs, this.seed));
    const perRow = this.layers.reduce((a, l) => a + (l.floatsPerRow?.() ?? l.outSize), this.input);
    const threads = backend.threads ?? 1;
    const cached = Math.floor((EVAL_CACHE_FLOATS * threads) / perRow);
    const rows = Math.min(EVAL_ROWS, Math.max(cached, threads > 1 ? EVAL_MIN_SHARE_ROWS * threads : 1));
    this.evalRows = Math.max(1, Math.min(rows, Math.floor(EVAL_BUFFER_FLOATS / perRow)));
    this.outputs = this.layers[this.layers.length - 1].outSize;
    if (this.outputs < this.lossFn.minOutputs) {
      fail('SHAPE', `network: ${this.loss} needs at least ${this.lossFn.minOutputs} outputs, the last layer has ${this.outputs}`);
    }
    this.tensors = layoutTensors(this.layers, this.specIndex, this.specs);
    const last = this.tensors[this.tensors.length - 1];
    this.paramCount = last ? last.offset + Math.ceil(last.count / 4) * 4 : 0;
    this.paramRegions = backend.heap.group('network parameters');
    this.planRegions = backend.heap.group('network batch buffers');
    this.paramsPtr = this.paramRegions.allocF32(Math.max(this.paramCount, 4), 'parameters');
    try {
      this.gradsPtr = this.paramRegions.allocF32(Math.max(this.paramCount, 4), 'gradients');
    } catch (e) {
      this.paramRegions.release(); // a network that could not be made holds no memory
      throw e;
    }
    let t = 0;
    this.layerTensors = this.layers.map((layer) => this.tensors.slice(t, (t += layer.params().length)));
    this.layers.forEach((layer, i) => {
      const mine = this.layerTensors[i];
      layer.bind(mine.map((x) => this.paramsPtr + x.offset * 4), mine.map((x) => this.gradsPtr + x.offset * 4));
    });
    this.replica = new Replica(this.layers, this.lossFn, this.outputs, backend.rawKernels, backend.heap);
    this.initialize(this.seed);
  }

  /** (Re)initialises the weights from a seed: the same seed gives the same weights. */
  initialize(seed: number): void {
    this.assertUsable('initialize');
    const rng = new Rng(seed);
    const params = this.backend.heap.f32(this.paramsPtr, this.paramCount);
    params.fill(0);
    let t = 0;
    for (const layer of this.layers) {
      for (const p of layer.params()) {
        const tensor = this.tensors[t++];
        const values = params.subarray(tensor.offset, tensor.offset + tensor.count);
        if (p.init === 'weights') initWeights(values, p.shape[0], p.shape[1] ?? 1, layer.init ?? this.init, rng);
        else if (typeof p.init === 'number') values.fill(p.init);
        else p.init(values, rng);
      }
    }
  }

  get kernels(): Kernels {
    return this.backend.kernels;
  }

  /**
   * Returns this network's memory to the backend's heap (parameters, gradients, batch buffers).
   * Using the network afterwards throws. WebAssembly memory cannot shrink: freed regions are reused
   * by the next networks on the same backend.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unfilled = undefined;
    this.parallel?.dispose();
    this.planRegions.release();
    this.paramRegions.release();
    this.rows = this.trainRows = 0;
  }

  /** Whether dispose() was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Throws when the network (or its backend) was disposed. */
  assertUsable(what: string): void {
    if (this.disposed) fail('DISPOSED', `${what}: this network was disposed`);
    if (this.backend.disposed) fail('DISPOSED', `${what}: the network's backend was disposed`);
  }

  /** Byte offset of the input batch buffer (rows × input floats) of the current plan. */
  get inputPtr(): number {
    this.fillInput();
    return this.buf.x;
  }

  /** A copy of the parameter block. */
  getWeights(): Float32Array {
    this.assertUsable('getWeights');
    return this.backend.heap.read(this.paramsPtr, this.paramCount);
  }

  setWeights(weights: ArrayLike<number>): void {
    this.assertUsable('setWeights');
    if (weights?.length !== this.paramCount) fail('SHAPE', `setWeights: expected ${this.paramCount} values, got ${weights?.length}`);
    this.backend.heap.write(this.paramsPtr, weights);
  }

  private tensor(which: string | number): ParamTensor {
    this.assertUsable('tensor access');
    const t = typeof which === 'number' ? this.tensors[which] : this.tensors.find((x) => x.name === which);
    if (!t) fail('ARGUMENT', `no parameter tensor '${which}'; have ${this.tensors.map((x) => x.name).join(', ')}`);
    return t;
  }

  /** One tensor's values (a copy), by name ('dense0.weights') or index. */
  getTensor(which: string | number): Float32Array {
    const t = this.tensor(which);
    return this.backend.heap.read(this.paramsPtr + t.offset * 4, t.count);
  }

  /** The gradient block (a copy), after backward(). Same layout as getWeights(). */
  gradients(): Float32Array {
    this.assertUsable('gradients');
    return this.backend.heap.read(this.gradsPtr, this.paramCount);
  }

  /** @deprecated the same as gradients(). */
  getGradients(): Float32Array {
    return this.gradients();
  }

  /** One tensor's gradient (a copy) after backward(), by name ('dense0.weights') or index. */
  getGradient(which: string | number): Float32Array {
    const t = this.tensor(which);
    return this.backend.heap.read(this.gradsPtr + t.offset * 4, t.count);
  }

  /**
   * Throws when a weight is NaN or ∞ (a diverged run): such a network must not be saved, since
   * no loader (ours included) would read it back as what it was.
   */
  assertFiniteWeights(what: string, weights = this.getWeights()): void {
    for (let i = 0; i < weights.length; i++) {
      if (!Number.isFinite(weights[i])) {
        const t = this.tensors.find((x) => i >= x.offset && i < x.offset + x.count);
        fail('DIVERGED', `${what}: ${t ? `${t.name}[${i - t.offset}]` : `parameter ${i}`} is ${weights[i]}; a network with non-finite weights (a diverged run) cannot be saved`);
      }
    }
  }

  /** The names of the tensors that are weights ('dense0', 'conv2d2', 'eurnn0.input'), in order. */
  weightLayerNames(): string[] {
    return this.tensors.filter((t) => t.name.endsWith('.weights')).map((t) => t.name.slice(0, -'.weights'.length));
  }

  /** max |w| of each weights tensor, in the order of weightLayerNames(). */
  maxAbsWeights(): number[] {
    this.assertUsable('maxAbsWeights');
    return this.tensors.filter((t) => t.name.endsWith('.weights')).map((t) => this.kernels.maxAbs(t.count, this.paramsPtr + t.offset * 4));
  }

  /** The layers' states (a dropout RNG; null for stateless layers), for checkpoints. */
  layerStates(): (number[] | null)[] {
    return this.layers.map((l) => l.getState?.() ?? null);
  }

  setLayerStates(states: readonly (readonly number[] | null)[]): void {
    this.layers.forEach((l, i) => { if (states[i]) l.setState?.(states[i]!); });
  }

  /**
   * Plans batch buffers: forward passes of up to `rows` rows, backward passes of up to `trainRows`.
   * Reuses the current plan when it is big enough; otherwise frees it and plans anew (the network
   * owns its buffers: other networks on the backend never see them).
   */
  plan(rows: number, trainRows = 0): number {
    this.assertUsable('plan');
    rows = Math.max(rows, trainRows, 1);
    if (this.rows >= rows && this.trainRows >= trainRows) return this.rows;
    rows = Math.max(rows, this.rows);
    trainRows = Math.max(trainRows, this.trainRows);
    this.planRegions.release();
    this.rows = this.trainRows = 0;
    this.unfilled = undefined; // the buffers it would fill are gone
    const heap = this.planRegions;
    this.buf = {
      x: heap.allocF32(rows * this.input, 'input batch'),
      labels: heap.allocI32(rows, 'batch labels'),
      indices: heap.allocI32(rows, 'batch indices'),
      targets: this.lossFn.takes === 'targets' ? heap.allocF32(rows * this.outputs, 'targets') : 0,
      bytes: heap.alloc(rows * this.input, 'predict input bytes'),
    };
    this.replica.plan(heap, rows, trainRows);
    this.rows = rows;
    this.trainRows = trainRows;
    if (this.backend.pool) (this.parallel ??= new Parallel(this, this.replica, this.backend.pool)).plan(rows, trainRows);
    return rows;
  }

  /** Forward pass over the rows in the input buffer (on this thread); returns the output offset. */
  forwardRows(rows: number, mode: ForwardMode = 'infer'): number {
    this.fillInput();
    return this.replica.forward(rows, this.buf.x, mode);
  }

  /** The loss over the rows in the buffers (labels/targets gathered); writes dL/dOutput when `grad`. */
  lossRows(rows: number, out: number, grad: boolean, metric: MetricKind): BatchSums {
    return this.replica.loss(rows, out, this.buf.labels, this.buf.targets, grad, metric);
  }

  /** Backward pass from dL/dOutput (in the buffer) into the gradient block. */
  backwardRows(rows: number): void {
    this.replica.backward(rows);
  }

  /**
   * A training batch (gathered in the buffers): forward ('train' mode), loss and backward, the
   * gradient of the batch's mean loss left in the gradient block. With threads, each thread takes a
   * share of the rows and the shares' gradients are summed in a fixed order (with `reduce` false,
   * by step(), which leaves the full mean only over the caller's range of the block). With `images` (from
   * gatherRows(…, deferImages)), each thread first gathers its share's uint8 inputs. A dense stack
   * with such images and small batches trains model-parallel instead (parallel-model.ts): the whole
   * mean gradient is then in the block, and the input buffer is filled only when read.
   */
  trainBatch(rows: number, metric: MetricKind, reduce = true, images?: ImageGather): BatchSums {
    if (this.parallel?.trainsModelParallel(rows, images)) return this.trainModelParallel(rows, metric, images!);
    this.unfilled = undefined;
    if (this.parallel) return this.parallel.train(rows, this.buf, metric, reduce, images);
    this.gatherInput(rows, images);
    const sums = this.lossRows(rows, this.forwardRows(rows, 'train'), true, metric);
    this.backwardRows(rows);
    return sums;
  }

  /**
   * A training batch and its optimizer step: trainBatch(rows, metric, false, images), then
   * step(optimizer, state, t, lr). A model-parallel batch (see trainBatch) steps each thread's
   * parameters within the batch, as soon as their gradients are written.
   */
  trainStep(rows: number, metric: MetricKind, images: ImageGather | undefined, optimizer: Optimizer, state: readonly number[], t: number, lr: number): BatchSums {
    if (this.parallel?.trainsModelParallel(rows, images)) return this.trainModelParallel(rows, metric, images!, { optimizer, state, t, lr });
    const sums = this.trainBatch(rows, metric, false, images);
    this.step(optimizer, state, t, lr);
    return sums;
  }

  /** A model-parallel batch (with its step, given `update`); its images stay ungathered in the input buffer until read. */
  private trainModelParallel(rows: number, metric: MetricKind, images: ImageGather, update?: StepArgs): BatchSums {
    this.unfilled = { rows, images };
    return this.parallel!.trainModel(rows, this.buf, metric, images, update);
  }

  /**
   * The optimizer step from the gradient block (after trainBatch(…, false): from the threads'
   * blocks, summed and stepped by every thread, each over a range of the parameters).
   */
  step(optimizer: Optimizer, state: readonly number[], t: number, lr: number): void {
    if (this.parallel) this.parallel.step(optimizer, state, t, lr);
    else optimizer.step(this.backend.rawKernels, this.paramCount, this.paramsPtr, this.gradsPtr, state, t, lr);
  }

  /**
   * The loss and figures of the gathered rows (inference mode), on every thread. `outputs`, when
   * given, sees each thread's share of the outputs: (first row, rows, offset of their values).
   */
  lossBatch(rows: number, metric: MetricKind, outputs?: ShareOutputs, images?: ImageGather): BatchSums {
    if (this.parallel && rows > 1) return this.parallel.evaluate(rows, this.buf, metric, outputs, images);
    this.gatherInput(rows, images);
    const y = this.forwardRows(rows);
    const sums = this.lossRows(rows, y, false, metric);
    outputs?.(0, rows, y);
    return sums;
  }

  /**
   * predict()'s values for the rows in the input buffer, on every thread: [first row, row count,
   * offset of their rows × outputs values] per thread.
   */
  outputBatch(rows: number, images?: ImageGather): [number, number, number][] {
    if (this.parallel && rows > 1) return this.parallel.predict(rows, this.buf, images);
    this.gatherInput(rows, images);
    return [[0, rows, this.replica.output(rows, this.forwardRows(rows))]];
  }

  /** The input buffer's images, when a model-parallel batch left them ungathered (fit() reads them after an epoch's last step). */
  private fillInput(): void {
    const pending = this.unfilled;
    if (pending) this.gatherInput(pending.rows, pending.images);
  }

  /**
   * Forgets a training batch whose images the input buffer has not gathered yet (see trainBatch):
   * fit() calls it before it frees the data they are in.
   */
  forgetUngatheredInput(): void {
    this.unfilled = undefined;
  }

  /** The uint8 images of `rows` rows into the input buffer on this thread, when `images` says where they are. */
  private gatherInput(rows: number, images?: ImageGather): void {
    this.unfilled = undefined; // whatever this writes replaces the batch it held
    gatherImageRows(this.backend.rawKernels, rows, this.input, images, this.buf.x);
  }

  /** Checks a dataset against the network and copies its uint8 parts to the heap, in `regions` (the caller frees them). */
  upload(ds: Dataset, regions: HeapRegions): UploadedData {
    const metric = checkData(ds, this);
    const heap = regions;
    const x = ds.x.subarray(0, ds.count * this.input);
    return {
      ds, count: ds.count, metric,
      xBytes: x instanceof Uint8Array ? heap.allocBytes(x, `${ds.name} x`) : 0,
      labelBytes: ds.y instanceof Uint8Array && hasLabels(ds) ? heap.allocBytes(ds.y.subarray(0, ds.count), `${ds.name} labels`) : 0,
      sst: metric === 'regression' ? sumOfSquares(ds.y as Float32Array, ds.count, this.outputs) : 0,
    };
  }

  /**
   * Gathers examples order[from .. from + rows) (or from .. from + rows when order is null) into
   * the input, label and target buffers: uint8 data by the gather kernels (scaled by 1/255), float
   * data by copies from the dataset's arrays. With `deferImages`, uint8 inputs are not gathered:
   * the returned ImageGather says where they are, for the threads to gather their shares.
   */
  gatherRows(data: UploadedData, order: Int32Array | null, from: number, rows: number, deferImages = false): ImageGather | undefined {
    const k = this.backend.rawKernels, b = this.buf, F = this.input, ds = data.ds;
    this.unfilled = undefined; // this batch's rows replace the last one's
    const v = this.backend.heap.views();
    const idx = b.indices >>> 2;
    if (order) for (let r = 0; r < rows; r++) v.i32[idx + r] = order[from + r];
    else for (let r = 0; r < rows; r++) v.i32[idx + r] = from + r;
    const images = data.xBytes ? { src: data.xBytes, srcRows: data.count, indices: b.indices } : undefined;
    if (images) { if (!deferImages) this.gatherInput(rows, images); }
    else for (let r = 0, x0 = b.x >>> 2; r < rows; r++) { const i = v.i32[idx + r]; v.f32.set(ds.x.subarray(i * F, (i + 1) * F) as Float32Array, x0 + r * F); }
    const n = this.outputs, t0 = b.targets >>> 2;
    if (data.metric === 'accuracy') {
      if (data.labelBytes) k.gatherLabels(rows, data.labelBytes, data.count, b.indices, b.labels);
      else for (let r = 0, l0 = b.labels >>> 2; r < rows; r++) v.i32[l0 + r] = ds.y[v.i32[idx + r]];
      if (b.targets) {
        // Class labels as targets: one-hot rows, or for one output the label itself (0 or 1).
        v.f32.fill(0, t0, t0 + rows * n);
        for (let r = 0, l0 = b.labels >>> 2; r < rows; r++) {
          const label = v.i32[l0 + r];
          if (n === 1) v.f32[t0 + r] = label;
          else v.f32[t0 + r * n + label] = 1;
        }
      }
    } else {
      for (let r = 0; r < rows; r++) { const i = v.i32[idx + r]; v.f32.set(ds.y.subarray(i * n, (i + 1) * n) as Float32Array, t0 + r * n); }
    }
    return deferImages ? images : undefined;
  }

  /**
   * Puts an explicit batch in the buffers: `x` holds rows × input values, `y` one class per row or
   * rows × outputs targets. Used by backward() and checkGradients.
   */
  setBatch(x: Float32Array, y: ArrayLike<number>): { rows: number; metric: MetricKind } {
    const n = this.outputs;
    const labels = !(y instanceof Float32Array) || this.lossFn.takes === 'labels';
    const rows = labels ? y?.length : y.length / n;
    if (!(x instanceof Float32Array)) fail('ARGUMENT', 'setBatch: x must be a Float32Array of rows × input values');
    if (!Number.isInteger(rows) || rows === 0 || x.length !== rows * this.input) {
      fail('SHAPE', `setBatch: ${labels ? `${y?.length} labels` : `${y.length} targets (${n} per row)`} need ${rows * this.input} inputs, got ${x.length}`);
    }
    const ds: Dataset = labels
      ? { x, shape: [this.input], y: Int32Array.from(y), classes: Math.max(this.outputs, 2), count: rows, name: 'batch' }
      : { x, shape: [this.input], y: y as Float32Array, targetShape: [n], count: rows, name: 'batch' };
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) fail('ARGUMENT', `setBatch: input value ${i} (row ${Math.floor(i / this.input)}) is ${x[i]}`);
    }
    this.plan(rows, rows);
    const work = this.backend.heap.group('batch');
    try {
      const data = this.upload(ds, work);
      this.gatherRows(data, null, 0, rows);
      return { rows, metric: data.metric };
    } finally {
      work.release();
    }
  }

  /**
   * One forward and backward pass on a batch (x: rows × input values; y: class labels or rows ×
   * outputs float targets), in inference mode (no dropout). The gradients of the mean loss are then
   * in gradients() / getGradient(name). Returns the batch's mean loss and figures.
   */
  backward(x: Float32Array, y: ArrayLike<number>): Metrics {
    this.assertUsable('backward');
    const { rows, metric } = this.setBatch(x, y);
    const sums = this.lossRows(rows, this.forwardRows(rows, 'grad'), true, metric);
    this.backwardRows(rows);
    return this.metrics(sums, rows, metric, metric === 'regression' ? sumOfSquares(y as Float32Array, rows, this.outputs) : 0);
  }

  /** Turns summed figures over `count` examples into means. */
  metrics(sums: BatchSums, count: number, metric: MetricKind, sst: number): Metrics {
    const n = this.outputs;
    const m: Metrics = { loss: sums.loss / this.lossFn.per(count, n) };
    if (metric === 'accuracy') m.accuracy = sums.correct / count;
    else if (metric === 'element-accuracy') m.accuracy = sums.correct / (count * n);
    else {
      m.mse = sums.sse / (count * n);
      m.mae = sums.sae / (count * n);
      m.r2 = sst > 0 ? 1 - sums.sse / sst : sums.sse === 0 ? 1 : 0;
    }
    return m;
  }

  /** Trains on a dataset; see FitOptions. Resolves with the history. */
  fit(train: Dataset, options: FitOptions = {}): Promise<History> {
    try {
      this.assertUsable('fit');
    } catch (e) {
      return Promise.reject(e);
    }
    return fit(this, train, options);
  }

  /** The figures over an uploaded dataset, in chunks of the plan's capacity; `classes`: filled with the predicted classes. */
  evaluateUploaded(data: UploadedData, classes?: Int32Array): Metrics {
    const sums: BatchSums = { loss: 0, correct: 0, sse: 0, sae: 0 };
    for (let from = 0; from < data.count; from += this.rows) {
      const rows = Math.min(this.rows, data.count - from);
      const images = this.gatherRows(data, null, from, rows, true);
      // Classes from the outputs before the loss's softmax/sigmoid: logits (a sigmoid's is > 0 where its probability is > ½), or raw outputs.
      const s = this.lossBatch(rows, data.metric, classes && ((first, count, y) => {
        classesOf(this.backend.heap.f32(y, count * this.outputs), this.outputs, this.lossFn.output === 'sigmoid' ? 0 : 0.5, classes, from + first);
      }), images);
      sums.loss += s.loss; sums.correct += s.correct; sums.sse += s.sse; sums.sae += s.sae;
    }
    return this.metrics(sums, data.count, data.metric, data.sst);
  }

  /**
   * The loss and figures on a dataset: accuracy for class labels, mse/mae/r2 for float targets;
   * with `{ classes: true }` also each example's predicted class, from the same pass.
   */
  evaluate(ds: Dataset, options: EvaluateOptions = {}): Metrics & { classes?: Int32Array } {
    this.assertUsable('evaluate');
    checkData(ds, this);
    this.plan(Math.min(this.evalRows, Math.max(ds.count, 1)));
    const work = this.backend.heap.group('evaluation data');
    try {
      const classes = options.classes ? new Int32Array(ds.count) : undefined;
      return { ...this.evaluateUploaded(this.upload(ds, work), classes), ...(classes && { classes }) };
    } finally {
      work.release();
    }
  }

  /**
   * The network's outputs for count × input values: probabilities (softmax or sigmoid, as the loss
   * implies) or raw outputs (mse, squared-error). Input: a Dataset, Float32Array values as they are,
   * or uint8 bytes (0–255, scaled by 1/255 as in training). Returns count × outputs values.
   */
  predict(input: Uint8Array | Float32Array | Uint8ClampedArray | Dataset): Float32Array {
    this.assertUsable('predict');
    if (isDataset(input) && featuresOf(input) !== this.input) {
      fail('SHAPE', `predict: dataset '${input.name}' has ${featuresOf(input)} values per example (shape [${input.shape.join(', ')}]) but the network takes ${this.input}`);
    }
    const values = isDataset(input) ? input.x.subarray(0, input.count * featuresOf(input)) : input;
    if (!(values instanceof Float32Array || values instanceof Uint8Array || values instanceof Uint8ClampedArray)) {
      fail('ARGUMENT', `predict: expected a Dataset, a Float32Array or uint8 bytes, got ${(values as object)?.constructor?.name ?? typeof values}`);
    }
    if (values.length === 0 || values.length % this.input !== 0) {
      fail('SHAPE', `predict: got ${values.length} values, not a positive multiple of the input size ${this.input}`);
    }
    const count = values.length / this.input;
    const isFloat = values instanceof Float32Array;
    const cap = this.plan(Math.min(this.evalRows, count));
    const out = new Float32Array(count * this.outputs);
    const k = this.backend.rawKernels, n = this.outputs;
    for (let from = 0; from < count; from += cap) {
      const rows = Math.min(cap, count - from);
      const v = this.backend.heap.views();
      const x0 = this.buf.x >>> 2, size = rows * this.input, src = from * this.input;
      this.unfilled = undefined; // these rows replace the last training batch's
      if (isFloat) {
        v.f32.set(values.subarray(src, src + size), x0);
        // One SIMD pass (max |x| is NaN or ∞ if any value is); the JS loop only to name the culprit.
        if (!Number.isFinite(k.maxAbs(size, this.buf.x))) {
          for (let i = src; i < src + size; i++) {
            if (!Number.isFinite(values[i])) fail('ARGUMENT', `predict: value ${i} (example ${Math.floor(i / this.input)}) is ${values[i]}`);
          }
        }
      } else {
        // Bytes to floats by the SIMD gather kernel (identity order), not a JS loop on this thread.
        v.u8.set(values.subarray(src, src + size), this.buf.bytes);
        for (let r = 0; r < rows; r++) v.i32[(this.buf.indices >>> 2) + r] = r;
      }
      // Bytes become floats by the gather kernel, each thread its share's.
      for (const [first, count, y] of this.outputBatch(rows, isFloat ? undefined : { src: this.buf.bytes, srcRows: rows, indices: this.buf.indices })) {
        if (!Number.isFinite(k.maxAbs(count * n, y))) {
          fail('DIVERGED', `predict: the network's outputs for example ${from + first}…${from + first + count - 1} are not finite (NaN or ∞): its weights are too large or not finite (a diverged training run?)`);
        }
        out.set(this.backend.heap.f32(y, count * n), (from + first) * n);
      }
    }
    return out;
  }

  /** The predicted class of each example: argmax of predict (one output: 1 when it is > ½, else 0). */
  classify(input: Uint8Array | Float32Array | Uint8ClampedArray | Dataset): Int32Array {
    const probs = this.predict(input);
    const out = new Int32Array(probs.length / this.outputs);
    classesOf(probs, this.outputs, 0.5, out, 0);
    return out;
  }

  /** Architecture and weights as plain JSON (version 2): each layer's spec and its tensors. */
  toJSON(): NetworkJson {
    const w = this.getWeights();
    this.assertFiniteWeights('toJSON', w);
    const layers: LayerJson[] = this.specs.map((spec) => ({ ...spec, ...(spec.type === 'dense' && spec.init ? { init: formatInit(spec.init) } : {}) } as LayerJson));
    for (const t of this.tensors) (layers[t.layer].params ??= {})[t.param] = Array.from(w.subarray(t.offset, t.offset + t.count));
    return { format: 'simdnet', version: 2, input: this.inputShape.length === 1 ? this.input : [...this.inputShape], loss: this.loss, init: formatInit(this.init), seed: this.seed, layers };
  }

  /**
   * Rebuilds a network from toJSON() output (version 2, or version 1 written by simdnet 0.1),
   * checking every field and every tensor's length before anything is allocated. `maxParams`
   * (default 100,000,000) bounds the parameters a file may declare.
   */
  static fromJSON<T extends typeof Network>(this: T, backend: Backend, json: unknown, options: { maxParams?: number } = {}): InstanceType<T> {
    const { config, tensors } = parseNetworkJson(json, tensorLayout, options);
    const net = asModelError('fromJSON', () => new this(backend, { ...config, loss: config.loss as LossName }) as InstanceType<T>);
    const w = new Float32Array(net.paramCount);
    net.tensors.forEach((t, i) => w.set(tensors[i], t.offset));
    net.setWeights(w);
    return net;
  }

  /** A one-line summary: `784-80(relu)-70(tanh)-10 softmax-cross-entropy, 69,180 parameters`. */
  describe(): string {
    const parts = [this.inputShape.join('×'), ...this.specs.filter((s) => s.type !== 'flatten').map(describeLayer)];
    const n = this.tensors.reduce((a, t) => a + t.count, 0);
    return `${parts.join('-')} ${this.loss}, ${n.toLocaleString('en-US')} parameters`;
  }
}

/** The tensor table of a network of these (parsed) specs, without allocating anything. */
export function tensorLayout(specs: readonly LayerSpec[], input: Shape, seed: number): ParamTensor[] {
  const { layers, specIndex } = buildLayers(input, specs, seed);
  return layoutTensors(layers, specIndex, specs);
}

/** Every layer's parameter tensors in one block, each 4-float aligned so SIMD loads stay aligned. */
function layoutTensors(layers: readonly Layer[], specIndex: readonly number[], specs: readonly LayerSpec[]): ParamTensor[] {
  const tensors: ParamTensor[] = [];
  let offset = 0;
  layers.forEach((layer, li) => {
    for (const p of layer.params()) {
      const count = sizeOf(p.shape);
      tensors.push({ name: `${specs[specIndex[li]].type}${specIndex[li]}.${p.name}`, layer: specIndex[li], param: p.name, shape: p.shape, offset, count });
      offset += Math.ceil(count / 4) * 4;
    }
  });
  return tensors;
}

/** Σ over outputs of Σ_examples (t − mean t)², in float64. */
function sumOfSquares(y: ArrayLike<number>, count: number, n: number): number {
  let total = 0;
  for (let j = 0; j < n; j++) {
    let mean = 0;
    for (let i = 0; i < count; i++) mean += y[i * n + j];
    mean /= count;
    for (let i = 0; i < count; i++) total += (y[i * n + j] - mean) ** 2;
  }
  return total;
}

function isDataset(x: unknown): x is Dataset {
  return typeof x === 'object' && x !== null && 'x' in x && 'y' in x && 'count' in x && 'shape' in x;
}

/**
 * Checks a dataset against a network at the API boundary (not deep in a kernel) and says how its
 * figures are computed.
 */
export function checkData(ds: Dataset, net: Pick<Network, 'input' | 'outputs' | 'loss' | 'inputShape'>): MetricKind {
  if (!isDataset(ds)) fail('ARGUMENT', 'expected a Dataset ({ x, shape, y, count, … }: see fromArrays)');
  const L = LOSSES[net.loss], n = net.outputs;
  if (!(ds.count > 0)) fail('SHAPE', `dataset '${ds.name}' is empty`);
  const features = featuresOf(ds);
  if (features !== net.input) {
    fail('SHAPE', `dataset '${ds.name}' has ${features} values per example (shape [${ds.shape.join(', ')}]) but the network takes ${net.input} (input [${net.inputShape.join(', ')}])`);
  }
  if (ds.x.length < ds.count * features) fail('SHAPE', `dataset '${ds.name}': ${ds.count} examples need ${ds.count * features} values of x, have ${ds.x.length}`);
  if (hasLabels(ds)) {
    if (ds.y.length < ds.count) fail('SHAPE', `dataset '${ds.name}': ${ds.count} examples but ${ds.y.length} labels`);
    const limit = L.takes === 'targets' && n === 1 ? 2 : n;
    for (let i = 0; i < ds.count; i++) {
      if (!(ds.y[i] >= 0 && ds.y[i] < limit)) {
        fail('ARGUMENT', `dataset '${ds.name}': label ${i} is ${ds.y[i]}, but the network's ${n} output${n === 1 ? ' (0 or 1 for one output)' : 's'} take classes 0..${limit - 1}`);
      }
    }
    return 'accuracy';
  }
  if (L.takes === 'labels') fail('ARGUMENT', `dataset '${ds.name}' has float targets, but ${net.loss} needs class labels; for float targets use loss 'mse' (regression) or 'sigmoid-cross-entropy' (0/1 targets)`);
  const width = targetSizeOf(ds);
  if (width !== n) fail('SHAPE', `dataset '${ds.name}' has ${width} target values per example (targetShape [${ds.targetShape!.join(', ')}]) but the last layer has ${n} outputs`);
  if (ds.y.length < ds.count * n) fail('SHAPE', `dataset '${ds.name}': ${ds.count} examples need ${ds.count * n} targets, have ${ds.y.length}`);
  if (net.loss === 'sigmoid-cross-entropy') {
    for (let i = 0; i < ds.count * n; i++) {
      if (!(ds.y[i] >= 0 && ds.y[i] <= 1)) fail('ARGUMENT', `dataset '${ds.name}': target ${i} (example ${Math.floor(i / n)}) is ${ds.y[i]}; sigmoid-cross-entropy takes targets in [0, 1]`);
    }
    return 'element-accuracy';
  }
  return 'regression';
}

/** The class of each row of `values` (n per row) into out[at…]: the argmax; with one output, 1 when it is > `half`. */
function classesOf(values: Float32Array, n: number, half: number, out: Int32Array, at: number): void {
  for (let i = 0; i < values.length / n; i++) {
    if (n === 1) { out[at + i] = values[i] > half ? 1 : 0; continue; }
    let best = 0;
    for (let j = 1; j < n; j++) if (values[i * n + j] > values[i * n + best]) best = j;
    out[at + i] = best;
  }
}
