import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, aggregateColumns, type Reading, type ReadingColumns } from '../host/engine/aggregate.js';
import { GridsettleError } from '../host/errors.js';
import { kernels } from '../host/engine/wasm.js';
import { AGGREGATION_READINGS_MAX } from '../host/limits.js';

const MINUTE = 60_000;
const QUARTER = 900_000;
const DAY = 86_400_000;

function rows(readings: Reading[], options: { intervalMs?: number; maxPowerW?: number; maxGapMs?: number } = {}) {
  return aggregate({ ...options, readings });
}
function row(start: number, imp: number, exp = 0, flags = 0, m = 'a') {
  return { m, start, imp, exp, flags };
}
function rejects(run: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => error instanceof GridsettleError && error.code === code && pattern.test(error.message));
}

describe('SPEC §2 interval aggregation: apportioning', () => {
  it('a pair inside one interval gives it the whole delta', () => {
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: MINUTE, i: 100 }]);
    assert.deepStrictEqual(result, { intervals: [row(0, 100)], unassigned: [] });
  });

  it('a pair crossing a boundary is split by E(u) = floor(d·(u − t_a)/Δt)', () => {
    // Δt = 100 000, d = 1000: E(900 000) = floor(1000 · 50 000 / 100 000) = 500.
    const result = rows([{ m: 'a', t: 850_000, i: 0 }, { m: 'a', t: 950_000, i: 1000 }]);
    assert.deepStrictEqual(result.intervals, [row(0, 500), row(QUARTER, 500)]);
  });

  it('floors the cumulative energy, so the last interval takes the remainder', () => {
    // I = 1 min, d = 10 over 3 min: E = floor(10/3) = 3, floor(20/3) = 6, 10 → 3, 3, 4.
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 3 * MINUTE, i: 10 }], { intervalMs: MINUTE });
    assert.deepStrictEqual(result.intervals, [row(0, 3, 0, 1), row(MINUTE, 3, 0, 1), row(2 * MINUTE, 4, 0, 1)]);
  });

  it('flags ESTIMATED only when Δt > I, on every interval the pair covers', () => {
    // Δt = I exactly, not aligned: two intervals, no flag. Δt = I + 1: both flagged.
    const exact = rows([{ m: 'a', t: 30_000, i: 0 }, { m: 'a', t: 30_000 + MINUTE, i: 60 }], { intervalMs: MINUTE });
    assert.deepStrictEqual(exact.intervals, [row(0, 30), row(MINUTE, 30)]);
    const longer = rows([{ m: 'a', t: 30_000, i: 0 }, { m: 'a', t: 30_001 + MINUTE, i: 60 }], { intervalMs: MINUTE });
    // E(60 000) = floor(60 · 30 000 / 60 001) = 29.
    assert.deepStrictEqual(longer.intervals, [row(0, 29, 0, 1), row(MINUTE, 31, 0, 1)]);
  });

  it('a pair ending on a boundary covers [t_a, t_b) and does not reach the next interval', () => {
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: QUARTER, i: 5 }]);
    assert.deepStrictEqual(result.intervals, [row(0, 5)]);
  });

  it('emits a row for every covered interval even when d = 0', () => {
    const result = rows([{ m: 'a', t: 0, i: 7 }, { m: 'a', t: 2 * MINUTE, i: 7 }], { intervalMs: MINUTE });
    assert.deepStrictEqual(result.intervals, [row(0, 0, 0, 1), row(MINUTE, 0, 0, 1)]);
  });

  it('handles Δt = 1 ms', () => {
    // [899 999, 900 000) lies in interval 0; [900 000, 900 001) in interval 1.
    const result = rows([{ m: 'a', t: 899_999, i: 0 }, { m: 'a', t: 900_000, i: 3 }, { m: 'a', t: 900_001, i: 5 }]);
    assert.deepStrictEqual(result.intervals, [row(0, 3), row(QUARTER, 2)]);
  });

  it('is exact for a 31-day pair with a delta near the spike limit and registers near 2^53', () => {
    // I = 1 day, Δt = 31 days, d = 31·M + 30 with M = 2^41: E(k days) = floor(d·k/31) = k·M + k − 1 (k ≥ 1),
    // so day 0 gets M and days 1…30 get M + 1. d ≤ 10^8 W · 31 days / 3600 = 7.44·10^13.
    const M = 2 ** 41;
    const d = 31 * M + 30;
    const start = 2 ** 53 - 1 - d;
    const result = rows([{ m: 'a', t: 0, i: start }, { m: 'a', t: 31 * DAY, i: start + d }], { intervalMs: DAY, maxPowerW: 100_000_000 });
    assert.equal(result.intervals.length, 31);
    assert.deepStrictEqual(result.intervals[0], row(0, M, 0, 1));
    for (let k = 1; k < 31; k++) assert.deepStrictEqual(result.intervals[k], row(k * DAY, M + 1, 0, 1));
  });

  it('no readings give no rows', () => {
    assert.deepStrictEqual(rows([]), { intervals: [], unassigned: [] });
  });

  it('a meter with a single reading has no rows', () => {
    assert.deepStrictEqual(rows([{ m: 'a', t: 0, i: 0, x: 0 }]), { intervals: [], unassigned: [] });
  });

  it('counts an identical repeat once, on both channels', () => {
    const repeated = { m: 'a', t: 1000, i: 0, x: 0 };
    const result = rows([repeated, { ...repeated }, { m: 'a', t: MINUTE, i: 100, x: 30 }]);
    assert.deepStrictEqual(result.intervals, [row(0, 100, 30)]);
    assert.deepStrictEqual(rows([repeated, { ...repeated }]).intervals, []); // still a single reading
    // A repeat followed by a gap leaves only the GAP row (the repeat covers no interval).
    const gap = rows([repeated, { ...repeated }, { m: 'a', t: 10 * DAY, i: 5, x: 5 }], { maxGapMs: DAY });
    assert.deepStrictEqual(gap.intervals, [row(10 * DAY - QUARTER, 0, 0, 8)]);
  });

  it('accepts registers up to 2^53 − 1 and t up to year 10000 − 1 ms', () => {
    const top = 2 ** 53 - 1;
    const last = 253_402_300_800_000 - 1;
    const result = rows([{ m: 'a', t: last - 1, i: top - 1, x: top - 2 }, { m: 'a', t: last, i: top, x: top }]);
    // Both deltas in 1 ms: 1 and 2 mWh, far below the spike limit (250 000 W · 1 ms / 3600 ≈ 69 mWh).
    assert.deepStrictEqual(result.intervals, [row(last + 1 - QUARTER, 1, 2)]);
  });

  it('takes readings in ascending t whatever the input order', () => {
    const result = rows([{ m: 'a', t: MINUTE, i: 100 }, { m: 'a', t: 0, i: 0 }]);
    assert.deepStrictEqual(result.intervals, [row(0, 100)]);
  });
});

