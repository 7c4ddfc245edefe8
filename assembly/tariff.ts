// Tariff kernel (SPEC §3): validates one billing period's intervals and sums
// the µ parts of every statement line. Layouts and status codes are in
// docs/wasm-tariff.md; the host does timezones, rounding to minor units,
// demand, fixed and taxes (one bigint each per statement).
import { mulDivHalfEven } from "./rounding";

export const tariffKernelVersion: i32 = 2;

// Status codes returned by `priceIntervals`.
export const PRICE_OK: i32 = 0;
export const PRICE_MISALIGNED: i32 = 1;
export const PRICE_OUTSIDE_PERIOD: i32 = 2;
export const PRICE_DUPLICATE: i32 = 3;
export const PRICE_NEGATIVE_ENERGY: i32 = 4;
export const PRICE_ENERGY_TOO_LARGE: i32 = 5;
export const PRICE_BAD_FLAGS: i32 = 6;
export const PRICE_PERIOD_ENERGY_LIMIT: i32 = 7;
export const PRICE_NO_PRICE: i32 = 8;

/** Marks "no price" in the slot dynamic column and in a period's export price. */
const NO_PRICE: i64 = i64.MIN_VALUE;
const MICRO: i64 = 1_000_000;
/** Interval energy is a difference of registers < 2^53 (SPEC §1). */
const INTERVAL_ENERGY_MAX_EXCLUSIVE: i64 = 1 << 53;
const FLAGS_ALL: u8 = 15;
const FAST_PART_ENERGY_MAX_EXCLUSIVE: i64 = 1 << 36;

// Tariff table (i64 words): [periodCount, tierTotal], then per period
// [tierCount, tierStart, exportPriceMicro, 0], then per tier [boundMWh, priceMicro].
const TABLE_HEADER_BYTES: usize = 16;
const PERIOD_RECORD_BYTES: usize = 32;
const TIER_RECORD_BYTES: usize = 16;

// Totals (i64 words): 8 summary words, then [mWh, µ] per tier (energy),
// per period (dynamic energy), per period (export).
const TOTAL_INTERVALS: usize = 0;
const TOTAL_PEAK_MWH: usize = 8;
const TOTAL_FLAG_COUNTS: usize = 16; // estimated, reset, spike, gap
const TOTAL_FAILED_INDEX: usize = 48;
const TOTAL_HEADER_BYTES: usize = 64;
const LINE_BYTES: usize = 16;

@inline
function loadI64(base: usize, index: i32): i64 {
  return load<i64>(base + (<usize>index << 3));
}

function fail(totalsPtr: usize, status: i32, intervalIndex: i32): i32 {
  store<i64>(totalsPtr + TOTAL_FAILED_INDEX, intervalIndex);
  return status;
}

// Checks every interval in input order and writes its index into its grid
// slot, so the accumulation below runs in time order whatever the input order.
function scatterIntervals(
  intervalCount: i32, startPtr: usize, importPtr: usize, exportPtr: usize, flagsPtr: usize,
  firstSlot: i64, intervalMs: i64, slotCount: i32, slotIntervalPtr: usize,
  totalsPtr: usize, periodEnergyMaxExclusiveMWh: i64,
): i32 {
  memory.fill(slotIntervalPtr, 0xff, <usize>slotCount << 2);
  // Each term is < 2^53 and the sums stop at periodEnergyMaxExclusiveMWh ≤ 2^62: no overflow.
  let importTotalMWh: i64 = 0;
  let exportTotalMWh: i64 = 0;
  // Sorted consecutive input hits the prediction and skips the i64 division.
  let predictedSlot = firstSlot;
  for (let i = 0; i < intervalCount; i++) {
    const startMs = loadI64(startPtr, i);
    let slot = predictedSlot;
    if (startMs != slot * intervalMs) {
      slot = startMs / intervalMs;
      if (slot * intervalMs != startMs) return fail(totalsPtr, PRICE_MISALIGNED, i);
    }
    predictedSlot = slot + 1;
    const k = slot - firstSlot;
    if (k < 0 || k >= <i64>slotCount) return fail(totalsPtr, PRICE_OUTSIDE_PERIOD, i);
    const slotAt = slotIntervalPtr + (<usize>k << 2);
    if (load<i32>(slotAt) >= 0) return fail(totalsPtr, PRICE_DUPLICATE, i);
    store<i32>(slotAt, i);
    const importMWh = loadI64(importPtr, i);
    const exportMWh: i64 = exportPtr != 0 ? loadI64(exportPtr, i) : 0;
    if (importMWh < 0 || exportMWh < 0) return fail(totalsPtr, PRICE_NEGATIVE_ENERGY, i);
    if (importMWh >= INTERVAL_ENERGY_MAX_EXCLUSIVE || exportMWh >= INTERVAL_ENERGY_MAX_EXCLUSIVE) {
      return fail(totalsPtr, PRICE_ENERGY_TOO_LARGE, i);
    }
    if (flagsPtr != 0 && load<u8>(flagsPtr + <usize>i) > FLAGS_ALL) return fail(totalsPtr, PRICE_BAD_FLAGS, i);
    importTotalMWh += importMWh;
    exportTotalMWh += exportMWh;
    // SPEC §1: each total must stay below the bound (2^56 itself is over it).
    if (importTotalMWh >= periodEnergyMaxExclusiveMWh || exportTotalMWh >= periodEnergyMaxExclusiveMWh) {
      return fail(totalsPtr, PRICE_PERIOD_ENERGY_LIMIT, i);
    }
  }
  return PRICE_OK;
}

