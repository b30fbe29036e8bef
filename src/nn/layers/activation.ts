// Element-wise activations. Not a layer type of their own: dense and conv2d specs carry an
// `activation` and desugar into their layer followed by one of these (see LayerType.build).
import type { Kernels } from '../../kernels/kernels';
import type { HeapRegions } from '../../kernels/heap';
import type { Layer, ParamSpec, Shape } from '../layer';
import { sizeOf } from '../layer';

export type ActivationName = 'relu' | 'leaky-relu' | 'tanh' | 'sigmoid' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'leaky-relu', 'tanh', 'sigmoid', 'linear'];
/** The slope of leaky-relu for x < 0 (PyTorch's LeakyReLU default). */
export const LEAKY_SLOPE = 0.01;

/** Backward works in place on dy (nobody reads dy afterwards). */
export class Activation implements Layer {
  readonly type = 'activation';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  private y = 0;
  constructor(readonly activation: Exclude<ActivationName, 'linear'>, readonly inShape: Shape) {
    this.outShape = inShape;
    this.inSize = this.outSize = sizeOf(inShape);
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  floatsPerRow(): number { return this.outSize; }
  plan(heap: HeapRegions, rows: number): void {
    this.y = heap.allocF32(rows * this.outSize, `${this.activation} output`);
  }
  forward(k: Kernels, rows: number, x: number): number {
    activationForward(k, this.activation, rows * this.outSize, x, this.y);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number): number {
    activationBackward(k, this.activation, rows * this.outSize, this.y, dy, dy);
    return dy;
  }
}

/** y = f(x) over n values (y may be x). */
export function activationForward(k: Kernels, f: Exclude<ActivationName, 'linear'>, n: number, x: number, y: number): void {
  if (f === 'relu') k.reluForward(n, x, y); // y = max(0, x)
  else if (f === 'leaky-relu') k.leakyReluForward(n, x, y, LEAKY_SLOPE); // y = x > 0 ? x : 0.01·x
  else if (f === 'tanh') k.tanhForward(n, x, y); // y = tanh(x)
  else k.sigmoidForward(n, x, y); // y = 1 / (1 + e^−x)
}

/** dx = dy · f′ over n values, from f's outputs y (dx may be dy). */
export function activationBackward(k: Kernels, f: Exclude<ActivationName, 'linear'>, n: number, y: number, dy: number, dx: number): void {
  if (f === 'relu') k.reluBackward(n, y, dy, dx); // dx = dy·[y > 0]
  else if (f === 'leaky-relu') k.leakyReluBackward(n, y, dy, dx, LEAKY_SLOPE); // dx = dy·(y > 0 ? 1 : 0.01)
  else if (f === 'tanh') k.tanhBackward(n, y, dy, dx); // dx = dy·(1 − y²)
  else k.sigmoidBackward(n, y, dy, dx); // dx = dy·y·(1 − y)
}

/** The runtime layers of a spec's activation: none for linear. */
export function activationLayers(activation: ActivationName, shape: Shape): Layer[] {
  return activation === 'linear' ? [] : [new Activation(activation, shape)];
}

export const activationSuffix = (a: ActivationName): string => (a === 'linear' ? '' : `(${a})`);
