import type { Kernels } from '../kernels/kernels';
import { fail } from '../errors';

/**
 * An optimizer updates the one contiguous parameter block from the gradient block in one kernel
 * call. Its state (velocity, moments) is `slots` more blocks of the same size, planned by the
 * network; `saved` carries that state from one fit() to the next.
 */
export interface Optimizer {
  readonly name: OptimizerName;
  readonly options: Readonly<Record<string, number | boolean>>;
  readonly slots: number;
  /** t counts steps from 1; lr is the learning rate for this step (options.lr times the schedule's factor). */
  step(k: Kernels, count: number, params: number, grads: number, state: readonly number[], t: number, lr: number): void;
  /** State and step count kept between fit() calls (and in checkpoints). */
  saved?: { t: number; state: Float32Array[] };
}

function positive(opt: string, name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) fail('ARGUMENT', `${opt}: ${name} must be a positive number, got ${v}`);
  return v;
}
function fraction(opt: string, name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0 && v < 1)) fail('ARGUMENT', `${opt}: ${name} must be in [0, 1), got ${v}`);
  return v;
}

/** θ −= lr·g */
export function sgd({ lr = 0.1 }: { lr?: number } = {}): Optimizer {
  positive('sgd', 'lr', lr);
  return { name: 'sgd', options: { lr }, slots: 0, step: (k, n, p, g, _s, _t, rate) => k.sgd(n, p, g, rate) };
}

/** v = μv + g; θ −= lr·v (Nesterov: θ −= lr·(g + μv)) */
export function momentum({ lr = 0.01, mu = 0.9, nesterov = false }: { lr?: number; mu?: number; nesterov?: boolean } = {}): Optimizer {
  positive('momentum', 'lr', lr);
  fraction('momentum', 'mu', mu);
  return {
    name: 'momentum',
    options: { lr, mu, nesterov },
    slots: 1,
    step: (k, n, p, g, [v], _t, rate) => k.momentum(n, p, g, v, rate, mu, nesterov ? 1 : 0),
  };
}

/** Adam (bias-corrected), PyTorch's defaults. */
export function adam({ lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8 }: { lr?: number; beta1?: number; beta2?: number; eps?: number } = {}): Optimizer {
  positive('adam', 'lr', lr);
  fraction('adam', 'beta1', beta1);
  fraction('adam', 'beta2', beta2);
  positive('adam', 'eps', eps);
  return {
    name: 'adam',
    options: { lr, beta1, beta2, eps },
    slots: 2,
    step: (k, n, p, g, [m, v], t, rate) => k.adam(n, p, g, m, v, rate, beta1, beta2, eps, t),
  };
}

/** AdamW, PyTorch's definition: θ −= lr·wd·θ (decoupled weight decay), then the Adam step. */
export function adamw({ lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01 }: { lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number } = {}): Optimizer {
  positive('adamw', 'lr', lr);
  fraction('adamw', 'beta1', beta1);
  fraction('adamw', 'beta2', beta2);
  positive('adamw', 'eps', eps);
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) fail('ARGUMENT', `adamw: weightDecay must be a non-negative number, got ${weightDecay}`);
  return {
    name: 'adamw',
    options: { lr, beta1, beta2, eps, weightDecay },
    slots: 2,
    step: (k, n, p, g, [m, v], t, rate) => k.adamw(n, p, g, m, v, rate, beta1, beta2, eps, t, weightDecay),
  };
}

/** RMSprop, PyTorch's definition and defaults: s = αs + (1−α)g²; θ −= lr·g/(√s + ε). */
export function rmsprop({ lr = 0.01, alpha = 0.99, eps = 1e-8 }: { lr?: number; alpha?: number; eps?: number } = {}): Optimizer {
  positive('rmsprop', 'lr', lr);
  fraction('rmsprop', 'alpha', alpha);
  positive('rmsprop', 'eps', eps);
  return {
    name: 'rmsprop',
    options: { lr, alpha, eps },
    slots: 1,
    step: (k, n, p, g, [s], _t, rate) => k.rmsprop(n, p, g, s, rate, alpha, eps),
  };
}

export const OPTIMIZERS = { sgd, momentum, adam, adamw, rmsprop } as const;
export type OptimizerName = keyof typeof OPTIMIZERS;

/** By name, with an optional learning rate (the CLI's --optimizer / --lr). */
export function optimizerByName(name: string, lr?: number): Optimizer {
  if (!(name in OPTIMIZERS)) {
    fail('ARGUMENT', `unknown optimizer '${name}'; expected ${Object.keys(OPTIMIZERS).join(', ')}`);
  }
  return OPTIMIZERS[name as OptimizerName](lr === undefined ? {} : { lr });
}
