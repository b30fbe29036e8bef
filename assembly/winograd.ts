import { madd } from "./simd";
import { packA } from "./scratch";

// Winograd F(2×2, 5×5): a 5×5, stride-1 convolution computed on 6×6 input tiles that give 2×2
// outputs, with 36 multiplies per tile and channel pair instead of 100 (Lavin & Gray 2016). With
// the interpolation points 0, 1, −1, 1/2, −2 and ∞ (src/kernels/js/winograd.ts has the matrices):
//   y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
// The ⊙ summed over input channels is 36 GEMMs (gemmBatch), one per tile position ξ = 6i + j;
// these kernels are the transforms and their adjoints (the backward passes), NHWC, SIMD over
// channels (4 at a time, then one at a time for the rest). Tiled data is [36][tiles][channels], the
// tiles of a batch numbered t = (b·tilesY + ty)·tilesX + tx, tilesY = ⌈oh/2⌉, tilesX = ⌈ow/2⌉.
// A tile's intermediate 36 vectors go through the GEMM's packA scratch: it is per instance (per
// thread), and no GEMM runs while a transform does.

// @ts-ignore: decorator
@inline function ld(p: usize, one: bool): v128 {
  return one ? v128.load32_zero(p) : v128.load(p);
}
// @ts-ignore: decorator
@inline function st(p: usize, v: v128, one: bool): void {
  if (one) v128.store32_lane(p, v, 0);
  else v128.store(p, v);
}
// @ts-ignore: decorator
@inline function k(x: f32): v128 {
  return f32x4.splat(x);
}

// Each 1D transform takes its inputs as values and stores its outputs at o, o + os, …: whole
// vectors, or lane 0 only (`one`: a channel after the last whole vector).

/** Bᵀ d for 6 values. */
// @ts-ignore: decorator
@inline function bt6(d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, o: usize, os: usize, one: bool): void {
  st(o, f32x4.add(madd(k(1.5), f32x4.sub(d3, d1), f32x4.sub(d0, f32x4.add(d2, d2))), d4), one);
  st(o + os, madd(k(2.5), d3, madd(k(0.5), d2, f32x4.sub(d4, d1))), one);
  st(o + 2 * os, madd(k(-2.5), d2, madd(k(0.5), d3, f32x4.add(d1, d4))), one);
  st(o + 3 * os, f32x4.sub(madd(k(2), f32x4.sub(d3, d1), d4), d2), one);
  st(o + 4 * os, madd(k(0.5), f32x4.sub(d1, d3), f32x4.sub(d4, d2)), one);
  st(o + 5 * os, f32x4.add(madd(k(1.5), f32x4.sub(d4, d2), f32x4.sub(d1, f32x4.add(d3, d3))), d5), one);
}

/** B e for 6 values (the adjoint of bt6). */
// @ts-ignore: decorator
@inline function b6(e0: v128, e1: v128, e2: v128, e3: v128, e4: v128, e5: v128, o: usize, os: usize, one: bool): void {
  st(o, e0, one);
  st(o + os, madd(k(0.5), e4, madd(k(-1.5), e0, f32x4.sub(f32x4.add(e2, e5), f32x4.add(e1, f32x4.add(e3, e3))))), one);
  st(o + 2 * os, madd(k(-1.5), e5, madd(k(-2.5), e2, madd(k(0.5), e1, f32x4.neg(f32x4.add(f32x4.add(e0, e0), f32x4.add(e3, e4)))))), one);
  st(o + 3 * os, madd(k(2), f32x4.sub(e3, e5), madd(k(1.5), e0, madd(k(2.5), e1, f32x4.mul(k(0.5), f32x4.sub(e2, e4))))), one);
  st(o + 4 * os, madd(k(1.5), e5, f32x4.add(f32x4.add(e0, e1), f32x4.add(f32x4.add(e2, e3), e4))), one);
  st(o + 5 * os, e5, one);
}

