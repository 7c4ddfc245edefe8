// Shared by both backends: query validation and chunk assembly for
// `readingsForMeters`.
import { endianness } from 'node:os';
import { INTERVAL_MS_DEFAULT, MAX_POWER_W_DEFAULT, READINGS_METERS_PER_CHUNK_DEFAULT, READINGS_METERS_PER_CHUNK_MAX } from '../limits.js';
import type { MeterAssignment, ReadingChunk, ReadingsQuery } from './reading-store.js';

export interface ChunkPlan {
  meterChunks: string[][];
  fromMs: bigint;
  toMs: bigint;
  boundaryReadings: boolean;
}

/** Distinct ids in ordinal UTF-16 order (SPEC §2 "sorted by m"), cut into chunks. */
export function planChunks(query: ReadingsQuery): ChunkPlan {
  const metersPerChunk = query.metersPerChunk ?? READINGS_METERS_PER_CHUNK_DEFAULT;
  if (!Number.isSafeInteger(metersPerChunk) || metersPerChunk < 1 || metersPerChunk > READINGS_METERS_PER_CHUNK_MAX) {
    throw new RangeError(`READINGS_METERS_PER_CHUNK_MAX: metersPerChunk must be 1 … ${READINGS_METERS_PER_CHUNK_MAX}, got ${metersPerChunk}`);
  }
  if (query.fromMs > query.toMs) throw new RangeError(`fromMs ${query.fromMs} is after toMs ${query.toMs}`);
  const sortedIds = [...new Set(query.meterIds)].sort();
  const meterChunks: string[][] = [];
  for (let start = 0; start < sortedIds.length; start += metersPerChunk) {
    meterChunks.push(sortedIds.slice(start, start + metersPerChunk));
  }
  return { meterChunks, fromMs: query.fromMs, toMs: query.toMs, boundaryReadings: query.boundaryReadings ?? true };
}

const WORD_BASE = 4_294_967_296;
// The 32-bit halves of an int64 element, in the platform's byte order.
const LOW_WORD = endianness() === 'LE' ? 0 : 1;
const HIGH_WORD = 1 - LOW_WORD;

/** A safe integer into an int64 element as two 32-bit words, exactly: the low word is value mod 2^32, the high one ⌊value / 2^32⌋. */
function writeInt64(words: Int32Array, index: number, value: number): void {
  words[2 * index + LOW_WORD] = value % WORD_BASE;
  words[2 * index + HIGH_WORD] = Math.floor(value / WORD_BASE);
}

/** Growable columns; rows must be appended in (meter index, t) order. */
export class ChunkBuilder {
  private meter = new Uint32Array(1024);
  private t = new BigInt64Array(1024);
  private i = new BigInt64Array(1024);
  private x = new BigInt64Array(1024);
  private rowCount = 0;

  append(meterIndex: number, tMs: bigint, importMWh: bigint, exportMWh: bigint): void {
    if (this.rowCount === this.t.length) this.grow(this.rowCount + 1);
    const row = this.rowCount++;
    this.meter[row] = meterIndex;
    this.t[row] = tMs;
    this.i[row] = importMWh;
    this.x[row] = exportMWh;
  }

  /**
   * Appends one meter's rows given as numbers, without creating a bigint per
   * value. Exact or nothing: returns false and appends nothing unless every
   * value is a safe integer (a double that is one is the stored integer
   * exactly; a stored integer beyond 2^53 never parses to one) and the times
   * strictly increase.
   */
  appendSafeIntegers(meterIndex: number, tMs: readonly number[], importMWh: readonly number[], exportMWh: readonly number[]): boolean {
    const count = tMs.length;
    if (importMWh.length !== count || exportMWh.length !== count) return false;
    for (let row = 0; row < count; row++) {
      const ordered = row === 0 || tMs[row]! > tMs[row - 1]!;
      if (!ordered || !Number.isSafeInteger(tMs[row]) || !Number.isSafeInteger(importMWh[row]) || !Number.isSafeInteger(exportMWh[row])) return false;
    }
    if (this.rowCount + count > this.t.length) this.grow(this.rowCount + count);
    const first = this.rowCount;
    this.meter.fill(meterIndex, first, first + count);
    const [tWords, iWords, xWords] = [this.t, this.i, this.x].map((column) => new Int32Array(column.buffer)) as [Int32Array, Int32Array, Int32Array];
    for (let row = 0; row < count; row++) {
      writeInt64(tWords, first + row, tMs[row]!);
      writeInt64(iWords, first + row, importMWh[row]!);
      writeInt64(xWords, first + row, exportMWh[row]!);
    }
    this.rowCount += count;
    return true;
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Room for `rowCount` rows in all, when the caller can tell: filling it exactly saves the copies of growing and trimming. */
  reserve(rowCount: number): void {
    if (rowCount > this.t.length) this.resize(rowCount);
  }

  finish(meterIds: string[], maxPowerW: Uint32Array): ReadingChunk {
    const rowCount = this.rowCount;
    if (rowCount !== this.t.length) this.resize(rowCount);
    return { meterIds, maxPowerW, columns: { meter: this.meter, t: this.t, i: this.i, x: this.x } };
  }

  private grow(rowsNeeded: number): void {
    let capacity = this.t.length * 2;
    while (capacity < rowsNeeded) capacity *= 2;
    this.resize(capacity);
  }

  private resize(capacity: number): void {
    this.meter = grown(this.meter, new Uint32Array(capacity));
    this.t = grown(this.t, new BigInt64Array(capacity));
    this.i = grown(this.i, new BigInt64Array(capacity));
    this.x = grown(this.x, new BigInt64Array(capacity));
  }
}

/** `column` copied into `resized`, cut to its length if shorter. */
function grown<Column extends Uint32Array | BigInt64Array>(column: Column, resized: Column): Column {
  (resized as { set(source: Column): void }).set(column.length > resized.length ? column.subarray(0, resized.length) as Column : column);
  return resized;
}

/** A new meter's ratings, SPEC §1's defaults where not given. */
export function meterRatingsOf(assignment: MeterAssignment): { maxPowerW: number; intervalMs: number } {
  return { maxPowerW: assignment.maxPowerW ?? MAX_POWER_W_DEFAULT, intervalMs: assignment.intervalMs ?? INTERVAL_MS_DEFAULT };
}

/** The chunk's ratings column from the stored ratings by meter id (unknown meters: the default). */
export function ratingsColumn(meterIds: readonly string[], maxPowerWById: ReadonlyMap<string, number>): Uint32Array {
  return Uint32Array.from(meterIds, (meterId) => maxPowerWById.get(meterId) ?? MAX_POWER_W_DEFAULT);
}
