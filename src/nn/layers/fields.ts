// Field checks shared by the layer types' parse(): every refusal names the layer and the field.
import { fail } from '../../errors';
import type { Init } from '../init';
import { parseInit, formatInit } from '../init';

export type Fields = Readonly<Record<string, unknown>>;

export function positiveInt(json: Fields, key: string, where: string, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (!Number.isSafeInteger(v) || (v as number) <= 0) fail('SHAPE', `${where}: ${key} must be a positive integer, got ${JSON.stringify(json[key])}`);
  return v as number;
}

export function oneOf<T extends string>(json: Fields, key: string, allowed: readonly T[], where: string, fallback?: T): T {
  const v = json[key] ?? fallback;
  if (!allowed.includes(v as T)) fail('SHAPE', `${where}: ${key} must be one of ${allowed.join(', ')}, got ${JSON.stringify(json[key])}`);
  return v as T;
}

export function numberIn(json: Fields, key: string, where: string, ok: (v: number) => boolean, range: string, fallback?: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !ok(v)) fail('SHAPE', `${where}: ${key} must be ${range}, got ${JSON.stringify(json[key])}`);
  return v as number;
}

/** An optional per-layer init: an Init object or its text ('he', 'normal:0.01', 'uniform:0.1'). */
export function optionalInit(json: Fields, where: string): Init | undefined {
  const v = json.init;
  if (v === undefined || v === null) return undefined;
  try {
    return parseInit(typeof v === 'string' ? v : formatInit(v as Init));
  } catch (e) {
    return fail('SHAPE', `${where}: init: ${(e as Error).message}`);
  }
}
