// The efficient unitary RNN of docs/eurnn.md as a layer: a complex hidden state h_t ∈ C^N,
//   z_t = U h_{t−1} + (W_in x_t + b_in)   (the input on the real part)
//   h_t = modReLU(z_t; b)
//   y   = Re(h_T)                         (the layer's output, [N]; a dense layer reads it out)
// with U = R_{c−1} ⋯ R_0 a product of c rotation layers (shifted by one component for odd c, as
// torch_eunn does). The input is a sequence [steps, features]: pixel-by-pixel MNIST is [784, 1].
// Backpropagation through time stores h_0 … h_T (modReLU cannot be inverted) and recomputes each
// step's rotation-layer outputs from h_{t−1}.
//
// Parameters, in this order (the spec's seed model, with the readout as the next dense layer):
//   angles [c, N] (layer ℓ's φ at 2k, θ at 2k+1) · modrelu.bias [N] · input.weights [D, N] · input.bias [N]
import type { Kernels } from '../../kernels/kernels';
import type { Heap, HeapRegions } from '../../kernels/heap';
import type { ForwardMode, Layer, LayerType, ParamSpec, Shape } from '../layer';
import type { Init } from '../init';
import { fail } from '../../errors';
import { rotationCoefficients } from '../eurnn-coefficients';
import { positiveInt, optionalInit } from './fields';
import { dense, type DenseSpec } from './dense';

export interface EurnnSpec {
  type: 'eurnn';
  /** Hidden size N (even). */
  units: number;
  /** Number of rotation layers c ≥ 1. */
  capacity: number;
  /** Init of input.weights (default: the reference's uniform ±√2/√11). */
  init?: Init;
}

/** The reference initialisation's limit for the input and readout weights, √2/√(1 + 10) (spec §5). */
export const EURNN_WEIGHT_LIMIT = Math.sqrt(2) / Math.sqrt(11);

/** `eurnn(256, { capacity: 2 })` on an input [steps, features]; follow it with e.g. dense(10). */
export function eurnn(units: number, options: { capacity?: number; init?: Init } = {}): EurnnSpec {
  return { type: 'eurnn', units, capacity: options.capacity ?? 2, ...(options.init && { init: options.init }) };
}

export class EurnnLayer implements Layer {
  readonly type = 'eurnn';
  readonly inSize: number;
  readonly outSize: number;
  readonly outShape: Shape;
  readonly steps: number;
  readonly features: number;
  private P: number[] = []; // angles, modrelu.bias, input.weights, input.bias
  private G: number[] = [];
  private heap?: Heap;
  private h = 0; private layerOut = 0; private z = 0; private g = 0; private re = 0; private coeffs = 0;
  private x = 0; private rows = 0;

  constructor(readonly inShape: readonly [number, number], readonly hidden: number, readonly capacity: number, readonly init: Init) {
    [this.steps, this.features] = inShape;
    this.inSize = this.steps * this.features;
    this.outSize = hidden;
    this.outShape = [hidden];
  }

