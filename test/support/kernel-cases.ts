/**
 * The one table of kernel cases: it drives the backend parity tests (test/kernels.test.ts) and is
 * meant to drive the kernel benchmarks too.
 *
 * Each row names a kernel, a shape label and its tolerances. Its inputs come from a seeded Rng
 * (the seed is a hash of `${kernel} ${label}`, so adding rows never changes other rows' data), its
 * expected outputs from the float64 reference (./reference.ts). Inputs and reference results are
 * computed once per row and cached, so every backend is checked against the same numbers and the
 * slow float64 GEMMs run once. Elementwise and optimizer kernels also get rows generated from their
 * KERNEL_ARGS row (see "generated" below), so a new one needs no row written here.
 *
 *   const prepared = kernelCase.setup(heap, kernels);   // allocates + fills the regions
 *   prepared.run();                                      // one kernel call (repeatable for timing)
 *   prepared.release();                                  // frees them
 *
 * or simply `runCase(backend, kernelCase)`, which does the above and compares every output.
 *
 * Tolerance model: an output element passes when |got − expected| ≤ rel·scale + abs, where scale
 * is the reference's `scale` for that output (the magnitude of the terms, e.g. Σ_p|A(i,p)·B(p,j)|
 * for GEMM) or |expected| when the reference gives none. { rel: 0, abs: 0 } means exact equality.
 * NaN or ±Infinity where the reference is finite always fails.
 */
import { KERNEL_ARGS, KERNEL_NAMES, type KernelName, type Kernels } from '../../src/kernels/kernels';
import type { FlatArgs, ScalarArg } from '../../src/kernels/kernel-args';
import type { HeapViews } from '../../src/kernels/heap';
import { jsKernels } from '../../src/kernels/js';
import type { Backend } from '../../src/kernels/backend';
import type { Heap } from '../../src/kernels/heap';
import { Rng } from '../../src/rng';
import * as ref from './reference';
import { rotationCoefficients } from '../../src/nn/eurnn-coefficients';
import type { RefOutput } from './reference';

export type { RefOutput } from './reference';

/** The sizes every elementwise kernel runs at (counts), and row kernels as m and n. */
export const SIZES = [1, 3, 4, 5, 7, 8, 17, 63, 64, 65, 127, 784] as const;

export interface Tolerance {
  /** Relative to the output's scale (|expected| unless the reference gives a scale). */
  readonly rel: number;
  /** Absolute. */
  readonly abs: number;
}

export const EXACT: Tolerance = { rel: 0, abs: 0 };

export type RegionKind = 'f32' | 'i32' | 'u8' | 'f64';

/** One heap region a case allocates. */
export interface RegionSpec {
  readonly name: string;
  readonly kind: RegionKind;
  /** 'in' regions must come back unchanged; 'out' regions are prefilled with garbage (NaN). */
  readonly role: 'in' | 'out' | 'inout';
  /** Elements. */
  readonly count: number;
  /** Initial contents ('in' and 'inout'). */
  readonly values?: ArrayLike<number>;
}

/** One output to read back: elements [offset, offset + count) of a region, or the kernel's return value. */
export interface OutputSpec {
  readonly name: string;
  readonly region: string | 'return';
  readonly offset?: number;
  readonly count?: number;
}

/** A row's inputs, materialised. */
export interface CaseData {
  readonly regions: readonly RegionSpec[];
  /** Calls the kernel once, with `ptrs` the byte offsets of the regions. */
  call(kernels: Kernels, ptrs: Readonly<Record<string, number>>): number | void;
  readonly outputs: readonly OutputSpec[];
  /** The float64 reference, one entry per output name. */
  reference(): Record<string, RefOutput>;
}

export interface PreparedCase {
  /** Byte offsets of the regions. */
  readonly ptrs: Readonly<Record<string, number>>;
  /** One kernel call. */
  run(): number | void;
  /** The outputs after run(), as doubles. */
  read(returned: number | void): Record<string, Float64Array>;
  /**
   * Problems outside the outputs: guard bytes after a region overwritten, an input region changed,
   * heap bytes below the case's regions changed (for kernels that use no scratch). Empty when fine.
   */
  verifyIntegrity(): string[];
  /** Frees the case's regions. */
  release(): void;
}

export interface KernelCase {
  /** `${kernel} ${label}` (unique). */
  readonly id: string;
  readonly kernel: KernelName;
  /** Shape string, plus the variant (e.g. "NT 64×784×80 acc", "n=65 t=7"). */
  readonly label: string;
  readonly seed: number;
  /** Per output name. */
  readonly tolerance: Readonly<Record<string, Tolerance>>;
  /** Floating-point operations (GEMM: 2mnk) or elements touched: the unit for benchmark rates. */
  readonly work: number;
  /** e.g. 'layer' for the network's GEMM shapes, 'blocking' for shapes crossing the GEMM blocks. */
  readonly tags: readonly string[];
  /** Whether the kernel may write heap memory outside its regions (the WASM GEMM packs into scratch). */
  readonly usesScratch: boolean;
  /** The inputs (built once from the seed). */
  data(): CaseData;
  /** The float64 reference results (computed once, shared by every backend). */
  reference(): Readonly<Record<string, RefOutput>>;
  /** Allocates and fills the regions on `heap` (prepared.release() frees them). */
  setup(heap: Heap, kernels: Kernels): PreparedCase;
}

// ---------------------------------------------------------------------------------------------
// Building rows

const GUARD_BYTES = 16;
const GUARD = 0xa5;
const ELEMENT_BYTES: Record<RegionKind, number> = { f32: 4, i32: 4, u8: 1, f64: 8 };
/** What 'out' regions hold before the call, so an element the kernel does not write shows up. */
const GARBAGE_I32 = 0x7eadbeef;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** The first byte where a and b (same length) differ, or −1. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function view(heap: Heap, kind: RegionKind, ptr: number, count: number): Float32Array | Int32Array | Uint8Array | Float64Array {
  switch (kind) {
    case 'f32': return heap.f32(ptr, count);
    case 'i32': return heap.i32(ptr, count);
    case 'u8': return heap.u8(ptr, count);
    case 'f64': return heap.f64(ptr, count);
  }
}

interface RowOptions {
  tags?: string[];
  usesScratch?: boolean;
}

function makeCase(
  kernel: KernelName,
  label: string,
  tolerance: Record<string, Tolerance>,
  work: number,
  build: (rng: Rng) => CaseData,
  options: RowOptions = {},
): KernelCase {
  const id = `${kernel} ${label}`;
  const seed = fnv1a(id);
  let data: CaseData | undefined;
  let reference: Record<string, RefOutput> | undefined;
  const kc: KernelCase = {
    id,
    kernel,
    label,
    seed,
    tolerance,
    work,
    tags: options.tags ?? [],
    usesScratch: options.usesScratch ?? false,
    data() {
      data ??= build(new Rng(seed));
      return data;
    },
    reference() {
      if (!reference) {
        reference = kc.data().reference();
        for (const o of kc.data().outputs) {
          if (!reference[o.name]) throw new Error(`${id}: the reference has no output '${o.name}'`);
          if (!tolerance[o.name]) throw new Error(`${id}: the row states no tolerance for output '${o.name}'`);
        }
      }
      return reference;
    },
    setup(heap, kernels) {
      const d = kc.data();
      const group = heap.group(`kernel case ${id}`);
      const ptrs: Record<string, number> = {};
      const layout: { spec: RegionSpec; ptr: number; bytes: number; padded: number }[] = [];
      for (const spec of d.regions) {
        const bytes = spec.count * ELEMENT_BYTES[spec.kind];
        const padded = align16(bytes) + GUARD_BYTES;
        let ptr: number;
        if (spec.kind === 'u8') {
          // Byte datasets go through allocBytes, as the library loads them (guard bytes appended).
          if (spec.role !== 'in' || !spec.values || spec.values.length !== spec.count) {
            throw new Error(`${id}: u8 region ${spec.name} must be an input with ${spec.count} values`);
          }
          const bytesWithGuard = new Uint8Array(padded).fill(GUARD);
          bytesWithGuard.set(spec.values);
          ptr = group.allocBytes(bytesWithGuard, spec.name);
          ptrs[spec.name] = ptr;
          layout.push({ spec, ptr, bytes, padded });
          continue;
        }
        ptr = group.alloc(padded, spec.name);
        const v = view(heap, spec.kind, ptr, spec.count);
        if (spec.role === 'out') {
          v.fill(spec.kind === 'i32' ? GARBAGE_I32 : NaN);
        } else {
          if (!spec.values || spec.values.length !== spec.count) {
            throw new Error(`${id}: region ${spec.name} needs ${spec.count} initial values`);
          }
          v.set(spec.values);
        }
        heap.u8(ptr + bytes, padded - bytes).fill(GUARD);
        ptrs[spec.name] = ptr;
        layout.push({ spec, ptr, bytes, padded });
      }
      // Snapshots for verifyIntegrity (taken after the last allocation, so views stay valid).
      const inputs = layout.filter((l) => l.spec.role === 'in').map((l) => ({ ...l, copy: heap.u8(l.ptr, l.bytes).slice() }));
      const below = Math.min(...layout.map((l) => l.ptr));
      const low = kc.usesScratch ? undefined : heap.u8(0, below).slice();
      return {
        ptrs,
        run: () => d.call(kernels, ptrs),
        read(returned) {
          const result: Record<string, Float64Array> = {};
          for (const o of d.outputs) {
            if (o.region === 'return') {
              result[o.name] = Float64Array.of(typeof returned === 'number' ? returned : NaN);
              continue;
            }
            const l = layout.find((x) => x.spec.name === o.region);
            if (!l) throw new Error(`${id}: output ${o.name} reads unknown region ${o.region}`);
            const offset = o.offset ?? 0;
            const count = o.count ?? l.spec.count - offset;
            const v = view(heap, l.spec.kind, l.ptr, l.spec.count);
            result[o.name] = Float64Array.from(v.subarray(offset, offset + count));
          }
          return result;
        },
        verifyIntegrity() {
          const problems: string[] = [];
          for (const l of layout) {
            const g = heap.u8(l.ptr + l.bytes, l.padded - l.bytes);
            const bad = g.findIndex((b) => b !== GUARD);
            if (bad >= 0) problems.push(`${l.spec.name}: byte ${l.bytes + bad} past the end of the region (${l.bytes} bytes) was overwritten`);
          }
          for (const l of inputs) {
            const bad = firstDifference(heap.u8(l.ptr, l.bytes), l.copy);
            if (bad >= 0) problems.push(`${l.spec.name}: input region changed at byte ${bad}`);
          }
          if (low) {
            const bad = firstDifference(heap.u8(0, low.length), low);
            if (bad >= 0) problems.push(`heap byte ${bad} (below the case's regions, which start at ${below}) was overwritten`);
          }
          return problems;
        },
        release: () => group.release(),
      };
    },
  };
  return kc;
}

