import { madd } from "./simd";
import { packB, tile } from "./scratch";

// Convolution support, NHWC layout ([batch, height, width, channels], channels contiguous):
// im2col/col2im turn a convolution into the SIMD GEMM; max pooling keeps the index of each
// maximum for its backward pass. Pointers are bytes; sizes are elements.

/**
 * cols[(b·oh + oy)·ow + ox, (ky·kw + kx)·c + ci] = x[b, oy·stride − padT + ky, ox·stride − padL + kx, ci]
 * (0 outside the image). cols is [batch·oh·ow, kh·kw·c].
 */
export function im2col(batch: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, cols: usize): void {
  const rowBytes = <usize>c << 2;
  const runFloats = kw * c;
  let dst = cols;
  for (let b = 0; b < batch; b++) {
    const img = x + <usize>b * <usize>h * <usize>w * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * stride - padL;
        // The kw·c values of one kernel row are contiguous in x: copy the in-bounds run at once.
        const kx0 = max(0, -ix0), kx1 = min(kw, w - ix0);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - padT + ky;
          if (iy < 0 || iy >= h || kx1 <= kx0) {
            zeroFloats(dst, runFloats);
          } else {
            zeroFloats(dst, kx0 * c);
            copyFloats(dst + <usize>kx0 * rowBytes, img + (<usize>(iy * w + ix0 + kx0)) * rowBytes, (kx1 - kx0) * c);
            zeroFloats(dst + <usize>kx1 * rowBytes, (kw - kx1) * c);
          }
          dst += <usize>runFloats << 2;
        }
      }
    }
  }
}

// Runs of a few to a few hundred floats (3 for a 3×3 kernel on one channel): a SIMD loop, since
// memory.copy and memory.fill cost a call each in V8 (measured: a wash for one digit's 3×3 im2col, ~20 µs both ways).
// @ts-ignore: decorator
@inline function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// @ts-ignore: decorator
@inline function zeroFloats(dst: usize, n: i32): void {
  let i = 0;
  const z = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), z);
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

/**
 * y[b, oy, ox, f] = bias[f] + Σ x[b, oy·stride − padT + ky, ox·stride − padL + kx, ci] · W[(ky·kw + kx)·c + ci, f]
 * over the in-bounds taps: the convolution without im2col, for inference on few input channels (an
 * image's first layer: im2col's short runs cost more than the arithmetic). Filters in blocks of 16:
 * each block's weights are copied, zero-padded to 16 columns, into the GEMM's packB scratch. Output
 * pixels go two at a time where both windows lie inside the image's width (8 independent
 * accumulator chains share each weight load: one pixel's 4 chains wait on the madd latency), one at
 * a time elsewhere; each pixel adds its taps in the same order either way. kh·kw·c < 16,384.
 */
