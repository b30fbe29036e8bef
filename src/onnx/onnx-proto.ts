/**
 * The ONNX messages simdnet reads and writes (onnx/onnx.proto, proto2): ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto (tensor types),
 * OperatorSetIdProto and StringStringEntryProto. Fields we do not use are skipped by their wire
 * type; sub-graphs, sparse tensors and non-tensor types are noted but not decoded, so nothing nests
 * deeper than this file's fixed schema (no recursion a file can drive).
 *
 * Decoding is bounded: every message, string and list number counts against `maxItems`, every
 * tensor's element count against `maxElements` (checked from its dims before any allocation), and
 * a tensor's data must hold exactly that many values. Tensor data arrives decoded: float32 and
 * float64 tensors as a Float32Array, int32, int64 and bool tensors as numbers; other element
 * types keep their dims and type only.
 */
import { fail } from '../errors';
import { ProtoReader, ProtoWriter, Wire } from './proto';

/** TensorProto.DataType values we use. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** FLOAT and DOUBLE tensors' values (DOUBLE rounded to float32). */
  floats?: Float32Array;
  /** INT32, INT64 and BOOL tensors' values. */
  ints?: number[];
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: string[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: a tensor's element type and dims (a number, a symbolic name, or unknown). */
export interface OnnxValueInfo {
  name: string;
  /** 0 when it is not a tensor type (or has none). */
  elemType: number;
  dims?: (number | string | null)[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** How many sparse initializers the graph has (not decoded: simdnet does not read them). */
  sparseInitializers: number;
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  metadata: Record<string, string>;
}

export interface DecodeLimits {
  /** Messages, strings and list numbers in all (default 1,000,000). */
  maxItems?: number;
  /** Elements of one tensor (default 100,000,000). */
  maxElements?: number;
}

const DEFAULT_MAX_ITEMS = 1_000_000;
export const DEFAULT_MAX_ELEMENTS = 100_000_000;

/** Counts decoded items against the limit. */
class Budget {
  private used = 0;
  constructor(readonly maxItems: number, readonly maxElements: number) {}
  take(r: ProtoReader, n = 1): void {
    this.used += n;
    if (this.used > this.maxItems) fail('MODEL_LIMIT', `${r.what}: the model holds more than ${this.maxItems} messages, strings and list values (the maxItems limit)`);
  }
}

/** Decodes an ONNX ModelProto, refusing malformed, truncated or oversized input with a ModelFormatError. */
export function decodeModel(bytes: Uint8Array, limits: DecodeLimits = {}): OnnxModel {
  if (!(bytes instanceof Uint8Array)) fail('MODEL_FORMAT', `ONNX model: expected the model's bytes (a Uint8Array), got ${typeof bytes === 'object' && bytes !== null ? (bytes as object).constructor?.name : typeof bytes}`);
  if (bytes.length === 0) fail('MODEL_TRUNCATED', 'ONNX model: no bytes');
  const budget = new Budget(limits.maxItems ?? DEFAULT_MAX_ITEMS, limits.maxElements ?? DEFAULT_MAX_ELEMENTS);
  const r = new ProtoReader(bytes, 'ModelProto');
  const model: OnnxModel = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', docString: '', graph: emptyGraph(), metadata: {} };
  let graphs = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: r.expect('ir_version', wire, Wire.Varint); model.irVersion = r.int64(); break;
      case 2: r.expect('producer_name', wire, Wire.Bytes); model.producerName = r.string(); break;
      case 3: r.expect('producer_version', wire, Wire.Bytes); model.producerVersion = r.string(); break;
      case 6: r.expect('doc_string', wire, Wire.Bytes); model.docString = r.string(); break;
      case 7: r.expect('graph', wire, Wire.Bytes); model.graph = decodeGraph(r.message('ModelProto.graph'), budget); graphs++; break;
      case 8: {
        r.expect('opset_import', wire, Wire.Bytes);
        budget.take(r);
        model.opsets.push(decodeOpset(r.message(`ModelProto.opset_import[${model.opsets.length}]`)));
        break;
      }
      case 14: {
        r.expect('metadata_props', wire, Wire.Bytes);
        budget.take(r);
        const [k, v] = decodeEntry(r.message('ModelProto.metadata_props'));
        model.metadata[k] = v;
        break;
      }
      default: r.skip(wire);
    }
  }
  if (graphs === 0) fail('MODEL_FORMAT', 'ONNX model: no graph (not an ONNX ModelProto?)');
  return model;
}

