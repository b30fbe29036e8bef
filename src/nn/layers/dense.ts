import type { Kernels } from '../../kernels/kernels';
import type { HeapRegions } from '../../kernels/heap';
import type { Layer, LayerType, ParamSpec, Shape } from '../layer';
import { sizeOf } from '../layer';
import type { Init } from '../init';
import { ACTIVATIONS, activationLayers, activationSuffix, type ActivationName } from './activation';
import { positiveInt, oneOf, optionalInit, numberIn } from './fields';

export interface DenseSpec {
  type: 'dense';
  units: number;
  activation: ActivationName;
  /** Weight init of this layer (default: the network's). */
  init?: Init;
  /** The bias's initial value (default 0). */
  biasInit?: number;
}

/** `dense(80, 'relu')`: y = act(x·W + b). An image or sequence input is flattened (NHWC: no copy). */
export function dense(units: number, activation: ActivationName = 'linear', options: { init?: Init; biasInit?: number } = {}): DenseSpec {
  return { type: 'dense', units, activation, ...(options.init && { init: options.init }), ...(options.biasInit !== undefined && { biasInit: options.biasInit }) };
}

/** Dense: y = x·W + b, W [in, out] row-major, b [out]. */
export class Dense implements Layer {
  readonly type = 'dense';
  readonly inSize: number;
  readonly outShape: Shape;
  private W = 0; private b = 0; private dW = 0; private db = 0;
  private x = 0; private y = 0; private dx = 0;
  constructor(readonly inShape: Shape, readonly outSize: number, readonly init?: Init, private readonly biasInit = 0) {
    this.inSize = sizeOf(inShape);
    this.outShape = [outSize];
  }
  params(): ParamSpec[] {
    return [
      { name: 'weights', shape: [this.inSize, this.outSize], init: 'weights' },
      { name: 'bias', shape: [this.outSize], init: this.biasInit },
    ];
  }
  bind(params: number[], grads: number[]): void {
    [this.W, this.b] = params;
    [this.dW, this.db] = grads;
  }
  floatsPerRow(): number { return this.outSize + this.inSize; }
  plan(heap: HeapRegions, rows: number, trainRows: number): void {
    this.y = heap.allocF32(rows * this.outSize, 'dense output');
    this.dx = trainRows > 0 ? heap.allocF32(trainRows * this.inSize, 'dense input gradient') : 0;
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
}

export const DENSE: LayerType<DenseSpec> = {
  type: 'dense',
  build: (spec, input) => [new Dense(input, spec.units, spec.init, spec.biasInit ?? 0), ...activationLayers(spec.activation, [spec.units])],
  parse: (json, where) => {
    const spec = dense(positiveInt(json, 'units', where), oneOf(json, 'activation', ACTIVATIONS, where, 'linear'), {
      init: optionalInit(json, where),
      biasInit: json.biasInit === undefined ? undefined : numberIn(json, 'biasInit', where, Number.isFinite, 'a finite number'),
    });
    return spec;
  },
  describe: (spec) => `${spec.units}${activationSuffix(spec.activation)}`,
};
