import type { Kernels } from '../../kernels/kernels';
import type { Heap, HeapRegions } from '../../kernels/heap';
import type { ForwardMode, Layer, LayerType, ParamSpec, Shape } from '../layer';
import { sizeOf } from '../layer';
import { Rng } from '../../rng';
import { fail } from '../../errors';
import { numberIn } from './fields';

export interface DropoutSpec { type: 'dropout'; rate: number }

export function dropout(rate: number): DropoutSpec {
  return { type: 'dropout', rate };
}

/**
 * Dropout: while training, y = x · mask with mask ∈ {0, 1/keep} drawn from a seeded RNG per batch;
 * at inference y = x. The mask is drawn in TypeScript (a few thousand numbers per batch) and
 * applied by the `multiply` kernel. The RNG state is the layer's state (checkpoints carry it).
 */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  private mask = 0; private y = 0;
  private heap?: Heap;
  /** Whether the last forward pass applied a mask (backward applies the same one). */
  private masked = false;
  private readonly rng: Rng;
  /** The next forward pass's rows within their batch (threads), else null: the whole batch. */
  private share: { offset: number; total: number } | null = null;
  constructor(readonly rate: number, readonly inShape: Shape, seed: number) {
    this.outShape = inShape;
    this.inSize = this.outSize = sizeOf(inShape);
    this.rng = new Rng(seed);
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  plan(heap: HeapRegions, _rows: number, trainRows: number): void {
    this.heap = heap.heap;
    this.mask = trainRows > 0 ? heap.allocF32(trainRows * this.outSize, 'dropout mask') : 0;
    this.y = trainRows > 0 ? heap.allocF32(trainRows * this.outSize, 'dropout output') : 0;
  }
  forward(k: Kernels, rows: number, x: number, mode: ForwardMode): number {
    const share = this.share;
    this.share = null;
    this.masked = mode === 'train' && this.rate > 0;
    if (!this.masked) return x;
    const n = rows * this.outSize, keep = 1 - this.rate, scale = 1 / keep;
    const f = this.heap!.views().f32, m0 = this.mask >>> 2;
    // A thread's share of a batch: skip the draws of the rows before it, and after it those of the
    // rows after it, so the stream (and every mask) is the whole batch's.
    if (share) for (let i = share.offset * this.outSize; i > 0; i--) this.rng.nextUint32();
    for (let i = 0; i < n; i++) f[m0 + i] = this.rng.next() < keep ? scale : 0;
    if (share) for (let i = (share.total - share.offset - rows) * this.outSize; i > 0; i--) this.rng.nextUint32();
    k.multiply(n, x, this.mask, this.y); // y = x · mask
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number): number {
    if (this.masked) k.multiply(rows * this.outSize, dy, this.mask, dy); // dx = dy · mask
    return dy;
  }
  slice(offset: number, total: number): void { this.share = { offset, total }; }
  getState(): number[] { return this.rng.getState(); }
  setState(s: readonly number[]): void { this.rng.setState(s); }
}

export const DROPOUT: LayerType<DropoutSpec> = {
  type: 'dropout',
  build(spec, input, { seed, index }) {
    if (!(spec.rate >= 0 && spec.rate < 1)) fail('SHAPE', `layer ${index} (dropout): rate must be in [0, 1), got ${spec.rate}`);
    return [new Dropout(spec.rate, input, seed + 1000 + index)];
  },
  parse: (json, where) => dropout(numberIn(json, 'rate', where, (v) => v >= 0 && v < 1, 'in [0, 1)')),
  describe: (s) => `dropout${s.rate}`,
};
