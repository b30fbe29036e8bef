// Batch assembly (gathers of dataset rows by an index list) and maxAbs.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function dataKernels(views: () => HeapViews) {
  const F = () => views().f32;
  const I = () => views().i32;
  const U = () => views().u8;

  return {
    gatherImages(rows, cols, src, _srcRows, indices, dst) {
      const f = F(), u = U(), idx = I();
      const scale = Math.fround(1 / 255);
      for (let r = 0; r < rows; r++) {
        const s = src + idx[(indices >>> 2) + r] * cols;
        const d = (dst >>> 2) + r * cols;
        for (let c = 0; c < cols; c++) f[d + c] = u[s + c] * scale;
      }
    },

    gatherImagesT(rows, cols, first, count, src, _srcRows, indices, dst) {
      const f = F(), u = U(), idx = I();
      const scale = Math.fround(1 / 255);
      for (let r = 0; r < rows; r++) {
        const s = src + idx[(indices >>> 2) + r] * cols + first;
        for (let c = 0, d = (dst >>> 2) + r; c < count; c++, d += rows) f[d] = u[s + c] * scale;
      }
    },

    gatherLabels(rows, src, _srcRows, indices, dst) {
      const u = U(), idx = I();
      for (let r = 0; r < rows; r++) idx[(dst >>> 2) + r] = u[src + idx[(indices >>> 2) + r]];
    },

    gather32(rows, cols, src, _srcRows, indices, dst) {
      const w = I(); // an Int32Array: copies bits (through floats, NaN payloads could change)
      for (let r = 0; r < rows; r++) {
        const s = (src >>> 2) + w[(indices >>> 2) + r] * cols;
        w.copyWithin((dst >>> 2) + r * cols, s, s + cols);
      }
    },

    sameOrCopy32(count, src, copy) {
      const w = views().i32, S = src >>> 2, C = copy >>> 2;
      let same = true;
      for (let i = 0; i < count && same; i++) same = w[S + i] === w[C + i];
      if (!same) w.copyWithin(C, S, S + count);
      return same ? 1 : 0;
    },

    maxAbs(count, x) {
      const f = F();
      const X = x >>> 2;
      let mx = 0;
      for (let i = 0; i < count; i++) mx = Math.max(mx, Math.abs(f[X + i]));
      return mx;
    },
  } satisfies Partial<Kernels>;
}
