import { createBackend, type BackendChoice } from '../kernels/backend';
import { Network } from '../nn/network';
import { parseLayers } from '../nn/layers/index';
import { checkGradients } from '../nn/gradcheck';
import { Rng } from '../rng';
import { parse, intOption, choiceOption, flagValue, MAX_SEED } from './args';

export const GRADCHECK_USAGE = `simdnet gradcheck [--backend auto|wasm|js] [--layers 9:tanh,7:sigmoid,6:relu,5] [--input N] [--batch N] [--seed N] [--json]
  Checks the backward pass of a small random network against central differences.`;

/** Relative error (per tensor) above which the check fails: float32 heaps, step 3e-3. */
const TOLERANCE = 1e-3;

export async function gradcheck(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    backend: { type: 'string' }, layers: { type: 'string' }, input: { type: 'string' }, batch: { type: 'string' },
    seed: { type: 'string' }, json: { type: 'boolean' },
  }, 'gradcheck');
  if (values.help) {
    console.log(GRADCHECK_USAGE);
    return 0;
  }
  const input = intOption(values.input, 'input', 13);
  const rows = intOption(values.batch, 'batch', 11);
  const seed = intOption(values.seed, 'seed', 1, 0, MAX_SEED);
  const backend = await createBackend(choiceOption<BackendChoice>(values.backend, 'backend', ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'], 'auto'));
  const net = new Network(backend, { input, layers: flagValue('--layers', () => parseLayers(values.layers ?? '9:tanh,7:sigmoid,6:relu,5')), init: 'glorot', seed });
  const rng = new Rng(seed + 1);
  const x = Float32Array.from({ length: rows * input }, () => rng.next());
  const labels = Array.from({ length: rows }, () => rng.int(net.outputs));
  const results = checkGradients(net, x, labels);
  const ok = results.every((r) => r.relativeError < TOLERANCE);
  if (values.json) {
    console.log(JSON.stringify({ event: 'gradcheck', backend: backend.name, network: net.describe(), tolerance: TOLERANCE, ok, tensors: results }));
  } else {
    console.log(`gradient check of ${net.describe()} on ${backend.name}, batch ${rows}`);
    for (const r of results) console.log(`  ${r.name.padEnd(16)} relative error ${r.relativeError.toExponential(2)}  (${r.checked} entries)${r.relativeError < TOLERANCE ? '' : '  FAIL'}`);
    console.log(ok ? `ok: every tensor below ${TOLERANCE}` : `FAILED: some tensor at or above ${TOLERANCE}`);
  }
  return ok ? 0 : 1;
}
