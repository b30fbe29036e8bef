/**
 * Float64 reference implementations of every kernel of src/kernels/kernels.ts, written from the
 * interface's documentation only (independent of src/kernels/js/ and of assembly/).
 *
 * Inputs are the exact values the kernels see (f32 values, i32 indices, u8 bytes); everything is
 * computed in double with plain JS numbers and returned as Float64Array. Where an f32 kernel's
 * rounding error is proportional to the size of the terms rather than of the result (sums that
 * cancel, differences), the reference also returns a `scale`: the same computation over the
 * magnitudes of the terms. A tolerance row then allows |got − expected| ≤ rel·scale + abs
 * (scale = |expected| when none is given).
 */

export interface RefOutput {
  /** The exact (double) result. */
  readonly values: Float64Array;
  /** The magnitude the rounding error of an f32 computation is proportional to (default |values|). */
  readonly scale?: Float64Array;
}

type Num = ArrayLike<number>;

function out(values: Float64Array, scale?: Float64Array): RefOutput {
  return scale ? { values, scale } : { values };
}

/**
 * C[m,n] = op(A)·op(B) (+ C0 when given). scale(i,j) = Σ_p |A(i,p)·B(p,j)| + |C0(i,j)|: the bound
 * every summation order of an f32 dot product is proportional to.
 */
export function gemm(transA: number, transB: number, m: number, n: number, k: number, a: Num, b: Num, c0: Num | null): { c: RefOutput } {
  // op(B) as a dense [k, n] double matrix, and its absolute values.
  const bb = new Float64Array(k * n);
  const ab = new Float64Array(k * n);
  for (let p = 0; p < k; p++) {
    for (let j = 0; j < n; j++) {
      const v = transB ? b[j * k + p] : b[p * n + j];
      bb[p * n + j] = v;
      ab[p * n + j] = Math.abs(v);
    }
  }
  const c = new Float64Array(m * n);
  const s = new Float64Array(m * n);
  const rc = new Float64Array(n);
  const rs = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    rc.fill(0);
    rs.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * m + i] : a[i * k + p];
      if (aip === 0) continue;
      const aa = Math.abs(aip);
      const o = p * n;
      for (let j = 0; j < n; j++) {
        rc[j] += aip * bb[o + j];
        rs[j] += aa * ab[o + j];
      }
    }
    for (let j = 0; j < n; j++) {
      const q = i * n + j;
      const prev = c0 ? c0[q] : 0;
      c[q] = prev + rc[j];
      s[q] = Math.abs(prev) + rs[j];
    }
  }
  return { c: out(c, s) };
}

/** x[i,j] + bias[j]. */
export function biasAdd(m: number, n: number, x: Num, bias: Num): { x: RefOutput } {
  const y = new Float64Array(m * n);
  const s = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      y[i * n + j] = x[i * n + j] + bias[j];
      s[i * n + j] = Math.abs(x[i * n + j]) + Math.abs(bias[j]);
    }
  }
  return { x: out(y, s) };
}

/** db[j] = Σ_i dy[i,j] (+ db0[j]). */
export function biasGrad(m: number, n: number, dy: Num, db0: Num | null): { db: RefOutput } {
  const d = new Float64Array(n);
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    d[j] = db0 ? db0[j] : 0;
    s[j] = Math.abs(d[j]);
  }
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      d[j] += dy[i * n + j];
      s[j] += Math.abs(dy[i * n + j]);
    }
  }
  return { db: out(d, s) };
}

export function reluForward(x: Num): { y: RefOutput } {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : 0;
  return { y: out(y) };
}

export function reluBackward(y: Num, dy: Num): { dx: RefOutput } {
  const dx = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  return { dx: out(dx) };
}

export function leakyReluForward(x: Num, slope: number): { y: RefOutput } {
  return { y: out(Float64Array.from({ length: x.length }, (_, i) => (x[i] > 0 ? x[i] : slope * x[i]))) };
}

export function leakyReluBackward(y: Num, dy: Num, slope: number): { dx: RefOutput } {
  return { dx: out(Float64Array.from({ length: y.length }, (_, i) => dy[i] * (y[i] > 0 ? 1 : slope))) };
}

export function tanhForward(x: Num): { y: RefOutput } {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    // tanh(x) = (1 − e^(−2|x|)) / (1 + e^(−2|x|)) · sign(x), with expm1 for small |x|.
    const ax = Math.abs(x[i]);
    const e = Math.expm1(-2 * ax);
    const t = -e / (2 + e);
    y[i] = x[i] < 0 ? -t : t;
  }
  return { y: out(y) };
}

