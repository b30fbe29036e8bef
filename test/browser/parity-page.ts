// Bundled by test/browser/parity.browser.test.ts for each browser engine: the kernel case table of
// the Node suite (test/support/kernel-cases.ts), run on every backend this browser can create.
import { createBackend, detectFeatures, type BackendChoice } from '../../src/kernels/backend';
import { kernelCases, runCase, describeFailures } from '../support/kernel-cases';

export interface BrowserParityResult {
  features: ReturnType<typeof detectFeatures>;
  backends: { name: string; created: boolean; error?: string; code?: string; cases: number; failures: string[] }[];
}

async function runParity(names: BackendChoice[]): Promise<BrowserParityResult> {
  const result: BrowserParityResult = { features: detectFeatures(), backends: [] };
  for (const name of names) {
    let backend;
    try {
      backend = await createBackend(name);
    } catch (e) {
      const code = (e as { code?: string }).code;
      result.backends.push({ name, created: false, error: e instanceof Error ? e.message : String(e), code, cases: 0, failures: [] });
      continue;
    }
    const failures: string[] = [];
    for (const kc of kernelCases) {
      const used = backend.heap.used;
      try {
        const r = runCase(backend, kc);
        if (!r.ok) failures.push(describeFailures(r));
      } catch (e) {
        failures.push(`${name} ${kc.id}: threw ${e instanceof Error ? e.message : String(e)}`);
      }
      if (backend.heap.used !== used) failures.push(`${name} ${kc.id}: the heap was not released`);
    }
    result.backends.push({ name: backend.name, created: true, cases: kernelCases.length, failures });
  }
  return result;
}

(globalThis as unknown as { runParity: typeof runParity }).runParity = runParity;