function emptyGraph(): OnnxGraph {
  return { name: '', nodes: [], initializers: [], inputs: [], outputs: [], sparseInitializers: 0 };
}

function decodeOpset(r: ProtoReader): { domain: string; version: number } {
  const op = { domain: '', version: 0 };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) { r.expect('domain', wire, Wire.Bytes); op.domain = r.string(); }
    else if (field === 2) { r.expect('version', wire, Wire.Varint); op.version = r.int64(); }
    else r.skip(wire);
  }
  return op;
}

function decodeEntry(r: ProtoReader): [string, string] {
  let key = '', value = '';
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) { r.expect('key', wire, Wire.Bytes); key = r.string(); }
    else if (field === 2) { r.expect('value', wire, Wire.Bytes); value = r.string(); }
    else r.skip(wire);
  }
  return [key, value];
}

function decodeGraph(r: ProtoReader, budget: Budget): OnnxGraph {
  const g = emptyGraph();
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1 || field === 5 || field === 11 || field === 12 || field === 15) {
      r.expect(`GraphProto field ${field}`, wire, Wire.Bytes);
      budget.take(r);
    }
    switch (field) {
      case 1: g.nodes.push(decodeNode(r.message(`GraphProto.node[${g.nodes.length}]`), budget)); break;
      case 2: r.expect('name', wire, Wire.Bytes); g.name = r.string(); break;
      case 5: g.initializers.push(decodeTensor(r.message(`GraphProto.initializer[${g.initializers.length}]`), budget)); break;
      case 11: g.inputs.push(decodeValueInfo(r.message(`GraphProto.input[${g.inputs.length}]`), budget)); break;
      case 12: g.outputs.push(decodeValueInfo(r.message(`GraphProto.output[${g.outputs.length}]`), budget)); break;
      case 15: r.skip(wire); g.sparseInitializers++; break;
      default: r.skip(wire);
    }
  }
  return g;
}

function decodeNode(r: ProtoReader, budget: Budget): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: r.expect('input', wire, Wire.Bytes); budget.take(r); node.inputs.push(r.string()); break;
      case 2: r.expect('output', wire, Wire.Bytes); budget.take(r); node.outputs.push(r.string()); break;
      case 3: r.expect('name', wire, Wire.Bytes); node.name = r.string(); break;
      case 4: r.expect('op_type', wire, Wire.Bytes); node.opType = r.string(); break;
      case 5: {
        r.expect('attribute', wire, Wire.Bytes);
        budget.take(r);
        node.attributes.push(decodeAttribute(r.message(`${r.what}.attribute[${node.attributes.length}]`), budget));
        break;
      }
      case 7: r.expect('domain', wire, Wire.Bytes); node.domain = r.string(); break;
      default: r.skip(wire);
    }
  }
  return node;
}

function decodeAttribute(r: ProtoReader, budget: Budget): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0 };
  let inferred = 0;
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: r.expect('name', wire, Wire.Bytes); a.name = r.string(); break;
      case 20: r.expect('type', wire, Wire.Varint); a.type = r.varint(); break;
      case 2: r.expect('f', wire, Wire.Fixed32); a.f = r.float32(); inferred = AttrType.FLOAT; break;
      case 3: r.expect('i', wire, Wire.Varint); a.i = r.int64(); inferred = AttrType.INT; break;
      case 4: r.expect('s', wire, Wire.Bytes); a.s = r.string(); inferred = AttrType.STRING; break;
      case 5: r.expect('t', wire, Wire.Bytes); budget.take(r); a.t = decodeTensor(r.message(`${r.what}.t`), budget); inferred = AttrType.TENSOR; break;
      case 6: r.skip(wire); inferred = AttrType.GRAPH; break;
      case 7: r.repeated('floats', wire, Wire.Fixed32, (p) => p.float32(), (v) => { budget.take(r); (a.floats ??= []).push(v); }); inferred = AttrType.FLOATS; break;
      case 8: r.repeated('ints', wire, Wire.Varint, (p) => p.int64(), (v) => { budget.take(r); (a.ints ??= []).push(v); }); inferred = AttrType.INTS; break;
      case 9: r.expect('strings', wire, Wire.Bytes); budget.take(r); (a.strings ??= []).push(r.string()); inferred = AttrType.STRINGS; break;
      default: r.skip(wire);
    }
  }
  if (!a.type) a.type = inferred;
  return a;
}