/** dx = dy·(1 − y²); scale |dy|·(1 + y²). */
export function tanhBackward(y: Num, dy: Num): { dx: RefOutput } {
  const dx = new Float64Array(y.length);
  const s = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    dx[i] = dy[i] * (1 - y[i] * y[i]);
    s[i] = Math.abs(dy[i]) * (1 + y[i] * y[i]);
  }
  return { dx: out(dx, s) };
}

export function sigmoidForward(x: Num): { y: RefOutput } {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    // Evaluated so that neither branch overflows.
    y[i] = x[i] >= 0 ? 1 / (1 + Math.exp(-x[i])) : Math.exp(x[i]) / (1 + Math.exp(x[i]));
  }
  return { y: out(y) };
}

/** dx = dy·y·(1 − y); scale |dy·y|·(1 + |y|). */
export function sigmoidBackward(y: Num, dy: Num): { dx: RefOutput } {
  const dx = new Float64Array(y.length);
  const s = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    dx[i] = dy[i] * y[i] * (1 - y[i]);
    s[i] = Math.abs(dy[i] * y[i]) * (1 + Math.abs(y[i]));
  }
  return { dx: out(dx, s) };
}

/** One row's max, first index of the max, and Σ exp(x − max). */
function rowStats(x: Num, o: number, n: number): { mx: number; arg: number; sum: number } {
  let mx = x[o], arg = 0;
  for (let j = 1; j < n; j++) {
    if (x[o + j] > mx) {
      mx = x[o + j];
      arg = j;
    }
  }
  let sum = 0;
  for (let j = 0; j < n; j++) sum += Math.exp(x[o + j] - mx);
  return { mx, arg, sum };
}

export function softmax(m: number, n: number, x: Num): { y: RefOutput } {
  const y = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const { mx, sum } = rowStats(x, i * n, n);
    for (let j = 0; j < n; j++) y[i * n + j] = Math.exp(x[i * n + j] - mx) / sum;
  }
  return { y: out(y) };
}

/**
 * loss = Σ_i −log softmax(x_i)[label_i] (scale: Σ_i log Σexp + |x[label] − max|, both parts of the
 * f32 computation), correct = #(first argmax = label), dLogits = (p − onehot)/m (scale (p + onehot)/m).
 */
export function softmaxCrossEntropy(
  m: number,
  n: number,
  logits: Num,
  labels: Num,
): { loss: RefOutput; correct: RefOutput; dLogits: RefOutput } {
  let loss = 0, lossScale = 0, correct = 0;
  const d = new Float64Array(m * n);
  const ds = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    const label = labels[i];
    const { mx, arg, sum } = rowStats(logits, o, n);
    if (arg === label) correct++;
    const logSum = Math.log(sum);
    loss += logSum - (logits[o + label] - mx);
    lossScale += logSum + Math.abs(logits[o + label] - mx);
    for (let j = 0; j < n; j++) {
      const p = Math.exp(logits[o + j] - mx) / sum;
      const hot = j === label ? 1 : 0;
      d[o + j] = (p - hot) / m;
      ds[o + j] = (p + hot) / m;
    }
  }
  return {
    loss: out(Float64Array.of(loss), Float64Array.of(lossScale)),
    correct: out(Float64Array.of(correct)),
    dLogits: out(d, ds),
  };
}

/** loss = Σ ½(y − t)², zero = 0, dY = (y − t)/m (scale (|y| + |t|)/m). */
export function squaredError(m: number, n: number, y: Num, t: Num): { loss: RefOutput; zero: RefOutput; dY: RefOutput } {
  let loss = 0;
  const d = new Float64Array(m * n);
  const ds = new Float64Array(m * n);
  for (let i = 0; i < m * n; i++) {
    const diff = y[i] - t[i];
    loss += 0.5 * diff * diff;
    d[i] = diff / m;
    ds[i] = (Math.abs(y[i]) + Math.abs(t[i])) / m;
  }
  return { loss: out(Float64Array.of(loss)), zero: out(Float64Array.of(0)), dY: out(d, ds) };
}

/** log σ(z), without overflow: −log(1 + e^(−z)) for z ≥ 0, z − log(1 + e^z) below. */
function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/**
 * loss = Σ −[t·log σ(x) + (1 − t)·log σ(−x)], correct = #((x > 0) = (t > 0.5)), dLogits = (σ(x) − t)/count.
 * The loss's scale is Σ max(x, 0) + |x·t| + log(1 + e^(−|x|)): the terms an f32 stable-form kernel
 * adds (its rounding error is proportional to |x|, not to the loss, when t ≈ 1 and x ≫ 0).
 */
