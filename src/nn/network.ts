import { createBackend, type Backend } from '../kernels/backend';
import type { Kernels } from '../kernels/kernels';
import type { Dataset } from '../data/dataset';
import { Rng } from '../rng';
import { SimdnetError, ShapeError } from '../errors';
import { buildLayers, Dense, Activation, type LayerSpec, type Layer, type ActivationName } from './layers';
import { Dropout, type Shape3 } from './conv-layers';
import { initWeights, parseInit, formatInit, type Init } from './init';
import { fit, type FitOptions, type History } from './fit';
import { serializeModel, deserializeModel } from '../io/model-file';
import { saveModel, loadModel } from '../io/model-file-node';

export type LossName = 'softmax-cross-entropy' | 'squared-error';

export interface NetworkConfig {
  /** Inputs per example (784 for 28×28 images), or an image shape [height, width, channels] for conv layers. */
  input: number | Shape3;
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
  /** e.g. 'dense0.weights' */
  name: string;
  shape: number[];
  /** Element offset within the parameter block. */
  offset: number;
  count: number;
}

/** Rows evaluated per chunk in evaluate()/predict(): large enough for the GEMM to run at speed… */
const EVAL_ROWS = 512;
/** …but no more activation memory than this (a CNN's patch matrices are large). */
const EVAL_BUFFER_FLOATS = 48 * 1024 * 1024;

/**
 * A feed-forward network on a backend. Parameters live in ONE contiguous block on the heap and
 * gradients in another of the same layout, so an optimizer step is one kernel call. Activation
 * buffers are planned once for a batch capacity; nothing is allocated inside a step.
 */
export class Network {
  readonly backend: Backend;
  readonly input: number;
  /** [height, width, channels] when the input was given as an image shape. */
  readonly inputShape?: Shape3;
  readonly outputs: number;
  readonly loss: LossName;
  readonly seed: number;
  readonly init: Init;
  readonly layers: readonly Layer[];
  readonly specs: readonly LayerSpec[];
  /** Rows per evaluation chunk: EVAL_ROWS, fewer for networks with large activations. */
  readonly evalRows: number;
  readonly tensors: readonly ParamTensor[];
  readonly paramCount: number;
  /** Byte offsets of the parameter and gradient blocks. */
  readonly paramsPtr: number;
  readonly gradsPtr: number;

  private capacity = 0;
  private planTop = -1;
  private planMark = -1;
  /** Batch buffers (valid for `capacity` rows). */
  private buf = { x: 0, labels: 0, indices: 0, target: 0, dOut: 0, stats: 0, probs: 0, argmax: 0 };

  constructor(backend: Backend, config: NetworkConfig) {
    this.backend = backend;
    this.inputShape = typeof config.input === 'number' ? undefined : ([...config.input] as unknown as Shape3);
    this.input = typeof config.input === 'number' ? config.input : config.input[0] * config.input[1] * config.input[2];
    this.loss = config.loss ?? 'softmax-cross-entropy';
    if (this.loss !== 'softmax-cross-entropy' && this.loss !== 'squared-error') {
      throw new SimdnetError('ARGUMENT', `network: unknown loss '${this.loss}'; expected softmax-cross-entropy or squared-error`);
    }
    this.init = typeof config.init === 'string' ? parseInit(config.init) : (config.init ?? { kind: 'normal', stddev: 0.01 });
    this.specs = config.layers.map((s) => ({ ...s }));
    this.seed = config.seed ?? 1;
    this.layers = buildLayers(this.inputShape ?? this.input, this.specs, this.seed);
    const perRow = this.layers.reduce((a, l) => a + (l.floatsPerRow?.() ?? 2 * l.outSize + l.inSize), this.input);
    this.evalRows = Math.max(1, Math.min(EVAL_ROWS, Math.floor(EVAL_BUFFER_FLOATS / perRow)));
    this.outputs = this.layers[this.layers.length - 1].outSize;
    if (this.loss === 'softmax-cross-entropy' && this.outputs < 2) {
      throw new ShapeError('SHAPE', `network: softmax-cross-entropy needs at least 2 outputs, the last layer has ${this.outputs}`);
    }

    // Lay out every parameter tensor in one block, 4-float aligned so SIMD loads stay aligned.
    const tensors: ParamTensor[] = [];
    let offset = 0;
    this.layers.forEach((layer, li) => {
      for (const p of layer.params()) {
        const count = p.shape.reduce((a, b) => a * b, 1);
        tensors.push({ name: `${layer.type}${li}.${p.name}`, shape: p.shape, offset, count });
        offset += Math.ceil(count / 4) * 4;
      }
    });
    this.tensors = tensors;
    this.paramCount = offset;
    const heap = backend.heap;
    this.paramsPtr = heap.allocF32(Math.max(offset, 4), 'parameters');
    this.gradsPtr = heap.allocF32(Math.max(offset, 4), 'gradients');
    let t = 0;
    for (const layer of this.layers) {
      const n = layer.params().length;
      const mine = tensors.slice(t, t + n);
      layer.bind(mine.map((x) => this.paramsPtr + x.offset * 4), mine.map((x) => this.gradsPtr + x.offset * 4));
      t += n;
    }
    this.initialize(this.seed);
  }

