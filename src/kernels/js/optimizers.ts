// Optimizer updates over one contiguous parameter block (PyTorch's definitions). Hyperparameters are
// rounded to f32 first, as the WASM kernels receive them.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function optimizerKernels(views: () => HeapViews) {
  const F = () => views().f32;

  const kernels = {
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

    adamw(count, params, grads, m, v, lr, beta1, beta2, eps, t, weightDecay) {
      // θ −= lr·wd·θ first (decoupled weight decay), then the Adam step
      const f = F(), P = params >>> 2;
      const decay = 1 - Math.fround(lr) * Math.fround(weightDecay);
      for (let i = 0; i < count; i++) f[P + i] *= decay;
      kernels.adam(count, params, grads, m, v, lr, beta1, beta2, eps, t);
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

    weightedSum(count, a, b, y, wa, wb) {
      const f = F();
      wa = Math.fround(wa); wb = Math.fround(wb);
      const A = a >>> 2, B = b >>> 2, Y = y >>> 2;
      for (let i = 0; i < count; i++) f[Y + i] = Math.fround(wa * f[A + i]) + Math.fround(wb * f[B + i]);
    },
  } satisfies Partial<Kernels>;
  return kernels;
}
