// Interval aggregation kernel (SPEC §2). One call turns sorted reading
// columns into interval rows and unassigned entries. Layout of the parameter
// block and of every region, and the status codes: docs/wasm-aggregate.md.
// Per meter: an import pass that also validates and finds the meter's end,
// then (when the meter has export readings) an export pass over the same,
// cache-warm readings into scratch regions, merged into the output in place.

import {
  FLAG_ESTIMATED, FLAG_RESET, FLAG_SPIKE, FLAG_GAP, KIND_EXPORT, KIND_SPIKE,
  TIME_MS_MAX_EXCLUSIVE, REGISTER_MWH_MAX_EXCLUSIVE, DAY_MS, MINUTE_MS, MAX_POWER_W_MAX,
  MAX_GAP_MS_MAX, SPIKE_CLAMP_MWH, P_READINGS, P_METER, P_TIME, P_IMPORT, P_EXPORT, P_INTERVAL,
  P_MAX_POWER, P_MAX_GAP, P_ROWS, P_ROW_METER, P_ROW_START, P_ROW_IMPORT, P_ROW_EXPORT,
  P_ROW_FLAGS, P_SCRATCH_ROWS, P_SCRATCH_START, P_SCRATCH_ENERGY, P_SCRATCH_FLAGS, P_UNASSIGNED,
  P_UN_METER, P_UN_FROM, P_UN_KIND, P_SCRATCH_UN, P_SCRATCH_UN_FROM, R_ROW_COUNT,
  R_UNASSIGNED_COUNT, R_SCRATCH_ROWS_NEEDED, R_SCRATCH_UN_NEEDED, R_ERROR_INDEX,
} from "./aggregate-layout";

export const aggregateKernelVersion: i32 = 2;

export const AGGREGATE_OK: i32 = 0;
/** An output or scratch region was too small; the needed sizes are in the result slots. */
export const AGGREGATE_CAPACITY: i32 = 1;
export const AGGREGATE_TIME_NEGATIVE: i32 = 2;
export const AGGREGATE_TIME_TOO_LARGE: i32 = 3;
export const AGGREGATE_IMPORT_NEGATIVE: i32 = 4;
export const AGGREGATE_IMPORT_TOO_LARGE: i32 = 5;
export const AGGREGATE_EXPORT_NEGATIVE: i32 = 6;
export const AGGREGATE_EXPORT_TOO_LARGE: i32 = 7;
export const AGGREGATE_UNSORTED: i32 = 8;
export const AGGREGATE_DUPLICATE_CONFLICT: i32 = 9;
export const AGGREGATE_BAD_PARAMETERS: i32 = 10;

let params: usize = 0;
let readingCount: i32 = 0;
let meterPtr: usize = 0;
let timePtr: usize = 0;
let importPtr: usize = 0;
let exportPtr: usize = 0;
let intervalMs: i64 = 0;
let maxPowerW: i64 = 0;
let maxGapMs: i64 = 0;
// Once a region overflows nothing more is stored; counting goes on so the
// host learns every size it needs for the second call.
let overflow: bool = false;
let errorIndex: i32 = -1;
let meterExportReadings: i32 = 0;

// The regions the channel pass writes to: the output's (start, import,
// flags) and unassigned columns, or the export scratch. Plain globals: the
// kernel allocates nothing, the host owns all memory from heapBase().
let rowStartPtr: usize = 0;
let rowEnergyPtr: usize = 0;
let rowFlagsPtr: usize = 0;
let rowCapacity: i64 = 0;
let rowCount: i64 = 0;
let entryFromPtr: usize = 0;
let entryToPtr: usize = 0;
let entryEnergyPtr: usize = 0;
let entryKindPtr: usize = 0;
let entryCapacity: i64 = 0;
let entryCount: i64 = 0;

