// SPEC §6 batch bodies → typed reading columns. Pure and store-free: it
// decides the batch errors and the frame codes `invalid` and `future`; the
// route adds the codes that need the store (see docs/ingest.md).
import { idFault } from '../ids.js';
import { READING_TIME_MS_MAX_EXCLUSIVE, REGISTER_MWH_MAX_EXCLUSIVE } from '../limits.js';
import { invalidBatch, type DecodeFrameCode, type RejectedFrame } from './errors.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './ingest-limits.js';
import { parseBatchBody, type BodyFormat } from './parse-body.js';
import { columnReader, NO_EXPORT_REGISTER, rowExportReader, wireInteger, type IntegerReader } from './wire-columns.js';

/** The column layout of SPEC §7 `aggregateColumns`: `x[k] = −1` means no export register. */
export interface ReadingColumns {
  meter: Uint32Array;
  t: BigInt64Array;
  i: BigInt64Array;
  x: BigInt64Array;
}

export interface DecodedBatch {
  seq: number;
  format: BodyFormat;
  /** Frames in the batch as sent: `frames.t.length + rejected.length`. */
  frameCount: number;
  /** Distinct meter ids of the frames kept, in order of first appearance; `frames.meter[r]` indexes it. */
  meterIds: string[];
  /** Only the frames that passed every check here, compacted, in batch order. */
  frames: ReadingColumns;
  /** Row r of `frames` is frame `sourceIndex[r]` of the batch as sent. */
  sourceIndex: Uint32Array;
  /** Frames refused here, ascending by index; none of them is in `frames`. */
  rejected: Array<RejectedFrame<DecodeFrameCode>>;
}

/** One batch in either shape, reduced to per-frame readers. */
interface WireBatch {
  frameCount: number;
  meterIdValues: readonly unknown[];
  t: IntegerReader;
  i: IntegerReader;
  x: IntegerReader;
}

type PlainRecord = Record<string, unknown>;

function isPlainRecord(value: unknown): value is PlainRecord {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Decodes and checks one batch. Throws `BatchError` for a batch error
 * (nothing of it may be stored); otherwise every frame is either in
 * `frames` or in `rejected`.
 */
export function decodeBatch(
  body: Uint8Array,
  contentType: string | undefined,
  nowMs: number,
  limits: Readonly<IngestLimits> = DEFAULT_INGEST_LIMITS,
): DecodedBatch {
  const { format, value } = parseBatchBody(body, contentType, limits);
  if (!isPlainRecord(value)) throw invalidBatch('the body must be a map {v, seq, frames | cols}');
  if (value.v !== 1) throw invalidBatch(`v must be 1, got ${describeValue(value.v)}`);
  const seq = value.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw invalidBatch(`seq must be a non-negative safe integer, got ${describeValue(seq)}`);
  }
  const hasRows = value.frames !== undefined;
  const hasColumns = value.cols !== undefined;
  if (hasRows === hasColumns) throw invalidBatch('the body must have exactly one of frames and cols');
  const wire = hasRows ? rowBatch(value.frames, limits) : columnarBatch(value.cols, limits);
  return { seq, format, frameCount: wire.frameCount, ...checkFrames(wire, nowMs, limits) };
}

function assertFrameCount(frameCount: number, limits: Readonly<IngestLimits>): void {
  if (frameCount === 0) throw invalidBatch('the batch has no frames');
  if (frameCount > limits.framesPerBatchMax) {
    throw invalidBatch(`INGEST_FRAMES_PER_BATCH_MAX: ${frameCount} frames (limit ${limits.framesPerBatchMax})`);
  }
}

function rowBatch(frames: unknown, limits: Readonly<IngestLimits>): WireBatch {
  if (!Array.isArray(frames)) throw invalidBatch('frames must be an array of maps {m, t, i, x?}');
  assertFrameCount(frames.length, limits);
  const frameCount = frames.length;
  const meterIdValues = new Array<unknown>(frameCount);
  const timeValues = new Array<unknown>(frameCount);
  const importValues = new Array<unknown>(frameCount);
  const exportValues = new Array<unknown>(frameCount);
  for (let k = 0; k < frameCount; k++) {
    const frame: unknown = frames[k];
    if (!isPlainRecord(frame)) throw invalidBatch(`frames[${k}] must be a map {m, t, i, x?}`);
    meterIdValues[k] = frame.m;
    timeValues[k] = frame.t;
    importValues[k] = frame.i;
    exportValues[k] = frame.x;
  }
  return {
    frameCount,
    meterIdValues,
    t: (k) => wireInteger(timeValues[k]),
    i: (k) => wireInteger(importValues[k]),
    x: rowExportReader(exportValues),
  };
}

