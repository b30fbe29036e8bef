// The EURNN as simdnet 0.1 implemented it (its own model class beside Network), kept as the oracle
// that the eurnn layer of today is checked against: same parameters → same loss and gradients.
// The efficient unitary RNN of docs/eurnn.md: a complex hidden state h_t ∈ C^N,
//   z_t = U h_{t−1} + (W_in x_t + b_in)   (the input on the real part)
//   h_t = modReLU(z_t; b)
//   logits = W_out · Re(h_T) + b_out
// with U = R_{c−1} ⋯ R_0 a product of c rotation layers (shifted by one component for odd c, as
// torch_eunn does). Backpropagation through time stores h_0 … h_T (the only thing it must keep:
// modReLU cannot be inverted) and recomputes each step's layer outputs from h_{t−1}.
//
// Parameters form one block (one RMSprop call), in this order:
//   angles [c, N] (layer ℓ's φ at 2k, θ at 2k+1) · modReLU bias [N] · W_in [D, N] · b_in [N] ·
//   W_out [N, K] · b_out [K].
import type { Backend } from '../../src/kernels/backend';
import type { HeapRegions } from '../../src/kernels/heap';
import type { Kernels } from '../../src/kernels/kernels';
import { Rng } from '../../src/rng';
import { ShapeError, SimdnetError } from '../../src/errors';
import { rotationCoefficients } from '../../src/nn/eurnn-coefficients';

export interface EurnnConfig {
  /** Hidden size N (even). Default 256. */
  hidden?: number;
  /** Number of rotation layers c ≥ 1. Default 2. */
  capacity?: number;
  /** Values per time step D. Default 1 (one pixel). */
  inputSize?: number;
  /** Output classes K. Default 10. */
  classes?: number;
  seed?: number;
}

export interface EurnnTensor {
  name: string;
  offset: number;
  count: number;
}

/** Buffers for one batch size and sequence length. */
interface Plan {
  regions: HeapRegions;
  rows: number;
  steps: number;
  storeAll: boolean;
  h: number; // (steps + 1) states when storeAll, else 2 (ping-pong)
  layerOut: number; // c states: each rotation layer's output (backward's recomputation)
  z: number;
  g: number;
  re: number; // [rows, N] real parts of h_T, then their gradient
  logits: number;
  dLogits: number;
  labels: number;
  stats: number;
  coeffs: number; // c · 4N floats
}

export class Eurnn {
  readonly hidden: number;
  readonly capacity: number;
  readonly inputSize: number;
  readonly classes: number;
  readonly paramCount: number;
  readonly tensors: EurnnTensor[];
  readonly paramsPtr: number;
  readonly gradsPtr: number;
  private readonly kernels: Kernels;
  private plan?: Plan;

