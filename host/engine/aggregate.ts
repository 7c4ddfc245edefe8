// Interval aggregation (SPEC §2, §7): the JSON form and the column form.
// The column form copies the typed arrays into linear memory once, runs the
// kernel (assembly/aggregate.ts) and copies the results out; the JSON form
// validates, maps meter ids to dense indexes, sorts and calls it.
import { Arena, kernelConstant, kernels, withKernelMemory } from './wasm.js';
import { GridsettleError, invalidInput, limitExceeded } from '../errors.js';
import { REGISTER_RANGE, TIME_RANGE, boundedInteger, checkIntervalMs } from '../integer-input.js';
import {
  AGGREGATION_READINGS_MAX, AGGREGATION_ROWS_MAX, AGGREGATION_UNASSIGNED_MAX, MAX_GAP_MS_DEFAULT, MAX_GAP_MS_MAX,
  MAX_GAP_MS_MIN, MAX_POWER_W_DEFAULT, MAX_POWER_W_MAX, MAX_POWER_W_MIN, READING_TIME_MS_MAX_EXCLUSIVE,
} from '../limits.js';
import { safeNumber } from '../exact.js';

export interface AggregationOptions {
  intervalMs?: number;
  maxPowerW?: number;
  maxGapMs?: number;
}
export interface Reading {
  m: string;
  t: number;
  i: number;
  x?: number;
}
export interface AggregateInput extends AggregationOptions {
  readings: Reading[];
}
export type Channel = 'import' | 'export';
export type UnassignedReason = 'gap' | 'spike';
export interface IntervalRow {
  m: string;
  start: number;
  imp: number;
  exp: number;
  flags: number;
}
export interface UnassignedEntry {
  m: string;
  channel: Channel;
  from: number;
  to: number;
  mwh: number;
  reason: UnassignedReason;
}
export interface AggregateOutput {
  intervals: IntervalRow[];
  unassigned: UnassignedEntry[];
}
/** Readings sorted by meter index, then t; `x[k] = -1` marks no export register. */
export interface ReadingColumns {
  meter: Uint32Array;
  t: BigInt64Array;
  i: BigInt64Array;
  x?: BigInt64Array;
}
export interface UnassignedColumnEntry {
  meter: number;
  channel: Channel;
  from: bigint;
  to: bigint;
  mwh: bigint;
  reason: UnassignedReason;
}
export interface IntervalColumns {
  meter: Uint32Array;
  start: BigInt64Array;
  imp: BigInt64Array;
  exp: BigInt64Array;
  flags: Uint8Array;
  unassigned: UnassignedColumnEntry[];
}
export type ResolvedAggregationOptions = Required<AggregationOptions>;

// Parameter-block slots (docs/wasm-aggregate.md).
const SLOT_COUNT = 34;
const SLOT_ROW_COUNT = 29;
const SLOT_UNASSIGNED_COUNT = 30;
const SLOT_SCRATCH_ROWS_NEEDED = 31;
const SLOT_SCRATCH_UNASSIGNED_NEEDED = 32;
const SLOT_ERROR_INDEX = 33;
/** Scratch holds one meter's export rows; most meters need far fewer. */
const SCRATCH_ROWS_INITIAL_MAX = 65_536;

/** Checks and defaults `intervalMs`, `maxPowerW` and `maxGapMs` (SPEC §1). */
export function resolveAggregationOptions(options: AggregationOptions = {}): ResolvedAggregationOptions {
  if (typeof options !== 'object' || options === null) throw invalidInput('aggregation options must be an object');
  return {
    intervalMs: checkIntervalMs(options.intervalMs),
    maxPowerW: options.maxPowerW === undefined ? MAX_POWER_W_DEFAULT : boundedInteger(options.maxPowerW, 'maxPowerW', {
      min: MAX_POWER_W_MIN, minName: 'MAX_POWER_W_MIN', max: MAX_POWER_W_MAX, maxName: 'MAX_POWER_W_MAX',
    }),
    maxGapMs: options.maxGapMs === undefined ? MAX_GAP_MS_DEFAULT : boundedInteger(options.maxGapMs, 'maxGapMs', {
      min: MAX_GAP_MS_MIN, minName: 'MAX_GAP_MS_MIN', max: MAX_GAP_MS_MAX, maxName: 'MAX_GAP_MS_MAX',
    }),
  };
}

/** SPEC §7 `aggregateColumns`: bigint columns in, copied bigint columns out. */
export function aggregateColumns(columns: ReadingColumns, options?: AggregationOptions): IntervalColumns {
  const describe = (index: number): string => `reading ${index} (meter ${columns.meter[index]}, t ${columns.t[index]})`;
  return aggregateDescribed(columns, resolveAggregationOptions(options), describe);
}