export function convForward(batch: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32, filters: i32, x: usize, wt: usize, bias: usize, y: usize): void {
  const K = kh * kw * c;
  const ldy = <usize>filters << 2;
  const tapBytes = <usize>c << 6; // one tap's c rows of 16 packed floats
  const pixelStep = <usize>(stride * c) << 2; // from one output pixel's window to the next one's, in x
  for (let f0 = 0; f0 < filters; f0 += 16) {
    const nf = min(16, filters - f0);
    // Pack W[:, f0 .. f0+nf) into K rows of 16 floats, and the bias likewise after them.
    for (let p = 0; p < K + 1; p++) {
      const src = p < K ? wt + ((<usize>p * <usize>filters + <usize>f0) << 2) : bias + (<usize>f0 << 2);
      const dst = packB + (<usize>p << 6);
      for (let j = 0; j < 16; j++) store<f32>(dst + (<usize>j << 2), j < nf ? load<f32>(src + (<usize>j << 2)) : 0);
    }
    const pb = packB + (<usize>K << 6);
    let dst = y + (<usize>f0 << 2);
    for (let b = 0; b < batch; b++) {
      const img = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
      for (let oy = 0; oy < oh; oy++) {
        const iy0 = oy * stride - padT;
        const ky0 = max(0, -iy0), ky1 = min(kh, h - iy0);
        let ox = 0;
        for (; ox < ow; ox++) {
          const ix0 = ox * stride - padL;
          if (ox + 1 < ow && ix0 >= 0 && ix0 + stride + kw <= w) {
            // Two pixels, both windows whole across: their taps are the same offsets from each start.
            let a0 = v128.load(pb), a1 = v128.load(pb, 16), a2 = v128.load(pb, 32), a3 = v128.load(pb, 48);
            let b0 = a0, b1 = a1, b2 = a2, b3 = a3;
            const n = kw * c; // one kernel row's taps × channels: contiguous in x and in the pack
            for (let ky = ky0; ky < ky1; ky++) {
              let xs = img + (<usize>(((iy0 + ky) * w + ix0) * c) << 2);
              let wr = packB + <usize>(ky * kw) * tapBytes;
              for (let q = 0; q < n; q++) {
                const w0 = v128.load(wr), w1 = v128.load(wr, 16), w2 = v128.load(wr, 32), w3 = v128.load(wr, 48);
                const u = v128.load32_splat(xs), v = v128.load32_splat(xs + pixelStep);
                a0 = madd(u, w0, a0); a1 = madd(u, w1, a1); a2 = madd(u, w2, a2); a3 = madd(u, w3, a3);
                b0 = madd(v, w0, b0); b1 = madd(v, w1, b1); b2 = madd(v, w2, b2); b3 = madd(v, w3, b3);
                xs += 4; wr += 64;
              }
            }
            storeFilters(dst, nf, a0, a1, a2, a3);
            storeFilters(dst + ldy, nf, b0, b1, b2, b3);
            dst += ldy << 1;
            ox++;
            continue;
          }
          const kx0 = max(0, -ix0), kx1 = min(kw, w - ix0);
          let a0 = v128.load(pb), a1 = v128.load(pb, 16), a2 = v128.load(pb, 32), a3 = v128.load(pb, 48);
          for (let ky = ky0; ky < ky1; ky++) {
            let xs = img + (<usize>(((iy0 + ky) * w + ix0 + kx0) * c) << 2);
            let wr = packB + <usize>(ky * kw + kx0) * tapBytes;
            const n = (kx1 - kx0) * c; // the row's taps × channels are contiguous in x and in the pack
            for (let q = 0; q < n; q++) {
              const v = v128.load32_splat(xs);
              a0 = madd(v, v128.load(wr), a0); a1 = madd(v, v128.load(wr, 16), a1);
              a2 = madd(v, v128.load(wr, 32), a2); a3 = madd(v, v128.load(wr, 48), a3);
              xs += 4; wr += 64;
            }
          }
          storeFilters(dst, nf, a0, a1, a2, a3);
          dst += ldy;
        }
      }
    }
  }
}

/** One output pixel's nf (≤ 16) filters from four vectors: whole vectors stored directly, the rest through the tile. */
// @ts-ignore: decorator
@inline function storeFilters(dst: usize, nf: i32, a0: v128, a1: v128, a2: v128, a3: v128): void {
  if (nf == 16) {
    v128.store(dst, a0); v128.store(dst, a1, 16); v128.store(dst, a2, 32); v128.store(dst, a3, 48);
    return;
  }
  if (nf >= 4) v128.store(dst, a0);
  if (nf >= 8) v128.store(dst, a1, 16);
  if (nf >= 12) v128.store(dst, a2, 32);
  const whole = nf & ~3;
  if (whole == nf) return;
  v128.store(tile, a0); v128.store(tile, a1, 16); v128.store(tile, a2, 32); v128.store(tile, a3, 48);
  for (let j = whole; j < nf; j++) store<f32>(dst + (<usize>j << 2), load<f32>(tile + (<usize>j << 2)));
}

/** The adjoint of im2col: dx = 0, then dx[b, iy, ix, ci] += cols[…] for every patch entry. */
export function col2im(batch: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32, cols: usize, dx: usize): void {
  const rowBytes = <usize>c << 2;
  memory.fill(dx, 0, <usize>batch * <usize>h * <usize>w * rowBytes);
  const c4 = c & ~3;
  let src = cols;
  for (let b = 0; b < batch; b++) {
    const img = dx + <usize>b * <usize>h * <usize>w * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - padT + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride - padL + kx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const d = img + (<usize>(iy * w + ix)) * rowBytes;
              let i = 0;
              for (; i < c4; i += 4) {
                const o = <usize>i << 2;
                v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(src + o)));
              }
              for (; i < c; i++) {
                const o = <usize>i << 2;
                store<f32>(d + o, load<f32>(d + o) + load<f32>(src + o));
              }
            }
            src += rowBytes;
          }
        }
      }
    }
  }
}

/**
 * y[b, oy, ox, ci] = max of x over the ph×pw window at (oy·stride, ox·stride) (windows clipped at the
 * border); arg holds the flat element index into x of that maximum (the first on ties). arg 0: no
 * indices (inference), the same y.
 */
