// The one path from `priceColumns` arguments to a statement, with the
// per-interval kernel as a parameter: the WASM engine, the bigint reference
// and the benchmark variants differ only in that kernel.
import { expectObject } from './fields.js';
import { compileTariff } from './compile.js';
import type { KernelResult } from './kernel-layout.js';
import { TOTAL_FAILED_INDEX } from './kernel-layout.js';
import { checkIntervalMs } from '../integer-input.js';
import { checkColumns, checkPeriod, checkUnassigned } from './request.js';
import { slotTable } from './slots.js';
import { buildStatement } from './statement.js';
import { PRICE_OK, pricingError } from './status.js';
import { safeNumber } from '../exact.js';
import type { CompiledTariff, IntervalPriceColumns, PricedStatement, SlotTable } from './types.js';

/** Sums the parts of every line of one billing period (see kernel-layout.ts). */
export type PricingKernel = (tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns) => KernelResult;

export function priceWithKernel(
  kernel: PricingKernel, tariff: unknown, period: unknown, columns: unknown, options: unknown = {},
): PricedStatement {
  const compiled = compileTariff(tariff);
  const { fromMs, toMs } = checkPeriod(period);
  const checkedOptions = expectObject(options, 'options');
  const intervalMs = checkIntervalMs(checkedOptions.intervalMs);
  const checkedColumns = checkColumns(columns);
  const unassigned = checkUnassigned(checkedOptions.unassigned, fromMs, toMs);
  const slots = slotTable(compiled, fromMs, toMs, intervalMs);
  const { status, totals } = kernel(compiled, slots, checkedColumns);
  if (status !== PRICE_OK) {
    const failedIndex = safeNumber(totals[TOTAL_FAILED_INDEX], 'TOTAL_FAILED_INDEX');
    throw pricingError(status, failedIndex, checkedColumns.start[failedIndex]!);
  }
  return buildStatement({ tariff: compiled, slots, fromMs, toMs, unassigned }, totals);
}