  /** (Re)initialises the weights from a seed: the same seed gives the same weights. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const params = this.backend.heap.f32(this.paramsPtr, this.paramCount);
    params.fill(0);
    let t = 0;
    for (const layer of this.layers) {
      for (const p of layer.params()) {
        const tensor = this.tensors[t++];
        if (p.role !== 'weights') continue;
        const init = (layer as { init?: Init }).init ?? this.init;
        initWeights(params.subarray(tensor.offset, tensor.offset + tensor.count), p.shape[0], p.shape[1], init, rng);
      }
    }
  }

  /** Byte offset of the input batch buffer (rows × input floats) of the current plan. */
  get inputPtr(): number {
    return this.buf.x;
  }

  get kernels(): Kernels {
    return this.backend.kernels;
  }

  /** A copy of the parameter block. */
  getWeights(): Float32Array {
    return this.backend.heap.read(this.paramsPtr, this.paramCount);
  }

  setWeights(weights: ArrayLike<number>): void {
    if (weights.length !== this.paramCount) {
      throw new ShapeError('SHAPE', `setWeights: expected ${this.paramCount} values, got ${weights.length}`);
    }
    this.backend.heap.write(this.paramsPtr, weights);
  }

  /** One tensor's values (a copy), by name ('dense0.weights') or index. */
  getTensor(which: string | number): Float32Array {
    const t = typeof which === 'number' ? this.tensors[which] : this.tensors.find((x) => x.name === which);
    if (!t) throw new SimdnetError('ARGUMENT', `no parameter tensor '${which}'; have ${this.tensors.map((x) => x.name).join(', ')}`);
    return this.backend.heap.read(this.paramsPtr + t.offset * 4, t.count);
  }

  /** The gradient block (a copy), after a backward pass. */
  getGradients(): Float32Array {
    return this.backend.heap.read(this.gradsPtr, this.paramCount);
  }

  /** The names of the layers that have weights (dense and conv), in order: 'conv2d0', 'dense4', … */
  weightLayerNames(): string[] {
    return this.tensors.filter((t) => t.name.endsWith('.weights')).map((t) => t.name.slice(0, -'.weights'.length));
  }

  /** max |w| of each layer's weights (dense and conv), in the order of weightLayerNames(). */
  maxAbsWeights(): number[] {
    const out: number[] = [];
    for (const t of this.tensors) {
      if (t.name.endsWith('.weights')) out.push(this.kernels.maxAbs(t.count, this.paramsPtr + t.offset * 4));
    }
    return out;
  }

  /**
   * Plans batch buffers for `rows` rows. Reuses the current plan when it is big enough; replaces it
   * when it is the last thing on the heap; otherwise plans anew above whatever was allocated since.
   */
  plan(rows: number): number {
    const heap = this.backend.heap;
    if (this.capacity >= rows && this.planTop >= 0) return this.capacity;
    if (this.planTop >= 0 && heap.top === this.planTop) heap.release(this.planMark);
    const cap = Math.max(rows, 1);
    this.planMark = heap.mark();
    const out = this.outputs;
    this.buf = {
      x: heap.allocF32(cap * this.input, 'input batch'),
      labels: heap.allocI32(cap, 'batch labels'),
      indices: heap.allocI32(cap, 'batch indices'),
      target: this.loss === 'squared-error' ? heap.allocF32(cap * out, 'targets') : 0,
      dOut: heap.allocF32(cap * out, 'output gradient'),
      stats: heap.alloc(16, 'loss statistics'),
      probs: heap.allocF32(cap * out, 'probabilities'),
      argmax: heap.allocI32(cap, 'predicted classes'),
    };
    for (const layer of this.layers) layer.plan(heap, cap);
    this.capacity = cap;
    this.planTop = heap.top;
    return cap;
  }

