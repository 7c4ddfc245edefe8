import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aggregate, aggregateColumns, type AggregationOptions, type ReadingColumns } from '../host/engine/aggregate.js';
import { aggregateColumnsReference } from '../host/reference/aggregate.js';
import { GridsettleError } from '../host/errors.js';

const DAY_MS = 86_400_000;
const TIME_MAX_EXCLUSIVE = 253_402_300_800_000;
const REGISTER_MAX_EXCLUSIVE = 2n ** 53n;

interface Step {
  stepMs: number;
  importDelta: bigint;
  exportDelta: bigint;
  exportPresent: boolean;
}
interface MeterSpec {
  startMs: number;
  importStart: bigint;
  exportStart: bigint;
  hasExport: boolean;
  steps: Step[];
}

const stepMsArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 1 }, // a duplicate
  { arbitrary: fc.constant(1), weight: 2 }, // Δt = 1 ms
  { arbitrary: fc.integer({ min: 1, max: 120_000 }), weight: 5 },
  { arbitrary: fc.constantFrom(60_000, 300_000, 900_000, 1_800_000, 3_600_000, DAY_MS), weight: 2 }, // Δt = I and friends
  { arbitrary: fc.integer({ min: 1, max: 4 * 3_600_000 }), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 40 * DAY_MS }), weight: 1 }, // spanning weeks
);
const deltaArb = fc.oneof(
  { arbitrary: fc.constant(0n), weight: 2 },
  { arbitrary: fc.bigInt(0n, 100_000n), weight: 6 },
  { arbitrary: fc.bigInt(0n, 10n ** 14n), weight: 2 }, // spikes, and the largest apportionable deltas
  { arbitrary: fc.bigInt(-(10n ** 9n), -1n), weight: 1 }, // a reset
);
const registerStartArb = fc.oneof(fc.bigInt(0n, 10n ** 9n), fc.bigInt(REGISTER_MAX_EXCLUSIVE - 10n ** 15n, REGISTER_MAX_EXCLUSIVE - 1n));
const meterArb: fc.Arbitrary<MeterSpec> = fc.record({
  startMs: fc.oneof(
    fc.integer({ min: 0, max: 2_000_000_000_000 }),
    fc.integer({ min: 0, max: 30_000_000 }).map((minutes) => minutes * 60_000), // on the grid
    fc.integer({ min: TIME_MAX_EXCLUSIVE - 200 * DAY_MS, max: TIME_MAX_EXCLUSIVE - 1 }),
  ),
  importStart: registerStartArb,
  exportStart: registerStartArb,
  hasExport: fc.boolean(),
  steps: fc.array(fc.record({ stepMs: stepMsArb, importDelta: deltaArb, exportDelta: deltaArb, exportPresent: fc.boolean() }), { maxLength: 14 }),
});
const optionsArb: fc.Arbitrary<AggregationOptions> = fc.record({
  intervalMs: fc.constantFrom(60_000, 300_000, 900_000, 3_600_000, DAY_MS),
  maxPowerW: fc.oneof(fc.constant(250_000), fc.constant(1), fc.constant(100_000_000), fc.integer({ min: 1, max: 100_000_000 })),
  maxGapMs: fc.oneof(fc.constant(2_678_400_000), fc.integer({ min: 1, max: 2_678_400_000 }), fc.integer({ min: 1, max: 7_200_000 })),
});
const inputArb = fc.record({ meters: fc.array(meterArb, { minLength: 1, maxLength: 4 }), withExportColumn: fc.boolean(), options: optionsArb });

// A register that would leave [0, 2^53) restarts low: that is a reset too.
function nextRegister(value: bigint, delta: bigint): bigint {
  const next = value + delta;
  return next < 0n || next >= REGISTER_MAX_EXCLUSIVE ? (next < 0n ? 0n : 7n) : next;
}

