// Shared SIMD helpers. ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the branch not
// taken is never compiled: the relaxed build gets fused multiply-add, the plain build mul + add.

/** a·b + c, fused (one rounding) in the relaxed-SIMD build. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    return f32x4.relaxed_madd(a, b, c);
  } else {
    return f32x4.add(f32x4.mul(a, b), c);
  }
}

// Elementwise kernels run their last 1–3 elements through the same vector code, in a vector
// whose other lanes are zero: each element then gets the same arithmetic wherever it falls in the
// array (a scalar tail computed some of them another way: a polynomial against Mathf, mul + add
// against fused, another order of products), so a thread's block of features or parameters gives
// the same values whichever split of the work it came from.

/** The `lanes` floats at p (4: a whole vector; 1–3: the first lanes, the others zero), never reading past them. */
// @ts-ignore: decorator
@inline export function loadLanes(p: usize, lanes: i32): v128 {
  if (lanes == 4) return v128.load(p);
  return lanes == 1 ? v128.load32_zero(p) : lanes == 2 ? v128.load64_zero(p) : v128.load32_lane(p + 8, v128.load64_zero(p), 2);
}

/** Stores the first `lanes` (4: all) floats of v at p. */
// @ts-ignore: decorator
@inline export function storeLanes(p: usize, v: v128, lanes: i32): void {
  if (lanes == 4) {
    v128.store(p, v);
    return;
  }
  if (lanes == 1) v128.store32_lane(p, v, 0);
  else v128.store64_lane(p, v, 0);
  if (lanes == 3) v128.store32_lane(p + 8, v, 2);
}