function columnarBatch(cols: unknown, limits: Readonly<IngestLimits>): WireBatch {
  if (!isPlainRecord(cols)) throw invalidBatch('cols must be a map {m, t, i, x?}');
  const meterIdValues = cols.m;
  if (!Array.isArray(meterIdValues)) throw invalidBatch('cols.m must be an array of meter ids');
  const frameCount = meterIdValues.length;
  assertFrameCount(frameCount, limits);
  return {
    frameCount,
    meterIdValues,
    t: columnReader(cols.t, 't', frameCount),
    i: columnReader(cols.i, 'i', frameCount),
    x: cols.x === undefined ? () => NO_EXPORT_REGISTER : columnReader(cols.x, 'x', frameCount),
  };
}

/** The frame's meter id, or null when it breaks the id grammar (host/ids.ts): that frame is `invalid`. */
function meterIdOf(value: unknown, seen: ReadonlyMap<string, number>, limits: Readonly<IngestLimits>): string | null {
  if (typeof value !== 'string') return null;
  // An id seen before in this batch passed the grammar.
  return seen.has(value) || idFault(value, limits.meterIdLengthMax) === null ? value : null;
}

/**
 * SPEC §1 ranges: registers 0 ≤ v < 2^53 (x may also be −1), times
 * 0 ≤ t < year 10000. `invalid` is decided before `future`.
 */
function frameCodeOf(
  tMs: bigint | null,
  importMWh: bigint | null,
  exportMWh: bigint | null,
  futureLimitMs: bigint,
): DecodeFrameCode | null {
  if (tMs === null || tMs < 0n || tMs >= READING_TIME_MS_MAX_EXCLUSIVE) return 'invalid';
  if (importMWh === null || importMWh < 0n || importMWh >= REGISTER_MWH_MAX_EXCLUSIVE) return 'invalid';
  if (exportMWh === null || exportMWh < NO_EXPORT_REGISTER || exportMWh >= REGISTER_MWH_MAX_EXCLUSIVE) return 'invalid';
  if (tMs > futureLimitMs) return 'future';
  return null;
}

function checkFrames(
  wire: WireBatch,
  nowMs: number,
  limits: Readonly<IngestLimits>,
): Pick<DecodedBatch, 'meterIds' | 'frames' | 'sourceIndex' | 'rejected'> {
  const { frameCount } = wire;
  const futureLimitMs = BigInt(nowMs) + BigInt(limits.clockSkewMs);
  const meterIndexById = new Map<string, number>();
  const meterIds: string[] = [];
  const frames: ReadingColumns = {
    meter: new Uint32Array(frameCount),
    t: new BigInt64Array(frameCount),
    i: new BigInt64Array(frameCount),
    x: new BigInt64Array(frameCount),
  };
  const sourceIndex = new Uint32Array(frameCount);
  const rejected: Array<RejectedFrame<DecodeFrameCode>> = [];
  let keptCount = 0;
  for (let k = 0; k < frameCount; k++) {
    const meterId = meterIdOf(wire.meterIdValues[k], meterIndexById, limits);
    const tMs = wire.t(k);
    const importMWh = wire.i(k);
    const exportMWh = wire.x(k);
    const code = meterId === null ? 'invalid' : frameCodeOf(tMs, importMWh, exportMWh, futureLimitMs);
    if (code !== null) {
      rejected.push({ index: k, code });
      continue;
    }
    let meterIndex = meterIndexById.get(meterId!);
    if (meterIndex === undefined) {
      meterIndex = meterIds.push(meterId!) - 1;
      meterIndexById.set(meterId!, meterIndex);
    }
    frames.meter[keptCount] = meterIndex;
    frames.t[keptCount] = tMs!;
    frames.i[keptCount] = importMWh!;
    frames.x[keptCount] = exportMWh!;
    sourceIndex[keptCount] = k;
    keptCount++;
  }
  // SPEC §6: every frame is either stored or listed in `rejected`.
  if (keptCount + rejected.length !== frameCount) throw new Error('ingest decode lost a frame');
  if (keptCount === frameCount) return { meterIds, frames, sourceIndex, rejected };
  return { meterIds, frames: compactColumns(frames, keptCount), sourceIndex: sourceIndex.slice(0, keptCount), rejected };
}

function compactColumns(frames: ReadingColumns, keptCount: number): ReadingColumns {
  return {
    meter: frames.meter.slice(0, keptCount),
    t: frames.t.slice(0, keptCount),
    i: frames.i.slice(0, keptCount),
    x: frames.x.slice(0, keptCount),
  };
}

/** A short, safe rendering of an offending value for an error message. */
function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `${value}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Uint8Array) return `a bin of ${value.byteLength} bytes`;
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return String(value);
  return 'a map';
}