// The open row: the channel's last emitted interval (k), not yet stored.
let openK: i64 = 0;
let openEndMs: i64 = 0;
let openEnergy: i64 = 0;
let openFlags: i32 = 0;
let hasOpen: bool = false;

@inline function slot(index: i32): i64 {
  return load<i64>(params + (<usize>index << 3));
}
@inline function setSlot(index: i32, value: i64): void {
  store<i64>(params + (<usize>index << 3), value);
}
@inline function at64(base: usize, index: i64): usize {
  return base + (<usize>index << 3);
}
@inline function isSpike(deltaMWh: i64, durationMs: i64): bool {
  return min(deltaMWh, SPIKE_CLAMP_MWH) * 3600 > maxPowerW * durationMs;
}

function loadParams(block: usize): bool {
  params = block;
  readingCount = <i32>slot(P_READINGS);
  meterPtr = <usize>slot(P_METER);
  timePtr = <usize>slot(P_TIME);
  importPtr = <usize>slot(P_IMPORT);
  exportPtr = <usize>slot(P_EXPORT);
  intervalMs = slot(P_INTERVAL);
  maxPowerW = slot(P_MAX_POWER);
  maxGapMs = slot(P_MAX_GAP);
  const intervalOk = intervalMs >= MINUTE_MS && intervalMs % MINUTE_MS == 0 && DAY_MS % intervalMs == 0;
  return intervalOk && maxPowerW >= 1 && maxPowerW <= MAX_POWER_W_MAX && maxGapMs >= 1 && maxGapMs <= MAX_GAP_MS_MAX;
}

// Points the channel pass at the output regions or at the export scratch.
function selectRegions(scratch: bool): void {
  const rowSlot = scratch ? P_SCRATCH_ROWS : P_ROWS;
  rowCapacity = slot(rowSlot);
  rowStartPtr = <usize>slot(scratch ? P_SCRATCH_START : P_ROW_START);
  rowEnergyPtr = <usize>slot(scratch ? P_SCRATCH_ENERGY : P_ROW_IMPORT);
  rowFlagsPtr = <usize>slot(scratch ? P_SCRATCH_FLAGS : P_ROW_FLAGS);
  const entrySlot = scratch ? P_SCRATCH_UN : P_UNASSIGNED;
  const fromSlot = scratch ? P_SCRATCH_UN_FROM : P_UN_FROM;
  entryCapacity = slot(entrySlot);
  entryFromPtr = <usize>slot(fromSlot);
  entryToPtr = <usize>slot(fromSlot + 1);
  entryEnergyPtr = <usize>slot(fromSlot + 2);
  entryKindPtr = <usize>slot(fromSlot + 3);
}

/**
 * Aggregates the readings described by the parameter block at `block`.
 * Returns a status code; results and the offending reading's index go to
 * the block's result slots.
 */
export function aggregateIntervals(block: usize): i32 {
  if (!loadParams(block)) return AGGREGATE_BAD_PARAMETERS;
  overflow = false;
  errorIndex = -1;
  let outRowCount: i64 = 0;
  let outEntryCount: i64 = 0;
  let scratchRowsNeeded: i64 = 0;
  let scratchEntriesNeeded: i64 = 0;
  let status = AGGREGATE_OK;
  let begin: i32 = 0;
  while (begin < readingCount) {
    const end = aggregateMeter(begin, outRowCount, outEntryCount);
    if (end < 0) {
      status = -end;
      break;
    }
    outRowCount = rowCount;
    outEntryCount = entryCount;
    scratchRowsNeeded = max(scratchRowsNeeded, scratchRowsUsed);
    scratchEntriesNeeded = max(scratchEntriesNeeded, scratchEntriesUsed);
    begin = end;
  }
  if (status == AGGREGATE_OK && overflow) status = AGGREGATE_CAPACITY;
  setSlot(R_ROW_COUNT, outRowCount);
  setSlot(R_UNASSIGNED_COUNT, outEntryCount);
  setSlot(R_SCRATCH_ROWS_NEEDED, scratchRowsNeeded);
  setSlot(R_SCRATCH_UN_NEEDED, scratchEntriesNeeded);
  setSlot(R_ERROR_INDEX, errorIndex);
  return status;
}

