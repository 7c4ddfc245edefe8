// Battery-sharing compensation (SPEC §4): the JSON form and the bulk column
// form, both through the one WASM kernel `shareCompensationColumns`
// (docs/wasm-share.md). The kernel validates the domain; the JSON form
// checks types first.
//
// Error codes (SPEC §1 "which code"): a wrong type, a non-integer, a
// negative value, an id that is not a non-empty string → `invalid_input`;
// a non-negative E, Δt, C, α, β, cRef or share outside its range (and p in
// the column form), an occupant count outside 1 … 64, and cRatePpm > 10^9
// or dodPpm > 10^7 → `limit_exceeded` naming the constant; a price string
// that is malformed or outside 0 … 100 → `invalid_amount`.
import { formatMicro, parseMicro } from '../decimal.js';
import { GridsettleError, invalidInput, limitExceeded } from '../errors.js';
import { roundHalfEven, safeNumber } from '../exact.js';
import * as limits from '../limits.js';
import { Arena, kernelConstant, kernels, withKernelMemory } from './wasm.js';

export interface ShareInput {
  energyMWh: number;
  durationMs: number;
  capacityMWh: number;
  /** Decimal string per kWh, e.g. "0.31". */
  price: string;
  alphaPpm: number;
  betaPpm: number;
  cRefPpm: number;
  occupants: Array<{ id: string; share: number }>;
}

export interface ShareOutput {
  avgPowerMilliW: number;
  cRatePpm: number;
  dodPpm: number;
  weightPpm: number;
  /** µ amounts with exactly 6 decimals. */
  base: string;
  compensation: string;
  shares: Array<{ id: string; amount: string }>;
}

/**
 * Many events as columns, one value per event in each. Event k's occupants
 * are the slots `occupantStart[k] … occupantStart[k+1] − 1` of
 * `occupantShare`, so `occupantStart` has events + 1 entries, starts at 0 and
 * ends at `occupantShare.length`.
 */
export interface ShareEventColumns {
  energyMWh: BigInt64Array;
  durationMs: BigInt64Array;
  capacityMWh: BigInt64Array;
  priceMicroPerKWh: BigInt64Array;
  alphaPpm: BigInt64Array;
  betaPpm: BigInt64Array;
  cRefPpm: BigInt64Array;
  occupantStart: Uint32Array;
  occupantShare: BigInt64Array;
}

/** One value per event; `base`, `compensation` and `occupantAmount` in µ, the latter slot for slot with `occupantShare`. */
export interface ShareResultColumns {
  avgPowerMilliW: BigInt64Array;
  cRatePpm: BigInt64Array;
  dodPpm: BigInt64Array;
  weightPpm: BigInt64Array;
  base: BigInt64Array;
  compensation: BigInt64Array;
  occupantAmount: BigInt64Array;
}

type EventColumnName = Exclude<keyof ShareEventColumns, 'occupantStart' | 'occupantShare'>;
type ResultColumnName = Exclude<keyof ShareResultColumns, 'occupantAmount'>;

/** Kernel column order (docs/wasm-share.md). */
const EVENT_COLUMNS: readonly EventColumnName[] = [
  'energyMWh', 'durationMs', 'capacityMWh', 'priceMicroPerKWh', 'alphaPpm', 'betaPpm', 'cRefPpm',
];
const RESULT_COLUMNS: readonly ResultColumnName[] = [
  'avgPowerMilliW', 'cRatePpm', 'dodPpm', 'weightPpm', 'base', 'compensation',
];

interface ShareKernel {
  shareCompensationColumns(
    eventCount: number, eventColumns: number, resultColumns: number,
    occupantStart: number, occupantShare: number, occupantAmount: number, occupantTotal: number,
  ): number;
  shareFailedEvent(): number;
}

/** Computes every event of `events` in one WASM call; an error names the event index. */
export function shareColumns(events: ShareEventColumns): ShareResultColumns {
  return computeColumns(events, (event) => `event ${event}: `);
}

// Per event: 7 input and 6 result i64 columns, one u32 offset (+1 overall); per occupant: share and amount.
function reserveShare(arena: Arena, eventCount: number, occupantTotal: number) {
  return {
    eventPointer: arena.reserve(EVENT_COLUMNS.length * eventCount * 8),
    resultPointer: arena.reserve(RESULT_COLUMNS.length * eventCount * 8),
    startPointer: arena.reserve((eventCount + 1) * 4),
    sharePointer: arena.reserve(occupantTotal * 8),
    amountPointer: arena.reserve(occupantTotal * 8),
  };
}

/** Linear memory (bytes from 0) one `shareColumns` call lays out; for the limit tests. */
export function shareMemoryBytes(eventCount: number, occupantTotal: number): number {
  const arena = new Arena();
  reserveShare(arena, eventCount, occupantTotal);
  return arena.end;
}

