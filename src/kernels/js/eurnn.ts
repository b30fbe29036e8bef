// EURNN: plain loops over the spec's formulas (float64 arithmetic, f32 storage).
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function eurnnKernels(views: () => HeapViews) {
  const F = () => views().f32;

  return {
    rotationForward(rows, n, odd, coeffs, x, y) {
      const f = F();
      const C = coeffs >>> 2, X = x >>> 2, Y = y >>> 2;
      for (let k = 0; k < n / 2; k++) {
        const [ar, ai, br, bi, s, c] = f.subarray(C + 8 * k, C + 8 * k + 6);
        const p = odd ? 2 * k + 1 : 2 * k, q = odd ? (2 * k + 2) % n : 2 * k + 1;
        for (let r = 0; r < rows; r++) {
          const o = r * 2 * n;
          const xpr = f[X + o + 2 * p], xpi = f[X + o + 2 * p + 1], xqr = f[X + o + 2 * q], xqi = f[X + o + 2 * q + 1];
          f[Y + o + 2 * p] = ar * xpr - ai * xpi + br * xqr - bi * xqi;
          f[Y + o + 2 * p + 1] = ar * xpi + ai * xpr + br * xqi + bi * xqr;
          f[Y + o + 2 * q] = s * xpr + c * xqr;
          f[Y + o + 2 * q + 1] = s * xpi + c * xqi;
        }
      }
    },

    rotationBackward(rows, n, odd, coeffs, y, gy, gx, gAngles) {
      const f = F();
      const C = coeffs >>> 2, V = y >>> 2, G = gy >>> 2, GX = gx >>> 2, A = gAngles >>> 2;
      for (let k = 0; k < n / 2; k++) {
        const [ar, ai, br, bi, s, c, er, ei] = f.subarray(C + 8 * k, C + 8 * k + 8);
        const p = odd ? 2 * k + 1 : 2 * k, q = odd ? (2 * k + 2) % n : 2 * k + 1;
        let dphi = 0, dtheta = 0;
        for (let r = 0; r < rows; r++) {
          const o = r * 2 * n;
          const gpr = f[G + o + 2 * p], gpi = f[G + o + 2 * p + 1], gqr = f[G + o + 2 * q], gqi = f[G + o + 2 * q + 1];
          const ypr = f[V + o + 2 * p], ypi = f[V + o + 2 * p + 1], yqr = f[V + o + 2 * q], yqi = f[V + o + 2 * q + 1];
          dphi += gpi * ypr - gpr * ypi; // Im(g_p · conj(y_p))
          // Re(conj(g_q)·e^{−iφ}·y_p) − Re(conj(g_p)·e^{iφ}·y_q)
          dtheta += gqr * (er * ypr + ei * ypi) + gqi * (er * ypi - ei * ypr) - (gpr * (er * yqr - ei * yqi) + gpi * (er * yqi + ei * yqr));
          f[GX + o + 2 * p] = ar * gpr + ai * gpi + s * gqr; // conj(a)·g_p + s·g_q
          f[GX + o + 2 * p + 1] = ar * gpi - ai * gpr + s * gqi;
          f[GX + o + 2 * q] = br * gpr + bi * gpi + c * gqr; // conj(b)·g_p + c·g_q
          f[GX + o + 2 * q + 1] = br * gpi - bi * gpr + c * gqi;
        }
        f[A + 2 * k] += dphi;
        f[A + 2 * k + 1] += dtheta;
      }
    },

    modReluForward(rows, n, z, bias, h) {
      const f = F();
      const Z = z >>> 2, B = bias >>> 2, H = h >>> 2;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          const o = 2 * (r * n + j);
          const re = f[Z + o], im = f[Z + o + 1];
          const nrm = Math.sqrt(re * re + im * im) + MODRELU_EPS;
          const scale = Math.max(nrm + f[B + j], 0) / nrm;
          f[H + o] = re * scale;
          f[H + o + 1] = im * scale;
        }
      }
    },

    modReluBackward(rows, n, z, bias, gh, gz, gBias) {
      const f = F();
      const Z = z >>> 2, B = bias >>> 2, GH = gh >>> 2, GZ = gz >>> 2, GB = gBias >>> 2;
      for (let j = 0; j < n; j++) {
        const b = f[B + j];
        let acc = 0;
        for (let r = 0; r < rows; r++) {
          const o = 2 * (r * n + j);
          const re = f[Z + o], im = f[Z + o + 1], gre = f[GH + o], gim = f[GH + o + 1];
          const mag = Math.sqrt(re * re + im * im);
          const nrm = mag + MODRELU_EPS;
          if (nrm + b <= 0) {
            f[GZ + o] = 0;
            f[GZ + o + 1] = 0;
            continue;
          }
          const dot = gre * re + gim * im; // Re(conj(gh)·z)
          const k2 = mag > 0 ? b / (nrm * nrm * mag) : 0;
          f[GZ + o] = (1 + b / nrm) * gre - k2 * dot * re;
          f[GZ + o + 1] = (1 + b / nrm) * gim - k2 * dot * im;
          acc += dot / nrm;
        }
        f[GB + j] += acc;
      }
    },

    complexInputForward(rows, n, d, x, xStride, w, b, z) {
      const f = F();
      const X = x >>> 2, W = w >>> 2, B = b >>> 2, Z = z >>> 2;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          let u = f[B + j];
          for (let e = 0; e < d; e++) u += f[X + r * xStride + e] * f[W + e * n + j];
          f[Z + 2 * (r * n + j)] += u;
        }
      }
    },

    complexInputBackward(rows, n, d, x, xStride, gz, gw, gb) {
      const f = F();
      const X = x >>> 2, G = gz >>> 2, W = gw >>> 2, B = gb >>> 2;
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < n; j++) {
          const g = f[G + 2 * (r * n + j)];
          f[B + j] += g;
          for (let e = 0; e < d; e++) f[W + e * n + j] += f[X + r * xStride + e] * g;
        }
      }
    },
  } satisfies Partial<Kernels>;
}

/** modReLU's ε, added after the square root (as torch_eunn does). */
const MODRELU_EPS = Math.fround(1e-5);
