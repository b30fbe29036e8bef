// The float32 matrix product, plain loops in an order that keeps memory access sequential.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

export function gemmKernels(views: () => HeapViews) {
  const F = () => views().f32;
  let row = new Float32Array(64);

  const kernels = {
    gemmBatch(count, transA, transB, m, n, k, a, b, c, accumulate) {
      for (let i = 0; i < count; i++) kernels.gemm(transA, transB, m, n, k, a + 4 * i * m * k, b + 4 * i * k * n, c + 4 * i * m * n, accumulate);
    },
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      const f = F();
      const A = a >>> 2, B = b >>> 2, C = c >>> 2;
      if (!accumulate) f.fill(0, C, C + m * n);
      if (transB) {
        // B stored [n,k]: C(i,j) is a dot product of row i of op(A) with row j of B.
        const sa = transA ? m : 1, ra = transA ? 1 : k;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0;
            const bj = B + j * k;
            for (let p = 0; p < k; p++) s += f[A + i * ra + p * sa] * f[bj + p];
            f[C + i * n + j] += s;
          }
        }
        return;
      }
      // Row i of C accumulates A(i,p) · B(p,:) over p: the inner loop runs along contiguous rows.
      if (row.length < n) row = new Float32Array(n);
      for (let i = 0; i < m; i++) {
        row.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const aip = transA ? f[A + p * m + i] : f[A + i * k + p];
          const bp = B + p * n;
          for (let j = 0; j < n; j++) row[j] += aip * f[bp + j];
        }
        const ci = C + i * n;
        for (let j = 0; j < n; j++) f[ci + j] += row[j];
      }
    },
  } satisfies Partial<Kernels>;
  return kernels;
}
