// Test helper: a real MNIST digit drawn like a person would, on a canvas-sized RGBA page.

/** Draws a 28×28 MNIST digit into a w×h RGBA canvas, scaled by s, at (ox, oy), dark ink on white. */
export function drawOnCanvas(digit: Uint8Array, w: number, h: number, s: number, ox: number, oy: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(w * h * 4).fill(255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // bilinear sample of the digit at ((x − ox)/s, (y − oy)/s)
      const u = (x - ox) / s - 0.5, v = (y - oy) / s - 0.5;
      const iu = Math.floor(u), iv = Math.floor(v), fu = u - iu, fv = v - iv;
      const px = (a: number, b: number) => (a >= 0 && a < 28 && b >= 0 && b < 28 ? digit[b * 28 + a] : 0);
      const val = (1 - fu) * (1 - fv) * px(iu, iv) + fu * (1 - fv) * px(iu + 1, iv) + (1 - fu) * fv * px(iu, iv + 1) + fu * fv * px(iu + 1, iv + 1);
      const ink = 255 - val;
      rgba.set([ink, ink, ink, 255], (y * w + x) * 4);
    }
  }
  return rgba;
}

/** RGBA of strokes (polylines in pad coordinates) drawn with a round pen, anti-aliased by coverage. */
export function drawStrokes(strokes: [number, number][][], pen = 20, size = 280): { data: Uint8ClampedArray; width: number; height: number } {
  const segs = strokes.flatMap((s) => s.slice(1).map((p, i) => [s[i], p] as const));
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    let d = Infinity;
    for (const [[ax, ay], [bx, by]] of segs) {
      const dx = bx - ax, dy = by - ay, t = Math.max(0, Math.min(1, ((x + 0.5 - ax) * dx + (y + 0.5 - ay) * dy) / (dx * dx + dy * dy)));
      d = Math.min(d, Math.hypot(x + 0.5 - ax - t * dx, y + 0.5 - ay - t * dy));
    }
    const v = Math.round(255 * (1 - Math.max(0, Math.min(1, pen / 2 + 0.5 - d))));
    rgba.fill(v, 4 * (y * size + x), 4 * (y * size + x) + 3);
  }
  return { data: rgba, width: size, height: size };
}
