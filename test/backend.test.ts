import { describe, it, expect } from 'vitest';
import { createBackend, detectFeatures } from '../src/kernels/backend';
import { HeapError, ShapeError, SimdnetError } from '../src/errors';
import { MAX_BYTES } from '../src/kernels/heap';
import { checkKernelExports, instantiateKernelModule, wasmBuildBytes } from '../src/kernels/wasm-backend';

describe('createBackend', () => {
  it("'auto' picks the best build this engine validates and says which", async () => {
    const f = detectFeatures();
    const b = await createBackend('auto');
    expect(b.name).toBe(f.relaxedSimd ? 'wasm-relaxed' : f.simd ? 'wasm-simd' : 'js');
    expect(b.features).toEqual(f);
    expect(f.simd).toBe(true); // Node 20+ and Chromium have WASM SIMD
  });

  it("'js' gives the pure-TS backend and 'wasm-simd' the plain SIMD build", async () => {
    expect((await createBackend('js')).name).toBe('js');
    expect((await createBackend('wasm-simd')).name).toBe('wasm-simd');
  });

  it('refuses an unknown backend name with a clear error', async () => {
    await expect(createBackend('gpu' as never)).rejects.toThrow(/unknown backend 'gpu'/);
  });
});

describe('heap', () => {
  for (const choice of ['js', 'wasm-simd'] as const) {
    it(`${choice}: hands out 16-byte-aligned, zeroed regions and grows the memory`, async () => {
      const { heap } = await createBackend(choice);
      const a = heap.allocF32(3);
      const b = heap.allocF32(5);
      expect(a % 16).toBe(0);
      expect(b % 16).toBe(0);
      expect(b).toBeGreaterThanOrEqual(a + 12);
      const before = heap.memory.buffer.byteLength;
      const big = heap.allocF32(4_000_000); // 16 MB: forces memory.grow
      expect(heap.memory.buffer.byteLength).toBeGreaterThan(before);
      expect(heap.f32(big, 4_000_000).every((v) => v === 0)).toBe(true);
    });

    it(`${choice}: a view taken before a growth is detached after it; fresh views see the data`, async () => {
      const { heap, kernels } = await createBackend(choice);
      const x = heap.allocF32From([1, -2, 3, -4]);
      const stale = heap.f32(x, 4);
      heap.allocF32(8_000_000); // grows: the old ArrayBuffer is detached
      expect(stale.length).toBe(0);
      kernels.reluForward(4, x, x); // kernels must see the current buffer too
      expect(Array.from(heap.f32(x, 4))).toEqual([1, 0, 3, 0]);
    });

    it(`${choice}: a request beyond the memory limit says how much it needs`, async () => {
      const { heap } = await createBackend(choice);
      let err: unknown;
      try { heap.alloc(3.2e9, 'activations'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(HeapError);
      expect((err as HeapError).code).toBe('HEAP_LIMIT');
      expect((err as Error).message).toMatch(/activations needs 3\.2 GB.*the limit is 2\.1 GB/);
      expect(MAX_BYTES).toBe(2 ** 31);
    });

    it(`${choice}: kernels refuse regions outside the heap and non-positive sizes`, async () => {
      const { heap, kernels } = await createBackend(choice);
      const a = heap.allocF32(4);
      expect(() => kernels.reluForward(8, a, a)).toThrow(HeapError);
      expect(() => kernels.reluForward(8, a, a)).toThrow(/reluForward: x \[\d+, \d+\) \(32 bytes\) lies outside the allocated heap/);
      expect(() => kernels.reluForward(0, a, a)).toThrow(ShapeError);
      expect(() => kernels.gemm(0, 0, 2, 2, -1, a, a, a, 0)).toThrow(/gemm: k must be a positive integer, got -1/);
      expect(() => kernels.sgd(4, a + 2, a, 0.1)).toThrow(/not a 4-byte-aligned/);
    });

    it(`${choice}: table-checked kernels refuse numbers outside their range and pass the result through`, async () => {
      const { heap, kernels } = await createBackend(choice);
      const a = heap.allocF32From([1, -3, 2, 0]);
      expect(() => kernels.adam(4, a, a, a, a, 0.1, 0.9, 0.999, 1e-8, 0)).toThrow(/adam: t must be an integer ≥ 1 \(the step count\), got 0/);
      expect(() => kernels.adam(4, a, a, a, a, 0.1, 1, 0.999, 1e-8, 1)).toThrow(/adam: beta1 must be in \[0, 1\), got 1/);
      expect(() => kernels.sgd(4, a, a, NaN)).toThrow(/sgd: lr must be a finite number ≥ 0, got NaN/);
      expect(() => kernels.momentum(4, a, a, a, 0.1, 0.9, 2)).toThrow(/momentum: nesterov must be 0 or 1, got 2/);
      expect(kernels.maxAbs(4, a)).toBe(3);
    });

    it(`${choice}: element-wise losses check the gradient region only when one is asked for`, async () => {
      const { heap, kernels } = await createBackend(choice);
      const x = heap.allocF32From([2, -1, 0, 3]), t = heap.allocF32From([1, 0, 0.5, 0]), st = heap.alloc(16);
      kernels.sigmoidCrossEntropy(2, 2, x, t, 0, st);
      expect(heap.f64(st, 2)[1]).toBe(3); // x > 0 agrees with t > 0.5 for 2, −1 and 0 (0.5 is not > 0.5)
      expect(() => kernels.sigmoidCrossEntropy(2, 2, x, t, st + 16, st)).toThrow(/sigmoidCrossEntropy: dLogits .* lies outside the allocated heap/);
      expect(() => kernels.meanSquaredError(2, 2, x, t, 0, st + 4)).toThrow(/meanSquaredError: stats at offset \d+ is not a 8-byte-aligned/);
      kernels.meanSquaredError(2, 2, x, t, 0, st);
      expect(Array.from(heap.f64(st, 2))).toEqual([1 + 1 + 0.25 + 9, 1 + 1 + 0.5 + 3]);
    });

    it(`${choice}: gather32 refuses an index outside the dataset and a dataset beyond the heap`, async () => {
      const { heap, kernels } = await createBackend(choice);
      const src = heap.allocF32From([1, 2, 3, 4, 5, 6]); // 3 rows × 2
      const idx = heap.allocI32(2), dst = heap.allocF32(4);
      heap.i32(idx, 2).set([2, 3]);
      expect(() => kernels.gather32(2, 2, src, 3, idx, dst)).toThrow(/gather32: indices\[1\] = 3 is outside \[0, 3\)/);
      heap.i32(idx, 2).set([2, -1]);
      expect(() => kernels.gather32(2, 2, src, 3, idx, dst)).toThrow(/gather32: indices\[1\] = -1 is outside/);
      expect(() => kernels.gather32(2, 2, dst, 3, idx, dst)).toThrow(/gather32: src .* lies outside the allocated heap/);
      heap.i32(idx, 2).set([2, 0]);
      kernels.gather32(2, 2, src, 3, idx, dst);
      expect(Array.from(heap.f32(dst, 4))).toEqual([5, 6, 1, 2]);
    });
  }
});

/** The real build with one export renamed (its last letter's case flipped): a module that lacks that kernel. */
function renameExport(bytes: Uint8Array, name: string): Uint8Array<ArrayBuffer> {
  const out = bytes.slice();
  const needle = [name.length, ...Array.from(name, (c) => c.charCodeAt(0))];
  for (let at = 8; at < out.length; ) {
    const id = out[at++];
    let size = 0;
    for (let shift = 0, b = 0x80; b & 0x80; shift += 7) size |= ((b = out[at++]) & 0x7f) << shift;
    if (id === 7) {
      // The export section: find the length-prefixed name.
      for (let i = at; i < at + size; i++) {
        if (needle.every((v, j) => out[i + j] === v)) {
          out[i + name.length] ^= 0x20;
          return out;
        }
      }
    }
    at += size;
  }
  throw new Error(`the build has no export ${name}`);
}

describe('WebAssembly kernel module', () => {
  it('the real build exports every kernel', async () => {
    const module = await WebAssembly.compile(wasmBuildBytes('simd'));
    expect(() => checkKernelExports(WebAssembly.Module.exports(module))).not.toThrow();
    const { kernels } = await instantiateKernelModule(module);
    expect(typeof kernels.adam).toBe('function');
  });

  it('a module missing a kernel export is refused at load, naming it', async () => {
    const module = await WebAssembly.compile(renameExport(wasmBuildBytes('simd'), 'adam'));
    expect(WebAssembly.Module.exports(module).some((e) => e.name === 'adaM')).toBe(true);
    const load = instantiateKernelModule(module);
    await expect(load).rejects.toThrow(SimdnetError);
    await expect(load).rejects.toMatchObject({ code: 'BACKEND', message: expect.stringMatching(/does not export adam \(/) });
  });

  it('an export that is not a function counts as missing', async () => {
    const exports = WebAssembly.Module.exports(await WebAssembly.compile(wasmBuildBytes('simd')));
    const changed = exports.map((e) => (e.name === 'sgd' || e.name === 'heapBase' ? { ...e, kind: 'global' as const } : e));
    expect(() => checkKernelExports(changed)).toThrow(/does not export sgd, heapBase \(/);
    expect(() => checkKernelExports(exports.filter((e) => e.name !== 'memory'))).toThrow(/does not export memory \(/);
  });
});