  /** Forward pass over the rows already in the input buffer; returns the output offset. `training` turns dropout on. */
  forwardRows(rows: number, training = false): number {
    const k = this.backend.rawKernels;
    let x = this.buf.x;
    for (const layer of this.layers) {
      if (layer instanceof Dropout) layer.training = training;
      x = layer.forward(k, rows, x);
    }
    return x;
  }

  /**
   * Loss over the rows in the buffers (labels already gathered); writes dL/dOutput when `grad`.
   * Returns [summed loss, correct count].
   */
  lossRows(rows: number, out: number, grad: boolean): [number, number] {
    const k = this.backend.rawKernels;
    const b = this.buf;
    const v = this.backend.heap.views();
    if (this.loss === 'softmax-cross-entropy') {
      k.softmaxCrossEntropy(rows, this.outputs, out, b.labels, grad ? b.dOut : 0, b.stats);
      return [v.f64[b.stats >>> 3], v.f64[(b.stats >>> 3) + 1]];
    }
    // Squared error against one-hot targets; accuracy by argmax.
    const n = this.outputs, t0 = b.target >>> 2, l0 = b.labels >>> 2;
    v.f32.fill(0, t0, t0 + rows * n);
    for (let r = 0; r < rows; r++) v.f32[t0 + r * n + v.i32[l0 + r]] = 1;
    k.squaredError(rows, n, out, b.target, grad ? b.dOut : 0, b.stats);
    k.argmax(rows, n, out, b.argmax);
    let correct = 0;
    for (let r = 0; r < rows; r++) if (v.i32[(b.argmax >>> 2) + r] === v.i32[l0 + r]) correct++;
    return [v.f64[b.stats >>> 3], correct];
  }

  /** Backward pass from dL/dOutput (in the buffer) into the gradient block. */
  backwardRows(rows: number): void {
    const k = this.backend.rawKernels;
    let dy = this.buf.dOut;
    for (let i = this.layers.length - 1; i >= 0; i--) dy = this.layers[i].backward(k, rows, dy, i > 0);
  }

  /** Gathers rows of an uploaded dataset by the indices in the index buffer. */
  gatherRows(rows: number, data: UploadedData): void {
    const k = this.backend.rawKernels;
    k.gatherImages(rows, this.input, data.images, data.count, this.buf.indices, this.buf.x);
    k.gatherLabels(rows, data.labels, data.count, this.buf.indices, this.buf.labels);
  }

  /**
   * Puts an explicit batch in the buffers: `x` holds rows × input floats, `labels` one class per
   * row. Used by checkGradients and by callers that drive forward/backward themselves.
   */
  setBatch(x: Float32Array, labels: ArrayLike<number>): number {
    const rows = labels.length;
    if (rows === 0 || x.length !== rows * this.input) {
      throw new ShapeError('SHAPE', `setBatch: ${labels.length} labels need ${labels.length * this.input} inputs, got ${x.length}`);
    }
    for (let i = 0; i < rows; i++) {
      if (!(Number.isInteger(labels[i]) && labels[i] >= 0 && labels[i] < this.outputs)) {
        throw new ShapeError('ARGUMENT', `setBatch: label ${i} is ${labels[i]}, expected a class in 0..${this.outputs - 1}`);
      }
    }
    for (let i = 0; i < x.length; i++) {
      if (!Number.isFinite(x[i])) throw new ShapeError('ARGUMENT', `setBatch: input value ${i} (row ${Math.floor(i / this.input)}) is ${x[i]}`);
    }
    this.plan(rows);
    const v = this.backend.heap.views();
    v.f32.set(x, this.buf.x >>> 2);
    for (let i = 0; i < rows; i++) v.i32[(this.buf.labels >>> 2) + i] = labels[i];
    return rows;
  }

