import type { Layer, LayerType, ParamSpec, Shape } from '../layer';
import { sizeOf } from '../layer';
import { fail } from '../../errors';

export interface ReshapeSpec { type: 'reshape'; shape: number[] }

/**
 * `reshape([28, 28, 1])`: the same values seen with another shape (same count), e.g. flat features
 * as an image for conv2d. Row-major: no data moves.
 */
export function reshape(shape: readonly number[]): ReshapeSpec {
  return { type: 'reshape', shape: [...shape] };
}

export class Reshape implements Layer {
  readonly type = 'reshape';
  readonly inSize: number;
  readonly outSize: number;
  constructor(readonly inShape: Shape, readonly outShape: Shape) {
    this.inSize = this.outSize = sizeOf(inShape);
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  plan(): void {}
  forward(_k: unknown, _rows: number, x: number): number { return x; } // y = x
  backward(_k: unknown, _rows: number, dy: number, needDx: boolean): number { return needDx ? dy : 0; } // dx = dy
}

export const RESHAPE: LayerType<ReshapeSpec> = {
  type: 'reshape',
  build(spec, input, { index }) {
    if (sizeOf(spec.shape) !== sizeOf(input)) {
      fail('SHAPE', `layer ${index} (reshape): [${spec.shape.join(', ')}] holds ${sizeOf(spec.shape)} values, the input [${input.join(', ')}] has ${sizeOf(input)}`);
    }
    return [new Reshape(input, spec.shape)];
  },
  parse(json, where) {
    const shape = json.shape;
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > 4 || !shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
      fail('SHAPE', `${where}: shape must be a list of 1 to 4 positive integers, got ${JSON.stringify(shape)}`);
    }
    return reshape(shape as number[]);
  },
  describe: (s) => `reshape${s.shape.join('×')}`,
};