export function sigmoidCrossEntropy(m: number, n: number, logits: Num, targets: Num): { loss: RefOutput; correct: RefOutput; dLogits: RefOutput } {
  const count = m * n;
  let loss = 0, lossScale = 0, correct = 0;
  const d = new Float64Array(count), ds = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const x = logits[i], t = targets[i];
    loss -= t * logSigmoid(x) + (1 - t) * logSigmoid(-x);
    lossScale += Math.max(x, 0) + Math.abs(x * t) + Math.log1p(Math.exp(-Math.abs(x)));
    if (x > 0 === t > 0.5) correct++;
    const p = Math.exp(logSigmoid(x));
    d[i] = (p - t) / count;
    ds[i] = (p + Math.abs(t)) / count;
  }
  return { loss: out(Float64Array.of(loss), Float64Array.of(lossScale)), correct: out(Float64Array.of(correct)), dLogits: out(d, ds) };
}

/** sumSq = Σ (y − t)², sumAbs = Σ |y − t|, dY = 2(y − t)/count (scale 2(|y| + |t|)/count). */
export function meanSquaredError(m: number, n: number, y: Num, t: Num): { sumSq: RefOutput; sumAbs: RefOutput; dY: RefOutput } {
  const count = m * n;
  let sq = 0, abs = 0;
  const d = new Float64Array(count), ds = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const diff = y[i] - t[i];
    sq += diff * diff;
    abs += Math.abs(diff);
    d[i] = (2 * diff) / count;
    ds[i] = (2 * (Math.abs(y[i]) + Math.abs(t[i]))) / count;
  }
  return { sumSq: out(Float64Array.of(sq)), sumAbs: out(Float64Array.of(abs)), dY: out(d, ds) };
}

/** θ − lr·g; scale |θ| + |lr·g|. */
export function sgd(params: Num, grads: Num, lr: number): { params: RefOutput } {
  const p = new Float64Array(params.length);
  const s = new Float64Array(params.length);
  for (let i = 0; i < params.length; i++) {
    p[i] = params[i] - lr * grads[i];
    s[i] = Math.abs(params[i]) + Math.abs(lr * grads[i]);
  }
  return { params: out(p, s) };
}

/** v = μ·v + g; θ −= lr·v, or θ −= lr·(g + μ·v) with nesterov. */
export function momentum(
  params: Num,
  grads: Num,
  velocity: Num,
  lr: number,
  mu: number,
  nesterov: number,
): { params: RefOutput; velocity: RefOutput } {
  const count = params.length;
  const p = new Float64Array(count), ps = new Float64Array(count);
  const v = new Float64Array(count), vs = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const g = grads[i];
    v[i] = mu * velocity[i] + g;
    vs[i] = Math.abs(mu * velocity[i]) + Math.abs(g);
    const step = nesterov ? g + mu * v[i] : v[i];
    const stepScale = nesterov ? Math.abs(g) + Math.abs(mu) * vs[i] : vs[i];
    p[i] = params[i] - lr * step;
    ps[i] = Math.abs(params[i]) + Math.abs(lr) * stepScale;
  }
  return { params: out(p, ps), velocity: out(v, vs) };
}

/** PyTorch's Adam at step t: m, v updated; θ −= lr·(m/(1−β1^t)) / (√(v/(1−β2^t)) + ε). */
export function adam(
  params: Num,
  grads: Num,
  m0: Num,
  v0: Num,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  t: number,
): { params: RefOutput; m: RefOutput; v: RefOutput } {
  const count = params.length;
  const bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
  const p = new Float64Array(count), ps = new Float64Array(count);
  const m = new Float64Array(count), ms = new Float64Array(count);
  const v = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const g = grads[i];
    m[i] = beta1 * m0[i] + (1 - beta1) * g;
    ms[i] = Math.abs(beta1 * m0[i]) + Math.abs((1 - beta1) * g);
    v[i] = beta2 * v0[i] + (1 - beta2) * g * g;
    const den = Math.sqrt(v[i] / bc2) + eps;
    const step = (lr * (m[i] / bc1)) / den;
    p[i] = params[i] - step;
    // The step's error is relative to the magnitude of the terms of m, not to m itself.
    ps[i] = Math.abs(params[i]) + (Math.abs(lr) * (ms[i] / bc1)) / den;
  }
  return { params: out(p, ps), m: out(m, ms), v: out(v) };
}

/** PyTorch's AdamW: θ ← θ·(1 − lr·wd) before the Adam step (the decay is decoupled from m and v). */
export function adamw(
  params: Num,
  grads: Num,
  m0: Num,
  v0: Num,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  t: number,
  weightDecay: number,
): { params: RefOutput; m: RefOutput; v: RefOutput } {
  const decayed = Float64Array.from({ length: params.length }, (_, i) => params[i] * (1 - lr * weightDecay));
  return adam(decayed, grads, m0, v0, lr, beta1, beta2, eps, t);
}

