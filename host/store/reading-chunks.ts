// Shared by both backends: query validation and chunk assembly for
// `readingsForMeters`.
import { READINGS_METERS_PER_CHUNK_DEFAULT, READINGS_METERS_PER_CHUNK_MAX } from '../limits.js';
import type { ReadingChunk, ReadingsQuery } from './reading-store.js';

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

/** Growable columns; rows must be appended in (meter index, t) order. */
export class ChunkBuilder {
  private meter = new Uint32Array(1024);
  private t = new BigInt64Array(1024);
  private i = new BigInt64Array(1024);
  private x = new BigInt64Array(1024);
  private rowCount = 0;

  append(meterIndex: number, tMs: bigint, importMWh: bigint, exportMWh: bigint): void {
    if (this.rowCount === this.t.length) this.grow();
    const row = this.rowCount++;
    this.meter[row] = meterIndex;
    this.t[row] = tMs;
    this.i[row] = importMWh;
    this.x[row] = exportMWh;
  }

  finish(meterIds: string[]): ReadingChunk {
    const rowCount = this.rowCount;
    return {
      meterIds,
      columns: {
        meter: this.meter.slice(0, rowCount),
        t: this.t.slice(0, rowCount),
        i: this.i.slice(0, rowCount),
        x: this.x.slice(0, rowCount),
      },
    };
  }

  private grow(): void {
    const capacity = this.t.length * 2;
    this.meter = grown(this.meter, new Uint32Array(capacity));
    this.t = grown(this.t, new BigInt64Array(capacity));
    this.i = grown(this.i, new BigInt64Array(capacity));
    this.x = grown(this.x, new BigInt64Array(capacity));
  }
}

function grown<Column extends Uint32Array | BigInt64Array>(column: Column, larger: Column): Column {
  (larger as { set(source: Column): void }).set(column);
  return larger;
}