/** Output capacities of one aggregation call: rows, scratch rows, unassigned entries, scratch entries. */
export interface AggregationCapacities {
  rows: number;
  scratchRows: number;
  unassigned: number;
  scratchUnassigned: number;
}

function aggregateDescribed(
  columns: ReadingColumns,
  options: ResolvedAggregationOptions,
  describe: (index: number) => string,
): IntervalColumns {
  const readingCount = checkColumnShapes(columns);
  const rows = Math.min(readingCount + 16, AGGREGATION_ROWS_MAX);
  const unassigned = Math.min(Math.ceil(readingCount / 8) + 16, AGGREGATION_UNASSIGNED_MAX);
  let capacities: AggregationCapacities = {
    rows, scratchRows: Math.min(rows, SCRATCH_ROWS_INITIAL_MAX), unassigned, scratchUnassigned: unassigned,
  };
  return withKernelMemory(() => {
    for (let attempt = 0; ; attempt++) {
      // The same reservations give the same addresses: a rerun finds the
      // input where the first call copied it and reuses the output memory.
      const arena = new Arena();
      const { paramsPtr, inputSlots, outputSlots } = reserveAggregation(arena, readingCount, columns.x !== undefined, capacities);
      arena.commit();
      if (attempt === 0) copyInput(arena, inputSlots, columns);
      const slots = arena.i64(paramsPtr, SLOT_COUNT);
      slots.set([readingCount, ...inputSlots, ...optionSlots(options), ...outputSlots].map(BigInt));
      const status = (kernels().aggregateIntervals as (block: number) => number)(paramsPtr);
      if (status === kernelConstant('AGGREGATE_OK')) return readOutput(arena, slots, outputSlots);
      if (status !== kernelConstant('AGGREGATE_CAPACITY')) throw kernelError(status, safeNumber(slots[SLOT_ERROR_INDEX], 'SLOT_ERROR_INDEX'), describe);
      if (attempt > 0) throw new Error('aggregateIntervals: capacity still short after resizing');
      capacities = {
        rows: neededCapacity(slots[SLOT_ROW_COUNT], capacities.rows, 'AGGREGATION_ROWS_MAX', AGGREGATION_ROWS_MAX),
        scratchRows: neededCapacity(slots[SLOT_SCRATCH_ROWS_NEEDED], capacities.scratchRows, 'AGGREGATION_ROWS_MAX', AGGREGATION_ROWS_MAX),
        unassigned: neededCapacity(slots[SLOT_UNASSIGNED_COUNT], capacities.unassigned, 'AGGREGATION_UNASSIGNED_MAX', AGGREGATION_UNASSIGNED_MAX),
        scratchUnassigned: neededCapacity(
          slots[SLOT_SCRATCH_UNASSIGNED_NEEDED], capacities.scratchUnassigned, 'AGGREGATION_UNASSIGNED_MAX', AGGREGATION_UNASSIGNED_MAX,
        ),
      };
    }
  });
}

// The whole layout of one call: parameter block, input columns, output and scratch regions.
function reserveAggregation(arena: Arena, readingCount: number, hasExport: boolean, capacities: AggregationCapacities) {
  const paramsPtr = arena.reserve(SLOT_COUNT * 8);
  const inputSlots = reserveInput(arena, readingCount, hasExport);
  const outputSlots = reserveOutput(arena, capacities.rows, capacities.scratchRows, capacities.unassigned, capacities.scratchUnassigned);
  return { paramsPtr, inputSlots, outputSlots };
}

/** Linear memory (bytes from 0) one aggregation call with these counts lays out; for the limit tests. */
export function aggregationMemoryBytes(readingCount: number, hasExport: boolean, capacities: AggregationCapacities): number {
  const arena = new Arena();
  reserveAggregation(arena, readingCount, hasExport, capacities);
  return arena.end;
}

function neededCapacity(needed: bigint, current: number, limitName: string, limit: number): number {
  if (needed > BigInt(limit)) throw limitExceeded(limitName, `the readings produce ${needed} outputs, more than ${limit}`);
  return Math.max(safeNumber(needed, 'needed'), current);
}

function checkColumnShapes(columns: ReadingColumns): number {
  if (typeof columns !== 'object' || columns === null) throw invalidInput('columns must be an object');
  const { meter, t, i, x } = columns;
  if (!(meter instanceof Uint32Array)) throw invalidInput('columns.meter must be a Uint32Array');
  if (!(t instanceof BigInt64Array) || !(i instanceof BigInt64Array)) throw invalidInput('columns.t and columns.i must be BigInt64Arrays');
  if (x !== undefined && !(x instanceof BigInt64Array)) throw invalidInput('columns.x must be a BigInt64Array when present');
  const count = meter.length;
  if (t.length !== count || i.length !== count || (x !== undefined && x.length !== count)) {
    throw invalidInput('columns meter, t, i (and x) must have the same length');
  }
  if (count > AGGREGATION_READINGS_MAX) throw limitExceeded('AGGREGATION_READINGS_MAX', `${count} readings, more than ${AGGREGATION_READINGS_MAX}`);
  return count;
}

