// The tariff kernel (SPEC §3) written straightforwardly with decimal.js, for
// the benchmark only: what a billing system without integer kernels would
// do. Checks and slot order are the Number variant's; every part is a
// Decimal product rounded half-even. 40 significant digits hold every
// e × p (< 2^53 × 10^8 < 10^25) exactly.
import DecimalModule from 'decimal.js';
import {
  NO_PRICE_MICRO, TOTAL_ESTIMATED, TOTAL_FAILED_INDEX, TOTAL_INTERVALS, TOTAL_PEAK_IMPORT_MWH,
  dynamicLineWord, energyLineWord, exportLineWord, totalsWords, type KernelResult,
} from '../../host/tariff/kernel-layout.js';
import { PRICE_NO_PRICE, PRICE_OK } from '../../host/tariff/status.js';
import type { CompiledTariff, IntervalPriceColumns, SlotTable } from '../../host/tariff/types.js';
import { scatterBySlot } from './price-number.js';

// decimal.js's types describe its CommonJS build; its ESM default export is the class itself.
const Decimal = DecimalModule as unknown as typeof DecimalModule.Decimal;
type Decimal = InstanceType<typeof Decimal>;
const Exact = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });
const MICRO_PER_UNIT = new Exact(1_000_000);

function part(energyMWh: Decimal, priceMicroPerKWh: bigint): Decimal {
  return energyMWh.times(priceMicroPerKWh.toString()).div(MICRO_PER_UNIT).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
}

export function decimalPriceKernel(tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns): KernelResult {
  const totals = new BigInt64Array(totalsWords(tariff));
  const scatter = scatterBySlot(slots, columns);
  totals[TOTAL_FAILED_INDEX] = BigInt(scatter.failedIndex);
  if (scatter.status !== PRICE_OK) return { status: scatter.status, totals };
  const sums: Decimal[] = Array.from({ length: totals.length }, () => new Exact(0));
  const add = (word: number, energyMWh: Decimal, amount: Decimal) => {
    sums[word] = sums[word]!.plus(energyMWh);
    sums[word + 1] = sums[word + 1]!.plus(amount);
  };
  let cumulativeMWh = new Exact(0);
  for (let slot = 0; slot < slots.slotCount; slot++) {
    const i = scatter.intervalBySlot[slot]!;
    if (i < 0) continue;
    sums[TOTAL_INTERVALS] = sums[TOTAL_INTERVALS]!.plus(1);
    const period = slots.periodBySlot[slot]!;
    const importMWh = new Exact(columns.imp[i]!.toString());
    if (importMWh.gt(0)) {
      const dynamicMicro = slots.dynamicBySlot?.[slot] ?? NO_PRICE_MICRO;
      if (dynamicMicro !== NO_PRICE_MICRO) add(dynamicLineWord(tariff, period), importMWh, part(importMWh, dynamicMicro));
      else if (tariff.tiers[period]!.length === 0) {
        totals[TOTAL_FAILED_INDEX] = BigInt(i);
        return { status: PRICE_NO_PRICE, totals };
      } else {
        let lowerMWh = new Exact(0);
        const afterMWh = cumulativeMWh.plus(importMWh);
        tariff.tiers[period]!.forEach((tier, t) => {
          const upperMWh = tier.boundMWh === null ? afterMWh : new Exact(tier.boundMWh.toString());
          const inTierMWh = Decimal.min(afterMWh, upperMWh).minus(Decimal.max(cumulativeMWh, lowerMWh));
          if (inTierMWh.gt(0)) add(energyLineWord(tariff.tierStart[period]! + t), inTierMWh, part(inTierMWh, tier.priceMicroPerKWh));
          lowerMWh = upperMWh;
        });
      }
      cumulativeMWh = cumulativeMWh.plus(importMWh);
      if (importMWh.gt(sums[TOTAL_PEAK_IMPORT_MWH]!)) sums[TOTAL_PEAK_IMPORT_MWH] = importMWh;
    }
    const exportMWh = new Exact((columns.exp?.[i] ?? 0n).toString());
    const exportPrice = tariff.exportPrices[period];
    if (exportMWh.gt(0) && exportPrice) add(exportLineWord(tariff, period), exportMWh, part(exportMWh, exportPrice.priceMicroPerKWh).neg());
    const flags = columns.flags?.[i] ?? 0;
    for (let bit = 0; bit < 4; bit++) if (flags & (1 << bit)) sums[TOTAL_ESTIMATED + bit] = sums[TOTAL_ESTIMATED + bit]!.plus(1);
  }
  sums.forEach((sum, word) => {
    if (word !== TOTAL_FAILED_INDEX) totals[word] = BigInt(sum.toFixed(0));
  });
  return { status: PRICE_OK, totals };
}