// rhe(e × p / 10^6). Below 2^36 mWh the product stays under 2^63 (|p| ≤ 10^8 < 2^27)
// and a division by a constant is cheaper than mulDivHalfEven's general one;
// larger energies take its 128-bit path.
@inline
function partMicro(energyMWh: i64, priceMicroPerKWh: i64): i64 {
  if (energyMWh >= FAST_PART_ENERGY_MAX_EXCLUSIVE) return mulDivHalfEven(energyMWh, priceMicroPerKWh, MICRO);
  const product = energyMWh * priceMicroPerKWh;
  const magnitude = <u64>(product < 0 ? -product : product);
  const quotient = magnitude / <u64>MICRO;
  const remainder = magnitude - quotient * <u64>MICRO;
  const rest = <u64>MICRO - remainder;
  const rounded = <i64>(remainder > rest || (remainder == rest && (quotient & 1) != 0) ? quotient + 1 : quotient);
  return product < 0 ? -rounded : rounded;
}

/** Adds one part: `energyMWh` at `priceMicroPerKWh`, rhe(e × p / 10^6), with `sign` ±1. */
@inline
function addPart(linePtr: usize, energyMWh: i64, priceMicroPerKWh: i64, sign: i64): void {
  store<i64>(linePtr, load<i64>(linePtr) + energyMWh);
  store<i64>(linePtr, load<i64>(linePtr, 8) + sign * partMicro(energyMWh, priceMicroPerKWh), 8);
}

// Splits one interval's import over the tiers: tier t holds the cumulative
// import in (bound[t−1], bound[t]], so energy up to and including a bound
// stays in the lower tier. The last tier's bound is i64.MAX.
function addTieredParts(
  tierPtr: usize, tierCount: i32, linePtr: usize, cumulativeBeforeMWh: i64, importMWh: i64,
): void {
  let remainingMWh = importMWh;
  let cumulativeMWh = cumulativeBeforeMWh;
  for (let t = 0; t < tierCount && remainingMWh > 0; t++) {
    const tierAt = tierPtr + <usize>t * TIER_RECORD_BYTES;
    const boundMWh = load<i64>(tierAt);
    if (cumulativeMWh >= boundMWh) continue;
    const roomMWh = boundMWh - cumulativeMWh;
    const partMWh = remainingMWh < roomMWh ? remainingMWh : roomMWh;
    addPart(linePtr + <usize>t * LINE_BYTES, partMWh, load<i64>(tierAt, 8), 1);
    remainingMWh -= partMWh;
    cumulativeMWh += partMWh;
  }
}

function countFlags(totalsPtr: usize, flags: u8): void {
  for (let bit = 0; bit < 4; bit++) {
    if ((flags >> <u8>bit) & 1) {
      const at = totalsPtr + TOTAL_FLAG_COUNTS + (<usize>bit << 3);
      store<i64>(at, load<i64>(at) + 1);
    }
  }
}

