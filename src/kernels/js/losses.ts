// Output layers: softmax, fused softmax + cross-entropy, squared error, sigmoid cross-entropy, mean
// squared error, argmax. Sums in float64.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function lossKernels(views: () => HeapViews) {
  const F = () => views().f32;
  const I = () => views().i32;
  const D = () => views().f64;

  return {
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

    sigmoidCrossEntropy(m, n, logits, targets, dLogits, stats) {
      const f = F(), d = D();
      const X = logits >>> 2, T = targets >>> 2, G = dLogits >>> 2, count = m * n;
      let loss = 0, correct = 0;
      for (let i = 0; i < count; i++) {
        const x = f[X + i], t = f[T + i];
        // max(x, 0) − x·t + log(1 + e^(−|x|)); σ(x) from the same e = e^(−|x|) ≤ 1: no overflow
        const e = Math.exp(-Math.abs(x));
        loss += Math.max(x, 0) - x * t + Math.log1p(e);
        if (x > 0 === t > 0.5) correct++;
        if (dLogits !== 0) f[G + i] = ((x >= 0 ? 1 : e) / (1 + e) - t) / count;
      }
      d[stats >>> 3] = loss;
      d[(stats >>> 3) + 1] = correct;
    },

    meanSquaredError(m, n, y, target, dY, stats) {
      const f = F(), d = D();
      const Y = y >>> 2, T = target >>> 2, G = dY >>> 2, count = m * n;
      let sq = 0, abs = 0;
      for (let i = 0; i < count; i++) {
        const diff = f[Y + i] - f[T + i];
        sq += diff * diff;
        abs += Math.abs(diff);
        if (dY !== 0) f[G + i] = (2 * diff) / count;
      }
      d[stats >>> 3] = sq;
      d[(stats >>> 3) + 1] = abs;
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
  } satisfies Partial<Kernels>;
}