// Slots 1–4: meter, t, i, x pointers (x 0 when absent).
function reserveInput(arena: Arena, count: number, hasExport: boolean): number[] {
  return [arena.reserve(count * 4), arena.reserve(count * 8), arena.reserve(count * 8), hasExport ? arena.reserve(count * 8) : 0];
}

function copyInput(arena: Arena, [meterPtr, timePtr, importPtr, exportPtr]: number[], columns: ReadingColumns): void {
  const count = columns.meter.length;
  arena.u32(meterPtr!, count).set(columns.meter);
  arena.i64(timePtr!, count).set(columns.t);
  arena.i64(importPtr!, count).set(columns.i);
  if (columns.x !== undefined) arena.i64(exportPtr!, count).set(columns.x);
}

// Slots 5–7.
function optionSlots(options: ResolvedAggregationOptions): number[] {
  return [options.intervalMs, options.maxPowerW, options.maxGapMs];
}

// Slots 8–28: for each region its capacity then its column pointers.
function reserveOutput(arena: Arena, rows: number, scratchRows: number, entries: number, scratchEntries: number): number[] {
  const rowRegion = [rows, arena.reserve(rows * 4), arena.reserve(rows * 8), arena.reserve(rows * 8), arena.reserve(rows * 8), arena.reserve(rows)];
  const scratchRowRegion = [scratchRows, arena.reserve(scratchRows * 8), arena.reserve(scratchRows * 8), arena.reserve(scratchRows)];
  const entryRegion = [entries, arena.reserve(entries * 4), ...reserveEntryColumns(arena, entries)];
  const scratchEntryRegion = [scratchEntries, ...reserveEntryColumns(arena, scratchEntries)];
  return [...rowRegion, ...scratchRowRegion, ...entryRegion, ...scratchEntryRegion];
}

function reserveEntryColumns(arena: Arena, entries: number): number[] {
  return [arena.reserve(entries * 8), arena.reserve(entries * 8), arena.reserve(entries * 8), arena.reserve(entries)];
}

// Copies (slice) the results out: the next call reuses this memory.
function readOutput(arena: Arena, slots: BigInt64Array, outputSlots: number[]): IntervalColumns {
  const rowCount = safeNumber(slots[SLOT_ROW_COUNT], 'SLOT_ROW_COUNT');
  const [, meterPtr, startPtr, importPtr, exportPtr, flagsPtr] = outputSlots as [number, number, number, number, number, number];
  const entrySlots = outputSlots.slice(10, 16) as [number, number, number, number, number, number];
  return {
    meter: arena.u32(meterPtr, rowCount).slice(),
    start: arena.i64(startPtr, rowCount).slice(),
    imp: arena.i64(importPtr, rowCount).slice(),
    exp: arena.i64(exportPtr, rowCount).slice(),
    flags: arena.u8(flagsPtr, rowCount).slice(),
    unassigned: readEntries(arena, safeNumber(slots[SLOT_UNASSIGNED_COUNT], 'SLOT_UNASSIGNED_COUNT'), entrySlots),
  };
}

function readEntries(arena: Arena, count: number, [, meterPtr, fromPtr, toPtr, energyPtr, kindPtr]: number[]): UnassignedColumnEntry[] {
  const meter = arena.u32(meterPtr!, count);
  const from = arena.i64(fromPtr!, count);
  const to = arena.i64(toPtr!, count);
  const energy = arena.i64(energyPtr!, count);
  const kind = arena.u8(kindPtr!, count);
  const entries: UnassignedColumnEntry[] = [];
  for (let index = 0; index < count; index++) {
    entries.push({
      meter: meter[index]!,
      channel: (kind[index]! & 1) === 0 ? 'import' : 'export',
      from: from[index]!,
      to: to[index]!,
      mwh: energy[index]!,
      reason: (kind[index]! & 2) === 0 ? 'gap' : 'spike',
    });
  }
  return entries;
}

