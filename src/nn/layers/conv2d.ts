import { CONV_FORWARD_MAX_TAPS, winogradTiles, type Kernels } from '../../kernels/kernels';
import type { HeapRegions } from '../../kernels/heap';
import type { ForwardMode, Layer, LayerType, ParamSpec, Shape } from '../layer';
import type { Init } from '../init';
import { fail } from '../../errors';
import { ACTIVATIONS, activationLayers, activationSuffix, type ActivationName } from './activation';
import { positiveInt, oneOf, optionalInit } from './fields';

/**
 * 'same': ⌈n/stride⌉ outputs, TensorFlow's split of the padding (the extra row/column at the end);
 * 'valid': none; [top, left, bottom, right]: zeros added on each side, each less than the kernel
 * (PyTorch's `padding=p` is [p, p, p, p]; ONNX's `pads` are [top, left, bottom, right]).
 */
export type Conv2DPadding = 'same' | 'valid' | [number, number, number, number];

export interface Conv2DSpec {
  type: 'conv2d';
  filters: number;
  kernel: [number, number];
  stride: number;
  padding: Conv2DPadding;
  activation: ActivationName;
  init?: Init;
}

export function conv2d(
  filters: number, kernel: number | [number, number],
  options: { stride?: number; padding?: Conv2DPadding | number; activation?: ActivationName; init?: Init } = {},
): Conv2DSpec {
  const p = options.padding ?? 'same';
  return {
    type: 'conv2d', filters, kernel: typeof kernel === 'number' ? [kernel, kernel] : kernel,
    stride: options.stride ?? 1, padding: typeof p === 'number' ? [p, p, p, p] : p, activation: options.activation ?? 'linear',
    ...(options.init && { init: options.init }),
  };
}

/**
 * Output size and leading padding of a window sweep along one axis: `padding` is 'same', 'valid'
 * or the zeros [before, after] this axis gets.
 */
export function windowGeometry(n: number, k: number, stride: number, padding: 'same' | 'valid' | readonly [number, number]): { out: number; pad: number } {
  if (padding === 'valid') return { out: Math.floor((n - k) / stride) + 1, pad: 0 };
  if (padding !== 'same') return { out: Math.floor((n + padding[0] + padding[1] - k) / stride) + 1, pad: padding[0] };
  const out = Math.ceil(n / stride);
  return { out, pad: Math.floor(Math.max((out - 1) * stride + k - n, 0) / 2) };
}

/** The padding of one axis (0: rows, 1: columns) as windowGeometry takes it. */
const axisPadding = (p: Conv2DPadding, axis: 0 | 1): 'same' | 'valid' | [number, number] => (typeof p === 'string' ? p : [p[axis], p[axis + 2]]);

/** An image input [height, width, channels], or a clear error naming the layer. */
export function imageShape(input: Shape, what: string): readonly [number, number, number] {
  if (input.length !== 3) fail('SHAPE', `${what} needs an image input [height, width, channels], got [${input.join(', ')}]: give the network input as [height, width, channels]`);
  return input as readonly [number, number, number];
}

/**
 * Inference on inputs of at most this many channels (an image's first layer) runs the direct
 * convolution kernel: im2col's runs of c floats are too short to pay for themselves (a 3×3, 12-filter
 * conv on one 28×28 digit: im2col 19 µs + GEMM 11 µs; direct 21 µs, wasm-relaxed).
 */
const DIRECT_MAX_CHANNELS = 4;

/** The cache a Winograd block's tiles (V and M) should fit in. */
const WINOGRAD_BLOCK_BYTES = 1 << 20;

/**
 * 5×5, stride-1 convolutions on more input channels than that run Winograd F(2×2, 5×5)
 * (assembly/winograd.ts): 36 GEMMs over 6×6 input tiles instead of one im2col GEMM, 2.8× fewer
 * multiplies, forward and both backward passes. On fewer channels its GEMMs are too thin to pay.
 */
export const usesWinograd = (kernel: readonly [number, number], stride: number, channels: number): boolean =>
  kernel[0] === 5 && kernel[1] === 5 && stride === 1 && channels > DIRECT_MAX_CHANNELS;