describe('SPEC §2 interval aggregation: excluded pairs', () => {
  it('a negative delta flags RESET on the interval of t_b − 1 and adds no energy, not unassigned', () => {
    // 100 → 50 is a reset; 50 → 60 adds 10 to the same interval.
    const result = rows([{ m: 'a', t: 0, i: 100 }, { m: 'a', t: MINUTE, i: 50 }, { m: 'a', t: 2 * MINUTE, i: 60 }]);
    assert.deepStrictEqual(result, { intervals: [row(0, 10, 0, 2)], unassigned: [] });
  });

  it('Δt > maxGapMs flags GAP on the interval of t_b − 1 and lists d as unassigned', () => {
    // Δt = 7 200 000 > 3 600 000; t_b − 1 = 7 199 999 lies in interval 7 (start 6 300 000).
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 7_200_000, i: 500 }], { maxGapMs: 3_600_000 });
    assert.deepStrictEqual(result, {
      intervals: [row(6_300_000, 0, 0, 8)],
      unassigned: [{ m: 'a', channel: 'import', from: 0, to: 7_200_000, mwh: 500, reason: 'gap' }],
    });
  });

  it('a gap with d = 0 is still listed as unassigned', () => {
    const result = rows([{ m: 'a', t: 0, i: 9 }, { m: 'a', t: 2 * MINUTE, i: 9 }], { maxGapMs: MINUTE });
    assert.deepStrictEqual(result.unassigned, [{ m: 'a', channel: 'import', from: 0, to: 2 * MINUTE, mwh: 0, reason: 'gap' }]);
  });

  it('d·3600 > maxPowerW·Δt is a SPIKE; equality is apportioned', () => {
    // maxPowerW = 1000, Δt = 36 000 ms: limit d = 1000 · 36 000 / 3600 = 10 000 mWh.
    const at = (d: number) => rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 36_000, i: d }], { maxPowerW: 1000 });
    assert.deepStrictEqual(at(10_000).intervals, [row(0, 10_000)]);
    assert.deepStrictEqual(at(10_001), {
      intervals: [row(0, 0, 0, 4)],
      unassigned: [{ m: 'a', channel: 'import', from: 0, to: 36_000, mwh: 10_001, reason: 'spike' }],
    });
  });

  it('compares d·3600 exactly where it passes 2^63', () => {
    // d = 2^53 − 1 over 1 ms at 10^8 W: d·3600 ≈ 3.2·10^19 > 2^63, clearly a spike.
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 1, i: 2 ** 53 - 1 }], { maxPowerW: 100_000_000 });
    assert.deepStrictEqual(result.unassigned, [{ m: 'a', channel: 'import', from: 0, to: 1, mwh: 2 ** 53 - 1, reason: 'spike' }]);
  });

  it('checks RESET before GAP, and GAP before SPIKE', () => {
    const reset = rows([{ m: 'a', t: 0, i: 100 }, { m: 'a', t: 2 * DAY, i: 0 }], { maxGapMs: DAY });
    assert.deepStrictEqual(reset, { intervals: [row(2 * DAY - QUARTER, 0, 0, 2)], unassigned: [] });
    const gap = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 2 * DAY, i: 10 ** 12 }], { maxGapMs: DAY, maxPowerW: 1 });
    assert.equal(gap.unassigned[0]!.reason, 'gap');
  });

  it('gives the flag row zero energy and no rows to the rest of an excluded span', () => {
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: 10 * MINUTE, i: 5 }], { intervalMs: MINUTE, maxGapMs: MINUTE });
    assert.deepStrictEqual(result.intervals, [row(9 * MINUTE, 0, 0, 8)]);
  });
});