  /** Writes indices[from .. from+rows) into the index buffer. */
  setIndices(order: Int32Array | null, from: number, rows: number): void {
    const v = this.backend.heap.views().i32;
    const base = this.buf.indices >>> 2;
    if (order) for (let r = 0; r < rows; r++) v[base + r] = order[from + r];
    else for (let r = 0; r < rows; r++) v[base + r] = from + r;
  }

  /** Copies a dataset's images and labels onto the heap (once per fit/evaluate; shuffling permutes indices). */
  upload(ds: Dataset): UploadedData {
    checkDataset(ds, this.input, this.outputs);
    const heap = this.backend.heap;
    return {
      images: heap.allocBytes(ds.images.subarray(0, ds.count * this.input), `${ds.name} images`),
      labels: heap.allocBytes(ds.labels.subarray(0, ds.count), `${ds.name} labels`),
      count: ds.count,
    };
  }

  /** Trains on a dataset; see FitOptions. Resolves with the per-epoch history. */
  fit(train: Dataset, options: FitOptions = {}): Promise<History> {
    return fit(this, train, options);
  }

  /** Mean loss and accuracy over an uploaded dataset, in chunks of the plan's capacity. */
  evaluateUploaded(data: UploadedData): { loss: number; accuracy: number } {
    let loss = 0, correct = 0;
    for (let from = 0; from < data.count; from += this.capacity) {
      const rows = Math.min(this.capacity, data.count - from);
      this.setIndices(null, from, rows);
      this.gatherRows(rows, data);
      const [l, c] = this.lossRows(rows, this.forwardRows(rows), false);
      loss += l;
      correct += c;
    }
    return { loss: loss / data.count, accuracy: correct / data.count };
  }

  /** Mean loss and accuracy on a dataset. */
  evaluate(ds: Dataset): { loss: number; accuracy: number } {
    this.plan(Math.min(this.evalRows, Math.max(ds.count, 1)));
    const heap = this.backend.heap;
    const mark = heap.mark();
    try {
      return this.evaluateUploaded(this.upload(ds));
    } finally {
      heap.release(mark);
    }
  }

  /**
   * Class probabilities (softmax) — or raw outputs for squared error — for `images`: uint8 pixels
   * (0–255, scaled by 1/255 as in training) or floats already in [0, 1], count × input values.
   * Returns count × outputs values.
   */
  predict(images: Uint8Array | Float32Array | Uint8ClampedArray | Dataset): Float32Array {
    const pixels = isDataset(images) ? images.images.subarray(0, images.count * images.rows * images.cols) : images;
    if (pixels.length === 0 || pixels.length % this.input !== 0) {
      throw new ShapeError('SHAPE', `predict: got ${pixels.length} values, not a positive multiple of the input size ${this.input}`);
    }
    const count = pixels.length / this.input;
    const isFloat = pixels instanceof Float32Array;
    const cap = this.plan(Math.min(this.evalRows, count));
    const out = new Float32Array(count * this.outputs);
    const k = this.backend.rawKernels;
    for (let from = 0; from < count; from += cap) {
      const rows = Math.min(cap, count - from);
      const v = this.backend.heap.views();
      const x0 = this.buf.x >>> 2, n = rows * this.input, src = from * this.input;
      if (isFloat) {
        v.f32.set((pixels as Float32Array).subarray(src, src + n), x0);
        // One SIMD pass (max |x| is NaN or ∞ if any value is); the JS loop only to name the culprit.
        if (!Number.isFinite(k.maxAbs(n, this.buf.x))) {
          for (let i = src; i < src + n; i++) {
            if (!Number.isFinite(pixels[i])) throw new ShapeError('ARGUMENT', `predict: value ${i} (image ${Math.floor(i / this.input)}) is ${pixels[i]}`);
          }
        }
      } else for (let i = 0; i < n; i++) v.f32[x0 + i] = pixels[src + i] * INV255;
      let y = this.forwardRows(rows);
      if (this.loss === 'softmax-cross-entropy') {
        k.softmax(rows, this.outputs, y, this.buf.probs);
        y = this.buf.probs;
      }
      out.set(this.backend.heap.f32(y, rows * this.outputs), from * this.outputs);
    }
    return out;
  }

