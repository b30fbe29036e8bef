import { fail } from '../errors';

/** WebAssembly pages are 64 KiB. */
export const PAGE_BYTES = 65536;
/** The memory limit of both backends: 32768 pages = 2 GiB (asconfig.json's maximumMemory). */
export const MAX_PAGES = 32768;
export const MAX_BYTES = MAX_PAGES * PAGE_BYTES;

function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${bytes} bytes`;
}

/**
 * The heap both backends compute on: one WebAssembly.Memory and a bump arena over it that hands
 * out 16-byte-aligned regions (byte offsets). Memory grows only inside `alloc`, i.e. while a
 * network plans its buffers. `memory.grow` detaches every existing view of the old buffer, so views
 * are always derived from the current buffer (`f32()`, `view()`), never kept across an allocation.
 */
export class Heap {
  readonly memory: WebAssembly.Memory;
  /** First usable byte (below it: the module's static data and the GEMM scratch). */
  readonly base: number;
  /** One past the last allocated byte. */
  private topByte: number;

  constructor(memory: WebAssembly.Memory, base: number) {
    this.memory = memory;
    this.base = align16(base);
    this.topByte = this.base;
  }

  /** One past the last allocated byte: every region a kernel touches lies in [base, top). */
  get top(): number {
    return this.topByte;
  }

  /** Bytes currently allocated. */
  get used(): number {
    return this.topByte - this.base;
  }

  /** Reserve `bytes` (16-byte aligned, zero-filled); grows the memory if needed. */
  alloc(bytes: number, what = 'region'): number {
    if (!Number.isInteger(bytes) || bytes <= 0) {
      fail('HEAP_SIZE', `heap: cannot allocate ${bytes} bytes for ${what}: the size must be a positive integer`);
    }
    const start = this.topByte;
    const end = align16(start + bytes);
    if (end > MAX_BYTES) {
      fail(
        'HEAP_LIMIT',
        `heap: ${what} needs ${formatBytes(bytes)} (${formatBytes(end)} in all), the limit is ${formatBytes(MAX_BYTES)}`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      // Grow by at least half again, so repeated small allocations do not grow page by page.
      const needPages = Math.ceil(end / PAGE_BYTES);
      const havePages = have / PAGE_BYTES;
      const pages = Math.min(MAX_PAGES, Math.max(needPages, Math.ceil(havePages * 1.5)));
      try {
        this.memory.grow(pages - havePages);
      } catch {
        try {
          this.memory.grow(needPages - havePages);
        } catch {
          fail('HEAP_LIMIT', `heap: ${what} needs ${formatBytes(end)} in all; the engine refused to grow the memory beyond ${formatBytes(have)}`);
        }
      }
    }
    // Regions handed out again after release() may hold old data: clear them.
    new Uint8Array(this.memory.buffer, start, end - start).fill(0);
    this.topByte = end;
    return start;
  }

  allocF32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  allocI32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  /** Copies bytes onto the heap (a dataset), returning the offset. */
  allocBytes(bytes: Uint8Array, what?: string): number {
    const ptr = this.alloc(Math.max(bytes.length, 1), what);
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Allocates and fills an f32 region. */
  allocF32From(values: ArrayLike<number>, what?: string): number {
    const ptr = this.allocF32(Math.max(values.length, 1), what);
    this.f32(ptr, values.length).set(values);
    return ptr;
  }

  /** A position to release back to; regions allocated after it are freed together. */
  mark(): number {
    return this.topByte;
  }

  release(mark: number): void {
    if (mark < this.base || mark > this.topByte || mark % 16 !== 0) {
      fail('HEAP_RANGE', `heap: release(${mark}) is not a mark of this heap (base ${this.base}, top ${this.topByte})`);
    }
    this.topByte = mark;
  }

  /**
   * Views of the whole current buffer, reused until the memory grows (then re-derived): for hot
   * loops that must not allocate. Do not keep the returned object across an alloc().
   */
  views(): HeapViews {
    const buffer = this.memory.buffer;
    if (this.cached?.buffer !== buffer) {
      this.cached = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), f64: new Float64Array(buffer), u8: new Uint8Array(buffer) };
    }
    return this.cached;
  }
  private cached?: HeapViews;

  /** A fresh Float32Array view of `count` floats at byte offset `ptr` (valid until the next alloc). */
  f32(ptr: number, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  i32(ptr: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }

  f64(ptr: number, count: number): Float64Array {
    return new Float64Array(this.memory.buffer, ptr, count);
  }

  u8(ptr: number, count: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, count);
  }

  /** Copy out `count` floats (survives later allocations). */
  read(ptr: number, count: number): Float32Array {
    return this.f32(ptr, count).slice();
  }

  write(ptr: number, values: ArrayLike<number>): void {
    this.f32(ptr, values.length).set(values);
  }
}

export interface HeapViews {
  readonly buffer: ArrayBuffer;
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly u8: Uint8Array;
}

export function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
