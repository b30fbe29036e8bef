import { CONV_FORWARD_MAX_TAPS, KERNEL_ARGS, winogradTiles, KERNEL_NAMES, type CustomKernelName, type KernelName, type Kernels } from './kernels';
import type { FlatArgs, ScalarArg } from './kernel-args';
import type { Heap } from './heap';
import { fail } from '../errors';

/**
 * Wraps a backend's kernels with argument checks, so misuse gets an error that names the kernel,
 * the argument and the region instead of a trap or silent garbage deep inside a kernel. Checks are
 * a handful of comparisons per call (plus a scan of index/label lists, which are batch-sized).
 * Kernels with an `elementwise` or `optimizer` row in KERNEL_ARGS are checked from that row; the
 * others by hand, below.
 */
export function checkedKernels(raw: Kernels, heap: Heap): Kernels {
  const checks = argumentChecks(heap);
  const byHand = customChecks(raw, heap, checks);
  const checked: Partial<Record<KernelName, unknown>> = {};
  for (const name of KERNEL_NAMES) {
    const args = KERNEL_ARGS[name];
    checked[name] = args.kind === 'custom' ? byHand[name as CustomKernelName] : flatChecked(name, args, raw[name] as FlatKernel, checks);
  }
  return checked as Kernels;
}

type FlatKernel = (count: number, ...rest: number[]) => number | void;

/** count > 0, every region (count f32s) inside the heap, every number in its range; then the call. */
function flatChecked(name: KernelName, { regions, scalars }: FlatArgs, kernel: FlatKernel, { size, f32s, scalar }: Checks): FlatKernel {
  return (count, ...rest) => {
    size(name, 'count', count);
    for (let i = 0; i < regions.length; i++) f32s(name, regions[i].name, rest[i], count);
    for (let i = 0; i < scalars.length; i++) scalar(name, scalars[i], rest[regions.length + i]);
    return kernel(count, ...rest);
  };
}

type Checks = ReturnType<typeof argumentChecks>;

const SCALAR_RANGE = { step: 'an integer ≥ 1 (the step count)', fraction: 'in [0, 1)', nonNegative: 'a finite number ≥ 0' } as const;