describe('SPEC §2 interval aggregation: channels, flags and order', () => {
  it('the export channel uses only the readings that carry x', () => {
    // Export pair 0 → 120 000 (the middle reading has no x): d = 40 over 2 min, 20 per minute.
    const result = rows([{ m: 'a', t: 0, i: 0, x: 0 }, { m: 'a', t: MINUTE, i: 6 }, { m: 'a', t: 2 * MINUTE, i: 9, x: 40 }], { intervalMs: MINUTE });
    assert.deepStrictEqual(result.intervals, [row(0, 6, 20, 1), row(MINUTE, 3, 20, 1)]);
  });

  it('a meter without any x has exp 0', () => {
    const result = rows([{ m: 'a', t: 0, i: 0 }, { m: 'a', t: MINUTE, i: 4 }]);
    assert.equal(result.intervals[0]!.exp, 0);
  });

  it('export rows appear where import has none, and flags are OR-ed over both channels', () => {
    // Import spikes over [0, 3 min) (flag 4 on minute 2 only); export apportions 3 per minute.
    const result = rows([{ m: 'a', t: 0, i: 0, x: 0 }, { m: 'a', t: 3 * MINUTE, i: 10 ** 9, x: 9 }], { intervalMs: MINUTE, maxPowerW: 1000 });
    assert.deepStrictEqual(result.intervals, [row(0, 0, 3, 1), row(MINUTE, 0, 3, 1), row(2 * MINUTE, 0, 3, 5)]);
  });

  it('sorts meters by ordinal UTF-16 order ("m10" before "m9") and rows by start', () => {
    const result = rows([
      { m: 'm9', t: QUARTER, i: 0 }, { m: 'm9', t: QUARTER + MINUTE, i: 1 },
      { m: 'm10', t: QUARTER, i: 0 }, { m: 'm10', t: QUARTER + MINUTE, i: 2 },
      { m: 'm10', t: 0, i: 0 }, // earlier reading of m10 given last
    ]);
    assert.deepStrictEqual(result.intervals.map((r) => [r.m, r.start]), [['m10', 0], ['m10', QUARTER], ['m9', QUARTER]]);
  });

  it('sorts unassigned by m, then from, then import before export', () => {
    const result = rows(
      [{ m: 'b', t: 0, i: 0, x: 0 }, { m: 'b', t: 2 * MINUTE, i: 1, x: 2 }, { m: 'a', t: 5 * MINUTE, i: 0 }, { m: 'a', t: 7 * MINUTE, i: 0 }],
      { maxGapMs: MINUTE },
    );
    assert.deepStrictEqual(result.unassigned.map((u) => [u.m, u.from, u.channel]), [['a', 5 * MINUTE, 'import'], ['b', 0, 'import'], ['b', 0, 'export']]);
  });

  it('conserves energy on a hand-made mix of apportioned, reset, gap and spike pairs', () => {
    // Deltas 10 (apportioned), −5 (reset), 300 (gap), 20 (apportioned): Σ non-negative = 330.
    const result = rows(
      [{ m: 'a', t: 0, i: 0 }, { m: 'a', t: MINUTE, i: 10 }, { m: 'a', t: 2 * MINUTE, i: 5 }, { m: 'a', t: 2 * DAY, i: 305 }, { m: 'a', t: 2 * DAY + MINUTE, i: 325 }],
      { maxGapMs: DAY },
    );
    const intervalSum = result.intervals.reduce((sum, r) => sum + r.imp, 0);
    assert.equal(intervalSum + result.unassigned.reduce((sum, u) => sum + u.mwh, 0), 330);
    assert.equal(intervalSum, 30);
  });
});