// One unsigned compare per column catches both ends of its range.
@inline function isOutOfRange(timeMs: i64, importMWh: i64, exportMWh: i64): bool {
  return (<u64>timeMs >= TIME_MS_MAX_EXCLUSIVE) | (<u64>importMWh >= REGISTER_MWH_MAX_EXCLUSIVE) |
    (<u64>(exportMWh + 1) > REGISTER_MWH_MAX_EXCLUSIVE);
}

// The exact code of an out-of-range reading (t, then i, then x).
function rangeStatus(timeMs: i64, importMWh: i64, exportMWh: i64): i32 {
  if (timeMs < 0) return AGGREGATE_TIME_NEGATIVE;
  if (<u64>timeMs >= TIME_MS_MAX_EXCLUSIVE) return AGGREGATE_TIME_TOO_LARGE;
  if (importMWh < 0) return AGGREGATE_IMPORT_NEGATIVE;
  if (<u64>importMWh >= REGISTER_MWH_MAX_EXCLUSIVE) return AGGREGATE_IMPORT_TOO_LARGE;
  return exportMWh < -1 ? AGGREGATE_EXPORT_NEGATIVE : AGGREGATE_EXPORT_TOO_LARGE;
}

// A reading that breaks the fast path's assumptions, checked in order:
// ranges, then order, then duplicates. Returns a status, NEXT_METER, or
// REPEAT for an identical repeat (counted once, so skipped).
const NEXT_METER: i32 = -1;
const REPEAT: i32 = -2;
function irregularReading(index: i32, meter: u32, timeA: i64, valueA: i64, exportA: i64, timeB: i64, valueB: i64, exportB: i64): i32 {
  if (isOutOfRange(timeB, valueB, exportB)) return rangeStatus(timeB, valueB, exportB);
  const nextMeter = load<u32>(meterPtr + (<usize>index << 2));
  if (nextMeter != meter) return nextMeter < meter ? AGGREGATE_UNSORTED : NEXT_METER;
  if (timeB < timeA) return AGGREGATE_UNSORTED;
  return valueB != valueA || exportB != exportA ? AGGREGATE_DUPLICATE_CONFLICT : REPEAT;
}

let scratchRowsUsed: i64 = 0;
let scratchEntriesUsed: i64 = 0;

// Import rows straight into the output; export rows (when the meter has a
// pair of export readings) into scratch, then merged.
// Returns the index past the meter's readings, or −status.
function aggregateMeter(begin: i32, rowBase: i64, entryBase: i64): i32 {
  selectRegions(false);
  rowCount = rowBase;
  entryCount = entryBase;
  const end = channelPass(begin, readingCount, importPtr, 0, true);
  if (end < 0) return end;
  const importRows = rowCount - rowBase;
  const importEntries = entryCount - entryBase;
  // Merging writes `exp` only where export rows land; the rest stay 0.
  if (!overflow) memory.fill(at64(<usize>slot(P_ROW_EXPORT), rowBase), 0, <usize>importRows << 3);
  scratchRowsUsed = 0;
  scratchEntriesUsed = 0;
  if (meterExportReadings >= 2) {
    selectRegions(true);
    rowCount = 0;
    entryCount = 0;
    channelPass(begin, end, exportPtr, KIND_EXPORT, false);
    scratchRowsUsed = rowCount;
    scratchEntriesUsed = entryCount;
    rowCount = rowBase + mergeRows(rowBase, importRows, scratchRowsUsed);
    entryCount = entryBase + mergeEntries(entryBase, importEntries, scratchEntriesUsed);
  }
  if (!overflow) fillMeter(load<u32>(meterPtr + (<usize>begin << 2)), rowBase, rowCount, entryBase, entryCount);
  return end;
}