/** G g for 5 values (6 outputs). */
// @ts-ignore: decorator
@inline function g5(g0: v128, g1: v128, g2: v128, g3: v128, g4: v128, o: usize, os: usize, one: bool): void {
  const even = f32x4.add(f32x4.add(g0, g2), g4), odd = f32x4.add(g1, g3);
  st(o, g0, one);
  st(o + os, f32x4.mul(k(<f32>(1.0 / 3)), f32x4.add(even, odd)), one);
  st(o + 2 * os, f32x4.mul(k(<f32>(1.0 / 3)), f32x4.sub(odd, even)), one);
  st(o + 3 * os, f32x4.mul(k(<f32>(-1.0 / 15)), madd(k(16), g0, madd(k(8), g1, madd(k(4), g2, madd(k(2), g3, g4))))), one);
  st(o + 4 * os, f32x4.mul(k(<f32>(1.0 / 15)), madd(k(16), g4, madd(k(-8), g3, madd(k(4), g2, madd(k(-2), g1, g0))))), one);
  st(o + 5 * os, g4, one);
}

/** Gᵀ u for 6 values (5 outputs; the adjoint of g5). */
// @ts-ignore: decorator
@inline function gt6(u0: v128, u1: v128, u2: v128, u3: v128, u4: v128, u5: v128, o: usize, os: usize, one: bool): void {
  const p = f32x4.mul(k(<f32>(1.0 / 3)), f32x4.add(u1, u2)), m = f32x4.mul(k(<f32>(1.0 / 3)), f32x4.sub(u1, u2));
  const a = f32x4.mul(k(<f32>(1.0 / 15)), u3), b = f32x4.mul(k(<f32>(1.0 / 15)), u4);
  st(o, f32x4.add(madd(k(-16), a, b), f32x4.add(u0, m)), one);
  st(o + os, f32x4.add(madd(k(-8), a, f32x4.mul(k(-2), b)), p), one);
  st(o + 2 * os, f32x4.add(madd(k(-4), a, f32x4.mul(k(4), b)), m), one);
  st(o + 3 * os, f32x4.add(madd(k(-2), a, f32x4.mul(k(-8), b)), p), one);
  st(o + 4 * os, f32x4.add(madd(k(16), b, f32x4.sub(m, a)), u5), one);
}

/** Aᵀ m for 6 values (2 outputs). */
// @ts-ignore: decorator
@inline function at6(m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, o: usize, os: usize, one: bool): void {
  st(o, f32x4.add(f32x4.add(m0, f32x4.add(m1, m2)), f32x4.add(m3, m4)), one);
  st(o + os, madd(k(0.5), m3, madd(k(-2), m4, f32x4.add(f32x4.sub(m1, m2), m5))), one);
}

/** A g for 2 values (6 outputs; the adjoint of at6). */
// @ts-ignore: decorator
@inline function a2(g0: v128, g1: v128, o: usize, os: usize, one: bool): void {
  st(o, g0, one);
  st(o + os, f32x4.add(g0, g1), one);
  st(o + 2 * os, f32x4.sub(g0, g1), one);
  st(o + 3 * os, madd(k(0.5), g1, g0), one);
  st(o + 4 * os, madd(k(-2), g1, g0), one);
  st(o + 5 * os, g1, one);
}

// @ts-ignore: decorator
@inline function tilesOf(n: i32): i32 {
  return (n + 1) >> 1;
}

/** 6 consecutive vectors of the tile scratch. */
// @ts-ignore: decorator
@inline function row6(r: usize, o: usize, os: usize, one: bool): void {
  bt6(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80), o, os, one);
}

/**
 * v[ξ, t, ci] = (Bᵀ d B)[ξ] for the 6×6 input tile d[i, j] = x[b, 2ty − padT + i, 2tx − padL + j, ci]
 * (0 outside the image), for the tiles of an oh×ow output.
 */
