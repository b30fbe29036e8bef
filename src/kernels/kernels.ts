import { custom, elementwise, optimizer, nonNegative, nonNegativeInput, fraction, flag, step, type CustomArgs, type FlatArgs, type KernelArgs } from './kernel-args';

/**
 * The one list of kernels every backend implements.
 *
 * All arguments are plain numbers: sizes, flags and BYTE offsets into the backend's heap
 * (a WebAssembly.Memory shared by both backends). Matrices are dense row-major with no padding
 * between rows. f32 regions are 4-byte aligned (the heap hands out 16-byte-aligned regions),
 * i32 regions hold int32 indices or labels, u8 regions hold raw bytes (images, labels).
 *
 * Conventions for the layer math, so the signatures read the same way everywhere:
 *   Dense forward   Y[b,out] = X[b,in] · W[in,out]        gemm(0,0, b,out,in,  X,W,Y, 0)
 *   dW[in,out]      = Xᵀ · dY                             gemm(1,0, in,out,b,  X,dY,dW, 0)
 *   dX[b,in]        = dY · Wᵀ                             gemm(0,1, b,in,out,  dY,W,dX, 0)
 */
export interface Kernels {
  /**
   * C[m,n] = op(A)·op(B)  (accumulate=0)   or   C[m,n] += op(A)·op(B)  (accumulate=1).
   * op(A) is [m,k]: A is stored [m,k], or [k,m] when transA=1.
   * op(B) is [k,n]: B is stored [k,n], or [n,k] when transB=1.
   */
  gemm(transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: number): void;
  /**
   * `count` products of consecutive matrices, as gemm: C_i = op(A_i)·op(B_i) (+ C_i) with A_i at
   * a + 4·i·m·k bytes, B_i at b + 4·i·k·n, C_i at c + 4·i·m·n (Winograd's 36 per pass, in one call).
   */
  gemmBatch(count: number, transA: number, transB: number, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: number): void;

  /** x[m,n] += bias[n] for every row (in place). */
  biasAdd(m: number, n: number, x: number, bias: number): void;
  /** db[n] = Σ_rows dy[m,n] (accumulate=0) or db[n] += Σ_rows dy (accumulate=1). */
  biasGrad(m: number, n: number, dy: number, db: number, accumulate: number): void;

  /** y = max(0, x) over count elements (y may equal x). */
  reluForward(count: number, x: number, y: number): void;
  /** dx = dy · [y > 0]; takes the forward OUTPUT y (dx may equal dy). */
  reluBackward(count: number, y: number, dy: number, dx: number): void;
  /** y = x for x > 0, slope·x otherwise (PyTorch's LeakyReLU); slope ≥ 0. */
  leakyReluForward(count: number, x: number, y: number, slope: number): void;
  /** dx = dy · (y > 0 ? 1 : slope); takes the forward output y (slope ≥ 0 keeps the sign of x). */
  leakyReluBackward(count: number, y: number, dy: number, dx: number, slope: number): void;
  /** y = tanh(x). */
  tanhForward(count: number, x: number, y: number): void;
  /** dx = dy · (1 − y²); takes the forward output y. */
  tanhBackward(count: number, y: number, dy: number, dx: number): void;
  /** y = 1 / (1 + e^(−x)). */
  sigmoidForward(count: number, x: number, y: number): void;
  /** dx = dy · y · (1 − y); takes the forward output y. */
  sigmoidBackward(count: number, y: number, dy: number, dx: number): void;

