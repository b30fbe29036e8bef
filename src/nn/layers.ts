import type { Kernels } from '../kernels/kernels';
import type { Heap } from '../kernels/heap';
import type { Init } from './init';
import { SimdnetError } from '../errors';
import { Conv2D, MaxPool2D, Dropout, type Shape3 } from './conv-layers';

export type ActivationName = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/** A parameter tensor a layer declares; the network places it in the one parameter block. */
export interface ParamSpec {
  name: string;
  shape: number[];
  /** Weights are initialised with the network's (or the layer's) Init; biases with zeros. */
  role: 'weights' | 'bias';
}

/**
 * The contract every layer keeps. A layer declares its parameters, allocates its activation
 * buffers for a batch capacity, and runs forward and backward as kernel calls on heap offsets.
 * Nothing is allocated in forward/backward.
 */
export interface Layer {
  readonly type: string;
  readonly inSize: number;
  readonly outSize: number;
  params(): ParamSpec[];
  /** Byte offsets of this layer's parameter and gradient tensors, in params() order. */
  bind(params: number[], grads: number[]): void;
  /** Allocate buffers for up to `capacity` rows. */
  plan(heap: Heap, capacity: number): void;
  /** Returns the offset of the output [rows, outSize]. */
  forward(k: Kernels, rows: number, x: number): number;
  /** Given dL/dy, writes parameter gradients and returns dL/dx (0 when !needDx). */
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number;
  toJSON(): LayerJson;
  /** Floats of activation buffers per batch row (sizes the evaluation chunk of big networks). */
  floatsPerRow?(): number;
  /** Set for layers whose output is an image: [height, width, channels]. */
  readonly outShape?: Shape3;
}

export type LayerJson =
  | { type: 'dense'; in: number; out: number }
  | { type: 'activation'; activation: ActivationName; size: number }
  | { type: 'conv2d'; inShape: number[]; filters: number; kernel: [number, number]; stride: number; padding: 'same' | 'valid' }
  | { type: 'maxPool2d'; inShape: number[]; size: number; stride: number }
  | { type: 'dropout'; rate: number; size: number };

/** Dense: y = x·W + b, W [in, out] row-major, b [out]. */
export class Dense implements Layer {
  readonly type = 'dense';
  readonly init?: Init;
  private W = 0; private b = 0; private dW = 0; private db = 0;
  private x = 0; private y = 0; private dx = 0;
  constructor(readonly inSize: number, readonly outSize: number, init?: Init) {
    this.init = init;
  }
  params(): ParamSpec[] {
    return [
      { name: 'weights', shape: [this.inSize, this.outSize], role: 'weights' },
      { name: 'bias', shape: [this.outSize], role: 'bias' },
    ];
  }
  bind(params: number[], grads: number[]): void {
    [this.W, this.b] = params;
    [this.dW, this.db] = grads;
  }
  plan(heap: Heap, capacity: number): void {
    this.y = heap.allocF32(capacity * this.outSize, 'dense output');
    this.dx = heap.allocF32(capacity * this.inSize, 'dense input gradient');
  }
  forward(k: Kernels, rows: number, x: number): number {
    this.x = x;
    k.gemm(0, 0, rows, this.outSize, this.inSize, x, this.W, this.y, 0); // y = x·W
    k.biasAdd(rows, this.outSize, this.y, this.b); // y += b
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    k.gemm(1, 0, this.inSize, this.outSize, rows, this.x, dy, this.dW, 0); // dW = xᵀ·dy
    k.biasGrad(rows, this.outSize, dy, this.db, 0); // db = Σ_rows dy
    if (!needDx) return 0;
    k.gemm(0, 1, rows, this.inSize, this.outSize, dy, this.W, this.dx, 0); // dx = dy·Wᵀ
    return this.dx;
  }
  toJSON(): LayerJson {
    return { type: 'dense', in: this.inSize, out: this.outSize };
  }
}

