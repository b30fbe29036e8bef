import type { Kernels } from './kernels';
import type { Heap } from './heap';

/**
 * The pure-TypeScript kernels: the reference the WASM kernels are tested against, and the
 * "pure-TS path" benchmarks compare with. Plain loops over Float32Array views of the heap; simple
 * and obviously right, with loop orders that keep memory access sequential.
 */
export function createJsKernels(heap: Heap): Kernels {
  // Views of the current buffer (re-derived by the heap after a memory.grow, reused otherwise).
  const F = () => heap.views().f32;
  const I = () => heap.views().i32;
  const U = () => heap.views().u8;
  const D = () => heap.views().f64;
  let row = new Float32Array(64);

  return {
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      const f = F();
      const A = a >>> 2, B = b >>> 2, C = c >>> 2;
      if (!accumulate) f.fill(0, C, C + m * n);
      if (transB) {
        // B stored [n,k]: C(i,j) is a dot product of row i of op(A) with row j of B.
        const sa = transA ? m : 1, ra = transA ? 1 : k;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            const bj = B + j * k;
            for (let p = 0; p < k; p++) s += f[A + i * ra + p * sa] * f[bj + p];
            f[C + i * n + j] += s;
          }
        }
        return;
      }
      // Row i of C accumulates A(i,p) · B(p,:) over p: the inner loop runs along contiguous rows.
      if (row.length < n) row = new Float32Array(n);
      for (let i = 0; i < m; i++) {
        row.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const aip = transA ? f[A + p * m + i] : f[A + i * k + p];
          const bp = B + p * n;
          for (let j = 0; j < n; j++) row[j] += aip * f[bp + j];
        }
        const ci = C + i * n;
        for (let j = 0; j < n; j++) f[ci + j] += row[j];
      }
    },

    biasAdd(m, n, x, bias) {
      const f = F();
      const X = x >>> 2, Bs = bias >>> 2;
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) f[X + i * n + j] += f[Bs + j];
    },

    biasGrad(m, n, dy, db, accumulate) {
      const f = F();
      const Y = dy >>> 2, D0 = db >>> 2;
      if (!accumulate) f.fill(0, D0, D0 + n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) f[D0 + j] += f[Y + i * n + j];
    },

    reluForward(count, x, y) {
      const f = F();
      const X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < count; i++) f[Y + i] = f[X + i] > 0 ? f[X + i] : 0;
    },
    reluBackward(count, y, dy, dx) {
      const f = F();
      const Y = y >>> 2, G = dy >>> 2, O = dx >>> 2;
      for (let i = 0; i < count; i++) f[O + i] = f[Y + i] > 0 ? f[G + i] : 0;
    },
    tanhForward(count, x, y) {
      const f = F();
      const X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < count; i++) f[Y + i] = Math.tanh(f[X + i]);
    },
    tanhBackward(count, y, dy, dx) {
      const f = F();
      const Y = y >>> 2, G = dy >>> 2, O = dx >>> 2;
      for (let i = 0; i < count; i++) f[O + i] = f[G + i] * (1 - f[Y + i] * f[Y + i]);
    },
    sigmoidForward(count, x, y) {
      const f = F();
      const X = x >>> 2, Y = y >>> 2;
      for (let i = 0; i < count; i++) f[Y + i] = 1 / (1 + Math.exp(-f[X + i]));
    },
    sigmoidBackward(count, y, dy, dx) {
      const f = F();
      const Y = y >>> 2, G = dy >>> 2, O = dx >>> 2;
      for (let i = 0; i < count; i++) f[O + i] = f[G + i] * f[Y + i] * (1 - f[Y + i]);
    },

    softmax(m, n, x, y) {
      const f = F();
      for (let i = 0; i < m; i++) {
        const X = (x >>> 2) + i * n, Y = (y >>> 2) + i * n;
        let mx = -Infinity;
        for (let j = 0; j < n; j++) mx = Math.max(mx, f[X + j]);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += (f[Y + j] = Math.exp(f[X + j] - mx));
        for (let j = 0; j < n; j++) f[Y + j] /= sum;
      }
    },

    softmaxCrossEntropy(m, n, logits, labels, dLogits, stats) {
      const f = F(), lab = I(), d = D();
      let loss = 0, correct = 0;
      for (let i = 0; i < m; i++) {
        const X = (logits >>> 2) + i * n;
        const label = lab[(labels >>> 2) + i];
        let mx = f[X], arg = 0;
        for (let j = 1; j < n; j++) if (f[X + j] > mx) { mx = f[X + j]; arg = j; }
        if (arg === label) correct++;
        let sum = 0;
        for (let j = 0; j < n; j++) sum += Math.exp(f[X + j] - mx);
        // −log p[label] = log Σ exp(x − max) − (x[label] − max)
        loss += Math.log(sum) - (f[X + label] - mx);
        if (dLogits !== 0) {
          const G = (dLogits >>> 2) + i * n;
          for (let j = 0; j < n; j++) {
            const p = Math.exp(f[X + j] - mx) / sum;
            f[G + j] = (j === label ? p - 1 : p) / m;
          }
        }
      }
      d[stats >>> 3] = loss;
      d[(stats >>> 3) + 1] = correct;
    },

    squaredError(m, n, y, target, dY, stats) {
      const f = F(), d = D();
      const Y = y >>> 2, T = target >>> 2, G = dY >>> 2;
      let loss = 0;
      for (let i = 0; i < m * n; i++) {
        const diff = f[Y + i] - f[T + i];
        loss += diff * diff;
        if (dY !== 0) f[G + i] = diff / m;
      }
      d[stats >>> 3] = loss / 2;
      d[(stats >>> 3) + 1] = 0;
    },

    sgd(count, params, grads, lr) {
      const f = F();
      lr = Math.fround(lr); // hyperparameters are f32 in the WASM kernels: round the same way
      const P = params >>> 2, G = grads >>> 2;
      for (let i = 0; i < count; i++) f[P + i] -= lr * f[G + i];
    },

    momentum(count, params, grads, velocity, lr, mu, nesterov) {
      const f = F();
      [lr, mu] = [Math.fround(lr), Math.fround(mu)];
      const P = params >>> 2, G = grads >>> 2, V = velocity >>> 2;
      for (let i = 0; i < count; i++) {
        const g = f[G + i];
        const v = (f[V + i] = mu * f[V + i] + g);
        f[P + i] -= lr * (nesterov ? g + mu * v : v);
      }
    },

    adam(count, params, grads, m, v, lr, beta1, beta2, eps, t) {
      const f = F();
      [lr, beta1, beta2, eps] = [Math.fround(lr), Math.fround(beta1), Math.fround(beta2), Math.fround(eps)];
      const P = params >>> 2, G = grads >>> 2, M = m >>> 2, V = v >>> 2;
      const bc1 = 1 - Math.pow(beta1, t), bc2 = 1 - Math.pow(beta2, t);
      for (let i = 0; i < count; i++) {
        const g = f[G + i];
        const mm = (f[M + i] = beta1 * f[M + i] + (1 - beta1) * g);
        const vv = (f[V + i] = beta2 * f[V + i] + (1 - beta2) * g * g);
        f[P + i] -= (lr * (mm / bc1)) / (Math.sqrt(vv / bc2) + eps);
      }
    },

    rmsprop(count, params, grads, s, lr, alpha, eps) {
      const f = F();
      [lr, alpha, eps] = [Math.fround(lr), Math.fround(alpha), Math.fround(eps)];
      const P = params >>> 2, G = grads >>> 2, S = s >>> 2;
      for (let i = 0; i < count; i++) {
        const g = f[G + i];
        const ss = (f[S + i] = alpha * f[S + i] + (1 - alpha) * g * g);
        f[P + i] -= (lr * g) / (Math.sqrt(ss) + eps);
      }
    },

    gatherImages(rows, cols, src, _srcRows, indices, dst) {
      const f = F(), u = U(), idx = I();
      const scale = Math.fround(1 / 255);
      for (let r = 0; r < rows; r++) {
        const s = src + idx[(indices >>> 2) + r] * cols;
        const d = (dst >>> 2) + r * cols;
        for (let c = 0; c < cols; c++) f[d + c] = u[s + c] * scale;
      }
    },

    gatherLabels(rows, src, _srcRows, indices, dst) {
      const u = U(), idx = I();
      for (let r = 0; r < rows; r++) idx[(dst >>> 2) + r] = u[src + idx[(indices >>> 2) + r]];
    },

    argmax(m, n, x, out) {
      const f = F(), o = I();
      for (let i = 0; i < m; i++) {
        const X = (x >>> 2) + i * n;
        let mx = f[X], arg = 0;
        for (let j = 1; j < n; j++) if (f[X + j] > mx) { mx = f[X + j]; arg = j; }
        o[(out >>> 2) + i] = arg;
      }
    },

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
          idx[(arg >>> 2) + o] = at;
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

    maxAbs(count, x) {
      const f = F();
      const X = x >>> 2;
      let mx = 0;
      for (let i = 0; i < count; i++) mx = Math.max(mx, Math.abs(f[X + i]));
      return mx;
    },

    // --- EURNN: plain loops over the spec's formulas (float64 arithmetic, f32 storage).
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
  } satisfies Kernels;
}

/** modReLU's ε, added after the square root (as torch_eunn does). */
const MODRELU_EPS = Math.fround(1e-5);
