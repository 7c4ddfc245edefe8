// Tariff application (SPEC §3, §7): `priceColumns` and the JSON form `price`.
// The host compiles the tariff and the period's slot tables (cached), copies
// the columns into linear memory, and the WASM kernel does the per-interval
// work; the statement is assembled from the kernel's totals.
import { invalidInput } from '../errors.js';
import { BILLING_PERIOD_ENERGY_MWH_MAX, READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import { compileTariff } from '../tariff/compile.js';
import { defaultBillingPeriod } from '../tariff/default-period.js';
import { expectArray, expectInteger, expectKeys, expectObject } from '../tariff/fields.js';
import { totalsWords, type KernelResult } from '../tariff/kernel-layout.js';
import { priceWithKernel } from '../tariff/pipeline.js';
import type {
  BillingPeriod, CompiledTariff, IntervalPriceColumns, PriceColumnsOptions, SlotTable, Statement,
} from '../tariff/types.js';
import { Arena, kernels } from './wasm.js';

export type {
  BillingPeriod, FlaggedIntervals, IntervalPriceColumns, LineKind, PriceColumnsOptions, PriceInput, Statement,
  StatementLine, StatementTax, Tariff, TariffSchedule, TariffTier, UnassignedEnergy,
} from '../tariff/types.js';
import { safeNumber } from '../exact.js';

interface TariffKernelExports {
  priceIntervals(
    intervalCount: number, startPtr: number, importPtr: number, exportPtr: number, flagsPtr: number,
    firstSlot: bigint, intervalMs: bigint, slotCount: number, slotPeriodPtr: number, slotDynamicPtr: number,
    tablePtr: number, slotIntervalPtr: number, totalsPtr: number, periodEnergyMaxMWh: bigint,
  ): number;
}

/**
 * The WASM pricing kernel behind `priceColumns`: copies the columns and
 * tables into linear memory (0 = absent column) and runs `priceIntervals`.
 * Exported for the property tests and benchmarks, not part of the library.
 */
export function wasmPriceKernel(tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns): KernelResult {
  const kernel = kernels() as unknown as TariffKernelExports;
  const intervalCount = columns.start.length;
  const words = totalsWords(tariff);
  const arena = new Arena();
  const startPtr = arena.reserve(intervalCount * 8);
  const importPtr = arena.reserve(intervalCount * 8);
  const exportPtr = columns.exp === undefined ? 0 : arena.reserve(intervalCount * 8);
  const flagsPtr = columns.flags === undefined ? 0 : arena.reserve(intervalCount);
  const slotPeriodPtr = arena.reserve(slots.slotCount);
  const slotDynamicPtr = slots.dynamicBySlot === null ? 0 : arena.reserve(slots.slotCount * 8);
  const tablePtr = arena.reserve(tariff.kernelTable.length * 8);
  const slotIntervalPtr = arena.reserve(slots.slotCount * 4);
  const totalsPtr = arena.reserve(words * 8);
  arena.commit();
  arena.i64(startPtr, intervalCount).set(columns.start);
  arena.i64(importPtr, intervalCount).set(columns.imp);
  if (columns.exp !== undefined) arena.i64(exportPtr, intervalCount).set(columns.exp);
  if (columns.flags !== undefined) arena.u8(flagsPtr, intervalCount).set(columns.flags);
  arena.u8(slotPeriodPtr, slots.slotCount).set(slots.periodBySlot);
  if (slots.dynamicBySlot !== null) arena.i64(slotDynamicPtr, slots.slotCount).set(slots.dynamicBySlot);
  arena.i64(tablePtr, tariff.kernelTable.length).set(tariff.kernelTable);
  const status = kernel.priceIntervals(
    intervalCount, startPtr, importPtr, exportPtr, flagsPtr,
    BigInt(slots.firstSlot), BigInt(slots.intervalMs), slots.slotCount, slotPeriodPtr, slotDynamicPtr,
    tablePtr, slotIntervalPtr, totalsPtr, BILLING_PERIOD_ENERGY_MWH_MAX,
  );
  return { status, totals: arena.i64(totalsPtr, words).slice() };
}

/** The statement of SPEC §3 for one meter's interval columns over `period` [from, to). */
export function priceColumns(
  tariff: unknown, period: BillingPeriod, columns: IntervalPriceColumns, options?: PriceColumnsOptions,
): Statement {
  return priceWithKernel(wasmPriceKernel, tariff, period, columns, options);
}

const TIME_MS_MAX = safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE') - 1;

// JSON intervals into columns; ranges beyond "a safe integer" are the kernel's checks.
function intervalColumns(value: unknown): IntervalPriceColumns {
  const intervals = expectArray(value, 'intervals');
  const columns = {
    start: new BigInt64Array(intervals.length),
    imp: new BigInt64Array(intervals.length),
    exp: new BigInt64Array(intervals.length),
    flags: new Uint8Array(intervals.length),
  };
  intervals.forEach((intervalValue, index) => {
    const field = `intervals[${index}]`;
    const interval = expectObject(intervalValue, field);
    expectKeys(interval, ['start', 'imp', 'exp', 'flags'], field);
    columns.start[index] = BigInt(expectInteger(interval.start, `${field}.start`, 0, TIME_MS_MAX));
    columns.imp[index] = BigInt(expectInteger(interval.imp, `${field}.imp`, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    if (interval.exp !== undefined) {
      columns.exp[index] = BigInt(expectInteger(interval.exp, `${field}.exp`, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    }
    if (interval.flags !== undefined) columns.flags[index] = expectInteger(interval.flags, `${field}.flags`, 0, 255);
  });
  return columns;
}

/**
 * The JSON form of `gridsettle price`: `{tariff, intervalMs?, period?, intervals, unassigned?}`.
 * Without `period`, the billing period is the local calendar month (tariff
 * timezone) containing the earliest interval.
 */
export function price(input: unknown): Statement {
  const request = expectObject(input, 'input');
  expectKeys(request, ['tariff', 'intervalMs', 'period', 'intervals', 'unassigned'], 'input');
  if (request.tariff === undefined) throw invalidInput('input.tariff is required');
  const columns = intervalColumns(request.intervals);
  const period = request.period ?? defaultBillingPeriod(compileTariff(request.tariff).timezone, columns.start);
  return priceColumns(request.tariff, period as BillingPeriod, columns, {
    intervalMs: request.intervalMs as number | undefined,
    unassigned: request.unassigned as unknown[] | undefined,
  });
}
