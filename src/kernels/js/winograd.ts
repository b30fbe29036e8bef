// Winograd F(2×2, 5×5) transforms (assembly/winograd.ts): plain loops over the matrices.
import type { Kernels } from '../kernels';
import type { HeapViews } from '../heap';

/**
 * The transforms of F(2, 5) for the interpolation points 0, 1, −1, 1/2, −2 and ∞ (Toom-Cook):
 * y = Aᵀ[(G g) ⊙ (Bᵀ d)] for a 5-tap correlation y[i] = Σ_k d[i + k]·g[k] of 6 inputs, and in 2D
 * y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. Of the point sets tried, this one had the smallest float32 error.
 */
export const WINOGRAD_AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 1 / 2, -2, 1],
] as const;
export const WINOGRAD_G = [
  [1, 0, 0, 0, 0],
  [1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3],
  [-1 / 3, 1 / 3, -1 / 3, 1 / 3, -1 / 3],
  [-16 / 15, -8 / 15, -4 / 15, -2 / 15, -1 / 15],
  [1 / 15, -2 / 15, 4 / 15, -8 / 15, 16 / 15],
  [0, 0, 0, 0, 1],
] as const;
export const WINOGRAD_BT = [
  [1, -3 / 2, -2, 3 / 2, 1, 0],
  [0, -1, 1 / 2, 5 / 2, 1, 0],
  [0, 1, -5 / 2, 1 / 2, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 1 / 2, -1, -1 / 2, 1, 0],
  [0, 1, -3 / 2, -2, 3 / 2, 1],
] as const;

type Matrix = readonly (readonly number[])[];

/** out = L · X · Rᵀ for small matrices (X as nested arrays). */
function sandwich(L: Matrix, X: number[][], R: Matrix): number[][] {
  const mid = L.map((l) => X[0].map((_, j) => l.reduce((s, lv, r) => s + lv * X[r][j], 0)));
  return mid.map((row) => R.map((rv) => rv.reduce((s, v, j) => s + v * row[j], 0)));
}
const transpose = (M: Matrix): number[][] => M[0].map((_, j) => M.map((row) => row[j]));
const B = transpose(WINOGRAD_BT), A = transpose(WINOGRAD_AT), GT = transpose(WINOGRAD_G);
const tiles = (n: number) => (n + 1) >> 1;
const grid = (rows: number, cols: number, at: (i: number, j: number) => number) => Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => at(i, j)));

export function winogradKernels(views: () => HeapViews) {
  const F = () => views().f32;
  /** Calls fn(b, ty, tx, t) for every tile of an oh×ow output, t counting from 0. */
  const eachTile = (batch: number, oh: number, ow: number, fn: (b: number, ty: number, tx: number, t: number) => void) => {
    let t = 0;
    for (let b = 0; b < batch; b++) for (let ty = 0; ty < tiles(oh); ty++) for (let tx = 0; tx < tiles(ow); tx++) fn(b, ty, tx, t++);
  };
  const tileCount = (batch: number, oh: number, ow: number) => batch * tiles(oh) * tiles(ow);

  return {
    winogradInput(batch, h, w, c, padT, padL, oh, ow, x, v) {
      const f = F(), T = tileCount(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          const d = grid(6, 6, (i, j) => {
            const iy = 2 * ty - padT + i, ix = 2 * tx - padL + j;
            return iy >= 0 && iy < h && ix >= 0 && ix < w ? f[(x >>> 2) + ((b * h + iy) * w + ix) * c + ci] : 0;
          });
          const V = sandwich(WINOGRAD_BT, d, WINOGRAD_BT);
          for (let xi = 0; xi < 36; xi++) f[(v >>> 2) + (xi * T + t) * c + ci] = V[(xi / 6) | 0][xi % 6];
        }
      });
    },

    winogradInputBackward(batch, h, w, c, padT, padL, oh, ow, dv, dx) {
      const f = F(), T = tileCount(batch, oh, ow);
      f.fill(0, dx >>> 2, (dx >>> 2) + batch * h * w * c);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          const dd = sandwich(B, grid(6, 6, (i, j) => f[(dv >>> 2) + ((6 * i + j) * T + t) * c + ci]), B);
          for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
            const iy = 2 * ty - padT + i, ix = 2 * tx - padL + j;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) f[(dx >>> 2) + ((b * h + iy) * w + ix) * c + ci] += dd[i][j];
          }
        }
      });
    },

    winogradOutput(batch, oh, ow, c, m, y) {
      const f = F(), T = tileCount(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          const Y = sandwich(WINOGRAD_AT, grid(6, 6, (i, j) => f[(m >>> 2) + ((6 * i + j) * T + t) * c + ci]), WINOGRAD_AT);
          for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
            const oy = 2 * ty + i, ox = 2 * tx + j;
            if (oy < oh && ox < ow) f[(y >>> 2) + ((b * oh + oy) * ow + ox) * c + ci] = Y[i][j];
          }
        }
      });
    },

    winogradOutputBackward(batch, oh, ow, c, dy, dm) {
      const f = F(), T = tileCount(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          const g = grid(2, 2, (i, j) => {
            const oy = 2 * ty + i, ox = 2 * tx + j;
            return oy < oh && ox < ow ? f[(dy >>> 2) + ((b * oh + oy) * ow + ox) * c + ci] : 0;
          });
          const M = sandwich(A, g, A);
          for (let xi = 0; xi < 36; xi++) f[(dm >>> 2) + (xi * T + t) * c + ci] = M[(xi / 6) | 0][xi % 6];
        }
      });
    },

    winogradFilter(cin, cout, w, u) {
      const f = F();
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
        const U = sandwich(WINOGRAD_G, grid(5, 5, (ky, kx) => f[(w >>> 2) + ((ky * 5 + kx) * cin + ci) * cout + co]), WINOGRAD_G);
        for (let xi = 0; xi < 36; xi++) f[(u >>> 2) + (xi * cin + ci) * cout + co] = U[(xi / 6) | 0][xi % 6];
      }
    },

    winogradFilterBackward(cin, cout, du, dw) {
      const f = F();
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
        const g = sandwich(GT, grid(6, 6, (i, j) => f[(du >>> 2) + ((6 * i + j) * cin + ci) * cout + co]), GT);
        for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) f[(dw >>> 2) + ((ky * 5 + kx) * cin + ci) * cout + co] = g[ky][kx];
      }
    },
  } satisfies Partial<Kernels>;
}
