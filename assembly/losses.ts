// Output layers: softmax, fused softmax + cross-entropy, squared error, argmax: per-row work over
// few classes (n = 10 for digits), so scalar code. Sigmoid cross-entropy and mean squared error are
// element-wise over all m·n outputs, so SIMD. Sums in f64.
import { expf4, log1pUnit4 } from "./math";

// @ts-ignore: decorator
@inline function sumLanes(a: v128, b: v128): f64 {
  const s = f64x2.add(a, b);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

// @ts-ignore: decorator
@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  let mx = load<f32>(x);
  for (let j = 1; j < n; j++) mx = max(mx, load<f32>(x + (<usize>j << 2)));
  return mx;
}

/** y[i,:] = softmax(x[i,:]) */
export function softmax(m: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < m; i++) {
    const xr = x + ((<usize>i * n) << 2);
    const yr = y + ((<usize>i * n) << 2);
    const mx = rowMax(xr, n);
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
      store<f32>(yr + (<usize>j << 2), e);
      sum += e;
    }
    const inv = <f32>1 / sum;
    for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
  }
}

/**
 * stats[0] = Σ_i −log softmax(x_i)[label_i], stats[1] = #(argmax x_i == label_i);
 * dLogits = (p − onehot) / m unless dLogits == 0.
 */
export function softmaxCrossEntropy(m: i32, n: i32, logits: usize, labels: usize, dLogits: usize, stats: usize): void {
  let loss: f64 = 0;
  let correct: i32 = 0;
  const scale: f32 = <f32>1 / <f32>m;
  for (let i = 0; i < m; i++) {
    const xr = logits + ((<usize>i * n) << 2);
    const label = load<i32>(labels + (<usize>i << 2));
    let mx = load<f32>(xr);
    let arg = 0;
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > mx) { mx = v; arg = j; }
    }
    if (arg == label) correct++;
    const xLabel = load<f32>(xr + (<usize>label << 2));
    let sum: f32 = 0;
    const dr = dLogits + ((<usize>i * n) << 2);
    if (dLogits != 0) {
      // Each exp once: kept in dLogits until it becomes p (the same values as computing it twice).
      for (let j = 0; j < n; j++) {
        const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
        store<f32>(dr + (<usize>j << 2), e);
        sum += e;
      }
    } else {
      for (let j = 0; j < n; j++) sum += Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
    }
    const logSum = Mathf.log(sum);
    // −log p[label] = log Σ exp(x − max) − (x[label] − max)
    loss += <f64>(logSum - (xLabel - mx));
    if (dLogits != 0) {
      const inv = <f32>1 / sum;
      for (let j = 0; j < n; j++) {
        const p = load<f32>(dr + (<usize>j << 2)) * inv;
        store<f32>(dr + (<usize>j << 2), (j == label ? p - 1 : p) * scale);
      }
    }
  }
  store<f64>(stats, loss);
  store<f64>(stats, <f64>correct, 8);
}

/** stats[0] = Σ ½(y − t)², stats[1] = 0; dY = (y − t) / m unless dY == 0. */
export function squaredError(m: i32, n: i32, y: usize, target: usize, dY: usize, stats: usize): void {
  const count = m * n;
  const scale: f32 = <f32>1 / <f32>m;
  let loss: f64 = 0;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(target + o);
    loss += <f64>(d * d);
    if (dY != 0) store<f32>(dY + o, d * scale);
  }
  store<f64>(stats, loss * 0.5);
  store<f64>(stats, 0, 8);
}

/**
 * Over count = m·n elements: stats[0] = Σ max(x, 0) − x·t + log(1 + e^(−|x|)) (stable BCE with
 * logits), stats[1] = #((x > 0) == (t > 0.5)); dLogits = (σ(x) − t) / count unless dLogits == 0.
 * σ(x) = 1 / (1 + e) for x ≥ 0, e / (1 + e) below, with e = e^(−|x|) ≤ 1: nothing overflows.
 */