/**
 * Conv2D, NHWC: y = im2col(x)·W + b, W [kh·kw·cin, cout]; im2col turns it into one SIMD GEMM, or
 * Winograd into 36 smaller ones (usesWinograd).
 */
export class Conv2D implements Layer {
  readonly type = 'conv2d';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  private readonly oh: number; private readonly ow: number;
  private readonly padT: number; private readonly padL: number;
  private readonly K: number;
  private W = 0; private b = 0; private dW = 0; private db = 0;
  private cols = 0; private y = 0; private dcols = 0; private dx = 0;
  /** Winograd: tiles per image, and the transformed filters U, their gradient, the tiled input V and products M. */
  private readonly winograd: boolean;
  private readonly tiles: number;
  private u = 0; private du = 0; private v = 0; private m = 0;
  /** The weights U was computed from: U is reused while W still equals them (one image: 25 of ~350 µs). */
  private wSeen = 0;
  /** Images per Winograd block: its tiles' products M stay in cache between their GEMMs and transforms. */
  private readonly block: number;

  constructor(
    readonly inShape: readonly [number, number, number], readonly filters: number, readonly kernel: [number, number],
    readonly stride: number, readonly padding: Conv2DPadding, readonly init?: Init,
  ) {
    const [h, w, c] = inShape;
    const gy = windowGeometry(h, kernel[0], stride, axisPadding(padding, 0)), gx = windowGeometry(w, kernel[1], stride, axisPadding(padding, 1));
    [this.oh, this.padT, this.ow, this.padL] = [gy.out, gy.pad, gx.out, gx.pad];
    this.K = kernel[0] * kernel[1] * c;
    this.inSize = h * w * c;
    this.outShape = [this.oh, this.ow, filters];
    this.outSize = this.oh * this.ow * filters;
    this.winograd = usesWinograd(kernel, stride, c);
    this.tiles = winogradTiles(1, this.oh, this.ow);
    this.block = Math.max(1, Math.floor(WINOGRAD_BLOCK_BYTES / (36 * this.tiles * (c + filters) * 4)));
  }
  params(): ParamSpec[] {
    return [
      { name: 'weights', shape: [this.K, this.filters], init: 'weights' },
      { name: 'bias', shape: [this.filters], init: 0 },
    ];
  }
  bind(params: number[], grads: number[]): void {
    [this.W, this.b] = params;
    [this.dW, this.db] = grads;
  }
  floatsPerRow(): number {
    if (this.winograd) return 36 * this.tiles * this.inShape[2] + this.outSize; // plus M, one block's
    return this.oh * this.ow * this.K + this.outSize;
  }
  trainFloatsPerRow(): number {
    if (this.winograd) return this.floatsPerRow() + this.inSize;
    return 2 * this.oh * this.ow * this.K + this.outSize + this.inSize;
  }
  plan(heap: HeapRegions, rows: number, trainRows: number): void {
    const c = this.inShape[2];
    if (this.winograd) {
      // V, per block [36][tiles][c] (kept for dW; dV overwrites it); M [36][tiles][filters] for one block (then dM).
      this.u = heap.allocF32(36 * c * this.filters, 'Winograd filters');
      this.wSeen = heap.allocF32(this.K * this.filters, 'weights of the Winograd filters'); // zeros: U of zeros
      this.du = trainRows > 0 ? heap.allocF32(36 * c * this.filters, 'Winograd filter gradients') : 0;
      this.v = heap.allocF32(rows * 36 * this.tiles * c, 'Winograd input tiles');
      this.m = heap.allocF32(Math.min(rows, this.block + 3) * 36 * this.tiles * this.filters, 'Winograd tile products'); // + 3: see blocks()
      this.y = heap.allocF32(rows * this.outSize, 'conv output');
      this.dx = trainRows > 0 ? heap.allocF32(trainRows * this.inSize, 'conv input gradient') : 0;
      return;
    }
    const patches = this.oh * this.ow;
    this.cols = heap.allocF32(rows * patches * this.K, 'conv patches');
    this.y = heap.allocF32(rows * this.outSize, 'conv output');
    this.dcols = trainRows > 0 ? heap.allocF32(trainRows * patches * this.K, 'conv patch gradients') : 0;
    this.dx = trainRows > 0 ? heap.allocF32(trainRows * this.inSize, 'conv input gradient') : 0;
  }
  forward(k: Kernels, rows: number, x: number, mode: ForwardMode): number {
    const [h, w, c] = this.inShape, p = rows * this.oh * this.ow;
    if (mode === 'infer' && c <= DIRECT_MAX_CHANNELS && this.K <= CONV_FORWARD_MAX_TAPS) {
      k.convForward(rows, h, w, c, this.kernel[0], this.kernel[1], this.stride, this.padT, this.padL, this.oh, this.ow, this.filters, x, this.W, this.b, this.y);
      return this.y;
    }
    if (this.winograd) {
      if (!k.sameOrCopy32(this.K * this.filters, this.W, this.wSeen)) k.winogradFilter(c, this.filters, this.W, this.u);
      for (const [b0, nb] of this.blocks(rows)) {
        const T = nb * this.tiles, f = this.filters, v = this.v + b0 * 36 * this.tiles * c * 4;
        k.winogradInput(nb, h, w, c, this.padT, this.padL, this.oh, this.ow, x + b0 * this.inSize * 4, v);
        k.gemmBatch(36, 0, 0, T, f, c, v, this.u, this.m, 0); // M = V·U per tile position
        k.winogradOutput(nb, this.oh, this.ow, f, this.m, this.y + b0 * this.outSize * 4);
      }
    } else {
      k.im2col(rows, h, w, c, this.kernel[0], this.kernel[1], this.stride, this.padT, this.padL, this.oh, this.ow, x, this.cols);
      k.gemm(0, 0, p, this.filters, this.K, this.cols, this.W, this.y, 0); // y = cols·W
    }
    k.biasAdd(p, this.filters, this.y, this.b);
    return this.y;
  }
  backward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    const [h, w, c] = this.inShape, p = rows * this.oh * this.ow;
    if (this.winograd) return this.winogradBackward(k, rows, dy, needDx);
    k.gemm(1, 0, this.K, this.filters, p, this.cols, dy, this.dW, 0); // dW = colsᵀ·dy
    k.biasGrad(p, this.filters, dy, this.db, 0);
    if (!needDx) return 0;
    k.gemm(0, 1, p, this.K, this.filters, dy, this.W, this.dcols, 0); // dcols = dy·Wᵀ
    k.col2im(rows, h, w, c, this.kernel[0], this.kernel[1], this.stride, this.padT, this.padL, this.oh, this.ow, this.dcols, this.dx);
    return this.dx;
  }
  /**
   * The Winograd blocks [first image, images] of `rows` images: `block` at a time, except that a last
   * block of fewer than 4 tiles joins the one before (at most 3 images more). A GEMM of under 4 rows
   * takes the few-rows path, which adds in another order than the tiles: an image's outputs would
   * then depend on where a batch or a thread's share cut its block (predict's shares move).
   */
  private blocks(rows: number): [number, number][] {
    const out: [number, number][] = [];
    for (let b0 = 0; b0 < rows; b0 += this.block) out.push([b0, Math.min(this.block, rows - b0)]);
    const last = out[out.length - 1];
    if (out.length > 1 && last[1] * this.tiles < 4 && this.block * this.tiles >= 4) {
      out.pop();
      out[out.length - 1][1] += last[1];
    }
    return out;
  }
  /**
   * The adjoint of each forward step, in reverse, block by block: dM, then dU += Vᵀ·dM (→ dW after
   * the last block), then dV = dM·Uᵀ (over V, which this block no longer needs) → dx.
   */
  private winogradBackward(k: Kernels, rows: number, dy: number, needDx: boolean): number {
    const [h, w, c] = this.inShape, f = this.filters;
    k.biasGrad(rows * this.oh * this.ow, f, dy, this.db, 0);
    for (const [b0, nb] of this.blocks(rows)) {
      const T = nb * this.tiles, v = this.v + b0 * 36 * this.tiles * c * 4;
      k.winogradOutputBackward(nb, this.oh, this.ow, f, dy + b0 * this.outSize * 4, this.m);
      k.gemmBatch(36, 1, 0, c, f, T, v, this.m, this.du, b0 > 0 ? 1 : 0);
      if (!needDx) continue;
      k.gemmBatch(36, 0, 1, T, c, f, this.m, this.u, v, 0);
      k.winogradInputBackward(nb, h, w, c, this.padT, this.padL, this.oh, this.ow, v, this.dx + b0 * this.inSize * 4);
    }
    k.winogradFilterBackward(c, f, this.du, this.dW);
    return needDx ? this.dx : 0;
  }
}

