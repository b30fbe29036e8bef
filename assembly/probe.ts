// Register-only probe of this machine's SIMD peak, for the benchmarks (not part of the kernels).
// 12 independent accumulator chains, so the loop is throughput-bound rather than latency-bound,
// and no memory traffic. Built twice like the kernels: fused multiply-add (relaxed) and mul + add.
import { madd } from "./simd";

/** iterations × 12 chains × 4 lanes × 2 flops; returns a lane sum so nothing is optimised away. */
export function peak(iterations: i32, seed: f32): f32 {
  const b = f32x4.splat(0.999999);
  const a = f32x4.splat(seed);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), c10 = f32x4.splat(11), c11 = f32x4.splat(12);
  for (let i = 0; i < iterations; i++) {
    c0 = madd(c0, b, a); c1 = madd(c1, b, a); c2 = madd(c2, b, a); c3 = madd(c3, b, a);
    c4 = madd(c4, b, a); c5 = madd(c5, b, a); c6 = madd(c6, b, a); c7 = madd(c7, b, a);
    c8 = madd(c8, b, a); c9 = madd(c9, b, a); c10 = madd(c10, b, a); c11 = madd(c11, b, a);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}
