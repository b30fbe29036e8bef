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
