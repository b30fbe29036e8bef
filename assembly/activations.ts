// Bias and activations, forward and backward side by side. Counts are elements; pointers bytes.
// Backward passes take the forward OUTPUT y, so no input has to be kept. The elementwise kernels
// run their last 1–3 elements as a partial vector (loadLanes in simd.ts: the same arithmetic for
// every element).
import { expf4 } from "./math";
import { loadLanes, storeLanes } from "./simd";

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
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) reluForwardAt(<usize>i << 2, x, y, 4);
  if (c4 < count) reluForwardAt(<usize>c4 << 2, x, y, count - c4);
}
// @ts-ignore: decorator
@inline function reluForwardAt(o: usize, x: usize, y: usize, lanes: i32): void {
  storeLanes(y + o, f32x4.max(loadLanes(x + o, lanes), f32x4.splat(0)), lanes);
}

/** dx = dy · [y > 0] */
export function reluBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) reluBackwardAt(<usize>i << 2, y, dy, dx, 4);
  if (c4 < count) reluBackwardAt(<usize>c4 << 2, y, dy, dx, count - c4);
}
// @ts-ignore: decorator
@inline function reluBackwardAt(o: usize, y: usize, dy: usize, dx: usize, lanes: i32): void {
  storeLanes(dx + o, v128.and(loadLanes(dy + o, lanes), f32x4.gt(loadLanes(y + o, lanes), f32x4.splat(0))), lanes);
}

/** y = x for x > 0, slope·x otherwise */
export function leakyReluForward(count: i32, x: usize, y: usize, slope: f32): void {
  const vslope = f32x4.splat(slope);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) leakyReluForwardAt(<usize>i << 2, x, y, vslope, 4);
  if (c4 < count) leakyReluForwardAt(<usize>c4 << 2, x, y, vslope, count - c4);
}
// @ts-ignore: decorator
@inline function leakyReluForwardAt(o: usize, x: usize, y: usize, vslope: v128, lanes: i32): void {
  const v = loadLanes(x + o, lanes);
  storeLanes(y + o, v128.bitselect(v, f32x4.mul(v, vslope), f32x4.gt(v, f32x4.splat(0))), lanes);
}

/** dx = dy · (y > 0 ? 1 : slope); with slope ≥ 0, y > 0 exactly where x > 0 */
export function leakyReluBackward(count: i32, y: usize, dy: usize, dx: usize, slope: f32): void {
  const vslope = f32x4.splat(slope);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) leakyReluBackwardAt(<usize>i << 2, y, dy, dx, vslope, 4);
  if (c4 < count) leakyReluBackwardAt(<usize>c4 << 2, y, dy, dx, vslope, count - c4);
}
// @ts-ignore: decorator
@inline function leakyReluBackwardAt(o: usize, y: usize, dy: usize, dx: usize, vslope: v128, lanes: i32): void {
  const slope = v128.bitselect(f32x4.splat(1), vslope, f32x4.gt(loadLanes(y + o, lanes), f32x4.splat(0)));
  storeLanes(dx + o, f32x4.mul(loadLanes(dy + o, lanes), slope), lanes);
}

/**
 * y = tanh(x): for |x| ≥ 0.3, sign(x)·(1 − 2 / (e^(2|x|) + 1)); below, where that formula loses
 * digits to cancellation, the odd Taylor series to x⁹ (truncation error < 6e-8 relative).
 */
export function tanhForward(count: i32, x: usize, y: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) tanhForwardAt(<usize>i << 2, x, y, 4);
  if (c4 < count) tanhForwardAt(<usize>c4 << 2, x, y, count - c4);
}
// @ts-ignore: decorator
@inline function tanhForwardAt(o: usize, x: usize, y: usize, lanes: i32): void {
  const one = f32x4.splat(1), two = f32x4.splat(2);
  const v = loadLanes(x + o, lanes);
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
  storeLanes(y + o, v128.bitselect(small, t, f32x4.lt(a, f32x4.splat(0.3))), lanes);
}

/** dx = dy · (1 − y²) */
export function tanhBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) tanhBackwardAt(<usize>i << 2, y, dy, dx, 4);
  if (c4 < count) tanhBackwardAt(<usize>c4 << 2, y, dy, dx, count - c4);
}
// @ts-ignore: decorator
@inline function tanhBackwardAt(o: usize, y: usize, dy: usize, dx: usize, lanes: i32): void {
  const v = loadLanes(y + o, lanes);
  storeLanes(dx + o, f32x4.mul(loadLanes(dy + o, lanes), f32x4.sub(f32x4.splat(1), f32x4.mul(v, v))), lanes);
}

/** y = 1 / (1 + e^(−x)) */
export function sigmoidForward(count: i32, x: usize, y: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) sigmoidForwardAt(<usize>i << 2, x, y, 4);
  if (c4 < count) sigmoidForwardAt(<usize>c4 << 2, x, y, count - c4);
}
// @ts-ignore: decorator
@inline function sigmoidForwardAt(o: usize, x: usize, y: usize, lanes: i32): void {
  const one = f32x4.splat(1);
  storeLanes(y + o, f32x4.div(one, f32x4.add(one, expf4(f32x4.neg(loadLanes(x + o, lanes))))), lanes);
}

/** dx = dy · y · (1 − y) */
export function sigmoidBackward(count: i32, y: usize, dy: usize, dx: usize): void {
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) sigmoidBackwardAt(<usize>i << 2, y, dy, dx, 4);
  if (c4 < count) sigmoidBackwardAt(<usize>c4 << 2, y, dy, dx, count - c4);
}
// @ts-ignore: decorator
@inline function sigmoidBackwardAt(o: usize, y: usize, dy: usize, dx: usize, lanes: i32): void {
  const v = loadLanes(y + o, lanes);
  storeLanes(dx + o, f32x4.mul(loadLanes(dy + o, lanes), f32x4.mul(v, f32x4.sub(f32x4.splat(1), v))), lanes);
}