  constructor(readonly backend: Backend, config: EurnnConfig = {}) {
    const N = (this.hidden = config.hidden ?? 256);
    const c = (this.capacity = config.capacity ?? 2);
    const D = (this.inputSize = config.inputSize ?? 1);
    const K = (this.classes = config.classes ?? 10);
    if (!Number.isInteger(N) || N < 2 || N % 2 !== 0) throw new ShapeError('SHAPE', `Eurnn: hidden size must be an even integer ≥ 2, got ${N}`);
    for (const [name, v] of [['capacity', c], ['inputSize', D], ['classes', K]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new ShapeError('SHAPE', `Eurnn: ${name} must be a positive integer, got ${v}`);
    }
    const shapes: [string, number][] = [['angles', c * N], ['modrelu.bias', N], ['input.weights', D * N], ['input.bias', N], ['output.weights', N * K], ['output.bias', K]];
    let offset = 0;
    this.tensors = shapes.map(([name, count]) => {
      const t = { name, offset, count };
      offset += count;
      return t;
    });
    this.paramCount = offset;
    this.kernels = backend.rawKernels;
    this.paramsPtr = backend.heap.allocF32(offset, 'EURNN parameters');
    this.gradsPtr = backend.heap.allocF32(offset, 'EURNN gradients');
    this.initialize(config.seed ?? 1);
  }

  /** The seed model's initialisation (spec §5): angles U[0, 2π), weights U(±√2/√11), biases 0.01. */
  initialize(seed: number): void {
    const rng = new Rng(seed);
    const v = Math.sqrt(2) / Math.sqrt(1 + 10);
    const p = new Float32Array(this.paramCount);
    for (const t of this.tensors) {
      for (let i = 0; i < t.count; i++) {
        p[t.offset + i] = t.name === 'angles' ? rng.uniform(0, 2 * Math.PI) : t.name.endsWith('weights') ? rng.uniform(-v, v) : 0.01;
      }
    }
    this.setParams(p);
  }

  ptr(name: string, grads = false): number {
    const t = this.tensors.find((x) => x.name === name);
    if (!t) throw new SimdnetError('ARGUMENT', `Eurnn: no tensor '${name}'`);
    return (grads ? this.gradsPtr : this.paramsPtr) + t.offset * 4;
  }
  getParams(): Float32Array { return this.backend.heap.read(this.paramsPtr, this.paramCount); }
  getGrads(): Float32Array { return this.backend.heap.read(this.gradsPtr, this.paramCount); }
  setParams(p: ArrayLike<number>): void {
    if (p.length !== this.paramCount) throw new ShapeError('SHAPE', `Eurnn.setParams: ${p.length} values for ${this.paramCount} parameters`);
    this.backend.heap.write(this.paramsPtr, p);
  }

  describe(): string {
    return `EURNN N=${this.hidden} capacity ${this.capacity} input ${this.inputSize} → ${this.classes}, ${this.paramCount.toLocaleString('en')} parameters`;
  }

  /** Plans buffers for `rows` sequences of `steps` steps; storeAll keeps every state (training). */
  private planFor(rows: number, steps: number, storeAll: boolean): Plan {
    const p = this.plan;
    if (p && p.rows === rows && p.steps === steps && (p.storeAll || !storeAll)) return p;
    p?.regions.release();
    const heap = this.backend.heap.group('EURNN reference plan');
    const state = 2 * rows * this.hidden; // floats of one complex state
    const plan: Plan = {
      rows, steps, storeAll, regions: heap,
      h: heap.allocF32(state * (storeAll ? steps + 1 : 2), 'EURNN hidden states'),
      layerOut: heap.allocF32(state * this.capacity, 'EURNN layer outputs'),
      z: heap.allocF32(state, 'EURNN pre-activation'),
      g: heap.allocF32(state, 'EURNN state gradient'),
      re: heap.allocF32(rows * this.hidden, 'EURNN readout input'),
      logits: heap.allocF32(rows * this.classes, 'EURNN logits'),
      dLogits: heap.allocF32(rows * this.classes, 'EURNN logit gradients'),
      labels: heap.allocI32(rows, 'EURNN labels'),
      stats: heap.alloc(16, 'EURNN loss statistics'),
      coeffs: heap.allocF32(4 * this.hidden * this.capacity, 'EURNN rotation coefficients'),
    };
    this.plan = plan;
    return plan;
  }

  /** Frees the batch buffers. */
  releasePlan(): void {
    this.plan?.regions.release();
    this.plan = undefined;
  }

  private writeCoefficients(plan: Plan): void {
    const heap = this.backend.heap;
    const angles = heap.read(this.ptr('angles'), this.capacity * this.hidden);
    const out = heap.f32(plan.coeffs, 4 * this.hidden * this.capacity);
    for (let l = 0; l < this.capacity; l++) rotationCoefficients(angles.subarray(l * this.hidden, (l + 1) * this.hidden), this.hidden, out, l * 4 * this.hidden);
  }

  /** For odd capacity the output is shifted by one component: out[j] = in[(j + 1) mod N], per row. */
  private roll(ptr: number, rows: number, back: boolean): void {
    const w = 2 * this.hidden, f = this.backend.heap.views().f32; // called every time step: no per-row views
    for (let o = ptr >>> 2, end = o + rows * w; o < end; o += w) {
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

  /** z = U·src (+ shift), leaving each layer's output in layerOut when `keep`. */
  private unitary(plan: Plan, src: number, dst: number, keep: boolean): void {
    const { rows } = plan, N = this.hidden, c = this.capacity, k = this.kernels, state = 8 * rows * N;
    let from = src;
    for (let l = 0; l < c; l++) {
      const to = keep ? plan.layerOut + l * state : dst;
      k.rotationForward(rows, N, l & 1, plan.coeffs + l * 16 * N, from, to);
      from = to;
    }
    if (keep) this.backend.heap.views().u8.copyWithin(dst, from, from + state);
    if (c & 1) this.roll(dst, rows, false);
  }

  /**
   * Runs the sequences x (f32 [rows, steps·D], row r's step t at r·xStride + t·D) and computes the
   * loss against labels (i32 region) → { loss (mean), correct }. Keeps every state when training.
   */
  private forward(plan: Plan, x: number, xStride: number): void {
    const { rows, steps, storeAll } = plan, N = this.hidden, D = this.inputSize, k = this.kernels, state = 8 * rows * N;
    this.writeCoefficients(plan);
    this.backend.heap.views().u8.fill(0, plan.h, plan.h + state); // h_0 = 0
    const bias = this.ptr('modrelu.bias'), wIn = this.ptr('input.weights'), bIn = this.ptr('input.bias');
    for (let t = 1; t <= steps; t++) {
      const prev = plan.h + (storeAll ? t - 1 : (t - 1) & 1) * state;
      const next = plan.h + (storeAll ? t : t & 1) * state;
      this.unitary(plan, prev, plan.z, false);
      k.complexInputForward(rows, N, D, x + (t - 1) * D * 4, xStride, wIn, bIn, plan.z);
      k.modReluForward(rows, N, plan.z, bias, next);
    }
    // logits = Re(h_T) · W_out + b_out
    const last = plan.h + (storeAll ? steps : steps & 1) * state;
    const heap = this.backend.heap;
    const hT = heap.f32(last, 2 * rows * N), re = heap.f32(plan.re, rows * N);
    for (let i = 0; i < rows * N; i++) re[i] = hT[2 * i];
    k.gemm(0, 0, rows, this.classes, N, plan.re, this.ptr('output.weights'), plan.logits, 0);
    k.biasAdd(rows, this.classes, plan.logits, this.ptr('output.bias'));
  }

  /** Backpropagation through time after forward(storeAll); gradients are written (not added). */
  private backward(plan: Plan, x: number, xStride: number): void {
    const { rows, steps } = plan, N = this.hidden, D = this.inputSize, K = this.classes, c = this.capacity, k = this.kernels, state = 8 * rows * N;
    const heap = this.backend.heap;
    heap.f32(this.gradsPtr, this.paramCount).fill(0);
    // Readout: ∂W_out = Re(h_T)ᵀ·G, ∂b_out = Σ G, ĝ_{h_T} = G·W_outᵀ on the real parts.
    k.gemm(1, 0, N, K, rows, plan.re, plan.dLogits, this.ptr('output.weights', true), 0);
    k.biasGrad(rows, K, plan.dLogits, this.ptr('output.bias', true), 0);
    k.gemm(0, 1, rows, N, K, plan.dLogits, this.ptr('output.weights'), plan.re, 0);
    const g = heap.f32(plan.g, 2 * rows * N), gRe = heap.f32(plan.re, rows * N);
    for (let i = 0; i < rows * N; i++) { g[2 * i] = gRe[i]; g[2 * i + 1] = 0; }
    const bias = this.ptr('modrelu.bias'), wIn = this.ptr('input.weights'), bIn = this.ptr('input.bias');
    const gBias = this.ptr('modrelu.bias', true), gWIn = this.ptr('input.weights', true), gBIn = this.ptr('input.bias', true);
    const gAngles = this.ptr('angles', true);
    for (let t = steps; t >= 1; t--) {
      const xt = x + (t - 1) * D * 4;
      // Recompute z_t and the layer outputs from h_{t−1}.
      this.unitary(plan, plan.h + (t - 1) * state, plan.z, true);
      k.complexInputForward(rows, N, D, xt, xStride, wIn, bIn, plan.z);
      k.modReluBackward(rows, N, plan.z, bias, plan.g, plan.g, gBias);
      k.complexInputBackward(rows, N, D, xt, xStride, plan.g, gWIn, gBIn);
      if (c & 1) this.roll(plan.g, rows, true);
      for (let l = c - 1; l >= 0; l--) {
        k.rotationBackward(rows, N, l & 1, plan.coeffs + l * 16 * N, plan.layerOut + l * state, plan.g, plan.g, gAngles + l * 4 * N);
      }
    }
  }

  private setLabels(plan: Plan, labels: ArrayLike<number>): void {
    if (labels.length !== plan.rows) throw new ShapeError('SHAPE', `Eurnn: ${labels.length} labels for ${plan.rows} sequences`);
    const v = this.backend.heap.views().i32, base = plan.labels >>> 2;
    for (let i = 0; i < plan.rows; i++) {
      const y = labels[i];
      if (!Number.isInteger(y) || y < 0 || y >= this.classes) throw new ShapeError('ARGUMENT', `Eurnn: label ${i} is ${y}, expected a class in 0..${this.classes - 1}`);
      v[base + i] = y;
    }
  }

  private stats(plan: Plan, withGradient: boolean): { loss: number; correct: number } {
    this.kernels.softmaxCrossEntropy(plan.rows, this.classes, plan.logits, plan.labels, withGradient ? plan.dLogits : 0, plan.stats);
    const s = this.backend.heap.views().f64, i = plan.stats >>> 3;
    return { loss: s[i] / plan.rows, correct: s[i + 1] };
  }

  private checkInput(rows: number, steps: number, x: number, xStride: number): void {
    if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(steps) || steps < 1) throw new ShapeError('SHAPE', `Eurnn: rows and steps must be positive integers, got ${rows}, ${steps}`);
    if (xStride < steps * this.inputSize) throw new ShapeError('SHAPE', `Eurnn: a row of ${steps} steps × ${this.inputSize} inputs needs xStride ≥ ${steps * this.inputSize}, got ${xStride}`);
    const heap = this.backend.heap;
    if (x < heap.base || x + ((rows - 1) * xStride + steps * this.inputSize) * 4 > heap.top) throw new ShapeError('ARGUMENT', `Eurnn: the input region at ${x} lies outside the heap`);
  }

  /**
   * Loss and gradient for one batch: x is a heap region of f32 sequences [rows, xStride] (step t of
   * row r at r·xStride + t·D), labels the classes. Gradients land in the gradient block.
   */
  lossAndGradient(x: number, xStride: number, rows: number, steps: number, labels: ArrayLike<number>): { loss: number; correct: number } {
    this.checkInput(rows, steps, x, xStride);
    const plan = this.planFor(rows, steps, true);
    this.setLabels(plan, labels);
    this.forward(plan, x, xStride);
    const result = this.stats(plan, true);
    if (!Number.isFinite(result.loss)) throw new SimdnetError('DIVERGED', `Eurnn: the loss is ${result.loss}`);
    this.backward(plan, x, xStride);
    return result;
  }

  /** Loss and number correct without gradients (two states of memory, any sequence length). */
  evaluate(x: number, xStride: number, rows: number, steps: number, labels: ArrayLike<number>): { loss: number; correct: number } {
    this.checkInput(rows, steps, x, xStride);
    const plan = this.planFor(rows, steps, false);
    this.setLabels(plan, labels);
    this.forward(plan, x, xStride);
    return this.stats(plan, false);
  }

  /** The hidden states h_0 … h_T of the last training forward pass, as a copy (tests). */
  states(): Float32Array {
    const p = this.plan;
    if (!p?.storeAll) throw new SimdnetError('ARGUMENT', 'Eurnn.states: no training forward pass has run');
    return this.backend.heap.read(p.h, 2 * p.rows * this.hidden * (p.steps + 1));
  }

  /** U·h for states h (rows × N complex, interleaved), without input or modReLU (tests). */
  applyUnitary(h: Float32Array, rows: number): Float32Array {
    const plan = this.planFor(rows, 1, this.plan?.storeAll ?? false);
    this.writeCoefficients(plan);
    this.backend.heap.write(plan.g, h);
    this.unitary(plan, plan.g, plan.z, false);
    return this.backend.heap.read(plan.z, 2 * rows * this.hidden);
  }
}
