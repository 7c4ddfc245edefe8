// Aggregation of meters that carry their own power rating (SPEC §1
// `maxPowerW`, per meter). The kernel takes one `maxPowerW` per call, so the
// meters are grouped by rating, each group aggregated in one call, and the
// groups' rows merged back into the column form's order (meter index, then
// start). A meter's output does not depend on the other meters of its call,
// so the result equals one call per meter at that meter's rating.
import {
  aggregateColumns, resolveAggregationOptions, type AggregationOptions, type IntervalColumns, type ReadingColumns, type UnassignedColumnEntry,
} from './aggregate.js';

export interface RatedAggregationOptions {
  intervalMs?: number;
  maxGapMs?: number;
  /** A run-wide cap: a meter is aggregated at the lower of its own rating and this (configurable down, never up). */
  maxPowerWCap?: number;
}

/** `aggregateColumns` with meter `k` at `maxPowerWByMeter[k]` W (capped by `maxPowerWCap`). */
export function aggregateRatedColumns(
  columns: ReadingColumns, maxPowerWByMeter: ArrayLike<number>, options: RatedAggregationOptions = {},
): IntervalColumns {
  const { intervalMs, maxGapMs, maxPowerWCap } = options;
  const cap = maxPowerWCap === undefined ? Infinity : resolveAggregationOptions({ maxPowerW: maxPowerWCap }).maxPowerW;
  const ratingOf = (meterIndex: number): number => Math.min(maxPowerWByMeter[meterIndex]!, cap);
  const groups = metersByRating(columns.meter, ratingOf);
  // Unsorted meter indexes go to the kernel whole, which reports them (a group alone could look sorted).
  if (groups.size <= 1 || !meterIndexesAscend(columns.meter)) {
    const [maxPowerW] = groups.keys();
    return aggregateColumns(columns, { intervalMs, maxGapMs, maxPowerW });
  }
  const parts = [...groups].map(([maxPowerW, meters]) => {
    const aggregated = aggregateColumns(selectMeters(columns, meters), { intervalMs, maxGapMs, maxPowerW } satisfies AggregationOptions);
    return renumbered(aggregated, meters);
  });
  return merged(parts);
}

function meterIndexesAscend(meter: Uint32Array): boolean {
  for (let row = 1; row < meter.length; row++) if (meter[row]! < meter[row - 1]!) return false;
  return true;
}

/** The distinct meter indexes of the rows (ascending), grouped by rating. */
function metersByRating(meter: Uint32Array, ratingOf: (meterIndex: number) => number): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (let row = 0; row < meter.length; row++) {
    const meterIndex = meter[row]!;
    if (row > 0 && meter[row - 1] === meterIndex) continue;
    const rating = ratingOf(meterIndex);
    const group = groups.get(rating);
    if (group === undefined) groups.set(rating, [meterIndex]);
    else if (group[group.length - 1] !== meterIndex) group.push(meterIndex);
  }
  return groups;
}

/** The rows of `meters` (ascending indexes), renumbered 0 … meters.length − 1 in the same order. */
function selectMeters(columns: ReadingColumns, meters: readonly number[]): ReadingColumns {
  const localIndex = new Map(meters.map((meterIndex, local) => [meterIndex, local]));
  const rows: number[] = [];
  for (let row = 0; row < columns.meter.length; row++) if (localIndex.has(columns.meter[row]!)) rows.push(row);
  const pick = <Column extends Uint32Array | BigInt64Array>(column: Column, make: (length: number) => Column): Column => {
    const picked = make(rows.length);
    rows.forEach((row, index) => { picked[index] = column[row]!; });
    return picked;
  };
  const meter = new Uint32Array(rows.length);
  rows.forEach((row, index) => { meter[index] = localIndex.get(columns.meter[row]!)!; });
  const bigints = (length: number): BigInt64Array => new BigInt64Array(length);
  return {
    meter, t: pick(columns.t, bigints), i: pick(columns.i, bigints),
    ...(columns.x === undefined ? {} : { x: pick(columns.x, bigints) }),
  };
}

function renumbered(aggregated: IntervalColumns, meters: readonly number[]): IntervalColumns {
  const meter = aggregated.meter.map((local) => meters[local]!);
  const unassigned = aggregated.unassigned.map((entry): UnassignedColumnEntry => ({ ...entry, meter: meters[entry.meter]! }));
  return { ...aggregated, meter, unassigned };
}

/** One column set from parts whose meters are disjoint, rows ordered by meter index then start (each part already is). */
function merged(parts: readonly IntervalColumns[]): IntervalColumns {
  const runs: Array<{ part: IntervalColumns; first: number; end: number }> = [];
  for (const part of parts) {
    let first = 0;
    while (first < part.meter.length) {
      let end = first + 1;
      while (end < part.meter.length && part.meter[end] === part.meter[first]) end++;
      runs.push({ part, first, end });
      first = end;
    }
  }
  runs.sort((a, b) => a.part.meter[a.first]! - b.part.meter[b.first]!);
  const rowCount = runs.reduce((sum, run) => sum + run.end - run.first, 0);
  const out: IntervalColumns = {
    meter: new Uint32Array(rowCount), start: new BigInt64Array(rowCount), imp: new BigInt64Array(rowCount),
    exp: new BigInt64Array(rowCount), flags: new Uint8Array(rowCount), unassigned: [],
  };
  let at = 0;
  for (const { part, first, end } of runs) {
    for (const column of ['meter', 'start', 'imp', 'exp', 'flags'] as const) {
      (out[column] as { set(source: ArrayLike<number | bigint>, offset: number): void }).set(part[column].subarray(first, end), at);
    }
    at += end - first;
  }
  // Each meter's entries are in one part, already in SPEC §2 order; a stable sort by meter keeps it.
  out.unassigned = parts.flatMap((part) => part.unassigned).sort((a, b) => a.meter - b.meter);
  return out;
}
