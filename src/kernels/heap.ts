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

/** The allocation calls layers and networks use, on a Heap or on a group of its regions (HeapRegions). */
export abstract class Allocator {
  /**
   * A 16-byte-aligned, zero-filled region of `bytes` bytes; with `zero` false, only its padding is
   * zeroed (for a caller that writes every byte at once: zeroing 47 MB of shared memory first
   * takes longer than the copy).
   */
  abstract alloc(bytes: number, what?: string, zero?: boolean): number;
  /** The heap the regions are on. */
  protected abstract get target(): Heap;

  allocF32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  allocI32(count: number, what?: string): number {
    return this.alloc(count * 4, what);
  }

  /** Copies bytes onto the heap (a dataset), returning the offset. */
  allocBytes(bytes: Uint8Array, what?: string): number {
    const ptr = this.alloc(Math.max(bytes.length, 1), what, bytes.length === 0);
    this.target.u8(ptr, bytes.length).set(bytes);
    return ptr;
  }

  /** Allocates and fills an f32 region. */
  allocF32From(values: ArrayLike<number>, what?: string): number {
    const ptr = this.alloc(Math.max(values.length, 1) * 4, what, values.length === 0);
    this.target.f32(ptr, values.length).set(values);
    return ptr;
  }
}

/**
 * The heap both backends compute on: one WebAssembly.Memory and a free-list allocator over it that
 * hands out 16-byte-aligned, zero-filled regions (byte offsets). Every region has an owner (a
 * network's parameters, its batch buffers, a fit's work buffers, a classifier) that frees it, in
 * any order: a freed region is reused, adjacent free regions merge, and free space at the top is
 * given back to the arena. Memory grows only inside `alloc` (WebAssembly memory never shrinks).
 * `memory.grow` detaches every view of the old buffer, so views are always derived from the current
 * buffer (`f32()`, `views()`), never kept across an allocation.
 */
export class Heap extends Allocator {
  readonly memory: WebAssembly.Memory;
  /** First usable byte (below it: the module's static data). */
  readonly base: number;
  /** One past the highest allocated byte. */
  private topByte: number;
  /** Allocated regions: start → size in bytes. */
  private readonly sizes = new Map<number, number>();
  /** Free regions below top, sorted by start, never adjacent (they merge). */
  private readonly free: { start: number; size: number }[] = [];
  private usedBytes = 0;

  constructor(memory: WebAssembly.Memory, base: number) {
    super();
    this.memory = memory;
    this.base = align16(base);
    this.topByte = this.base;
  }

  /** One past the highest allocated byte: every region a kernel touches lies in [base, top). */
  get top(): number {
    return this.topByte;
  }

  /** Bytes currently allocated. */
  get used(): number {
    return this.usedBytes;
  }

  protected get target(): Heap {
    return this;
  }

  /** Regions currently allocated. */
  get regions(): number {
    return this.sizes.size;
  }

  /** Reserve `bytes` (16-byte aligned, zero-filled): the best-fitting free region, else at the top (growing the memory). */
  alloc(bytes: number, what = 'region', zero = true): number {
    if (!Number.isSafeInteger(bytes) || bytes <= 0) fail('HEAP_SIZE', `heap: cannot allocate ${bytes} bytes for ${what}: the size must be a positive integer`);
    const size = align16(bytes);
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const f = this.free[i];
      if (f.size >= size && (best < 0 || f.size < this.free[best].size)) best = i;
    }
    let start: number;
    if (best >= 0) {
      const f = this.free[best];
      start = f.start;
      if (f.size === size) this.free.splice(best, 1);
      else { f.start += size; f.size -= size; }
    } else {
      // (No free region ends at the top: release() gives such space back to the arena.)
      start = this.topByte;
      this.ensure(start + size, bytes, what);
      this.topByte = start + size;
    }
    // Freed regions hold old data.
    if (zero) new Uint8Array(this.memory.buffer, start, size).fill(0);
    else if (size > bytes) new Uint8Array(this.memory.buffer, start + bytes, size - bytes).fill(0);
    this.sizes.set(start, size);
    this.usedBytes += size;
    return start;
  }

  /** Grows the memory to hold `end` bytes (by at least half again, so small allocations do not grow page by page). */
  private ensure(end: number, bytes: number, what: string): void {
    if (end > MAX_BYTES) {
      fail('HEAP_LIMIT', `heap: ${what} needs ${formatBytes(bytes)} (${formatBytes(end)} in all), the limit is ${formatBytes(MAX_BYTES)}`);
    }
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
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

  /** Returns a region to the heap. Freeing what is not an allocated region is an error (a double free). */
  release(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) fail('HEAP_RANGE', `heap: release(${ptr}): no region starts there (already freed, or never allocated)`);
    this.sizes.delete(ptr);
    this.usedBytes -= size;
    // Insert in order, merging with the neighbours.
    let lo = 0, hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].start < ptr) lo = mid + 1;
      else hi = mid;
    }
    const block = { start: ptr, size };
    const prev = this.free[lo - 1], next = this.free[lo];
    if (next && block.start + block.size === next.start) { block.size += next.size; this.free.splice(lo, 1); }
    if (prev && prev.start + prev.size === block.start) { prev.size += block.size; }
    else this.free.splice(lo, 0, block);
    // Free space at the top goes back to the arena.
    const last = this.free[this.free.length - 1];
    if (last && last.start + last.size === this.topByte) {
      this.topByte = last.start;
      this.free.pop();
    }
  }

  /** A group of regions with one owner, freed together by its release() (see HeapRegions). */
  group(owner: string): HeapRegions {
    return new HeapRegions(this, owner);
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

/**
 * Regions with one owner (a network's batch buffers, a fit's work buffers, a test case): each
 * alloc is recorded, and release() frees them all, whatever else was allocated or freed meanwhile.
 */
export class HeapRegions extends Allocator {
  private readonly ptrs: number[] = [];
  constructor(readonly heap: Heap, readonly owner: string) {
    super();
  }
  protected get target(): Heap {
    return this.heap;
  }

  alloc(bytes: number, what?: string, zero = true): number {
    const ptr = this.heap.alloc(bytes, what ?? this.owner, zero);
    this.ptrs.push(ptr);
    return ptr;
  }
  /** Regions this group holds. */
  get count(): number {
    return this.ptrs.length;
  }
  /** Frees every region of the group (the group can be used again). */
  release(): void {
    for (const ptr of this.ptrs.splice(0)) this.heap.release(ptr);
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
