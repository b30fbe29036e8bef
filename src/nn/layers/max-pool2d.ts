import type { Kernels } from '../../kernels/kernels';
import type { HeapRegions } from '../../kernels/heap';
import type { ForwardMode, Layer, LayerType, ParamSpec, Shape } from '../layer';
import { fail } from '../../errors';
import { imageShape } from './conv2d';
import { positiveInt } from './fields';

export interface MaxPool2DSpec { type: 'maxPool2d'; size: number; stride: number }

export function maxPool2d(size = 2, options: { stride?: number } = {}): MaxPool2DSpec {
  return { type: 'maxPool2d', size, stride: options.stride ?? size };
}

/** MaxPool2D ('valid' windows), NHWC: y = max over each window; the gradient goes to each maximum. */
export class MaxPool2D implements Layer {
  readonly type = 'maxPool2d';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  private y = 0; private arg = 0; private dx = 0;
  constructor(readonly inShape: readonly [number, number, number], readonly size: number, readonly stride: number) {
    const [h, w, c] = inShape;
    this.outShape = [Math.floor((h - size) / stride) + 1, Math.floor((w - size) / stride) + 1, c];
    this.inSize = h * w * c;
    this.outSize = this.outShape[0] * this.outShape[1] * c;
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  floatsPerRow(): number { return 2 * this.outSize; }
  plan(heap: HeapRegions, rows: number, trainRows: number): void {
    this.y = heap.allocF32(rows * this.outSize, 'pool output');
    this.arg = heap.allocI32(rows * this.outSize, 'pool argmax');
    this.dx = trainRows > 0 ? heap.allocF32(trainRows * this.inSize, 'pool input gradient') : 0;
  }
  forward(k: Kernels, rows: number, x: number, mode: ForwardMode): number {
    const [h, w, c] = this.inShape;
    // Inference keeps no argmax indices: only backward reads them.
    k.maxPoolForward(rows, h, w, c, this.size, this.size, this.stride, this.outShape[0], this.outShape[1], x, this.y, mode === 'infer' ? 0 : this.arg);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    k.maxPoolBackward(rows * this.outSize, dy, this.arg, rows * this.inSize, this.dx);
    return this.dx;
  }
}

export const MAX_POOL2D: LayerType<MaxPool2DSpec> = {
  type: 'maxPool2d',
  build(spec, input, { index }) {
    const where = `layer ${index} (maxPool2d)`;
    const shape = imageShape(input, where);
    if (spec.size > shape[0] || spec.size > shape[1]) fail('SHAPE', `${where}: size ${spec.size} (stride ${spec.stride}) does not fit a ${shape[0]}×${shape[1]} input`);
    return [new MaxPool2D(shape, spec.size, spec.stride)];
  },
  parse(json, where) {
    const size = positiveInt(json, 'size', where, 2);
    return maxPool2d(size, { stride: positiveInt(json, 'stride', where, size) });
  },
  describe: (s) => `pool${s.size}${s.stride !== s.size ? `/${s.stride}` : ''}`,
};
