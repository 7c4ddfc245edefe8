// OCPI values into exact integers: numbers, timestamps, absent fields.
// OCPI sends decimals as JSON numbers: one written with at most 15
// significant digits survives the trip through a double exactly, and
// `String(n)` gives its digits back; more digits cannot be trusted and are
// refused. Every value must then land on a whole internal unit (mWh, ms, µ,
// …): nothing is rounded on the way in.
import { GridsettleError, invalidInput } from '../errors.js';
import { READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import { DAY_MS, parseIsoDate } from '../tariff/calendar.js';
import {
  OCPI_CURRENT_MICRO_A_MAX, OCPI_DURATION_MS_MAX, OCPI_ENERGY_MWH_MAX, OCPI_POWER_MILLI_W_MAX, OCPI_PRICE_MICRO_MAX,
  OCPI_PERCENT_MICRO_MAX,
} from './ocpi-limits.js';
import { safeNumber } from '../exact.js';

const PLAIN_DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const JSON_NUMBER_DIGITS_EXACT_MAX = 15;

/** How a decimal in `sourceUnit` maps to integer `unit`s, and the allowed range in `unit`s. */
export interface UnitScale {
  sourceUnit: string;
  unit: string;
  unitsPerSource: bigint;
  min: bigint;
  max: bigint;
}

const MILLION = 1_000_000n;
export const MONEY_SCALE: UnitScale = { sourceUnit: 'currency units', unit: 'µ', unitsPerSource: MILLION, min: 0n, max: OCPI_PRICE_MICRO_MAX };
export const PERCENT_SCALE: UnitScale = { sourceUnit: '%', unit: 'millionths of a percent', unitsPerSource: MILLION, min: 0n, max: OCPI_PERCENT_MICRO_MAX };
export const ENERGY_SCALE: UnitScale = { sourceUnit: 'kWh', unit: 'mWh', unitsPerSource: MILLION, min: 0n, max: OCPI_ENERGY_MWH_MAX };
export const HOURS_SCALE: UnitScale = { sourceUnit: 'h', unit: 'ms', unitsPerSource: 3_600_000n, min: 0n, max: OCPI_DURATION_MS_MAX };
export const CURRENT_SCALE: UnitScale = { sourceUnit: 'A', unit: 'µA', unitsPerSource: MILLION, min: 0n, max: OCPI_CURRENT_MICRO_A_MAX };
export const POWER_SCALE: UnitScale = { sourceUnit: 'kW', unit: 'mW', unitsPerSource: MILLION, min: 0n, max: OCPI_POWER_MILLI_W_MAX };

/** `object[key]`, with JSON null read as absent (OCPI senders write both). */
export function optional(object: Readonly<Record<string, unknown>>, key: string): unknown {
  const value = object[key];
  return value === null ? undefined : value;
}

function invalidAmount(message: string): GridsettleError {
  return new GridsettleError('invalid_amount', message);
}

/** The decimal digits of an OCPI number (a JSON number or a decimal string). */
function decimalText(value: unknown, field: string): string {
  if (typeof value === 'number') {
    const text = String(value);
    if (!Number.isFinite(value) || !PLAIN_DECIMAL.test(text)) throw invalidAmount(`${field} ${text} is not a plain decimal number`);
    const significant = text.replace(/[-.]/g, '').replace(/^0+/, '').length;
    if (significant > JSON_NUMBER_DIGITS_EXACT_MAX) {
      throw invalidAmount(`${field} ${text} has more than ${JSON_NUMBER_DIGITS_EXACT_MAX} significant digits, more than a JSON number carries exactly; send it as a decimal string`);
    }
    return text;
  }
  if (typeof value === 'string' && PLAIN_DECIMAL.test(value)) return value;
  throw invalidAmount(`${field} must be a decimal number like 0.25, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
}

/** `value` (in `scale.sourceUnit`) as a whole number of `scale.unit`s within the scale's range. */
export function parseQuantity(value: unknown, field: string, scale: UnitScale): bigint {
  const text = decimalText(value, field);
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const denominator = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole! + fraction) * scale.unitsPerSource;
  if (scaled % denominator !== 0n) throw invalidAmount(`${field} ${text} ${scale.sourceUnit} is not a whole number of ${scale.unit}`);
  const units = text.startsWith('-') ? -scaled / denominator : scaled / denominator;
  if (units < scale.min || units > scale.max) {
    throw invalidAmount(`${field} ${text} is out of range ${rangeText(scale)} ${scale.sourceUnit}`);
  }
  return units;
}

function rangeText(scale: UnitScale): string {
  return `${scale.min / scale.unitsPerSource} … ${scale.max / scale.unitsPerSource}`;
}

/** An OCPI integer field (`step_size`, `min_duration`): a safe non-negative integer. */
export function parseCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(`${field} must be a non-negative integer, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
  }
  return value;
}

const DATE_TIME = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?$/i;

/**
 * An OCPI DateTime (RFC 3339; no zone designator means UTC) as epoch ms.
 * Sub-millisecond digits must be zeros: an instant is a whole ms.
 */
export function parseDateTimeMs(value: unknown, field: string): number {
  const match = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  if (match === null) throw invalidInput(`${field} must be an RFC 3339 date-time like "2025-08-20T12:20:06Z", got ${JSON.stringify(value)}`);
  const [, date, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const dayNumber = parseIsoDate(date, field);
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) throw invalidInput(`${field} ${JSON.stringify(value)} is not a time of day`);
  if (/[1-9]/.test(fraction.slice(3))) throw invalidInput(`${field} ${JSON.stringify(value)} is not a whole millisecond`);
  const milliseconds = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const localMs = dayNumber * DAY_MS + ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 + milliseconds;
  const instantMs = localMs - zoneOffsetMs(zone!, value as string, field);
  if (instantMs < 0 || instantMs >= safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE')) {
    throw invalidInput(`${field} ${JSON.stringify(value)} is outside 1970-01-01 … 9999-12-31`);
  }
  return instantMs;
}

function zoneOffsetMs(zone: string, value: string, field: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const [hours, minutes] = [Number(zone.slice(1, 3)), Number(zone.slice(4, 6))];
  if (hours > 23 || minutes > 59) throw invalidInput(`${field} ${JSON.stringify(value)} has an impossible UTC offset`);
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}
