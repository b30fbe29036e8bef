// Bias and activations, forward and backward side by side. Counts are elements; pointers bytes.
// Backward passes take the forward OUTPUT y, so no input has to be kept.
import { expf4 } from "./math";

/** x[m,n] += bias[n] */
export function biasAdd(m: i32, n: i32, x: usize, bias: usize): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = x + ((<usize>i * n) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

/** db[n] (+)= Σ_i dy[i,n] */
export function biasGrad(m: i32, n: i32, dy: usize, db: usize, accumulate: i32): void {
  if (!accumulate) memory.fill(db, 0, <usize>n << 2);
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = dy + ((<usize>i * n) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(row + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(row + o));
    }
  }
}

/** y = max(0, x) */
export function reluForward(count: i32, x: usize, y: usize): void {
  const zero = f32x4.splat(0);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** dx = dy · [y > 0] */
export function reluBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const zero = f32x4.splat(0);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

/** y = x for x > 0, slope·x otherwise */
export function leakyReluForward(count: i32, x: usize, y: usize, slope: f32): void {
  const zero = f32x4.splat(0), vslope = f32x4.splat(slope);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.bitselect(v, f32x4.mul(v, vslope), f32x4.gt(v, zero)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : v * slope);
  }
}

/** dx = dy · (y > 0 ? 1 : slope); with slope ≥ 0, y > 0 exactly where x > 0 */
export function leakyReluBackward(count: i32, y: usize, dy: usize, dx: usize, slope: f32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1), vslope = f32x4.splat(slope);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), v128.bitselect(one, vslope, f32x4.gt(v128.load(y + o), zero))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dy + o) * (load<f32>(y + o) > 0 ? <f32>1 : slope));
  }
}

/**
 * y = tanh(x): for |x| ≥ 0.3, sign(x)·(1 − 2 / (e^(2|x|) + 1)); below, where that formula loses
 * digits to cancellation, the odd Taylor series to x⁹ (truncation error < 6e-8 relative).
 */
export function tanhForward(count: i32, x: usize, y: usize): void {
  const one = f32x4.splat(1), two = f32x4.splat(2);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const a = f32x4.abs(v);
    let t = f32x4.sub(one, f32x4.div(two, f32x4.add(expf4(f32x4.add(a, a)), one)));
    t = v128.or(t, v128.and(v, f32x4.splat(-0.0))); // copy the sign of x
    // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835
    const x2 = f32x4.mul(v, v);
    let p = f32x4.splat(<f32>(62.0 / 2835.0));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-17.0 / 315.0)));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(2.0 / 15.0)));
    p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>(-1.0 / 3.0)));
    const small = f32x4.add(v, f32x4.mul(f32x4.mul(p, x2), v));
    v128.store(y + o, v128.bitselect(small, t, f32x4.lt(a, f32x4.splat(0.3))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, Mathf.tanh(load<f32>(x + o)));
  }
}

/** dx = dy · (1 − y²) */
export function tanhBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const one = f32x4.splat(1);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(v, v))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - v * v));
  }
}

/** y = 1 / (1 + e^(−x)) */
export function sigmoidForward(count: i32, x: usize, y: usize): void {
  const one = f32x4.splat(1);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(v128.load(x + o))))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>1 / (<f32>1 + Mathf.exp(-load<f32>(x + o))));
  }
}

/** dx = dy · y · (1 − y) */
export function sigmoidBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const one = f32x4.splat(1);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.mul(v, f32x4.sub(one, v))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * v * (1 - v));
  }
}