function fillMeter(meter: u32, rowBase: i64, rowEnd: i64, entryBase: i64, entryEnd: i64): void {
  const rowMeterPtr = <usize>slot(P_ROW_METER);
  for (let row = rowBase; row < rowEnd; row++) store<u32>(rowMeterPtr + (<usize>row << 2), meter);
  const entryMeterPtr = <usize>slot(P_UN_METER);
  for (let entry = entryBase; entry < entryEnd; entry++) store<u32>(entryMeterPtr + (<usize>entry << 2), meter);
}

// One channel of one meter from `begin`, with its register in `valuePtr`.
// The import pass (`validating`) also checks every reading and finds where
// the meter ends, so the readings are loaded once; the export pass then
// runs over the same, cache-warm [begin, end) and skips readings without x.
// The common pair, apportioned inside the open row's interval, stays in
// locals; the rest goes through `pairSlow`. Returns the end, or −status.
function channelPass(begin: i32, end: i32, valuePtr: usize, kind: i32, validating: bool): i32 {
  const times = timePtr;
  const exports = exportPtr;
  const gapMs = maxGapMs;
  const powerW = maxPowerW;
  const meter = load<u32>(meterPtr + (<usize>begin << 2));
  let index = begin;
  if (!validating) while (index < end && load<i64>(at64(valuePtr, index)) < 0) index++;
  if (index >= end) return end;
  let timeA = load<i64>(at64(times, index));
  let valueA = load<i64>(at64(valuePtr, index));
  let exportA: i64 = validating && exports != 0 ? load<i64>(at64(exports, index)) : -1;
  if (validating && isOutOfRange(timeA, valueA, exportA)) return fail(index, rangeStatus(timeA, valueA, exportA));
  let exportReadings: i32 = <i32>(exportA >= 0);
  startChannel(timeA);
  let endMs = openEndMs;
  let energyMWh: i64 = 0;
  while (++index < end) {
    const valueB = load<i64>(at64(valuePtr, index));
    const timeB = load<i64>(at64(times, index));
    if (validating) {
      const exportB = exports != 0 ? load<i64>(at64(exports, index)) : -1;
      const sameMeter = load<u32>(meterPtr + (<usize>index << 2)) == meter;
      if (isOutOfRange(timeB, valueB, exportB) | !sameMeter | (timeB <= timeA)) {
        const status = irregularReading(index, meter, timeA, valueA, exportA, timeB, valueB, exportB);
        if (status == REPEAT) continue;
        if (status == NEXT_METER) break;
        return fail(index, status);
      }
      exportReadings += <i32>(exportB >= 0);
      exportA = exportB;
    } else if (valueB < 0) {
      continue; // no export register
    }
    const durationMs = timeB - timeA;
    const deltaMWh = valueB - valueA;
    // Non-short-circuit `&`: one branch. A product may wrap only when
    // d < 0 or durationMs > gapMs, and its term is then ANDed with false.
    const clampedMWh = min(deltaMWh, SPIKE_CLAMP_MWH);
    const insideOpenRow = (timeB <= endMs) & (deltaMWh >= 0) & (durationMs <= gapMs) & (clampedMWh * 3600 <= powerW * durationMs);
    if (insideOpenRow) {
      energyMWh += deltaMWh;
    } else {
      openEnergy = energyMWh;
      pairSlow(timeA, timeB, deltaMWh, durationMs, kind);
      energyMWh = openEnergy;
      endMs = openEndMs;
    }
    timeA = timeB;
    valueA = valueB;
  }
  openEnergy = energyMWh;
  closeOpenRow();
  if (validating) meterExportReadings = exportReadings;
  return index;
}

@inline function fail(index: i32, status: i32): i32 {
  errorIndex = index;
  return -status;
}

