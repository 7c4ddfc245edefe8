// Sharing workload (SPEC §4): 1 M seeded events with 1–8 occupants each,
// through `shareColumns` (copy in and out included) against a plain Number
// kernel, the bigint reference (timed on 100 k events) and decimal.js
// (timed on 10 k events).
import { shareColumns, type ShareEventColumns, type ShareResultColumns } from '../host/engine/share.js';
import { referenceShareColumns } from '../host/reference/share.js';
import type { Workload } from './harness.js';
import { decimalShareColumns } from './variants/share-decimal.js';
import { numberShareColumns, type NumberShareColumns, type NumberShareResults } from './variants/share-number.js';
import { mulberry32 } from './random.js';

const EVENT_COUNT = 1_000_000;
const REFERENCE_EVENT_COUNT = 100_000;
const DECIMAL_EVENT_COUNT = 10_000;
const SEED = 0x5eed_0004;


/** Uniform-enough integer in [min, max] for spans below 2^53 (modulo bias is irrelevant here). */
function integerBetween(next: () => number, min: number, max: number): number {
  const wide = (next() >>> 11) * 4_294_967_296 + next();
  return min + (wide % (max - min + 1));
}

// The data range where the Number kernel is exact (bench/variants/share-number.ts).
// One event in ten uses round values, so that ties of rhe occur.
function generateEvents(eventCount: number): ShareEventColumns {
  const next = mulberry32(SEED);
  const column = (): BigInt64Array => new BigInt64Array(eventCount);
  const events: ShareEventColumns = {
    energyMWh: column(), durationMs: column(), capacityMWh: column(), priceMicroPerKWh: column(),
    alphaPpm: column(), betaPpm: column(), cRefPpm: column(),
    occupantStart: new Uint32Array(eventCount + 1), occupantShare: new BigInt64Array(eventCount * 8),
  };
  let occupantTotal = 0;
  for (let event = 0; event < eventCount; event++) {
    const round = next() % 10 === 0 ? 1_000 : 1;
    const capacityMWh = integerBetween(next, 1_000, 1_000_000) * 1_000;
    // E ≤ 10·C keeps dodPpm ≤ 10^7; with Δt ≥ 60 000 ms, cRatePpm ≤ 6·10^8.
    events.capacityMWh[event] = BigInt(capacityMWh);
    events.energyMWh[event] = BigInt(integerBetween(next, 0, Math.min(100_000_000, 10 * capacityMWh) / round) * round);
    events.durationMs[event] = BigInt(integerBetween(next, 60, 86_400) * 1_000);
    events.priceMicroPerKWh[event] = BigInt(integerBetween(next, 0, 50_000_000 / round) * round);
    events.alphaPpm[event] = BigInt(integerBetween(next, 0, 2_000_000 / round) * round);
    events.betaPpm[event] = BigInt(integerBetween(next, 0, 2_000_000 / round) * round);
    events.cRefPpm[event] = BigInt(integerBetween(next, 0, 2_000_000));
    const occupantCount = integerBetween(next, 1, 8);
    for (let occupant = 0; occupant < occupantCount; occupant++) {
      events.occupantShare[occupantTotal++] = BigInt(integerBetween(next, 1, 1_000_000 / round) * round);
    }
    events.occupantStart[event + 1] = occupantTotal;
  }
  events.occupantShare = events.occupantShare.slice(0, occupantTotal);
  return events;
}

function firstEvents(events: ShareEventColumns, eventCount: number): ShareEventColumns {
  const head = (values: BigInt64Array): BigInt64Array => values.slice(0, eventCount);
  return {
    energyMWh: head(events.energyMWh), durationMs: head(events.durationMs), capacityMWh: head(events.capacityMWh),
    priceMicroPerKWh: head(events.priceMicroPerKWh), alphaPpm: head(events.alphaPpm), betaPpm: head(events.betaPpm),
    cRefPpm: head(events.cRefPpm), occupantStart: events.occupantStart.slice(0, eventCount + 1),
    occupantShare: events.occupantShare.slice(0, events.occupantStart[eventCount]!),
  };
}

function asNumbers(events: ShareEventColumns): NumberShareColumns {
  const numbers = (values: BigInt64Array): Float64Array => {
    const converted = new Float64Array(values.length);
    for (let index = 0; index < values.length; index++) converted[index] = Number(values[index]);
    return converted;
  };
  return {
    energyMWh: numbers(events.energyMWh), durationMs: numbers(events.durationMs), capacityMWh: numbers(events.capacityMWh),
    priceMicroPerKWh: numbers(events.priceMicroPerKWh), alphaPpm: numbers(events.alphaPpm), betaPpm: numbers(events.betaPpm),
    cRefPpm: numbers(events.cRefPpm), occupantStart: events.occupantStart, occupantShare: numbers(events.occupantShare),
  };
}

function fromNumbers(results: NumberShareResults): ShareResultColumns {
  const integers = (values: Float64Array): BigInt64Array => {
    const converted = new BigInt64Array(values.length);
    for (let index = 0; index < values.length; index++) converted[index] = BigInt(values[index]!);
    return converted;
  };
  return {
    avgPowerMilliW: integers(results.avgPowerMilliW), cRatePpm: integers(results.cRatePpm), dodPpm: integers(results.dodPpm),
    weightPpm: integers(results.weightPpm), base: integers(results.base), compensation: integers(results.compensation),
    occupantAmount: integers(results.occupantAmount),
  };
}

export function buildSharingWorkload(): Workload {
  const events = generateEvents(EVENT_COUNT);
  const numberEvents = asNumbers(events);
  // The slow variants are timed on the first events; everything is checked
  // against the reference over all events, computed once here.
  const expected = referenceShareColumns(events);
  const referenceEvents = firstEvents(events, REFERENCE_EVENT_COUNT);
  const decimalEvents = firstEvents(events, DECIMAL_EVENT_COUNT);
  return {
    title: `battery-sharing compensation (SPEC §4), ${EVENT_COUNT.toLocaleString('en')} events, ${events.occupantShare.length.toLocaleString('en')} occupants`,
    unit: 'events',
    referenceName: 'reference (bigint)',
    variants: [
      { name: 'wasm (shareColumns)', run: () => shareColumns(events), unitsPerRun: EVENT_COUNT, expected },
      {
        name: 'js-number',
        run: () => numberShareColumns(numberEvents),
        unitsPerRun: EVENT_COUNT,
        canonical: (result) => fromNumbers(result as NumberShareResults),
        expected,
      },
      {
        name: 'reference (bigint)',
        run: () => referenceShareColumns(referenceEvents),
        unitsPerRun: REFERENCE_EVENT_COUNT,
      },
      {
        name: 'decimal.js',
        run: () => decimalShareColumns(decimalEvents),
        unitsPerRun: DECIMAL_EVENT_COUNT,
        expected: referenceShareColumns(decimalEvents),
      },
    ],
    ratios: [
      ['wasm (shareColumns)', 'js-number', null],
      ['wasm (shareColumns)', 'reference (bigint)', null],
      ['wasm (shareColumns)', 'decimal.js', null],
    ],
  };
}
