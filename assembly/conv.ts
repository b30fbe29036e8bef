// Convolution support, NHWC layout ([batch, height, width, channels], channels contiguous):
// im2col/col2im turn a convolution into the SIMD GEMM; max pooling keeps the index of each
// maximum for its backward pass. Pointers are bytes; sizes are elements.

/**
 * cols[(b·oh + oy)·ow + ox, (ky·kw + kx)·c + ci] = x[b, oy·stride − padT + ky, ox·stride − padL + kx, ci]
 * (0 outside the image). cols is [batch·oh·ow, kh·kw·c].
 */
export function im2col(batch: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, stride: i32, padT: i32, padL: i32, oh: i32, ow: i32, x: usize, cols: usize): void {
  const rowBytes = <usize>c << 2;
  let dst = cols;
  for (let b = 0; b < batch; b++) {
    const img = x + <usize>b * <usize>h * <usize>w * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * stride - padT + ky;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * stride - padL + kx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              memory.copy(dst, img + (<usize>(iy * w + ix)) * rowBytes, rowBytes);
            } else {
              memory.fill(dst, 0, rowBytes);
            }
            dst += rowBytes;
          }
        }
      }
    }
  }
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
 * border); arg holds the flat element index into x of that maximum (the first on ties).
 */
export function maxPoolForward(batch: i32, h: i32, w: i32, c: i32, ph: i32, pw: i32, stride: i32, oh: i32, ow: i32, x: usize, y: usize, arg: usize): void {
  let o = 0;
  for (let b = 0; b < batch; b++) {
    const base = b * h * w * c;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ci = 0; ci < c; ci++) {
          let best = -Infinity as f32;
          let bestAt = -1;
          for (let ky = 0; ky < ph; ky++) {
            const iy = oy * stride + ky;
            if (iy >= h) break;
            for (let kx = 0; kx < pw; kx++) {
              const ix = ox * stride + kx;
              if (ix >= w) break;
              const at = base + (iy * w + ix) * c + ci;
              const v = load<f32>(x + (<usize>at << 2));
              if (v > best || bestAt < 0) { best = v; bestAt = at; }
            }
          }
          store<f32>(y + (<usize>o << 2), best);
          store<i32>(arg + (<usize>o << 2), bestAt);
          o++;
        }
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
