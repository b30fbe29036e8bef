// The heap hands out memory that nobody else holds: a free-list allocator whose regions each
// owner frees in any order; networks, fits and classifiers sharing one backend give the results
// they give on separate backends; dispose() returns memory, and memory stays flat over many cycles.
import { describe, it, expect, beforeAll } from 'vitest';
import { createBackend, type Backend } from '../src/kernels/backend';
import { Heap, MAX_PAGES } from '../src/kernels/heap';
import { Network } from '../src/io/network';
import { dense } from '../src/nn/layers/index';
import { adam, sgd } from '../src/nn/optimizers';
import { createDigitClassifier } from '../src/digits/classifier';
import { DIGIT_MODEL_BYTES } from '../src/digits-entry';
import { loadMnist, type Mnist } from '../src/data/mnist-node';
import { take, fromArrays } from '../src/data/dataset';
import { HeapError, SimdnetError } from '../src/errors';
import { Rng } from '../src/rng';

describe('the free-list heap', () => {
  const fresh = () => new Heap(new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }), 16);

  it('frees in any order, reuses freed space, merges neighbours and gives the top back', () => {
    const heap = fresh();
    const [a, b, c] = [heap.alloc(100), heap.alloc(200), heap.alloc(300)];
    expect([a, b, c]).toEqual([16, 16 + 112, 16 + 112 + 208]);
    heap.f32(b, 50).fill(7);
    heap.release(b); // a hole in the middle
    expect(heap.used).toBe(112 + 304);
    const d = heap.alloc(64); // fits in b's hole, zero-filled
    expect(d).toBe(b);
    expect(Array.from(heap.f32(d, 16)).every((v) => v === 0)).toBe(true);
    heap.release(a);
    heap.release(d); // a, d and the rest of b's hole merge into one free region
    const e = heap.alloc(16 + 112 + 208 - 16 - 16); // exactly that region
    expect(e).toBe(16);
    heap.release(c);
    heap.release(e);
    expect(heap.top).toBe(16); // everything back: the arena is empty again
    expect(heap.used).toBe(0);
    expect(heap.regions).toBe(0);
  });

  it('allocBytes and allocF32From write their values over old data and zero only the padding', () => {
    const heap = fresh();
    const old = heap.alloc(64);
    heap.u8(old, 64).fill(0xff);
    heap.release(old);
    const bytes = heap.allocBytes(new Uint8Array([1, 2, 3]));
    expect(bytes).toBe(old);
    expect(Array.from(heap.u8(bytes, 16))).toEqual([1, 2, 3, ...new Array(13).fill(0)]);
    heap.release(bytes);
    const floats = heap.allocF32From([0.5, -2]);
    expect(Array.from(heap.f32(floats, 4))).toEqual([0.5, -2, 0, 0]);
    heap.release(floats);
    const empty = heap.allocBytes(new Uint8Array(0)); // one byte, zeroed
    expect(Array.from(heap.u8(empty, 16))).toEqual(new Array(16).fill(0));
  });
  it('a random sequence of allocations and frees never hands out overlapping regions', () => {
    const heap = fresh();
    const rng = new Rng(5);
    const live = new Map<number, number>();
    for (let step = 0; step < 2000; step++) {
      if (live.size > 0 && rng.next() < 0.45) {
        const keys = [...live.keys()];
        const ptr = keys[rng.int(keys.length)];
        // The region still holds what its owner wrote.
        expect(heap.u8(ptr, live.get(ptr)!).every((v) => v === (ptr >> 4) % 251)).toBe(true);
        heap.release(ptr);
        live.delete(ptr);
      } else {
        const bytes = 1 + rng.int(rng.next() < 0.1 ? 100_000 : 2000);
        const ptr = heap.alloc(bytes);
        expect(ptr % 16).toBe(0);
        for (const [p, n] of live) expect(ptr + bytes <= p || p + n <= ptr, `${ptr}+${bytes} overlaps ${p}+${n}`).toBe(true);
        heap.u8(ptr, bytes).fill((ptr >> 4) % 251);
        live.set(ptr, bytes);
      }
    }
    for (const ptr of live.keys()) heap.release(ptr);
    expect([heap.used, heap.top]).toEqual([0, 16]);
  });

  it('refuses a double free and a pointer it never gave out', () => {
    const heap = fresh();
    const a = heap.alloc(32);
    heap.release(a);
    expect(() => heap.release(a)).toThrow(HeapError);
    expect(() => heap.release(a)).toThrow(/release\(16\): no region starts there/);
    expect(() => heap.release(12345)).toThrow(HeapError);
  });
});

