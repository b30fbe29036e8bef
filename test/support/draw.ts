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

