// Kernels of the efficient unitary RNN (EURNN; ../shared/specs/eurnn.md). Complex values are
// interleaved (re, im) f32 pairs; a hidden state is [rows, n] complex = 2n floats per row.
//
// A rotation layer mixes n/2 disjoint pairs (p, q) of components: p = 2k, q = 2k + 1 in an even
// layer, p = 2k + 1, q = (2k + 2) mod n in an odd one. Its coefficients are 8 floats per block k,
// computed from the angles φ = A[2k], θ = A[2k + 1] by the host:
//   [ar, ai, br, bi, s, c, er, ei]  with  a = e^{iφ}cosθ, b = −e^{iφ}sinθ, s = sinθ, c = cosθ, e = e^{iφ}
//   y_p = a·x_p + b·x_q,   y_q = s·x_p + c·x_q.
// One complex value is 8 bytes, so a pair (x_p, x_q) is one v128 built from two 64-bit lanes:
// [re_p, im_p, re_q, im_q]. Loops run block-outer, row-inner, so a block's coefficient vectors are
// built once per call.
import { madd } from "./simd";

// @ts-ignore: decorator
@inline function pairAddr(odd: i32, k: i32, n: i32): i32 {
  return odd ? 2 * k + 1 : 2 * k;
}
// @ts-ignore: decorator
@inline function partnerAddr(odd: i32, k: i32, n: i32): i32 {
  return odd ? (2 * k + 2 == n ? 0 : 2 * k + 2) : 2 * k + 1;
}

/** y = R x for one rotation layer over `rows` states (y may equal x). */
// Rows are processed in tiles: a state row is 8n bytes (2 KB for n = 256), so the rows of one block
// are a power-of-two stride apart and fall into the same few L1 sets. A tile of 8 rows stays in L1
// while its blocks are swept, and each cache line then serves 4 blocks (3.6× faster than sweeping
// all rows per block, measured at 100 × 256).
const TILE_F: i32 = 8;
const TILE_B: i32 = 4;

export function rotationForward(rows: i32, n: i32, odd: i32, coeffs: usize, x: usize, y: usize): void {
  for (let r0 = 0; r0 < rows; r0 += TILE_F) {
    const off = (<usize>r0 * <usize>n) << 3;
    rotationForwardTile(min(TILE_F, rows - r0), n, odd, coeffs, x + off, y + off);
  }
}

function rotationForwardTile(rows: i32, n: i32, odd: i32, coeffs: usize, x: usize, y: usize): void {
  const rowBytes = <usize>n << 3;
  const blocks = n >> 1;
  for (let k = 0; k < blocks; k++) {
    const cf = coeffs + (<usize>k << 5);
    const ar = load<f32>(cf), ai = load<f32>(cf, 4), br = load<f32>(cf, 8), bi = load<f32>(cf, 12);
    const s = load<f32>(cf, 16), c = load<f32>(cf, 20);
    const c1 = f32x4(ar, ar, s, s), c2 = f32x4(-ai, ai, 0, 0);
    const c3 = f32x4(br, br, c, c), c4 = f32x4(-bi, bi, 0, 0);
    const po = <usize>pairAddr(odd, k, n) << 3, qo = <usize>partnerAddr(odd, k, n) << 3;
    let xr = x, yr = y;
    if (qo == po + 8) {
      // The pair is 16 contiguous bytes (every block but the odd layer's wrap-around one).
      for (let r = 0; r < rows; r++) {
        const v = v128.load(xr + po);
        let out = f32x4.mul(c1, v128.shuffle<f32>(v, v, 0, 1, 0, 1));
        out = madd(c2, v128.shuffle<f32>(v, v, 1, 0, 1, 0), out);
        out = madd(c3, v128.shuffle<f32>(v, v, 2, 3, 2, 3), out);
        out = madd(c4, v128.shuffle<f32>(v, v, 3, 2, 3, 2), out);
        v128.store(yr + po, out);
        xr += rowBytes;
        yr += rowBytes;
      }
      continue;
    }
    for (let r = 0; r < rows; r++) {
      const v = v128.load64_lane(xr + qo, v128.load64_zero(xr + po), 1);
      let out = f32x4.mul(c1, v128.shuffle<f32>(v, v, 0, 1, 0, 1));
      out = madd(c2, v128.shuffle<f32>(v, v, 1, 0, 1, 0), out);
      out = madd(c3, v128.shuffle<f32>(v, v, 2, 3, 2, 3), out);
      out = madd(c4, v128.shuffle<f32>(v, v, 3, 2, 3, 2), out);
      v128.store64_lane(yr + po, out, 0);
      v128.store64_lane(yr + qo, out, 1);
      xr += rowBytes;
      yr += rowBytes;
    }
  }
}

