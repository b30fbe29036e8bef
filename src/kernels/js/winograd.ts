// Winograd F(2×2, 5×5) transforms (assembly/winograd.ts): plain loops over the matrices.
import { winogradTiles, type Kernels } from '../kernels';
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

/** A small matrix as rows × cols and its values, row-major. */
interface Flat { rows: number; cols: number; v: Float64Array }
const flat = (M: Matrix): Flat => ({ rows: M.length, cols: M[0].length, v: Float64Array.from(M.flat()) });
const transposed = (M: Flat): Flat => {
  const v = new Float64Array(M.rows * M.cols);
  for (let i = 0; i < M.rows; i++) for (let j = 0; j < M.cols; j++) v[j * M.rows + i] = M.v[i * M.cols + j];
  return { rows: M.cols, cols: M.rows, v };
};
const BT = flat(WINOGRAD_BT), AT = flat(WINOGRAD_AT), G = flat(WINOGRAD_G);
const B = transposed(BT), A = transposed(AT), GT = transposed(G);

// Scratch for one tile (at most 6×6), reused by every call: the kernels run one at a time.
const tileIn = new Float64Array(36), mid = new Float64Array(36), tileOut = new Float64Array(36);

/** tileOut = L · X · Rᵀ, X = tileIn as L.cols × R.cols (row-major); tileOut is L.rows × R.rows. */
function sandwich(L: Flat, R: Flat): void {
  const n = L.cols, m = R.cols;
  for (let a = 0; a < L.rows; a++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += L.v[a * n + r] * tileIn[r * m + j];
    mid[a * m + j] = s;
  }
  for (let a = 0; a < L.rows; a++) for (let b = 0; b < R.rows; b++) {
    let s = 0;
    for (let j = 0; j < m; j++) s += mid[a * m + j] * R.v[b * m + j];
    tileOut[a * R.rows + b] = s;
  }
}
const tiles = (n: number) => (n + 1) >> 1;

export function winogradKernels(views: () => HeapViews) {
  const F = () => views().f32;
  /** Calls fn(b, ty, tx, t) for every tile of an oh×ow output, t counting from 0. */
  const eachTile = (batch: number, oh: number, ow: number, fn: (b: number, ty: number, tx: number, t: number) => void) => {
    let t = 0;
    for (let b = 0; b < batch; b++) for (let ty = 0; ty < tiles(oh); ty++) for (let tx = 0; tx < tiles(ow); tx++) fn(b, ty, tx, t++);
  };

  return {
    winogradInput(batch, h, w, c, padT, padL, oh, ow, x, v) {
      const f = F(), T = winogradTiles(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
            const iy = 2 * ty - padT + i, ix = 2 * tx - padL + j;
            tileIn[i * 6 + j] = iy >= 0 && iy < h && ix >= 0 && ix < w ? f[(x >>> 2) + ((b * h + iy) * w + ix) * c + ci] : 0;
          }
          sandwich(BT, BT);
          for (let xi = 0; xi < 36; xi++) f[(v >>> 2) + (xi * T + t) * c + ci] = tileOut[xi];
        }
      });
    },

    winogradInputBackward(batch, h, w, c, padT, padL, oh, ow, dv, dx) {
      const f = F(), T = winogradTiles(batch, oh, ow);
      f.fill(0, dx >>> 2, (dx >>> 2) + batch * h * w * c);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          for (let xi = 0; xi < 36; xi++) tileIn[xi] = f[(dv >>> 2) + (xi * T + t) * c + ci];
          sandwich(B, B);
          for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) {
            const iy = 2 * ty - padT + i, ix = 2 * tx - padL + j;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) f[(dx >>> 2) + ((b * h + iy) * w + ix) * c + ci] += tileOut[i * 6 + j];
          }
        }
      });
    },

    winogradOutput(batch, oh, ow, c, m, y) {
      const f = F(), T = winogradTiles(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          for (let xi = 0; xi < 36; xi++) tileIn[xi] = f[(m >>> 2) + (xi * T + t) * c + ci];
          sandwich(AT, AT);
          for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
            const oy = 2 * ty + i, ox = 2 * tx + j;
            if (oy < oh && ox < ow) f[(y >>> 2) + ((b * oh + oy) * ow + ox) * c + ci] = tileOut[i * 2 + j];
          }
        }
      });
    },

    winogradOutputBackward(batch, oh, ow, c, dy, dm) {
      const f = F(), T = winogradTiles(batch, oh, ow);
      eachTile(batch, oh, ow, (b, ty, tx, t) => {
        for (let ci = 0; ci < c; ci++) {
          for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
            const oy = 2 * ty + i, ox = 2 * tx + j;
            tileIn[i * 2 + j] = oy < oh && ox < ow ? f[(dy >>> 2) + ((b * oh + oy) * ow + ox) * c + ci] : 0;
          }
          sandwich(A, A);
          for (let xi = 0; xi < 36; xi++) f[(dm >>> 2) + (xi * T + t) * c + ci] = tileOut[xi];
        }
      });
    },

    winogradFilter(cin, cout, w, u) {
      const f = F();
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
        for (let k = 0; k < 25; k++) tileIn[k] = f[(w >>> 2) + (k * cin + ci) * cout + co]; // k = ky·5 + kx
        sandwich(G, G);
        for (let xi = 0; xi < 36; xi++) f[(u >>> 2) + (xi * cin + ci) * cout + co] = tileOut[xi];
      }
    },

    winogradFilterBackward(cin, cout, du, dw) {
      const f = F();
      for (let ci = 0; ci < cin; ci++) for (let co = 0; co < cout; co++) {
        for (let xi = 0; xi < 36; xi++) tileIn[xi] = f[(du >>> 2) + (xi * cin + ci) * cout + co];
        sandwich(GT, GT);
        for (let k = 0; k < 25; k++) f[(dw >>> 2) + (k * cin + ci) * cout + co] = tileOut[k];
      }
    },
  } satisfies Partial<Kernels>;
}