/** Element-wise activation; backward works in place on dy (nobody reads dy afterwards). */
export class Activation implements Layer {
  readonly type = 'activation';
  readonly inSize: number;
  readonly outSize: number;
  private y = 0;
  constructor(readonly activation: Exclude<ActivationName, 'linear'>, size: number) {
    this.inSize = this.outSize = size;
  }
  params(): ParamSpec[] {
    return [];
  }
  bind(): void {}
  plan(heap: Heap, capacity: number): void {
    this.y = heap.allocF32(capacity * this.outSize, `${this.activation} output`);
  }
  forward(k: Kernels, rows: number, x: number): number {
    const n = rows * this.outSize;
    if (this.activation === 'relu') k.reluForward(n, x, this.y); // y = max(0, x)
    else if (this.activation === 'tanh') k.tanhForward(n, x, this.y); // y = tanh(x)
    else k.sigmoidForward(n, x, this.y); // y = 1 / (1 + e^−x)
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number): number {
    const n = rows * this.outSize;
    if (this.activation === 'relu') k.reluBackward(n, this.y, dy, dy); // dx = dy·[y > 0]
    else if (this.activation === 'tanh') k.tanhBackward(n, this.y, dy, dy); // dx = dy·(1 − y²)
    else k.sigmoidBackward(n, this.y, dy, dy); // dx = dy·y·(1 − y)
    return dy;
  }
  toJSON(): LayerJson {
    return { type: 'activation', activation: this.activation, size: this.outSize };
  }
}

/** What users write: `dense(80, 'relu')`, `conv2d(32, 5, { activation: 'relu' })`, `maxPool2d(2)`, … */
export interface DenseSpec {
  type: 'dense';
  units: number;
  activation: ActivationName;
  init?: Init;
}
export interface Conv2DSpec {
  type: 'conv2d';
  filters: number;
  kernel: [number, number];
  stride: number;
  padding: 'same' | 'valid';
  activation: ActivationName;
  init?: Init;
}
export interface MaxPool2DSpec { type: 'maxPool2d'; size: number; stride: number }
export interface FlattenSpec { type: 'flatten' }
export interface DropoutSpec { type: 'dropout'; rate: number }
export type LayerSpec = DenseSpec | Conv2DSpec | MaxPool2DSpec | FlattenSpec | DropoutSpec;

export function dense(units: number, activation: ActivationName = 'linear', options: { init?: Init } = {}): DenseSpec {
  return { type: 'dense', units, activation, init: options.init };
}

export function conv2d(
  filters: number, kernel: number | [number, number],
  options: { stride?: number; padding?: 'same' | 'valid'; activation?: ActivationName; init?: Init } = {},
): Conv2DSpec {
  return {
    type: 'conv2d', filters, kernel: typeof kernel === 'number' ? [kernel, kernel] : kernel,
    stride: options.stride ?? 1, padding: options.padding ?? 'same', activation: options.activation ?? 'linear', init: options.init,
  };
}

export function maxPool2d(size = 2, options: { stride?: number } = {}): MaxPool2DSpec {
  return { type: 'maxPool2d', size, stride: options.stride ?? size };
}

export function flatten(): FlattenSpec {
  return { type: 'flatten' };
}

export function dropout(rate: number): DropoutSpec {
  return { type: 'dropout', rate };
}

const positiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/**
 * Desugars layer specs into runtime layers: `dense(80, 'relu')` becomes Dense(in, 80) followed by
 * Activation('relu'), so each runtime layer has one job and one backward formula. Image layers
 * need an image input shape [h, w, c]; activations are NHWC, so flattening is free (flatten() only
 * documents it, and a dense layer after an image layer flattens implicitly).
 */
