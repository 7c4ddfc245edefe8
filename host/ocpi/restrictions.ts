// OCPI 2.2.1 TariffRestrictions: parsed into integers, and tested against
// the state of a session at the start of a charging period. Lower bounds
// are inclusive and upper bounds exclusive, as OCPI words each of them.
import { invalidInput } from '../errors.js';
import { expectArray, expectKeys, expectObject } from '../tariff/fields.js';
import { MINUTE_MS } from '../limits.js';
import { DAY_MS, parseIsoDate } from '../tariff/calendar.js';
import { OCPI_DURATION_MS_MAX } from './ocpi-limits.js';
import { CURRENT_SCALE, ENERGY_SCALE, POWER_SCALE, optional, parseCount, parseQuantity } from './numbers.js';
import type { UnitScale } from './numbers.js';
import type { Restrictions, SessionPeriod, TimeOfDayWindow } from './types.js';

const RESTRICTION_KEYS = [
  'start_time', 'end_time', 'start_date', 'end_date', 'min_kwh', 'max_kwh', 'min_current', 'max_current',
  'min_power', 'max_power', 'min_duration', 'max_duration', 'day_of_week', 'reservation',
] as const;
const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const RESERVATION_KINDS = ['RESERVATION', 'RESERVATION_EXPIRES'] as const;
const TIME_OF_DAY = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;

/** The local state of a session at a charging period's start, against which restrictions are read. */
export interface PeriodState {
  localDay: number;
  localMsOfDay: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Since the first period's start. */
  elapsedMs: bigint;
  /** Energy of the periods before this one. */
  energyBeforeMWh: bigint;
  period: SessionPeriod;
}

export function parseRestrictions(value: unknown, field: string): Restrictions {
  const given = value === undefined ? {} : expectObject(value, field);
  expectKeys(given, RESTRICTION_KEYS, field);
  const read = (key: (typeof RESTRICTION_KEYS)[number]): unknown => optional(given, key);
  const quantity = (key: (typeof RESTRICTION_KEYS)[number], scale: UnitScale): bigint | null =>
    read(key) === undefined ? null : parseQuantity(read(key), `${field}.${key}`, scale);
  const day = (key: 'start_date' | 'end_date'): number | null => (read(key) === undefined ? null : parseIsoDate(read(key), `${field}.${key}`));
  return {
    timeOfDay: parseWindow(read('start_time'), read('end_time'), field),
    startDay: day('start_date'),
    endDay: day('end_date'),
    minEnergyMWh: quantity('min_kwh', ENERGY_SCALE),
    maxEnergyMWh: quantity('max_kwh', ENERGY_SCALE),
    minCurrentMicroA: quantity('min_current', CURRENT_SCALE),
    maxCurrentMicroA: quantity('max_current', CURRENT_SCALE),
    minPowerMilliW: quantity('min_power', POWER_SCALE),
    maxPowerMilliW: quantity('max_power', POWER_SCALE),
    minDurationMs: parseDurationS(read('min_duration'), `${field}.min_duration`),
    maxDurationMs: parseDurationS(read('max_duration'), `${field}.max_duration`),
    weekdays: parseWeekdays(read('day_of_week'), `${field}.day_of_week`),
    reservation: parseReservation(read('reservation'), `${field}.reservation`),
  };
}

function parseTimeOfDayMs(value: unknown, field: string): number {
  const match = typeof value === 'string' ? TIME_OF_DAY.exec(value) : null;
  if (match === null) throw invalidInput(`${field} must be a local time "HH:MM" (00:00 … 23:59), got ${JSON.stringify(value)}`);
  return (Number(match[1]) * 60 + Number(match[2])) * MINUTE_MS;
}

/** OCPI: end_time before start_time wraps past midnight; end_time "00:00" is the end of the day. */
function parseWindow(start: unknown, end: unknown, field: string): TimeOfDayWindow | null {
  if (start === undefined && end === undefined) return null;
  const startMs = start === undefined ? 0 : parseTimeOfDayMs(start, `${field}.start_time`);
  const endMs = end === undefined ? DAY_MS : parseTimeOfDayMs(end, `${field}.end_time`) || DAY_MS;
  if (startMs === endMs) throw invalidInput(`${field}: start_time and end_time are equal, an empty window`);
  return { startMs, endMs };
}

function parseDurationS(value: unknown, field: string): bigint | null {
  if (value === undefined) return null;
  const durationMs = BigInt(parseCount(value, field)) * 1000n;
  if (durationMs > OCPI_DURATION_MS_MAX) throw invalidInput(`${field} is above ${OCPI_DURATION_MS_MAX / 1000n} seconds`);
  return durationMs;
}

function parseWeekdays(value: unknown, field: string): ReadonlySet<number> | null {
  if (value === undefined) return null;
  const names = expectArray(value, field);
  if (names.length === 0 || names.length > WEEKDAYS.length) throw invalidInput(`${field} must list 1 to 7 days`);
  const days = new Set<number>();
  names.forEach((name, position) => {
    const day = WEEKDAYS.indexOf(name as string);
    if (day < 0 || days.has(day)) throw invalidInput(`${field}[${position}] must be a day name MONDAY … SUNDAY listed once, got ${JSON.stringify(name)}`);
    days.add(day);
  });
  return days;
}

function parseReservation(value: unknown, field: string): Restrictions['reservation'] {
  if (value === undefined) return null;
  const kind = RESERVATION_KINDS.find((name) => name === value);
  if (kind === undefined) throw invalidInput(`${field} must be RESERVATION or RESERVATION_EXPIRES, got ${JSON.stringify(value)}`);
  return kind;
}

function inWindow(window: TimeOfDayWindow, msOfDay: number): boolean {
  return window.startMs < window.endMs
    ? msOfDay >= window.startMs && msOfDay < window.endMs
    : msOfDay >= window.startMs || msOfDay < window.endMs;
}

/** min ≤ value (inclusive) and value < max (exclusive); an absent bound holds. */
function inBounds(value: bigint, min: bigint | null, max: bigint | null): boolean {
  return (min === null || value >= min) && (max === null || value < max);
}

/**
 * Current and power bounds must hold for every value the CDR reports for
 * the period; a period that reports none does not constrain them.
 */
function allInBounds(values: readonly bigint[], min: bigint | null, max: bigint | null): boolean {
  return values.every((value) => inBounds(value, min, max));
}

/** Whether every restriction holds for the period starting in `state`. Reservation elements never price charging. */
export function restrictionsHold(restrictions: Restrictions, state: PeriodState): boolean {
  const r = restrictions;
  return r.reservation === null
    && (r.timeOfDay === null || inWindow(r.timeOfDay, state.localMsOfDay))
    && (r.startDay === null || state.localDay >= r.startDay)
    && (r.endDay === null || state.localDay < r.endDay)
    && (r.weekdays === null || r.weekdays.has(state.weekday))
    && inBounds(state.energyBeforeMWh, r.minEnergyMWh, r.maxEnergyMWh)
    && inBounds(state.elapsedMs, r.minDurationMs, r.maxDurationMs)
    && allInBounds(state.period.currentsMicroA, r.minCurrentMicroA, r.maxCurrentMicroA)
    && allInBounds(state.period.powersMilliW, r.minPowerMilliW, r.maxPowerMilliW);
}