/** PyTorch's RMSprop: s = α·s + (1−α)·g²; θ −= lr·g / (√s + ε). */
export function rmsprop(params: Num, grads: Num, s0: Num, lr: number, alpha: number, eps: number): { params: RefOutput; s: RefOutput } {
  const count = params.length;
  const p = new Float64Array(count), ps = new Float64Array(count);
  const s = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const g = grads[i];
    s[i] = alpha * s0[i] + (1 - alpha) * g * g;
    const step = (lr * g) / (Math.sqrt(s[i]) + eps);
    p[i] = params[i] - step;
    ps[i] = Math.abs(params[i]) + Math.abs(step);
  }
  return { params: out(p, ps), s: out(s) };
}

/** dst[r,c] = f32(src[idx[r]·cols + c] · f32(1/255)): the exact f32 values the kernels must produce. */
export function gatherImages(rows: number, cols: number, src: Num, indices: Num): { dst: RefOutput } {
  const scale = Math.fround(1 / 255);
  const d = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) d[r * cols + c] = Math.fround(src[indices[r] * cols + c] * scale);
  }
  return { dst: out(d) };
}

/** dst[c, r] = f32(src[idx[r]·cols + first + c] · f32(1/255)): gatherImages' values, a block of them stored values × rows. */
export function gatherImagesT(rows: number, cols: number, first: number, count: number, src: Num, indices: Num): { dst: RefOutput } {
  const scale = Math.fround(1 / 255);
  const d = new Float64Array(count * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < count; c++) d[c * rows + r] = Math.fround(src[indices[r] * cols + first + c] * scale);
  }
  return { dst: out(d) };
}

export function gatherLabels(src: Num, indices: Num): { dst: RefOutput } {
  const d = new Float64Array(indices.length);
  for (let r = 0; r < indices.length; r++) d[r] = src[indices[r]];
  return { dst: out(d) };
}

/** dst[r, c] = src[indices[r]·cols + c]: the words themselves (given as int32 values). */
export function gather32(rows: number, cols: number, src: Num, indices: Num): { dst: RefOutput } {
  const d = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) d[r * cols + c] = src[indices[r] * cols + c];
  }
  return { dst: out(d) };
}

export function argmax(m: number, n: number, x: Num): { out: RefOutput } {
  const o = new Float64Array(m);
  for (let i = 0; i < m; i++) o[i] = rowStats(x, i * n, n).arg;
  return { out: out(o) };
}

export function maxAbs(x: Num): { result: RefOutput } {
  let mx = 0;
  for (let i = 0; i < x.length; i++) mx = Math.max(mx, Math.abs(x[i]));
  return { result: out(Float64Array.of(mx)) };
}

/** 1 and copy as it was when every word of copy has src's bits; else 0 and src's values. */
export function sameOrCopy32(src: Float32Array, copy: Float32Array): { result: RefOutput; copy: RefOutput } {
  const a = new Int32Array(src.buffer, src.byteOffset, src.length), b = new Int32Array(copy.buffer, copy.byteOffset, copy.length);
  const same = a.every((v, i) => v === b[i]);
  return { result: out(Float64Array.of(same ? 1 : 0)), copy: out(Float64Array.from(same ? copy : src)) };
}

/** The convolution as im2col · W + bias (the reference's own im2col and gemm). */
export function convForward(batch: number, h: number, w: number, c: number, kh: number, kw: number, s: number, pt: number, pl: number, oh: number, ow: number, filters: number, x: Num, wt: Num, bias: Num): { y: RefOutput } {
  const rows = batch * oh * ow;
  const c0 = Float64Array.from({ length: rows * filters }, (_, i) => bias[i % filters]);
  return { y: gemm(0, 0, rows, filters, kh * kw * c, im2col(batch, h, w, c, kh, kw, s, pt, pl, oh, ow, x).cols.values, wt, c0).c };
}

/** cols[(b·oh + oy)·ow + ox, (ky·kw + kx)·c + ci] = x[b, oy·s − pt + ky, ox·s − pl + kx, ci] or 0. */
export function im2col(batch: number, h: number, w: number, c: number, kh: number, kw: number, s: number, pt: number, pl: number, oh: number, ow: number, x: Num): { cols: RefOutput } {
  const width = kh * kw * c;
  const cols = new Float64Array(batch * oh * ow * width);
  for (let row = 0; row < batch * oh * ow; row++) {
    const b = Math.floor(row / (oh * ow)), oy = Math.floor((row % (oh * ow)) / ow), ox = row % ow;
    for (let col = 0; col < width; col++) {
      const ky = Math.floor(col / (kw * c)), kx = Math.floor((col % (kw * c)) / c), ci = col % c;
      const iy = oy * s - pt + ky, ix = ox * s - pl + kx;
      cols[row * width + col] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((b * h + iy) * w + ix) * c + ci] : 0;
    }
  }
  return { cols: out(cols) };
}