function decodeValueInfo(r: ProtoReader, budget: Budget): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0 };
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field === 1) { r.expect('name', wire, Wire.Bytes); v.name = r.string(); }
    else if (field === 2) { r.expect('type', wire, Wire.Bytes); decodeType(r.message(`ValueInfoProto '${clip(v.name)}'.type`), v, budget); }
    else r.skip(wire);
  }
  return v;
}

/** TypeProto: only tensor_type (field 1) is decoded; sequences, maps and the rest leave elemType 0. */
function decodeType(r: ProtoReader, v: OnnxValueInfo, budget: Budget): void {
  while (!r.done) {
    const [field, wire] = r.tag();
    if (field !== 1) { r.skip(wire); continue; }
    r.expect('tensor_type', wire, Wire.Bytes);
    const t = r.message(`${r.what}.tensor_type`);
    while (!t.done) {
      const [f, w] = t.tag();
      if (f === 1) { t.expect('elem_type', w, Wire.Varint); v.elemType = t.varint(); }
      else if (f === 2) {
        t.expect('shape', w, Wire.Bytes);
        const s = t.message(`${t.what}.shape`);
        v.dims = [];
        while (!s.done) {
          const [g, gw] = s.tag();
          if (g !== 1) { s.skip(gw); continue; }
          s.expect('dim', gw, Wire.Bytes);
          budget.take(s);
          const d = s.message(`${s.what}.dim[${v.dims.length}]`);
          let dim: number | string | null = null;
          while (!d.done) {
            const [h, hw] = d.tag();
            if (h === 1) { d.expect('dim_value', hw, Wire.Varint); dim = d.int64(); }
            else if (h === 2) { d.expect('dim_param', hw, Wire.Bytes); dim = d.string(); }
            else d.skip(hw);
          }
          v.dims.push(dim);
        }
      } else t.skip(w);
    }
  }
}

const ELEMENT_BYTES: Readonly<Record<number, number>> = { [DataType.FLOAT]: 4, [DataType.DOUBLE]: 8, [DataType.INT64]: 8, [DataType.INT32]: 4, [DataType.BOOL]: 1 };

function decodeTensor(r: ProtoReader, budget: Budget): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0 };
  let raw: Uint8Array | undefined;
  let external = false;
  const floats = new FloatList(), ints: number[] = [];
  while (!r.done) {
    const [field, wire] = r.tag();
    switch (field) {
      case 1: r.repeated('dims', wire, Wire.Varint, (p) => p.int64(), (d) => { budget.take(r); t.dims.push(d); }); break;
      case 2: r.expect('data_type', wire, Wire.Varint); t.dataType = r.varint(); break;
      case 4: readFloatField(r, floats, 'float_data', wire, 4); break;
      case 10: readFloatField(r, floats, 'double_data', wire, 8); break;
      case 5: r.repeated('int32_data', wire, Wire.Varint, (p) => p.int64(), (v) => { budget.take(r); ints.push(v); }); break;
      case 7: r.repeated('int64_data', wire, Wire.Varint, (p) => p.int64(), (v) => { budget.take(r); ints.push(v); }); break;
      case 8: r.expect('name', wire, Wire.Bytes); t.name = r.string(); break;
      case 9: r.expect('raw_data', wire, Wire.Bytes); raw = r.bytesField(); break;
      case 13: r.skip(wire); external = true; break;
      case 14: r.expect('data_location', wire, Wire.Varint); if (r.varint() === 1) external = true; break;
      default: r.skip(wire);
    }
  }
  const where = `${r.what} '${clip(t.name)}'`;
  if (t.dims.length > 8) fail('MODEL_LIMIT', `${where}: ${t.dims.length} dimensions (at most 8)`);
  let count = 1;
  for (const d of t.dims) {
    if (d < 0) fail('MODEL_FORMAT', `${where}: dimension ${d} is negative`);
    count *= d;
    if (count > budget.maxElements) fail('MODEL_LIMIT', `${where}: dims [${t.dims.join(', ')}] hold more than ${budget.maxElements} elements (the maxElements limit)`);
  }
  if (external) {
    fail('ONNX_UNSUPPORTED', `${where}: the tensor's data is in an external file; simdnet reads self-contained models only (in Python: onnx.save_model(onnx.load(path), out, save_as_external_data=False))`);
  }
  const size = ELEMENT_BYTES[t.dataType];
  if (!size) return t; // another element type: kept as metadata; using it as a value is refused later
  const isFloat = t.dataType === DataType.FLOAT || t.dataType === DataType.DOUBLE;
  const have = raw ? raw.length / size : isFloat ? floats.length : ints.length;
  if (raw && (floats.length || ints.length)) fail('MODEL_FORMAT', `${where}: holds both raw_data and typed data`);
  if (have !== count) fail('MODEL_SHAPE', `${where}: dims [${t.dims.join(', ')}] need ${count} values, the data holds ${have}`);
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (isFloat) {
      t.floats = new Float32Array(count);
      for (let i = 0; i < count; i++) t.floats[i] = size === 4 ? view.getFloat32(4 * i, true) : view.getFloat64(8 * i, true);
    } else {
      budget.take(r, count);
      t.ints = new Array<number>(count);
      for (let i = 0; i < count; i++) {
        const v = size === 1 ? view.getUint8(i) : size === 4 ? view.getInt32(4 * i, true) : Number(view.getBigInt64(8 * i, true));
        if (!Number.isSafeInteger(v)) fail('MODEL_FORMAT', `${where}: value ${i} is outside ±(2^53 − 1)`);
        t.ints[i] = v;
      }
    }
  } else if (isFloat) t.floats = floats.finish(t.dataType === DataType.DOUBLE ? 8 : 4);
  else t.ints = ints;
  return t;
}

