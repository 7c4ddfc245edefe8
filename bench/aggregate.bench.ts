// Interval aggregation workload (SPEC §2): 2 000 meters × one day of readings
// at about one minute, with jitter, resets and spikes, some meters with an
// export register; `intervalMs` 900 000, through `aggregateColumns` with the
// copy in and out included.
import { Decimal } from 'decimal.js';
import { aggregateColumns, type IntervalColumns, type ReadingColumns } from '../host/engine/aggregate.js';
import { aggregateColumnsReference } from '../host/reference/aggregate.js';
import type { Workload } from './harness.js';
import { aggregateNumber, type NumberColumns, type NumberResult } from './variants/aggregate-number.js';
import { aggregateDecimal, type DecimalReading } from './variants/aggregate-decimal.js';
import { mulberry32 } from './random.js';

const METERS = 2_000;
/** decimal.js is timed on the first meters only (about 0.6 M readings/s). */
const DECIMAL_METERS = 20;
const DAY_START_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY_MS = 86_400_000;
const OPTIONS = { intervalMs: 900_000, maxPowerW: 250_000, maxGapMs: 2_678_400_000 };

// A value in 0 … below − 1 from the seeded generator.
function seededRandom(seed: number): (below: number) => number {
  const next = mulberry32(seed);
  return (below) => next() % below;
}

export function buildAggregationColumns(): ReadingColumns {
  const random = seededRandom(20_260_101);
  const meter: number[] = [];
  const t: bigint[] = [];
  const i: bigint[] = [];
  const x: bigint[] = [];
  for (let m = 0; m < METERS; m++) {
    const hasExport = random(10) < 3;
    let timeMs = DAY_START_MS + random(60_000);
    let importMWh = random(2_000_000_000);
    let exportMWh = random(500_000_000);
    while (timeMs < DAY_START_MS + DAY_MS) {
      meter.push(m);
      t.push(BigInt(timeMs));
      i.push(BigInt(importMWh));
      x.push(hasExport ? BigInt(exportMWh) : -1n);
      const stepMs = 50_000 + random(20_000); // 60 s ± 10 s
      const roll = random(10_000);
      // Up to 12 kW; a spike (~1 MW) or a register reset now and then.
      importMWh = roll < 3 ? random(1_000) : importMWh + Math.floor(((roll < 6 ? 1_000_000 : random(12_000)) * stepMs) / 3_600);
      if (hasExport) exportMWh += Math.floor((random(5_000) * stepMs) / 3_600);
      timeMs += stepMs;
    }
  }
  return { meter: Uint32Array.from(meter), t: BigInt64Array.from(t), i: BigInt64Array.from(i), x: BigInt64Array.from(x) };
}

function toNumberColumns(columns: ReadingColumns): NumberColumns {
  return { meter: columns.meter, t: Float64Array.from(columns.t, Number), i: Float64Array.from(columns.i, Number), x: Float64Array.from(columns.x!, Number) };
}

function toDecimalReadings(columns: ReadingColumns, count: number): DecimalReading[] {
  const readings: DecimalReading[] = [];
  for (let k = 0; k < count; k++) {
    const exportMWh = columns.x![k]!;
    readings.push({ meter: columns.meter[k]!, t: new Decimal(columns.t[k]!.toString()), i: new Decimal(columns.i[k]!.toString()), x: exportMWh < 0n ? null : new Decimal(exportMWh.toString()) });
  }
  return readings;
}

function prefix(columns: ReadingColumns, count: number): ReadingColumns {
  return { meter: columns.meter.subarray(0, count), t: columns.t.subarray(0, count), i: columns.i.subarray(0, count), x: columns.x!.subarray(0, count) };
}

/** One string per row and per entry: the same text whatever the variant's number type. */
function canonical(result: unknown): string[] {
  if (result !== null && typeof result === 'object' && 'rows' in result) {
    const { rows, unassigned } = result as ReturnType<typeof aggregateDecimal>;
    return [
      ...rows.map((row) => `${row.meter} ${row.start.toFixed(0)} ${row.imp.toFixed(0)} ${row.exp.toFixed(0)} ${row.flags}`),
      ...unassigned.map((entry) => `u ${entry.meter} ${entry.channel} ${entry.from.toFixed(0)} ${entry.to.toFixed(0)} ${entry.mwh.toFixed(0)} ${entry.reason}`),
    ];
  }
  const columns = result as IntervalColumns | NumberResult;
  const lines: string[] = [];
  for (let row = 0; row < columns.meter.length; row++) {
    lines.push(`${columns.meter[row]} ${columns.start[row]} ${columns.imp[row]} ${columns.exp[row]} ${columns.flags[row]}`);
  }
  for (const entry of columns.unassigned) lines.push(`u ${entry.meter} ${entry.channel} ${entry.from} ${entry.to} ${entry.mwh} ${entry.reason}`);
  return lines;
}

export function buildAggregationWorkload(): Workload {
  const columns = buildAggregationColumns();
  const readingCount = columns.meter.length;
  const numberColumns = toNumberColumns(columns);
  const decimalCount = columns.meter.findIndex((meter) => meter >= DECIMAL_METERS);
  const decimalReadings = toDecimalReadings(columns, decimalCount);
  return {
    title: `interval aggregation (SPEC §2): ${METERS} meters × 1 day at ~1 min, intervalMs 900 000`,
    unit: 'readings',
    referenceName: 'exact reference (bigint)',
    variants: [
      { name: 'wasm (aggregateColumns)', run: () => aggregateColumns(columns, OPTIONS), unitsPerRun: readingCount, canonical },
      { name: 'js-number', run: () => aggregateNumber(numberColumns, OPTIONS), unitsPerRun: readingCount, canonical },
      { name: 'exact reference (bigint)', run: () => aggregateColumnsReference(columns, OPTIONS), unitsPerRun: readingCount, canonical },
      {
        name: `decimal.js (${DECIMAL_METERS} meters)`,
        run: () => aggregateDecimal(decimalReadings, OPTIONS),
        unitsPerRun: decimalCount,
        canonical,
        expected: canonical(aggregateColumnsReference(prefix(columns, decimalCount), OPTIONS)),
      },
    ],
    ratios: [
      ['wasm (aggregateColumns)', 'js-number', 2],
      ['wasm (aggregateColumns)', `decimal.js (${DECIMAL_METERS} meters)`, 400],
      ['wasm (aggregateColumns)', 'exact reference (bigint)', null],
    ],
  };
}