/**
 * Backward through one rotation layer, from its OUTPUT y and the gradient gy (ĝ convention of the
 * spec): gx = Rᴴ gy (gx may equal gy), and the angle gradients summed over the rows are ADDED to
 * gAngles (n floats: ∂φ at 2k, ∂θ at 2k + 1).
 */
export function rotationBackward(rows: i32, n: i32, odd: i32, coeffs: usize, y: usize, gy: usize, gx: usize, gAngles: usize): void {
  for (let r0 = 0; r0 < rows; r0 += TILE_B) {
    const off = (<usize>r0 * <usize>n) << 3;
    rotationBackwardTile(min(TILE_B, rows - r0), n, odd, coeffs, y + off, gy + off, gx + off, gAngles);
  }
}

function rotationBackwardTile(rows: i32, n: i32, odd: i32, coeffs: usize, y: usize, gy: usize, gx: usize, gAngles: usize): void {
  const blocks = n >> 1;
  for (let k = 0; k < blocks; k++) {
    const po = <usize>pairAddr(odd, k, n) << 3, qo = <usize>partnerAddr(odd, k, n) << 3;
    const cf = coeffs + (<usize>k << 5), ga = gAngles + (<usize>k << 3);
    // One row loop per pair layout, as in the forward kernel: a select between the contiguous and
    // the wrap-around loads inside one loop kept V8 from hoisting d1..d3 out of it (and gave the
    // shared-memory build slower code than the plain one: 22% on this kernel).
    if (qo == po + 8) blockBackward(rows, n, cf, po, qo, y, gy, gx, ga, true);
    else blockBackward(rows, n, cf, po, qo, y, gy, gx, ga, false);
  }
}

