// Optimizer updates over one contiguous parameter block (PyTorch's definitions).
import { madd } from "./simd";

/** θ −= lr·g */
export function sgd(count: i32, params: usize, grads: usize, lr: f32): void {
  const nlr = f32x4.splat(-lr);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(params + o, madd(nlr, v128.load(grads + o), v128.load(params + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(params + o, load<f32>(params + o) - lr * load<f32>(grads + o));
  }
}

/** v = μv + g; θ −= lr·v (nesterov: θ −= lr·(g + μv)) */
export function momentum(count: i32, params: usize, grads: usize, velocity: usize, lr: f32, mu: f32, nesterov: i32): void {
  const vmu = f32x4.splat(mu);
  const vlr = f32x4.splat(lr);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grads + o);
    const v = f32x4.add(f32x4.mul(vmu, v128.load(velocity + o)), g);
    v128.store(velocity + o, v);
    const step = nesterov ? f32x4.add(g, f32x4.mul(vmu, v)) : v;
    v128.store(params + o, f32x4.sub(v128.load(params + o), f32x4.mul(vlr, step)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grads + o);
    const v = mu * load<f32>(velocity + o) + g;
    store<f32>(velocity + o, v);
    const step = nesterov ? g + mu * v : v;
    store<f32>(params + o, load<f32>(params + o) - lr * step);
  }
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
// so adam's code has no decay at all).
// @ts-ignore: decorator
@inline function adamStep(count: i32, params: usize, grads: usize, m: usize, v: usize, lr: f32, beta1: f32, beta2: f32, eps: f32, t: i32, decoupled: bool, decay: f32): void {
  const bc1 = <f32>(1 - Math.pow(<f64>beta1, <f64>t));
  const bc2 = <f32>(1 - Math.pow(<f64>beta2, <f64>t));
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2);
  const ob1 = f32x4.splat(1 - beta1), ob2 = f32x4.splat(1 - beta2);
  const ibc1 = f32x4.splat(1 / bc1), ibc2 = f32x4.splat(1 / bc2);
  const veps = f32x4.splat(eps), vlr = f32x4.splat(lr), vdecay = f32x4.splat(decay);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grads + o);
    const mm = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(ob1, g));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(ob2, f32x4.mul(g, g)));
    v128.store(m + o, mm);
    v128.store(v + o, vv);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(vv, ibc2)), veps);
    let p = v128.load(params + o);
    if (decoupled) p = f32x4.mul(p, vdecay);
    v128.store(params + o, f32x4.sub(p, f32x4.div(f32x4.mul(vlr, f32x4.mul(mm, ibc1)), den)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grads + o);
    const mm = beta1 * load<f32>(m + o) + (1 - beta1) * g;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * g * g;
    store<f32>(m + o, mm);
    store<f32>(v + o, vv);
    const den = Mathf.sqrt(vv * (1 / bc2)) + eps;
    let p = load<f32>(params + o);
    if (decoupled) p *= decay;
    store<f32>(params + o, p - lr * (mm * (1 / bc1)) / den);
  }
}

/** s = αs + (1−α)g²; θ −= lr·g / (√s + ε) */
export function rmsprop(count: i32, params: usize, grads: usize, s: usize, lr: f32, alpha: f32, eps: f32): void {
  const va = f32x4.splat(alpha), voa = f32x4.splat(1 - alpha);
  const veps = f32x4.splat(eps), vlr = f32x4.splat(lr);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grads + o);
    const ss = f32x4.add(f32x4.mul(va, v128.load(s + o)), f32x4.mul(voa, f32x4.mul(g, g)));
    v128.store(s + o, ss);
    const den = f32x4.add(f32x4.sqrt(ss), veps);
    v128.store(params + o, f32x4.sub(v128.load(params + o), f32x4.div(f32x4.mul(vlr, g), den)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grads + o);
    const ss = alpha * load<f32>(s + o) + (1 - alpha) * g * g;
    store<f32>(s + o, ss);
    store<f32>(params + o, load<f32>(params + o) - lr * g / (Mathf.sqrt(ss) + eps));
  }
}

/**
 * y = wa·a + wb·b (y may equal a or b): the fixed-order reduction of per-thread gradient blocks, each
 * weighted by its share of the batch's rows.
 */
export function weightedSum(count: i32, a: usize, b: usize, y: usize, wa: f32, wb: f32): void {
  const va = f32x4.splat(wa), vb = f32x4.splat(wb);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, madd(vb, v128.load(b + o), f32x4.mul(va, v128.load(a + o))));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, wa * load<f32>(a + o) + wb * load<f32>(b + o));
  }
}
