// GEMM: C[m,n] (+)= op(A)[m,k] · op(B)[k,n], row-major, f32, byte pointers.
//
// Blocked as in BLIS/GotoBLAS: B is packed into KC×NR panels (stays in L1 while a row block streams
// past), A into MR×KC panels, and an MR×NR register-tile micro-kernel does the arithmetic. Packing
// also absorbs the transposes and zero-pads the edges, so one micro-kernel serves all four cases.
// Tile: 4×8 in both builds. Measured on Node 20's V8 (AMD EPYC, AVX-512 machine): 5×8 and 6×8 tiles
// run at HALF the speed of 4×8 with FMA and with mul+add alike (V8 spills the accumulators of the
// loop-carried tile beyond 8 vectors), so the FMA build keeps 8 accumulators: 2 FMA ports × 4 cycles
// latency = 8 chains in flight, just enough.
import { loadLanes, madd, storeLanes } from "./simd";

const NR: i32 = 8;
const MR: i32 = 4;
const KC: i32 = 256;
const MC: i32 = MR * 16;
const NC: i32 = 1024;

// Scratch for packing, handed to us by the host once (see gemmScratchBytes / setGemmScratch).
import { packA, packB, tile, setScratch } from "./scratch";

/** Bytes of scratch the GEMM needs; the host allocates them and calls setGemmScratch. */
export function gemmScratchBytes(): i32 {
  return (MC * KC + KC * NC + MR * NR) * 4 + 64;
}

export function setGemmScratch(ptr: usize): void {
  const a = (ptr + 15) & ~(<usize>15);
  const b = a + <usize>(MC * KC * 4);
  setScratch(a, b, b + <usize>(KC * NC * 4));
}

export function gemmTileRows(): i32 {
  return MR;
}

// Pack rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into MR-row panels: panel r holds, for each
// p, the MR values A(i0+r*MR .. +MR, p) contiguously; rows past mc are zero.
function packPanelsA(transA: i32, a: usize, m: i32, k: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  let dst = packA;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    if (transA) {
      // A stored [k,m]: A(i,p) = a[p*m + i]; for a fixed p the MR rows are contiguous.
      for (let p = 0; p < kc; p++) {
        const src = a + ((<usize>(p0 + p) * m + i0 + ir) << 2);
        if (rows == MR) {
          v128.store(dst, v128.load(src));
        } else {
          for (let r = 0; r < MR; r++) store<f32>(dst + (r << 2), r < rows ? load<f32>(src + (r << 2)) : 0);
        }
        dst += MR << 2;
      }
    } else {
      // A stored [m,k]: A(i,p) = a[i*k + p]. Full panels: load 4 k-values of each of the 4 rows
      // and transpose the 4×4 block in registers (scalar packing cost ~20% at 64×80×784).
      const src = a + ((<usize>(i0 + ir) * k + p0) << 2);
      const ld = <usize>k << 2;
      let p = 0;
      if (rows == MR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const r0 = v128.load(s), r1 = v128.load(s + ld), r2 = v128.load(s + ld * 2), r3 = v128.load(s + ld * 3);
          const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
          v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(dst, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 16);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 32);
          v128.store(dst, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 48);
          dst += MR << 4;
        }
      }
      for (; p < kc; p++) {
        const s = src + (<usize>p << 2);
        for (let r = 0; r < MR; r++) store<f32>(dst + (r << 2), r < rows ? load<f32>(s + ld * r) : 0);
        dst += MR << 2;
      }
    }
  }
}

// Reads 4 floats from each of 4 rows (src, src+ld, …) and writes them transposed: row q of the
// output (4 floats at dst + q·NR·4) holds element q of each input row.
// @ts-ignore: decorator
@inline function transpose4(dst: usize, src: usize, ld: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ld), r2 = v128.load(src + ld * 2), r3 = v128.load(src + ld * 3);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + (NR << 2), v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + (NR << 3), v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + (NR * 12), v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// Pack rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into NR-column panels: panel holds, for each
// p, NR values B(p, j..j+NR) contiguously; columns past nc are zero.
function packPanelsB(transB: i32, b: usize, n: i32, k: i32, p0: i32, j0: i32, kc: i32, nc: i32): void {
  let dst = packB;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (transB) {
      // B stored [n,k]: B(p,j) = b[j*k + p]. Full panels: 4 k-values of each of the 8 rows,
      // transposed as two 4×4 blocks in registers; the rest element by element.
      const ld = <usize>k << 2;
      const src = b + ((<usize>(j0 + jr) * k + p0) << 2);
      let p = 0;
      if (cols == NR) {
        for (; p + 4 <= kc; p += 4) {
          const s = src + (<usize>p << 2);
          const d = dst + (<usize>p << 5);
          transpose4(d, s, ld);
          transpose4(d + 16, s + ld * 4, ld);
        }
      }
      for (; p < kc; p++) {
        const s = src + (<usize>p << 2);
        const d = dst + (<usize>p << 5);
        for (let c = 0; c < NR; c++) store<f32>(d + (c << 2), c < cols ? load<f32>(s + ld * c) : 0);
      }
      dst += <usize>(kc * NR) << 2;
    } else {
      // B stored [k,n]: B(p,j) = b[p*n + j]; NR contiguous values per p.
      let src = b + ((<usize>p0 * n + j0 + jr) << 2);
      const ld = <usize>n << 2;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += ld; dst += NR << 2;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let c = 0; c < NR; c++) store<f32>(dst + (c << 2), c < cols ? load<f32>(src + (c << 2)) : 0);
          src += ld; dst += NR << 2;
        }
      }
    }
  }
}