function argumentChecks(heap: Heap) {
  const size = (kernel: string, name: string, v: number) => {
    if (!Number.isInteger(v) || v <= 0) fail('SHAPE', `${kernel}: ${name} must be a positive integer, got ${v}`);
  };
  const flag = (kernel: string, name: string, v: number) => {
    if (v !== 0 && v !== 1 && (v as unknown) !== true && (v as unknown) !== false) fail('ARGUMENT', `${kernel}: ${name} must be 0 or 1, got ${v}`);
  };
  // [ptr, ptr + bytes) must lie inside the allocated heap, aligned for its element type.
  const region = (kernel: string, name: string, ptr: number, bytes: number, align = 4) => {
    if (!Number.isInteger(ptr) || ptr % align !== 0) {
      fail('HEAP_RANGE', `${kernel}: ${name} at offset ${ptr} is not a ${align}-byte-aligned heap offset`);
    }
    if (ptr < heap.base || ptr + bytes > heap.top) {
      fail(
        'HEAP_RANGE',
        `${kernel}: ${name} [${ptr}, ${ptr + bytes}) (${bytes} bytes) lies outside the allocated heap [${heap.base}, ${heap.top})`,
      );
    }
  };
  const f32s = (kernel: string, name: string, ptr: number, count: number) => region(kernel, name, ptr, count * 4);
  const indexList = (kernel: string, rows: number, indices: number, srcRows: number) => {
    region(kernel, 'indices', indices, rows * 4);
    const idx = heap.i32(indices, rows);
    for (let r = 0; r < rows; r++) {
      if (idx[r] < 0 || idx[r] >= srcRows || !Number.isInteger(idx[r])) {
        fail('ARGUMENT', `${kernel}: indices[${r}] = ${idx[r]} is outside [0, ${srcRows})`);
      }
    }
  };
  // EURNN states: rows × n complex values, n even (the rotation layers pair components up).
  const states = (kernel: string, rows: number, n: number) => {
    size(kernel, 'rows', rows); size(kernel, 'n', n);
    if (n % 2 !== 0) fail('SHAPE', `${kernel}: n must be even (rotation layers act on pairs), got ${n}`);
  };
  const stats = (kernel: string, ptr: number) => region(kernel, 'stats', ptr, 16, 8);
  // Losses over m×n outputs and targets: the gradient region only when asked for (not 0).
  const elementLoss = (kernel: string, m: number, n: number, x: [string, number], t: [string, number], [gName, g]: [string, number], st: number) => {
    size(kernel, 'm', m); size(kernel, 'n', n);
    f32s(kernel, x[0], x[1], m * n); f32s(kernel, t[0], t[1], m * n);
    if (g !== 0) f32s(kernel, gName, g, m * n);
    stats(kernel, st);
  };
  // The output size must be what the window arithmetic gives, so no patch reads past the image.
  const convShape = (kernel: string, batch: number, h: number, w: number, c: number, kh: number, kw: number, stride: number, padT: number, padL: number, oh: number, ow: number) => {
    for (const [name, v] of [['batch', batch], ['h', h], ['w', w], ['c', c], ['kh', kh], ['kw', kw], ['stride', stride], ['oh', oh], ['ow', ow]] as const) size(kernel, name, v);
    if (!Number.isInteger(padT) || !Number.isInteger(padL) || padT < 0 || padL < 0 || padT >= kh || padL >= kw) {
      fail('SHAPE', `${kernel}: padding (${padT}, ${padL}) must be integers in [0, kernel size)`);
    }
    if ((oh - 1) * stride - padT >= h || (ow - 1) * stride - padL >= w) {
      fail('SHAPE', `${kernel}: output ${oh}×${ow} is too large for a ${h}×${w} input with stride ${stride}`);
    }
  };
  // Winograd's tiled data: [36][tiles][c] floats.
  const winogradSizes = (kernel: string, batch: number, oh: number, ow: number, c: number) => {
    for (const [name, v] of [['batch', batch], ['oh', oh], ['ow', ow], ['c', c]] as const) size(kernel, name, v);
  };
  const tiled = (kernel: string, name: string, batch: number, oh: number, ow: number, c: number, ptr: number) => {
    const t = winogradTiles(batch, oh, ow);
    f32s(kernel, `${name} (36×${t}×${c})`, ptr, 36 * t * c);
  };
  const scalar = (kernel: string, { name, kind }: ScalarArg, v: number) => {
    if (kind === 'flag') return flag(kernel, name, v);
    const ok = kind === 'step' ? Number.isInteger(v) && v >= 1 : kind === 'fraction' ? v >= 0 && v < 1 : Number.isFinite(v) && v >= 0;
    if (!ok) fail('ARGUMENT', `${kernel}: ${name} must be ${SCALAR_RANGE[kind]}, got ${v}`);
  };
  return { size, flag, region, f32s, indexList, states, stats, elementLoss, convShape, winogradSizes, tiled, scalar };
}