/** dx[b, iy, ix, ci] = Σ of the cols entries im2col copies from that element (scale: Σ |entries|). */
export function col2im(batch: number, h: number, w: number, c: number, kh: number, kw: number, s: number, pt: number, pl: number, oh: number, ow: number, cols: Num): { dx: RefOutput } {
  const dx = new Float64Array(batch * h * w * c), scale = new Float64Array(dx.length);
  for (let b = 0; b < batch; b++) for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) for (let ci = 0; ci < c; ci++) {
    let sum = 0, mag = 0;
    for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
      const ny = iy + pt - ky, nx = ix + pl - kx; // = oy·s, ox·s
      if (ny < 0 || nx < 0 || ny % s || nx % s) continue;
      const oy = ny / s, ox = nx / s;
      if (oy >= oh || ox >= ow) continue;
      const v = cols[((b * oh + oy) * ow + ox) * kh * kw * c + (ky * kw + kx) * c + ci];
      sum += v; mag += Math.abs(v);
    }
    const i = ((b * h + iy) * w + ix) * c + ci;
    dx[i] = sum; scale[i] = mag;
  }
  return { dx: out(dx, scale) };
}

// --- Winograd F(2×2, 5×5): the matrices built from the interpolation points (Toom-Cook), not copied.
const WINOGRAD_POINTS = [0, 1, -1, 1 / 2, -2]; // and ∞

/** Coefficients (x⁰ first) of Π (x − p) over the points given. */
function polyFromRoots(roots: number[]): number[] {
  let c = [1];
  for (const p of roots) c = [...c.map((v, i) => -p * v + (i > 0 ? c[i - 1] : 0)), c[c.length - 1]];
  return c;
}

/** Aᵀ [2×6], G [6×5], Bᵀ [6×6] of F(2, 5) on WINOGRAD_POINTS and ∞. */
function winogradMatrices(): { AT: number[][]; G: number[][]; BT: number[][] } {
  const P = WINOGRAD_POINTS, n = P.length + 1;
  const AT = [0, 1].map((i) => [...P.map((p) => p ** i), i === 1 ? 1 : 0]);
  const G = [...P.map((p, j) => {
    const f = P.reduce((acc, q, l) => (l === j ? acc : acc * (p - q)), 1);
    return [0, 1, 2, 3, 4].map((k) => p ** k / f);
  }), [0, 0, 0, 0, 1]];
  const pad = (c: number[]) => [...c, ...new Array(n - c.length).fill(0)];
  const BT = [...P.map((_, j) => pad(polyFromRoots(P.filter((_, l) => l !== j)))), pad(polyFromRoots(P))];
  return { AT, G, BT };
}
const WINO = winogradMatrices();
const transposed = (M: number[][]) => M[0].map((_, j) => M.map((r) => r[j]));

/** L·X·Rᵀ and the same over magnitudes (the scale its f32 rounding is proportional to). */
function sandwich(L: number[][], X: number[][], R: number[][]): { v: number[][]; s: number[][] } {
  const mul = (abs: boolean) => {
    const f = (x: number) => (abs ? Math.abs(x) : x);
    const mid = L.map((l) => X[0].map((_, j) => l.reduce((acc, lv, r) => acc + f(lv) * f(X[r][j]), 0)));
    return mid.map((row) => R.map((rv) => rv.reduce((acc, v, j) => acc + f(v) * row[j], 0)));
  };
  return { v: mul(false), s: mul(true) };
}
const wTiles = (n: number) => Math.ceil(n / 2);

export function winogradInput(batch: number, h: number, w: number, c: number, pt: number, pl: number, oh: number, ow: number, x: Num): { v: RefOutput } {
  const T = batch * wTiles(oh) * wTiles(ow), v = new Float64Array(36 * T * c), scale = new Float64Array(v.length);
  for (let t = 0; t < T; t++) {
    const b = Math.floor(t / (wTiles(oh) * wTiles(ow))), ty = Math.floor((t % (wTiles(oh) * wTiles(ow))) / wTiles(ow)), tx = t % wTiles(ow);
    for (let ci = 0; ci < c; ci++) {
      const d = [0, 1, 2, 3, 4, 5].map((i) => [0, 1, 2, 3, 4, 5].map((j) => {
        const iy = 2 * ty - pt + i, ix = 2 * tx - pl + j;
        return iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((b * h + iy) * w + ix) * c + ci] : 0;
      }));
      const r = sandwich(WINO.BT, d, WINO.BT);
      for (let xi = 0; xi < 36; xi++) { v[(xi * T + t) * c + ci] = r.v[Math.floor(xi / 6)][xi % 6]; scale[(xi * T + t) * c + ci] = r.s[Math.floor(xi / 6)][xi % 6]; }
    }
  }
  return { v: out(v, scale) };
}