  params(): ParamSpec[] {
    const N = this.hidden;
    return [
      { name: 'angles', shape: [this.capacity, N], init: (v, rng) => { for (let i = 0; i < v.length; i++) v[i] = rng.uniform(0, 2 * Math.PI); } },
      { name: 'modrelu.bias', shape: [N], init: 0.01 },
      { name: 'input.weights', shape: [this.features, N], init: 'weights' },
      { name: 'input.bias', shape: [N], init: 0.01 },
    ];
  }
  bind(params: number[], grads: number[]): void {
    this.P = params;
    this.G = grads;
  }
  private get state(): number {
    return 8 * this.rows * this.hidden; // bytes of one complex state of `rows` rows (set per pass)
  }
  floatsPerRow(): number {
    return 2 * 2 * this.hidden + 2 * this.hidden + this.hidden; // two states (ping-pong), z, Re(h_T)
  }
  trainFloatsPerRow(): number {
    return 2 * this.hidden * (this.steps + 1 + this.capacity + 2) + this.hidden;
  }
  plan(heap: HeapRegions, rows: number, trainRows: number): void {
    this.heap = heap.heap;
    const state = 2 * this.hidden; // floats of one complex state row
    this.h = heap.allocF32(Math.max(rows * 2, trainRows * (this.steps + 1)) * state, 'EURNN hidden states');
    this.layerOut = trainRows > 0 ? heap.allocF32(trainRows * state * this.capacity, 'EURNN layer outputs') : 0;
    this.z = heap.allocF32(rows * state, 'EURNN pre-activation');
    this.g = trainRows > 0 ? heap.allocF32(trainRows * state, 'EURNN state gradient') : 0;
    this.re = heap.allocF32(rows * this.hidden, 'EURNN output Re(h_T)');
    this.coeffs = heap.allocF32(4 * this.hidden * this.capacity, 'EURNN rotation coefficients');
  }

  private writeCoefficients(): void {
    const f = this.heap!.views().f32, N = this.hidden, a0 = this.P[0] >>> 2, out = this.heap!.f32(this.coeffs, 4 * N * this.capacity);
    for (let l = 0; l < this.capacity; l++) rotationCoefficients(f.subarray(a0 + l * N, a0 + (l + 1) * N), N, out, l * 4 * N);
  }

  /** For odd capacity the output is shifted by one component: out[j] = in[(j + 1) mod N], per row. */
  private roll(ptr: number, back: boolean): void {
    const w = 2 * this.hidden, f = this.heap!.views().f32; // called every time step: no per-row views
    for (let o = ptr >>> 2, end = o + this.rows * w; o < end; o += w) {
      if (!back) {
        const re = f[o], im = f[o + 1];
        f.copyWithin(o, o + 2, o + w);
        f[o + w - 2] = re; f[o + w - 1] = im;
      } else {
        const re = f[o + w - 2], im = f[o + w - 1];
        f.copyWithin(o + 2, o, o + w - 2);
        f[o] = re; f[o + 1] = im;
      }
    }
  }

  /** dst = U·src (+ shift), leaving each rotation layer's output in layerOut when `keep`. */
  private unitary(k: Kernels, src: number, dst: number, keep: boolean): void {
    const N = this.hidden, c = this.capacity, state = this.state;
    let from = src;
    for (let l = 0; l < c; l++) {
      const to = keep ? this.layerOut + l * state : dst;
      k.rotationForward(this.rows, N, l & 1, this.coeffs + l * 16 * N, from, to);
      from = to;
    }
    if (keep) this.heap!.views().u8.copyWithin(dst, from, from + state);
    if (c & 1) this.roll(dst, false);
  }

  forward(k: Kernels, rows: number, x: number, mode: ForwardMode): number {
    const training = mode !== 'infer'; // keep every state for backward
    const N = this.hidden, D = this.features, T = this.steps, xStride = this.inSize;
    this.x = x;
    this.rows = rows;
    const state = this.state;
    this.writeCoefficients();
    this.heap!.views().u8.fill(0, this.h, this.h + state); // h_0 = 0
    const [, bias, wIn, bIn] = this.P;
    for (let t = 1; t <= T; t++) {
      const prev = this.h + (training ? t - 1 : (t - 1) & 1) * state;
      const next = this.h + (training ? t : t & 1) * state;
      this.unitary(k, prev, this.z, false);
      k.complexInputForward(rows, N, D, x + (t - 1) * D * 4, xStride, wIn, bIn, this.z); // z += W_in·x_t + b_in
      k.modReluForward(rows, N, this.z, bias, next); // h_t = modReLU(z)
    }
    // y = Re(h_T)
    const last = (this.h + (training ? T : T & 1) * state) >>> 2, f = this.heap!.views().f32, re = this.re >>> 2;
    for (let i = 0; i < rows * N; i++) f[re + i] = f[last + 2 * i];
    return this.re;
  }

