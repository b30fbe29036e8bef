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

/** Measures the ink of `gray` (w × h, ink light, as preprocessing has it after polarity). */
export function measureInk(gray: Float32Array, w: number, h: number): Ink & { x0: number; y0: number } {
  let x0 = w, y0 = h, x1 = -1, y1 = -1, pixels = 0, runs = 0, rows = 0;
  const column = new Uint8Array(w); // the column holds ink
  for (let y = 0; y < h; y++) {
    let inRow = false;
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (!(gray[i] > INK_LEVEL)) continue;
      pixels++;
      column[x] = 1;
      inRow = true;
      if (x === 0 || !(gray[i - 1] > INK_LEVEL)) runs++; // a run starts in this row
      if (y === 0 || !(gray[i - w] > INK_LEVEL)) runs++; // and in this column
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    if (inRow) rows++;
  }
  if (pixels === 0) return { width: w, height: h, pixels, boxWidth: 0, boxHeight: 0, largest: 0, runs: 0, x0: 0, y0: 0 };
  let columns = 0;
  for (let x = 0; x < w; x++) columns += column[x];
  const boxWidth = x1 - x0 + 1, boxHeight = y1 - y0 + 1;
  const largest = largestPiece(gray, w, x0, y0, boxWidth, boxHeight, pixels);
  return { width: w, height: h, pixels, boxWidth, boxHeight, largest, runs: runs / (rows + columns), x0, y0 };
}

/** The size of the largest 8-connected piece of ink in the box (bw × bh at x0, y0) of `gray`. */
function largestPiece(gray: Float32Array, w: number, x0: number, y0: number, bw: number, bh: number, pixels: number): number {
  const seen = new Uint8Array(bw * bh);
  const queue = new Int32Array(pixels);
  let largest = 0, left = pixels;
  for (let start = 0; start < bw * bh && largest < left; start++) {
    if (seen[start] || !(gray[(y0 + Math.floor(start / bw)) * w + x0 + (start % bw)] > INK_LEVEL)) continue;
    let head = 0, tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    while (head < tail) {
      const p = queue[head++], px = p % bw, py = (p - px) / bw;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = py + dy;
        if (ny < 0 || ny >= bh) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = px + dx, q = ny * bw + nx;
          if (nx < 0 || nx >= bw || seen[q] || !(gray[(y0 + ny) * w + x0 + nx] > INK_LEVEL)) continue;
          seen[q] = 1;
          queue[tail++] = q;
        }
      }
    }
    largest = Math.max(largest, tail);
    left -= tail;
  }
  return largest;
}
