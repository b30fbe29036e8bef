/**
 * Kernel parity: every backend against the float64 reference, case by case from the one table in
 * test/support/kernel-cases.ts.
 *
 * Backends: SIMDNET_BACKENDS (comma-separated) when set — then a backend that cannot be created
 * FAILS every test of its suite, so the relaxed project cannot pass by skipping — otherwise js and
 * wasm-simd, plus wasm-relaxed when this engine validates the relaxed build.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, detectFeatures, type Backend, type BackendChoice } from '../src/kernels/backend';
import { KERNEL_NAMES } from '../src/kernels/kernels';
import { SIZES, kernelCases, generatedCases, runCase, compareOutput, describeFailures, type GeneratedData, type KernelCase, type Tolerance } from './support/kernel-cases';

const fromEnv = (process.env.SIMDNET_BACKENDS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const required = fromEnv.length > 0;
const BACKENDS: string[] = required ? fromEnv : ['js', 'wasm-simd', ...(detectFeatures().relaxedSimd ? ['wasm-relaxed'] : [])];

/** Creates a backend once per suite; a failure is kept and rethrown by every test that needs it. */
function backendFixture(name: string): () => Backend {
  let backend: Backend | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      backend = await createBackend(name as BackendChoice);
    } catch (e) {
      failure = e;
    }
  });
  return () => {
    if (!backend) {
      const why = failure instanceof Error ? failure.message : String(failure);
      throw new Error(`backend '${name}' could not be created${required ? ' (it is listed in SIMDNET_BACKENDS)' : ''}: ${why}`);
    }
    return backend;
  };
}

function check(backend: Backend, kc: KernelCase): void {
  const used = backend.heap.used;
  const r = runCase(backend, kc);
  if (!r.ok) expect.fail(describeFailures(r));
  expect(backend.heap.used, 'the heap is released after the case').toBe(used);
}

describe('kernel case table', () => {
  it('has at least one row for every kernel in KERNEL_NAMES', () => {
    expect(KERNEL_NAMES.length).toBeGreaterThan(30);
    const missing = KERNEL_NAMES.filter((k) => !kernelCases.some((c) => c.kernel === k));
    expect(missing, `kernels without parity rows: ${missing.join(', ')}`).toEqual([]);
  });

  it('generated rows: the js twins, run on float64 memory, agree with the float64 references', () => {
    // Where reference.ts has no function for a kernel, its generated rows use this twin as the oracle.
    // 1e-7: the references that model f32 results (multiply's rounded product) differ by one rounding.
    const withReference = generatedCases.filter((kc) => (kc.data() as GeneratedData).oracle === 'reference');
    expect(withReference.length).toBeGreaterThanOrEqual(12 * SIZES.length);
    const failures: string[] = [];
    for (const kc of withReference) {
      const twin = (kc.data() as GeneratedData).twin();
      for (const [name, expected] of Object.entries(kc.reference())) {
        const c = compareOutput(name, twin[name].values, expected, { rel: 1e-7, abs: 1e-300 });
        if (!c.ok) failures.push(`${kc.id}: ${name}[${c.worst.index}] twin ${c.worst.got}, reference ${c.worst.expected}`);
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('covers every kernel, with a stated tolerance for every output', () => {
    expect(BACKENDS.length).toBeGreaterThan(0);
    for (const kc of kernelCases) {
      const outputs = kc.data().outputs.map((o) => o.name);
      expect(Object.keys(kc.tolerance).sort(), kc.id).toEqual([...outputs].sort());
    }
  });
});

for (const name of BACKENDS) {
  describe(`kernels on ${name}`, () => {
    const get = backendFixture(name);

    it(`${name} is created and is the backend asked for`, () => {
      expect(get().name).toBe(name);
    });

    for (const kc of kernelCases) {
      it(`${name} ${kc.kernel} ${kc.label}`, () => check(get(), kc));
    }
  });
}

// The WASM builds against the pure-TS kernels on the network's GEMM shapes: each within twice the
// row's tolerance of the other (both within tolerance of the reference is checked above).
const layerCases = kernelCases.filter((kc) => kc.tags.includes('layer'));
for (const name of BACKENDS.filter((b) => b !== 'js')) {
  describe(`${name} against js`, () => {
    const get = backendFixture(name);
    const getJs = backendFixture('js');

    it(`${name} and js agree on the layer shapes`, () => {
      expect(layerCases.length).toBeGreaterThanOrEqual(12);
      const failures: string[] = [];
      for (const kc of layerCases) {
        const w = runCase(get(), kc);
        const j = runCase(getJs(), kc);
        const reference = kc.reference();
        for (const out of Object.keys(w.got)) {
          const tol: Tolerance = { rel: 2 * kc.tolerance[out].rel, abs: 2 * kc.tolerance[out].abs };
          // js as the expected values, with the reference's scale.
          const c = compareOutput(out, w.got[out], { values: j.got[out], scale: reference[out].scale }, tol);
          if (!c.ok) {
            failures.push(`${kc.id}: ${out}[${c.worst.index}] ${name} ${c.worst.got}, js ${c.worst.expected} (allowed ${c.worst.allowed})`);
          }
        }
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  });
}