  /** The predicted class of each image (argmax of predict). */
  classify(images: Uint8Array | Float32Array | Uint8ClampedArray | Dataset): Int32Array {
    const probs = this.predict(images);
    const count = probs.length / this.outputs;
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let j = 1; j < this.outputs; j++) if (probs[i * this.outputs + j] > probs[i * this.outputs + best]) best = j;
      out[i] = best;
    }
    return out;
  }

  /** Architecture and weights as plain JSON (dense weights row-major [in, out]; conv weights [kh·kw·cin, cout]). */
  toJSON(): NetworkJson {
    const w = this.getWeights();
    const layers: LayerJsonWithWeights[] = [];
    const withParams = this.layers.filter((l) => l.params().length > 0);
    let t = 0, p = 0;
    for (const spec of this.specs) {
      if (spec.type === 'dense' || spec.type === 'conv2d') {
        const [W, b] = [this.tensors[t], this.tensors[t + 1]];
        t += 2;
        const values = { weights: Array.from(w.subarray(W.offset, W.offset + W.count)), bias: Array.from(w.subarray(b.offset, b.offset + b.count)) };
        const layer = withParams[p++];
        if (spec.type === 'dense') layers.push({ type: 'dense', in: layer.inSize, out: layer.outSize, activation: spec.activation, ...values });
        else layers.push({ type: 'conv2d', filters: spec.filters, kernel: spec.kernel, stride: spec.stride, padding: spec.padding, activation: spec.activation, ...values });
      } else {
        layers.push({ ...spec });
      }
    }
    return { format: 'simdnet', version: 1, input: this.inputShape ? [...this.inputShape] : this.input, loss: this.loss, init: formatInit(this.init), seed: this.seed, layers };
  }

  /** Rebuilds a network from toJSON() output, checking every shape. */
  static fromJSON(backend: Backend, json: NetworkJson): Network {
    if (json?.format !== 'simdnet') throw new SimdnetError('MODEL_FORMAT', `fromJSON: not a simdnet model (format '${json?.format}')`);
    if (json.version !== 1) throw new SimdnetError('MODEL_VERSION', `fromJSON: unknown version ${json.version}; this build reads version 1`);
    if (!Array.isArray(json.layers) || json.layers.length === 0) throw new SimdnetError('MODEL_SHAPE', 'fromJSON: no layers');
    const specs: LayerSpec[] = json.layers.map((l, i): LayerSpec => {
      if (l.type === 'dense') return { type: 'dense', units: l.out, activation: l.activation };
      if (l.type === 'conv2d') return { type: 'conv2d', filters: l.filters, kernel: l.kernel, stride: l.stride, padding: l.padding, activation: l.activation };
      if (l.type === 'maxPool2d' || l.type === 'flatten' || l.type === 'dropout') return { ...l } as LayerSpec;
      throw new SimdnetError('MODEL_SHAPE', `fromJSON: layer ${i} has unknown type '${(l as { type: string }).type}'`);
    });
    let net: Network;
    try {
      net = new Network(backend, { input: json.input, loss: json.loss, seed: json.seed, init: json.init, layers: specs });
    } catch (e) {
      throw new SimdnetError('MODEL_SHAPE', `fromJSON: ${(e as Error).message}`);
    }
    const w = new Float32Array(net.paramCount);
    const withParams = net.layers.filter((l) => l.params().length > 0);
    let t = 0;
    json.layers.forEach((l, i) => {
      if (l.type !== 'dense' && l.type !== 'conv2d') return;
      const built = withParams[t / 2];
      if (l.type === 'dense' && l.in !== built.inSize) {
        throw new SimdnetError('MODEL_SHAPE', `fromJSON: layer ${i} takes ${l.in} inputs but the previous layer gives ${built.inSize}`);
      }
      const [W, b] = [net.tensors[t], net.tensors[t + 1]];
      t += 2;
      if (l.weights?.length !== W.count) throw new SimdnetError('MODEL_SHAPE', `fromJSON: layer ${i} weights have ${l.weights?.length} values, expected ${W.shape.join('×')} = ${W.count}`);
      if (l.bias?.length !== b.count) throw new SimdnetError('MODEL_SHAPE', `fromJSON: layer ${i} bias has ${l.bias?.length} values, expected ${b.count}`);
      w.set(l.weights, W.offset);
      w.set(l.bias, b.offset);
    });
    net.setWeights(w);
    return net;
  }

  /** The binary model format (see src/io/model-file.ts), with optional metadata. */
  serialize(metadata: Record<string, unknown> = {}): Uint8Array {
    return serializeModel(this, metadata);
  }

  /**
   * Saves the model to a file, atomically (temporary file, fsync, rename); a `.json` path gets the
   * JSON form. Node only: in a browser, serialize() and store the bytes yourself.
   */
  save(path: string, metadata: Record<string, unknown> = {}): Promise<void> {
    return saveModel(this, path, metadata);
  }

  /** Loads a model file written by save() (binary or JSON). Node only. Backend: createBackend() by default. */
  static async load(path: string, backend?: Backend): Promise<Network> {
    return (await loadModel(backend ?? (await createBackend()), path)).net;
  }

  /** Rebuilds a network from serialize() bytes, refusing damaged or hostile files with a ModelFormatError. */
  static deserialize(backend: Backend, bytes: Uint8Array): Network {
    return deserializeModel(backend, bytes).net;
  }

  /** A one-line summary: `784-80(relu)-70(tanh)-10 softmax-cross-entropy, 69,180 parameters`. */
  describe(): string {
    const parts = [this.inputShape ? this.inputShape.join('×') : String(this.input)];
    for (const s of this.specs) {
      const act = 'activation' in s && s.activation !== 'linear' ? `(${s.activation})` : '';
      if (s.type === 'dense') parts.push(`${s.units}${act}`);
      else if (s.type === 'conv2d') parts.push(`conv${s.kernel.join('×')}×${s.filters}${s.stride > 1 ? `/${s.stride}` : ''}${act}`);
      else if (s.type === 'maxPool2d') parts.push(`pool${s.size}`);
      else if (s.type === 'dropout') parts.push(`dropout${s.rate}`);
    }
    const n = this.tensors.reduce((a, t) => a + t.count, 0);
    return `${parts.join('-')} ${this.loss}, ${n.toLocaleString('en-US')} parameters`;
  }
}