function buildColumns(meters: MeterSpec[], withExportColumn: boolean): ReadingColumns {
  const meter: number[] = [];
  const t: bigint[] = [];
  const i: bigint[] = [];
  const x: bigint[] = [];
  meters.forEach((spec, meterIndex) => {
    let timeMs = spec.startMs;
    let importMWh = spec.importStart;
    let exportMWh = spec.exportStart;
    const push = (exportPresent: boolean): void => {
      meter.push(meterIndex);
      t.push(BigInt(timeMs));
      i.push(importMWh);
      x.push(withExportColumn && spec.hasExport && exportPresent ? exportMWh : -1n);
    };
    push(true);
    for (const step of spec.steps) {
      if (timeMs + step.stepMs >= TIME_MAX_EXCLUSIVE) break;
      if (step.stepMs === 0) {
        push(x[x.length - 1]! >= 0n); // an identical repeat
        continue;
      }
      timeMs += step.stepMs;
      importMWh = nextRegister(importMWh, step.importDelta);
      if (step.exportPresent) exportMWh = nextRegister(exportMWh, step.exportDelta);
      push(step.exportPresent);
    }
  });
  const columns: ReadingColumns = { meter: Uint32Array.from(meter), t: BigInt64Array.from(t), i: BigInt64Array.from(i) };
  if (withExportColumn) columns.x = BigInt64Array.from(x);
  return columns;
}

function outcome(run: () => unknown): { code: string; readingIndex: string | undefined } | unknown {
  try {
    return run();
  } catch (error) {
    assert.ok(error instanceof GridsettleError, `unexpected ${String(error)}`);
    return { code: error.code, readingIndex: /reading (\d+)/.exec(error.message)?.[1] };
  }
}