export function winogradInputBackward(batch: number, h: number, w: number, c: number, pt: number, pl: number, oh: number, ow: number, dv: Num): { dx: RefOutput } {
  const T = batch * wTiles(oh) * wTiles(ow), dx = new Float64Array(batch * h * w * c), scale = new Float64Array(dx.length), B = transposed(WINO.BT);
  for (let t = 0; t < T; t++) {
    const b = Math.floor(t / (wTiles(oh) * wTiles(ow))), ty = Math.floor((t % (wTiles(oh) * wTiles(ow))) / wTiles(ow)), tx = t % wTiles(ow);
    for (let ci = 0; ci < c; ci++) {
      const r = sandwich(B, [0, 1, 2, 3, 4, 5].map((i) => [0, 1, 2, 3, 4, 5].map((j) => dv[((6 * i + j) * T + t) * c + ci])), B);
      for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
        const iy = 2 * ty - pt + i, ix = 2 * tx - pl + j;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        dx[((b * h + iy) * w + ix) * c + ci] += r.v[i][j]; scale[((b * h + iy) * w + ix) * c + ci] += r.s[i][j];
      }
    }
  }
  return { dx: out(dx, scale) };
}

export function winogradOutput(batch: number, oh: number, ow: number, c: number, m: Num): { y: RefOutput } {
  const T = batch * wTiles(oh) * wTiles(ow), y = new Float64Array(batch * oh * ow * c), scale = new Float64Array(y.length);
  for (let b = 0; b < batch; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ci = 0; ci < c; ci++) {
    const t = (b * wTiles(oh) + (oy >> 1)) * wTiles(ow) + (ox >> 1);
    const r = sandwich(WINO.AT, [0, 1, 2, 3, 4, 5].map((i) => [0, 1, 2, 3, 4, 5].map((j) => m[((6 * i + j) * T + t) * c + ci])), WINO.AT);
    y[((b * oh + oy) * ow + ox) * c + ci] = r.v[oy & 1][ox & 1]; scale[((b * oh + oy) * ow + ox) * c + ci] = r.s[oy & 1][ox & 1];
  }
  return { y: out(y, scale) };
}

export function winogradOutputBackward(batch: number, oh: number, ow: number, c: number, dy: Num): { dm: RefOutput } {
  const T = batch * wTiles(oh) * wTiles(ow), dm = new Float64Array(36 * T * c), scale = new Float64Array(dm.length), A = transposed(WINO.AT);
  for (let t = 0; t < T; t++) {
    const b = Math.floor(t / (wTiles(oh) * wTiles(ow))), ty = Math.floor((t % (wTiles(oh) * wTiles(ow))) / wTiles(ow)), tx = t % wTiles(ow);
    for (let ci = 0; ci < c; ci++) {
      const g = [0, 1].map((i) => [0, 1].map((j) => (2 * ty + i < oh && 2 * tx + j < ow ? dy[((b * oh + 2 * ty + i) * ow + 2 * tx + j) * c + ci] : 0)));
      const r = sandwich(A, g, A);
      for (let xi = 0; xi < 36; xi++) { dm[(xi * T + t) * c + ci] = r.v[Math.floor(xi / 6)][xi % 6]; scale[(xi * T + t) * c + ci] = r.s[Math.floor(xi / 6)][xi % 6]; }
    }
  }
  return { dm: out(dm, scale) };
}

export function winogradFilter(cin: number, cout: number, w: Num): { u: RefOutput } {
  const u = new Float64Array(36 * cin * cout), scale = new Float64Array(u.length);
  for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
    const r = sandwich(WINO.G, [0, 1, 2, 3, 4].map((ky) => [0, 1, 2, 3, 4].map((kx) => w[((ky * 5 + kx) * cin + ci) * cout + co])), WINO.G);
    for (let xi = 0; xi < 36; xi++) { u[(xi * cin + ci) * cout + co] = r.v[Math.floor(xi / 6)][xi % 6]; scale[(xi * cin + ci) * cout + co] = r.s[Math.floor(xi / 6)][xi % 6]; }
  }
  return { u: out(u, scale) };
}

export function winogradFilterBackward(cin: number, cout: number, du: Num): { dw: RefOutput } {
  const dw = new Float64Array(25 * cin * cout), scale = new Float64Array(dw.length), GT = transposed(WINO.G);
  for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
    const r = sandwich(GT, [0, 1, 2, 3, 4, 5].map((i) => [0, 1, 2, 3, 4, 5].map((j) => du[((6 * i + j) * cin + ci) * cout + co])), GT);
    for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) { dw[((ky * 5 + kx) * cin + ci) * cout + co] = r.v[ky][kx]; scale[((ky * 5 + kx) * cin + ci) * cout + co] = r.s[ky][kx]; }
  }
  return { dw: out(dw, scale) };
}