// No row yet: a fictitious open interval just before t_a's own, so the
// first pair always takes the slow path.
function startChannel(timeA: i64): void {
  openK = timeA / intervalMs - 1;
  openEndMs = (openK + 1) * intervalMs;
  openEnergy = 0;
  openFlags = 0;
  hasOpen = false;
}

// Classifies a pair in SPEC order (reset, gap, spike) and emits it.
function pairSlow(timeA: i64, timeB: i64, deltaMWh: i64, durationMs: i64, kind: i32): void {
  if (durationMs == 0) return; // an identical repeat in the export pass
  let flag = 0;
  if (deltaMWh < 0) flag = FLAG_RESET;
  else if (durationMs > maxGapMs) flag = FLAG_GAP;
  else if (isSpike(deltaMWh, durationMs)) flag = FLAG_SPIKE;
  if (flag == 0) {
    apportion(timeA, timeB, deltaMWh, durationMs);
    return;
  }
  emit(lastInterval(timeB), 0, flag);
  if (flag != FLAG_RESET) addEntry(timeA, timeB, deltaMWh, kind | (flag == FLAG_SPIKE ? KIND_SPIKE : 0));
}

// The interval containing t_b − 1. After the first pair the open row is the
// interval of t_a − 1, so the next one or two intervals need no division.
@inline function lastInterval(timeB: i64): i64 {
  if (timeB <= openEndMs) return openK;
  if (timeB <= openEndMs + intervalMs) return openK + 1;
  return (timeB - 1) / intervalMs;
}

// Spreads d over the intervals of [t_a, t_b) by E(u) = floor(d·(u − t_a)/Δt),
// as q·x + (r·x) div Δt: r·x < Δt² ≤ maxGapMs² < 2^63.
function apportion(timeA: i64, timeB: i64, deltaMWh: i64, durationMs: i64): void {
  const flags = durationMs > intervalMs ? FLAG_ESTIMATED : 0;
  let k = timeA < openEndMs ? openK : timeA == openEndMs ? openK + 1 : timeA / intervalMs;
  const lastK = lastInterval(timeB);
  if (k == lastK) {
    emit(k, deltaMWh, flags);
    return;
  }
  const quotient = deltaMWh / durationMs;
  const remainder = deltaMWh - quotient * durationMs;
  let doneMWh: i64 = 0;
  for (; k <= lastK; k++) {
    const elapsedMs = min(timeB, (k + 1) * intervalMs) - timeA;
    const cumulativeMWh = quotient * elapsedMs + (remainder * elapsedMs) / durationMs;
    emit(k, cumulativeMWh - doneMWh, flags);
    doneMWh = cumulativeMWh;
  }
  assert(doneMWh == deltaMWh, "apportion: energy not conserved");
}

@inline function emit(k: i64, energyMWh: i64, flags: i32): void {
  if (k != openK) {
    closeOpenRow();
    openK = k;
    openEndMs = (k + 1) * intervalMs;
    hasOpen = true;
  }
  openEnergy += energyMWh;
  openFlags |= flags;
}

function closeOpenRow(): void {
  if (!hasOpen) return;
  if (rowCount >= rowCapacity) overflow = true;
  if (!overflow) {
    store<i64>(at64(rowStartPtr, rowCount), openK * intervalMs);
    store<i64>(at64(rowEnergyPtr, rowCount), openEnergy);
    store<u8>(rowFlagsPtr + <usize>rowCount, <u8>openFlags);
  }
  rowCount++;
  openEnergy = 0;
  openFlags = 0;
  hasOpen = false;
}

function addEntry(fromMs: i64, toMs: i64, energyMWh: i64, kind: i32): void {
  if (entryCount >= entryCapacity) overflow = true;
  if (!overflow) {
    store<i64>(at64(entryFromPtr, entryCount), fromMs);
    store<i64>(at64(entryToPtr, entryCount), toMs);
    store<i64>(at64(entryEnergyPtr, entryCount), energyMWh);
    store<u8>(entryKindPtr + <usize>entryCount, <u8>kind);
  }
  entryCount++;
}

