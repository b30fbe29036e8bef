import type { Rng } from '../rng';
import { fail } from '../errors';

/** How a weight tensor is initialised. Biases start at zero unless a layer says otherwise. */
export type Init =
  | { kind: 'normal'; stddev: number } // N(0, stddev²), as in the seed networks
  | { kind: 'uniform'; limit: number } // uniform ±limit (the EURNN reference: ±√2/√11)
  | { kind: 'he' } // uniform ±√(6 / fanIn), for ReLU
  | { kind: 'glorot' }; // uniform ±√(6 / (fanIn + fanOut)), for tanh/sigmoid

/** Parses 'normal:0.01' | 'normal' | 'uniform:0.1' | 'he' | 'glorot' (the CLI's --init). */
export function parseInit(text: string): Init {
  const [kind, arg] = String(text).split(':');
  if (kind === 'he' && arg === undefined) return { kind: 'he' };
  if (kind === 'glorot' && arg === undefined) return { kind: 'glorot' };
  if (kind === 'normal' || kind === 'uniform') {
    const v = arg === undefined && kind === 'normal' ? 0.01 : Number(arg);
    if (Number.isFinite(v) && v > 0) return kind === 'normal' ? { kind, stddev: v } : { kind, limit: v };
  }
  return fail('ARGUMENT', `unknown init '${text}': expected normal:STDDEV (e.g. normal:0.01), uniform:LIMIT, he or glorot`);
}

export function formatInit(init: Init): string {
  if (init?.kind === 'normal') return `normal:${init.stddev}`;
  if (init?.kind === 'uniform') return `uniform:${init.limit}`;
  return String(init?.kind);
}

/** Fills a [fanIn, fanOut] weight tensor. */
export function initWeights(out: Float32Array, fanIn: number, fanOut: number, init: Init, rng: Rng): void {
  if (init.kind === 'normal') {
    for (let i = 0; i < out.length; i++) out[i] = init.stddev * rng.normal();
    return;
  }
  const limit = init.kind === 'uniform' ? init.limit : init.kind === 'he' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
}