export function winogradInput(batch: i32, h: i32, w: i32, c: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, v: usize): void {
  const tY = tilesOf(oh), tX = tilesOf(ow), T = <usize>batch * <usize>tY * <usize>tX;
  const xi = (T * <usize>c) << 2; // bytes between tile positions ξ in v
  let t: usize = 0;
  for (let b = 0; b < batch; b++) {
    const img = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let ty = 0; ty < tY; ty++) for (let tx = 0; tx < tX; tx++) {
      const y0 = 2 * ty - padT, x0 = 2 * tx - padL, dst = v + ((t * <usize>c) << 2);
      let ci = 0;
      for (; ci + 4 <= c; ci += 4) inputTile(img, h, w, c, ci, y0, x0, dst + (<usize>ci << 2), xi, false);
      for (; ci < c; ci++) inputTile(img, h, w, c, ci, y0, x0, dst + (<usize>ci << 2), xi, true);
      t++;
    }
  }
}

// @ts-ignore: decorator
@inline function inputTile(img: usize, h: i32, w: i32, c: i32, ci: i32, y0: i32, x0: i32, dst: usize, xi: usize, one: bool): void {
  const tmp = packA, zero = f32x4.splat(0), rs = (<usize>w * <usize>c) << 2;
  for (let j = 0; j < 6; j++) { // columns: tmp[i, j] = Σ_r Bᵀ[i, r] d[r, j]
    const ix = x0 + j;
    const col = <u32>ix < <u32>w;
    const p = img + ((<usize>ix * <usize>c + <usize>ci) << 2) + <usize>y0 * rs;
    const d0 = col && <u32>y0 < <u32>h ? ld(p, one) : zero;
    const d1 = col && <u32>(y0 + 1) < <u32>h ? ld(p + rs, one) : zero;
    const d2 = col && <u32>(y0 + 2) < <u32>h ? ld(p + 2 * rs, one) : zero;
    const d3 = col && <u32>(y0 + 3) < <u32>h ? ld(p + 3 * rs, one) : zero;
    const d4 = col && <u32>(y0 + 4) < <u32>h ? ld(p + 4 * rs, one) : zero;
    const d5 = col && <u32>(y0 + 5) < <u32>h ? ld(p + 5 * rs, one) : zero;
    bt6(d0, d1, d2, d3, d4, d5, tmp + (<usize>j << 4), 96, false);
  }
  for (let i = 0; i < 6; i++) row6(tmp + <usize>i * 96, dst + <usize>(6 * i) * xi, xi, one); // rows: v[6i + j] = Σ_s tmp[i, s] B[s, j]
}

/**
 * The adjoint of winogradInput: dx = 0, then each tile's B dv Bᵀ is added to the input elements its
 * 6×6 tile covers (those inside the image).
 */
export function winogradInputBackward(batch: i32, h: i32, w: i32, c: i32, padT: i32, padL: i32, oh: i32, ow: i32, dv: usize, dx: usize): void {
  const tY = tilesOf(oh), tX = tilesOf(ow), T = <usize>batch * <usize>tY * <usize>tX;
  const xi = (T * <usize>c) << 2;
  memory.fill(dx, 0, (<usize>batch * <usize>h * <usize>w * <usize>c) << 2);
  let t: usize = 0;
  for (let b = 0; b < batch; b++) {
    const img = dx + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let ty = 0; ty < tY; ty++) for (let tx = 0; tx < tX; tx++) {
      const y0 = 2 * ty - padT, x0 = 2 * tx - padL, src = dv + ((t * <usize>c) << 2);
      let ci = 0;
      for (; ci + 4 <= c; ci += 4) inputTileBackward(img, h, w, c, ci, y0, x0, src + (<usize>ci << 2), xi, false);
      for (; ci < c; ci++) inputTileBackward(img, h, w, c, ci, y0, x0, src + (<usize>ci << 2), xi, true);
      t++;
    }
  }
}

