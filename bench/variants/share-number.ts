// SPEC §4 as a plain-JavaScript Number kernel, for the benchmark only. It is
// exact only while every intermediate stays below 2^53; the sharing
// workload's data range (E ≤ 10^8 mWh, Δt ≥ 60 000 ms, C ≥ 10^6 mWh,
// p ≤ 50 per kWh, α, β, cRef ≤ 2·10^6 ppm, ≤ 8 occupants) keeps it there:
// avgPower·10^6 ≤ 6·10^15, E·p ≤ 5·10^15, α·cRate ≤ 1.2·10^15, and
// quotient / remainder splits for base × weight and comp × s_i.

export interface NumberShareColumns {
  energyMWh: Float64Array;
  durationMs: Float64Array;
  capacityMWh: Float64Array;
  priceMicroPerKWh: Float64Array;
  alphaPpm: Float64Array;
  betaPpm: Float64Array;
  cRefPpm: Float64Array;
  occupantStart: Uint32Array;
  occupantShare: Float64Array;
}

export interface NumberShareResults {
  avgPowerMilliW: Float64Array;
  cRatePpm: Float64Array;
  dodPpm: Float64Array;
  weightPpm: Float64Array;
  base: Float64Array;
  compensation: Float64Array;
  occupantAmount: Float64Array;
}

const PPM = 1_000_000;
const OCCUPANTS_MAX = 64;

// rhe(n / c) for 0 ≤ n < 2^53: Math.floor(n / c) is then the exact quotient.
function roundHalfEven(n: number, c: number): number {
  const quotient = Math.floor(n / c);
  const twiceRest = 2 * (n - quotient * c);
  return twiceRest > c || (twiceRest === c && quotient % 2 === 1) ? quotient + 1 : quotient;
}

// rhe(base × weight / 10^6) with base = 10^6·q + r, as base × weight passes
// 2^53; the tie is decided on the parity of the whole result.
function weighMicro(base: number, weightPpm: number): number {
  const wholeUnits = Math.floor(base / PPM);
  const scaled = (base - wholeUnits * PPM) * weightPpm;
  const floorPart = Math.floor(scaled / PPM);
  const twiceRest = 2 * (scaled - floorPart * PPM);
  const truncated = wholeUnits * weightPpm + floorPart;
  return twiceRest > PPM || (twiceRest === PPM && truncated % 2 === 1) ? truncated + 1 : truncated;
}

function inRange(value: number, min: number, max: number): boolean {
  return value >= min && value <= max;
}

// The SPEC §4 domain, checked like the kernel does (first failure throws).
function checkEvent(events: NumberShareColumns, event: number, first: number, end: number): void {
  const valid =
    inRange(events.energyMWh[event]!, 0, 1e9) &&
    inRange(events.durationMs[event]!, 1_000, 2_678_400_000) &&
    inRange(events.capacityMWh[event]!, 1, 1e12) &&
    inRange(events.priceMicroPerKWh[event]!, 0, 1e8) &&
    inRange(events.alphaPpm[event]!, 0, 1e7) &&
    inRange(events.betaPpm[event]!, 0, 1e7) &&
    inRange(events.cRefPpm[event]!, 0, 1e9) &&
    end > first && end - first <= OCCUPANTS_MAX;
  if (!valid) throw new Error(`event ${event} is outside the SPEC §4 domain`);
  for (let index = first; index < end; index++) {
    if (!inRange(events.occupantShare[index]!, 1, PPM)) throw new Error(`event ${event}: share out of range`);
  }
}

const remainders = new Float64Array(OCCUPANTS_MAX);

function splitLargestRemainder(compensation: number, shares: Float64Array, amounts: Float64Array, first: number, end: number): void {
  let shareSum = 0;
  for (let index = first; index < end; index++) shareSum += shares[index]!;
  const wholeRounds = Math.floor(compensation / shareSum);
  const rest = compensation - wholeRounds * shareSum;
  let leftover = compensation;
  for (let index = first; index < end; index++) {
    const scaled = rest * shares[index]!;
    const floorPart = Math.floor(scaled / shareSum);
    amounts[index] = wholeRounds * shares[index]! + floorPart;
    remainders[index - first] = scaled - floorPart * shareSum;
    leftover -= amounts[index]!;
  }
  if (leftover === 0) return;
  const count = end - first;
  for (let candidate = 0; candidate < count; candidate++) {
    let better = 0;
    for (let other = 0; other < count && better < leftover; other++) {
      if (remainders[other]! > remainders[candidate]! || (remainders[other] === remainders[candidate] && other < candidate)) better++;
    }
    if (better < leftover) amounts[first + candidate]! += 1;
  }
}

export function numberShareColumns(events: NumberShareColumns): NumberShareResults {
  const eventCount = events.energyMWh.length;
  const column = (): Float64Array => new Float64Array(eventCount);
  const results: NumberShareResults = {
    avgPowerMilliW: column(), cRatePpm: column(), dodPpm: column(), weightPpm: column(),
    base: column(), compensation: column(), occupantAmount: new Float64Array(events.occupantShare.length),
  };
  for (let event = 0; event < eventCount; event++) {
    const first = events.occupantStart[event]!;
    const end = events.occupantStart[event + 1]!;
    checkEvent(events, event, first, end);
    const energyMWh = events.energyMWh[event]!;
    const capacityMWh = events.capacityMWh[event]!;
    const avgPowerMilliW = roundHalfEven(energyMWh * 3_600_000, events.durationMs[event]!);
    const cRatePpm = roundHalfEven(avgPowerMilliW * PPM, capacityMWh);
    const dodPpm = roundHalfEven(energyMWh * PPM, capacityMWh);
    if (cRatePpm > 1e9 || dodPpm > 1e7) throw new Error(`event ${event}: cRatePpm or dodPpm over its limit`);
    const excessPpm = Math.max(0, cRatePpm - events.cRefPpm[event]!);
    const weightPpm = PPM + roundHalfEven(events.alphaPpm[event]! * excessPpm, PPM) + roundHalfEven(events.betaPpm[event]! * dodPpm, PPM);
    const base = roundHalfEven(energyMWh * events.priceMicroPerKWh[event]!, PPM);
    const compensation = weighMicro(base, weightPpm);
    results.avgPowerMilliW[event] = avgPowerMilliW;
    results.cRatePpm[event] = cRatePpm;
    results.dodPpm[event] = dodPpm;
    results.weightPpm[event] = weightPpm;
    results.base[event] = base;
    results.compensation[event] = compensation;
    splitLargestRemainder(compensation, events.occupantShare, results.occupantAmount, first, end);
  }
  return results;
}