function computeColumns(events: ShareEventColumns, where: (event: number) => string): ShareResultColumns {
  const eventCount = checkColumnShapes(events);
  const occupantTotal = events.occupantShare.length;
  return withKernelMemory(() => {
    const arena = new Arena();
    const at = reserveShare(arena, eventCount, occupantTotal);
    arena.commit();

    const eventView = arena.i64(at.eventPointer, EVENT_COLUMNS.length * eventCount);
    EVENT_COLUMNS.forEach((name, column) => eventView.set(events[name], column * eventCount));
    arena.u32(at.startPointer, eventCount + 1).set(events.occupantStart);
    arena.i64(at.sharePointer, occupantTotal).set(events.occupantShare);

    const kernel = kernels() as unknown as ShareKernel;
    const status = kernel.shareCompensationColumns(
      eventCount, at.eventPointer, at.resultPointer, at.startPointer, at.sharePointer, at.amountPointer, occupantTotal,
    );
    if (status !== kernelConstant('SHARE_OK')) {
      const event = kernel.shareFailedEvent();
      throw statusError(status, events, event, where(event));
    }

    const resultView = arena.i64(at.resultPointer, RESULT_COLUMNS.length * eventCount);
    const results = Object.fromEntries(
      RESULT_COLUMNS.map((name, column) => [name, resultView.slice(column * eventCount, (column + 1) * eventCount)]),
    ) as Record<ResultColumnName, BigInt64Array>;
    return { ...results, occupantAmount: arena.i64(at.amountPointer, occupantTotal).slice() };
  });
}

function checkColumnShapes(events: ShareEventColumns): number {
  if (typeof events !== 'object' || events === null) throw invalidInput('share columns must be an object of typed arrays');
  const eventCount = (events.energyMWh as unknown) instanceof BigInt64Array ? events.energyMWh.length : -1;
  for (const name of EVENT_COLUMNS) {
    if (!((events[name] as unknown) instanceof BigInt64Array) || events[name].length !== eventCount) {
      throw invalidInput(`column ${name} must be a BigInt64Array with one value per event, like energyMWh`);
    }
  }
  if (eventCount > limits.SHARE_COLUMN_EVENTS_MAX) {
    throw limitExceeded('SHARE_COLUMN_EVENTS_MAX', `${eventCount} events in one call, at most ${limits.SHARE_COLUMN_EVENTS_MAX}`);
  }
  if (!((events.occupantStart as unknown) instanceof Uint32Array) || events.occupantStart.length !== eventCount + 1) {
    throw invalidInput('occupantStart must be a Uint32Array of events + 1 offsets');
  }
  if (!((events.occupantShare as unknown) instanceof BigInt64Array)) throw invalidInput('occupantShare must be a BigInt64Array');
  if (events.occupantShare.length > limits.SHARE_COLUMN_OCCUPANTS_MAX) {
    throw limitExceeded(
      'SHARE_COLUMN_OCCUPANTS_MAX',
      `${events.occupantShare.length} occupants in one call, at most ${limits.SHARE_COLUMN_OCCUPANTS_MAX}`,
    );
  }
  return eventCount;
}

// Kernel statuses of one column, by their WASM export names: [column,
// broken bound]. A negative value is `invalid_input`; a bound is
// `limit_exceeded` naming the constant.
type Bound = 'negative' | 'min' | 'max';
const SCALAR_STATUS_EXPORTS: Readonly<Record<string, [EventColumnName, Bound]>> = {
  SHARE_ENERGY_NEGATIVE: ['energyMWh', 'negative'], SHARE_ENERGY_ABOVE_MAX: ['energyMWh', 'max'],
  SHARE_DURATION_NEGATIVE: ['durationMs', 'negative'], SHARE_DURATION_BELOW_MIN: ['durationMs', 'min'],
  SHARE_DURATION_ABOVE_MAX: ['durationMs', 'max'],
  SHARE_CAPACITY_NEGATIVE: ['capacityMWh', 'negative'], SHARE_CAPACITY_BELOW_MIN: ['capacityMWh', 'min'],
  SHARE_CAPACITY_ABOVE_MAX: ['capacityMWh', 'max'],
  SHARE_PRICE_NEGATIVE: ['priceMicroPerKWh', 'negative'], SHARE_PRICE_ABOVE_MAX: ['priceMicroPerKWh', 'max'],
  SHARE_ALPHA_NEGATIVE: ['alphaPpm', 'negative'], SHARE_ALPHA_ABOVE_MAX: ['alphaPpm', 'max'],
  SHARE_BETA_NEGATIVE: ['betaPpm', 'negative'], SHARE_BETA_ABOVE_MAX: ['betaPpm', 'max'],
  SHARE_CREF_NEGATIVE: ['cRefPpm', 'negative'], SHARE_CREF_ABOVE_MAX: ['cRefPpm', 'max'],
};
let scalarStatuses: Map<number, [EventColumnName, Bound]> | undefined;