// Input generators (values are rounded to f32 by the typed arrays, before the reference sees them).

function uniform(rng: Rng, count: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.uniform(lo, hi);
  return a;
}

function normal(rng: Rng, count: number, sigma = 1): Float32Array {
  const a = new Float32Array(count);
  for (let i = 0; i < count; i++) a[i] = sigma * rng.normal();
  return a;
}

/** Values with some special ones mixed in at random positions (the SIMD body and the scalar tail). */
function withSpecials(rng: Rng, a: Float32Array, specials: readonly number[]): Float32Array {
  const positions = rng.shuffle(Int32Array.from({ length: a.length }, (_, i) => i));
  for (let s = 0; s < specials.length && s < a.length; s++) a[positions[s]] = specials[s];
  return a;
}

/** Rows of n values with no ties: a shuffled ladder with spacing `step`, jittered by < step/4. */
function distinctRows(rng: Rng, m: number, n: number, step: number): Float32Array {
  const a = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, j) => j));
    const shift = rng.uniform(-step, step);
    for (let j = 0; j < n; j++) a[i * n + j] = (order[j] - (n - 1) / 2) * step + shift + rng.uniform(0, step / 4);
  }
  return a;
}

function randomBytes(rng: Rng, count: number): Uint8Array {
  const a = new Uint8Array(count);
  for (let i = 0; i < count; i++) a[i] = rng.int(256);
  if (count >= 2) {
    a[rng.int(count)] = 0;
    a[rng.int(count)] = 255;
  }
  return a;
}

/** `rows` indices into [0, srcRows): random, with the last row and (for rows ≥ 2) a repeat. */
function indexList(rng: Rng, rows: number, srcRows: number): Int32Array {
  const idx = Int32Array.from({ length: rows }, () => rng.int(srcRows));
  idx[rng.int(rows)] = srcRows - 1;
  if (rows >= 2) {
    const a = rng.int(rows);
    let b = rng.int(rows - 1);
    if (b >= a) b++;
    if (idx[b] !== srcRows - 1) idx[b] = idx[a];
  }
  return idx;
}

/** A dataset size that forces repeats in the index list. */
function datasetRows(rows: number): number {
  return Math.floor(rows / 2) + 2;
}

/** Labels: random in [0, n); about half the rows get the row's argmax, so the correct count is non-trivial. */
function labelsFor(rng: Rng, m: number, n: number, logits: Float32Array): Int32Array {
  const lab = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    if (rng.next() < 0.5) {
      let arg = 0;
      for (let j = 1; j < n; j++) if (logits[i * n + j] > logits[i * n + arg]) arg = j;
      lab[i] = arg;
    } else {
      lab[i] = rng.int(n);
    }
  }
  return lab;
}

const f32 = (name: string, role: RegionSpec['role'], count: number, values?: ArrayLike<number>): RegionSpec => ({ name, kind: 'f32', role, count, values });
const i32 = (name: string, role: RegionSpec['role'], count: number, values?: ArrayLike<number>): RegionSpec => ({ name, kind: 'i32', role, count, values });
const u8 = (name: string, count: number, values: ArrayLike<number>): RegionSpec => ({ name, kind: 'u8', role: 'in', count, values });
const stats = (name = 'stats'): RegionSpec => ({ name, kind: 'f64', role: 'out', count: 2 });
const whole = (name: string, region = name): OutputSpec => ({ name, region });

// Hyper-parameters are f32 values: the WASM kernels take f32 arguments, so the reference gets the
// same numbers (Math.fround) and no row depends on how a backend narrows them.
const fr = Math.fround;

// ---------------------------------------------------------------------------------------------
// The table

const cases: KernelCase[] = [];
const add = (...args: Parameters<typeof makeCase>): KernelCase => {
  const kc = makeCase(...args);
  cases.push(kc);
  return kc;
};

/** Row kernels' (m, n): every size once as m and once as n, plus the digits output 64×10. */
export const ROW_SHAPES: readonly (readonly [number, number])[] = [
  ...SIZES.map((m, i) => [m, SIZES[(i + 5) % SIZES.length]] as const),
  [64, 10],
];

// --- gemm -------------------------------------------------------------------------------------

const GEMM_TOL: Tolerance = { rel: 1e-5, abs: 1e-30 };
const TRANSPOSES = [[0, 0], [0, 1], [1, 0], [1, 1]] as const;

function addGemm(ta: number, tb: number, m: number, n: number, k: number, accumulate: number, tags: string[] = [], zeroFraction = 0): void {
  const label = `${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}×${n}×${k}${accumulate ? ' acc' : ''}${zeroFraction ? ` A ${zeroFraction * 100}% zeros` : ''}`;
  add(
    'gemm',
    label,
    { C: GEMM_TOL },
    2 * m * n * k,
    (rng) => {
      const a = uniform(rng, m * k, -1, 1);
      if (zeroFraction) for (let i = 0; i < a.length; i++) if (rng.uniform(0, 1) < zeroFraction) a[i] = 0;
      const b = uniform(rng, k * n, -1, 1);
      const c0 = accumulate ? uniform(rng, m * n, -1, 1) : undefined;
      return {
        regions: [f32('A', 'in', m * k, a), f32('B', 'in', k * n, b), f32('C', accumulate ? 'inout' : 'out', m * n, c0)],
        call: (kn, p) => kn.gemm(ta, tb, m, n, k, p.A, p.B, p.C, accumulate),
        outputs: [whole('C')],
        reference: () => ({ C: ref.gemm(ta, tb, m, n, k, a, b, c0 ?? null).c }),
      };
    },
    { tags: ['gemm-shape', ...tags], usesScratch: true },
  );
}

