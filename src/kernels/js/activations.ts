// Bias and activations, forward and backward side by side. Backward passes take the forward OUTPUT y.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function activationKernels(views: () => HeapViews) {
  const F = () => views().f32;

  return {
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
    leakyReluForward(count, x, y, slope) {
      const f = F();
      const X = x >>> 2, Y = y >>> 2;
      slope = Math.fround(slope);
      for (let i = 0; i < count; i++) f[Y + i] = f[X + i] > 0 ? f[X + i] : slope * f[X + i];
    },
    leakyReluBackward(count, y, dy, dx, slope) {
      const f = F();
      const Y = y >>> 2, G = dy >>> 2, O = dx >>> 2;
      slope = Math.fround(slope);
      for (let i = 0; i < count; i++) f[O + i] = f[G + i] * (f[Y + i] > 0 ? 1 : slope);
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
  } satisfies Partial<Kernels>;
}
