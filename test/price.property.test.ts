import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { priceColumns, wasmPriceKernel, type Tariff } from '../host/engine/price.js';
import { GridsettleError } from '../host/errors.js';
import { referenceKernel, referencePriceColumns } from '../host/reference/price.js';
import { compileTariff } from '../host/tariff/compile.js';
import { slotTable } from '../host/tariff/slots.js';
import { TOTAL_FAILED_INDEX } from '../host/tariff/kernel-layout.js';
import type { IntervalPriceColumns } from '../host/tariff/types.js';
import { formatFixed } from '../host/decimal.js';

const PRICE_MICRO_MAX = 100_000_000n;
const ENERGY_MWH_MAX = 2n ** 53n - 1n;
const ZONES = ['UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/New_York'];
const INTERVALS_MS = [300_000, 900_000, 3_600_000];
const FROM_2026_MS = Date.UTC(2026, 0, 1);
/** Runs per property; PRICE_PROPERTY_RUNS raises it for a long local run. */
const RUNS = Number(process.env.PRICE_PROPERTY_RUNS ?? 400);

const priceText = (micro: bigint) => formatFixed(micro, 6);
const priceMicro = fc.oneof(fc.bigInt(-PRICE_MICRO_MAX, PRICE_MICRO_MAX), fc.bigInt(-1000n, 1000n));

// Tier bounds inside typical intervals (a few kWh) and near 2^53 mWh.
const tiers = fc.tuple(
  fc.uniqueArray(fc.oneof(fc.bigInt(1n, 5_000_000n), fc.bigInt(1n, 2n ** 55n)), { maxLength: 3 }),
  fc.array(priceMicro, { minLength: 4, maxLength: 4 }),
).map(([bounds, prices]) => {
  const sorted = [...bounds].sort((a, b) => (a < b ? -1 : 1));
  return [...sorted.map((bound, index) => ({ upToKWh: priceText(bound), price: priceText(prices[index]!) })), { price: priceText(prices[3]!) }];
});

const hourTable = (periodCount: number) => fc.array(fc.integer({ min: 0, max: periodCount - 1 }), { minLength: 24, maxLength: 24 });

const tariffArbitrary = fc.integer({ min: 1, max: 3 }).chain((periodCount) =>
  fc.record({
    implicit: fc.boolean(),
    timezone: fc.constantFrom(...ZONES),
    currency: fc.constantFrom('EUR', 'JPY', 'KWD', 'CLF'),
    weekday: hourTable(periodCount), weekend: hourTable(periodCount), july: hourTable(periodCount),
    energy: fc.array(fc.option(tiers, { freq: 5 }), { minLength: periodCount, maxLength: periodCount }),
    exports: fc.array(fc.option(priceMicro), { minLength: periodCount, maxLength: periodCount }),
    dynamic: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 40 * 24 }), { minLength: 1, maxLength: 4 }).chain((hours) =>
      fc.array(priceMicro, { minLength: hours.length, maxLength: hours.length }).map((prices) =>
        [...hours].sort((a, b) => a - b).map((hour, index) => ({ from: FROM_2026_MS + hour * 3_600_000, price: priceText(prices[index]!) }))))),
    demand: fc.option(fc.bigInt(0n, 10_000_000_000n)),
    fixed: fc.option(fc.bigInt(0n, 10_000_000_000n)),
    taxRates: fc.array(fc.bigInt(0n, 1_000_000n), { maxLength: 2 }),
  }).map((draw): Tariff => {
    const names = Array.from({ length: periodCount }, (_, index) => `p${index}`);
    const implicit = draw.implicit && periodCount === 1;
    const byName = <T>(values: Array<T | null>) => Object.fromEntries(values.flatMap((value, index) => (value === null ? [] : [[names[index]!, value]])));
    const exports = draw.exports.map((micro) => (micro === null ? null : { price: priceText(micro) }));
    return {
      id: 'random', currency: draw.currency, timezone: draw.timezone,
      ...(implicit
        ? { ...(draw.energy[0] ? { energy: draw.energy[0] } : {}), ...(exports[0] ? { export: exports[0] } : {}) }
        : {
          periods: names,
          schedule: { weekday: draw.weekday, weekend: draw.weekend, months: { '7': { weekday: draw.july, weekend: draw.july } }, holidays: ['2026-01-06'] },
          energy: byName(draw.energy), export: byName(exports),
        }),
      ...(draw.dynamic ? { dynamic: draw.dynamic } : {}),
      ...(draw.demand !== null ? { demand: { pricePerKW: priceText(draw.demand) } } : {}),
      ...(draw.fixed !== null ? { fixedPerDay: priceText(draw.fixed) } : {}),
      taxes: draw.taxRates.map((rate, index) => ({ name: `t${index}`, rate: priceText(rate), on: index === 0 ? ['energy', 'export'] : ['demand', 'fixed', 'energy'] })),
    } as Tariff;
  }));

