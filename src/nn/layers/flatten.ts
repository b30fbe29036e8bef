import type { Layer, LayerType, ParamSpec, Shape } from '../layer';
import { sizeOf } from '../layer';

export interface FlattenSpec { type: 'flatten' }

export function flatten(): FlattenSpec {
  return { type: 'flatten' };
}

/** y = x viewed as [size]: activations are stored row-major (NHWC), so no data moves. */
export class Flatten implements Layer {
  readonly type = 'flatten';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  constructor(readonly inShape: Shape) {
    this.inSize = this.outSize = sizeOf(inShape);
    this.outShape = [this.outSize];
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  plan(): void {}
  forward(_k: unknown, _rows: number, x: number): number { return x; }
  backward(_k: unknown, _rows: number, dy: number, needDx: boolean): number { return needDx ? dy : 0; }
}

export const FLATTEN: LayerType<FlattenSpec> = {
  type: 'flatten',
  build: (_spec, input) => [new Flatten(input)],
  parse: () => flatten(),
  describe: () => 'flatten',
};
