// Plain exact reference for interval aggregation (SPEC §2), in bigint and
// straight from the SPEC's words. Used only by tests and benchmarks to hold
// the WASM kernel to; speed is not a goal here.
import { invalidInput, limitExceeded } from '../errors.js';
import { floorDiv } from '../exact.js';
import { READING_TIME_MS_MAX_EXCLUSIVE, REGISTER_MWH_MAX_EXCLUSIVE } from '../limits.js';
import {
  resolveAggregationOptions,
  type AggregationOptions,
  type Channel,
  type IntervalColumns,
  type ReadingColumns,
  type UnassignedColumnEntry,
} from '../engine/aggregate.js';

const ESTIMATED = 1;
const RESET = 2;
const SPIKE = 4;
const GAP = 8;

interface Row {
  imp: bigint;
  exp: bigint;
  flags: number;
}
interface Point {
  t: bigint;
  v: bigint;
}

export function aggregateColumnsReference(columns: ReadingColumns, options?: AggregationOptions): IntervalColumns {
  const resolved = resolveAggregationOptions(options);
  const intervalMs = BigInt(resolved.intervalMs);
  const maxPowerW = BigInt(resolved.maxPowerW);
  const maxGapMs = BigInt(resolved.maxGapMs);
  validate(columns);

  const out = { meter: [] as number[], start: [] as bigint[], imp: [] as bigint[], exp: [] as bigint[], flags: [] as number[] };
  const unassigned: UnassignedColumnEntry[] = [];
  for (const [meter, indexes] of groupByMeter(columns)) {
    const rows = new Map<bigint, Row>();
    const meterUnassigned: UnassignedColumnEntry[] = [];
    for (const channel of ['import', 'export'] as const) {
      const points = channelPoints(columns, indexes, channel);
      for (let p = 1; p < points.length; p++) {
        const a = points[p - 1]!;
        const b = points[p]!;
        const dt = b.t - a.t;
        const d = b.v - a.v;
        const row = (k: bigint): Row => {
          if (!rows.has(k)) rows.set(k, { imp: 0n, exp: 0n, flags: 0 });
          return rows.get(k)!;
        };
        const lastK = floorDiv(b.t - 1n, intervalMs);
        let reason: 'gap' | 'spike' | undefined;
        if (d < 0n) {
          row(lastK).flags |= RESET;
        } else if (dt > maxGapMs) {
          row(lastK).flags |= GAP;
          reason = 'gap';
        } else if (d * 3600n > maxPowerW * dt) {
          row(lastK).flags |= SPIKE;
          reason = 'spike';
        } else {
          const energyAt = (u: bigint): bigint => (d * (u - a.t)) / dt; // all non-negative: floor
          for (let k = floorDiv(a.t, intervalMs); k <= lastK; k++) {
            const from = a.t > k * intervalMs ? a.t : k * intervalMs;
            const to = b.t < (k + 1n) * intervalMs ? b.t : (k + 1n) * intervalMs;
            const target = row(k);
            const energy = energyAt(to) - energyAt(from);
            if (channel === 'import') target.imp += energy;
            else target.exp += energy;
            if (dt > intervalMs) target.flags |= ESTIMATED;
          }
        }
        if (reason !== undefined) meterUnassigned.push({ meter, channel, from: a.t, to: b.t, mwh: d, reason });
      }
    }
    for (const k of [...rows.keys()].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))) {
      const row = rows.get(k)!;
      out.meter.push(meter);
      out.start.push(k * intervalMs);
      out.imp.push(row.imp);
      out.exp.push(row.exp);
      out.flags.push(row.flags);
    }
    meterUnassigned.sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : channelRank(x.channel) - channelRank(y.channel)));
    unassigned.push(...meterUnassigned);
  }
  return {
    meter: Uint32Array.from(out.meter),
    start: BigInt64Array.from(out.start),
    imp: BigInt64Array.from(out.imp),
    exp: BigInt64Array.from(out.exp),
    flags: Uint8Array.from(out.flags),
    unassigned,
  };
}

function channelRank(channel: Channel): number {
  return channel === 'import' ? 0 : 1;
}

// Checks every reading in order: ranges (t, i, x), then sort order, then duplicates.
function validate(columns: ReadingColumns): void {
  const { meter, t, i, x } = columns;
  if (t.length !== meter.length || i.length !== meter.length || (x !== undefined && x.length !== meter.length)) {
    throw invalidInput('columns meter, t, i (and x) must have the same length');
  }
  for (let k = 0; k < meter.length; k++) {
    const where = `reading ${k}`;
    const exportMWh = x === undefined ? -1n : x[k]!;
    if (t[k]! < 0n) throw invalidInput(`${where}: t is negative`);
    if (t[k]! >= READING_TIME_MS_MAX_EXCLUSIVE) throw limitExceeded('READING_TIME_MS_MAX_EXCLUSIVE', where);
    if (i[k]! < 0n) throw invalidInput(`${where}: i is negative`);
    if (i[k]! >= REGISTER_MWH_MAX_EXCLUSIVE) throw limitExceeded('REGISTER_MWH_MAX_EXCLUSIVE', where);
    if (exportMWh < -1n) throw invalidInput(`${where}: x is negative`);
    if (exportMWh >= REGISTER_MWH_MAX_EXCLUSIVE) throw limitExceeded('REGISTER_MWH_MAX_EXCLUSIVE', where);
    if (k === 0) continue;
    if (meter[k]! < meter[k - 1]! || (meter[k] === meter[k - 1] && t[k]! < t[k - 1]!)) throw invalidInput(`${where}: unsorted`);
    const sameInstant = meter[k] === meter[k - 1] && t[k] === t[k - 1];
    const previousExport = x === undefined ? -1n : x[k - 1]!;
    if (sameInstant && (i[k] !== i[k - 1] || exportMWh !== previousExport)) throw invalidInput(`${where}: conflicting duplicate`);
  }
}

function groupByMeter(columns: ReadingColumns): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  columns.meter.forEach((meter, index) => {
    if (!groups.has(meter)) groups.set(meter, []);
    groups.get(meter)!.push(index);
  });
  return groups;
}

// The channel's readings in t order, identical repeats counted once.
function channelPoints(columns: ReadingColumns, indexes: number[], channel: Channel): Point[] {
  const points: Point[] = [];
  for (const index of indexes) {
    const v = channel === 'import' ? columns.i[index]! : columns.x === undefined ? -1n : columns.x[index]!;
    if (v < 0n) continue;
    const t = columns.t[index]!;
    if (points.length > 0 && points[points.length - 1]!.t === t) continue;
    points.push({ t, v });
  }
  return points;
}