export function sigmoidCrossEntropy(m: i32, n: i32, logits: usize, targets: usize, dLogits: usize, stats: usize): void {
  const count = m * n;
  const scale: f32 = <f32>1 / <f32>count;
  const zero = f32x4.splat(0), one = f32x4.splat(1), half = f32x4.splat(0.5), vscale = f32x4.splat(scale);
  let lossLo = f64x2.splat(0), lossHi = f64x2.splat(0);
  let agree = i32x4.splat(0);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(logits + o), t = v128.load(targets + o);
    const e = expf4(f32x4.neg(f32x4.abs(x)));
    const l = f32x4.add(f32x4.sub(f32x4.max(x, zero), f32x4.mul(x, t)), log1pUnit4(e));
    lossLo = f64x2.add(lossLo, f64x2.promote_low_f32x4(l));
    lossHi = f64x2.add(lossHi, promoteHigh(l));
    // lanes where the signs agree are −1: subtracting counts them
    agree = i32x4.sub(agree, v128.not(v128.xor(f32x4.gt(x, zero), f32x4.gt(t, half))));
    if (dLogits != 0) {
      const p = f32x4.div(v128.bitselect(one, e, f32x4.ge(x, zero)), f32x4.add(one, e));
      v128.store(dLogits + o, f32x4.mul(f32x4.sub(p, t), vscale));
    }
  }
  let loss = sumLanes(lossLo, lossHi);
  let correct = i32x4.extract_lane(agree, 0) + i32x4.extract_lane(agree, 1) + i32x4.extract_lane(agree, 2) + i32x4.extract_lane(agree, 3);
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const x = load<f32>(logits + o), t = load<f32>(targets + o);
    const e = Mathf.exp(-Mathf.abs(x));
    loss += <f64>(max(x, <f32>0) - x * t + Mathf.log1p(e));
    if ((x > 0) == (t > 0.5)) correct++;
    if (dLogits != 0) store<f32>(dLogits + o, ((x >= 0 ? <f32>1 : e) / (1 + e) - t) * scale);
  }
  store<f64>(stats, loss);
  store<f64>(stats, <f64>correct, 8);
}

/** stats[0] = Σ (y − t)², stats[1] = Σ |y − t| over count = m·n; dY = 2(y − t) / count unless dY == 0. */
export function meanSquaredError(m: i32, n: i32, y: usize, target: usize, dY: usize, stats: usize): void {
  const count = m * n;
  const scale: f32 = <f32>2 / <f32>count;
  const vscale = f32x4.splat(scale);
  // (y − t) is an f32; its square and |·| are summed in f64 (the square of an f32 is exact there).
  let sqLo = f64x2.splat(0), sqHi = f64x2.splat(0), absLo = f64x2.splat(0), absHi = f64x2.splat(0);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(y + o), v128.load(target + o));
    const lo = f64x2.promote_low_f32x4(d), hi = promoteHigh(d);
    sqLo = f64x2.add(sqLo, f64x2.mul(lo, lo));
    sqHi = f64x2.add(sqHi, f64x2.mul(hi, hi));
    absLo = f64x2.add(absLo, f64x2.abs(lo));
    absHi = f64x2.add(absHi, f64x2.abs(hi));
    if (dY != 0) v128.store(dY + o, f32x4.mul(d, vscale));
  }
  let sq = sumLanes(sqLo, sqHi), abs = sumLanes(absLo, absHi);
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(target + o);
    sq += <f64>d * <f64>d;
    abs += <f64>Mathf.abs(d);
    if (dY != 0) store<f32>(dY + o, d * scale);
  }
  store<f64>(stats, sq);
  store<f64>(stats, abs, 8);
}

/** out[i] = argmax x[i,:] (first on ties) */
export function argmax(m: i32, n: i32, x: usize, out: usize): void {
  for (let i = 0; i < m; i++) {
    const xr = x + ((<usize>i * n) << 2);
    let mx = load<f32>(xr);
    let arg = 0;
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > mx) { mx = v; arg = j; }
    }
    store<i32>(out + (<usize>i << 2), arg);
  }
}
