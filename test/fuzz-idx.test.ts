import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { parseIdx, parseIdxRaw } from '../src/data/idx';
import { IdxError } from '../src/errors';

// Property-based fuzzing of the IDX parser: whatever the bytes, it returns a result whose sizes
// agree with the input, or throws an IdxError with a documented code — never another exception,
// never a hang, never an allocation (results are views of the input).
const CODES = ['IDX_TRUNCATED', 'IDX_MAGIC', 'IDX_HEADER', 'IDX_GZIP', 'IDX_LIMIT'];

function idxFile(kind: 'images' | 'labels', count: number, rows = 3, cols = 2): Uint8Array {
  const dims = kind === 'images' ? [count, rows, cols] : [count];
  const data = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + data);
  const view = new DataView(out.buffer);
  view.setUint32(0, kind === 'images' ? 0x803 : 0x801);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 0; i < data; i++) out[4 + 4 * dims.length + i] = i * 37;
  return out;
}

function checkOutcome(bytes: Uint8Array, run: () => ReturnType<typeof parseIdxRaw>) {
  let result;
  try {
    result = run();
  } catch (e) {
    expect(e).toBeInstanceOf(IdxError);
    expect(CODES).toContain((e as IdxError).code);
    expect((e as Error).message).toMatch(/^fuzz: /); // names the file
    return;
  }
  if (result.kind === 'images') {
    expect(result.pixels.length).toBe(result.count * result.rows * result.cols);
    expect(result.pixels.buffer).toBe(bytes.buffer); // a view, not a copy
  } else {
    expect(result.labels.length).toBe(result.count);
    expect(result.labels.buffer).toBe(bytes.buffer);
  }
}

/** A valid file with edits: truncations, overwritten header bytes, huge counts, appended bytes. */
const mutated = fc
  .record({
    kind: fc.constantFrom('images' as const, 'labels' as const),
    count: fc.integer({ min: 0, max: 6 }),
    edits: fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    hugeAt: fc.option(fc.constantFrom(4, 8, 12)),
    cut: fc.option(fc.integer({ min: 0, max: 60 })),
    extra: fc.integer({ min: 0, max: 3 }),
  })
  .map(({ kind, count, edits, hugeAt, cut, extra }) => {
    let b = idxFile(kind, count);
    const copy = new Uint8Array(b.length + extra);
    copy.set(b);
    b = copy;
    for (const [at, v] of edits) if (at < b.length) b[at] = v;
    if (hugeAt !== null && hugeAt + 4 <= b.length) new DataView(b.buffer).setUint32(hugeAt, 0xffffffff - hugeAt);
    return cut === null ? b : b.slice(0, Math.min(cut, b.length));
  });

describe('IDX parser fuzzing (fast-check)', () => {
  it('10,000 mutated files: a consistent result or a documented IdxError', () => {
    fc.assert(fc.property(mutated, (bytes) => checkOutcome(bytes, () => parseIdxRaw(bytes, 'fuzz'))), { numRuns: 10_000, seed: 1 });
  });

  it('10,000 random byte strings: a consistent result or a documented IdxError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => checkOutcome(bytes, () => parseIdxRaw(bytes, 'fuzz'))), { numRuns: 10_000, seed: 2 });
  });

  it('1,000 gzipped files, mutated after compression: a consistent result or a documented IdxError', async () => {
    await fc.assert(
      fc.asyncProperty(mutated, fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 255 }), async (raw, at, v) => {
        const gz = new Uint8Array(gzipSync(raw));
        if (at >= 2 && at < gz.length) gz[at] = v; // keep the magic so the gzip path runs
        let result;
        try {
          result = await parseIdx(gz, 'fuzz');
        } catch (e) {
          expect(e).toBeInstanceOf(IdxError);
          expect(CODES).toContain((e as IdxError).code);
          return;
        }
        expect(result.kind === 'images' ? result.pixels.length : result.labels.length).toBeLessThanOrEqual(raw.length);
      }),
      { numRuns: 1_000, seed: 3 },
    );
  });
});