  /** BPTT after a training forward pass; dy = ∂L/∂Re(h_T) [rows, N]. Gradients are written (not added). */
  backward(k: Kernels, rows: number, dy: number): number {
    const N = this.hidden, D = this.features, c = this.capacity, state = this.state, xStride = this.inSize;
    const f = this.heap!.views().f32;
    const [, bias, wIn, bIn] = this.P;
    const [gAngles, gBias, gWIn, gBIn] = this.G;
    f.fill(0, gAngles >>> 2, (gAngles >>> 2) + c * N); // the kernels ADD their sums
    f.fill(0, gBias >>> 2, (gBias >>> 2) + N);
    f.fill(0, gWIn >>> 2, (gWIn >>> 2) + D * N);
    f.fill(0, gBIn >>> 2, (gBIn >>> 2) + N);
    const g = this.g >>> 2, d = dy >>> 2;
    for (let i = 0; i < rows * N; i++) { f[g + 2 * i] = f[d + i]; f[g + 2 * i + 1] = 0; } // ĝ_{h_T} = dy + 0i
    for (let t = this.steps; t >= 1; t--) {
      const xt = this.x + (t - 1) * D * 4;
      // Recompute z_t and the rotation-layer outputs from h_{t−1}.
      this.unitary(k, this.h + (t - 1) * state, this.z, true);
      k.complexInputForward(rows, N, D, xt, xStride, wIn, bIn, this.z);
      k.modReluBackward(rows, N, this.z, bias, this.g, this.g, gBias);
      k.complexInputBackward(rows, N, D, xt, xStride, this.g, gWIn, gBIn);
      if (c & 1) this.roll(this.g, true);
      for (let l = c - 1; l >= 0; l--) {
        k.rotationBackward(rows, N, l & 1, this.coeffs + l * 16 * N, this.layerOut + l * state, this.g, this.g, gAngles + l * 4 * N);
      }
    }
    return 0;
  }

  /** The hidden states h_0 … h_T of the last training forward pass (tests). */
  states(): Float32Array {
    return this.heap!.read(this.h, 2 * this.rows * this.hidden * (this.steps + 1));
  }
}

export const EURNN: LayerType<EurnnSpec> = {
  type: 'eurnn',
  build(spec, input, { index }) {
    const where = `layer ${index} (eurnn)`;
    if (index !== 0) fail('SHAPE', `${where}: the EURNN layer must be the first layer (it does not pass gradients to earlier layers)`);
    if (input.length !== 2) fail('SHAPE', `${where} needs a sequence input [steps, features], got [${input.join(', ')}] (pixel-by-pixel MNIST: input [784, 1])`);
    return [new EurnnLayer(input as readonly [number, number], spec.units, spec.capacity, spec.init ?? { kind: 'uniform', limit: EURNN_WEIGHT_LIMIT })];
  },
  parse(json, where) {
    const units = positiveInt(json, 'units', where);
    if (units < 2 || units % 2 !== 0) fail('SHAPE', `${where}: units must be an even integer ≥ 2 (rotation layers act on pairs), got ${units}`);
    return eurnn(units, { capacity: positiveInt(json, 'capacity', where, 2), init: optionalInit(json, where) });
  },
  describe: (s) => `eurnn${s.units}×${s.capacity}`,
};

/**
 * The spec's seed model as a layer list: eurnn(units) read out by a dense layer with the
 * reference initialisation (weights uniform ±√2/√11, biases 0.01). Input [steps, features].
 */
export function eurnnClassifier(units = 256, options: { capacity?: number; classes?: number } = {}): [EurnnSpec, DenseSpec] {
  return [eurnn(units, { capacity: options.capacity ?? 2 }), dense(options.classes ?? 10, 'linear', { init: { kind: 'uniform', limit: EURNN_WEIGHT_LIMIT }, biasInit: 0.01 })];
}
