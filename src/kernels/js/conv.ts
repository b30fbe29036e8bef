// Convolution as GEMM (NHWC im2col / col2im), max pooling, element-wise multiply.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function convKernels(views: () => HeapViews) {
  const F = () => views().f32;
  const I = () => views().i32;

  return {
    im2col(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, x, cols) {
      const f = F();
      let d = cols >>> 2;
      for (let b = 0; b < batch; b++) {
        const img = (x >>> 2) + b * h * w * c;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - padT + ky, ix = ox * stride - padL + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            for (let ci = 0; ci < c; ci++) f[d++] = inside ? f[img + (iy * w + ix) * c + ci] : 0;
          }
        }
      }
    },

    convForward(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, filters, x, wt, bias, y) {
      const f = F();
      let d = y >>> 2;
      for (let b = 0; b < batch; b++) {
        const img = (x >>> 2) + b * h * w * c;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          for (let j = 0; j < filters; j++) f[d + j] = f[(bias >>> 2) + j];
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - padT + ky, ix = ox * stride - padL + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            for (let ci = 0; ci < c; ci++) {
              const v = f[img + (iy * w + ix) * c + ci];
              const wr = (wt >>> 2) + ((ky * kw + kx) * c + ci) * filters;
              for (let j = 0; j < filters; j++) f[d + j] += v * f[wr + j];
            }
          }
          d += filters;
        }
      }
    },

    col2im(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, cols, dx) {
      const f = F();
      f.fill(0, dx >>> 2, (dx >>> 2) + batch * h * w * c);
      let s = cols >>> 2;
      for (let b = 0; b < batch; b++) {
        const img = (dx >>> 2) + b * h * w * c;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
          for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
            const iy = oy * stride - padT + ky, ix = ox * stride - padL + kx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) for (let ci = 0; ci < c; ci++) f[img + (iy * w + ix) * c + ci] += f[s + ci];
            s += c;
          }
        }
      }
    },

    maxPoolForward(batch, h, w, c, ph, pw, stride, oh, ow, x, y, arg) {
      const f = F(), idx = I();
      let o = 0;
      for (let b = 0; b < batch; b++) {
        const base = b * h * w * c;
        for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) for (let ci = 0; ci < c; ci++) {
          let best = -Infinity, at = -1;
          for (let ky = 0; ky < ph && oy * stride + ky < h; ky++) {
            for (let kx = 0; kx < pw && ox * stride + kx < w; kx++) {
              const i = base + ((oy * stride + ky) * w + ox * stride + kx) * c + ci;
              if (f[(x >>> 2) + i] > best || at < 0) { best = f[(x >>> 2) + i]; at = i; }
            }
          }
          f[(y >>> 2) + o] = best;
          if (arg !== 0) idx[(arg >>> 2) + o] = at; // arg 0: no indices (inference)
          o++;
        }
      }
    },

    maxPoolBackward(outCount, dy, arg, dxCount, dx) {
      const f = F(), idx = I();
      f.fill(0, dx >>> 2, (dx >>> 2) + dxCount);
      for (let i = 0; i < outCount; i++) f[(dx >>> 2) + idx[(arg >>> 2) + i]] += f[(dy >>> 2) + i];
    },

    multiply(count, x, m, y) {
      const f = F();
      for (let i = 0; i < count; i++) f[(y >>> 2) + i] = f[(x >>> 2) + i] * f[(m >>> 2) + i];
    },
  } satisfies Partial<Kernels>;
}