/** One block's rows (its pair contiguous or not), then its angle gradients added at ga. */
// @ts-ignore: decorator
@inline function blockBackward(rows: i32, n: i32, cf: usize, po: usize, qo: usize, y: usize, gy: usize, gx: usize, ga: usize, contiguous: bool): void {
  const rowBytes = <usize>n << 3;
  const ar = load<f32>(cf), ai = load<f32>(cf, 4), br = load<f32>(cf, 8), bi = load<f32>(cf, 12);
  const s = load<f32>(cf, 16), c = load<f32>(cf, 20), er = load<f32>(cf, 24), ei = load<f32>(cf, 28);
  const d1 = f32x4(ar, ar, br, br), d2 = f32x4(ai, -ai, bi, -bi), d3 = f32x4(s, s, c, c);
  let p2 = f32x4.splat(0), q1 = f32x4.splat(0), q2 = f32x4.splat(0);
  let yr = y, gr = gy, xr = gx;
  for (let r = 0; r < rows; r++) {
    const g = contiguous ? v128.load(gr + po) : v128.load64_lane(gr + qo, v128.load64_zero(gr + po), 1);
    const v = contiguous ? v128.load(yr + po) : v128.load64_lane(yr + qo, v128.load64_zero(yr + po), 1);
    p2 = madd(g, v128.shuffle<f32>(v, v, 1, 0, 3, 2), p2);
    q1 = madd(g, v128.shuffle<f32>(v, v, 2, 3, 0, 1), q1);
    q2 = madd(g, v128.shuffle<f32>(v, v, 3, 2, 1, 0), q2);
    let out = f32x4.mul(d1, v128.shuffle<f32>(g, g, 0, 1, 0, 1));
    out = madd(d2, v128.shuffle<f32>(g, g, 1, 0, 1, 0), out);
    out = madd(d3, v128.shuffle<f32>(g, g, 2, 3, 2, 3), out);
    if (contiguous) {
      v128.store(xr + po, out);
    } else {
      v128.store64_lane(xr + po, out, 0);
      v128.store64_lane(xr + qo, out, 1);
    }
    yr += rowBytes;
    gr += rowBytes;
    xr += rowBytes;
  }
  // ∂φ = Σ Im(g_p·conj(y_p));  ∂θ = Σ Re(conj(g_q)·e^{−iφ}·y_p) − Re(conj(g_p)·e^{iφ}·y_q)
  const dphi = f32x4.extract_lane(p2, 1) - f32x4.extract_lane(p2, 0);
  const dtheta =
    er * (f32x4.extract_lane(q1, 2) + f32x4.extract_lane(q1, 3)) + ei * (f32x4.extract_lane(q2, 2) - f32x4.extract_lane(q2, 3)) -
    er * (f32x4.extract_lane(q1, 0) + f32x4.extract_lane(q1, 1)) - ei * (f32x4.extract_lane(q2, 1) - f32x4.extract_lane(q2, 0));
  store<f32>(ga, load<f32>(ga) + dphi);
  store<f32>(ga, load<f32>(ga, 4) + dtheta, 4);
}

const EPS: f32 = 1e-5;

/** h = max(|z| + ε + b, 0) · z / (|z| + ε), per unit (b: n floats); h may equal z. */
// Both mod-ReLU kernels are bound by sqrt and division. They work on 4 units at a time, split into
// a vector of real parts and one of imaginary parts, so each sqrt and division serves 4 units, not
// 2 (the same operations in the same order per unit as 2 units a vector: the results are unchanged).
export function modReluForward(rows: i32, n: i32, z: usize, bias: usize, h: usize): void {
  const eps = f32x4.splat(EPS), zero = f32x4.splat(0);
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const zr = z + ((<usize>r * <usize>n) << 3), hr = h + ((<usize>r * <usize>n) << 3);
    let j = 0;
    for (; j < n4; j += 4) {
      const a = v128.load(zr + (<usize>j << 3)), c = v128.load(zr + (<usize>j << 3), 16);
      const re = v128.shuffle<f32>(a, c, 0, 2, 4, 6), im = v128.shuffle<f32>(a, c, 1, 3, 5, 7);
      const nrm = f32x4.add(f32x4.sqrt(f32x4.add(f32x4.mul(re, re), f32x4.mul(im, im))), eps);
      const scale = f32x4.div(f32x4.max(f32x4.add(nrm, v128.load(bias + (<usize>j << 2))), zero), nrm);
      v128.store(hr + (<usize>j << 3), f32x4.mul(a, v128.shuffle<f32>(scale, scale, 0, 0, 1, 1)));
      v128.store(hr + (<usize>j << 3), f32x4.mul(c, v128.shuffle<f32>(scale, scale, 2, 2, 3, 3)), 16);
    }
    for (; j < n; j += 2) { // n ≡ 2 (mod 4): the last 2 units, one v128
      const v = v128.load(zr + (<usize>j << 3));
      const bb = v128.load64_zero(bias + (<usize>j << 2));
      const b = v128.shuffle<f32>(bb, bb, 0, 0, 1, 1);
      const sq = f32x4.mul(v, v);
      const nrm = f32x4.add(f32x4.sqrt(f32x4.add(sq, v128.shuffle<f32>(sq, sq, 1, 0, 3, 2))), eps);
      const scale = f32x4.div(f32x4.max(f32x4.add(nrm, b), zero), nrm);
      v128.store(hr + (<usize>j << 3), f32x4.mul(v, scale));
    }
  }
}