const energyMWh = fc.oneof({ weight: 6, arbitrary: fc.bigInt(0n, 3_000_000n) }, { weight: 1, arbitrary: fc.constant(0n) });
// A few intervals near 2^53 mWh exercise the 128-bit path; 4 of them stay under the 2^56 period limit.
const hugeEnergy = fc.tuple(fc.nat(), fc.bigInt(ENERGY_MWH_MAX - 1_000_000n, ENERGY_MWH_MAX), fc.boolean());

/** null 9 times in 10. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const caseArbitrary = fc.record({
  tariff: tariffArbitrary,
  intervalMs: fc.constantFrom(...INTERVALS_MS),
  fromOffsetMs: fc.integer({ min: 0, max: 200 * 86_400_000 }),
  lengthMs: fc.integer({ min: 1, max: 9 * 86_400_000 }),
  rows: fc.array(fc.record({ slot: fc.nat(3_000), imp: energyMWh, exp: energyMWh, flags: fc.integer({ min: 0, max: 15 }) }), { maxLength: 120 }),
  huge: fc.array(hugeEnergy, { maxLength: 4 }),
  duplicate: rarely(fc.nat()),
  outside: rarely(fc.boolean()),
  misalignMs: rarely(fc.integer({ min: 1, max: 59_999 })),
});

type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;
type Row = Case['rows'][number];

// Unique slots inside the period, shuffled by the draw; then now and then one
// duplicate, one slot outside the period or one misaligned start.
function build(draw: Case) {
  const fromMs = FROM_2026_MS + draw.fromOffsetMs;
  const toMs = fromMs + draw.lengthMs;
  const firstSlot = Math.ceil(fromMs / draw.intervalMs);
  const slotCount = Math.ceil(toMs / draw.intervalMs) - firstSlot;
  const bySlot = new Map<number, Row>();
  for (const row of slotCount === 0 ? [] : draw.rows) if (!bySlot.has(row.slot % slotCount)) bySlot.set(row.slot % slotCount, { ...row, slot: row.slot % slotCount });
  const rows = [...bySlot.values()];
  for (const [index, energy, onImport] of draw.huge) {
    if (rows.length > 0) rows[index % rows.length]![onImport ? 'imp' : 'exp'] = energy;
  }
  if (draw.duplicate !== null && rows.length > 0) rows.push({ ...rows[draw.duplicate % rows.length]! });
  if (draw.outside !== null) rows.push({ slot: draw.outside ? slotCount : -1, imp: 1n, exp: 0n, flags: 0 });
  const columns: IntervalPriceColumns = {
    start: BigInt64Array.from(rows, (row) => BigInt((firstSlot + row.slot) * draw.intervalMs)),
    imp: BigInt64Array.from(rows, (row) => row.imp),
    exp: BigInt64Array.from(rows, (row) => row.exp),
    flags: Uint8Array.from(rows, (row) => row.flags),
  };
  if (draw.misalignMs !== null && rows.length > 0) columns.start[rows.length - 1]! += BigInt(draw.misalignMs);
  return { period: { from: fromMs, to: toMs }, columns };
}

function outcome(run: () => unknown): unknown {
  try {
    return { statement: run() };
  } catch (error) {
    if (!(error instanceof GridsettleError)) throw error;
    return { code: error.code, message: error.message };
  }
}

describe('SPEC §3 property: the WASM kernel equals the bigint reference', () => {
  it('gives identical statements (or identical errors) on random tariffs and intervals', () => {
    let priced = 0;
    fc.assert(
      fc.property(caseArbitrary, (draw) => {
        const { period, columns } = build(draw);
        const options = { intervalMs: draw.intervalMs };
        const wasm = outcome(() => priceColumns(draw.tariff, period, columns, options));
        assert.deepEqual(wasm, outcome(() => referencePriceColumns(draw.tariff, period, columns, options)));
        if ('statement' in (wasm as object)) priced++;
      }),
      { numRuns: RUNS },
    );
    assert.ok(priced > RUNS / 4, `only ${priced} of ${RUNS} random cases priced without error`);
  });

  it('gives identical kernel totals, to the µ, and the same failed interval', () => {
    fc.assert(
      fc.property(caseArbitrary, (draw) => {
        const { period, columns } = build(draw);
        const compiled = compileTariff(draw.tariff);
        const slots = slotTable(compiled, period.from, period.to, draw.intervalMs);
        const wasm = wasmPriceKernel(compiled, slots, columns);
        const reference = referenceKernel(compiled, slots, columns);
        assert.equal(wasm.status, reference.status);
        // On a failure only the failed interval's index is defined.
        if (wasm.status === 0) assert.deepEqual(wasm.totals, reference.totals);
        else assert.equal(wasm.totals[TOTAL_FAILED_INDEX], reference.totals[TOTAL_FAILED_INDEX]);
      }),
      { numRuns: RUNS },
    );
  });
});
