import type { Kernels } from '../kernels/kernels';
import type { Heap } from '../kernels/heap';
import type { Layer, LayerJson, ParamSpec } from './layers';
import type { Init } from './init';
import { Rng } from '../rng';

/** [height, width, channels]; activations are stored NHWC, so a flat view needs no copy. */
export type Shape3 = readonly [number, number, number];

/** Output size and leading padding of a window sweep ('same': ⌈n/stride⌉ outputs, TensorFlow's split). */
export function windowGeometry(n: number, k: number, stride: number, padding: 'same' | 'valid'): { out: number; pad: number } {
  if (padding === 'valid') return { out: Math.floor((n - k) / stride) + 1, pad: 0 };
  const out = Math.ceil(n / stride);
  return { out, pad: Math.floor(Math.max((out - 1) * stride + k - n, 0) / 2) };
}

/** Conv2D: y = im2col(x)·W + b, W [kh·kw·cin, cout]; im2col turns it into one SIMD GEMM. */
export class Conv2D implements Layer {
  readonly type = 'conv2d';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape3;
  private readonly oh: number; private readonly ow: number;
  private readonly padT: number; private readonly padL: number;
  private readonly K: number;
  private W = 0; private b = 0; private dW = 0; private db = 0;
  private cols = 0; private y = 0; private dcols = 0; private dx = 0;

  constructor(
    readonly inShape: Shape3, readonly filters: number, readonly kernel: [number, number],
    readonly stride: number, readonly padding: 'same' | 'valid', readonly init?: Init,
  ) {
    const [h, w, c] = inShape;
    const gy = windowGeometry(h, kernel[0], stride, padding), gx = windowGeometry(w, kernel[1], stride, padding);
    [this.oh, this.padT, this.ow, this.padL] = [gy.out, gy.pad, gx.out, gx.pad];
    this.K = kernel[0] * kernel[1] * c;
    this.inSize = h * w * c;
    this.outShape = [this.oh, this.ow, filters];
    this.outSize = this.oh * this.ow * filters;
  }
  params(): ParamSpec[] {
    return [
      { name: 'weights', shape: [this.K, this.filters], role: 'weights' },
      { name: 'bias', shape: [this.filters], role: 'bias' },
    ];
  }
  bind(params: number[], grads: number[]): void {
    [this.W, this.b] = params;
    [this.dW, this.db] = grads;
  }
  floatsPerRow(): number {
    return 2 * this.oh * this.ow * this.K + this.outSize + this.inSize;
  }
  plan(heap: Heap, capacity: number): void {
    const patches = capacity * this.oh * this.ow;
    this.cols = heap.allocF32(patches * this.K, 'conv patches');
    this.y = heap.allocF32(capacity * this.outSize, 'conv output');
    this.dcols = heap.allocF32(patches * this.K, 'conv patch gradients');
    this.dx = heap.allocF32(capacity * this.inSize, 'conv input gradient');
  }
  forward(k: Kernels, rows: number, x: number): number {
    const [h, w, c] = this.inShape, p = rows * this.oh * this.ow;
    k.im2col(rows, h, w, c, this.kernel[0], this.kernel[1], this.stride, this.padT, this.padL, this.oh, this.ow, x, this.cols);
    k.gemm(0, 0, p, this.filters, this.K, this.cols, this.W, this.y, 0); // y = cols·W
    k.biasAdd(p, this.filters, this.y, this.b);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    const [h, w, c] = this.inShape, p = rows * this.oh * this.ow;
    k.gemm(1, 0, this.K, this.filters, p, this.cols, dy, this.dW, 0); // dW = colsᵀ·dy
    k.biasGrad(p, this.filters, dy, this.db, 0);
    if (!needDx) return 0;
    k.gemm(0, 1, p, this.K, this.filters, dy, this.W, this.dcols, 0); // dcols = dy·Wᵀ
    k.col2im(rows, h, w, c, this.kernel[0], this.kernel[1], this.stride, this.padT, this.padL, this.oh, this.ow, this.dcols, this.dx);
    return this.dx;
  }
  toJSON(): LayerJson {
    return { type: 'conv2d', inShape: [...this.inShape], filters: this.filters, kernel: this.kernel, stride: this.stride, padding: this.padding };
  }
}

/** MaxPool2D ('valid' windows): y = max over each window; the gradient goes to each maximum. */
export class MaxPool2D implements Layer {
  readonly type = 'maxPool2d';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape3;
  private y = 0; private arg = 0; private dx = 0;
  constructor(readonly inShape: Shape3, readonly size: number, readonly stride: number) {
    const [h, w, c] = inShape;
    this.outShape = [Math.floor((h - size) / stride) + 1, Math.floor((w - size) / stride) + 1, c];
    this.inSize = h * w * c;
    this.outSize = this.outShape[0] * this.outShape[1] * c;
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  floatsPerRow(): number { return 2 * this.outSize + this.inSize; }
  plan(heap: Heap, capacity: number): void {
    this.y = heap.allocF32(capacity * this.outSize, 'pool output');
    this.arg = heap.allocI32(capacity * this.outSize, 'pool argmax');
    this.dx = heap.allocF32(capacity * this.inSize, 'pool input gradient');
  }
  forward(k: Kernels, rows: number, x: number): number {
    const [h, w, c] = this.inShape;
    k.maxPoolForward(rows, h, w, c, this.size, this.size, this.stride, this.outShape[0], this.outShape[1], x, this.y, this.arg);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    if (!needDx) return 0;
    k.maxPoolBackward(rows * this.outSize, dy, this.arg, rows * this.inSize, this.dx);
    return this.dx;
  }
  toJSON(): LayerJson {
    return { type: 'maxPool2d', inShape: [...this.inShape], size: this.size, stride: this.stride };
  }
}

/**
 * Dropout: while training, y = x · mask with mask ∈ {0, 1/keep} drawn from a seeded RNG per batch;
 * at evaluation y = x. The mask is drawn in TypeScript (a few thousand numbers per batch) and
 * applied by the `multiply` kernel.
 */
export class Dropout implements Layer {
  readonly type = 'dropout';
  readonly inSize: number;
  readonly outSize: number;
  training = false;
  private mask = 0; private y = 0;
  private heap?: Heap;
  private readonly rng: Rng;
  constructor(readonly rate: number, size: number, seed: number) {
    this.inSize = this.outSize = size;
    this.rng = new Rng(seed);
  }
  params(): ParamSpec[] { return []; }
  bind(): void {}
  floatsPerRow(): number { return 2 * this.outSize; }
  plan(heap: Heap, capacity: number): void {
    this.heap = heap;
    this.mask = heap.allocF32(capacity * this.outSize, 'dropout mask');
    this.y = heap.allocF32(capacity * this.outSize, 'dropout output');
  }
  forward(k: Kernels, rows: number, x: number): number {
    if (!this.training || this.rate === 0) return x;
    const n = rows * this.outSize, keep = 1 - this.rate, scale = 1 / keep;
    const f = this.heap!.views().f32, m0 = this.mask >>> 2;
    for (let i = 0; i < n; i++) f[m0 + i] = this.rng.next() < keep ? scale : 0;
    k.multiply(n, x, this.mask, this.y);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number): number {
    if (!this.training || this.rate === 0) return dy;
    k.multiply(rows * this.outSize, dy, this.mask, dy);
    return dy;
  }
  /** The RNG state, for checkpoints. */
  rngState(): number[] { return this.rng.getState(); }
  setRngState(s: readonly number[]): void { this.rng.setState(s); }
  toJSON(): LayerJson {
    return { type: 'dropout', rate: this.rate, size: this.outSize };
  }
}