// Kernel status codes by their exported names (docs/wasm-aggregate.md).
const READING_ERRORS: Record<string, (where: string) => GridsettleError> = {
  AGGREGATE_TIME_NEGATIVE: (where) => invalidInput(`${where}: t is negative`),
  AGGREGATE_TIME_TOO_LARGE: (where) => limitExceeded('READING_TIME_MS_MAX_EXCLUSIVE', `${where}: t must be below ${READING_TIME_MS_MAX_EXCLUSIVE}`),
  AGGREGATE_IMPORT_NEGATIVE: (where) => invalidInput(`${where}: import register i is negative`),
  AGGREGATE_IMPORT_TOO_LARGE: (where) => limitExceeded('REGISTER_MWH_MAX_EXCLUSIVE', `${where}: import register i must be below 2^53`),
  AGGREGATE_EXPORT_NEGATIVE: (where) => invalidInput(`${where}: export register x is negative (only -1 marks a reading without one)`),
  AGGREGATE_EXPORT_TOO_LARGE: (where) => limitExceeded('REGISTER_MWH_MAX_EXCLUSIVE', `${where}: export register x must be below 2^53`),
  AGGREGATE_UNSORTED: (where) => invalidInput(`${where}: readings must be sorted by meter index, then t`),
  AGGREGATE_DUPLICATE_CONFLICT: (where) => invalidInput(`${where}: another reading of the same meter and t has different registers`),
};


function kernelError(status: number, index: number, describe: (index: number) => string): GridsettleError {
  const name = Object.keys(READING_ERRORS).find((candidate) => kernelConstant(candidate) === status);
  if (name === undefined) throw new Error(`aggregateIntervals: unexpected status ${status}`);
  return READING_ERRORS[name]!(describe(index));
}

/** SPEC §7 `aggregate`: the JSON shapes of `gridsettle aggregate`. */
export function aggregate(input: unknown): AggregateOutput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalidInput('input must be an object');
  const { readings, intervalMs, maxPowerW, maxGapMs } = input as Record<string, unknown>;
  const options = resolveAggregationOptions({ intervalMs, maxPowerW, maxGapMs } as AggregationOptions);
  if (!Array.isArray(readings)) throw invalidInput('readings must be an array');
  if (readings.length > AGGREGATION_READINGS_MAX) {
    throw limitExceeded('AGGREGATION_READINGS_MAX', `${readings.length} readings, more than ${AGGREGATION_READINGS_MAX}`);
  }
  readings.forEach(checkReading);
  const valid = readings as Reading[];
  const meterIds = [...new Set(valid.map((reading) => reading.m))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const meterIndex = new Map(meterIds.map((id, index) => [id, index]));
  const meterOf = valid.map((reading) => meterIndex.get(reading.m)!);
  const order = valid.map((_, index) => index);
  order.sort((a, b) => meterOf[a]! - meterOf[b]! || valid[a]!.t - valid[b]!.t);
  const columns = sortedColumns(valid, order, meterOf);
  const describe = (index: number): string => {
    const reading = valid[order[index]!]!;
    return `readings[${order[index]}] (m ${JSON.stringify(reading.m)}, t ${reading.t})`;
  };
  return toJson(aggregateDescribed(columns, options, describe), meterIds);
}

function sortedColumns(readings: Reading[], order: number[], meterOf: number[]): ReadingColumns {
  const count = readings.length;
  const columns = { meter: new Uint32Array(count), t: new BigInt64Array(count), i: new BigInt64Array(count), x: new BigInt64Array(count) };
  order.forEach((original, index) => {
    const reading = readings[original]!;
    columns.meter[index] = meterOf[original]!;
    columns.t[index] = BigInt(reading.t);
    columns.i[index] = BigInt(reading.i);
    columns.x[index] = reading.x === undefined ? -1n : BigInt(reading.x);
  });
  return columns;
}

function checkReading(reading: unknown, index: number): void {
  if (typeof reading !== 'object' || reading === null || Array.isArray(reading)) throw invalidInput(`readings[${index}] must be an object`);
  const { m, t, i, x } = reading as Record<string, unknown>;
  if (typeof m !== 'string' || m.length === 0) throw invalidInput(`readings[${index}].m must be a non-empty string`);
  const where = `readings[${index}] (m ${JSON.stringify(m)})`;
  boundedInteger(t, `${where}: t`, TIME_RANGE);
  boundedInteger(i, `${where}: i`, REGISTER_RANGE);
  if (x !== undefined) boundedInteger(x, `${where}: x`, REGISTER_RANGE);
}

function toJson(result: IntervalColumns, meterIds: string[]): AggregateOutput {
  const intervals: IntervalRow[] = [];
  for (let row = 0; row < result.meter.length; row++) {
    intervals.push({
      m: meterIds[result.meter[row]!]!,
      start: safeNumber(result.start[row]!, 'interval start'),
      imp: safeNumber(result.imp[row]!, 'interval import'),
      exp: safeNumber(result.exp[row]!, 'interval export'),
      flags: result.flags[row]!,
    });
  }
  const unassigned = result.unassigned.map((entry) => ({
    m: meterIds[entry.meter]!,
    channel: entry.channel,
    from: safeNumber(entry.from, 'from'),
    to: safeNumber(entry.to, 'to'),
    mwh: safeNumber(entry.mwh, 'mwh'),
    reason: entry.reason,
  }));
  return { intervals, unassigned };
}