/** The kernels with shapes of their own (`custom` in KERNEL_ARGS): one hand-written check each. */
function customChecks(raw: Kernels, heap: Heap, { size, flag, region, f32s, indexList, states, stats, elementLoss, convShape, winogradSizes, tiled }: Checks) {
  return {
    gemm(transA, transB, m, n, k, a, b, c, accumulate) {
      const K = 'gemm';
      flag(K, 'transA', transA); flag(K, 'transB', transB); flag(K, 'accumulate', accumulate);
      size(K, 'm', m); size(K, 'n', n); size(K, 'k', k);
      f32s(K, `A (${transA ? `${k}×${m}` : `${m}×${k}`})`, a, m * k);
      f32s(K, `B (${transB ? `${n}×${k}` : `${k}×${n}`})`, b, k * n);
      f32s(K, `C (${m}×${n})`, c, m * n);
      raw.gemm(transA, transB, m, n, k, a, b, c, accumulate);
    },
    gemmBatch(count, transA, transB, m, n, k, a, b, c, accumulate) {
      const K = 'gemmBatch';
      flag(K, 'transA', transA); flag(K, 'transB', transB); flag(K, 'accumulate', accumulate);
      size(K, 'count', count); size(K, 'm', m); size(K, 'n', n); size(K, 'k', k);
      f32s(K, `A (${count} × ${transA ? `${k}×${m}` : `${m}×${k}`})`, a, count * m * k);
      f32s(K, `B (${count} × ${transB ? `${n}×${k}` : `${k}×${n}`})`, b, count * k * n);
      f32s(K, `C (${count} × ${m}×${n})`, c, count * m * n);
      raw.gemmBatch(count, transA, transB, m, n, k, a, b, c, accumulate);
    },
    biasAdd(m, n, x, bias) {
      size('biasAdd', 'm', m); size('biasAdd', 'n', n);
      f32s('biasAdd', 'x', x, m * n); f32s('biasAdd', 'bias', bias, n);
      raw.biasAdd(m, n, x, bias);
    },
    biasGrad(m, n, dy, db, accumulate) {
      size('biasGrad', 'm', m); size('biasGrad', 'n', n); flag('biasGrad', 'accumulate', accumulate);
      f32s('biasGrad', 'dy', dy, m * n); f32s('biasGrad', 'db', db, n);
      raw.biasGrad(m, n, dy, db, accumulate);
    },
    softmax(m, n, x, y) {
      size('softmax', 'm', m); size('softmax', 'n', n);
      f32s('softmax', 'x', x, m * n); f32s('softmax', 'y', y, m * n);
      raw.softmax(m, n, x, y);
    },
    softmaxCrossEntropy(m, n, logits, labels, dLogits, st) {
      const K = 'softmaxCrossEntropy';
      size(K, 'm', m); size(K, 'n', n);
      f32s(K, 'logits', logits, m * n);
      region(K, 'labels', labels, m * 4);
      if (dLogits !== 0) f32s(K, 'dLogits', dLogits, m * n);
      stats(K, st);
      const lab = heap.i32(labels, m);
      for (let i = 0; i < m; i++) {
        if (lab[i] < 0 || lab[i] >= n) fail('ARGUMENT', `${K}: labels[${i}] = ${lab[i]} is outside [0, ${n})`);
      }
      raw.softmaxCrossEntropy(m, n, logits, labels, dLogits, st);
    },
    squaredError(m, n, y, target, dY, st) {
      elementLoss('squaredError', m, n, ['y', y], ['target', target], ['dY', dY], st);
      raw.squaredError(m, n, y, target, dY, st);
    },
    sigmoidCrossEntropy(m, n, logits, targets, dLogits, st) {
      elementLoss('sigmoidCrossEntropy', m, n, ['logits', logits], ['targets', targets], ['dLogits', dLogits], st);
      raw.sigmoidCrossEntropy(m, n, logits, targets, dLogits, st);
    },
    meanSquaredError(m, n, y, target, dY, st) {
      elementLoss('meanSquaredError', m, n, ['y', y], ['target', target], ['dY', dY], st);
      raw.meanSquaredError(m, n, y, target, dY, st);
    },
    gatherImages(rows, cols, src, srcRows, indices, dst) {
      const K = 'gatherImages';
      size(K, 'rows', rows); size(K, 'cols', cols); size(K, 'srcRows', srcRows);
      region(K, 'src', src, srcRows * cols, 1);
      f32s(K, 'dst', dst, rows * cols);
      indexList(K, rows, indices, srcRows);
      raw.gatherImages(rows, cols, src, srcRows, indices, dst);
    },
    gatherImagesT(rows, cols, first, count, src, srcRows, indices, dst) {
      const K = 'gatherImagesT';
      size(K, 'rows', rows); size(K, 'cols', cols); size(K, 'count', count); size(K, 'srcRows', srcRows);
      if (!Number.isInteger(first) || first < 0 || first + count > cols) fail('SHAPE', `${K}: first (${first}) must be an integer ≥ 0 with first + count (${count}) ≤ cols (${cols})`);
      region(K, 'src', src, srcRows * cols, 1);
      f32s(K, 'dst', dst, count * rows);
      indexList(K, rows, indices, srcRows);
      raw.gatherImagesT(rows, cols, first, count, src, srcRows, indices, dst);
    },
    gatherLabels(rows, src, srcRows, indices, dst) {
      const K = 'gatherLabels';
      size(K, 'rows', rows); size(K, 'srcRows', srcRows);
      region(K, 'src', src, srcRows, 1);
      region(K, 'dst', dst, rows * 4);
      indexList(K, rows, indices, srcRows);
      raw.gatherLabels(rows, src, srcRows, indices, dst);
    },
    gather32(rows, cols, src, srcRows, indices, dst) {
      const K = 'gather32';
      size(K, 'rows', rows); size(K, 'cols', cols); size(K, 'srcRows', srcRows);
      region(K, 'src', src, srcRows * cols * 4);
      region(K, 'dst', dst, rows * cols * 4);
      indexList(K, rows, indices, srcRows);
      raw.gather32(rows, cols, src, srcRows, indices, dst);
    },
    argmax(m, n, x, out) {
      size('argmax', 'm', m); size('argmax', 'n', n);
      f32s('argmax', 'x', x, m * n); region('argmax', 'out', out, m * 4);
      raw.argmax(m, n, x, out);
    },
    im2col(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, x, cols) {
      const K = 'im2col';
      convShape(K, batch, h, w, c, kh, kw, stride, padT, padL, oh, ow);
      f32s(K, `x (${batch}×${h}×${w}×${c})`, x, batch * h * w * c);
      f32s(K, `cols (${batch * oh * ow}×${kh * kw * c})`, cols, batch * oh * ow * kh * kw * c);
      raw.im2col(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, x, cols);
    },
    convForward(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, filters, x, wt, bias, y) {
      const K = 'convForward';
      convShape(K, batch, h, w, c, kh, kw, stride, padT, padL, oh, ow);
      size(K, 'filters', filters);
      if (kh * kw * c > CONV_FORWARD_MAX_TAPS) fail('SHAPE', `convForward: kh·kw·c = ${kh * kw * c} is more than ${CONV_FORWARD_MAX_TAPS.toLocaleString('en-US')} (the kernel is for few input channels; use im2col and gemm)`);
      f32s(K, `x (${batch}×${h}×${w}×${c})`, x, batch * h * w * c);
      f32s(K, `w (${kh * kw * c}×${filters})`, wt, kh * kw * c * filters);
      f32s(K, `bias (${filters})`, bias, filters);
      f32s(K, `y (${batch * oh * ow}×${filters})`, y, batch * oh * ow * filters);
      raw.convForward(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, filters, x, wt, bias, y);
    },
    col2im(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, cols, dx) {
      const K = 'col2im';
      convShape(K, batch, h, w, c, kh, kw, stride, padT, padL, oh, ow);
      f32s(K, `cols (${batch * oh * ow}×${kh * kw * c})`, cols, batch * oh * ow * kh * kw * c);
      f32s(K, `dx (${batch}×${h}×${w}×${c})`, dx, batch * h * w * c);
      raw.col2im(batch, h, w, c, kh, kw, stride, padT, padL, oh, ow, cols, dx);
    },
    sameOrCopy32(count, src, copy) {
      const K = 'sameOrCopy32';
      size(K, 'count', count);
      region(K, 'src', src, count * 4); region(K, 'copy', copy, count * 4);
      if (src < copy + count * 4 && copy < src + count * 4) fail('ARGUMENT', `${K}: src [${src}, ${src + count * 4}) and copy [${copy}, ${copy + count * 4}) overlap`);
      return raw.sameOrCopy32(count, src, copy);
    },
    winogradInput(batch, h, w, c, padT, padL, oh, ow, x, v) {
      const K = 'winogradInput';
      convShape(K, batch, h, w, c, 5, 5, 1, padT, padL, oh, ow);
      f32s(K, `x (${batch}×${h}×${w}×${c})`, x, batch * h * w * c);
      tiled(K, 'v', batch, oh, ow, c, v);
      raw.winogradInput(batch, h, w, c, padT, padL, oh, ow, x, v);
    },
    winogradInputBackward(batch, h, w, c, padT, padL, oh, ow, dv, dx) {
      const K = 'winogradInputBackward';
      convShape(K, batch, h, w, c, 5, 5, 1, padT, padL, oh, ow);
      tiled(K, 'dv', batch, oh, ow, c, dv);
      f32s(K, `dx (${batch}×${h}×${w}×${c})`, dx, batch * h * w * c);
      raw.winogradInputBackward(batch, h, w, c, padT, padL, oh, ow, dv, dx);
    },
    winogradOutput(batch, oh, ow, c, m, y) {
      const K = 'winogradOutput';
      winogradSizes(K, batch, oh, ow, c);
      tiled(K, 'm', batch, oh, ow, c, m);
      f32s(K, `y (${batch}×${oh}×${ow}×${c})`, y, batch * oh * ow * c);
      raw.winogradOutput(batch, oh, ow, c, m, y);
    },
    winogradOutputBackward(batch, oh, ow, c, dy, dm) {
      const K = 'winogradOutputBackward';
      winogradSizes(K, batch, oh, ow, c);
      f32s(K, `dy (${batch}×${oh}×${ow}×${c})`, dy, batch * oh * ow * c);
      tiled(K, 'dm', batch, oh, ow, c, dm);
      raw.winogradOutputBackward(batch, oh, ow, c, dy, dm);
    },
    winogradFilter(cin, cout, w, u) {
      const K = 'winogradFilter';
      size(K, 'cin', cin); size(K, 'cout', cout);
      f32s(K, `w (${25 * cin}×${cout})`, w, 25 * cin * cout);
      f32s(K, `u (36×${cin}×${cout})`, u, 36 * cin * cout);
      raw.winogradFilter(cin, cout, w, u);
    },
    winogradFilterBackward(cin, cout, du, dw) {
      const K = 'winogradFilterBackward';
      size(K, 'cin', cin); size(K, 'cout', cout);
      f32s(K, `du (36×${cin}×${cout})`, du, 36 * cin * cout);
      f32s(K, `dw (${25 * cin}×${cout})`, dw, 25 * cin * cout);
      raw.winogradFilterBackward(cin, cout, du, dw);
    },
    maxPoolForward(batch, h, w, c, ph, pw, stride, oh, ow, x, y, arg) {
      const K = 'maxPoolForward';
      convShape(K, batch, h, w, c, ph, pw, stride, 0, 0, oh, ow);
      f32s(K, 'x', x, batch * h * w * c);
      f32s(K, 'y', y, batch * oh * ow * c);
      if (arg !== 0) region(K, 'arg', arg, batch * oh * ow * c * 4); // 0: no indices
      raw.maxPoolForward(batch, h, w, c, ph, pw, stride, oh, ow, x, y, arg);
    },
    maxPoolBackward(outCount, dy, arg, dxCount, dx) {
      const K = 'maxPoolBackward';
      size(K, 'outCount', outCount); size(K, 'dxCount', dxCount);
      f32s(K, 'dy', dy, outCount); region(K, 'arg', arg, outCount * 4); f32s(K, 'dx', dx, dxCount);
      const idx = heap.i32(arg, outCount);
      for (let i = 0; i < outCount; i++) {
        if (!(idx[i] >= 0 && idx[i] < dxCount)) fail('ARGUMENT', `${K}: arg[${i}] = ${idx[i]} is outside [0, ${dxCount})`);
      }
      raw.maxPoolBackward(outCount, dy, arg, dxCount, dx);
    },

    rotationForward(rows, n, odd, coeffs, x, y) {
      const K = 'rotationForward';
      states(K, rows, n); flag(K, 'odd', odd);
      f32s(K, 'coeffs', coeffs, 4 * n); f32s(K, 'x', x, 2 * rows * n); f32s(K, 'y', y, 2 * rows * n);
      raw.rotationForward(rows, n, odd, coeffs, x, y);
    },
    rotationBackward(rows, n, odd, coeffs, y, gy, gx, gAngles) {
      const K = 'rotationBackward';
      states(K, rows, n); flag(K, 'odd', odd);
      f32s(K, 'coeffs', coeffs, 4 * n); f32s(K, 'y', y, 2 * rows * n); f32s(K, 'gy', gy, 2 * rows * n);
      f32s(K, 'gx', gx, 2 * rows * n); f32s(K, 'gAngles', gAngles, n);
      raw.rotationBackward(rows, n, odd, coeffs, y, gy, gx, gAngles);
    },
    modReluForward(rows, n, z, bias, h) {
      const K = 'modReluForward';
      states(K, rows, n);
      f32s(K, 'z', z, 2 * rows * n); f32s(K, 'bias', bias, n); f32s(K, 'h', h, 2 * rows * n);
      raw.modReluForward(rows, n, z, bias, h);
    },
    modReluBackward(rows, n, z, bias, gh, gz, gBias) {
      const K = 'modReluBackward';
      states(K, rows, n);
      f32s(K, 'z', z, 2 * rows * n); f32s(K, 'bias', bias, n); f32s(K, 'gh', gh, 2 * rows * n);
      f32s(K, 'gz', gz, 2 * rows * n); f32s(K, 'gBias', gBias, n);
      raw.modReluBackward(rows, n, z, bias, gh, gz, gBias);
    },
    complexInputForward(rows, n, d, x, xStride, w, b, z) {
      const K = 'complexInputForward';
      states(K, rows, n); size(K, 'd', d); size(K, 'xStride', xStride);
      if (xStride < d) fail('SHAPE', `${K}: xStride ${xStride} is less than d ${d}`);
      f32s(K, 'x', x, (rows - 1) * xStride + d); f32s(K, 'w', w, d * n); f32s(K, 'b', b, n); f32s(K, 'z', z, 2 * rows * n);
      raw.complexInputForward(rows, n, d, x, xStride, w, b, z);
    },
    complexInputBackward(rows, n, d, x, xStride, gz, gw, gb) {
      const K = 'complexInputBackward';
      states(K, rows, n); size(K, 'd', d); size(K, 'xStride', xStride);
      if (xStride < d) fail('SHAPE', `${K}: xStride ${xStride} is less than d ${d}`);
      f32s(K, 'x', x, (rows - 1) * xStride + d); f32s(K, 'gz', gz, 2 * rows * n); f32s(K, 'gw', gw, d * n); f32s(K, 'gb', gb, n);
      raw.complexInputBackward(rows, n, d, x, xStride, gz, gw, gb);
    },
  } satisfies { [K in CustomKernelName]: Kernels[K] };
}