// 4×8 register tile: C[0..MR, 0..8] (+)= Apanel · Bpanel over kc. ldc in bytes.
// @ts-ignore: decorator
@inline function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += MR << 2;
    bp += NR << 2;
  }
  if (acc) {
    let q = c;
    c00 = f32x4.add(c00, v128.load(q)); c01 = f32x4.add(c01, v128.load(q, 16)); q += ldc;
    c10 = f32x4.add(c10, v128.load(q)); c11 = f32x4.add(c11, v128.load(q, 16)); q += ldc;
    c20 = f32x4.add(c20, v128.load(q)); c21 = f32x4.add(c21, v128.load(q, 16)); q += ldc;
    c30 = f32x4.add(c30, v128.load(q)); c31 = f32x4.add(c31, v128.load(q, 16));
  }
  v128.store(c, c00); v128.store(c, c01, 16); c += ldc;
  v128.store(c, c10); v128.store(c, c11, 16); c += ldc;
  v128.store(c, c20); v128.store(c, c21, 16); c += ldc;
  v128.store(c, c30); v128.store(c, c31, 16);
}

// A few rows times B, neither transposed (inference on one image): packing B would copy the whole
// weight matrix per call, so stream B's rows directly: 16 columns of C in 4 registers at a time,
// then 4-column strips, then scalars.
//
// One image's inputs are mostly zeros (MNIST: ~80% of pixels; ReLU outputs: about half) and the
// work is reading B, so each row of A is first listed as (byte offset of B's row, value) pairs of
// its nonzero entries, in blocks of k, and only those rows of B are read. Reference BLAS skips zero
// entries of A the same way; with finite B the 16-column result is bit-for-bit the dense one.
const LIST_K: i32 = (MC * KC) / 2;

function gemmFewRows(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const ldb = <usize>n << 2;
  const offs = packA;
  const vals = packA + (<usize>LIST_K << 2);
  for (let i = 0; i < m; i++) {
    const arow = a + ((<usize>i * k) << 2);
    const crow = c + ((<usize>i * n) << 2);
    for (let p0 = 0; p0 < k; p0 += LIST_K) {
      const p1 = min(k, p0 + LIST_K);
      // Branch-free listing: always write, advance only past nonzeros.
      let nnz = 0;
      for (let p = p0; p < p1; p++) {
        const x = load<f32>(arow + (<usize>p << 2));
        store<u32>(offs + (<usize>nnz << 2), <u32>(<usize>p * ldb));
        store<f32>(vals + (<usize>nnz << 2), x);
        nnz += i32(x != 0);
      }
      rowTimesListedRows(nnz, n, offs, vals, b, crow, accumulate | i32(p0 > 0));
    }
  }
}