/**
 * Backward of modReluForward from its input z and the output gradient gh: gz (may equal gh), and
 * ∂L/∂b summed over the rows ADDED to gBias. Where |z| + ε + b ≤ 0 nothing flows; where |z| = 0 the
 * phase term (whose limit is 0) is dropped.
 */
export function modReluBackward(rows: i32, n: i32, z: usize, bias: usize, gh: usize, gz: usize, gBias: usize): void {
  for (let r0 = 0; r0 < rows; r0 += TILE_B) {
    const off = (<usize>r0 * <usize>n) << 3;
    modReluBackwardTile(min(TILE_B, rows - r0), n, z + off, bias, gh + off, gz + off, gBias);
  }
}

function modReluBackwardTile(rows: i32, n: i32, z: usize, bias: usize, gh: usize, gz: usize, gBias: usize): void {
  const eps = f32x4.splat(EPS), zero = f32x4.splat(0), one = f32x4.splat(1);
  const n4 = n & ~3;
  let j = 0;
  for (; j < n4; j += 4) {
    const b = v128.load(bias + (<usize>j << 2));
    let accB = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const off = ((<usize>r * <usize>n) << 3) + (<usize>j << 3);
      const va = v128.load(z + off), vc = v128.load(z + off, 16), ga = v128.load(gh + off), gc = v128.load(gh + off, 16);
      const re = v128.shuffle<f32>(va, vc, 0, 2, 4, 6), im = v128.shuffle<f32>(va, vc, 1, 3, 5, 7);
      const gre = v128.shuffle<f32>(ga, gc, 0, 2, 4, 6), gim = v128.shuffle<f32>(ga, gc, 1, 3, 5, 7);
      const mag = f32x4.sqrt(f32x4.add(f32x4.mul(re, re), f32x4.mul(im, im)));
      const nrm = f32x4.add(mag, eps);
      const active = f32x4.gt(f32x4.add(nrm, b), zero);
      const dot = f32x4.add(f32x4.mul(gre, re), f32x4.mul(gim, im)); // Re(conj(gh)·z), per unit
      const k2 = v128.and(f32x4.div(b, f32x4.mul(f32x4.mul(nrm, nrm), mag)), f32x4.gt(mag, zero));
      const fg = f32x4.add(one, f32x4.div(b, nrm)), fz = f32x4.mul(k2, dot);
      const lo = f32x4.sub(f32x4.mul(v128.shuffle<f32>(fg, fg, 0, 0, 1, 1), ga), f32x4.mul(v128.shuffle<f32>(fz, fz, 0, 0, 1, 1), va));
      const hi = f32x4.sub(f32x4.mul(v128.shuffle<f32>(fg, fg, 2, 2, 3, 3), gc), f32x4.mul(v128.shuffle<f32>(fz, fz, 2, 2, 3, 3), vc));
      v128.store(gz + off, v128.and(lo, v128.shuffle<f32>(active, active, 0, 0, 1, 1)));
      v128.store(gz + off, v128.and(hi, v128.shuffle<f32>(active, active, 2, 2, 3, 3)), 16);
      accB = f32x4.add(accB, v128.and(f32x4.div(dot, nrm), active));
    }
    const gb = gBias + (<usize>j << 2);
    v128.store(gb, f32x4.add(v128.load(gb), accB));
  }
  for (; j < n; j += 2) { // n ≡ 2 (mod 4): the last 2 units, one v128
    const bb = v128.load64_zero(bias + (<usize>j << 2));
    const b = v128.shuffle<f32>(bb, bb, 0, 0, 1, 1);
    let accB = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const off = ((<usize>r * <usize>n) << 3) + (<usize>j << 3);
      const v = v128.load(z + off), g = v128.load(gh + off);
      const sq = f32x4.mul(v, v);
      const mag = f32x4.sqrt(f32x4.add(sq, v128.shuffle<f32>(sq, sq, 1, 0, 3, 2)));
      const nrm = f32x4.add(mag, eps);
      const active = f32x4.gt(f32x4.add(nrm, b), zero);
      const d = f32x4.mul(g, v);
      const dot = f32x4.add(d, v128.shuffle<f32>(d, d, 1, 0, 3, 2));
      const k2 = v128.and(f32x4.div(b, f32x4.mul(f32x4.mul(nrm, nrm), mag)), f32x4.gt(mag, zero));
      const out = f32x4.sub(f32x4.mul(f32x4.add(one, f32x4.div(b, nrm)), g), f32x4.mul(f32x4.mul(k2, dot), v));
      v128.store(gz + off, v128.and(out, active));
      accB = f32x4.add(accB, v128.and(f32x4.div(dot, nrm), active));
    }
    const gb = gBias + (<usize>j << 2);
    store<f32>(gb, load<f32>(gb) + f32x4.extract_lane(accB, 0));
    store<f32>(gb, load<f32>(gb, 4) + f32x4.extract_lane(accB, 2), 4);
  }
}

