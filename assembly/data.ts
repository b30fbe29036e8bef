// Batch assembly: gather rows of a dataset (already on the heap: uint8 images and labels, or 32-bit
// features, targets and labels) by an index list, so an epoch's shuffle permutes indices and never
// copies the dataset. srcRows is the dataset's size; the
// host checks every index against it before the call, so the kernels do not.

/** Rows whose cache lines are touched together before they are converted (gatherImages). */
const GATHER_BLOCK = 16;

/** dst[r,:] = src[indices[r],:] · (1/255) as f32 */
export function gatherImages(rows: i32, cols: i32, src: usize, srcRows: i32, indices: usize, dst: usize): void {
  const scale = f32x4.splat(<f32>1 / <f32>255);
  const sc: f32 = <f32>1 / <f32>255;
  const c16 = cols & ~15;
  // Rows drawn at random from a large dataset miss every cache: reading one byte of each 64-byte
  // line of a block's rows first lets those misses overlap (the convert loop then finds them in
  // cache) instead of waiting for them one row at a time. WASM has no prefetch instruction.
  // A row that follows the one before it in the dataset is left to the hardware prefetcher.
  let touched: u32 = 0;
  let previous: i32 = -2;
  for (let r0 = 0; r0 < rows; r0 += GATHER_BLOCK) {
    const r1 = min(rows, r0 + GATHER_BLOCK);
    for (let r = r0; r < r1; r++) {
      const i = load<i32>(indices + (<usize>r << 2));
      if (i != previous + 1) {
        const s = src + <usize>i * <usize>cols;
        for (let c = 0; c < cols; c += 64) touched += load<u8>(s + c);
        if (cols > 0) touched += load<u8>(s + cols - 1);
      }
      previous = i;
    }
    for (let r = r0; r < r1; r++) {
      const s = src + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>cols;
      const d = dst + ((<usize>r * cols) << 2);
      let c = 0;
      for (; c < c16; c += 16) {
        const bytes = v128.load(s + c);
        const lo = i16x8.extend_low_i8x16_u(bytes);
        const hi = i16x8.extend_high_i8x16_u(bytes);
        const o = d + (<usize>c << 2);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), scale));
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), scale), 16);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), scale), 32);
        v128.store(o, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), scale), 48);
      }
      for (; c < cols; c++) store<f32>(d + (<usize>c << 2), <f32>load<u8>(s + c) * sc);
    }
  }
  // Never true (no rows, no touches); it keeps the touches from being optimized away.
  if (rows < 0 && touched != 0) unreachable();
}

/** dst[r] = src[indices[r]] (u8 labels → i32) */
export function gatherLabels(rows: i32, src: usize, srcRows: i32, indices: usize, dst: usize): void {
  for (let r = 0; r < rows; r++) {
    store<i32>(dst + (<usize>r << 2), <i32>load<u8>(src + <usize>load<i32>(indices + (<usize>r << 2))));
  }
}

/** dst[r,:] = src[indices[r],:], 32-bit words copied as bits (f32 features or targets, i32 labels) */
export function gather32(rows: i32, cols: i32, src: usize, srcRows: i32, indices: usize, dst: usize): void {
  const bytes = <usize>cols << 2;
  const c4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>load<i32>(indices + (<usize>r << 2)) * bytes;
    const d = dst + <usize>r * bytes;
    let c = 0;
    for (; c < c4; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
    for (; c < cols; c++) store<i32>(d + (<usize>c << 2), load<i32>(s + (<usize>c << 2)));
  }
}

/** max |x| */
export function maxAbs(count: i32, x: usize): f32 {
  let acc = f32x4.splat(0);
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) acc = f32x4.max(acc, f32x4.abs(v128.load(x + (<usize>i << 2))));
  let mx = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  for (; i < count; i++) mx = max(mx, Mathf.abs(load<f32>(x + (<usize>i << 2))));
  return mx;
}

/** First byte the host may use: everything below holds the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