describe('SPEC §2 interval aggregation: WASM kernel against the exact reference', () => {
  it('gives the same rows and unassigned entries on random valid readings', () => {
    fc.assert(
      fc.property(inputArb, ({ meters, withExportColumn, options }) => {
        const columns = buildColumns(meters, withExportColumn);
        assert.deepStrictEqual(aggregateColumns(columns, options), aggregateColumnsReference(columns, options));
      }),
      { numRuns: 400 },
    );
  });

  it('rejects a corrupted reading with the same code at the same index', () => {
    const corruptions: Array<(columns: ReadingColumns, k: number) => void> = [
      (c, k) => void (c.t[k] = -1n - c.t[k]!),
      (c, k) => void (c.t[k] = BigInt(TIME_MAX_EXCLUSIVE) + c.t[k]!),
      (c, k) => void (c.i[k] = -1n - c.i[k]!),
      (c, k) => void (c.i[k] = REGISTER_MAX_EXCLUSIVE + c.i[k]!),
      (c, k) => void (c.x && (c.x[k] = -2n - c.i[k]!)),
      (c, k) => void (c.x && (c.x[k] = REGISTER_MAX_EXCLUSIVE)),
      (c, k) => void (k > 0 && (c.t[k] = c.t[k - 1]! - 1n)), // out of t order (or crosses meters)
      (c, k) => void (k > 0 && (c.meter[k - 1] = c.meter[k]! + 1)), // meters out of order
      (c, k) => void (k > 0 && ((c.meter[k] = c.meter[k - 1]!), (c.t[k] = c.t[k - 1]!), (c.i[k] = c.i[k - 1]! + 1n))), // conflicting duplicate
    ];
    fc.assert(
      fc.property(inputArb, fc.nat(), fc.nat(corruptions.length - 1), ({ meters, options }, position, which) => {
        const columns = buildColumns(meters, true);
        corruptions[which]!(columns, position % columns.meter.length);
        const expected = outcome(() => aggregateColumnsReference(columns, options));
        assert.deepStrictEqual(outcome(() => aggregateColumns(columns, options)), expected);
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same result on 700 000 readings, one meter of 400 000 of them', () => {
    const columns = buildColumns(largeInput(), true);
    // 15-minute intervals keep rows and scratch within the first capacities:
    // this result comes from the first call, not the overflow rerun.
    const options = { intervalMs: 900_000 };
    assert.deepStrictEqual(aggregateColumns(columns, options), aggregateColumnsReference(columns, options));
    // A conflicting duplicate far into the long meter (readings 300 000 … 699 999).
    columns.t[650_001] = columns.t[650_000]!;
    columns.i[650_001] = columns.i[650_000]! + 1n;
    assert.deepStrictEqual(outcome(() => aggregateColumns(columns, options)), { code: 'invalid_input', readingIndex: '650001' });
  });

  it('gives the same result when a late meter overflows the output of a large input', () => {
    // 20 pairs of 31 days at 1-minute intervals: 892 800 rows, more than the readings.
    const long: Step = { stepMs: 31 * DAY_MS, importDelta: 1_000n, exportDelta: 5n, exportPresent: true };
    const meters = [...largeInput(), { startMs: 0, importStart: 0n, exportStart: 0n, hasExport: true, steps: Array.from({ length: 20 }, () => long) }];
    const columns = buildColumns(meters, true);
    const options = { intervalMs: 60_000 };
    assert.deepStrictEqual(aggregateColumns(columns, options), aggregateColumnsReference(columns, options));
  });

  it('conserves energy: Σ intervals + Σ unassigned = Σ non-negative deltas, per meter and channel', () => {
    fc.assert(
      fc.property(inputArb, ({ meters, withExportColumn, options }) => {
        const columns = buildColumns(meters, withExportColumn);
        const result = aggregateColumns(columns, options);
        meters.forEach((_, meter) => {
          for (const channel of ['import', 'export'] as const) {
            const energy = channel === 'import' ? result.imp : result.exp;
            let accounted = 0n;
            result.meter.forEach((rowMeter, row) => void (rowMeter === meter && (accounted += energy[row]!)));
            for (const entry of result.unassigned) if (entry.meter === meter && entry.channel === channel) accounted += entry.mwh;
            assert.equal(accounted, nonNegativeDeltas(columns, meter, channel), `meter ${meter} ${channel}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('the JSON form does not depend on reading order', () => {
    const readingsArb = fc.array(
      fc.record({ m: fc.constantFrom('m9', 'm10', 'a', 'é'), t: fc.integer({ min: 0, max: 4 * 3_600_000 }), i: fc.integer({ min: 0, max: 1_000_000 }) }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(readingsArb, fc.infiniteStream(fc.nat()), (readings, randoms) => {
        // Duplicates (m, t) keep the first value, so the input stays valid.
        const unique = [...new Map(readings.map((reading) => [`${reading.m}@${reading.t}`, reading])).values()];
        const shuffled = unique.map((reading) => ({ reading, key: randoms.next().value as number })).sort((a, b) => a.key - b.key);
        assert.deepStrictEqual(aggregate({ readings: shuffled.map((entry) => entry.reading) }), aggregate({ readings: unique }));
      }),
      { numRuns: 200 },
    );
  });
});

// 120 meters × 2 500 readings at ≤ 2 min, then one meter of 400 000 readings
// (import only, so no export scratch overflow); a seeded LCG keeps it the
// same on every run.
function largeInput(): MeterSpec[] {
  let seed = 12_345;
  const next = (below: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % below;
  const step = (): Step => ({
    stepMs: 1 + next(120_000),
    importDelta: next(500) === 0 ? -(10n ** 6n) : BigInt(next(40_000)),
    exportDelta: BigInt(next(9_000)),
    exportPresent: next(4) > 0,
  });
  const meters: MeterSpec[] = [];
  for (let m = 0; m < 120; m++) {
    meters.push({ startMs: next(10_000_000), importStart: 10n ** 8n, exportStart: 0n, hasExport: m % 3 === 0, steps: Array.from({ length: 2_499 }, step) });
  }
  meters.push({ startMs: 0, importStart: 0n, exportStart: 0n, hasExport: false, steps: Array.from({ length: 399_999 }, step) });
  return meters;
}

// Σ of d over the channel's consecutive pairs with d ≥ 0 (identical repeats once).
function nonNegativeDeltas(columns: ReadingColumns, meter: number, channel: 'import' | 'export'): bigint {
  let total = 0n;
  let previous: { t: bigint; v: bigint } | undefined;
  columns.meter.forEach((rowMeter, k) => {
    const v = channel === 'import' ? columns.i[k]! : columns.x?.[k] ?? -1n;
    if (rowMeter !== meter || v < 0n || previous?.t === columns.t[k]) return;
    if (previous !== undefined && v >= previous.v) total += v - previous.v;
    previous = { t: columns.t[k]!, v };
  });
  return total;
}
