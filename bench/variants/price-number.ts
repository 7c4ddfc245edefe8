// The tariff kernel (SPEC §3) in plain JavaScript Numbers, for the benchmark
// only: the same inputs, statuses and totals layout as assembly/tariff.ts.
// Exact only while every e × p stays below 2^53 (the benchmark's data does;
// the harness checks the result against the bigint reference).
import { INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE, BILLING_PERIOD_ENERGY_MWH_MAX } from '../../host/limits.js';
import {
  NO_PRICE_MICRO, TOTAL_ESTIMATED, TOTAL_FAILED_INDEX, TOTAL_INTERVALS, TOTAL_PEAK_IMPORT_MWH,
  dynamicLineWord, energyLineWord, exportLineWord, totalsWords, type KernelResult,
} from '../../host/tariff/kernel-layout.js';
import {
  PRICE_BAD_FLAGS, PRICE_DUPLICATE, PRICE_ENERGY_TOO_LARGE, PRICE_MISALIGNED, PRICE_NEGATIVE_ENERGY, PRICE_NO_PRICE,
  PRICE_OK, PRICE_OUTSIDE_PERIOD, PRICE_PERIOD_ENERGY_LIMIT,
} from '../../host/tariff/status.js';
import type { CompiledTariff, IntervalPriceColumns, SlotTable } from '../../host/tariff/types.js';

const ENERGY_MAX_EXCLUSIVE = Number(INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE);
const PERIOD_ENERGY_MAX = Number(BILLING_PERIOD_ENERGY_MWH_MAX);

/** rhe(n / d) on Numbers, d > 0, exact while |n| < 2^53. */
function roundHalfEvenNumber(n: number, d: number): number {
  const magnitude = Math.abs(n);
  let quotient = Math.floor(magnitude / d);
  const twice = 2 * (magnitude - quotient * d);
  if (twice > d || (twice === d && quotient % 2 === 1)) quotient++;
  return n < 0 ? -quotient : quotient;
}

export interface SlotScatter {
  status: number;
  failedIndex: number;
  /** Interval index by slot, −1 where there is none. */
  intervalBySlot: Int32Array;
}

/** The kernel's checks in input order, scattering interval indexes by slot (shared with the decimal.js variant). */
export function scatterBySlot(slots: SlotTable, columns: IntervalPriceColumns): SlotScatter {
  const intervalBySlot = new Int32Array(slots.slotCount).fill(-1);
  const failed = (status: number, failedIndex: number): SlotScatter => ({ status, failedIndex, intervalBySlot });
  let importTotal = 0;
  let exportTotal = 0;
  for (let i = 0; i < columns.start.length; i++) {
    const startMs = Number(columns.start[i]);
    const importMWh = Number(columns.imp[i]);
    const exportMWh = columns.exp === undefined ? 0 : Number(columns.exp[i]);
    if (startMs % slots.intervalMs !== 0) return failed(PRICE_MISALIGNED, i);
    const slot = startMs / slots.intervalMs - slots.firstSlot;
    if (slot < 0 || slot >= slots.slotCount) return failed(PRICE_OUTSIDE_PERIOD, i);
    if (intervalBySlot[slot] !== -1) return failed(PRICE_DUPLICATE, i);
    intervalBySlot[slot] = i;
    if (importMWh < 0 || exportMWh < 0) return failed(PRICE_NEGATIVE_ENERGY, i);
    if (importMWh >= ENERGY_MAX_EXCLUSIVE || exportMWh >= ENERGY_MAX_EXCLUSIVE) return failed(PRICE_ENERGY_TOO_LARGE, i);
    if (columns.flags !== undefined && columns.flags[i]! > 15) return failed(PRICE_BAD_FLAGS, i);
    importTotal += importMWh;
    exportTotal += exportMWh;
    if (importTotal > PERIOD_ENERGY_MAX || exportTotal > PERIOD_ENERGY_MAX) return failed(PRICE_PERIOD_ENERGY_LIMIT, i);
  }
  return { status: PRICE_OK, failedIndex: 0, intervalBySlot };
}

