import type { Rng } from '../rng';
import { SimdnetError } from '../errors';

/** How a weight tensor is initialised. Biases start at zero. */
export type Init =
  | { kind: 'normal'; stddev: number } // N(0, stddev²), as in the seed networks
  | { kind: 'he' } // uniform ±√(6 / fanIn), for ReLU
  | { kind: 'glorot' }; // uniform ±√(6 / (fanIn + fanOut)), for tanh/sigmoid

/** Parses 'normal:0.01' | 'normal' | 'he' | 'glorot' (the CLI's --init). */
export function parseInit(text: string): Init {
  const [kind, arg] = text.split(':');
  if (kind === 'he' && arg === undefined) return { kind: 'he' };
  if (kind === 'glorot' && arg === undefined) return { kind: 'glorot' };
  if (kind === 'normal') {
    const stddev = arg === undefined ? 0.01 : Number(arg);
    if (Number.isFinite(stddev) && stddev > 0) return { kind: 'normal', stddev };
  }
  throw new SimdnetError('ARGUMENT', `unknown init '${text}': expected normal:STDDEV (e.g. normal:0.01), he or glorot`);
}

export function formatInit(init: Init): string {
  return init.kind === 'normal' ? `normal:${init.stddev}` : init.kind;
}

/** Fills a [fanIn, fanOut] weight tensor. */
export function initWeights(out: Float32Array, fanIn: number, fanOut: number, init: Init, rng: Rng): void {
  if (init.kind === 'normal') {
    for (let i = 0; i < out.length; i++) out[i] = init.stddev * rng.normal();
    return;
  }
  const limit = init.kind === 'he' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}
