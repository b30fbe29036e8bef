// What the ink of a picture looks like, to tell a digit from no digit whatever the network says:
// a softmax always names some class, so a blank page, a speck or noise came out as "8 (15.9%)".

/** A pixel is ink above this (gray in [0, 1], after polarity: ink light): the threshold the crop uses. */
export const INK_LEVEL = 0.1;

/** The ink of one picture (after grayscale and polarity), measured where preprocessing finds it. */
export interface Ink {
  /** The picture's size. */
  width: number;
  height: number;
  /** Ink pixels (gray > INK_LEVEL). */
  pixels: number;
  /** The bounding box of the ink (0 × 0 when there is none). */
  boxWidth: number;
  boxHeight: number;
  /** Pixels in the largest 8-connected piece of ink. */
  largest: number;
  /** Runs of ink per row and column, the mean over the rows and columns that hold ink. */
  runs: number;
}

/** Why a picture is not a digit, whatever the network says. */
export type NoDigitReason = 'blank' | 'sparse' | 'noise';

/**
 * Why a picture is no digit, from its ink alone (undefined: it may be one; the network decides).
 * The limits were set on MNIST: they reject none of the 10,000 test digits (test/no-digit.test.ts
 * checks it), none of the 10,000 validation digits and 2 of the 50,000 training digits.
 *  - blank: no ink at all.
 *  - sparse (nearly blank): a speck, the ink's box under 2% of the picture across (or under 4 px);
 *    stray pixels, fewer ink pixels than half the box's longer side (a stroke across the box alone
 *    has as many as that side); or a dot, a solid blob (below) under 1% of the picture.
 *  - noise (no pen strokes): a solid blob, ink filling over 90% of a box whose shorter side is over
 *    half the longer (a thinner one may be a "1"), or over 70% with one run of ink in every row and
 *    column (no hole, no notch): a filled rectangle or disc, a gradient; scattered pieces, the
 *    largest under a quarter of the ink (salt and pepper); or over 5 runs of ink per row and column
 *    on average (strokes cross a line a few times, MNIST digits 2.3 at most; noise dozens of times).
 */
export function noDigitReason(ink: Ink): NoDigitReason | undefined {
  if (ink.pixels === 0) return 'blank';
  const side = Math.max(ink.boxWidth, ink.boxHeight);
  const fill = ink.pixels / (ink.boxWidth * ink.boxHeight);
  const round = Math.min(ink.boxWidth, ink.boxHeight) > side / 2; // a thinner box may be a "1"
  const solid = round && (fill > 0.9 || (fill > 0.7 && ink.runs === 1));
  if (side < Math.max(4, 0.02 * Math.max(ink.width, ink.height))) return 'sparse'; // a speck
  if (ink.pixels < side / 2) return 'sparse'; // stray pixels
  if (solid) return ink.pixels < 0.01 * ink.width * ink.height ? 'sparse' : 'noise'; // a dot, or a filled area
  if (ink.largest < ink.pixels / 4 || ink.runs > 5) return 'noise'; // scattered pieces, or noise
  return undefined;
}

/**
 * Measures the ink from its horizontal runs (what preprocessing finds): row y holds the runs
 * k = rowStart[y] … rowStart[y + 1] − 1, each the pixels [runStart[k], runEnd[k]) of gray > INK_LEVEL,
 * maximal and left to right, in a w × h picture. The same statistics as pixel by pixel, in
 * O(runs): a vertical run starts at every ink pixel without ink above, and two runs of adjacent rows
 * are 8-connected when they overlap widened by one pixel (union-find over the runs).
 */
export function measureRuns(rowStart: Int32Array, runStart: Int32Array, runEnd: Int32Array, w: number, h: number): Ink & { x0: number; y0: number } {
  const n = rowStart[h];
  if (n === 0) return { width: w, height: h, pixels: 0, boxWidth: 0, boxHeight: 0, largest: 0, runs: 0, x0: 0, y0: 0 };
  scratch(n, w);
  let pixels = 0, x0 = w, x1 = 0, y0 = -1, y1 = 0, rows = 0, below = 0; // below: ink pixels with ink above
  for (let y = 0; y < h; y++) {
    const a0 = rowStart[y], a1 = rowStart[y + 1];
    if (a0 === a1) continue;
    rows++;
    if (y0 < 0) y0 = y;
    y1 = y;
    for (let k = a0; k < a1; k++) {
      const s = runStart[k], e = runEnd[k];
      pixels += e - s;
      parent[k] = k;
      size[k] = e - s;
      columnEdge[s]++;
      columnEdge[e]--;
    }
    if (runStart[a0] < x0) x0 = runStart[a0];
    if (runEnd[a1 - 1] > x1) x1 = runEnd[a1 - 1];
    if (y === 0) continue;
    // Pairs of overlapping runs, this row and the one above, as closed intervals [start, end]:
    // overlapping so, they touch at least diagonally.
    let i = a0, j = rowStart[y - 1];
    const j1 = a0;
    while (i < a1 && j < j1) {
      const as = runStart[i], ae = runEnd[i], bs = runStart[j], be = runEnd[j];
      if (as <= be && bs <= ae) {
        union(i, j);
        const shared = Math.min(ae, be) - Math.max(as, bs);
        if (shared > 0) below += shared;
      }
      if (ae < be) i++;
      else j++;
    }
  }
  let columns = 0, depth = 0, largest = 0;
  for (let x = 0; x <= w; x++) {
    depth += columnEdge[x];
    columnEdge[x] = 0;
    if (depth > 0) columns++;
  }
  for (let k = 0; k < n; k++) if (parent[k] === k && size[k] > largest) largest = size[k];
  const runs = n + pixels - below; // runs starting in rows, and in columns
  return { width: w, height: h, pixels, boxWidth: x1 - x0, boxHeight: y1 - y0 + 1, largest, runs: runs / (rows + columns), x0, y0 };
}

// Scratch of measureRuns, reused (it runs synchronously), grown as needed: union-find over the runs
// and the columns' run starts minus ends (a column holds ink where their running sum is positive).
let parent = new Int32Array(256), size = new Int32Array(256), columnEdge = new Int32Array(257);

function scratch(runs: number, w: number): void {
  if (parent.length < runs) { parent = new Int32Array(runs * 2); size = new Int32Array(runs * 2); }
  if (columnEdge.length < w + 1) columnEdge = new Int32Array(w + 1);
}

function find(k: number): number {
  while (parent[k] !== k) { parent[k] = parent[parent[k]]; k = parent[k]; }
  return k;
}

function union(a: number, b: number): void {
  a = find(a); b = find(b);
  if (a === b) return;
  if (size[a] < size[b]) { const t = a; a = b; b = t; }
  parent[b] = a;
  size[a] += size[b];
}
