// Batch assembly (gathers by an index list) and maxAbs.
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

    gatherLabels(rows, src, _srcRows, indices, dst) {
      const u = U(), idx = I();
      for (let r = 0; r < rows; r++) idx[(dst >>> 2) + r] = u[src + idx[(indices >>> 2) + r]];
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