/** float_data (`width` 4) or double_data (8): a packed run (kept as bytes), or one value. */
function readFloatField(r: ProtoReader, floats: FloatList, field: string, wire: Wire, width: 4 | 8): void {
  if (wire !== Wire.Bytes) {
    r.expect(field, wire, width === 4 ? Wire.Fixed32 : Wire.Fixed64);
    floats.push(width === 4 ? r.float32() : r.float64());
    return;
  }
  const b = r.bytesField();
  if (b.length % width) r.malformed(`${field} holds ${b.length} bytes, not a multiple of ${width}`);
  floats.pushBytes(b, width);
}

/** float_data / double_data: packed runs kept as byte views, single values as numbers, joined once. */
class FloatList {
  private parts: (Uint8Array | number)[] = [];
  length = 0;
  private width = 0;
  pushBytes(b: Uint8Array, width: number): void {
    this.parts.push(b);
    this.width = width;
    this.length += b.length / width;
  }
  push(v: number): void {
    this.parts.push(v);
    this.length++;
  }
  finish(width: number): Float32Array {
    const out = new Float32Array(this.length);
    let i = 0;
    for (const p of this.parts) {
      if (typeof p === 'number') { out[i++] = p; continue; }
      if (this.width !== width) fail('MODEL_FORMAT', `tensor data: ${this.width * 8}-bit values in a ${width * 8}-bit field`);
      const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
      for (let at = 0; at < p.length; at += width) out[i++] = width === 4 ? v.getFloat32(at, true) : v.getFloat64(at, true);
    }
    return out;
  }
}

/** A name cut to 80 characters for messages (a hostile file may hold megabyte names). */
export function clip(name: string): string {
  return name.length > 80 ? `${name.slice(0, 77)}…` : name;
}

// --- encoding -----------------------------------------------------------------------------------

export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  if (m.docString) w.string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  for (const op of m.opsets) w.message(8, new ProtoWriter().string(1, op.domain).int(2, op.version));
  for (const [k, v] of Object.entries(m.metadata)) w.message(14, new ProtoWriter().string(1, k).string(2, v));
  return w.finish();
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) w.message(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w;
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int(3, a.i);
  if (a.s !== undefined) w.string(4, a.s);
  if (a.t) w.message(5, encodeTensor(a.t));
  if (a.floats) w.packedFloats(7, a.floats);
  if (a.ints) w.packedInts(8, a.ints);
  return w.int(20, a.type);
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.dataType).string(8, t.name);
  if (t.floats) {
    const b = new Uint8Array(4 * t.floats.length), v = new DataView(b.buffer);
    for (let i = 0; i < t.floats.length; i++) v.setFloat32(4 * i, t.floats[i], true);
    w.bytes(9, b);
  } else if (t.ints) {
    const b = new Uint8Array(8 * t.ints.length), v = new DataView(b.buffer);
    for (let i = 0; i < t.ints.length; i++) v.setBigInt64(8 * i, BigInt(t.ints[i]), true);
    w.bytes(9, b);
  }
  return w;
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const tensor = new ProtoWriter().int(1, v.elemType);
  if (v.dims) {
    const shape = new ProtoWriter();
    for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : d === null ? new ProtoWriter() : new ProtoWriter().string(2, d));
    tensor.message(2, shape);
  }
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensor));
}
