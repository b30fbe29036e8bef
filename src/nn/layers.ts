import type { Kernels } from '../kernels/kernels';
import type { Heap } from '../kernels/heap';
import type { Init } from './init';
import { SimdnetError } from '../errors';

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
}

export type LayerJson = { type: 'dense'; in: number; out: number } | { type: 'activation'; activation: ActivationName; size: number };

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

/** What users write: `dense(80, 'relu')`. */
export interface DenseSpec {
  type: 'dense';
  units: number;
  activation: ActivationName;
  init?: Init;
}

export function dense(units: number, activation: ActivationName = 'linear', options: { init?: Init } = {}): DenseSpec {
  return { type: 'dense', units, activation, init: options.init };
}

/**
 * Desugars layer specs into runtime layers: `dense(80, 'relu')` becomes Dense(in, 80) followed by
 * Activation('relu'), so each runtime layer has one job and one backward formula.
 */
export function buildLayers(input: number, specs: readonly DenseSpec[]): Layer[] {
  if (!Number.isInteger(input) || input <= 0) {
    throw new SimdnetError('SHAPE', `network: input size must be a positive integer, got ${input}`);
  }
  if (specs.length === 0) throw new SimdnetError('SHAPE', 'network: needs at least one layer');
  const layers: Layer[] = [];
  let size = input;
  specs.forEach((spec, i) => {
    if (spec.type !== 'dense') throw new SimdnetError('SHAPE', `layer ${i}: unknown layer type '${(spec as { type: string }).type}'`);
    if (!Number.isInteger(spec.units) || spec.units <= 0) {
      throw new SimdnetError('SHAPE', `layer ${i}: dense units must be a positive integer, got ${spec.units}`);
    }
    if (!ACTIVATIONS.includes(spec.activation)) {
      throw new SimdnetError('SHAPE', `layer ${i}: unknown activation '${spec.activation}'; expected ${ACTIVATIONS.join(', ')}`);
    }
    layers.push(new Dense(size, spec.units, spec.init));
    size = spec.units;
    if (spec.activation !== 'linear') layers.push(new Activation(spec.activation, size));
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