// @ts-ignore: decorator
@inline function inputTileBackward(img: usize, h: i32, w: i32, c: i32, ci: i32, y0: i32, x0: i32, src: usize, xi: usize, one: bool): void {
  const tmp = packA, rs = (<usize>w * <usize>c) << 2;
  for (let i = 0; i < 6; i++) { // rows: tmp[i, s] = Σ_j dv[6i + j] Bᵀ[s, j]... as B applied to row i
    const p = src + <usize>(6 * i) * xi;
    b6(ld(p, one), ld(p + xi, one), ld(p + 2 * xi, one), ld(p + 3 * xi, one), ld(p + 4 * xi, one), ld(p + 5 * xi, one), tmp + <usize>i * 96, 16, false);
  }
  for (let j = 0; j < 6; j++) { // columns, into tmp's second half, then added to dx
    const q = tmp + (<usize>j << 4);
    b6(v128.load(q), v128.load(q, 96), v128.load(q, 192), v128.load(q, 288), v128.load(q, 384), v128.load(q, 480), tmp + 576 + (<usize>j << 4), 96, false);
    const ix = x0 + j;
    if (<u32>ix >= <u32>w) continue;
    const p = img + ((<usize>ix * <usize>c + <usize>ci) << 2);
    for (let i = 0; i < 6; i++) {
      const iy = y0 + i;
      if (<u32>iy >= <u32>h) continue;
      const at = p + <usize>iy * rs;
      st(at, f32x4.add(ld(at, one), v128.load(tmp + 576 + <usize>i * 96 + (<usize>j << 4))), one);
    }
  }
}

/** y[b, 2ty + i, 2tx + j, co] = (Aᵀ m A)[i, j] for the tile's outputs inside oh×ow (y is written). */
export function winogradOutput(batch: i32, oh: i32, ow: i32, c: i32, m: usize, y: usize): void {
  const tY = tilesOf(oh), tX = tilesOf(ow), T = <usize>batch * <usize>tY * <usize>tX;
  const xi = (T * <usize>c) << 2;
  let t: usize = 0;
  for (let b = 0; b < batch; b++) {
    const img = y + ((<usize>b * <usize>oh * <usize>ow * <usize>c) << 2);
    for (let ty = 0; ty < tY; ty++) for (let tx = 0; tx < tX; tx++) {
      const src = m + ((t * <usize>c) << 2);
      let ci = 0;
      for (; ci + 4 <= c; ci += 4) outputTile(img, oh, ow, c, ci, 2 * ty, 2 * tx, src + (<usize>ci << 2), xi, false);
      for (; ci < c; ci++) outputTile(img, oh, ow, c, ci, 2 * ty, 2 * tx, src + (<usize>ci << 2), xi, true);
      t++;
    }
  }
}

// @ts-ignore: decorator
@inline function outputTile(img: usize, oh: i32, ow: i32, c: i32, ci: i32, y0: i32, x0: i32, src: usize, xi: usize, one: bool): void {
  const tmp = packA;
  for (let j = 0; j < 6; j++) { // columns: tmp[i, j] = Σ_r Aᵀ[i, r] m[6r + j], i < 2
    const p = src + <usize>j * xi, s6 = <usize>6 * xi;
    at6(ld(p, one), ld(p + s6, one), ld(p + 2 * s6, one), ld(p + 3 * s6, one), ld(p + 4 * s6, one), ld(p + 5 * s6, one), tmp + (<usize>j << 4), 96, false);
  }
  const rs = (<usize>ow * <usize>c) << 2;
  for (let i = 0; i < 2; i++) {
    if (y0 + i >= oh) break;
    const o = tmp + 576 + (<usize>i << 5);
    const r = tmp + <usize>i * 96;
    at6(v128.load(r), v128.load(r, 16), v128.load(r, 32), v128.load(r, 48), v128.load(r, 64), v128.load(r, 80), o, 16, false);
    const at = img + ((<usize>(y0 + i) * <usize>ow + <usize>x0) * <usize>c + <usize>ci << 2);
    st(at, v128.load(o), one);
    if (x0 + 1 < ow) st(at + (<usize>c << 2), v128.load(o, 16), one);
  }
}

