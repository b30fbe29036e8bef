/**
 * The protobuf wire format, as much of it as ONNX needs: varints (uint64 and two's-complement
 * int64), 32- and 64-bit fixed values, length-delimited fields (strings, bytes, nested messages,
 * packed lists). The reader is for hostile bytes: every length is checked against the bytes that
 * are left before anything is sliced or allocated, a varint longer than 10 bytes or past 64 bits is
 * refused, and groups (wire types 3 and 4, deprecated) are refused. Errors are ModelFormatErrors
 * that name the message and field being read.
 */
import { fail } from '../errors';

export const enum Wire { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 }

const TWO_32 = 2 ** 32;

export class ProtoReader {
  pos: number;
  /** `what`: the message being read, for errors ('GraphProto.node[3]'); nested readers share `view`. */
  constructor(
    readonly bytes: Uint8Array, readonly what: string, start = 0, readonly end = bytes.length,
    private readonly view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  truncated(need: string): never {
    return fail('MODEL_TRUNCATED', `${this.what}: the bytes end inside ${need} (at byte ${this.pos})`);
  }

  malformed(msg: string): never {
    return fail('MODEL_FORMAT', `${this.what}: ${msg} (at byte ${this.pos})`);
  }

  /** An unsigned varint up to 2^53 − 1 (tags, lengths, counts, non-negative ints). */
  varint(): number {
    let value = 0, scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.truncated('a varint');
      const b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) this.malformed(`the varint ${value} is larger than 2^53 − 1`);
        return value;
      }
      scale *= 128;
    }
    return this.malformed('a varint is longer than 10 bytes');
  }

  /** An int64 varint (two's complement: −1 takes 10 bytes); it must be a safe integer. */
  int64(): number {
    let lo = 0, hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.truncated('a varint');
      const b = this.bytes[this.pos++];
      if (i < 4) lo += (b & 0x7f) * 2 ** (7 * i);
      else if (i === 4) { lo += (b & 0x0f) * 2 ** 28; hi += (b & 0x7f) >> 4; }
      else if (i < 9) hi += (b & 0x7f) * 2 ** (7 * i - 32);
      else if (b > 1) this.malformed('a varint overflows 64 bits');
      else hi += b * 2 ** 31;
      if (b < 0x80) {
        // hi and lo are the two 32-bit halves; bit 63 set means negative. Exact when the result
        // is a safe integer (a sum of exact terms, rounded once); a larger one is refused.
        const value = (hi >= 2 ** 31 ? hi - TWO_32 : hi) * TWO_32 + lo;
        if (!Number.isSafeInteger(value)) this.malformed('an int64 value is outside ±(2^53 − 1)');
        return value;
      }
    }
    return this.malformed('a varint is longer than 10 bytes');
  }

  float32(): number {
    if (this.pos + 4 > this.end) this.truncated('a 32-bit value');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.pos + 8 > this.end) this.truncated('a 64-bit value');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** The [start, end) of a length-delimited field's payload; the reader moves past it. */
  span(): [number, number] {
    const n = this.varint();
    if (n > this.end - this.pos) this.truncated(`a field of ${n} bytes (${this.end - this.pos} left)`);
    const at = this.pos;
    this.pos += n;
    return [at, at + n];
  }

  /** The payload of a length-delimited field (a view, not a copy). */
  bytesField(): Uint8Array {
    const [a, b] = this.span();
    return this.bytes.subarray(a, b);
  }

  string(): string {
    const b = this.bytesField();
    try {
      return UTF8.decode(b);
    } catch {
      return this.malformed('a string is not valid UTF-8');
    }
  }

  /** A nested message's reader (bounded by its length). */
  message(what: string): ProtoReader {
    const [a, b] = this.span();
    return new ProtoReader(this.bytes, what, a, b, this.view);
  }

  /** The next field's number and wire type. */
  tag(): [number, Wire] {
    const key = this.varint();
    const field = Math.floor(key / 8), wire = key & 7;
    if (field === 0) this.malformed('field number 0');
    if (wire === 3 || wire === 4) this.malformed(`field ${field} is a group (wire type ${wire}), which ONNX does not use`);
    if (wire > 5) this.malformed(`field ${field} has wire type ${wire}, which does not exist`);
    return [field, wire as Wire];
  }

  /** Skips a field's value (an unknown field, or one we do not need). */
  skip(wire: Wire): void {
    if (wire === Wire.Varint) this.varint64Skip();
    else if (wire === Wire.Fixed64) this.advance(8);
    else if (wire === Wire.Fixed32) this.advance(4);
    else this.span();
  }

  private varint64Skip(): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.truncated('a varint');
      if (this.bytes[this.pos++] < 0x80) return;
    }
    this.malformed('a varint is longer than 10 bytes');
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) this.truncated(`a ${n * 8}-bit value`);
    this.pos += n;
  }

  /** Checks that a field has the wire type its declaration implies. */
  expect(field: string, wire: Wire, want: Wire): void {
    if (wire !== want) this.malformed(`${field} has wire type ${wire}, expected ${want}`);
  }

  /**
   * A repeated numeric field: one value (its scalar wire type) or a packed run (wire type 2),
   * each appended through `push`. `item` reads one value.
   */
  repeated(field: string, wire: Wire, scalar: Wire, item: (r: ProtoReader) => number, push: (v: number) => void): void {
    if (wire === scalar) {
      push(item(this));
      return;
    }
    this.expect(field, wire, Wire.Bytes);
    const [a, b] = this.span();
    const packed = new ProtoReader(this.bytes, `${this.what}.${field}`, a, b, this.view);
    while (!packed.done) push(item(packed));
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ENCODER = new TextEncoder();

/** Appends protobuf fields to a growing buffer. Nested messages are encoded first, then copied in. */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** A non-negative safe integer, or a negative one as its 64-bit two's complement (10 bytes). */
  private rawVarint(v: number): void {
    this.room(10);
    if (v < 0) {
      let big = BigInt.asUintN(64, BigInt(v));
      while (big >= 0x80n) { this.buf[this.len++] = Number(big & 0x7fn) | 0x80; big >>= 7n; }
      this.buf[this.len++] = Number(big);
      return;
    }
    while (v >= 0x80) { this.buf[this.len++] = (v % 128) | 0x80; v = Math.floor(v / 128); }
    this.buf[this.len++] = v;
  }

  private key(field: number, wire: Wire): void {
    this.rawVarint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    this.key(field, Wire.Varint);
    this.rawVarint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, Wire.Fixed32);
    this.room(4);
    this.view.setFloat32(this.len, v, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, Wire.Bytes);
    this.rawVarint(b.length);
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, ENCODER.encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  /** A packed list of varints (int64 two's complement for negatives). */
  packedInts(field: number, values: readonly number[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** A packed list of float32. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(4 * values.length), v = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) v.setFloat32(4 * i, values[i], true);
    return this.bytes(field, b);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