function scalarStatus(status: number): [EventColumnName, Bound] | undefined {
  scalarStatuses ??= new Map(Object.entries(SCALAR_STATUS_EXPORTS).map(([name, column]) => [kernelConstant(name), column]));
  return scalarStatuses.get(status);
}
const COLUMN_BOUNDS: Readonly<Record<EventColumnName, { min?: [string, bigint]; max: [string, bigint] }>> = {
  energyMWh: { max: ['SHARE_ENERGY_MWH_MAX', limits.SHARE_ENERGY_MWH_MAX] },
  durationMs: {
    min: ['SHARE_DURATION_MS_MIN', limits.SHARE_DURATION_MS_MIN],
    max: ['SHARE_DURATION_MS_MAX', limits.SHARE_DURATION_MS_MAX],
  },
  capacityMWh: {
    min: ['SHARE_CAPACITY_MWH_MIN', limits.SHARE_CAPACITY_MWH_MIN],
    max: ['SHARE_CAPACITY_MWH_MAX', limits.SHARE_CAPACITY_MWH_MAX],
  },
  priceMicroPerKWh: { max: ['SHARE_PRICE_MICRO_MAX', limits.SHARE_PRICE_MICRO_MAX] },
  alphaPpm: { max: ['SHARE_ALPHA_BETA_PPM_MAX', limits.SHARE_ALPHA_BETA_PPM_MAX] },
  betaPpm: { max: ['SHARE_ALPHA_BETA_PPM_MAX', limits.SHARE_ALPHA_BETA_PPM_MAX] },
  cRefPpm: { max: ['SHARE_CREF_PPM_MAX', limits.SHARE_CREF_PPM_MAX] },
};

function statusError(status: number, events: ShareEventColumns, event: number, where: string): GridsettleError {
  const scalar = scalarStatus(status);
  if (scalar !== undefined) {
    const [name, bound] = scalar;
    const value = events[name][event]!;
    if (bound === 'negative') return invalidInput(`${where}${name} must not be negative, got ${value}`);
    const [limitName, limitValue] = COLUMN_BOUNDS[name][bound]!;
    return limitExceeded(limitName, `${where}${name} ${value} is ${bound === 'min' ? 'under' : 'over'} ${limitValue}`);
  }
  const first = events.occupantStart[event]!;
  const end = events.occupantStart[event + 1]!;
  switch (status) {
    case kernelConstant('SHARE_OCCUPANT_OFFSETS_INVALID'):
      return invalidInput(`${where}occupantStart must rise from 0 to occupantShare.length (${events.occupantShare.length})`);
    case kernelConstant('SHARE_OCCUPANTS_EMPTY'):
    case kernelConstant('SHARE_OCCUPANTS_ABOVE_MAX'):
      return occupantCountError(end - first, where);
    case kernelConstant('SHARE_OCCUPANT_SHARE_OUT_OF_RANGE'): {
      let index = first;
      while (index < end && isShareInRange(events.occupantShare[index]!)) index++;
      return shareRangeError(index - first, events.occupantShare[index]!, where);
    }
    case kernelConstant('SHARE_CRATE_ABOVE_MAX'):
    case kernelConstant('SHARE_DOD_ABOVE_MAX'):
      return derivedLimitError(status, events, event, where);
    default:
      throw new Error(`shareCompensationColumns returned unknown status ${status}`);
  }
}

function isShareInRange(share: bigint): boolean {
  return share >= 1n && share <= limits.SHARE_OCCUPANT_SHARE_MAX;
}

function occupantCountError(count: number, where: string): GridsettleError {
  const limitName = count < limits.SHARE_OCCUPANTS_MIN ? 'SHARE_OCCUPANTS_MIN' : 'SHARE_OCCUPANTS_MAX';
  return limitExceeded(limitName, `${where}an event has ${limits.SHARE_OCCUPANTS_MIN} … ${limits.SHARE_OCCUPANTS_MAX} occupants, got ${count}`);
}

function shareRangeError(occupant: number, share: bigint | number, where: string): GridsettleError {
  const what = `${where}occupant ${occupant}: share must be ${limits.SHARE_OCCUPANT_SHARE_MIN} … ${limits.SHARE_OCCUPANT_SHARE_MAX}, got ${share}`;
  if (share < 0n) return invalidInput(what);
  return limitExceeded(share < limits.SHARE_OCCUPANT_SHARE_MIN ? 'SHARE_OCCUPANT_SHARE_MIN' : 'SHARE_OCCUPANT_SHARE_MAX', what);
}

