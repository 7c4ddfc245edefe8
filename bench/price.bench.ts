// Pricing workload (SPEC §3): a month of 15-minute intervals for 1 000
// seeded meters under a TOU + tiers + demand tariff with export and taxes,
// one statement per meter through `priceColumns` (copy in, cached compiled
// tariff and slot tables, statement formatting included), against the same
// pipeline with a plain Number kernel, the bigint reference and decimal.js
// (timed on a subset).
import { priceColumns, type Statement, type Tariff } from '../host/engine/price.js';
import { referenceKernel } from '../host/reference/price.js';
import { priceWithKernel } from '../host/tariff/pipeline.js';
import type { IntervalPriceColumns } from '../host/tariff/types.js';
import type { Workload } from './harness.js';
import { decimalPriceKernel } from './variants/price-decimal.js';
import { numberPriceKernel } from './variants/price-number.js';
import { mulberry32 } from './random.js';

const METER_COUNT = 1_000;
const DECIMAL_METER_COUNT = 10;
const SEED = 0x5eed_0003;
const INTERVAL_MS = 900_000;
// January 2026 in Europe/Berlin: 2025-12-31T23:00Z … 2026-01-31T23:00Z, 2 976 slots.
const PERIOD = { from: Date.UTC(2025, 11, 31, 23), to: Date.UTC(2026, 0, 31, 23) };

const TOU_HOURS = Array.from({ length: 24 }, (_, hour) => (hour >= 7 && hour < 21 ? 1 : 0));

export const BENCH_TARIFF: Tariff = {
  id: 'bench-tou-2026', currency: 'EUR', timezone: 'Europe/Berlin', periods: ['offpeak', 'peak'],
  schedule: { weekday: TOU_HOURS, weekend: new Array(24).fill(0), holidays: ['2026-01-01', '2026-01-06'] },
  energy: { offpeak: [{ price: '0.2134' }], peak: [{ upToKWh: '300', price: '0.3117' }, { price: '0.3625' }] },
  export: { offpeak: { price: '0.0611' }, peak: { price: '0.0823' } },
  demand: { pricePerKW: '12.50' },
  fixedPerDay: '0.45',
  taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'demand', 'fixed'] }, { name: 'levy', rate: '0.0205', on: ['energy'] }],
};


// Import up to 0.8 kWh per quarter-hour (3.2 kW), export on one meter in three,
// 1 % of intervals missing and 2 % flagged.
function generateMeter(next: () => number): IntervalPriceColumns {
  const firstSlot = Math.ceil(PERIOD.from / INTERVAL_MS);
  const slotCount = Math.ceil(PERIOD.to / INTERVAL_MS) - firstSlot;
  const hasExport = next() % 3 === 0;
  const start: bigint[] = [];
  const imp: bigint[] = [];
  const exp: bigint[] = [];
  const flags: number[] = [];
  for (let slot = 0; slot < slotCount; slot++) {
    if (next() % 100 === 0) continue;
    start.push(BigInt((firstSlot + slot) * INTERVAL_MS));
    imp.push(BigInt(next() % 800_001));
    exp.push(hasExport ? BigInt(next() % 500_001) : 0n);
    flags.push(next() % 50 === 0 ? 1 << (next() % 4) : 0);
  }
  return { start: BigInt64Array.from(start), imp: BigInt64Array.from(imp), exp: BigInt64Array.from(exp), flags: Uint8Array.from(flags) };
}

type Pricer = (tariff: unknown, period: typeof PERIOD, columns: IntervalPriceColumns, options: { intervalMs: number }) => Statement;

function priceAll(pricer: Pricer, meters: IntervalPriceColumns[]): Statement[] {
  return meters.map((columns) => pricer(BENCH_TARIFF, PERIOD, columns, { intervalMs: INTERVAL_MS }));
}

const withKernel = (kernel: Parameters<typeof priceWithKernel>[0]): Pricer =>
  (tariff, period, columns, options) => priceWithKernel(kernel, tariff, period, columns, options);

export function buildPricingWorkload(): Workload {
  const next = mulberry32(SEED);
  const meters = Array.from({ length: METER_COUNT }, () => generateMeter(next));
  const decimalMeters = meters.slice(0, DECIMAL_METER_COUNT);
  const intervalsOf = (subset: IntervalPriceColumns[]) => subset.reduce((sum, columns) => sum + columns.start.length, 0);
  const reference = withKernel(referenceKernel);
  return {
    title: `Pricing (SPEC §3): ${METER_COUNT.toLocaleString('en')} meters × a month of 15-min intervals, TOU + tiers + demand + export + taxes`,
    unit: 'intervals',
    referenceName: 'exact reference (bigint)',
    variants: [
      { name: 'wasm (priceColumns)', run: () => priceAll(priceColumns, meters), unitsPerRun: intervalsOf(meters) },
      { name: 'js-number', run: () => priceAll(withKernel(numberPriceKernel), meters), unitsPerRun: intervalsOf(meters) },
      { name: 'exact reference (bigint)', run: () => priceAll(reference, meters), unitsPerRun: intervalsOf(meters) },
      {
        name: 'decimal.js',
        run: () => priceAll(withKernel(decimalPriceKernel), decimalMeters),
        unitsPerRun: intervalsOf(decimalMeters),
        expected: priceAll(reference, decimalMeters),
      },
    ],
    ratios: [
      ['wasm (priceColumns)', 'exact reference (bigint)', 2.5],
      ['wasm (priceColumns)', 'js-number', null],
      ['wasm (priceColumns)', 'decimal.js', null],
    ],
  };
}
