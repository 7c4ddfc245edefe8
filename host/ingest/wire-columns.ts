// Reading one integer field of every frame, whatever its wire form: a plain
// array of integers (msgpack or JSON) or a msgpack `bin` of little-endian
// int64. A reader yields a bigint, or null when the value is not an integer.
import { endianness } from 'node:os';
import { invalidBatch } from './errors.js';

export type IntegerReader = (frameIndex: number) => bigint | null;

/** In the `x` column, −1 marks a frame without an export register. */
export const NO_EXPORT_REGISTER = -1n;
const INT64_BYTES = 8;

// BigInt64Array uses host byte order and the wire is little-endian; every
// platform Node 20 ships for is, so refuse to run rather than misread.
if (endianness() !== 'LE') throw new Error('gridsettle ingest decoding needs a little-endian host');

/**
 * A wire integer as bigint, or null. msgpack (int64AsType 'auto') yields
 * numbers up to 2^53 and bigints beyond; a Number must be a safe integer,
 * so JSON floats (`1.5`) and JSON integers past 2^53 (already rounded by
 * JSON.parse) are null. An integral float (`5.0`, or msgpackr's float64
 * encoding of numbers ≥ 2^32) is its exact integer.
 */
export function wireInteger(value: unknown): bigint | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : null;
  if (typeof value === 'bigint') return value;
  return null;
}

export function isBin(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** Copies a bin into an aligned buffer: msgpackr hands bins out at arbitrary body offsets. */
export function int64sOfBin(bin: Uint8Array): BigInt64Array {
  // Uint8Array's slice copies; Buffer's (what msgpackr returns in Node) would not.
  const aligned = Uint8Array.prototype.slice.call(bin);
  return new BigInt64Array(aligned.buffer, 0, aligned.byteLength / INT64_BYTES);
}

/**
 * A reader over one column of a columnar batch. Wrong structure (not an
 * array or bin, a bin length not a multiple of 8, a length unlike `m`'s)
 * is `invalid_batch`.
 */
export function columnReader(column: unknown, name: string, frameCount: number): IntegerReader {
  if (isBin(column)) {
    if (column.byteLength % INT64_BYTES !== 0) {
      throw invalidBatch(`cols.${name} is a bin of ${column.byteLength} bytes, not a multiple of ${INT64_BYTES}`);
    }
    assertColumnLength(name, column.byteLength / INT64_BYTES, frameCount);
    const values = int64sOfBin(column);
    return (frameIndex) => values[frameIndex]!;
  }
  if (Array.isArray(column)) {
    assertColumnLength(name, column.length, frameCount);
    return (frameIndex) => wireInteger(column[frameIndex]);
  }
  throw invalidBatch(`cols.${name} must be an array of integers or a bin of int64`);
}

function assertColumnLength(name: string, length: number, frameCount: number): void {
  if (length !== frameCount) {
    throw invalidBatch(`cols.${name} has ${length} values but cols.m has ${frameCount}`);
  }
}

/**
 * The `x` reader of the row form: an absent `x` is "no export register";
 * a present one must be a register value, so −1 there is invalid like any
 * other negative number.
 */
export function rowExportReader(exportValues: readonly unknown[]): IntegerReader {
  return (frameIndex) => {
    const value = exportValues[frameIndex];
    if (value === undefined) return NO_EXPORT_REGISTER;
    const exportMWh = wireInteger(value);
    return exportMWh === null || exportMWh < 0n ? null : exportMWh;
  };
}
