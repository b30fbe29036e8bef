// Output layers: softmax, fused softmax + cross-entropy, squared error, argmax.
// Per-row work over few classes (n = 10 for digits), so scalar code; sums in f64.

// @ts-ignore: decorator
@inline function rowMax(x: usize, n: i32): f32 {
  let mx = load<f32>(x);
  for (let j = 1; j < n; j++) mx = max(mx, load<f32>(x + (<usize>j << 2)));
  return mx;
}

/** y[i,:] = softmax(x[i,:]) */
export function softmax(m: i32, n: i32, x: usize, y: usize): void {
  for (let i = 0; i < m; i++) {
    const xr = x + ((<usize>i * n) << 2);
    const yr = y + ((<usize>i * n) << 2);
    const mx = rowMax(xr, n);
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
      store<f32>(yr + (<usize>j << 2), e);
      sum += e;
    }
    const inv = <f32>1 / sum;
    for (let j = 0; j < n; j++) store<f32>(yr + (<usize>j << 2), load<f32>(yr + (<usize>j << 2)) * inv);
  }
}

/**
 * stats[0] = Σ_i −log softmax(x_i)[label_i], stats[1] = #(argmax x_i == label_i);
 * dLogits = (p − onehot) / m unless dLogits == 0.
 */
export function softmaxCrossEntropy(m: i32, n: i32, logits: usize, labels: usize, dLogits: usize, stats: usize): void {
  let loss: f64 = 0;
  let correct: i32 = 0;
  const scale: f32 = <f32>1 / <f32>m;
  for (let i = 0; i < m; i++) {
    const xr = logits + ((<usize>i * n) << 2);
    const label = load<i32>(labels + (<usize>i << 2));
    let mx = load<f32>(xr);
    let arg = 0;
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > mx) { mx = v; arg = j; }
    }
    if (arg == label) correct++;
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) sum += Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx);
    const logSum = Mathf.log(sum);
    // −log p[label] = log Σ exp(x − max) − (x[label] − max)
    loss += <f64>(logSum - (load<f32>(xr + (<usize>label << 2)) - mx));
    if (dLogits != 0) {
      const dr = dLogits + ((<usize>i * n) << 2);
      const inv = <f32>1 / sum;
      for (let j = 0; j < n; j++) {
        const p = Mathf.exp(load<f32>(xr + (<usize>j << 2)) - mx) * inv;
        store<f32>(dr + (<usize>j << 2), (j == label ? p - 1 : p) * scale);
      }
    }
  }
  store<f64>(stats, loss);
  store<f64>(stats, <f64>correct, 8);
}

/** stats[0] = Σ ½(y − t)², stats[1] = 0; dY = (y − t) / m unless dY == 0. */
export function squaredError(m: i32, n: i32, y: usize, target: usize, dY: usize, stats: usize): void {
  const count = m * n;
  const scale: f32 = <f32>1 / <f32>m;
  let loss: f64 = 0;
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(y + o) - load<f32>(target + o);
    loss += <f64>(d * d);
    if (dY != 0) store<f32>(dY + o, d * scale);
  }
  store<f64>(stats, loss * 0.5);
  store<f64>(stats, 0, 8);
}

/** out[i] = argmax x[i,:] (first on ties) */
export function argmax(m: i32, n: i32, x: usize, out: usize): void {
  for (let i = 0; i < m; i++) {
    const xr = x + ((<usize>i * n) << 2);
    let mx = load<f32>(xr);
    let arg = 0;
    for (let j = 1; j < n; j++) {
      const v = load<f32>(xr + (<usize>j << 2));
      if (v > mx) { mx = v; arg = j; }
    }
    store<i32>(out + (<usize>i << 2), arg);
  }
}
