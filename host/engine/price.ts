// Tariff application (SPEC §3, §7): `priceColumns` and the JSON form `price`.
// The host compiles the tariff and the period's slot tables (cached), copies
// the columns into linear memory, and the WASM kernel does the per-interval
// work; the statement is assembled from the kernel's totals.
import { invalidInput } from '../errors.js';
import { INTERVAL_ENERGY_RANGE, TIME_RANGE, boundedInteger } from '../integer-input.js';
import { BILLING_PERIOD_ENERGY_MWH_MAX } from '../limits.js';
import { compileTariff } from '../tariff/compile.js';
import { defaultBillingPeriod } from '../tariff/default-period.js';
import { expectArray, expectInteger, expectKeys, expectObject } from '../tariff/fields.js';
import { checkIntervalCount } from '../tariff/request.js';
import { totalsWords, type KernelResult } from '../tariff/kernel-layout.js';
import { priceWithKernel } from '../tariff/pipeline.js';
import type {
  BillingPeriod, CompiledTariff, IntervalPriceColumns, PriceColumnsOptions, PricedStatement, SlotTable,
} from '../tariff/types.js';
import { Arena, kernels, withKernelMemory } from './wasm.js';

export type {
  BillingPeriod, FlaggedIntervals, IntervalPriceColumns, LineKind, PriceColumnsOptions, PriceInput, PricedStatement, Statement,
  StatementLine, StatementTax, Tariff, TariffSchedule, TariffTier, UnassignedEnergy,
} from '../tariff/types.js';

interface TariffKernelExports {
  priceIntervals(
    intervalCount: number, startPtr: number, importPtr: number, exportPtr: number, flagsPtr: number,
    firstSlot: bigint, intervalMs: bigint, slotCount: number, slotPeriodPtr: number, slotDynamicPtr: number,
    tablePtr: number, slotIntervalPtr: number, totalsPtr: number, periodEnergyMaxExclusiveMWh: bigint,
  ): number;
}

/** What one pricing call lays out in linear memory: counts, table sizes (words) and which optional columns exist. */
export interface PriceLayoutCounts {
  intervalCount: number;
  slotCount: number;
  tableWords: number;
  totalsWords: number;
  hasExport: boolean;
  hasFlags: boolean;
  hasDynamic: boolean;
}

// Pointers of every region, 0 for an absent column.
function reservePricing(arena: Arena, counts: PriceLayoutCounts) {
  const { intervalCount, slotCount } = counts;
  return {
    startPtr: arena.reserve(intervalCount * 8),
    importPtr: arena.reserve(intervalCount * 8),
    exportPtr: counts.hasExport ? arena.reserve(intervalCount * 8) : 0,
    flagsPtr: counts.hasFlags ? arena.reserve(intervalCount) : 0,
    slotPeriodPtr: arena.reserve(slotCount),
    slotDynamicPtr: counts.hasDynamic ? arena.reserve(slotCount * 8) : 0,
    tablePtr: arena.reserve(counts.tableWords * 8),
    slotIntervalPtr: arena.reserve(slotCount * 4),
    totalsPtr: arena.reserve(counts.totalsWords * 8),
  };
}

/** Linear memory (bytes from 0) one pricing call with these counts lays out; for the limit tests. */
export function pricingMemoryBytes(counts: PriceLayoutCounts): number {
  const arena = new Arena();
  reservePricing(arena, counts);
  return arena.end;
}

/**
 * The WASM pricing kernel behind `priceColumns`: copies the columns and
 * tables into linear memory (0 = absent column) and runs `priceIntervals`.
 * Exported for the property tests and benchmarks, not part of the library.
 */
export function wasmPriceKernel(tariff: CompiledTariff, slots: SlotTable, columns: IntervalPriceColumns): KernelResult {
  const intervalCount = columns.start.length;
  const words = totalsWords(tariff);
  return withKernelMemory(() => {
    const kernel = kernels() as unknown as TariffKernelExports;
    const arena = new Arena();
    const at = reservePricing(arena, {
      intervalCount, slotCount: slots.slotCount, tableWords: tariff.kernelTable.length, totalsWords: words,
      hasExport: columns.exp !== undefined, hasFlags: columns.flags !== undefined, hasDynamic: slots.dynamicBySlot !== null,
    });
    arena.commit();
    arena.i64(at.startPtr, intervalCount).set(columns.start);
    arena.i64(at.importPtr, intervalCount).set(columns.imp);
    if (columns.exp !== undefined) arena.i64(at.exportPtr, intervalCount).set(columns.exp);
    if (columns.flags !== undefined) arena.u8(at.flagsPtr, intervalCount).set(columns.flags);
    arena.u8(at.slotPeriodPtr, slots.slotCount).set(slots.periodBySlot);
    if (slots.dynamicBySlot !== null) arena.i64(at.slotDynamicPtr, slots.slotCount).set(slots.dynamicBySlot);
    arena.i64(at.tablePtr, tariff.kernelTable.length).set(tariff.kernelTable);
    const status = kernel.priceIntervals(
      intervalCount, at.startPtr, at.importPtr, at.exportPtr, at.flagsPtr,
      BigInt(slots.firstSlot), BigInt(slots.intervalMs), slots.slotCount, at.slotPeriodPtr, at.slotDynamicPtr,
      at.tablePtr, at.slotIntervalPtr, at.totalsPtr, BILLING_PERIOD_ENERGY_MWH_MAX,
    );
    return { status, totals: arena.i64(at.totalsPtr, words).slice() };
  });
}

/** The statement of SPEC §3 for one meter's interval columns over `period` [from, to). */
export function priceColumns(
  tariff: unknown, period: BillingPeriod, columns: IntervalPriceColumns, options?: PriceColumnsOptions,
): PricedStatement {
  return priceWithKernel(wasmPriceKernel, tariff, period, columns, options);
}

// JSON intervals into columns; grid, period and uniqueness are the kernel's checks.
function intervalColumns(value: unknown): IntervalPriceColumns {
  const intervals = expectArray(value, 'intervals');
  checkIntervalCount(intervals.length);
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
    columns.start[index] = BigInt(boundedInteger(interval.start, `${field}.start`, TIME_RANGE));
    columns.imp[index] = BigInt(boundedInteger(interval.imp, `${field}.imp`, INTERVAL_ENERGY_RANGE));
    if (interval.exp !== undefined) columns.exp[index] = BigInt(boundedInteger(interval.exp, `${field}.exp`, INTERVAL_ENERGY_RANGE));
    if (interval.flags !== undefined) columns.flags[index] = expectInteger(interval.flags, `${field}.flags`, 0, 255);
  });
  return columns;
}

/**
 * The JSON form of `gridsettle price`: `{tariff, intervalMs?, period?, intervals, unassigned?}`.
 * Without `period`, the billing period is the local calendar month (tariff
 * timezone) containing the earliest interval.
 */
export function price(input: unknown): PricedStatement {
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