describe('one backend, many users', () => {
  let mnist: Mnist;
  beforeAll(async () => { mnist = await loadMnist({ limit: 2000 }); });
  const mlp = (backend: Backend, seed: number, units: number) => new Network(backend, { input: 784, layers: [dense(units, 'relu'), dense(10)], init: 'he', seed });

  it('interleaved fit, predict, evaluate, classify and load on one backend give the results of separate backends', async () => {
    // Separately: each on its own backend.
    const alone = async () => {
      const clf = createDigitClassifier(await createBackend('wasm-simd'), DIGIT_MODEL_BYTES);
      const a = mlp(await createBackend('wasm-simd'), 1, 64);
      const b = mlp(await createBackend('wasm-simd'), 2, 128);
      await a.fit(mnist.train, { epochs: 2, optimizer: adam(), validation: mnist.validation });
      await b.fit(take(mnist.train, 1500), { epochs: 2, batchSize: 100, optimizer: sgd({ lr: 0.05 }) });
      return { a: a.getWeights(), b: b.getWeights(), clf: clf.net.evaluate(take(mnist.test, 500)).accuracy, probs: clf.net.predict(take(mnist.test, 20)) };
    };
    const want = await alone();

    // Together on one backend: the classifier first, two fits that yield to each other every few
    // batches, and loads, predictions and evaluations in between.
    const shared = await createBackend('wasm-simd');
    const clf = createDigitClassifier(shared, DIGIT_MODEL_BYTES);
    const a = mlp(shared, 1, 64);
    const b = mlp(shared, 2, 128);
    const seen: number[] = [];
    const spin = async () => {
      for (let i = 0; i < 30; i++) {
        const loaded = Network.deserialize(shared, a.serialize()); // a load while both train
        loaded.predict(take(mnist.test, 50));
        seen.push(clf.net.evaluate(take(mnist.test, 100)).accuracy!);
        loaded.dispose();
        await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all([
      a.fit(mnist.train, { epochs: 2, optimizer: adam(), validation: mnist.validation, yieldEvery: 3 }),
      b.fit(take(mnist.train, 1500), { epochs: 2, batchSize: 100, optimizer: sgd({ lr: 0.05 }), yieldEvery: 2 }),
      spin(),
    ]);
    expect(a.getWeights()).toEqual(want.a);
    expect(b.getWeights()).toEqual(want.b);
    expect(clf.net.evaluate(take(mnist.test, 500)).accuracy).toBe(want.clf);
    expect(clf.net.predict(take(mnist.test, 20))).toEqual(want.probs);
    expect(new Set(seen).size).toBe(1); // the classifier never changed while the others trained
  });

  it('dispose() returns a network\'s memory; using it afterwards throws a clear error', async () => {
    const backend = await createBackend('js');
    const used = backend.heap.used;
    const net = mlp(backend, 3, 32);
    await net.fit(take(mnist.train, 200), { epochs: 1 });
    net.predict(take(mnist.test, 10));
    expect(backend.heap.used).toBeGreaterThan(used);
    net.dispose();
    expect(backend.heap.used).toBe(used);
    net.dispose(); // twice is harmless
    expect(() => net.predict(take(mnist.test, 1))).toThrow(/predict: this network was disposed/);
    await expect(net.fit(take(mnist.train, 10))).rejects.toThrow(SimdnetError);
    expect(() => net.getWeights()).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    const clf = createDigitClassifier(backend, DIGIT_MODEL_BYTES);
    clf.dispose();
    expect(backend.heap.used).toBe(used);
    expect(() => clf.classify(new Uint8Array(784), { width: 28, height: 28 })).toThrow(/this network was disposed/);
    const other = mlp(backend, 4, 8);
    backend.dispose();
    expect(() => other.predict(take(mnist.test, 1))).toThrow(/the network's backend was disposed/);
  });

  it('10,000 create / fit / predict / dispose cycles keep the heap flat', async () => {
    const backend = await createBackend('wasm-simd');
    const rng = new Rng(6);
    const data = fromArrays({ x: Float32Array.from({ length: 40 * 12 }, () => rng.next()), shape: [12], y: Int32Array.from({ length: 40 }, () => rng.int(3)), classes: 3 });
    let afterFirst = 0, firstTop = 0, top = 0;
    for (let i = 0; i < 10_000; i++) {
      const net = new Network(backend, { input: 12, layers: [dense(8 + (i % 5), 'tanh'), dense(3)], seed: i });
      await net.fit(data, { epochs: 1, batchSize: 8 + (i % 7) });
      net.predict(data.x.subarray(0, 12 * (1 + (i % 9))) as Float32Array);
      net.dispose();
      if (i === 0) [afterFirst, firstTop] = [backend.heap.memory.buffer.byteLength, backend.heap.top];
      top = Math.max(top, backend.heap.top);
    }
    expect(backend.heap.regions).toBe(1); // all freed: only the GEMM scratch remains
    expect(backend.heap.memory.buffer.byteLength - afterFirst).toBeLessThan(10 * 2 ** 20);
    expect(top - firstTop).toBeLessThan(64 * 1024); // the same few kilobytes reused, not a growing arena
  });
});