/** gemmBatch: the reference is each product's gemm, concatenated (scales too). */
function addGemmBatch(count: number, ta: number, tb: number, m: number, n: number, k: number, accumulate: number): void {
  add('gemmBatch', `${count} × ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}×${n}×${k}${accumulate ? ' acc' : ''}`, { C: GEMM_TOL }, 2 * count * m * n * k, (rng) => {
    const a = uniform(rng, count * m * k, -1, 1), b = uniform(rng, count * k * n, -1, 1);
    const c0 = accumulate ? uniform(rng, count * m * n, -1, 1) : undefined;
    return {
      regions: [f32('A', 'in', a.length, a), f32('B', 'in', b.length, b), f32('C', accumulate ? 'inout' : 'out', count * m * n, c0)],
      call: (kn, p) => kn.gemmBatch(count, ta, tb, m, n, k, p.A, p.B, p.C, accumulate),
      outputs: [whole('C')],
      reference: () => {
        const parts = Array.from({ length: count }, (_, i) => ref.gemm(ta, tb, m, n, k, a.subarray(i * m * k, (i + 1) * m * k), b.subarray(i * k * n, (i + 1) * k * n), c0 ? c0.subarray(i * m * n, (i + 1) * m * n) : null).c);
        const join = (get: (r: (typeof parts)[number]) => Float64Array) => { const o = new Float64Array(count * m * n); parts.forEach((r, i) => o.set(get(r), i * m * n)); return o; };
        return { C: { values: join((r) => r.values), scale: join((r) => r.scale ?? r.values.map(Math.abs)) } };
      },
    };
  }, { usesScratch: true });
}
// Winograd's three shapes for one block of the CNN preset's second conv (49 tiles, 32 → 64), and odd ones.
addGemmBatch(36, 0, 0, 49, 64, 32, 0);
addGemmBatch(36, 1, 0, 32, 64, 49, 1);
addGemmBatch(36, 0, 1, 49, 32, 64, 0);
addGemmBatch(3, 1, 1, 5, 7, 3, 1);
addGemmBatch(1, 0, 0, 1, 1, 1, 0);

// A spread of (m, n, k) from SIZES (not the cartesian product), every transpose combination; an
// accumulate=1 variant of each with one transpose combination (rotating).
SIZES.forEach((m, i) => {
  const n = SIZES[(i + 3) % SIZES.length], k = SIZES[(i + 7) % SIZES.length];
  for (const [ta, tb] of TRANSPOSES) addGemm(ta, tb, m, n, k, 0);
  const [ta, tb] = TRANSPOSES[i % 4];
  addGemm(ta, tb, m, n, k, 1);
});
// The dense layers of a 784-80-… network at batch 64: forward (NN), dX (NT), dW (TN), and the rest.
for (const [m, n, k] of [[64, 80, 784], [64, 784, 80], [784, 80, 64]] as const) {
  for (const acc of [0, 1]) for (const [ta, tb] of TRANSPOSES) addGemm(ta, tb, m, n, k, acc, ['layer']);
}
// Shapes crossing assembly/gemm.ts's blocks: KC = 256 (k = 300, 257, 513), NC = 1024 (n = 1030),
// MC = 64 (simd) / 96 (relaxed) (m = 97, 127, 200), with edge tiles in every direction.
for (const [m, n, k] of [[127, 65, 300], [200, 17, 513], [7, 1030, 65], [97, 1030, 257]] as const) {
  for (const acc of [0, 1]) for (const [ta, tb] of TRANSPOSES) addGemm(ta, tb, m, n, k, acc, ['blocking']);
}
// All three at once, two K blocks plus an edge: one transpose combination each way.
addGemm(0, 0, 200, 1030, 513, 0, ['blocking']);
addGemm(1, 1, 200, 1030, 513, 1, ['blocking']);

// Fewer than 4 rows, neither transposed: the no-packing path (16-column blocks, 4-column strips
// with k not a multiple of 4, a tail of 1–3 columns), e.g. one image through a 784-128-10 network.
for (const [m, n, k] of [[1, 128, 784], [1, 10, 128], [2, 21, 5], [3, 35, 3], [1, 7, 1], [2, 16, 130], [3, 4, 9]] as const) {
  for (const acc of [0, 1]) addGemm(0, 0, m, n, k, acc, ['few-rows']);
}
// The same path when rows of A are mostly zeros (an MNIST digit: ~80%): only B's rows for nonzero
// entries are read. 100% zeros reads none; k = 8193 lists A's row in two blocks (the second one
// accumulates).
for (const [m, n, k, zeros] of [[1, 128, 784, 0.8], [1, 10, 128, 0.5], [2, 21, 5, 0.6], [3, 35, 3, 1], [1, 7, 1, 1], [2, 16, 130, 0.25], [3, 4, 9, 0.9], [1, 37, 8193, 0.8]] as const) {
  for (const acc of [0, 1]) addGemm(0, 0, m, n, k, acc, ['few-rows', 'sparse'], zeros);
}

// --- bias -------------------------------------------------------------------------------------

for (const [m, n] of ROW_SHAPES) {
  add('biasAdd', `${m}×${n}`, { x: { rel: 1e-6, abs: 0 } }, m * n, (rng) => {
    const x = normal(rng, m * n), bias = normal(rng, n);
    return {
      regions: [f32('x', 'inout', m * n, x), f32('bias', 'in', n, bias)],
      call: (kn, p) => kn.biasAdd(m, n, p.x, p.bias),
      outputs: [whole('x')],
      reference: () => ref.biasAdd(m, n, x, bias),
    };
  });
  for (const acc of [0, 1]) {
    add('biasGrad', `${m}×${n}${acc ? ' acc' : ''}`, { db: { rel: 1e-5, abs: 1e-30 } }, m * n, (rng) => {
      const dy = normal(rng, m * n), db0 = acc ? normal(rng, n) : undefined;
      return {
        regions: [f32('dy', 'in', m * n, dy), f32('db', acc ? 'inout' : 'out', n, db0)],
        call: (kn, p) => kn.biasGrad(m, n, p.dy, p.db, acc),
        outputs: [whole('db')],
        reference: () => ref.biasGrad(m, n, dy, db0 ?? null),
      };
    });
  }
}

// --- activations ------------------------------------------------------------------------------

const TANH_SPECIALS = [0, 1e-6, -1e-6, 0.5, -0.5, 9, -9, 20, -20, 3e-4];
const SIGMOID_SPECIALS = [0, 1e-6, -1e-6, 15, -15, 30, -30, -88, -100, 100];
/** tanh / sigmoid use a different libm on each backend (Math.* vs AssemblyScript's Mathf). */
const LIBM_TOL: Tolerance = { rel: 1e-6, abs: 1e-30 };

