// Battery-sharing compensation (SPEC §4) over columns of events; the memory
// layout and status codes are documented in docs/wasm-share.md.
import { MULDIV_OUT_OF_RANGE, mulDivHalfEven, roundHalfEven } from "./rounding";

export const shareKernelVersion: i32 = 1;

// SPEC §4 domain: the same values as SHARE_ENERGY_MWH_MAX … of host/limits.ts.
const ENERGY_MWH_MAX: i64 = 1_000_000_000;
const DURATION_MS_MIN: i64 = 1_000;
const DURATION_MS_MAX: i64 = 2_678_400_000;
const CAPACITY_MWH_MIN: i64 = 1;
const CAPACITY_MWH_MAX: i64 = 1_000_000_000_000;
const PRICE_MICRO_PER_KWH_MAX: i64 = 100_000_000;
const ALPHA_BETA_PPM_MAX: i64 = 10_000_000;
const CREF_PPM_MAX: i64 = 1_000_000_000;
const OCCUPANTS_MAX: u32 = 64;
const OCCUPANT_SHARE_MAX: i64 = 1_000_000;
const CRATE_PPM_MAX: i64 = 1_000_000_000;
const DOD_PPM_MAX: i64 = 10_000_000;

const PPM: i64 = 1_000_000;
/** 1 mWh delivered over 1 ms is 3 600 000 mW. */
const MILLIWATT_MS_PER_MWH: i64 = 3_600_000;

// Status codes (docs/wasm-share.md): 0 is success, the rest name the rule
// the event at `shareFailedEvent()` breaks.
export const SHARE_OK: i32 = 0;
export const SHARE_ENERGY_NEGATIVE: i32 = 1;
export const SHARE_ENERGY_ABOVE_MAX: i32 = 2;
export const SHARE_DURATION_NEGATIVE: i32 = 3;
export const SHARE_DURATION_BELOW_MIN: i32 = 4;
export const SHARE_DURATION_ABOVE_MAX: i32 = 5;
export const SHARE_CAPACITY_NEGATIVE: i32 = 6;
export const SHARE_CAPACITY_BELOW_MIN: i32 = 7;
export const SHARE_CAPACITY_ABOVE_MAX: i32 = 8;
export const SHARE_PRICE_NEGATIVE: i32 = 9;
export const SHARE_PRICE_ABOVE_MAX: i32 = 10;
export const SHARE_ALPHA_NEGATIVE: i32 = 11;
export const SHARE_ALPHA_ABOVE_MAX: i32 = 12;
export const SHARE_BETA_NEGATIVE: i32 = 13;
export const SHARE_BETA_ABOVE_MAX: i32 = 14;
export const SHARE_CREF_NEGATIVE: i32 = 15;
export const SHARE_CREF_ABOVE_MAX: i32 = 16;
export const SHARE_OCCUPANT_OFFSETS_INVALID: i32 = 17;
export const SHARE_OCCUPANTS_EMPTY: i32 = 18;
export const SHARE_OCCUPANTS_ABOVE_MAX: i32 = 19;
export const SHARE_OCCUPANT_SHARE_OUT_OF_RANGE: i32 = 20;
export const SHARE_CRATE_ABOVE_MAX: i32 = 21;
export const SHARE_DOD_ABOVE_MAX: i32 = 22;

let failedEvent: i32 = -1;

// Largest-remainder scratch: one ranking key per occupant of the current
// event. Static data below heapBase, so the kernel allocates nothing.
const remainderScratch: usize = memory.data(<i32>OCCUPANTS_MAX * 8, 8);

/** Index of the event a non-zero status refers to (-1 after success). */
export function shareFailedEvent(): i32 {
  return failedEvent;
}

function fail(event: i32, status: i32): i32 {
  failedEvent = event;
  return status;
}

@inline
function checkRange(value: i64, min: i64, max: i64, negative: i32, belowMin: i32, aboveMax: i32): i32 {
  if (value < 0) return negative;
  if (value < min) return belowMin;
  return value > max ? aboveMax : SHARE_OK;
}

