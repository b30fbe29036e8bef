// Batch assembly: gather rows of a dataset (already on the heap: uint8 images and labels, or 32-bit
// features, targets and labels) by an index list, so an epoch's shuffle permutes indices and never
// copies the dataset. srcRows is the dataset's size; the
// host checks every index against it before the call, so the kernels do not.

/** Rows whose cache lines are touched together before they are converted (gatherImages). */
const GATHER_BLOCK = 16;

/** What the touches read (kept, so they are not optimized away). */
let touched: u32 = 0;

/**
 * Rows drawn at random from a large dataset miss every cache: reading one byte of each 64-byte
 * line of values first … first + count of rows r0 … r1 first lets those misses overlap (the convert
 * loop then finds them in cache) instead of waiting for them one row at a time. WASM has no
 * prefetch instruction. A row that follows the one before it in the dataset (`previous`) is left
 * to the hardware prefetcher. Returns the last row's index.
 */
// @ts-ignore: decorator
@inline function touchRows(r0: i32, r1: i32, cols: i32, first: i32, count: i32, src: usize, indices: usize, previous: i32): i32 {
  let sum: u32 = 0;
  for (let r = r0; r < r1; r++) {
    const i = load<i32>(indices + (<usize>r << 2));
    if (i != previous + 1) {
      const s = src + <usize>i * <usize>cols + <usize>first;
      for (let c = 0; c < count; c += 64) sum += load<u8>(s + c);
      if (count > 0) sum += load<u8>(s + count - 1);
    }
    previous = i;
  }
  touched += sum;
  return previous;
}

/** dst[r,:] = src[indices[r],:] · (1/255) as f32 */
export function gatherImages(rows: i32, cols: i32, src: usize, srcRows: i32, indices: usize, dst: usize): void {
  const scale = f32x4.splat(<f32>1 / <f32>255);
  const sc: f32 = <f32>1 / <f32>255;
  const c16 = cols & ~15;
  let previous: i32 = -2;
  for (let r0 = 0; r0 < rows; r0 += GATHER_BLOCK) {
    const r1 = min(rows, r0 + GATHER_BLOCK);
    previous = touchRows(r0, r1, cols, 0, cols, src, indices, previous);
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
}

/**
 * dst[c − first, r] = src[indices[r], first + c] · (1/255) for c < count: one block of the image's
 * values, stored values × rows (the layout of model-parallel training, src/nn/parallel-model.ts).
 */
export function gatherImagesT(rows: i32, cols: i32, first: i32, count: i32, src: usize, srcRows: i32, indices: usize, dst: usize): void {
  const scale = f32x4.splat(<f32>1 / <f32>255);
  const sc: f32 = <f32>1 / <f32>255;
  const stride = <usize>rows << 2;
  let previous: i32 = -2;
  for (let r0 = 0; r0 < rows; r0 += GATHER_BLOCK) {
    const r1 = min(rows, r0 + GATHER_BLOCK);
    previous = touchRows(r0, r1, cols, first, count, src, indices, previous);
    // Four rows at a time: each value of the range becomes one 4-lane store into its row of dst.
    // Sixteen values of each of the four rows are transposed in registers by byte shuffles.
    let r = r0;
    for (; r + 4 <= r1; r += 4) {
      const s0 = src + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>cols + <usize>first;
      const s1 = src + <usize>load<i32>(indices + (<usize>(r + 1) << 2)) * <usize>cols + <usize>first;
      const s2 = src + <usize>load<i32>(indices + (<usize>(r + 2) << 2)) * <usize>cols + <usize>first;
      const s3 = src + <usize>load<i32>(indices + (<usize>(r + 3) << 2)) * <usize>cols + <usize>first;
      const d0 = dst + (<usize>r << 2);
      let c = 0;
      for (; c + 16 <= count; c += 16) {
        const a = v128.load(s0 + c), b = v128.load(s1 + c), e = v128.load(s2 + c), f = v128.load(s3 + c);
        const ab0 = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const ab1 = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        const ef0 = i8x16.shuffle(e, f, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const ef1 = i8x16.shuffle(e, f, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        // Each of q0 … q3: four values, each as its four rows' bytes.
        const d = d0 + <usize>c * stride;
        storeFour(i8x16.shuffle(ab0, ef0, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), d, stride, scale);
        storeFour(i8x16.shuffle(ab0, ef0, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), d + 4 * stride, stride, scale);
        storeFour(i8x16.shuffle(ab1, ef1, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23), d + 8 * stride, stride, scale);
        storeFour(i8x16.shuffle(ab1, ef1, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31), d + 12 * stride, stride, scale);
      }
      for (let d = d0 + <usize>c * stride; c < count; c++, d += stride) {
        let v = i32x4.splat(<i32>load<u8>(s0 + c));
        v = i32x4.replace_lane(v, 1, <i32>load<u8>(s1 + c));
        v = i32x4.replace_lane(v, 2, <i32>load<u8>(s2 + c));
        v = i32x4.replace_lane(v, 3, <i32>load<u8>(s3 + c));
        v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(v), scale));
      }
    }
    for (; r < r1; r++) {
      const s = src + <usize>load<i32>(indices + (<usize>r << 2)) * <usize>cols + <usize>first;
      let d = dst + (<usize>r << 2);
      for (let c = 0; c < count; c++, d += stride) store<f32>(d, <f32>load<u8>(s + c) * sc);
    }
  }
}

/** Four values' four rows (bytes 4v … 4v + 3 of q) as floats · scale, into four rows of dst `stride` bytes apart. */
// @ts-ignore: decorator
@inline function storeFour(q: v128, d: usize, stride: usize, scale: v128): void {
  const lo = i16x8.extend_low_i8x16_u(q), hi = i16x8.extend_high_i8x16_u(q);
  v128.store(d, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), scale));
  v128.store(d + stride, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), scale));
  v128.store(d + 2 * stride, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), scale));
  v128.store(d + 3 * stride, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), scale));
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

/**
 * 1 when copy[i] = src[i] bit for bit for every i < count; otherwise copies src over copy and gives
 * 0 (a layer's check that its weights are those it derived a cached transform from).
 */
export function sameOrCopy32(count: i32, src: usize, copy: usize): i32 {
  const c4 = count & ~3;
  let i = 0;
  for (; i < c4; i += 4) if (!i32x4.all_true(i32x4.eq(v128.load(src + (<usize>i << 2)), v128.load(copy + (<usize>i << 2))))) break;
  if (i == c4) {
    for (; i < count; i++) if (load<i32>(src + (<usize>i << 2)) != load<i32>(copy + (<usize>i << 2))) break;
    if (i == count) return 1;
  }
  memory.copy(copy, src, <usize>count << 2);
  return 0;
}

/** First byte the host may use: everything below holds the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