// C row (+)= Σ_q vals[q] · B row at byte offset offs[q].
function rowTimesListedRows(nnz: i32, n: i32, offs: usize, vals: usize, b: usize, crow: usize, accumulate: i32): void {
  const n16 = n & ~15;
  const n4 = n & ~3;
  let j = 0;
  for (; j < n16; j += 16) {
    // 4 chains of 16 columns: tried 8 (32 columns, or 16 columns × even/odd rows) and V8 ran them
    // 1.6× slower (Node 20, x64), so this stays.
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    const bj = b + (<usize>j << 2);
    for (let q = 0; q < nnz; q++) {
      const av = v128.load32_splat(vals + (<usize>q << 2));
      const bp = bj + <usize>load<u32>(offs + (<usize>q << 2));
      c0 = madd(av, v128.load(bp), c0); c1 = madd(av, v128.load(bp, 16), c1);
      c2 = madd(av, v128.load(bp, 32), c2); c3 = madd(av, v128.load(bp, 48), c3);
    }
    const o = crow + (<usize>j << 2);
    if (accumulate) {
      c0 = f32x4.add(c0, v128.load(o)); c1 = f32x4.add(c1, v128.load(o, 16));
      c2 = f32x4.add(c2, v128.load(o, 32)); c3 = f32x4.add(c3, v128.load(o, 48));
    }
    v128.store(o, c0); v128.store(o, c1, 16); v128.store(o, c2, 32); v128.store(o, c3, 48);
  }
  for (; j < n4; j += 4) {
    // One 4-column strip: two chains (even and odd list entries), summed at the end.
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    const bj = b + (<usize>j << 2);
    let q = 0;
    for (; q + 2 <= nnz; q += 2) {
      const qo = <usize>q << 2;
      s0 = madd(v128.load32_splat(vals + qo), v128.load(bj + <usize>load<u32>(offs + qo)), s0);
      s1 = madd(v128.load32_splat(vals + qo, 4), v128.load(bj + <usize>load<u32>(offs + qo, 4)), s1);
    }
    if (q < nnz) s0 = madd(v128.load32_splat(vals + (<usize>q << 2)), v128.load(bj + <usize>load<u32>(offs + (<usize>q << 2))), s0);
    let sum = f32x4.add(s0, s1);
    const o = crow + (<usize>j << 2);
    if (accumulate) sum = f32x4.add(sum, v128.load(o));
    v128.store(o, sum);
  }
  // The last 1–3 columns in one pass, as a partial vector (a classifier's 10 outputs end in 2): one
  // scalar pass per column was a latency-bound chain each, 2/3 of a 1-row 3136×10 product.
  const rem = n - n4;
  if (rem == 1) listedRowsTail(nnz, offs, vals, b + (<usize>n4 << 2), crow + (<usize>n4 << 2), accumulate, 1);
  else if (rem == 2) listedRowsTail(nnz, offs, vals, b + (<usize>n4 << 2), crow + (<usize>n4 << 2), accumulate, 2);
  else if (rem == 3) listedRowsTail(nnz, offs, vals, b + (<usize>n4 << 2), crow + (<usize>n4 << 2), accumulate, 3);
}

// @ts-ignore: decorator
@inline function listedRowsTail(nnz: i32, offs: usize, vals: usize, bj: usize, o: usize, accumulate: i32, lanes: i32): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let q = 0;
  for (; q + 2 <= nnz; q += 2) {
    const qo = <usize>q << 2;
    s0 = madd(v128.load32_splat(vals + qo), loadLanes(bj + <usize>load<u32>(offs + qo), lanes), s0);
    s1 = madd(v128.load32_splat(vals + qo, 4), loadLanes(bj + <usize>load<u32>(offs + qo, 4), lanes), s1);
  }
  if (q < nnz) s0 = madd(v128.load32_splat(vals + (<usize>q << 2)), loadLanes(bj + <usize>load<u32>(offs + (<usize>q << 2)), lanes), s0);
  let sum = f32x4.add(s0, s1);
  if (accumulate) sum = f32x4.add(sum, loadLanes(o, lanes));
  storeLanes(o, sum, lanes);
}

/** count products of consecutive matrices: C_i = op(A_i)·op(B_i) (+ C_i), A_i at a + i·m·k floats, B_i at b + i·k·n, C_i at c + i·m·n. */
export function gemmBatch(count: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const sa = (<usize>m * <usize>k) << 2, sb = (<usize>k * <usize>n) << 2, sc = (<usize>m * <usize>n) << 2;
  for (let i = 0; i < count; i++) gemm(transA, transB, m, n, k, a + <usize>i * sa, b + <usize>i * sb, c + <usize>i * sc, accumulate);
}

export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, accumulate: i32): void {
  const ldc = <usize>n << 2;
  if (k == 0) {
    if (!accumulate) memory.fill(c, 0, <usize>m * ldc);
    return;
  }
  if (m < MR && !transA && !transB) {
    gemmFewRows(m, n, k, a, b, c, accumulate);
    return;
  }
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      packPanelsB(transB, b, n, k, pc, jc, kc, nc);
      const acc = pc > 0 || accumulate != 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packPanelsA(transA, a, m, k, ic, pc, mc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = packB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = packA + (<usize>(ir * kc) << 2);
            const cp = c + <usize>(ic + ir) * ldc + (<usize>(jc + jr) << 2);
            if (rows == MR && cols == NR) {
              microKernel(kc, ap, bp, cp, ldc, acc);
            } else {
              // Edge tile: compute the full tile into scratch, then copy the valid part.
              microKernel(kc, ap, bp, tile, NR << 2, false);
              for (let r = 0; r < rows; r++) {
                const crow = cp + ldc * r;
                const trow = tile + (<usize>(r * NR) << 2);
                for (let q = 0; q < cols; q++) {
                  const t = load<f32>(trow + (q << 2));
                  store<f32>(crow + (q << 2), acc ? load<f32>(crow + (q << 2)) + t : t);
                }
              }
            }
          }
        }
      }
    }
  }
}
