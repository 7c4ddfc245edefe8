// Plain exact reference of SPEC §4 on bigint, for tests and benchmarks
// only: every line is one line of the SPEC, with no overflow to reason about.
import { GridsettleError } from '../errors.js';
import { roundHalfEven } from '../exact.js';
import * as limits from '../limits.js';
import type { ShareEventColumns, ShareResultColumns } from '../engine/share.js';

export interface ReferenceShareEvent {
  energyMWh: bigint;
  durationMs: bigint;
  capacityMWh: bigint;
  priceMicroPerKWh: bigint;
  alphaPpm: bigint;
  betaPpm: bigint;
  cRefPpm: bigint;
  shares: bigint[];
}

export interface ReferenceShareResult {
  avgPowerMilliW: bigint;
  cRatePpm: bigint;
  dodPpm: bigint;
  weightPpm: bigint;
  base: bigint;
  compensation: bigint;
  amounts: bigint[];
}

const PPM = 1_000_000n;

/** SPEC §4 for one event; throws the error code (and limit name) the engine must give. */
export function referenceShare(event: ReferenceShareEvent): ReferenceShareResult {
  checkDomain(event);
  const { energyMWh: E, durationMs: dt, capacityMWh: C, priceMicroPerKWh: p } = event;
  const avgPowerMilliW = roundHalfEven(E * 3_600_000n, dt);
  const cRatePpm = roundHalfEven(avgPowerMilliW * PPM, C);
  const dodPpm = roundHalfEven(E * PPM, C);
  if (cRatePpm > limits.SHARE_CRATE_PPM_MAX) throw limitError('SHARE_CRATE_PPM_MAX');
  if (dodPpm > limits.SHARE_DOD_PPM_MAX) throw limitError('SHARE_DOD_PPM_MAX');
  const excessPpm = cRatePpm > event.cRefPpm ? cRatePpm - event.cRefPpm : 0n;
  const weightPpm = PPM + roundHalfEven(event.alphaPpm * excessPpm, PPM) + roundHalfEven(event.betaPpm * dodPpm, PPM);
  const base = roundHalfEven(E * p, PPM);
  const compensation = roundHalfEven(base * weightPpm, PPM);
  const amounts = splitLargestRemainder(compensation, event.shares);
  return { avgPowerMilliW, cRatePpm, dodPpm, weightPpm, base, compensation, amounts };
}

/** q_i = floor(comp·s_i / S), then one µ each to the largest (comp·s_i) mod S, ties to the lower index. */
export function splitLargestRemainder(compensation: bigint, shares: bigint[]): bigint[] {
  const shareSum = shares.reduce((sum, share) => sum + share, 0n);
  const amounts = shares.map((share) => (compensation * share) / shareSum);
  const remainders = shares.map((share) => (compensation * share) % shareSum);
  let leftover = compensation - amounts.reduce((sum, amount) => sum + amount, 0n);
  const order = shares.map((_, index) => index);
  order.sort((a, b) => (remainders[a]! === remainders[b]! ? a - b : remainders[a]! > remainders[b]! ? -1 : 1));
  for (const index of order) {
    if (leftover === 0n) break;
    amounts[index]! += 1n;
    leftover -= 1n;
  }
  return amounts;
}

// SPEC §4 domain in SPEC order: negatives are invalid_input; bounds, the
// occupant count and each share's range are limit_exceeded (SPEC §1).
function checkDomain(event: ReferenceShareEvent): void {
  const ranges: Array<[bigint, bigint, string | null, bigint, string]> = [
    [event.energyMWh, 0n, null, limits.SHARE_ENERGY_MWH_MAX, 'SHARE_ENERGY_MWH_MAX'],
    [event.durationMs, limits.SHARE_DURATION_MS_MIN, 'SHARE_DURATION_MS_MIN', limits.SHARE_DURATION_MS_MAX, 'SHARE_DURATION_MS_MAX'],
    [event.capacityMWh, limits.SHARE_CAPACITY_MWH_MIN, 'SHARE_CAPACITY_MWH_MIN', limits.SHARE_CAPACITY_MWH_MAX, 'SHARE_CAPACITY_MWH_MAX'],
    [event.priceMicroPerKWh, 0n, null, limits.SHARE_PRICE_MICRO_MAX, 'SHARE_PRICE_MICRO_MAX'],
    [event.alphaPpm, 0n, null, limits.SHARE_ALPHA_BETA_PPM_MAX, 'SHARE_ALPHA_BETA_PPM_MAX'],
    [event.betaPpm, 0n, null, limits.SHARE_ALPHA_BETA_PPM_MAX, 'SHARE_ALPHA_BETA_PPM_MAX'],
    [event.cRefPpm, 0n, null, limits.SHARE_CREF_PPM_MAX, 'SHARE_CREF_PPM_MAX'],
  ];
  for (const [value, min, minName, max, maxName] of ranges) {
    if (value < 0n) throw new GridsettleError('invalid_input', 'negative');
    if (value < min) throw limitError(minName!);
    if (value > max) throw limitError(maxName);
  }
  if (event.shares.length < limits.SHARE_OCCUPANTS_MIN) throw limitError('SHARE_OCCUPANTS_MIN');
  if (event.shares.length > limits.SHARE_OCCUPANTS_MAX) throw limitError('SHARE_OCCUPANTS_MAX');
  for (const share of event.shares) {
    if (share < 0n) throw new GridsettleError('invalid_input', 'negative share');
    if (share < limits.SHARE_OCCUPANT_SHARE_MIN) throw limitError('SHARE_OCCUPANT_SHARE_MIN');
    if (share > limits.SHARE_OCCUPANT_SHARE_MAX) throw limitError('SHARE_OCCUPANT_SHARE_MAX');
  }
}

function limitError(limitName: string): GridsettleError {
  return new GridsettleError('limit_exceeded', `${limitName}: reference`);
}

/** Event k of columns, as the reference's input. */
export function eventOfColumns(events: ShareEventColumns, event: number): ReferenceShareEvent {
  const first = events.occupantStart[event]!;
  const end = events.occupantStart[event + 1]!;
  return {
    energyMWh: events.energyMWh[event]!,
    durationMs: events.durationMs[event]!,
    capacityMWh: events.capacityMWh[event]!,
    priceMicroPerKWh: events.priceMicroPerKWh[event]!,
    alphaPpm: events.alphaPpm[event]!,
    betaPpm: events.betaPpm[event]!,
    cRefPpm: events.cRefPpm[event]!,
    shares: Array.from(events.occupantShare.subarray(first, end)),
  };
}

/** The reference over columns, in the engine's result shape. */
export function referenceShareColumns(events: ShareEventColumns): ShareResultColumns {
  const eventCount = events.energyMWh.length;
  const column = (): BigInt64Array => new BigInt64Array(eventCount);
  const results: ShareResultColumns = {
    avgPowerMilliW: column(), cRatePpm: column(), dodPpm: column(), weightPpm: column(),
    base: column(), compensation: column(), occupantAmount: new BigInt64Array(events.occupantShare.length),
  };
  for (let event = 0; event < eventCount; event++) {
    const result = referenceShare(eventOfColumns(events, event));
    results.avgPowerMilliW[event] = result.avgPowerMilliW;
    results.cRatePpm[event] = result.cRatePpm;
    results.dodPpm[event] = result.dodPpm;
    results.weightPpm[event] = result.weightPpm;
    results.base[event] = result.base;
    results.compensation[event] = result.compensation;
    results.occupantAmount.set(result.amounts, events.occupantStart[event]!);
  }
  return results;
}