export interface UploadedData {
  images: number;
  labels: number;
  count: number;
}

export type LayerJsonWithWeights =
  | { type: 'dense'; in: number; out: number; activation: ActivationName; weights: number[]; bias: number[] }
  | { type: 'conv2d'; filters: number; kernel: [number, number]; stride: number; padding: 'same' | 'valid'; activation: ActivationName; weights: number[]; bias: number[] }
  | { type: 'maxPool2d'; size: number; stride: number }
  | { type: 'flatten' }
  | { type: 'dropout'; rate: number };

export interface NetworkJson {
  format: 'simdnet';
  version: 1;
  input: number | Shape3;
  loss: LossName;
  init?: string;
  seed?: number;
  layers: LayerJsonWithWeights[];
}

const INV255 = Math.fround(1 / 255);

function isDataset(x: unknown): x is Dataset {
  return typeof x === 'object' && x !== null && 'images' in x && 'labels' in x && 'count' in x;
}

/** Checks a dataset against the network at the API boundary (not deep in a kernel). */
export function checkDataset(ds: Dataset, input: number, classes: number): void {
  if (!isDataset(ds)) throw new ShapeError('ARGUMENT', 'expected a Dataset ({ images, labels, count, rows, cols })');
  if (ds.count <= 0) throw new ShapeError('SHAPE', `dataset '${ds.name}' is empty`);
  if (ds.rows * ds.cols !== input) {
    throw new ShapeError('SHAPE', `dataset '${ds.name}' has ${ds.rows}×${ds.cols} = ${ds.rows * ds.cols} pixels per image but the network takes ${input} inputs`);
  }
  if (ds.images.length < ds.count * input) {
    throw new ShapeError('SHAPE', `dataset '${ds.name}': ${ds.count} images need ${ds.count * input} bytes, have ${ds.images.length}`);
  }
  if (ds.labels.length < ds.count) throw new ShapeError('SHAPE', `dataset '${ds.name}': ${ds.count} images but ${ds.labels.length} labels`);
  for (let i = 0; i < ds.count; i++) {
    if (ds.labels[i] >= classes) {
      throw new ShapeError('ARGUMENT', `dataset '${ds.name}': label ${i} is ${ds.labels[i]}, but the network has ${classes} outputs (classes 0..${classes - 1})`);
    }
  }
}

export { Dense, Activation };