// Merges the meter's export rows (scratch) into its import rows (output at
// rowBase) by start, from the back so nothing is overwritten before it is
// moved. Returns the meter's row count (an upper bound once overflowed).
function mergeRows(rowBase: i64, importRows: i64, exportRows: i64): i64 {
  if (overflow) return importRows + exportRows;
  const startPtr = <usize>slot(P_ROW_START);
  const importPtrOut = <usize>slot(P_ROW_IMPORT);
  const exportPtrOut = <usize>slot(P_ROW_EXPORT);
  const flagsPtr = <usize>slot(P_ROW_FLAGS);
  let union = importRows + exportRows;
  for (let i: i64 = 0, j: i64 = 0; i < importRows && j < exportRows; ) {
    const importStart = load<i64>(at64(startPtr, rowBase + i));
    const exportStart = load<i64>(at64(rowStartPtr, j));
    if (importStart == exportStart) union--;
    if (importStart <= exportStart) i++;
    if (exportStart <= importStart) j++;
  }
  if (rowBase + union > slot(P_ROWS)) {
    overflow = true;
    return importRows + exportRows;
  }
  let i = rowBase + importRows - 1;
  let j = exportRows - 1;
  for (let target = rowBase + union - 1; j >= 0; target--) {
    const exportStart = load<i64>(at64(rowStartPtr, j));
    const importStart = i >= rowBase ? load<i64>(at64(startPtr, i)) : i64.MIN_VALUE;
    let importMWh: i64 = 0;
    let exportMWh: i64 = 0;
    let flags: u8 = 0;
    if (importStart >= exportStart) {
      importMWh = load<i64>(at64(importPtrOut, i));
      flags = load<u8>(flagsPtr + <usize>i);
      i--;
    }
    if (exportStart >= importStart) {
      exportMWh = load<i64>(at64(rowEnergyPtr, j));
      flags |= load<u8>(rowFlagsPtr + <usize>j);
      j--;
    }
    store<i64>(at64(startPtr, target), max(importStart, exportStart));
    store<i64>(at64(importPtrOut, target), importMWh);
    store<i64>(at64(exportPtrOut, target), exportMWh);
    store<u8>(flagsPtr + <usize>target, flags);
  }
  return union;
}

// Merges export entries (scratch) after the import ones by `from`, import
// first on a tie. Returns the meter's entry count.
function mergeEntries(entryBase: i64, importEntries: i64, exportEntries: i64): i64 {
  const total = importEntries + exportEntries;
  if (overflow || exportEntries == 0) return total;
  if (entryBase + total > slot(P_UNASSIGNED)) {
    overflow = true;
    return total;
  }
  const outFromPtr = <usize>slot(P_UN_FROM);
  let i = entryBase + importEntries - 1;
  let j = exportEntries - 1;
  for (let target = entryBase + total - 1; j >= 0; target--) {
    const takeExport = i < entryBase || load<i64>(at64(outFromPtr, i)) <= load<i64>(at64(entryFromPtr, j));
    if (takeExport) copyEntry(P_SCRATCH_UN_FROM, j--, target);
    else copyEntry(P_UN_FROM, i--, target);
  }
  return total;
}

// Copies entry `index` of the region whose columns start at `fromSlot` to
// output entry `target`.
function copyEntry(fromSlot: i32, index: i64, target: i64): void {
  for (let column = 0; column < 3; column++) {
    const value = load<i64>(at64(<usize>slot(fromSlot + column), index));
    store<i64>(at64(<usize>slot(P_UN_FROM + column), target), value);
  }
  store<u8>(<usize>slot(P_UN_KIND) + <usize>target, load<u8>(<usize>slot(fromSlot + 3) + <usize>index));
}
