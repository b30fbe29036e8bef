/**
 * Every refusal the library makes is a SimdnetError with a stable `code`, so callers can branch on
 * the code and people can read the message. The message says what is wrong and where.
 */
export class SimdnetError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A malformed IDX file: codes IDX_TRUNCATED, IDX_MAGIC, IDX_HEADER, IDX_GZIP. */
export class IdxError extends SimdnetError {}
/** A bad heap request or region: codes HEAP_LIMIT, HEAP_RANGE, HEAP_SIZE. */
export class HeapError extends SimdnetError {}
/** Shapes or arguments that do not fit: code SHAPE, ARGUMENT. */
export class ShapeError extends SimdnetError {}
/** A model file that cannot be loaded: codes MODEL_*. */
export class ModelFormatError extends SimdnetError {}
/** Training produced a NaN or infinite loss: code DIVERGED. */
export class DivergenceError extends SimdnetError {}