// The scalar parameters, in SPEC order; the first broken rule wins. With
// a lower bound of 0 the negative check covers it, hence SHARE_OK there.
function checkParameters(
  energyMWh: i64, durationMs: i64, capacityMWh: i64, priceMicroPerKWh: i64,
  alphaPpm: i64, betaPpm: i64, cRefPpm: i64,
): i32 {
  let status = checkRange(energyMWh, 0, ENERGY_MWH_MAX, SHARE_ENERGY_NEGATIVE, SHARE_OK, SHARE_ENERGY_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  status = checkRange(durationMs, DURATION_MS_MIN, DURATION_MS_MAX,
    SHARE_DURATION_NEGATIVE, SHARE_DURATION_BELOW_MIN, SHARE_DURATION_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  status = checkRange(capacityMWh, CAPACITY_MWH_MIN, CAPACITY_MWH_MAX,
    SHARE_CAPACITY_NEGATIVE, SHARE_CAPACITY_BELOW_MIN, SHARE_CAPACITY_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  status = checkRange(priceMicroPerKWh, 0, PRICE_MICRO_PER_KWH_MAX, SHARE_PRICE_NEGATIVE, SHARE_OK, SHARE_PRICE_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  status = checkRange(alphaPpm, 0, ALPHA_BETA_PPM_MAX, SHARE_ALPHA_NEGATIVE, SHARE_OK, SHARE_ALPHA_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  status = checkRange(betaPpm, 0, ALPHA_BETA_PPM_MAX, SHARE_BETA_NEGATIVE, SHARE_OK, SHARE_BETA_ABOVE_MAX);
  if (status != SHARE_OK) return status;
  return checkRange(cRefPpm, 0, CREF_PPM_MAX, SHARE_CREF_NEGATIVE, SHARE_OK, SHARE_CREF_ABOVE_MAX);
}

// Σ shares of the occupants [first, end) when they are valid, else the
// negated status. Offsets past `occupantTotal` would read foreign memory;
// S ≤ 64 × 10^6 cannot overflow.
function occupantShareSum(occupantShare: usize, first: u32, end: u32, occupantTotal: u32): i64 {
  if (end < first || end > occupantTotal) return -<i64>SHARE_OCCUPANT_OFFSETS_INVALID;
  const count = end - first;
  if (count == 0) return -<i64>SHARE_OCCUPANTS_EMPTY;
  if (count > OCCUPANTS_MAX) return -<i64>SHARE_OCCUPANTS_ABOVE_MAX;
  let shareSum: i64 = 0;
  for (let index = first; index < end; index++) {
    const share = load<i64>(occupantShare + (<usize>index << 3));
    if (share < 1 || share > OCCUPANT_SHARE_MAX) return -<i64>SHARE_OCCUPANT_SHARE_OUT_OF_RANGE;
    shareSum += share;
  }
  return shareSum;
}

// Largest-remainder split of `compensationMicro` over `count` occupants.
// comp × s_i reaches 1.0101·10^15 × 10^6, past 2^63, so split
// comp = S·q + r: floor(comp·s_i / S) = q·s_i + floor(r·s_i / S) and
// (comp·s_i) mod S = (r·s_i) mod S, with r·s_i < 6.4·10^7 × 10^6.
function splitLargestRemainder(compensationMicro: i64, shareSum: i64, shares: usize, amounts: usize, count: u32): void {
  const wholeRounds = compensationMicro / shareSum;
  const rest = compensationMicro - wholeRounds * shareSum;
  let assignedMicro: i64 = 0;
  for (let index: u32 = 0; index < count; index++) {
    const offset = <usize>index << 3;
    const share = load<i64>(shares + offset);
    const scaled = rest * share;
    const floorPart = scaled / shareSum;
    const amountMicro = wholeRounds * share + floorPart;
    store<i64>(amounts + offset, amountMicro);
    store<i64>(remainderScratch + offset, ((scaled - floorPart * shareSum) << 6) | <i64>(63 - index));
    assignedMicro += amountMicro;
  }
  // Fewer than `count` µ remain: one each to the `leftover` largest keys.
  // key = remainder·64 + (63 − index) orders by (remainder desc, index asc)
  // with no equal keys (remainder < S ≤ 6.4·10^7). Counting the larger keys
  // without branches beats sorting, whose branches mispredict.
  const leftoverMicro = compensationMicro - assignedMicro;
  if (leftoverMicro == 0) return;
  for (let candidate: u32 = 0; candidate < count; candidate++) {
    const candidateKey = load<i64>(remainderScratch + (<usize>candidate << 3));
    let larger: i64 = 0;
    for (let other: u32 = 0; other < count; other++) {
      larger += <i64>(load<i64>(remainderScratch + (<usize>other << 3)) > candidateKey);
    }
    const at = amounts + (<usize>candidate << 3);
    store<i64>(at, load<i64>(at) + <i64>(larger < leftoverMicro));
  }
}

/**
 * Computes `eventCount` sharing events. `eventColumns` holds 7 i64 columns
 * of `eventCount` values (energyMWh, durationMs, capacityMWh,
 * priceMicroPerKWh, alphaPpm, betaPpm, cRefPpm); `resultColumns` receives 6
 * (avgPowerMilliW, cRatePpm, dodPpm, weightPpm, baseMicro,
 * compensationMicro). Event k's occupants are [occupantStart[k],
 * occupantStart[k+1]) of `occupantShare` (i64); their µ amounts go to the
 * same slots of `occupantAmount`. Returns 0 or the status of the first
 * broken rule, the event's index in `shareFailedEvent()`.
 */
export function shareCompensationColumns(
  eventCount: i32, eventColumns: usize, resultColumns: usize,
  occupantStart: usize, occupantShare: usize, occupantAmount: usize, occupantTotal: u32,
): i32 {
  assert(eventCount >= 0, "shareCompensationColumns: negative eventCount");
  failedEvent = -1;
  const columnBytes = <usize>eventCount << 3;
  if (load<u32>(occupantStart) != 0 || load<u32>(occupantStart + (<usize>eventCount << 2)) != occupantTotal) {
    return fail(0, SHARE_OCCUPANT_OFFSETS_INVALID);
  }
  for (let event = 0; event < eventCount; event++) {
    const input = eventColumns + (<usize>event << 3);
    const energyMWh = load<i64>(input);
    const durationMs = load<i64>(input + columnBytes);
    const capacityMWh = load<i64>(input + 2 * columnBytes);
    const priceMicroPerKWh = load<i64>(input + 3 * columnBytes);
    const alphaPpm = load<i64>(input + 4 * columnBytes);
    const betaPpm = load<i64>(input + 5 * columnBytes);
    const cRefPpm = load<i64>(input + 6 * columnBytes);
    const first = load<u32>(occupantStart + (<usize>event << 2));
    const end = load<u32>(occupantStart + (<usize>(event + 1) << 2));

    const status = checkParameters(energyMWh, durationMs, capacityMWh, priceMicroPerKWh, alphaPpm, betaPpm, cRefPpm);
    if (status != SHARE_OK) return fail(event, status);
    const shareSum = occupantShareSum(occupantShare, first, end, occupantTotal);
    if (shareSum < 0) return fail(event, <i32>-shareSum);
    // In range: E·3.6·10^6 ≤ 3.6·10^15, avgPower·10^6 ≤ 3.6·10^18, E·10^6 ≤ 10^15.
    const avgPowerMilliW = roundHalfEven(energyMWh * MILLIWATT_MS_PER_MWH, durationMs);
    const cRatePpm = roundHalfEven(avgPowerMilliW * PPM, capacityMWh);
    if (cRatePpm > CRATE_PPM_MAX) return fail(event, SHARE_CRATE_ABOVE_MAX);
    const dodPpm = roundHalfEven(energyMWh * PPM, capacityMWh);
    if (dodPpm > DOD_PPM_MAX) return fail(event, SHARE_DOD_ABOVE_MAX);
    // α·(cRate − cRef) ≤ 10^7 × 10^9, β·dod ≤ 10^7 × 10^7, E·p ≤ 10^17: all fit.
    const excessPpm = cRatePpm > cRefPpm ? cRatePpm - cRefPpm : 0;
    const weightPpm = PPM + roundHalfEven(alphaPpm * excessPpm, PPM) + roundHalfEven(betaPpm * dodPpm, PPM);
    const baseMicro = roundHalfEven(energyMWh * priceMicroPerKWh, PPM);
    // base × weight reaches 10^11 × 1.0101·10^10, past 2^63: mulDivHalfEven
    // takes its 128-bit path there. (SPEC §1's `q·b + rhe(r·b / c)` would
    // break ties on the parity of the wrong part when q·b is odd.)
    const compensationMicro = mulDivHalfEven(baseMicro, weightPpm, PPM);
    assert(compensationMicro != MULDIV_OUT_OF_RANGE, "shareCompensationColumns: compensation past i64 inside the domain");

    const output = resultColumns + (<usize>event << 3);
    store<i64>(output, avgPowerMilliW);
    store<i64>(output + columnBytes, cRatePpm);
    store<i64>(output + 2 * columnBytes, dodPpm);
    store<i64>(output + 3 * columnBytes, weightPpm);
    store<i64>(output + 4 * columnBytes, baseMicro);
    store<i64>(output + 5 * columnBytes, compensationMicro);
    const firstOffset = <usize>first << 3;
    splitLargestRemainder(compensationMicro, shareSum, occupantShare + firstOffset, occupantAmount + firstOffset, end - first);
  }
  return SHARE_OK;
}
