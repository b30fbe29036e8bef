import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SimdnetError } from '../errors';

/** A usage error: printed as one line, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. */
export type Parsed<T extends Options> = { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string } & { help?: boolean }; positionals: string[] };

export function parse<T extends Options>(argv: string[], options: T, command: string, positionals = false): Parsed<T> {
  // parseArgs reads '-1' after '--epochs' as an option ("argument is ambiguous"): a negative number
  // after a flag that takes a value is that value, so that the range check can answer.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i].startsWith('--') && !argv[i].includes('=') ? options[argv[i].slice(2)] : undefined;
    if (flag?.type === 'string' && /^-(\d|\.\d)/.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: positionals }) as unknown as Parsed<T>;
  } catch (e) {
    throw new UsageError(`simdnet ${command}: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** The largest seed: seeds are uint32 (a larger number would wrap to another seed, silently). */
export const MAX_SEED = 2 ** 32 - 1;

/** An integer flag in min…max (max: the largest exact integer unless given); '' and 1.5 are refused. */
export function intOption(value: string | undefined, name: string, fallback: number, min = 1, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const n = value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`}, got '${value}'`);
  }
  return n;
}

export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  return n;
}

/** The --backend choices. */
export const BACKEND_CHOICES = ['auto', 'wasm', 'js', 'wasm-simd', 'wasm-relaxed'] as const;

/** --threads: 'auto' or 1…64 (default 1: the single-thread path). */
export function threadsOption(value: string | undefined): number | 'auto' {
  return value === 'auto' ? 'auto' : intOption(value, 'threads', 1, 1, 64);
}

/** A checkpoint's configuration, with the thread count --threads gives on resume (results then differ in float rounding). */
export function withThreads<C extends { threads?: number | 'auto' }>(config: C, threads: string | undefined): C {
  return threads === undefined ? config : { ...config, threads: threadsOption(threads) };
}

/** 'wasm-relaxed' or 'wasm-relaxed, 2 threads' (and why 'auto' got one thread). */
export function backendText(backend: { name: string; threads: number; threadNote?: string }): string {
  return backend.threads > 1 ? `${backend.name}, ${backend.threads} threads` : backend.threadNote ? `${backend.name} (${backend.threadNote})` : backend.name;
}

/** What the --threads flag means, for usage texts. */
export const THREADS_USAGE = `  --threads N|auto        threads that share each batch's rows (default 1; auto: every core, at most 8);
                          the same seed and thread count give the same weights`;

export function choiceOption<C extends string>(value: string | undefined, name: string, choices: readonly C[], fallback: C): C {
  if (value === undefined) return fallback;
  if (!choices.includes(value as C)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${value}'`);
  return value as C;
}

/** A flag's value read by a library parser (a layer list, an init): its refusal is a usage error (exit 2). */
export function flagValue<T>(flag: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof SimdnetError)) throw e;
    throw new UsageError(e.message.startsWith(flag) ? e.message : `${flag}: ${e.message}`);
  }
}