/** Tariff numbers as Number arrays, once per compiled tariff. */
interface NumberTariff {
  tierBounds: number[][];
  tierPrices: number[][];
  exportPrices: Array<number | null>;
}

const numberTariffs = new WeakMap<CompiledTariff, NumberTariff>();

function numberTariff(tariff: CompiledTariff): NumberTariff {
  let converted = numberTariffs.get(tariff);
  if (converted === undefined) {
    converted = {
      tierBounds: tariff.tiers.map((tiers) => tiers.map((tier) => (tier.boundMWh === null ? Infinity : Number(tier.boundMWh)))),
      tierPrices: tariff.tiers.map((tiers) => tiers.map((tier) => Number(tier.priceMicroPerKWh))),
      exportPrices: tariff.exportPrices.map((price) => (price === null ? null : Number(price.priceMicroPerKWh))),
    };
    numberTariffs.set(tariff, converted);
  }
  return converted;
}

function addPart(sums: Float64Array, word: number, energyMWh: number, priceMicroPerKWh: number, sign: number): void {
  sums[word] += energyMWh;
  sums[word + 1] += sign * roundHalfEvenNumber(energyMWh * priceMicroPerKWh, 1_000_000);
}

export function numberPriceKernel(tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns): KernelResult {
  const totals = new BigInt64Array(totalsWords(tariff));
  const scatter = scatterBySlot(slots, columns);
  totals[TOTAL_FAILED_INDEX] = BigInt(scatter.failedIndex);
  if (scatter.status !== PRICE_OK) return { status: scatter.status, totals };
  const numbers = numberTariff(tariff);
  const sums = new Float64Array(totals.length);
  let cumulativeMWh = 0;
  for (let slot = 0; slot < slots.slotCount; slot++) {
    const i = scatter.intervalBySlot[slot]!;
    if (i < 0) continue;
    sums[TOTAL_INTERVALS]++;
    const period = slots.periodBySlot[slot]!;
    const importMWh = Number(columns.imp[i]);
    if (importMWh > 0) {
      const dynamicMicro = slots.dynamicBySlot === null ? NO_PRICE_MICRO : slots.dynamicBySlot[slot]!;
      if (dynamicMicro !== NO_PRICE_MICRO) addPart(sums, dynamicLineWord(tariff, period), importMWh, Number(dynamicMicro), 1);
      else {
        const bounds = numbers.tierBounds[period]!;
        if (bounds.length === 0) {
          totals[TOTAL_FAILED_INDEX] = BigInt(i);
          return { status: PRICE_NO_PRICE, totals };
        }
        let remainingMWh = importMWh;
        for (let t = 0; t < bounds.length && remainingMWh > 0; t++) {
          const roomMWh = bounds[t]! - (cumulativeMWh + importMWh - remainingMWh);
          if (roomMWh <= 0) continue;
          const partMWh = Math.min(remainingMWh, roomMWh);
          addPart(sums, energyLineWord(tariff.tierStart[period]! + t), partMWh, numbers.tierPrices[period]![t]!, 1);
          remainingMWh -= partMWh;
        }
      }
      cumulativeMWh += importMWh;
      if (importMWh > sums[TOTAL_PEAK_IMPORT_MWH]!) sums[TOTAL_PEAK_IMPORT_MWH] = importMWh;
    }
    const exportMWh = columns.exp === undefined ? 0 : Number(columns.exp[i]);
    const exportMicro = numbers.exportPrices[period];
    if (exportMWh > 0 && exportMicro !== null && exportMicro !== undefined) addPart(sums, exportLineWord(tariff, period), exportMWh, exportMicro, -1);
    const flags = columns.flags === undefined ? 0 : columns.flags[i]!;
    for (let bit = 0; bit < 4; bit++) if (flags & (1 << bit)) sums[TOTAL_ESTIMATED + bit]++;
  }
  for (let word = 0; word < sums.length; word++) if (word !== TOTAL_FAILED_INDEX) totals[word] = BigInt(sums[word]!);
  return { status: PRICE_OK, totals };
}