/** Max over each clipped window and the flat index of the first maximum. */
export function maxPoolForward(batch: number, h: number, w: number, c: number, ph: number, pw: number, s: number, oh: number, ow: number, x: Num): { y: RefOutput; arg: RefOutput } {
  const y = new Float64Array(batch * oh * ow * c), arg = new Float64Array(y.length);
  for (let b = 0; b < batch; b++) for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ci = 0; ci < c; ci++) {
    let best = -Infinity, at = -1;
    for (let iy = oy * s; iy < Math.min(h, oy * s + ph); iy++) for (let ix = ox * s; ix < Math.min(w, ox * s + pw); ix++) {
      const i = ((b * h + iy) * w + ix) * c + ci;
      if (x[i] > best) { best = x[i]; at = i; }
    }
    const o = ((b * oh + oy) * ow + ox) * c + ci;
    y[o] = best; arg[o] = at;
  }
  return { y: out(y), arg: out(arg) };
}

export function maxPoolBackward(dy: Num, arg: Num, dxCount: number): { dx: RefOutput } {
  const dx = new Float64Array(dxCount), scale = new Float64Array(dxCount);
  for (let i = 0; i < dy.length; i++) { dx[arg[i]] += dy[i]; scale[arg[i]] += Math.abs(dy[i]); }
  return { dx: out(dx, scale) };
}

/** f32(x·m): one rounding, so the kernels must match exactly. */
export function multiply(x: Num, m: Num): { y: RefOutput } {
  return { y: out(Float64Array.from({ length: x.length }, (_, i) => Math.fround(x[i] * m[i]))) };
}

// --- EURNN (float64, from the spec's formulas; scales are sums of |terms|) -------------------------

const pq = (odd: number, k: number, n: number) => (odd ? [2 * k + 1, (2 * k + 2) % n] : [2 * k, 2 * k + 1]);

export function rotationForward(rows: number, n: number, odd: number, cf: Num, x: Num): { y: RefOutput } {
  const y = new Float64Array(2 * rows * n), sc = new Float64Array(2 * rows * n);
  for (let k = 0; k < n / 2; k++) {
    const [ar, ai, br, bi, s, c] = Array.from({ length: 6 }, (_, i) => cf[8 * k + i]);
    const [p, q] = pq(odd, k, n);
    for (let r = 0; r < rows; r++) {
      const o = 2 * r * n;
      const [xpr, xpi, xqr, xqi] = [x[o + 2 * p], x[o + 2 * p + 1], x[o + 2 * q], x[o + 2 * q + 1]];
      y[o + 2 * p] = ar * xpr - ai * xpi + br * xqr - bi * xqi;
      y[o + 2 * p + 1] = ar * xpi + ai * xpr + br * xqi + bi * xqr;
      y[o + 2 * q] = s * xpr + c * xqr;
      y[o + 2 * q + 1] = s * xpi + c * xqi;
      sc[o + 2 * p] = Math.abs(ar * xpr) + Math.abs(ai * xpi) + Math.abs(br * xqr) + Math.abs(bi * xqi);
      sc[o + 2 * p + 1] = Math.abs(ar * xpi) + Math.abs(ai * xpr) + Math.abs(br * xqi) + Math.abs(bi * xqr);
      sc[o + 2 * q] = Math.abs(s * xpr) + Math.abs(c * xqr);
      sc[o + 2 * q + 1] = Math.abs(s * xpi) + Math.abs(c * xqi);
    }
  }
  return { y: out(y, sc) };
}

export function rotationBackward(rows: number, n: number, odd: number, cf: Num, y: Num, gy: Num, ga0: Num): { gx: RefOutput; gAngles: RefOutput } {
  const gx = new Float64Array(2 * rows * n), sx = new Float64Array(2 * rows * n);
  const ga = Float64Array.from(ga0), sa = Float64Array.from(ga0, Math.abs);
  for (let k = 0; k < n / 2; k++) {
    const [ar, ai, br, bi, s, c, er, ei] = Array.from({ length: 8 }, (_, i) => cf[8 * k + i]);
    const [p, q] = pq(odd, k, n);
    for (let r = 0; r < rows; r++) {
      const o = 2 * r * n;
      const [gpr, gpi, gqr, gqi] = [gy[o + 2 * p], gy[o + 2 * p + 1], gy[o + 2 * q], gy[o + 2 * q + 1]];
      const [ypr, ypi, yqr, yqi] = [y[o + 2 * p], y[o + 2 * p + 1], y[o + 2 * q], y[o + 2 * q + 1]];
      ga[2 * k] += gpi * ypr - gpr * ypi;
      sa[2 * k] += Math.abs(gpi * ypr) + Math.abs(gpr * ypi);
      const terms = [gqr * er * ypr, gqr * ei * ypi, gqi * er * ypi, -gqi * ei * ypr, -gpr * er * yqr, gpr * ei * yqi, -gpi * er * yqi, -gpi * ei * yqr];
      ga[2 * k + 1] += terms.reduce((a, b) => a + b, 0);
      sa[2 * k + 1] += terms.reduce((a, b) => a + Math.abs(b), 0);
      gx[o + 2 * p] = ar * gpr + ai * gpi + s * gqr;
      gx[o + 2 * p + 1] = ar * gpi - ai * gpr + s * gqi;
      gx[o + 2 * q] = br * gpr + bi * gpi + c * gqr;
      gx[o + 2 * q + 1] = br * gpi - bi * gpr + c * gqi;
      sx[o + 2 * p] = Math.abs(ar * gpr) + Math.abs(ai * gpi) + Math.abs(s * gqr);
      sx[o + 2 * p + 1] = Math.abs(ar * gpi) + Math.abs(ai * gpr) + Math.abs(s * gqi);
      sx[o + 2 * q] = Math.abs(br * gpr) + Math.abs(bi * gpi) + Math.abs(c * gqr);
      sx[o + 2 * q + 1] = Math.abs(br * gpi) + Math.abs(bi * gpr) + Math.abs(c * gqi);
    }
  }
  return { gx: out(gx, sx), gAngles: out(ga, sa) };
}