export function buildLayers(input: number | Shape3, specs: readonly LayerSpec[], seed = 1): Layer[] {
  let shape: Shape3 | null = typeof input === 'number' ? null : input;
  let size = typeof input === 'number' ? input : input[0] * input[1] * input[2];
  if (!positiveInt(size) || (shape && !shape.every(positiveInt))) {
    throw new SimdnetError('SHAPE', `network: input size must be a positive integer or [height, width, channels], got ${JSON.stringify(input)}`);
  }
  if (specs.length === 0) throw new SimdnetError('SHAPE', 'network: needs at least one layer');
  const layers: Layer[] = [];
  const bad = (i: number, what: string) => new SimdnetError('SHAPE', `layer ${i}: ${what}`);
  const activate = (i: number, activation: ActivationName) => {
    if (!ACTIVATIONS.includes(activation)) throw bad(i, `unknown activation '${activation}'; expected ${ACTIVATIONS.join(', ')}`);
    if (activation !== 'linear') layers.push(new Activation(activation, size));
  };
  specs.forEach((spec, i) => {
    switch (spec.type) {
      case 'dense':
        if (!positiveInt(spec.units)) throw bad(i, `dense units must be a positive integer, got ${spec.units}`);
        layers.push(new Dense(size, spec.units, spec.init));
        size = spec.units;
        shape = null;
        activate(i, spec.activation);
        break;
      case 'conv2d': {
        if (!shape) throw bad(i, 'conv2d needs an image input: give the network input as [height, width, channels]');
        if (!positiveInt(spec.filters) || !spec.kernel.every(positiveInt) || !positiveInt(spec.stride)) {
          throw bad(i, `conv2d filters, kernel and stride must be positive integers, got ${spec.filters}, ${spec.kernel}, ${spec.stride}`);
        }
        if (spec.padding === 'valid' && (spec.kernel[0] > shape[0] || spec.kernel[1] > shape[1])) {
          throw bad(i, `a ${spec.kernel.join('×')} 'valid' convolution does not fit a ${shape[0]}×${shape[1]} input`);
        }
        const conv = new Conv2D(shape, spec.filters, spec.kernel, spec.stride, spec.padding, spec.init);
        layers.push(conv);
        shape = conv.outShape;
        size = conv.outSize;
        activate(i, spec.activation);
        break;
      }
      case 'maxPool2d': {
        if (!shape) throw bad(i, 'maxPool2d needs an image input');
        if (!positiveInt(spec.size) || !positiveInt(spec.stride) || spec.size > shape[0] || spec.size > shape[1]) {
          throw bad(i, `maxPool2d size ${spec.size} (stride ${spec.stride}) does not fit a ${shape[0]}×${shape[1]} input`);
        }
        const pool = new MaxPool2D(shape, spec.size, spec.stride);
        layers.push(pool);
        shape = pool.outShape;
        size = pool.outSize;
        break;
      }
      case 'flatten':
        shape = null;
        break;
      case 'dropout':
        if (!(spec.rate >= 0 && spec.rate < 1)) throw bad(i, `dropout rate must be in [0, 1), got ${spec.rate}`);
        layers.push(new Dropout(spec.rate, size, seed + 1000 + i));
        break;
      default:
        throw bad(i, `unknown layer type '${(spec as { type: string }).type}'`);
    }
  });
  return layers;
}

/** Parses the CLI's `80:relu,70:tanh,10` into specs. */
export function parseLayers(text: string): DenseSpec[] {
  return text.split(',').map((part, i) => {
    const [units, act = 'linear'] = part.trim().split(':');
    const n = Number(units);
    if (!Number.isInteger(n) || n <= 0) throw new SimdnetError('ARGUMENT', `--layers: layer ${i + 1} ('${part}') needs a positive integer size, e.g. 80:relu`);
    if (!ACTIVATIONS.includes(act as ActivationName)) {
      throw new SimdnetError('ARGUMENT', `--layers: layer ${i + 1} ('${part}') has unknown activation '${act}'; expected ${ACTIVATIONS.join(', ')}`);
    }
    return dense(n, act as ActivationName);
  });
}