export function maxPoolForward(batch: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, stride: i32, oh: i32, ow: i32, x: usize, y: usize, arg: usize): void {
  if (arg == 0) {
    maxPoolValues(batch, h, w, c, ph, pw, stride, oh, ow, x, y);
    return;
  }
  const c4 = c & ~3;
  const lanes = i32x4(0, 1, 2, 3);
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * stride, y1 = min(h, y0 + ph);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride, x1 = min(w, x0 + pw);
        const first = base + (y0 * w + x0) * c;
        // Four channels at a time: the window's first element starts the running max, later ones
        // replace it only when strictly greater (the first maximum wins ties).
        let ci = 0;
        for (; ci < c4; ci += 4) {
          let best = v128.load(x + (<usize>(first + ci) << 2));
          let at = i32x4.add(i32x4.splat(first + ci), lanes);
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const i = base + (iy * w + ix) * c + ci;
              const v = v128.load(x + (<usize>i << 2));
              const gt = f32x4.gt(v, best);
              best = v128.bitselect(v, best, gt);
              at = v128.bitselect(i32x4.add(i32x4.splat(i), lanes), at, gt);
            }
          }
          v128.store(y + (<usize>(o + ci) << 2), best);
          v128.store(arg + (<usize>(o + ci) << 2), at);
        }
        for (; ci < c; ci++) {
          let best = load<f32>(x + (<usize>(first + ci) << 2));
          let bestAt = first + ci;
          for (let iy = y0; iy < y1; iy++) {
            for (let ix = x0; ix < x1; ix++) {
              const at = base + (iy * w + ix) * c + ci;
              const v = load<f32>(x + (<usize>at << 2));
              if (v > best) { best = v; bestAt = at; }
            }
          }
          store<f32>(y + (<usize>(o + ci) << 2), best);
          store<i32>(arg + (<usize>(o + ci) << 2), bestAt);
        }
        o += c;
      }
    }
  }
}

/**
 * maxPoolForward's y alone: the running max starts at the window's first element and takes a later
 * one only when it is greater (f32x4.pmax(best, v) = best < v ? v : best), so NaN and ±0 go as there.
 */
function maxPoolValues(batch: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, stride: i32, oh: i32, ow: i32, x: usize, y: usize): void {
  const c4 = c & ~3;
  const rowBytes = <usize>(w * c) << 2, pixelBytes = <usize>c << 2;
  let out = y;
  for (let b = 0; b < batch; b++) {
    const img = x + ((<usize>b * <usize>h * <usize>w * <usize>c) << 2);
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * stride, y1 = min(h, y0 + ph);
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * stride, x1 = min(w, x0 + pw);
        const first = img + (<usize>(y0 * w + x0) * pixelBytes);
        let ci = 0;
        for (; ci < c4; ci += 4) {
          const lane = first + (<usize>ci << 2);
          let best = v128.load(lane);
          for (let iy = y0; iy < y1; iy++) {
            let p = lane + <usize>(iy - y0) * rowBytes;
            for (let ix = x0; ix < x1; ix++) {
              best = f32x4.pmax(best, v128.load(p));
              p += pixelBytes;
            }
          }
          v128.store(out + (<usize>ci << 2), best);
        }
        for (; ci < c; ci++) {
          const lane = first + (<usize>ci << 2);
          let best = load<f32>(lane);
          for (let iy = y0; iy < y1; iy++) {
            let p = lane + <usize>(iy - y0) * rowBytes;
            for (let ix = x0; ix < x1; ix++) {
              const v = load<f32>(p);
              if (v > best) best = v;
              p += pixelBytes;
            }
          }
          store<f32>(out + (<usize>ci << 2), best);
        }
        out += pixelBytes;
      }
    }
  }
}

/** dx = 0 (dxCount elements), then dx[arg[i]] += dy[i] for the outCount pooled outputs. */
export function maxPoolBackward(outCount: i32, dy: usize, arg: usize, dxCount: i32, dx: usize): void {
  memory.fill(dx, 0, <usize>dxCount << 2);
  for (let i = 0; i < outCount; i++) {
    const at = <usize>load<i32>(arg + (<usize>i << 2)) << 2;
    store<f32>(dx + at, load<f32>(dx + at) + load<f32>(dy + (<usize>i << 2)));
  }
}

/** y = x · m element-wise (dropout masks, already scaled by 1/keep). y may equal x. */
export function multiply(count: i32, x: usize, m: usize, y: usize): void {
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), v128.load(m + o)));
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * load<f32>(m + o));
  }
}
