// Vector exp for the activations: 4 lanes at once instead of 4 calls to Mathf.exp.
// exp(x) = 2^n · e^r with n = round(x·log2 e), r = x − n·ln 2 (|r| ≤ ln2/2, split ln 2 for
// precision), e^r by a degree-6 Taylor polynomial (error < 2e-7 relative), 2^n built in the
// exponent bits. Inputs are clamped to [−87.3, 88.7], where the f32 result stays finite and normal.

// @ts-ignore: decorator
@inline export function expf4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.3)), f32x4.splat(88.7));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.4426950408889634)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145751953125)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606765330187e-6)));
  let p = f32x4.splat(1.0 / 720.0);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0));
  // 2^n: (n + 127) << 23 as float bits. n ∈ [−126, 128]; n = 128 only at the clamp edge (handled by
  // splitting the scale in two halves).
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

// log(1 + e) for e in [0, 1], 4 lanes: 2·atanh(s) with s = e / (2 + e) ∈ [0, 1/3], by its odd
// series to s¹³ (truncation < 2e-8 relative at s = 1/3). The loss term of sigmoid cross-entropy,
// where e = e^(−|x|).

// @ts-ignore: decorator
@inline export function log1pUnit4(e: v128): v128 {
  const s = f32x4.div(e, f32x4.add(e, f32x4.splat(2)));
  const s2 = f32x4.mul(s, s);
  let p = f32x4.splat(<f32>(2.0 / 13.0));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(2.0 / 11.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(2.0 / 9.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(2.0 / 7.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(2.0 / 5.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(<f32>(2.0 / 3.0)));
  p = f32x4.add(f32x4.mul(p, s2), f32x4.splat(2));
  return f32x4.mul(p, s);
}
