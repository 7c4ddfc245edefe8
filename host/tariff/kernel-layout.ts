// The numeric layouts shared by the tariff kernel (assembly/tariff.ts), its
// bigint reference and the benchmark variants; docs/wasm-tariff.md has them
// for other hosts. Everything here is i64 words.
import type { CompiledTariff } from './types.js';

/** "No price in force": the slot dynamic column and a period's export price. */
export const NO_PRICE_MICRO = -(2n ** 63n);
/** The last tier's bound: nothing is ever above it. */
export const LAST_TIER_BOUND_MWH = 2n ** 63n - 1n;

const TABLE_HEADER_WORDS = 2;
const PERIOD_RECORD_WORDS = 4;

/** [periodCount, tierTotal], per period [tierCount, tierStart, exportPriceMicro, 0], per tier [boundMWh, priceMicro]. */
export function buildKernelTable(tariff: Omit<CompiledTariff, 'kernelTable'>): BigInt64Array {
  const periodCount = tariff.periodNames.length;
  const table = new BigInt64Array(TABLE_HEADER_WORDS + PERIOD_RECORD_WORDS * periodCount + 2 * tariff.tierTotal);
  table[0] = BigInt(periodCount);
  table[1] = BigInt(tariff.tierTotal);
  for (let period = 0; period < periodCount; period++) {
    const record = TABLE_HEADER_WORDS + PERIOD_RECORD_WORDS * period;
    table[record] = BigInt(tariff.tiers[period]!.length);
    table[record + 1] = BigInt(tariff.tierStart[period]!);
    table[record + 2] = tariff.exportPrices[period]?.priceMicroPerKWh ?? NO_PRICE_MICRO;
  }
  const tierArea = TABLE_HEADER_WORDS + PERIOD_RECORD_WORDS * periodCount;
  tariff.tiers.flat().forEach((tier, index) => {
    table[tierArea + 2 * index] = tier.boundMWh ?? LAST_TIER_BOUND_MWH;
    table[tierArea + 2 * index + 1] = tier.priceMicroPerKWh;
  });
  return table;
}

// Totals: 8 summary words, then [mWh, µ] per tier, per period (dynamic), per period (export).
export const TOTAL_INTERVALS = 0;
export const TOTAL_PEAK_IMPORT_MWH = 1;
export const TOTAL_ESTIMATED = 2;
export const TOTAL_RESET = 3;
export const TOTAL_SPIKE = 4;
export const TOTAL_GAP = 5;
export const TOTAL_FAILED_INDEX = 6;
const TOTAL_HEADER_WORDS = 8;

export function totalsWords(tariff: CompiledTariff): number {
  return TOTAL_HEADER_WORDS + 2 * (tariff.tierTotal + 2 * tariff.periodNames.length);
}

/** Word index of the [mWh, µ] pair of a tiered energy line (global tier index). */
export function energyLineWord(tierIndex: number): number {
  return TOTAL_HEADER_WORDS + 2 * tierIndex;
}

export function dynamicLineWord(tariff: CompiledTariff, period: number): number {
  return TOTAL_HEADER_WORDS + 2 * (tariff.tierTotal + period);
}

export function exportLineWord(tariff: CompiledTariff, period: number): number {
  return TOTAL_HEADER_WORDS + 2 * (tariff.tierTotal + tariff.periodNames.length + period);
}

/** What a kernel (WASM, reference or benchmark variant) returns: a status code and the totals. */
export interface KernelResult {
  status: number;
  totals: BigInt64Array;
}
