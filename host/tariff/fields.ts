// Structural checks of JSON input: each names the field it rejects, so an
// `invalid_input` message points at the offending part of the document.
import { invalidInput } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function expectObject(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidInput(`${field} must be an object`);
  }
  return value as JsonObject;
}

/** Rejects keys outside `allowed`: a misspelt tariff key must not be billed as absent. */
export function expectKeys(object: JsonObject, allowed: readonly string[], field: string): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw invalidInput(`${field} has an unknown key ${JSON.stringify(key)}`);
  }
}

export function expectArray(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw invalidInput(`${field} must be an array`);
  return value;
}

export function expectString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidInput(`${field} must be a non-empty string`);
  return value;
}

/** A safe integer in [min, max], given as a number or a bigint. */
export function expectInteger(value: unknown, field: string, min: number, max: number): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || (typeof value === 'bigint' && BigInt(number) !== value)) {
    throw invalidInput(`${field} must be an integer, got ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`);
  }
  if (number < min || number > max) throw invalidInput(`${field} must be within ${min} … ${max}, got ${number}`);
  return number;
}
