/**
 * The vocabulary of the argument table in kernels.ts. Most kernels take (count, f32 regions of
 * count elements…, numbers…): one row saying which regions and which numbers is enough to check
 * their arguments (checked.ts) and to generate their parity rows (test/support/kernel-cases.ts).
 * Kernels with shapes of their own (GEMM, convolution, gathers, losses, EURNN) are `custom`: their
 * checks and parity rows are written by hand.
 */

/** How a generated parity row fills an input region: normal(0, 1), or uniform [0, 1) for state that must be ≥ 0 (Adam's v). */
export type Fill = 'normal' | 'nonNegative';

/** An f32 region of `count` elements: read ('in'), written ('out') or both ('inout'). */
export interface RegionArg {
  readonly name: string;
  readonly role: 'in' | 'out' | 'inout';
  readonly fill: Fill;
}

/**
 * A number argument and its valid values: 'nonNegative' (finite, ≥ 0), 'fraction' ([0, 1)), 'flag'
 * (0 or 1), 'step' (an integer ≥ 1). `draw` is the range generated parity rows pick it from.
 */
export interface ScalarArg {
  readonly name: string;
  readonly kind: 'nonNegative' | 'fraction' | 'flag' | 'step';
  readonly draw: readonly [number, number];
}

/** A (count, regions…, scalars…) kernel, in argument order. */
export interface FlatArgs<R extends readonly RegionArg[] = readonly RegionArg[], S extends readonly ScalarArg[] = readonly ScalarArg[]> {
  readonly kind: 'elementwise' | 'optimizer';
  readonly regions: R;
  readonly scalars: S;
}

export interface CustomArgs {
  readonly kind: 'custom';
}

export type KernelArgs = FlatArgs | CustomArgs;

/** Hand-written checks and parity rows. */
export const custom: CustomArgs = { kind: 'custom' };

/** An input region that generated rows fill with values ≥ 0. */
export function nonNegativeInput(name: string): { readonly name: string; readonly fill: 'nonNegative' } {
  return { name, fill: 'nonNegative' };
}

type RegionName = string | { readonly name: string; readonly fill: Fill };
type Regions<T extends readonly RegionName[]> = { -readonly [I in keyof T]: RegionArg };

function region(r: RegionName, role: RegionArg['role']): RegionArg {
  return typeof r === 'string' ? { name: r, role, fill: 'normal' } : { ...r, role };
}

/** (count, inputs…, outputs…, scalars…); no outputs when the kernel returns its result. */
export function elementwise<const I extends readonly RegionName[], const O extends readonly string[], const S extends readonly ScalarArg[]>(
  inputs: I,
  outputs: O,
  ...scalars: S
): FlatArgs<[...Regions<I>, ...Regions<O>], S> {
  const regions = [...inputs.map((r) => region(r, 'in')), ...outputs.map((r) => region(r, 'out'))];
  return { kind: 'elementwise', regions: regions as [...Regions<I>, ...Regions<O>], scalars };
}

/** (count, params, grads, state…, scalars…): params and state updated in place, grads read. */
export function optimizer<const T extends readonly RegionName[], const S extends readonly ScalarArg[]>(
  state: T,
  ...scalars: S
): FlatArgs<[RegionArg, RegionArg, ...Regions<T>], S> {
  const regions = [region('params', 'inout'), region('grads', 'in'), ...state.map((r) => region(r, 'inout'))];
  return { kind: 'optimizer', regions: regions as [RegionArg, RegionArg, ...Regions<T>], scalars };
}

export const nonNegative = (name: string, lo: number, hi: number): ScalarArg => ({ name, kind: 'nonNegative', draw: [lo, hi] });
export const fraction = (name: string, lo: number, hi: number): ScalarArg => ({ name, kind: 'fraction', draw: [lo, hi] });
export const flag = (name: string): ScalarArg => ({ name, kind: 'flag', draw: [0, 1] });
export const step = (name: string, lo: number, hi: number): ScalarArg => ({ name, kind: 'step', draw: [lo, hi] });