  /** Row-wise softmax, numerically stable: y[i,:] = exp(x − max) / Σ exp(x − max). */
  softmax(m: number, n: number, x: number, y: number): void;
  /**
   * Fused softmax + cross-entropy over a batch of m rows of n logits, labels an i32[m] region.
   * Writes dLogits[m,n] = (p − onehot(label)) / m (skipped when dLogits is 0) and
   * stats (f64[2]) = [Σ_rows −log p[label], number of rows whose argmax equals the label].
   */
  softmaxCrossEntropy(m: number, n: number, logits: number, labels: number, dLogits: number, stats: number): void;
  /**
   * Squared error: stats (f64[2]) = [Σ ½(y − t)², 0]; dY[m,n] = (y − t) / m (skipped when dY is 0).
   */
  squaredError(m: number, n: number, y: number, target: number, dY: number, stats: number): void;
  /**
   * Sigmoid cross-entropy on logits (PyTorch's BCEWithLogitsLoss, mean), over count = m·n elements,
   * targets t in [0, 1] (not checked): stats (f64[2]) = [Σ max(x, 0) − x·t + log(1 + e^(−|x|)),
   * number of elements where (x > 0) equals (t > 0.5)]; dLogits[m,n] = (σ(x) − t) / count (skipped
   * when dLogits is 0). Finite for every finite x.
   */
  sigmoidCrossEntropy(m: number, n: number, logits: number, targets: number, dLogits: number, stats: number): void;
  /**
   * Mean squared error (PyTorch's MSELoss, mean) over count = m·n elements: stats (f64[2]) =
   * [Σ (y − t)², Σ |y − t|]; dY[m,n] = 2(y − t) / count (skipped when dY is 0).
   */
  meanSquaredError(m: number, n: number, y: number, target: number, dY: number, stats: number): void;

  /** θ −= lr · g over count elements. */
  sgd(count: number, params: number, grads: number, lr: number): void;
  /** v = μ·v + g;  θ −= lr · v  (or θ −= lr · (g + μ·v) when nesterov=1). PyTorch's definition. */
  momentum(count: number, params: number, grads: number, velocity: number, lr: number, mu: number, nesterov: number): void;
  /**
   * Adam with bias correction at step t (t ≥ 1), PyTorch's definition:
   * m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²; θ −= lr · (m / (1−β1^t)) / (√(v / (1−β2^t)) + ε).
   */
  adam(count: number, params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, t: number): void;
  /** AdamW, PyTorch's definition: θ −= lr·weightDecay·θ first (decoupled weight decay), then the Adam step above. */
  adamw(count: number, params: number, grads: number, m: number, v: number, lr: number, beta1: number, beta2: number, eps: number, t: number, weightDecay: number): void;
  /** RMSprop, PyTorch's definition: s = α·s + (1−α)·g²; θ −= lr · g / (√s + ε). */
  rmsprop(count: number, params: number, grads: number, s: number, lr: number, alpha: number, eps: number): void;
  /** y = wa·a + wb·b (y may equal a): reduces the threads' gradient blocks in a fixed order. */
  weightedSum(count: number, a: number, b: number, y: number, wa: number, wb: number): void;