/** The adjoint of winogradOutput: dm[ξ, t, co] = (A g Aᵀ)[ξ], g the tile's 2×2 of dy (0 outside oh×ow). */
export function winogradOutputBackward(batch: i32, oh: i32, ow: i32, c: i32, dy: usize, dm: usize): void {
  const tY = tilesOf(oh), tX = tilesOf(ow), T = <usize>batch * <usize>tY * <usize>tX;
  const xi = (T * <usize>c) << 2;
  let t: usize = 0;
  for (let b = 0; b < batch; b++) {
    const img = dy + ((<usize>b * <usize>oh * <usize>ow * <usize>c) << 2);
    for (let ty = 0; ty < tY; ty++) for (let tx = 0; tx < tX; tx++) {
      const dst = dm + ((t * <usize>c) << 2);
      let ci = 0;
      for (; ci + 4 <= c; ci += 4) outputTileBackward(img, oh, ow, c, ci, 2 * ty, 2 * tx, dst + (<usize>ci << 2), xi, false);
      for (; ci < c; ci++) outputTileBackward(img, oh, ow, c, ci, 2 * ty, 2 * tx, dst + (<usize>ci << 2), xi, true);
      t++;
    }
  }
}

// @ts-ignore: decorator
@inline function outputTileBackward(img: usize, oh: i32, ow: i32, c: i32, ci: i32, y0: i32, x0: i32, dst: usize, xi: usize, one: bool): void {
  const tmp = packA, zero = f32x4.splat(0);
  const at = img + ((<usize>y0 * <usize>ow + <usize>x0) * <usize>c + <usize>ci << 2), rs = (<usize>ow * <usize>c) << 2, cs = <usize>c << 2;
  const right = x0 + 1 < ow, below = y0 + 1 < oh;
  const g00 = ld(at, one), g01 = right ? ld(at + cs, one) : zero;
  const g10 = below ? ld(at + rs, one) : zero, g11 = below && right ? ld(at + rs + cs, one) : zero;
  a2(g00, g10, tmp, 32, false); // columns: tmp[r, j] = Σ_i A[r, i] g[i, j], r < 6, j < 2
  a2(g01, g11, tmp + 16, 32, false);
  for (let r = 0; r < 6; r++) { // rows: dm[6r + s] = Σ_j tmp[r, j] Aᵀ[j, s]
    const q = tmp + (<usize>r << 5);
    a2(v128.load(q), v128.load(q, 16), dst + <usize>(6 * r) * xi, xi, one);
  }
}

/**
 * u[ξ, ci, co] = (G g Gᵀ)[ξ] for each 5×5 filter g[ky, kx] = w[(ky·5 + kx)·cin + ci, co] (w as the
 * im2col path holds it: [25·cin, cout]). Both passes run along co, contiguous in w and u, rather
 * than down one filter's taps: those are cin·cout floats apart, often a multiple of 4 KB (the same
 * L1 sets).
 */
export function winogradFilter(cin: i32, cout: i32, w: usize, u: usize): void {
  const xi = (<usize>cin * <usize>cout) << 2, ks = xi, tmp = packA; // ks: bytes between taps of w
  for (let ci = 0; ci < cin; ci++) for (let c0 = 0; c0 < cout; c0 += CO_CHUNK) {
    const n = min(CO_CHUNK, cout - c0), off = (<usize>ci * <usize>cout + <usize>c0) << 2;
    for (let kx = 0; kx < 5; kx++) { // columns: tmp[i, kx, co] = Σ_ky G[i, ky] g[ky, kx, co]
      const p = w + off + <usize>kx * ks, o = tmp + <usize>kx * CO_BYTES;
      let co = 0;
      for (; co + 4 <= n; co += 4) filterColumn(p + (<usize>co << 2), ks, o + (<usize>co << 2), false);
      for (; co < n; co++) filterColumn(p + (<usize>co << 2), ks, o + (<usize>co << 2), true);
    }
    for (let i = 0; i < 6; i++) { // rows: u[6i + j, co] = Σ_kx tmp[i, kx, co] G[j, kx]
      const r = tmp + <usize>(5 * i) * CO_BYTES, o = u + off + <usize>(6 * i) * xi;
      let co = 0;
      for (; co + 4 <= n; co += 4) filterRow(r + (<usize>co << 2), o + (<usize>co << 2), xi, false);
      for (; co < n; co++) filterRow(r + (<usize>co << 2), o + (<usize>co << 2), xi, true);
    }
  }
}