for (const n of SIZES) {
  const label = `n=${n}`;
  add('reluForward', label, { y: EXACT }, n, (rng) => {
    const x = withSpecials(rng, normal(rng, n), [0, -0, 1e-40, -1e-40]);
    return {
      regions: [f32('x', 'in', n, x), f32('y', 'out', n)],
      call: (kn, p) => kn.reluForward(n, p.x, p.y),
      outputs: [whole('y')],
      reference: () => ref.reluForward(x),
    };
  });
  add('reluBackward', label, { dx: EXACT }, n, (rng) => {
    const y = withSpecials(rng, normal(rng, n).map((v) => Math.max(v, 0)), [0, 1e-40]);
    const dy = normal(rng, n);
    return {
      regions: [f32('y', 'in', n, y), f32('dy', 'in', n, dy), f32('dx', 'out', n)],
      call: (kn, p) => kn.reluBackward(n, p.y, p.dy, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.reluBackward(y, dy),
    };
  });
  add('tanhForward', label, { y: LIBM_TOL }, n, (rng) => {
    const x = withSpecials(rng, normal(rng, n, 2), TANH_SPECIALS);
    return {
      regions: [f32('x', 'in', n, x), f32('y', 'out', n)],
      call: (kn, p) => kn.tanhForward(n, p.x, p.y),
      outputs: [whole('y')],
      reference: () => ref.tanhForward(x),
    };
  });
  add('tanhBackward', label, { dx: { rel: 1e-6, abs: 0 } }, n, (rng) => {
    const y = withSpecials(rng, normal(rng, n, 2).map(Math.tanh), [0, 1, -1, fr(0.99999)]);
    const dy = normal(rng, n);
    return {
      regions: [f32('y', 'in', n, y), f32('dy', 'in', n, dy), f32('dx', 'out', n)],
      call: (kn, p) => kn.tanhBackward(n, p.y, p.dy, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.tanhBackward(y, dy),
    };
  });
  add('sigmoidForward', label, { y: LIBM_TOL }, n, (rng) => {
    const x = withSpecials(rng, normal(rng, n, 4), SIGMOID_SPECIALS);
    return {
      regions: [f32('x', 'in', n, x), f32('y', 'out', n)],
      call: (kn, p) => kn.sigmoidForward(n, p.x, p.y),
      outputs: [whole('y')],
      reference: () => ref.sigmoidForward(x),
    };
  });
  add('sigmoidBackward', label, { dx: { rel: 1e-6, abs: 0 } }, n, (rng) => {
    const y = withSpecials(rng, normal(rng, n, 4).map((v) => 1 / (1 + Math.exp(-v))), [0, 1, 0.5, fr(1e-7)]);
    const dy = normal(rng, n);
    return {
      regions: [f32('y', 'in', n, y), f32('dy', 'in', n, dy), f32('dx', 'out', n)],
      call: (kn, p) => kn.sigmoidBackward(n, p.y, p.dy, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.sigmoidBackward(y, dy),
    };
  });
}
// The documented aliasing: reluForward with y = x, reluBackward with dx = dy.
for (const n of [65, 784]) {
  add('reluForward', `n=${n} in-place`, { x: EXACT }, n, (rng) => {
    const x = normal(rng, n);
    return {
      regions: [f32('x', 'inout', n, x)],
      call: (kn, p) => kn.reluForward(n, p.x, p.x),
      outputs: [whole('x')],
      reference: () => ({ x: ref.reluForward(x).y }),
    };
  });
  add('reluBackward', `n=${n} in-place`, { dy: EXACT }, n, (rng) => {
    const y = normal(rng, n).map((v) => Math.max(v, 0)), dy = normal(rng, n);
    return {
      regions: [f32('y', 'in', n, y), f32('dy', 'inout', n, dy)],
      call: (kn, p) => kn.reluBackward(n, p.y, p.dy, p.dy),
      outputs: [whole('dy')],
      reference: () => ({ dy: ref.reluBackward(y, dy).dx }),
    };
  });
}

// --- output layers ----------------------------------------------------------------------------

const SOFTMAX_TOL: Tolerance = { rel: 1e-5, abs: 1e-30 };
/** Loss sum: relative to Σ_rows (log Σexp + |x[label] − max|); a small absolute part per row for log Σexp ≈ 0. */
const lossTol = (m: number): Tolerance => ({ rel: 1e-5, abs: 1e-7 * m });
const DLOGITS_TOL: Tolerance = { rel: 1e-5, abs: 1e-30 };

function addSoftmaxCE(m: number, n: number, variant: '' | 'huge' | 'no-dLogits'): void {
  const label = `${m}×${n}${variant ? ` ${variant}` : ''}`;
  const tol: Record<string, Tolerance> = { loss: lossTol(m), correct: EXACT };
  if (variant !== 'no-dLogits') tol.dLogits = DLOGITS_TOL;
  add('softmaxCrossEntropy', label, tol, m * n, (rng) => {
    // 'huge': logits spread over ±1e4, so any exp without the max subtracted overflows.
    const logits = variant === 'huge' ? distinctRows(rng, m, n, 2e4 / n) : distinctRows(rng, m, n, 6 / Math.sqrt(n));
    const labels = labelsFor(rng, m, n, logits);
    const withD = variant !== 'no-dLogits';
    return {
      regions: [f32('logits', 'in', m * n, logits), i32('labels', 'in', m, labels), ...(withD ? [f32('dLogits', 'out', m * n)] : []), stats()],
      call: (kn, p) => kn.softmaxCrossEntropy(m, n, p.logits, p.labels, withD ? p.dLogits : 0, p.stats),
      outputs: [
        { name: 'loss', region: 'stats', offset: 0, count: 1 },
        { name: 'correct', region: 'stats', offset: 1, count: 1 },
        ...(withD ? [whole('dLogits')] : []),
      ],
      reference: () => {
        const r = ref.softmaxCrossEntropy(m, n, logits, labels);
        return withD ? { ...r } : { loss: r.loss, correct: r.correct };
      },
    };
  });
}

function addSquaredError(m: number, n: number, withD: boolean): void {
  const tol: Record<string, Tolerance> = { loss: { rel: 1e-6, abs: 0 }, zero: EXACT };
  if (withD) tol.dY = { rel: 1e-6, abs: 0 };
  add('squaredError', `${m}×${n}${withD ? '' : ' no-dY'}`, tol, m * n, (rng) => {
    const y = uniform(rng, m * n, 0, 1);
    // One-hot targets on half the rows (as the network uses them), random values on the rest.
    const t = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      if (i % 2 === 0) t[i * n + rng.int(n)] = 1;
      else for (let j = 0; j < n; j++) t[i * n + j] = rng.uniform(-1, 1);
    }
    return {
      regions: [f32('y', 'in', m * n, y), f32('target', 'in', m * n, t), ...(withD ? [f32('dY', 'out', m * n)] : []), stats()],
      call: (kn, p) => kn.squaredError(m, n, p.y, p.target, withD ? p.dY : 0, p.stats),
      outputs: [
        { name: 'loss', region: 'stats', offset: 0, count: 1 },
        { name: 'zero', region: 'stats', offset: 1, count: 1 },
        ...(withD ? [whole('dY')] : []),
      ],
      reference: () => {
        const r = ref.squaredError(m, n, y, t);
        return withD ? { ...r } : { loss: r.loss, zero: r.zero };
      },
    };
  });
}

/** Targets: hard 0/1 on about half the elements, uniform [0, 1] on the rest; 0.5 (the tie rule) and 0.999 among them. */
function bceTargets(rng: Rng, count: number): Float32Array {
  const t = Float32Array.from({ length: count }, () => (rng.next() < 0.5 ? rng.int(2) : rng.next()));
  return withSpecials(rng, t, [0.5, fr(0.999), 0, 1]);
}

function addSigmoidCE(m: number, n: number, variant: '' | 'huge' | 'small' | 'no-dLogits'): void {
  const count = m * n;
  // The log term is never cancelled (it is > 0): 2e-6 of the terms, an order above the f32 error.
  const tol: Record<string, Tolerance> = { loss: { rel: 2e-6, abs: 0 }, correct: EXACT };
  const withD = variant !== 'no-dLogits';
  if (withD) tol.dLogits = DLOGITS_TOL;
  add('sigmoidCrossEntropy', `${m}×${n}${variant ? ` ${variant}` : ''}`, tol, count, (rng) => {
    // 'huge': |x| spread log-uniformly up to 1e30, where e^|x| overflows any float; 'small': |x| ≲ 1,
    // where the loss is mostly the log(1 + e^(−|x|)) term.
    const logits = variant === 'huge'
      ? withSpecials(rng, Float32Array.from({ length: count }, () => (rng.next() < 0.5 ? -1 : 1) * Math.pow(10, rng.uniform(0, 30))), [1e30, -1e30, -88, 89])
      : withSpecials(rng, normal(rng, count, variant === 'small' ? 0.5 : 3), [0, -0, 1e-7, 20, -20, 100, -100]);
    const targets = bceTargets(rng, count);
    return {
      regions: [f32('logits', 'in', count, logits), f32('targets', 'in', count, targets), ...(withD ? [f32('dLogits', 'out', count)] : []), stats()],
      call: (kn, p) => kn.sigmoidCrossEntropy(m, n, p.logits, p.targets, withD ? p.dLogits : 0, p.stats),
      outputs: [
        { name: 'loss', region: 'stats', offset: 0, count: 1 },
        { name: 'correct', region: 'stats', offset: 1, count: 1 },
        ...(withD ? [whole('dLogits')] : []),
      ],
      reference: () => {
        const r = ref.sigmoidCrossEntropy(m, n, logits, targets);
        return withD ? { ...r } : { loss: r.loss, correct: r.correct };
      },
    };
  });
}

function addMeanSquaredError(m: number, n: number, withD: boolean): void {
  const count = m * n;
  const tol: Record<string, Tolerance> = { sumSq: { rel: 1e-6, abs: 0 }, sumAbs: { rel: 1e-6, abs: 0 } };
  if (withD) tol.dY = { rel: 1e-6, abs: 0 };
  add('meanSquaredError', `${m}×${n}${withD ? '' : ' no-dY'}`, tol, count, (rng) => {
    const y = normal(rng, count), t = withSpecials(rng, normal(rng, count), [0, y[0]]);
    return {
      regions: [f32('y', 'in', count, y), f32('target', 'in', count, t), ...(withD ? [f32('dY', 'out', count)] : []), stats()],
      call: (kn, p) => kn.meanSquaredError(m, n, p.y, p.target, withD ? p.dY : 0, p.stats),
      outputs: [
        { name: 'sumSq', region: 'stats', offset: 0, count: 1 },
        { name: 'sumAbs', region: 'stats', offset: 1, count: 1 },
        ...(withD ? [whole('dY')] : []),
      ],
      reference: () => {
        const r = ref.meanSquaredError(m, n, y, t);
        return withD ? { ...r } : { sumSq: r.sumSq, sumAbs: r.sumAbs };
      },
    };
  });
}

for (const [m, n] of ROW_SHAPES) {
  add('softmax', `${m}×${n}`, { y: SOFTMAX_TOL }, m * n, (rng) => {
    const x = normal(rng, m * n, 3);
    return {
      regions: [f32('x', 'in', m * n, x), f32('y', 'out', m * n)],
      call: (kn, p) => kn.softmax(m, n, p.x, p.y),
      outputs: [whole('y')],
      reference: () => ref.softmax(m, n, x),
    };
  });
  addSoftmaxCE(m, n, '');
  addSquaredError(m, n, true);
  addSigmoidCE(m, n, '');
  addMeanSquaredError(m, n, true);
  add('argmax', `${m}×${n}`, { out: EXACT }, m * n, (rng) => {
    const x = distinctRows(rng, m, n, 0.25);
    return {
      regions: [f32('x', 'in', m * n, x), i32('out', 'out', m)],
      call: (kn, p) => kn.argmax(m, n, p.x, p.out),
      outputs: [whole('out')],
      reference: () => ref.argmax(m, n, x),
    };
  });
}
// Numerical stability: logits of ±1e4 (no NaN/Inf allowed), at the digits shape and wide rows.
for (const [m, n] of [[1, 3], [64, 10], [17, 784], [127, 5]] as const) addSoftmaxCE(m, n, 'huge');
addSoftmaxCE(64, 10, 'no-dLogits');
addSquaredError(64, 10, false);
for (const [m, n] of [[1, 3], [64, 10], [17, 784], [127, 5]] as const) {
  addSigmoidCE(m, n, 'huge');
  addSigmoidCE(m, n, 'small');
}
addSigmoidCE(64, 10, 'no-dLogits');
addMeanSquaredError(64, 10, false);
add('softmax', '8×17 huge', { y: SOFTMAX_TOL }, 8 * 17, (rng) => {
  const x = distinctRows(rng, 8, 17, 2e4 / 17);
  return {
    regions: [f32('x', 'in', 8 * 17, x), f32('y', 'out', 8 * 17)],
    call: (kn, p) => kn.softmax(8, 17, p.x, p.y),
    outputs: [whole('y')],
    reference: () => ref.softmax(8, 17, x),
  };
});
// The documented tie rule (first index wins), on values drawn from {0, 1, 2}.
add('argmax', '65×10 ties', { out: EXACT }, 650, (rng) => {
  const x = Float32Array.from({ length: 650 }, () => rng.int(3));
  return {
    regions: [f32('x', 'in', 650, x), i32('out', 'out', 65)],
    call: (kn, p) => kn.argmax(65, 10, p.x, p.out),
    outputs: [whole('out')],
    reference: () => ref.argmax(65, 10, x),
  };
});

// --- optimizers -------------------------------------------------------------------------------

const OPT_TOL: Tolerance = { rel: 1e-6, abs: 0 };
const ADAM_TOL: Tolerance = { rel: 1e-5, abs: 0 };

for (const n of SIZES) {
  const label = `n=${n}`;
  for (const t of [1, 7]) {
    add('adam', `${label} t=${t}`, { params: ADAM_TOL, m: ADAM_TOL, v: ADAM_TOL }, n, (rng) => {
      const params = normal(rng, n), grads = withSpecials(rng, normal(rng, n, 0.1), [0]);
      // t = 1 starts from zero moments, as the first step does; t = 7 from earlier steps' moments.
      const m0 = t === 1 ? new Float32Array(n) : normal(rng, n, 0.05);
      const v0 = t === 1 ? new Float32Array(n) : uniform(rng, n, 0, 0.01);
      const lr = fr(1e-3), beta1 = fr(0.9), beta2 = fr(0.999), eps = fr(1e-8);
      return {
        regions: [f32('params', 'inout', n, params), f32('grads', 'in', n, grads), f32('m', 'inout', n, m0), f32('v', 'inout', n, v0)],
        call: (kn, p) => kn.adam(n, p.params, p.grads, p.m, p.v, lr, beta1, beta2, eps, t),
        outputs: [whole('params'), whole('m'), whole('v')],
        reference: () => ref.adam(params, grads, m0, v0, lr, beta1, beta2, eps, t),
      };
    });
  }
  add('rmsprop', label, { params: ADAM_TOL, s: ADAM_TOL }, n, (rng) => {
    const params = normal(rng, n), grads = withSpecials(rng, normal(rng, n, 0.1), [0]), s0 = uniform(rng, n, 0, 0.01);
    const lr = fr(0.01), alpha = fr(0.99), eps = fr(1e-8);
    return {
      regions: [f32('params', 'inout', n, params), f32('grads', 'in', n, grads), f32('s', 'inout', n, s0)],
      call: (kn, p) => kn.rmsprop(n, p.params, p.grads, p.s, lr, alpha, eps),
      outputs: [whole('params'), whole('s')],
      reference: () => ref.rmsprop(params, grads, s0, lr, alpha, eps),
    };
  });
}

// --- data -------------------------------------------------------------------------------------

for (const [rows, cols] of ROW_SHAPES) {
  add('gatherImages', `${rows}×${cols}`, { dst: EXACT }, rows * cols, (rng) => {
    const srcRows = datasetRows(rows);
    const src = randomBytes(rng, srcRows * cols), indices = indexList(rng, rows, srcRows);
    return {
      regions: [u8('src', srcRows * cols, src), i32('indices', 'in', rows, indices), f32('dst', 'out', rows * cols)],
      call: (kn, p) => kn.gatherImages(rows, cols, p.src, srcRows, p.indices, p.dst),
      outputs: [whole('dst')],
      reference: () => ref.gatherImages(rows, cols, src, indices),
    };
  });
}

for (const [rows, cols] of ROW_SHAPES) {
  // A block from the middle of the row, and the whole row.
  const blocks = cols > 2 ? [[Math.floor(cols / 3), cols - Math.floor(cols / 3) - 1], [0, cols]] : [[0, cols]];
  for (const [first, count] of blocks) {
    add('gatherImagesT', `${rows}×${cols} [${first}, +${count}]`, { dst: EXACT }, rows * count, (rng) => {
      const srcRows = datasetRows(rows);
      const src = randomBytes(rng, srcRows * cols), indices = indexList(rng, rows, srcRows);
      return {
        regions: [u8('src', srcRows * cols, src), i32('indices', 'in', rows, indices), f32('dst', 'out', count * rows)],
        call: (kn, p) => kn.gatherImagesT(rows, cols, first, count, p.src, srcRows, p.indices, p.dst),
        outputs: [whole('dst')],
        reference: () => ref.gatherImagesT(rows, cols, first, count, src, indices),
      };
    });
  }
}

/** f32 bit patterns a copy through floats could change: NaNs with payloads (signalling, negative), −0, a subnormal, ∞. */
const WORD_SPECIALS = [0x7f800001, 0x7fc12345, 0xffc00001 | 0, 0x80000000 | 0, 0x00000001, 0x7f800000];
for (const [rows, cols] of ROW_SHAPES) {
  add('gather32', `${rows}×${cols}`, { dst: EXACT }, rows * cols, (rng) => {
    const srcRows = datasetRows(rows);
    const src = Int32Array.from({ length: srcRows * cols }, () => (rng.int(65536) << 16) | rng.int(65536));
    const indices = indexList(rng, rows, srcRows);
    // Each special in a row that is gathered.
    WORD_SPECIALS.forEach((w, i) => (src[indices[i % rows] * cols + rng.int(cols)] = w));
    return {
      regions: [i32('src', 'in', srcRows * cols, src), i32('indices', 'in', rows, indices), i32('dst', 'out', rows * cols)],
      call: (kn, p) => kn.gather32(rows, cols, p.src, srcRows, p.indices, p.dst),
      outputs: [whole('dst')],
      reference: () => ref.gather32(rows, cols, src, indices),
    };
  });
}

for (const n of SIZES) {
  add('gatherLabels', `n=${n}`, { dst: EXACT }, n, (rng) => {
    const srcRows = datasetRows(n);
    const src = randomBytes(rng, srcRows), indices = indexList(rng, n, srcRows);
    return {
      regions: [u8('src', srcRows, src), i32('indices', 'in', n, indices), i32('dst', 'out', n)],
      call: (kn, p) => kn.gatherLabels(n, p.src, srcRows, p.indices, p.dst),
      outputs: [whole('dst')],
      reference: () => ref.gatherLabels(src, indices),
    };
  });
  add('maxAbs', `n=${n}`, { result: EXACT }, n, (rng) => {
    const x = normal(rng, n);
    // The largest magnitude at a random position, negative on odd sizes.
    x[rng.int(n)] = n % 2 ? -5 : 5;
    return {
      regions: [f32('x', 'in', n, x)],
      call: (kn, p) => kn.maxAbs(n, p.x),
      outputs: [{ name: 'result', region: 'return' }],
      reference: () => ref.maxAbs(x),
    };
  });
}

// sameOrCopy32: equal (1, copy untouched), a difference at the first or the last word (0, copy
// becomes src), and −0 against 0 (different bits).
for (const [n, change] of [[1, -1], [5, 4], [1000, 0], [1000, 999], [1003, -1], [7, -2]] as const) {
  add('sameOrCopy32', `n=${n} ${change === -1 ? 'equal' : change === -2 ? '−0 vs 0' : `differs at ${change}`}`, { result: EXACT, copy: EXACT }, n, (rng) => {
    const src = normal(rng, n), copy = Float32Array.from(src);
    if (change >= 0) copy[change] += 1;
    if (change === -2) { src[3] = -0; copy[3] = 0; }
    return {
      regions: [f32('src', 'in', n, src), f32('copy', 'inout', n, copy)],
      call: (kn, p) => kn.sameOrCopy32(n, p.src, p.copy),
      outputs: [{ name: 'result', region: 'return' }, whole('copy')],
      reference: () => ref.sameOrCopy32(src, copy),
    };
  });
}

// --- convolution --------------------------------------------------------------------------------

/**
 * [batch, h, w, c, kh, kw, stride, pad, filters]: odd sizes, 1×1, full-image kernels, MNIST's conv
 * layers (the CNN preset's, the shipped digit model's first); filters (for convForward) around its
 * blocks of 16 and vectors of 4: 1, 5, 12 (three whole vectors), 16, 21 (16 + 4 + 1), 24 (16 + 8), 32.
 */
const CONV_SHAPES = [
  [1, 5, 5, 1, 3, 3, 1, 1, 1], [2, 7, 6, 3, 3, 2, 2, 0, 5], [3, 8, 8, 5, 5, 5, 1, 2, 16], [2, 28, 28, 1, 5, 5, 1, 2, 21],
  [1, 14, 14, 32, 5, 5, 1, 2, 32], [2, 9, 9, 4, 1, 1, 1, 0, 1], [1, 4, 4, 17, 4, 4, 1, 0, 5], [1, 1, 1, 1, 1, 1, 1, 0, 16],
  [3, 28, 28, 1, 3, 3, 1, 0, 12], [2, 11, 13, 2, 3, 3, 2, 1, 24],
] as const;
for (const [batch, h, w, c, kh, kw, st, pad, filters] of CONV_SHAPES) {
  const oh = Math.floor((h + 2 * pad - kh) / st) + 1, ow = Math.floor((w + 2 * pad - kw) / st) + 1;
  const label = `${batch}×${h}×${w}×${c} k${kh}×${kw} s${st} p${pad}`;
  const colCount = batch * oh * ow * kh * kw * c;
  add('im2col', label, { cols: EXACT }, colCount, (rng) => {
    const x = normal(rng, batch * h * w * c);
    return {
      regions: [f32('x', 'in', x.length, x), f32('cols', 'out', colCount)],
      call: (kn, p) => kn.im2col(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, p.x, p.cols),
      outputs: [whole('cols')],
      reference: () => ref.im2col(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, x),
    };
  });
  add('convForward', `${label} f${filters}`, { y: { rel: 2e-6, abs: 1e-30 } }, batch * oh * ow * filters * kh * kw * c, (rng) => {
    const x = normal(rng, batch * h * w * c), wt = normal(rng, kh * kw * c * filters), bias = normal(rng, filters);
    return {
      regions: [f32('x', 'in', x.length, x), f32('wt', 'in', wt.length, wt), f32('bias', 'in', filters, bias), f32('y', 'out', batch * oh * ow * filters)],
      call: (kn, p) => kn.convForward(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, filters, p.x, p.wt, p.bias, p.y),
      outputs: [whole('y')],
      reference: () => ref.convForward(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, filters, x, wt, bias),
    };
  }, { usesScratch: true }); // the WASM kernel pads each block of weights in the GEMM's scratch
  add('col2im', label, { dx: { rel: 1e-6, abs: 1e-30 } }, colCount, (rng) => {
    const cols = normal(rng, colCount);
    return {
      regions: [f32('cols', 'in', colCount, cols), f32('dx', 'out', batch * h * w * c)],
      call: (kn, p) => kn.col2im(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, p.cols, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.col2im(batch, h, w, c, kh, kw, st, pad, pad, oh, ow, cols),
    };
  });
}

/**
 * Winograd F(2×2, 5×5) transforms: [batch, h, w, c, padT, padL, oh, ow]: one whole tile ('valid'
 * 6×6), odd outputs (partial tiles), channels around vectors of 4 (1, 3, 5, 32), the CNN preset's
 * second conv (14×14×32, 'same'), padding that differs between the axes.
 */
const WINOGRAD_SHAPES = [
  [1, 6, 6, 4, 0, 0, 2, 2], [2, 7, 9, 5, 2, 2, 7, 9], [1, 14, 14, 32, 2, 2, 14, 14], [3, 8, 5, 3, 1, 2, 5, 5], [1, 5, 5, 1, 2, 2, 5, 5],
] as const;
const WINOGRAD_TOL: Tolerance = { rel: 2e-6, abs: 1e-30 };
for (const [batch, h, w, c, pt, pl, oh, ow] of WINOGRAD_SHAPES) {
  const label = `${batch}×${h}×${w}×${c} p${pt},${pl} → ${oh}×${ow}`;
  const tiled = 36 * batch * Math.ceil(oh / 2) * Math.ceil(ow / 2) * c;
  add('winogradInput', label, { v: WINOGRAD_TOL }, tiled, (rng) => {
    const x = normal(rng, batch * h * w * c);
    return {
      regions: [f32('x', 'in', x.length, x), f32('v', 'out', tiled)],
      call: (kn, p) => kn.winogradInput(batch, h, w, c, pt, pl, oh, ow, p.x, p.v),
      outputs: [whole('v')],
      reference: () => ref.winogradInput(batch, h, w, c, pt, pl, oh, ow, x),
    };
  }, { usesScratch: true });
  add('winogradInputBackward', label, { dx: WINOGRAD_TOL }, tiled, (rng) => {
    const dv = normal(rng, tiled);
    return {
      regions: [f32('dv', 'in', tiled, dv), f32('dx', 'out', batch * h * w * c)],
      call: (kn, p) => kn.winogradInputBackward(batch, h, w, c, pt, pl, oh, ow, p.dv, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.winogradInputBackward(batch, h, w, c, pt, pl, oh, ow, dv),
    };
  }, { usesScratch: true });
  add('winogradOutput', label, { y: WINOGRAD_TOL }, tiled, (rng) => {
    const m = normal(rng, tiled);
    return {
      regions: [f32('m', 'in', tiled, m), f32('y', 'out', batch * oh * ow * c)],
      call: (kn, p) => kn.winogradOutput(batch, oh, ow, c, p.m, p.y),
      outputs: [whole('y')],
      reference: () => ref.winogradOutput(batch, oh, ow, c, m),
    };
  }, { usesScratch: true });
  add('winogradOutputBackward', label, { dm: WINOGRAD_TOL }, tiled, (rng) => {
    const dy = normal(rng, batch * oh * ow * c);
    return {
      regions: [f32('dy', 'in', dy.length, dy), f32('dm', 'out', tiled)],
      call: (kn, p) => kn.winogradOutputBackward(batch, oh, ow, c, p.dy, p.dm),
      outputs: [whole('dm')],
      reference: () => ref.winogradOutputBackward(batch, oh, ow, c, dy),
    };
  }, { usesScratch: true });
}
// Output channels go through a 64-wide scratch row: 62, 63 and 127 end a row with one-lane tails.
for (const [cin, cout] of [[1, 1], [3, 5], [32, 64], [5, 13], [2, 62], [3, 63], [2, 127]] as const) {
  const label = `${cin}→${cout}`;
  add('winogradFilter', label, { u: WINOGRAD_TOL }, 36 * cin * cout, (rng) => {
    const w = normal(rng, 25 * cin * cout);
    return {
      regions: [f32('w', 'in', w.length, w), f32('u', 'out', 36 * cin * cout)],
      call: (kn, p) => kn.winogradFilter(cin, cout, p.w, p.u),
      outputs: [whole('u')],
      reference: () => ref.winogradFilter(cin, cout, w),
    };
  }, { usesScratch: true });
  add('winogradFilterBackward', label, { dw: WINOGRAD_TOL }, 36 * cin * cout, (rng) => {
    const du = normal(rng, 36 * cin * cout);
    return {
      regions: [f32('du', 'in', du.length, du), f32('dw', 'out', 25 * cin * cout)],
      call: (kn, p) => kn.winogradFilterBackward(cin, cout, p.du, p.dw),
      outputs: [whole('dw')],
      reference: () => ref.winogradFilterBackward(cin, cout, du),
    };
  }, { usesScratch: true });
}

/** [batch, h, w, c, ph, pw, stride]; windows clipped at the border where the size does not divide. */
const POOL_SHAPES = [[1, 28, 28, 8, 2, 2, 2], [2, 7, 7, 3, 2, 2, 2], [1, 5, 5, 17, 3, 3, 2], [3, 4, 6, 1, 2, 3, 1], [1, 1, 1, 5, 2, 2, 2]] as const;
for (const [batch, h, w, c, ph, pw, st] of POOL_SHAPES) {
  const oh = Math.floor((h - 1) / st) + 1, ow = Math.floor((w - 1) / st) + 1;
  const label = `${batch}×${h}×${w}×${c} ${ph}×${pw} s${st}`;
  const outCount = batch * oh * ow * c, inCount = batch * h * w * c;
  add('maxPoolForward', label, { y: EXACT, arg: EXACT }, inCount, (rng) => {
    const x = normal(rng, inCount);
    return {
      regions: [f32('x', 'in', inCount, x), f32('y', 'out', outCount), i32('arg', 'out', outCount)],
      call: (kn, p) => kn.maxPoolForward(batch, h, w, c, ph, pw, st, oh, ow, p.x, p.y, p.arg),
      outputs: [whole('y'), whole('arg')],
      reference: () => ref.maxPoolForward(batch, h, w, c, ph, pw, st, oh, ow, x),
    };
  });
  add('maxPoolForward', `${label}, no indices (arg 0)`, { y: EXACT }, inCount, (rng) => {
    const x = normal(rng, inCount);
    return {
      regions: [f32('x', 'in', inCount, x), f32('y', 'out', outCount)],
      call: (kn, p) => kn.maxPoolForward(batch, h, w, c, ph, pw, st, oh, ow, p.x, p.y, 0),
      outputs: [whole('y')],
      reference: () => ({ y: ref.maxPoolForward(batch, h, w, c, ph, pw, st, oh, ow, x).y }),
    };
  });
  add('maxPoolBackward', label, { dx: { rel: 1e-6, abs: 1e-30 } }, inCount, (rng) => {
    const dy = normal(rng, outCount);
    // Overlapping windows (stride < window) send several outputs to one input.
    const arg = Int32Array.from(ref.maxPoolForward(batch, h, w, c, ph, pw, st, oh, ow, normal(rng, inCount)).arg.values);
    return {
      regions: [f32('dy', 'in', outCount, dy), i32('arg', 'in', outCount, arg), f32('dx', 'out', inCount)],
      call: (kn, p) => kn.maxPoolBackward(outCount, p.dy, p.arg, inCount, p.dx),
      outputs: [whole('dx')],
      reference: () => ref.maxPoolBackward(dy, arg, inCount),
    };
  });
}

// --- EURNN -----------------------------------------------------------------------------------
// rows × n complex states; n = 2 makes the odd layer's only block the wrap-around pair (1, 0).
const EURNN_SHAPES = [[1, 2], [3, 8], [2, 10], [5, 18], [100, 256]] as const;
const EURNN_TOL: Tolerance = { rel: 2e-6, abs: 1e-30 };
const SUM_TOL: Tolerance = { rel: 1e-5, abs: 1e-30 };
function coefficientsFor(rng: Rng, n: number): Float32Array {
  const cf = new Float32Array(4 * n);
  rotationCoefficients(uniform(rng, n, 0, 2 * Math.PI), n, cf);
  return cf;
}
for (const [rows, n] of EURNN_SHAPES) {
  const count = 2 * rows * n;
  for (const odd of [0, 1]) {
    const label = `${rows}×${n} ${odd ? 'odd' : 'even'}`;
    add('rotationForward', label, { y: EURNN_TOL }, count, (rng) => {
      const cf = coefficientsFor(rng, n), x = normal(rng, count);
      return {
        regions: [f32('coeffs', 'in', 4 * n, cf), f32('x', 'in', count, x), f32('y', 'out', count)],
        call: (kn, p) => kn.rotationForward(rows, n, odd, p.coeffs, p.x, p.y),
        outputs: [whole('y')],
        reference: () => ref.rotationForward(rows, n, odd, cf, x),
      };
    });
    add('rotationBackward', label, { gx: EURNN_TOL, gAngles: SUM_TOL }, count, (rng) => {
      const cf = coefficientsFor(rng, n), y = normal(rng, count), gy = normal(rng, count), ga = normal(rng, n);
      return {
        regions: [f32('coeffs', 'in', 4 * n, cf), f32('y', 'in', count, y), f32('gy', 'in', count, gy), f32('gx', 'out', count), f32('gAngles', 'inout', n, ga)],
        call: (kn, p) => kn.rotationBackward(rows, n, odd, p.coeffs, p.y, p.gy, p.gx, p.gAngles),
        outputs: [whole('gx'), whole('gAngles')],
        reference: () => ref.rotationBackward(rows, n, odd, cf, y, gy, ga),
      };
    });
  }
  // Biases in [−0.3, 0.3] with some |z| below 0.3, so some units clip; one state exactly 0.
  const zWithZero = (rng: Rng) => { const z = normal(rng, count, 0.4); z[0] = 0; z[1] = 0; return z; };
  add('modReluForward', `${rows}×${n}`, { h: { rel: 1e-5, abs: 1e-30 } }, count, (rng) => {
    const z = zWithZero(rng), b = uniform(rng, n, -0.3, 0.3);
    return {
      regions: [f32('z', 'in', count, z), f32('bias', 'in', n, b), f32('h', 'out', count)],
      call: (kn, p) => kn.modReluForward(rows, n, p.z, p.bias, p.h),
      outputs: [whole('h')],
      reference: () => ref.modReluForward(rows, n, z, b),
    };
  });
  add('modReluBackward', `${rows}×${n}`, { gz: { rel: 1e-5, abs: 1e-30 }, gBias: SUM_TOL }, count, (rng) => {
    const z = zWithZero(rng), b = uniform(rng, n, -0.3, 0.3), gh = normal(rng, count), gb = normal(rng, n);
    return {
      regions: [f32('z', 'in', count, z), f32('bias', 'in', n, b), f32('gh', 'in', count, gh), f32('gz', 'out', count), f32('gBias', 'inout', n, gb)],
      call: (kn, p) => kn.modReluBackward(rows, n, p.z, p.bias, p.gh, p.gz, p.gBias),
      outputs: [whole('gz'), whole('gBias')],
      reference: () => ref.modReluBackward(rows, n, z, b, gh, gb),
    };
  });
  for (const [d, xStride] of [[1, 1], [1, 7], [3, 5]] as const) {
    const xCount = (rows - 1) * xStride + d;
    add('complexInputForward', `${rows}×${n} d=${d} stride ${xStride}`, { z: EURNN_TOL }, count, (rng) => {
      const x = uniform(rng, xCount, 0, 1), w = normal(rng, d * n), b = normal(rng, n), z = normal(rng, count);
      return {
        regions: [f32('x', 'in', xCount, x), f32('w', 'in', d * n, w), f32('b', 'in', n, b), f32('z', 'inout', count, z)],
        call: (kn, p) => kn.complexInputForward(rows, n, d, p.x, xStride, p.w, p.b, p.z),
        outputs: [whole('z')],
        reference: () => ref.complexInputForward(rows, n, d, x, xStride, w, b, z),
      };
    });
    add('complexInputBackward', `${rows}×${n} d=${d} stride ${xStride}`, { gw: SUM_TOL, gb: SUM_TOL }, count, (rng) => {
      const x = uniform(rng, xCount, 0, 1), gz = normal(rng, count), gw = normal(rng, d * n), gb = normal(rng, n);
      return {
        regions: [f32('x', 'in', xCount, x), f32('gz', 'in', count, gz), f32('gw', 'inout', d * n, gw), f32('gb', 'inout', n, gb)],
        call: (kn, p) => kn.complexInputBackward(rows, n, d, p.x, xStride, p.gz, p.gw, p.gb),
        outputs: [whole('gw'), whole('gb')],
        reference: () => ref.complexInputBackward(rows, n, d, x, xStride, gz, gw, gb),
      };
    });
  }
}

// --- generated: every elementwise and optimizer kernel, from its KERNEL_ARGS row ----------------
// At every size in SIZES (and for every value of its flags): input regions filled as the row says,
// numbers drawn from the row's ranges (log-uniform over ranges spanning decades, f32 values). The
// oracle is the float64 function of the kernel's name in ./reference.ts, called with the input
// regions in argument order, then the numbers. A kernel without one is compared with its js twin
// run on float64 memory (same formula, no f32 rounding): that checks the WASM kernel against the
// twin and the twin's rounding, not the twin's formula — add a reference for that.

const GENERATED_TOL: Tolerance = { rel: 1e-5, abs: 1e-30 };
/** Tighter where a kernel's reference allows it (a new kernel needs no entry). */
const GENERATED_TOL_FOR: Partial<Record<KernelName, Tolerance>> = {
  reluForward: EXACT, reluBackward: EXACT, multiply: EXACT, maxAbs: EXACT, sgd: OPT_TOL, momentum: OPT_TOL,
};
type FlatReference = (...args: (Float32Array | number)[]) => Record<string, RefOutput>;
type FlatKernel = (count: number, ...args: number[]) => number | void;

/** A generated row's data, with its js twin's float64 results (checked against the reference by the tests). */
export interface GeneratedData extends CaseData {
  readonly oracle: 'reference' | 'twin';
  twin(): Record<string, RefOutput>;
}

function drawScalar(rng: Rng, { kind, draw: [lo, hi] }: ScalarArg): number {
  if (kind === 'step') return lo + rng.int(hi - lo + 1);
  return fr(lo > 0 && hi / lo > 10 ? lo * Math.pow(hi / lo, rng.next()) : rng.uniform(lo, hi));
}

/** Runs a flat kernel's js twin with every f32 region on a Float64Array (region i at element i·count). */
function twinInFloat64(name: KernelName, args: FlatArgs, count: number, inputs: readonly (Float32Array | undefined)[], scalars: readonly number[]): Record<string, RefOutput> {
  const f64 = new Float64Array(args.regions.length * count);
  inputs.forEach((v, i) => v && f64.set(v, i * count));
  const kernel = jsKernels(() => ({ f32: f64 }) as unknown as HeapViews)[name] as FlatKernel;
  const returned = kernel(count, ...args.regions.map((_, i) => i * count * 4), ...scalars);
  const result: Record<string, RefOutput> = {};
  const withScale = (values: Float64Array): RefOutput => {
    // No term magnitudes here: allow errors relative to the output's mean magnitude too.
    const mean = values.reduce((a, v) => a + Math.abs(v), 0) / values.length;
    return { values, scale: values.map((v) => Math.abs(v) + mean) };
  };
  args.regions.forEach((r, i) => {
    if (r.role !== 'in') result[r.name] = withScale(f64.slice(i * count, (i + 1) * count));
  });
  if (typeof returned === 'number') result.result = withScale(Float64Array.of(returned));
  return result;
}

const generated: KernelCase[] = [];
export const generatedCases: readonly KernelCase[] = generated;
for (const name of KERNEL_NAMES) {
  const args = KERNEL_ARGS[name];
  if (args.kind === 'custom') continue;
  const reference = (ref as Record<string, unknown>)[name] as FlatReference | undefined;
  const outputs = args.regions.filter((r) => r.role !== 'in').map((r) => whole(r.name));
  if (outputs.length === 0) outputs.push({ name: 'result', region: 'return' });
  const tolerance = Object.fromEntries(outputs.map((o) => [o.name, (reference && GENERATED_TOL_FOR[name]) || GENERATED_TOL]));
  const flags = args.scalars.filter((sc) => sc.kind === 'flag');
  for (const n of SIZES) {
    for (let bits = 0; bits < 1 << flags.length; bits++) {
      const flagValue = (sc: ScalarArg) => (bits >> flags.indexOf(sc)) & 1;
      const label = [`n=${n}`, ...flags.map((sc) => `${sc.name}=${flagValue(sc)}`), 'generated'].join(' ');
      const kc = add(name, label, tolerance, n, (rng): GeneratedData => {
        const inputs = args.regions.map((r) => (r.role === 'out' ? undefined : r.fill === 'normal' ? normal(rng, n) : uniform(rng, n, 0, 1)));
        const scalars = args.scalars.map((sc) => (sc.kind === 'flag' ? flagValue(sc) : drawScalar(rng, sc)));
        const twin = () => twinInFloat64(name, args, n, inputs, scalars);
        return {
          regions: args.regions.map((r, i) => f32(r.name, r.role, n, inputs[i])),
          call: (kn, p) => (kn[name] as FlatKernel)(n, ...args.regions.map((r) => p[r.name]), ...scalars),
          outputs,
          reference: reference ? () => reference(...inputs.filter((v) => v !== undefined), ...scalars) : twin,
          oracle: reference ? 'reference' : 'twin',
          twin,
        };
      }, { tags: ['generated'] });
      generated.push(kc);
    }
  }
}

/** Every case, grouped by kernel in the order of KERNEL_NAMES. */
export const kernelCases: readonly KernelCase[] = [...cases].sort((a, b) => KERNEL_NAMES.indexOf(a.kernel) - KERNEL_NAMES.indexOf(b.kernel));

{
  const seen = new Set<string>();
  for (const c of kernelCases) {
    if (seen.has(c.id)) throw new Error(`kernel-cases: duplicate case ${c.id}`);
    seen.add(c.id);
  }
}

// ---------------------------------------------------------------------------------------------
// Running and comparing

export interface OutputCheck {
  readonly name: string;
  readonly count: number;
  readonly tolerance: Tolerance;
  /** max |got − expected| over the output (NaN if any element is NaN). */
  readonly maxAbsError: number;
  /** The element with the largest error relative to what it is allowed. */
  readonly worst: { readonly index: number; readonly got: number; readonly expected: number; readonly allowed: number; readonly ratio: number };
  readonly ok: boolean;
}

export interface CaseResult {
  readonly id: string;
  readonly backend: string;
  readonly ok: boolean;
  readonly outputs: readonly OutputCheck[];
  /** verifyIntegrity()'s problems. */
  readonly integrity: readonly string[];
  /** The outputs as read back. */
  readonly got: Readonly<Record<string, Float64Array>>;
}

/** Compares one output with its expected values: |got − expected| ≤ tol.rel·scale + tol.abs per element. */
export function compareOutput(name: string, got: ArrayLike<number>, expected: RefOutput, tol: Tolerance): OutputCheck {
  const exp = expected.values;
  let maxAbsError = 0;
  let sawNaN = false;
  let worst = { index: -1, got: NaN, expected: NaN, allowed: 0, ratio: -1 };
  if (got.length !== exp.length) {
    return { name, count: got.length, tolerance: tol, maxAbsError: NaN, worst: { ...worst, ratio: Infinity }, ok: false };
  }
  for (let i = 0; i < exp.length; i++) {
    const g = got[i], e = exp[i];
    const err = Math.abs(g - e);
    const allowed = tol.rel * (expected.scale ? expected.scale[i] : Math.abs(e)) + tol.abs;
    // NaN (and Inf − Inf) fail; exact equality (including ±Inf = ±Inf, 0 = −0) passes.
    const ratio = g === e ? 0 : Number.isNaN(err) || !Number.isFinite(g) ? Infinity : allowed > 0 ? err / allowed : Infinity;
    if (g !== e) {
      if (Number.isNaN(err)) sawNaN = true;
      else if (err > maxAbsError) maxAbsError = err;
    }
    if (ratio > worst.ratio) worst = { index: i, got: g, expected: e, allowed, ratio };
  }
  return { name, count: exp.length, tolerance: tol, maxAbsError: sawNaN ? NaN : maxAbsError, worst, ok: worst.ratio <= 1 };
}

/**
 * Runs one case on a backend (checked kernels unless `raw`), freeing its regions afterwards, and
 * compares every output with the float64 reference.
 */
export function runCase(backend: Backend, kc: KernelCase, options: { raw?: boolean } = {}): CaseResult {
  const heap = backend.heap;
  const reference = kc.reference();
  const prepared = kc.setup(heap, options.raw ? backend.rawKernels : backend.kernels);
  try {
    const returned = prepared.run();
    const got = prepared.read(returned);
    const integrity = prepared.verifyIntegrity();
    const outputs = Object.keys(got).map((name) => compareOutput(name, got[name], reference[name], kc.tolerance[name]));
    return { id: kc.id, backend: backend.name, ok: integrity.length === 0 && outputs.every((o) => o.ok), outputs, integrity, got };
  } finally {
    prepared.release();
  }
}

const fmt = (x: number): string => (Number.isInteger(x) && Math.abs(x) < 1e15 ? String(x) : x.toPrecision(9));

/** One line per failing output / integrity problem, naming the worst index, got and expected. */
export function describeFailures(r: CaseResult): string {
  const lines: string[] = [];
  for (const o of r.outputs) {
    if (o.ok) continue;
    const w = o.worst;
    lines.push(
      `${r.backend} ${r.id}: ${o.name}[${w.index}] got ${fmt(w.got)}, expected ${fmt(w.expected)} ` +
        `(|error| ${fmt(Math.abs(w.got - w.expected))} > allowed ${fmt(w.allowed)} = rel ${o.tolerance.rel} · scale + abs ${o.tolerance.abs}; ` +
        `max |error| over ${o.count} elements ${fmt(o.maxAbsError)})`,
    );
  }
  for (const p of r.integrity) lines.push(`${r.backend} ${r.id}: ${p}`);
  return lines.join('\n');
}