  /**
   * dst[r, :] = src[indices[r], :] / 255 for r < rows; src is u8 [srcRows, cols], indices i32[rows]
   * (each in [0, srcRows)), dst f32 [rows, cols].
   */
  gatherImages(rows: number, cols: number, src: number, srcRows: number, indices: number, dst: number): void;
  /**
   * dst[c, r] = src[indices[r], first + c] / 255 for c < count, r < rows: a block of the images'
   * values stored values × rows (model-parallel training); dst f32 [count, rows], first + count ≤ cols.
   */
  gatherImagesT(rows: number, cols: number, first: number, count: number, src: number, srcRows: number, indices: number, dst: number): void;
  /** dst[r] = src[indices[r]]; src u8[srcRows] labels, indices i32[rows], dst i32[rows]. */
  gatherLabels(rows: number, src: number, srcRows: number, indices: number, dst: number): void;
  /**
   * dst[r, :] = src[indices[r], :] for r < rows, 32-bit words copied bit for bit (f32 features or
   * targets, i32 labels): src [srcRows, cols], indices i32[rows] (each in [0, srcRows)), dst [rows, cols].
   */
  gather32(rows: number, cols: number, src: number, srcRows: number, indices: number, dst: number): void;
  /** out[i] = index of the largest x[i, :] (the first one on ties); out is i32[m]. */
  argmax(m: number, n: number, x: number, out: number): void;
  /**
   * Convolution as GEMM, NHWC ([batch, h, w, c], channels contiguous): cols [batch·oh·ow, kh·kw·c],
   * cols[(b·oh + oy)·ow + ox, (ky·kw + kx)·c + ci] = x[b, oy·stride − padT + ky, ox·stride − padL + kx, ci],
   * 0 outside the image.
   */
  im2col(batch: number, h: number, w: number, c: number, kh: number, kw: number, stride: number, padT: number, padL: number, oh: number, ow: number, x: number, cols: number): void;
  /**
   * The convolution itself, NHWC, without im2col (for inference): y [batch·oh·ow, filters] =
   * bias + the sum over in-bounds taps of x[b, oy·stride − padT + ky, ox·stride − padL + kx, ci] ·
   * w[(ky·kw + kx)·c + ci, f]; w is [kh·kw·c, filters] as the GEMM path's weights, bias [filters].
   * kh·kw·c ≤ CONV_FORWARD_MAX_TAPS.
   */
  convForward(batch: number, h: number, w: number, c: number, kh: number, kw: number, stride: number, padT: number, padL: number, oh: number, ow: number, filters: number, x: number, wt: number, bias: number, y: number): void;
  /** The adjoint of im2col: dx = 0, then every cols entry is added to the x element it came from. */
  col2im(batch: number, h: number, w: number, c: number, kh: number, kw: number, stride: number, padT: number, padL: number, oh: number, ow: number, cols: number, dx: number): void;
  // --- Winograd F(2×2, 5×5) for 5×5, stride-1 convolutions (assembly/winograd.ts): y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A
  // on 6×6 input tiles that give 2×2 outputs. Tiled data is [36][tiles][channels], the tiles of an
  // oh×ow output numbered t = (b·⌈oh/2⌉ + ty)·⌈ow/2⌉ + tx; the host runs one GEMM per tile position.
  /** v[ξ, t, ci] = (Bᵀ d B)[ξ], d[i, j] = x[b, 2ty − padT + i, 2tx − padL + j, ci] (0 outside the image). */
  winogradInput(batch: number, h: number, w: number, c: number, padT: number, padL: number, oh: number, ow: number, x: number, v: number): void;
  /** The adjoint of winogradInput: dx = 0, then each tile's B dv Bᵀ is added to the input elements it covers. */
  winogradInputBackward(batch: number, h: number, w: number, c: number, padT: number, padL: number, oh: number, ow: number, dv: number, dx: number): void;
  /** y[b, 2ty + i, 2tx + j, c] = (Aᵀ m A)[i, j] for the outputs inside oh×ow (y [batch, oh, ow, c] is written). */
  winogradOutput(batch: number, oh: number, ow: number, c: number, m: number, y: number): void;
  /** The adjoint of winogradOutput: dm[ξ, t, c] = (A g Aᵀ)[ξ], g the tile's 2×2 of dy (0 outside oh×ow). */
  winogradOutputBackward(batch: number, oh: number, ow: number, c: number, dy: number, dm: number): void;
  /** u[ξ, ci, co] = (G g Gᵀ)[ξ] of each 5×5 filter g[ky, kx] = w[(ky·5 + kx)·cin + ci, co]. */
  winogradFilter(cin: number, cout: number, w: number, u: number): void;
  /** The adjoint of winogradFilter: dw[(ky·5 + kx)·cin + ci, co] = (Gᵀ du G)[ky, kx] (dw is written). */
  winogradFilterBackward(cin: number, cout: number, du: number, dw: number): void;
  /**
   * Max pooling, NHWC, ph×pw windows every `stride` (clipped at the border): y [batch, oh, ow, c] and
   * arg (i32, same shape) = flat index into x of each maximum (the first on ties); arg 0: no indices
   * (inference: nothing reads them), the same y.
   */
  maxPoolForward(batch: number, h: number, w: number, c: number, ph: number, pw: number, stride: number, oh: number, ow: number, x: number, y: number, arg: number): void;
  /** dx = 0 over dxCount elements, then dx[arg[i]] += dy[i] for i < outCount. */
  maxPoolBackward(outCount: number, dy: number, arg: number, dxCount: number, dx: number): void;
  /** y = x · m element-wise (y may equal x); dropout applies a mask already scaled by 1/keep. */
  multiply(count: number, x: number, m: number, y: number): void;

