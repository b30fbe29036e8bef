// Optimizer updates over one contiguous parameter block (PyTorch's definitions). The last 1–3
// elements run as a partial vector (loadLanes in simd.ts), so each parameter gets the same
// arithmetic wherever its range starts: a thread that steps a part of the block steps it as one
// thread stepping the whole block would.
import { loadLanes, madd, storeLanes } from "./simd";

/** θ −= lr·g */
export function sgd(count: i32, params: usize, grads: usize, lr: f32): void {
  const nlr = f32x4.splat(-lr);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) sgdAt(<usize>i << 2, params, grads, nlr, 4);
  if (c4 < count) sgdAt(<usize>c4 << 2, params, grads, nlr, count - c4);
}
// @ts-ignore: decorator
@inline function sgdAt(o: usize, params: usize, grads: usize, nlr: v128, lanes: i32): void {
  storeLanes(params + o, madd(nlr, loadLanes(grads + o, lanes), loadLanes(params + o, lanes)), lanes);
}

/** v = μv + g; θ −= lr·v (nesterov: θ −= lr·(g + μv)) */
export function momentum(count: i32, params: usize, grads: usize, velocity: usize, lr: f32, mu: f32, nesterov: i32): void {
  const vmu = f32x4.splat(mu), vlr = f32x4.splat(lr);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) momentumAt(<usize>i << 2, params, grads, velocity, vlr, vmu, nesterov, 4);
  if (c4 < count) momentumAt(<usize>c4 << 2, params, grads, velocity, vlr, vmu, nesterov, count - c4);
}
// @ts-ignore: decorator
@inline function momentumAt(o: usize, params: usize, grads: usize, velocity: usize, vlr: v128, vmu: v128, nesterov: i32, lanes: i32): void {
  const g = loadLanes(grads + o, lanes);
  const v = f32x4.add(f32x4.mul(vmu, loadLanes(velocity + o, lanes)), g);
  storeLanes(velocity + o, v, lanes);
  const step = nesterov ? f32x4.add(g, f32x4.mul(vmu, v)) : v;
  storeLanes(params + o, f32x4.sub(loadLanes(params + o, lanes), f32x4.mul(vlr, step)), lanes);
}

/** Adam with bias correction at step t ≥ 1. */
export function adam(count: i32, params: usize, grads: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, t: i32): void {
  adamStep(count, params, grads, m, v, lr, beta1, beta2, eps, t, false, 0);
}

/** AdamW: θ −= lr·wd·θ, then the Adam step. */
export function adamw(count: i32, params: usize, grads: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, t: i32, weightDecay: f32): void {
  adamStep(count, params, grads, m, v, lr, beta1, beta2, eps, t, true, 1 - lr * weightDecay);
}

// The Adam update, with θ first scaled by `decay` when `decoupled` (a constant at each call site,
// so adam's code has no decay at all). The constants are vectors made once, outside the loop.
// @ts-ignore: decorator
@inline function adamStep(count: i32, params: usize, grads: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, t: i32, decoupled: bool, decay: f32): void {
  const bc1 = <f32>(1 - Math.pow(<f64>beta1, <f64>t));
  const bc2 = <f32>(1 - Math.pow(<f64>beta2, <f64>t));
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
  const ibc1 = f32x4.splat(1 / bc1), ibc2 = f32x4.splat(1 / bc2), veps = f32x4.splat(eps), vlr = f32x4.splat(lr), vdecay = f32x4.splat(decay);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) adamAt(<usize>i << 2, params, grads, m, v, b1, b2, ob1, ob2, ibc1, ibc2, veps, vlr, decoupled, vdecay, 4);
  if (c4 < count) adamAt(<usize>c4 << 2, params, grads, m, v, b1, b2, ob1, ob2, ibc1, ibc2, veps, vlr, decoupled, vdecay, count - c4);
}
// @ts-ignore: decorator
@inline function adamAt(o: usize, params: usize, grads: usize, m: usize, v: usize, b1: v128, b2: v128, ob1: v128, ob2: v128, ibc1: v128, ibc2: v128, veps: v128, vlr: v128, decoupled: bool, vdecay: v128, lanes: i32): void {
  const g = loadLanes(grads + o, lanes);
  const mm = f32x4.add(f32x4.mul(b1, loadLanes(m + o, lanes)), f32x4.mul(ob1, g));
  const vv = f32x4.add(f32x4.mul(b2, loadLanes(v + o, lanes)), f32x4.mul(ob2, f32x4.mul(g, g)));
  storeLanes(m + o, mm, lanes);
  storeLanes(v + o, vv, lanes);
  const den = f32x4.add(f32x4.sqrt(f32x4.mul(vv, ibc2)), veps);
  let p = loadLanes(params + o, lanes);
  if (decoupled) p = f32x4.mul(p, vdecay);
  storeLanes(params + o, f32x4.sub(p, f32x4.div(f32x4.mul(vlr, f32x4.mul(mm, ibc1)), den)), lanes);
}

/** s = αs + (1−α)g²; θ −= lr·g / (√s + ε) */
export function rmsprop(count: i32, params: usize, grads: usize, s: usize, lr: f32, alpha: f32, eps: f32): void {
  const va = f32x4.splat(alpha), voa = f32x4.splat(1 - alpha), veps = f32x4.splat(eps), vlr = f32x4.splat(lr);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) rmspropAt(<usize>i << 2, params, grads, s, va, voa, veps, vlr, 4);
  if (c4 < count) rmspropAt(<usize>c4 << 2, params, grads, s, va, voa, veps, vlr, count - c4);
}
// @ts-ignore: decorator
@inline function rmspropAt(o: usize, params: usize, grads: usize, s: usize, va: v128, voa: v128, veps: v128, vlr: v128, lanes: i32): void {
  const g = loadLanes(grads + o, lanes);
  const ss = f32x4.add(f32x4.mul(va, loadLanes(s + o, lanes)), f32x4.mul(voa, f32x4.mul(g, g)));
  storeLanes(s + o, ss, lanes);
  const den = f32x4.add(f32x4.sqrt(ss), veps);
  storeLanes(params + o, f32x4.sub(loadLanes(params + o, lanes), f32x4.div(f32x4.mul(vlr, g), den)), lanes);
}

/**
 * y = wa·a + wb·b (y may equal a or b): the fixed-order reduction of per-thread gradient blocks, each
 * weighted by its share of the batch's rows.
 */
export function weightedSum(count: i32, a: usize, b: usize, y: usize, wa: f32, wb: f32): void {
  const va = f32x4.splat(wa), vb = f32x4.splat(wb);
  const c4 = count & ~3;
  for (let i = 0; i < c4; i += 4) weightedSumAt(<usize>i << 2, a, b, y, va, vb, 4);
  if (c4 < count) weightedSumAt(<usize>c4 << 2, a, b, y, va, vb, count - c4);
}
// @ts-ignore: decorator
@inline function weightedSumAt(o: usize, a: usize, b: usize, y: usize, va: v128, vb: v128, lanes: i32): void {
  storeLanes(y + o, madd(vb, loadLanes(b + o, lanes), f32x4.mul(va, loadLanes(a + o, lanes))), lanes);
}
