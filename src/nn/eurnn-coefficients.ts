// The per-block coefficients of a EURNN rotation layer (the layout the rotation kernels read; see
// src/kernels/kernels.ts): for block k with φ = angles[2k], θ = angles[2k + 1],
//   [ar, ai, br, bi, s, c, er, ei],  a = e^{iφ}cosθ, b = −e^{iφ}sinθ, s = sinθ, c = cosθ, e = e^{iφ}.
// Computed once per forward pass (not per time step), for both backends alike.

/** Writes 4n floats (8 per block) into out[offset…] from the n angles of one layer. */
export function rotationCoefficients(angles: ArrayLike<number>, n: number, out: Float32Array, offset = 0): void {
  for (let k = 0; k < n / 2; k++) {
    const phi = angles[2 * k], theta = angles[2 * k + 1];
    const er = Math.cos(phi), ei = Math.sin(phi), c = Math.cos(theta), s = Math.sin(theta);
    const o = offset + 8 * k;
    out[o] = er * c;
    out[o + 1] = ei * c;
    out[o + 2] = -er * s;
    out[o + 3] = -ei * s;
    out[o + 4] = s;
    out[o + 5] = c;
    out[o + 6] = er;
    out[o + 7] = ei;
  }
}