  /**
   * max |x| over count elements (0 for an empty region); NaN or ∞ if any element is (predict's check
   * of its input). Used for the per-layer max |w| history.
   */
  maxAbs(count: number, x: number): number;
  /**
   * 1 when copy equals src bit for bit over count 32-bit words; otherwise copies src over copy and
   * returns 0 (a cached transform of weights checks that they have not changed since).
   */
  sameOrCopy32(count: number, src: number, copy: number): number;

  // --- EURNN (docs/eurnn.md). Complex values are interleaved (re, im) f32 pairs; a
  // state is [rows, n] complex (2n floats a row), n even. A rotation layer mixes the pairs (p, q):
  // (2k, 2k+1) when odd = 0, (2k+1, (2k+2) mod n) when odd = 1, k < n/2, with 8 coefficient floats
  // per block (see src/nn/eurnn-coefficients.ts): [ar, ai, br, bi, s, c, er, ei] for
  // a = e^{iφ}cosθ, b = −e^{iφ}sinθ, s = sinθ, c = cosθ, e = e^{iφ}:  y_p = a·x_p + b·x_q, y_q = s·x_p + c·x_q.
  /** y = R x over `rows` states (y may equal x). */
  rotationForward(rows: number, n: number, odd: number, coeffs: number, x: number, y: number): void;
  /**
   * gx = Rᴴ gy (gx may equal gy), from the layer's OUTPUT y; the angle gradients summed over the
   * rows are ADDED to gAngles (n floats: ∂L/∂φ at 2k, ∂L/∂θ at 2k+1). ĝ = ∂L/∂re + i·∂L/∂im.
   */
  rotationBackward(rows: number, n: number, odd: number, coeffs: number, y: number, gy: number, gx: number, gAngles: number): void;
  /** modReLU per unit: h = max(|z| + ε + b, 0) · z / (|z| + ε), ε = 1e-5, b n floats (h may equal z). */
  modReluForward(rows: number, n: number, z: number, bias: number, h: number): void;
  /**
   * Its backward from the input z and gh: gz (may equal gh), and Σ_rows ∂L/∂b ADDED to gBias. No
   * gradient where |z| + ε + b ≤ 0; the phase term is dropped where |z| = 0 (its limit is 0).
   */
  modReluBackward(rows: number, n: number, z: number, bias: number, gh: number, gz: number, gBias: number): void;
  /** Input layer on the real parts: z[r, j].re += Σ_e x[r·xStride + e]·w[e, j] + b[j]; w [d, n], b [n]. */
  complexInputForward(rows: number, n: number, d: number, x: number, xStride: number, w: number, b: number, z: number): void;
  /** Its gradients, ADDED: gw[e, j] += Σ_r x[r·xStride + e]·Re(gz[r, j]); gb[j] += Σ_r Re(gz[r, j]). */
  complexInputBackward(rows: number, n: number, d: number, x: number, xStride: number, gz: number, gw: number, gb: number): void;
}

export type KernelName = keyof Kernels;

const lr = nonNegative('lr', 1e-3, 0.5);
const adamArgs = [lr, fraction('beta1', 0.8, 0.95), fraction('beta2', 0.99, 0.9999), nonNegative('eps', 1e-8, 1e-6), step('t', 1, 20)] as const;

/**
 * Every kernel's arguments, one row each; the compiler rejects a missing or unknown name, and a
 * row whose argument count differs from the signature above. An `elementwise` or `optimizer` row is
 * all its checks (checked.ts) and parity rows (test/support/kernel-cases.ts) need; `custom` kernels
 * have hand-written ones. The rows sit next to the interface, so a new kernel edits one file here.
 */
