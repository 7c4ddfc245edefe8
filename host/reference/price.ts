// Plain bigint reference of the tariff kernel (SPEC §3), for tests and
// benchmarks only: same compiled tariff and slot tables, same totals layout
// and status codes, written for obviousness rather than speed.
import { roundHalfEven, safeNumber } from '../exact.js';
import { BILLING_PERIOD_ENERGY_MWH_MAX, INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE } from '../limits.js';
import {
  NO_PRICE_MICRO, TOTAL_ESTIMATED, TOTAL_FAILED_INDEX, TOTAL_INTERVALS, TOTAL_PEAK_IMPORT_MWH,
  dynamicLineWord, energyLineWord, exportLineWord, totalsWords, type KernelResult,
} from '../tariff/kernel-layout.js';
import { priceWithKernel } from '../tariff/pipeline.js';
import {
  PRICE_BAD_FLAGS, PRICE_DUPLICATE, PRICE_ENERGY_TOO_LARGE, PRICE_MISALIGNED, PRICE_NEGATIVE_ENERGY, PRICE_NO_PRICE,
  PRICE_OK, PRICE_OUTSIDE_PERIOD, PRICE_PERIOD_ENERGY_LIMIT,
} from '../tariff/status.js';
import type { BillingPeriod, CompiledTariff, IntervalPriceColumns, PriceColumnsOptions, PricedStatement, SlotTable } from '../tariff/types.js';

const MICRO = 1_000_000n;

interface Checked {
  status: number;
  failedIndex: number;
  /** Interval index by slot, in time order. */
  slotIntervals: Array<[number, number]>;
}

// Every interval in input order: on the grid, in the period, unique, in range.
function checkIntervals(slots: SlotTable, columns: IntervalPriceColumns): Checked {
  const intervalMs = BigInt(slots.intervalMs);
  const intervalBySlot = new Map<number, number>();
  let importTotalMWh = 0n;
  let exportTotalMWh = 0n;
  const failed = (status: number, failedIndex: number): Checked => ({ status, failedIndex, slotIntervals: [] });
  for (let i = 0; i < columns.start.length; i++) {
    const startMs = columns.start[i]!;
    const importMWh = columns.imp[i]!;
    const exportMWh = columns.exp?.[i] ?? 0n;
    if (startMs % intervalMs !== 0n) return failed(PRICE_MISALIGNED, i);
    const slot = safeNumber(startMs / intervalMs, 'slot') - slots.firstSlot;
    if (slot < 0 || slot >= slots.slotCount) return failed(PRICE_OUTSIDE_PERIOD, i);
    if (intervalBySlot.has(slot)) return failed(PRICE_DUPLICATE, i);
    intervalBySlot.set(slot, i);
    if (importMWh < 0n || exportMWh < 0n) return failed(PRICE_NEGATIVE_ENERGY, i);
    if (importMWh >= INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE || exportMWh >= INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE) return failed(PRICE_ENERGY_TOO_LARGE, i);
    if ((columns.flags?.[i] ?? 0) > 15) return failed(PRICE_BAD_FLAGS, i);
    importTotalMWh += importMWh;
    exportTotalMWh += exportMWh;
    if (importTotalMWh >= BILLING_PERIOD_ENERGY_MWH_MAX || exportTotalMWh >= BILLING_PERIOD_ENERGY_MWH_MAX) return failed(PRICE_PERIOD_ENERGY_LIMIT, i);
  }
  const slotIntervals = [...intervalBySlot.entries()].sort((a, b) => a[0] - b[0]);
  return { status: PRICE_OK, failedIndex: 0, slotIntervals };
}

function addPart(totals: bigint[], word: number, energyMWh: bigint, priceMicroPerKWh: bigint): void {
  totals[word] = totals[word]! + energyMWh;
  totals[word + 1] = totals[word + 1]! + roundHalfEven(energyMWh * priceMicroPerKWh, MICRO);
}

// Tier t holds the cumulative import in (bound[t−1], bound[t]]: its share of
// this interval is the overlap of (before, before + import] with that range.
function addTiers(tariff: CompiledTariff, totals: bigint[], period: number, cumulativeBeforeMWh: bigint, importMWh: bigint): void {
  const tiers = tariff.tiers[period]!;
  const cumulativeAfterMWh = cumulativeBeforeMWh + importMWh;
  tiers.forEach((tier, t) => {
    const lowerMWh = t === 0 ? 0n : tiers[t - 1]!.boundMWh!;
    const upperMWh = tier.boundMWh ?? cumulativeAfterMWh;
    const fromMWh = cumulativeBeforeMWh > lowerMWh ? cumulativeBeforeMWh : lowerMWh;
    const toMWh = cumulativeAfterMWh < upperMWh ? cumulativeAfterMWh : upperMWh;
    if (toMWh > fromMWh) addPart(totals, energyLineWord(tariff.tierStart[period]! + t), toMWh - fromMWh, tier.priceMicroPerKWh);
  });
}

/** The reference kernel: same inputs, statuses and totals as the WASM one. */
export function referenceKernel(tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns): KernelResult {
  const totals: bigint[] = new Array<bigint>(totalsWords(tariff)).fill(0n);
  const result = (status: number): KernelResult => ({ status, totals: BigInt64Array.from(totals) });
  const checked = checkIntervals(slots, columns);
  totals[TOTAL_FAILED_INDEX] = BigInt(checked.failedIndex);
  if (checked.status !== PRICE_OK) return result(checked.status);
  let cumulativeMWh = 0n;
  for (const [slot, i] of checked.slotIntervals) {
    const period = slots.periodBySlot[slot]!;
    const importMWh = columns.imp[i]!;
    const exportMWh = columns.exp?.[i] ?? 0n;
    const dynamicMicro = slots.dynamicBySlot?.[slot] ?? NO_PRICE_MICRO;
    if (importMWh > 0n) {
      if (dynamicMicro !== NO_PRICE_MICRO) addPart(totals, dynamicLineWord(tariff, period), importMWh, dynamicMicro);
      else if (tariff.tiers[period]!.length > 0) addTiers(tariff, totals, period, cumulativeMWh, importMWh);
      else {
        totals[TOTAL_FAILED_INDEX] = BigInt(i);
        return result(PRICE_NO_PRICE);
      }
    }
    cumulativeMWh += importMWh;
    if (importMWh > totals[TOTAL_PEAK_IMPORT_MWH]!) totals[TOTAL_PEAK_IMPORT_MWH] = importMWh;
    const exportPrice = tariff.exportPrices[period];
    if (exportMWh > 0n && exportPrice) {
      // On the magnitude, negated: rhe is symmetric, so −rhe(x·p) is the credit.
      const word = exportLineWord(tariff, period);
      totals[word] = totals[word]! + exportMWh;
      totals[word + 1] = totals[word + 1]! - roundHalfEven(exportMWh * exportPrice.priceMicroPerKWh, MICRO);
    }
    const flags = columns.flags?.[i] ?? 0;
    for (let bit = 0; bit < 4; bit++) if (flags & (1 << bit)) totals[TOTAL_ESTIMATED + bit] = totals[TOTAL_ESTIMATED + bit]! + 1n;
    totals[TOTAL_INTERVALS] = totals[TOTAL_INTERVALS]! + 1n;
  }
  return result(PRICE_OK);
}

/** `priceColumns` with the reference kernel: the whole statement, end to end. */
export function referencePriceColumns(
  tariff: unknown, period: BillingPeriod, columns: IntervalPriceColumns, options?: PriceColumnsOptions,
): PricedStatement {
  return priceWithKernel(referenceKernel, tariff, period, columns, options);
}
