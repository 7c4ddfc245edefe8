// The gateway side of SPEC §6: batch bodies in every accepted shape. The
// binary columnar msgpack form is the fast path; the others exist so that
// tests, simulated gateways and benchmarks can send each shape.
import { Packr } from 'msgpackr';
import type { BodyFormat } from './parse-body.js';
import { NO_EXPORT_REGISTER } from './wire-columns.js';
import { safeNumber } from '../exact.js';

export type WireIntegerValue = number | bigint;

export interface GatewayFrame {
  /** Meter id. */
  m: string;
  /** Reading time, epoch ms. */
  t: WireIntegerValue;
  /** Import register, mWh. */
  i: WireIntegerValue;
  /** Export register, mWh; absent when the meter has none. */
  x?: WireIntegerValue;
}

export interface GatewayBatch {
  seq: number;
  frames: readonly GatewayFrame[];
}

/** How a columnar body carries t, i and x: msgpack bins of int64 LE, or plain arrays. */
export type ColumnarIntegers = 'bin' | 'array';

export const CONTENT_TYPE_BY_FORMAT: Readonly<Record<BodyFormat, string>> = {
  msgpack: 'application/msgpack',
  json: 'application/json',
};

const UINT32_LIMIT = 2 ** 32;
const packr = new Packr({ useRecords: false });
const utf8Encoder = new TextEncoder();

/** The map form `{v: 1, seq, frames: [{m, t, i, x?}]}`. */
export function encodeRowBatch(batch: GatewayBatch, format: BodyFormat = 'msgpack'): Uint8Array {
  const toWire = format === 'msgpack' ? msgpackInteger : jsonInteger;
  const frames = batch.frames.map((frame) => {
    const row: Record<string, string | WireIntegerValue> = { m: frame.m, t: toWire(frame.t), i: toWire(frame.i) };
    if (frame.x !== undefined) row.x = toWire(frame.x);
    return row;
  });
  return serialise({ v: 1, seq: batch.seq, frames }, format);
}

/**
 * The columnar form `{v: 1, seq, cols: {m, t, i, x?}}`; `x` is sent only
 * when some frame has one, with −1 for the frames that do not. Bins are
 * msgpack only (JSON has no binary type).
 */
export function encodeColumnarBatch(
  batch: GatewayBatch,
  options: { format?: BodyFormat; integers?: ColumnarIntegers } = {},
): Uint8Array {
  const format = options.format ?? 'msgpack';
  const integers = options.integers ?? 'bin';
  if (format === 'json' && integers === 'bin') throw new TypeError('JSON bodies cannot carry bins; use integers: "array"');
  const { frames } = batch;
  const hasExport = frames.some((frame) => frame.x !== undefined);
  const exportValues = frames.map((frame) => frame.x ?? NO_EXPORT_REGISTER);
  const column = (values: readonly WireIntegerValue[]): Uint8Array | WireIntegerValue[] =>
    integers === 'bin' ? int64Bin(values) : values.map(format === 'msgpack' ? msgpackInteger : jsonInteger);
  const cols: Record<string, unknown> = {
    m: frames.map((frame) => frame.m),
    t: column(frames.map((frame) => frame.t)),
    i: column(frames.map((frame) => frame.i)),
  };
  if (hasExport) cols.x = column(exportValues);
  return serialise({ v: 1, seq: batch.seq, cols }, format);
}

function serialise(body: unknown, format: BodyFormat): Uint8Array {
  return format === 'msgpack' ? packr.pack(body) : utf8Encoder.encode(JSON.stringify(body));
}

/** Little-endian int64s (the host is little-endian: see wire-columns.ts). */
function int64Bin(values: readonly WireIntegerValue[]): Uint8Array {
  const int64s = new BigInt64Array(values.length);
  for (let k = 0; k < values.length; k++) int64s[k] = asInt64(values[k]!);
  return new Uint8Array(int64s.buffer);
}

function asInt64(value: WireIntegerValue): bigint {
  const asBigInt = BigInt(value);
  // A typed-array store would wrap silently.
  if (BigInt.asIntN(64, asBigInt) !== asBigInt) throw new RangeError(`${asBigInt} does not fit an int64`);
  return asBigInt;
}

/** msgpackr packs a Number ≥ 2^32 as float64: send such values as bigint so they go out as int64. */
function msgpackInteger(value: WireIntegerValue): WireIntegerValue {
  if (typeof value === 'bigint') return value;
  return Number.isInteger(value) && Math.abs(value) >= UINT32_LIMIT ? BigInt(value) : value;
}

/** JSON carries only numbers, exact up to 2^53. */
function jsonInteger(value: WireIntegerValue): number {
  return typeof value === 'number' ? value : safeNumber(value, 'a JSON integer');
}