// The kernel only reports which ratio broke its bound; recompute it for the message.
function derivedLimitError(status: number, events: ShareEventColumns, event: number, where: string): GridsettleError {
  const energyMWh = events.energyMWh[event]!;
  const capacityMWh = events.capacityMWh[event]!;
  if (status === kernelConstant('SHARE_DOD_ABOVE_MAX')) {
    const dodPpm = roundHalfEven(energyMWh * 1_000_000n, capacityMWh);
    return limitExceeded('SHARE_DOD_PPM_MAX', `${where}dodPpm ${dodPpm} (E / C) is over ${limits.SHARE_DOD_PPM_MAX}`);
  }
  const avgPowerMilliW = roundHalfEven(energyMWh * 3_600_000n, events.durationMs[event]!);
  const cRatePpm = roundHalfEven(avgPowerMilliW * 1_000_000n, capacityMWh);
  return limitExceeded('SHARE_CRATE_PPM_MAX', `${where}cRatePpm ${cRatePpm} (average power / C) is over ${limits.SHARE_CRATE_PPM_MAX}`);
}

const INTEGER_FIELDS = ['energyMWh', 'durationMs', 'capacityMWh', 'alphaPpm', 'betaPpm', 'cRefPpm'] as const;

/** SPEC §4 and §7 `share`: one event in its JSON form. */
export function shareCompensation(input: unknown): ShareOutput {
  const record = asRecord(input, 'share input');
  const [energyMWh, durationMs, capacityMWh, alphaPpm, betaPpm, cRefPpm] = INTEGER_FIELDS.map((field) =>
    readInteger(record[field], field),
  ) as [bigint, bigint, bigint, bigint, bigint, bigint];
  // A decimal string out of its range is invalid_amount (SPEC §1), as for
  // tariff prices; the column form's integer price gets limit_exceeded.
  const priceMicroPerKWh = parseMicro(record['price'], 'price', 0n, limits.SHARE_PRICE_MICRO_MAX);
  const occupants = readOccupants(record['occupants']);

  const results = computeColumns(
    {
      energyMWh: BigInt64Array.of(energyMWh),
      durationMs: BigInt64Array.of(durationMs),
      capacityMWh: BigInt64Array.of(capacityMWh),
      priceMicroPerKWh: BigInt64Array.of(priceMicroPerKWh),
      alphaPpm: BigInt64Array.of(alphaPpm),
      betaPpm: BigInt64Array.of(betaPpm),
      cRefPpm: BigInt64Array.of(cRefPpm),
      occupantStart: Uint32Array.of(0, occupants.length),
      occupantShare: BigInt64Array.from(occupants, (occupant) => occupant.share),
    },
    () => '',
  );
  return {
    avgPowerMilliW: safeNumber(results.avgPowerMilliW[0], 'avgPowerMilliW'),
    cRatePpm: safeNumber(results.cRatePpm[0], 'cRatePpm'),
    dodPpm: safeNumber(results.dodPpm[0], 'dodPpm'),
    weightPpm: safeNumber(results.weightPpm[0], 'weightPpm'),
    base: formatMicro(results.base[0]!),
    compensation: formatMicro(results.compensation[0]!),
    shares: occupants.map((occupant, index) => ({ id: occupant.id, amount: formatMicro(results.occupantAmount[index]!) })),
  };
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidInput(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

// Every §4 bound is far below 2^53: an integer past the safe range (whose
// digits may be lost already) is over its field's maximum.
function readInteger(value: unknown, field: (typeof INTEGER_FIELDS)[number]): bigint {
  if (value === undefined) throw invalidInput(`${field} is required`);
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidInput(`${field} must be an integer, got ${JSON.stringify(value) ?? typeof value}`);
  }
  if (value < 0) throw invalidInput(`${field} must not be negative, got ${value}`);
  if (!Number.isSafeInteger(value)) {
    const [limitName, limitValue] = COLUMN_BOUNDS[field].max;
    throw limitExceeded(limitName, `${field} ${value} is over ${limitValue}`);
  }
  return BigInt(value);
}

function readOccupants(value: unknown): Array<{ id: string; share: bigint }> {
  if (!Array.isArray(value)) throw invalidInput('occupants must be an array of {id, share}');
  if (value.length < 1 || value.length > limits.SHARE_OCCUPANTS_MAX) throw occupantCountError(value.length, '');
  return value.map((entry: unknown, index) => {
    const occupant = asRecord(entry, `occupant ${index}`);
    const id = occupant['id'];
    if (typeof id !== 'string' || id.length === 0) throw invalidInput(`occupant ${index}: id must be a non-empty string`);
    const share = occupant['share'];
    if (typeof share !== 'number' || !Number.isInteger(share)) {
      throw invalidInput(`occupant ${index}: share must be an integer, got ${JSON.stringify(share) ?? 'nothing'}`);
    }
    if (!Number.isSafeInteger(share)) throw shareRangeError(index, share, '');
    return { id, share: BigInt(share) };
  });
}