describe('SPEC §7 aggregateColumns', () => {
  const columns = (meter: number[], t: number[], i: number[], x?: number[]): ReadingColumns => ({
    meter: Uint32Array.from(meter),
    t: BigInt64Array.from(t, BigInt),
    i: BigInt64Array.from(i, BigInt),
    ...(x ? { x: BigInt64Array.from(x, BigInt) } : {}),
  });

  it('returns copied bigint columns; x = −1 marks no export register', () => {
    const first = aggregateColumns(columns([0, 0, 1, 1], [0, MINUTE, 0, MINUTE], [0, 7, 0, 1], [-1, -1, 0, 4]));
    assert.deepStrictEqual([...first.meter], [0, 1]);
    assert.deepStrictEqual([...first.imp], [7n, 1n]);
    assert.deepStrictEqual([...first.exp], [0n, 4n]);
    aggregateColumns(columns([5, 5], [0, MINUTE], [0, 99])); // reuses the same linear memory
    assert.deepStrictEqual([...first.imp], [7n, 1n]);
    assert.notEqual(first.imp.buffer, kernels().memory.buffer);
  });

  it('grows its output when a pair spanning weeks emits more rows than readings', () => {
    // 31 days at 1 min: 44 640 rows from 2 readings; plus export rows through the scratch region.
    const result = aggregateColumns(columns([0, 0], [0, 31 * DAY], [0, 44_640], [0, 89_280]), { intervalMs: MINUTE });
    assert.equal(result.meter.length, 44_640);
    assert.ok(result.imp.every((energy) => energy === 1n) && result.exp.every((energy) => energy === 2n));
  });

  it('grows its unassigned region when most pairs are gaps', () => {
    const count = 200;
    const t = Array.from({ length: count }, (_, k) => k * 2 * MINUTE);
    const result = aggregateColumns(columns(new Array(count).fill(0), t, t.map((_, k) => k), t.map((_, k) => k)), { maxGapMs: MINUTE });
    assert.equal(result.unassigned.length, 2 * (count - 1));
  });

  it('rejects unsorted meters, unsorted t and x < −1 naming the reading', () => {
    rejects(() => aggregateColumns(columns([1, 0], [0, 0], [0, 0])), 'invalid_input', /reading 1 .*sorted/);
    rejects(() => aggregateColumns(columns([0, 0], [MINUTE, 0], [0, 0])), 'invalid_input', /reading 1 .*sorted/);
    rejects(() => aggregateColumns(columns([0], [0], [0], [-2])), 'invalid_input', /reading 0 .*export register x is negative/);
  });

  it('rejects registers ≥ 2^53 and t outside [0, year 10000) naming the limit', () => {
    rejects(() => aggregateColumns(columns([0], [0], [2 ** 53])), 'limit_exceeded', /REGISTER_MWH_MAX_EXCLUSIVE.*reading 0/);
    rejects(() => aggregateColumns(columns([0], [0], [0], [2 ** 53])), 'limit_exceeded', /REGISTER_MWH_MAX_EXCLUSIVE/);
    rejects(() => aggregateColumns(columns([0], [253_402_300_800_000], [0])), 'limit_exceeded', /READING_TIME_MS_MAX_EXCLUSIVE/);
    rejects(() => aggregateColumns(columns([0], [-1], [0])), 'invalid_input', /t is negative/);
    rejects(() => aggregateColumns(columns([0], [0], [-1])), 'invalid_input', /import register i is negative/);
  });

  it('rejects a conflicting duplicate, and columns of the wrong type or length', () => {
    rejects(() => aggregateColumns(columns([0, 0], [0, 0], [1, 2])), 'invalid_input', /reading 1 .*different registers/);
    rejects(() => aggregateColumns(columns([0, 0], [0, 0], [1, 1], [3, -1])), 'invalid_input', /different registers/);
    rejects(() => aggregateColumns({ ...columns([0], [0], [0]), t: new BigInt64Array(2) }), 'invalid_input', /same length/);
    rejects(() => aggregateColumns({ meter: [0], t: [0n], i: [0n] } as unknown as ReadingColumns), 'invalid_input', /Uint32Array/);
  });
});