// Walks the grid slots in time order and adds each present interval's parts.
function accumulateSlots(
  importPtr: usize, exportPtr: usize, flagsPtr: usize, slotCount: i32, slotIntervalPtr: usize,
  slotPeriodPtr: usize, slotDynamicPtr: usize, tablePtr: usize, totalsPtr: usize,
): i32 {
  const periodCount = <usize>load<i64>(tablePtr);
  const tierTotal = <usize>load<i64>(tablePtr, 8);
  const tierAreaPtr = tablePtr + TABLE_HEADER_BYTES + periodCount * PERIOD_RECORD_BYTES;
  const energyLinesPtr = totalsPtr + TOTAL_HEADER_BYTES;
  const dynamicLinesPtr = energyLinesPtr + tierTotal * LINE_BYTES;
  const exportLinesPtr = dynamicLinesPtr + periodCount * LINE_BYTES;
  let cumulativeImportMWh: i64 = 0;
  let peakImportMWh: i64 = 0;
  let intervals: i64 = 0;
  for (let k = 0; k < slotCount; k++) {
    const i = load<i32>(slotIntervalPtr + (<usize>k << 2));
    if (i < 0) continue;
    intervals++;
    const period = <usize>load<u8>(slotPeriodPtr + <usize>k);
    const recordPtr = tablePtr + TABLE_HEADER_BYTES + period * PERIOD_RECORD_BYTES;
    const importMWh = loadI64(importPtr, i);
    if (importMWh > 0) {
      const dynamicMicro: i64 = slotDynamicPtr != 0 ? loadI64(slotDynamicPtr, k) : NO_PRICE;
      if (dynamicMicro != NO_PRICE) {
        addPart(dynamicLinesPtr + period * LINE_BYTES, importMWh, dynamicMicro, 1);
      } else {
        const tierCount = <i32>load<i64>(recordPtr);
        if (tierCount == 0) return fail(totalsPtr, PRICE_NO_PRICE, i);
        const tierStart = <usize>load<i64>(recordPtr, 8);
        addTieredParts(
          tierAreaPtr + tierStart * TIER_RECORD_BYTES, tierCount,
          energyLinesPtr + tierStart * LINE_BYTES, cumulativeImportMWh, importMWh,
        );
      }
      cumulativeImportMWh += importMWh;
      if (importMWh > peakImportMWh) peakImportMWh = importMWh;
    }
    const exportMWh: i64 = exportPtr != 0 ? loadI64(exportPtr, i) : 0;
    const exportMicro = load<i64>(recordPtr, 16);
    // Export parts are computed on the magnitude and negated (a credit).
    if (exportMWh > 0 && exportMicro != NO_PRICE) addPart(exportLinesPtr + period * LINE_BYTES, exportMWh, exportMicro, -1);
    if (flagsPtr != 0) {
      const flags = load<u8>(flagsPtr + <usize>i);
      if (flags != 0) countFlags(totalsPtr, flags);
    }
  }
  store<i64>(totalsPtr + TOTAL_INTERVALS, intervals);
  store<i64>(totalsPtr + TOTAL_PEAK_MWH, peakImportMWh);
  return PRICE_OK;
}

/** Bytes of the totals region for a tariff table (see docs/wasm-tariff.md). */
export function priceTotalsBytes(tablePtr: usize): usize {
  const periodCount = <usize>load<i64>(tablePtr);
  const tierTotal = <usize>load<i64>(tablePtr, 8);
  return TOTAL_HEADER_BYTES + (tierTotal + 2 * periodCount) * LINE_BYTES;
}

/**
 * Prices one billing period's intervals: returns a status code and fills
 * the totals region (line sums in mWh and µ, peak, counts).
 */
export function priceIntervals(
  intervalCount: i32, startPtr: usize, importPtr: usize, exportPtr: usize, flagsPtr: usize,
  firstSlot: i64, intervalMs: i64, slotCount: i32, slotPeriodPtr: usize, slotDynamicPtr: usize,
  tablePtr: usize, slotIntervalPtr: usize, totalsPtr: usize, periodEnergyMaxExclusiveMWh: i64,
): i32 {
  assert(intervalMs > 0 && periodEnergyMaxExclusiveMWh <= (<i64>1 << 62), "priceIntervals: parameters out of domain");
  memory.fill(totalsPtr, 0, priceTotalsBytes(tablePtr));
  const status = scatterIntervals(
    intervalCount, startPtr, importPtr, exportPtr, flagsPtr,
    firstSlot, intervalMs, slotCount, slotIntervalPtr, totalsPtr, periodEnergyMaxExclusiveMWh,
  );
  if (status != PRICE_OK) return status;
  return accumulateSlots(
    importPtr, exportPtr, flagsPtr, slotCount, slotIntervalPtr,
    slotPeriodPtr, slotDynamicPtr, tablePtr, totalsPtr,
  );
}