/**
 * The input layer, added to the real parts: z[r, j].re += Σ_d x[r·xStride + d]·w[d, j] + b[j]
 * (w: [d, n] row-major, b: n floats). Imaginary parts are untouched. Four units per v128 of u,
 * spread over the two v128 of their complex values.
 */
export function complexInputForward(rows: i32, n: i32, d: i32, x: usize, xStride: i32, w: usize, b: usize, z: usize): void {
  const n4 = n & ~3;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const zr = z + ((<usize>r * <usize>n) << 3);
    const xr = x + ((<usize>r * <usize>xStride) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      let u = v128.load(b + (<usize>j << 2));
      for (let e = 0; e < d; e++) u = madd(v128.load32_splat(xr + (<usize>e << 2)), v128.load(w + ((<usize>e * <usize>n + <usize>j) << 2)), u);
      const p = zr + (<usize>j << 3);
      v128.store(p, f32x4.add(v128.load(p), v128.shuffle<f32>(u, zero, 0, 4, 1, 4)));
      v128.store(p, f32x4.add(v128.load(p, 16), v128.shuffle<f32>(u, zero, 2, 4, 3, 4)), 16);
    }
    for (; j < n; j++) {
      let u = load<f32>(b + (<usize>j << 2));
      for (let e = 0; e < d; e++) u += load<f32>(xr + (<usize>e << 2)) * load<f32>(w + ((<usize>e * <usize>n + <usize>j) << 2));
      const p = zr + (<usize>j << 3);
      store<f32>(p, load<f32>(p) + u);
    }
  }
}

/** Gradients of complexInputForward, ADDED: gw[e, j] += Σ_r x[r, e]·Re(gz[r, j]); gb[j] += Σ_r Re(gz[r, j]). */
export function complexInputBackward(rows: i32, n: i32, d: i32, x: usize, xStride: i32, gz: usize, gw: usize, gb: usize): void {
  const n4 = n & ~3;
  for (let r = 0; r < rows; r++) {
    const gr = gz + ((<usize>r * <usize>n) << 3);
    const xr = x + ((<usize>r * <usize>xStride) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const p = gr + (<usize>j << 3);
      const g = v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6); // the real parts of 4 units
      const pb = gb + (<usize>j << 2);
      v128.store(pb, f32x4.add(v128.load(pb), g));
      for (let e = 0; e < d; e++) {
        const pw = gw + ((<usize>e * <usize>n + <usize>j) << 2);
        v128.store(pw, madd(v128.load32_splat(xr + (<usize>e << 2)), g, v128.load(pw)));
      }
    }
    for (; j < n; j++) {
      const g = load<f32>(gr + (<usize>j << 3));
      const pb = gb + (<usize>j << 2);
      store<f32>(pb, load<f32>(pb) + g);
      for (let e = 0; e < d; e++) {
        const pw = gw + ((<usize>e * <usize>n + <usize>j) << 2);
        store<f32>(pw, load<f32>(pw) + load<f32>(xr + (<usize>e << 2)) * g);
      }
    }
  }
}