export const KERNEL_ARGS = {
  gemm: custom,
  gemmBatch: custom,
  biasAdd: custom,
  biasGrad: custom,
  reluForward: elementwise(['x'], ['y']),
  reluBackward: elementwise(['y', 'dy'], ['dx']),
  leakyReluForward: elementwise(['x'], ['y'], nonNegative('slope', 0.01, 0.3)),
  leakyReluBackward: elementwise(['y', 'dy'], ['dx'], nonNegative('slope', 0.01, 0.3)),
  tanhForward: elementwise(['x'], ['y']),
  tanhBackward: elementwise(['y', 'dy'], ['dx']),
  sigmoidForward: elementwise(['x'], ['y']),
  sigmoidBackward: elementwise(['y', 'dy'], ['dx']),
  softmax: custom,
  softmaxCrossEntropy: custom,
  squaredError: custom,
  sigmoidCrossEntropy: custom,
  meanSquaredError: custom,
  sgd: optimizer([], lr),
  momentum: optimizer(['velocity'], lr, nonNegative('mu', 0.5, 0.99), flag('nesterov')),
  adam: optimizer(['m', nonNegativeInput('v')], ...adamArgs),
  adamw: optimizer(['m', nonNegativeInput('v')], ...adamArgs, nonNegative('weightDecay', 0.01, 1)),
  rmsprop: optimizer([nonNegativeInput('s')], lr, nonNegative('alpha', 0.9, 0.999), nonNegative('eps', 1e-8, 1e-6)),
  weightedSum: elementwise(['a', 'b'], ['y'], nonNegative('wa', 0.1, 1), nonNegative('wb', 0.1, 1)),
  gatherImages: custom,
  gatherImagesT: custom,
  gatherLabels: custom,
  gather32: custom,
  argmax: custom,
  im2col: custom,
  convForward: custom,
  col2im: custom,
  winogradInput: custom,
  winogradInputBackward: custom,
  winogradOutput: custom,
  winogradOutputBackward: custom,
  winogradFilter: custom,
  winogradFilterBackward: custom,
  maxPoolForward: custom,
  maxPoolBackward: custom,
  multiply: elementwise(['x', 'm'], ['y']),
  maxAbs: elementwise(['x'], []),
  sameOrCopy32: custom,
  rotationForward: custom,
  rotationBackward: custom,
  modReluForward: custom,
  modReluBackward: custom,
  complexInputForward: custom,
  complexInputBackward: custom,
} satisfies { readonly [K in KernelName]: KernelArgs };

/** convForward's largest kh·kw·c: the WASM kernel pads kh·kw·c + 1 rows of 16 floats into the GEMM's scratch. */
export const CONV_FORWARD_MAX_TAPS = 16383;

/** The tiles of a Winograd F(2×2, ·) pass over a batch of oh×ow outputs: each gives 2×2 of them. */
export const winogradTiles = (batch: number, oh: number, ow: number): number => batch * Math.ceil(oh / 2) * Math.ceil(ow / 2);

/** Every kernel name, in the table's order: it drives the WASM adapter, the checks and the parity coverage test. */
export const KERNEL_NAMES = Object.keys(KERNEL_ARGS) as readonly KernelName[];

/** The kernels whose checks are written by hand (checked.ts must have exactly these). */
export type CustomKernelName = { [K in KernelName]: (typeof KERNEL_ARGS)[K] extends CustomArgs ? K : never }[KernelName];

// Compile-time check: each flat row lists count + regions + scalars = the signature's argument count.
type RowArity<A> = A extends FlatArgs<infer R, infer S> ? [unknown, ...R, ...S]['length'] : never;
type WrongArity = {
  [K in KernelName]: (typeof KERNEL_ARGS)[K] extends CustomArgs ? never : RowArity<(typeof KERNEL_ARGS)[K]> extends Parameters<Kernels[K]>['length'] ? never : K;
}[KernelName];
type NoneOf<T extends never> = T;
export type KernelArgsMatchSignatures = NoneOf<WrongArity>;