describe('SPEC §1 limits and errors of aggregate', () => {
  const one = [{ m: 'a', t: 0, i: 0 }];

  it('rejects more than AGGREGATION_READINGS_MAX readings before reading them', () => {
    rejects(() => aggregate({ readings: new Array(AGGREGATION_READINGS_MAX + 1) }), 'limit_exceeded', /^AGGREGATION_READINGS_MAX/);
    // Typed arrays that only claim the length: the check comes before any copy.
    class LongU32 extends Uint32Array {
      override get length(): number {
        return AGGREGATION_READINGS_MAX + 1;
      }
    }
    class LongI64 extends BigInt64Array {
      override get length(): number {
        return AGGREGATION_READINGS_MAX + 1;
      }
    }
    rejects(() => aggregateColumns({ meter: new LongU32(1), t: new LongI64(1), i: new LongI64(1) }), 'limit_exceeded', /^AGGREGATION_READINGS_MAX/);
  });

  it('rejects inputs that would produce more than AGGREGATION_ROWS_MAX rows', () => {
    // 1 122 readings 31 days apart at 1-minute intervals: 1 121 × 44 640 ≈ 50.04 M rows.
    const count = 1_122;
    const t = Array.from({ length: count }, (_, k) => BigInt(k * 31 * DAY));
    const input = { meter: new Uint32Array(count), t: BigInt64Array.from(t), i: new BigInt64Array(count) };
    rejects(() => aggregateColumns(input, { intervalMs: MINUTE }), 'limit_exceeded', /^AGGREGATION_ROWS_MAX/);
  });

  it('rejects a wrong structure with invalid_input', () => {
    rejects(() => aggregate(null), 'invalid_input', /input must be an object/);
    rejects(() => aggregate({}), 'invalid_input', /readings must be an array/);
    rejects(() => aggregate({ readings: [7] }), 'invalid_input', /readings\[0\] must be an object/);
    rejects(() => aggregate({ readings: [{ m: '', t: 0, i: 0 }] }), 'invalid_input', /m must be a non-empty string/);
    rejects(() => aggregate({ readings: [{ m: 3, t: 0, i: 0 }] }), 'invalid_input', /m must be a non-empty string/);
  });

  it('rejects non-integer, wrong-type and negative t, i and x with invalid_input', () => {
    rejects(() => aggregate({ readings: [{ m: 'a', t: 1.5, i: 0 }] }), 'invalid_input', /readings\[0\].*t must be an integer/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: '5', i: 0 }] }), 'invalid_input', /t must be an integer/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: -1 }] }), 'invalid_input', /i must not be negative/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: 0, x: -1 }] }), 'invalid_input', /x must not be negative/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: 0, x: null }] }), 'invalid_input', /x must be an integer/);
  });

  it('rejects values at or past 2^53 and t past year 10000 with limit_exceeded', () => {
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: 2 ** 53 }] }), 'limit_exceeded', /^REGISTER_MWH_MAX_EXCLUSIVE/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: 1e300 }] }), 'limit_exceeded', /^REGISTER_MWH_MAX_EXCLUSIVE/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 0, i: 0, x: 2 ** 53 }] }), 'limit_exceeded', /^REGISTER_MWH_MAX_EXCLUSIVE/);
    rejects(() => aggregate({ readings: [{ m: 'a', t: 253_402_300_800_000, i: 0 }] }), 'limit_exceeded', /^READING_TIME_MS_MAX_EXCLUSIVE/);
  });

  it('rejects two different values for the same (m, t), naming the reading, meter and t', () => {
    const readings = [{ m: 'a', t: 5, i: 1 }, { m: 'b', t: 5, i: 1 }, { m: 'b', t: 5, i: 2 }];
    rejects(() => aggregate({ readings }), 'invalid_input', /readings\[2\] \(m "b", t 5\).*different registers/);
  });

  it('checks intervalMs: a multiple of a minute dividing the day, in [1 min, 1 day]', () => {
    assert.equal(rows(one, { intervalMs: 300_000 }).intervals.length, 0);
    rejects(() => aggregate({ intervalMs: 900_001, readings: one }), 'invalid_input', /multiple of 60000 that divides 86400000/);
    rejects(() => aggregate({ intervalMs: 420_000, readings: one }), 'invalid_input', /divides/); // 7 min does not divide a day
    rejects(() => aggregate({ intervalMs: '900000', readings: one }), 'invalid_input', /intervalMs must be an integer/);
    rejects(() => aggregate({ intervalMs: -MINUTE, readings: one }), 'invalid_input', /must not be negative/);
    rejects(() => aggregate({ intervalMs: 0, readings: one }), 'limit_exceeded', /^INTERVAL_MS_MIN/);
    rejects(() => aggregate({ intervalMs: 2 * DAY, readings: one }), 'limit_exceeded', /^INTERVAL_MS_MAX/);
  });

  it('checks maxPowerW in 1 … 10^8 and maxGapMs in 1 … 2 678 400 000', () => {
    rejects(() => aggregate({ maxPowerW: 0, readings: one }), 'limit_exceeded', /^MAX_POWER_W_MIN/);
    rejects(() => aggregate({ maxPowerW: 100_000_001, readings: one }), 'limit_exceeded', /^MAX_POWER_W_MAX/);
    rejects(() => aggregate({ maxPowerW: 1.5, readings: one }), 'invalid_input', /maxPowerW must be an integer/);
    rejects(() => aggregate({ maxPowerW: -1, readings: one }), 'invalid_input', /maxPowerW must not be negative/);
    rejects(() => aggregate({ maxGapMs: 0, readings: one }), 'limit_exceeded', /^MAX_GAP_MS_MIN/);
    rejects(() => aggregate({ maxGapMs: 2_678_400_001, readings: one }), 'limit_exceeded', /^MAX_GAP_MS_MAX/);
    rejects(() => aggregate({ maxGapMs: true, readings: one }), 'invalid_input', /maxGapMs must be an integer/);
  });
});