// Filters are transformed CO_CHUNK output channels at a time through the scratch: [6][5][CO_CHUNK] floats.
const CO_CHUNK: i32 = 64;
const CO_BYTES: usize = <usize>CO_CHUNK << 2;

// @ts-ignore: decorator
@inline function filterColumn(p: usize, ks: usize, o: usize, one: bool): void {
  const s5 = <usize>5 * ks;
  // One lane stored for a tail channel: a whole vector would run past the end of a scratch row.
  g5(ld(p, one), ld(p + s5, one), ld(p + 2 * s5, one), ld(p + 3 * s5, one), ld(p + 4 * s5, one), o, <usize>5 * CO_BYTES, one);
}

// @ts-ignore: decorator
@inline function filterRow(r: usize, o: usize, xi: usize, one: bool): void {
  g5(ld(r, one), ld(r + CO_BYTES, one), ld(r + 2 * CO_BYTES, one), ld(r + 3 * CO_BYTES, one), ld(r + 4 * CO_BYTES, one), o, xi, one);
}

/** The adjoint of winogradFilter: dw[(ky·5 + kx)·cin + ci, co] = (Gᵀ du G)[ky, kx] (dw is written). */
export function winogradFilterBackward(cin: i32, cout: i32, du: usize, dw: usize): void {
  const xi = (<usize>cin * <usize>cout) << 2, ks = xi, tmp = packA;
  for (let ci = 0; ci < cin; ci++) for (let c0 = 0; c0 < cout; c0 += CO_CHUNK) {
    const n = min(CO_CHUNK, cout - c0), off = (<usize>ci * <usize>cout + <usize>c0) << 2;
    for (let i = 0; i < 6; i++) { // rows: tmp[i, kx, co] = Σ_j du[6i + j, co] G[j, kx]
      const p = du + off + <usize>(6 * i) * xi, o = tmp + <usize>(5 * i) * CO_BYTES;
      let co = 0;
      for (; co + 4 <= n; co += 4) filterRowBackward(p + (<usize>co << 2), xi, o + (<usize>co << 2), false);
      for (; co < n; co++) filterRowBackward(p + (<usize>co << 2), xi, o + (<usize>co << 2), true);
    }
    for (let kx = 0; kx < 5; kx++) { // columns: dw[ky, kx, co] = Σ_i G[i, ky] tmp[i, kx, co]
      const q = tmp + <usize>kx * CO_BYTES, o = dw + off + <usize>kx * ks;
      let co = 0;
      for (; co + 4 <= n; co += 4) filterColumnBackward(q + (<usize>co << 2), o + (<usize>co << 2), ks, false);
      for (; co < n; co++) filterColumnBackward(q + (<usize>co << 2), o + (<usize>co << 2), ks, true);
    }
  }
}

// @ts-ignore: decorator
@inline function filterRowBackward(p: usize, xi: usize, o: usize, one: bool): void {
  gt6(ld(p, one), ld(p + xi, one), ld(p + 2 * xi, one), ld(p + 3 * xi, one), ld(p + 4 * xi, one), ld(p + 5 * xi, one), o, CO_BYTES, one);
}

// @ts-ignore: decorator
@inline function filterColumnBackward(q: usize, o: usize, ks: usize, one: bool): void {
  const s = <usize>5 * CO_BYTES;
  gt6(ld(q, one), ld(q + s, one), ld(q + 2 * s, one), ld(q + 3 * s, one), ld(q + 4 * s, one), ld(q + 5 * s, one), o, <usize>5 * ks, one);
}