const MODRELU_EPS = Math.fround(1e-5);

export function modReluForward(rows: number, n: number, z: Num, b: Num): { h: RefOutput } {
  const h = new Float64Array(2 * rows * n), sc = new Float64Array(2 * rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const o = 2 * (r * n + j);
      const nrm = Math.hypot(z[o], z[o + 1]) + MODRELU_EPS;
      const scale = Math.max(nrm + b[j], 0) / nrm;
      h[o] = z[o] * scale;
      h[o + 1] = z[o + 1] * scale;
      sc[o] = Math.abs(z[o]) * (1 + Math.abs(b[j]) / nrm);
      sc[o + 1] = Math.abs(z[o + 1]) * (1 + Math.abs(b[j]) / nrm);
    }
  }
  return { h: out(h, sc) };
}

export function modReluBackward(rows: number, n: number, z: Num, b: Num, gh: Num, gb0: Num): { gz: RefOutput; gBias: RefOutput } {
  const gz = new Float64Array(2 * rows * n), sz = new Float64Array(2 * rows * n);
  const gb = Float64Array.from(gb0), sb = Float64Array.from(gb0, Math.abs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const o = 2 * (r * n + j);
      const mag = Math.hypot(z[o], z[o + 1]), nrm = mag + MODRELU_EPS;
      if (nrm + b[j] <= 0) continue;
      const dot = gh[o] * z[o] + gh[o + 1] * z[o + 1];
      const adot = Math.abs(gh[o] * z[o]) + Math.abs(gh[o + 1] * z[o + 1]);
      const k2 = mag > 0 ? b[j] / (nrm * nrm * mag) : 0;
      for (const i of [0, 1]) {
        gz[o + i] = (1 + b[j] / nrm) * gh[o + i] - k2 * dot * z[o + i];
        sz[o + i] = (1 + Math.abs(b[j] / nrm)) * Math.abs(gh[o + i]) + Math.abs(k2 * adot * z[o + i]);
      }
      gb[j] += dot / nrm;
      sb[j] += adot / nrm;
    }
  }
  return { gz: out(gz, sz), gBias: out(gb, sb) };
}

export function complexInputForward(rows: number, n: number, d: number, x: Num, xStride: number, w: Num, b: Num, z0: Num): { z: RefOutput } {
  const z = Float64Array.from(z0), sc = Float64Array.from(z0, Math.abs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let u = b[j], su = Math.abs(b[j]);
      for (let e = 0; e < d; e++) { u += x[r * xStride + e] * w[e * n + j]; su += Math.abs(x[r * xStride + e] * w[e * n + j]); }
      z[2 * (r * n + j)] += u;
      sc[2 * (r * n + j)] += su;
    }
  }
  return { z: out(z, sc) };
}

export function complexInputBackward(rows: number, n: number, d: number, x: Num, xStride: number, gz: Num, gw0: Num, gb0: Num): { gw: RefOutput; gb: RefOutput } {
  const gw = Float64Array.from(gw0), sw = Float64Array.from(gw0, Math.abs);
  const gb = Float64Array.from(gb0), sb = Float64Array.from(gb0, Math.abs);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      const g = gz[2 * (r * n + j)];
      gb[j] += g; sb[j] += Math.abs(g);
      for (let e = 0; e < d; e++) { gw[e * n + j] += x[r * xStride + e] * g; sw[e * n + j] += Math.abs(x[r * xStride + e] * g); }
    }
  }
  return { gw: out(gw, sw), gb: out(gb, sb) };
}