export const CONV2D: LayerType<Conv2DSpec> = {
  type: 'conv2d',
  build(spec, input, { index }) {
    const where = `layer ${index} (conv2d)`;
    const shape = imageShape(input, where);
    const p = spec.padding;
    if (Array.isArray(p) && !(p.length === 4 && p.every((v, i) => Number.isSafeInteger(v) && v >= 0 && v < spec.kernel[i % 2]))) {
      fail('SHAPE', `${where}: padding [top, left, bottom, right] must be integers from 0 to the kernel size − 1 (${spec.kernel.join('×')}), got ${JSON.stringify(p)}`);
    }
    if (p !== 'same') {
      const [t, l, b, r] = p === 'valid' ? [0, 0, 0, 0] : p;
      if (spec.kernel[0] > shape[0] + t + b || spec.kernel[1] > shape[1] + l + r) {
        fail('SHAPE', `${where}: a ${spec.kernel.join('×')} ${p === 'valid' ? "'valid'" : `padding ${JSON.stringify(p)}`} convolution does not fit a ${shape[0]}×${shape[1]} input`);
      }
    }
    const conv = new Conv2D(shape, spec.filters, spec.kernel, spec.stride, spec.padding, spec.init);
    return [conv, ...activationLayers(spec.activation, conv.outShape)];
  },
  parse(json, where) {
    const k = json.kernel;
    const kernel = (typeof k === 'number' ? [k, k] : k) as unknown;
    if (!Array.isArray(kernel) || kernel.length !== 2 || !kernel.every((v) => Number.isSafeInteger(v) && v > 0)) {
      fail('SHAPE', `${where}: kernel must be a positive integer or [height, width], got ${JSON.stringify(k)}`);
    }
    return conv2d(positiveInt(json, 'filters', where), kernel as [number, number], {
      stride: positiveInt(json, 'stride', where, 1),
      padding: parsePadding(json.padding, where),
      activation: oneOf(json, 'activation', ACTIVATIONS, where, 'linear'),
      init: optionalInit(json, where),
    });
  },
  describe: (s) => `conv${s.kernel.join('×')}×${s.filters}${s.stride > 1 ? `/${s.stride}` : ''}${describePadding(s.padding)}${activationSuffix(s.activation)}`,
};

function parsePadding(p: unknown, where: string): Conv2DPadding | number {
  if (p === undefined || p === 'same' || p === 'valid') return p ?? 'same';
  if (Number.isSafeInteger(p) && (p as number) >= 0) return p as number;
  if (Array.isArray(p) && p.length === 4 && p.every((v) => Number.isSafeInteger(v) && v >= 0)) return p as [number, number, number, number];
  return fail('SHAPE', `${where}: padding must be 'same', 'valid', a non-negative integer or [top, left, bottom, right], got ${JSON.stringify(p)}`);
}

/** Explicit zeros are shown (`conv3×3×8/2p1`, `conv3×3×8p0,1,1,1`); 'same' and 'valid' are not. */
function describePadding(p: Conv2DPadding): string {
  if (typeof p === 'string') return '';
  return p.every((v) => v === p[0]) ? `p${p[0]}` : `p${p.join(',')}`;
}
