// SPEC §1 "which code" for one integer input, shared by every computation:
// a value of the wrong type or a fraction is `invalid_input`, and so is a
// negative value where none is allowed (§1's list of error codes); an
// integer below its minimum or above its maximum is `limit_exceeded` naming
// the bound's constant.
import { invalidInput, limitExceeded } from './errors.js';
import {
  DAY_MS, INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE, INTERVAL_MS_DEFAULT, INTERVAL_MS_MAX, INTERVAL_MS_MIN, MINUTE_MS,
  READING_TIME_MS_MAX_EXCLUSIVE, REGISTER_MWH_MAX_EXCLUSIVE,
} from './limits.js';

export interface IntegerRange {
  min: number;
  /** Limit constant named when a non-negative value is below `min`. */
  minName?: string;
  max: number;
  maxName: string;
}

/** A reading or interval time, epoch ms (SPEC §1). */
export const TIME_RANGE: IntegerRange = { min: 0, max: Number(READING_TIME_MS_MAX_EXCLUSIVE) - 1, maxName: 'READING_TIME_MS_MAX_EXCLUSIVE' };
/** A register value, mWh (SPEC §1). */
export const REGISTER_RANGE: IntegerRange = { min: 0, max: Number(REGISTER_MWH_MAX_EXCLUSIVE) - 1, maxName: 'REGISTER_MWH_MAX_EXCLUSIVE' };
/** One priced interval's import or export, mWh (SPEC §3). */
export const INTERVAL_ENERGY_RANGE: IntegerRange = {
  min: 0, max: Number(INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE) - 1, maxName: 'INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE',
};

/** A JSON number or a bigint that is an integer within `range`, as a number. */
export function boundedInteger(value: unknown, field: string, range: IntegerRange): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw invalidInput(`${field} must be an integer, got ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value) ?? typeof value}`);
  }
  if (number < 0 && range.min >= 0) throw invalidInput(`${field} must not be negative, got ${number}`);
  if (number < range.min) throw limitExceeded(range.minName ?? range.maxName, `${field} ${number} is below ${range.min}`);
  if (number > range.max) throw limitExceeded(range.maxName, `${field} ${number} is above ${range.max}`);
  return number;
}

/** SPEC §1 `intervalMs` (aggregation and pricing alike): a multiple of the minute that divides the day. */
export function checkIntervalMs(value: unknown): number {
  if (value === undefined) return INTERVAL_MS_DEFAULT;
  const intervalMs = boundedInteger(value, 'intervalMs', {
    min: INTERVAL_MS_MIN, minName: 'INTERVAL_MS_MIN', max: INTERVAL_MS_MAX, maxName: 'INTERVAL_MS_MAX',
  });
  // Inside the range but off the grid: a shape error, like a misaligned interval.
  if (intervalMs % MINUTE_MS !== 0 || DAY_MS % intervalMs !== 0) {
    throw invalidInput(`intervalMs ${intervalMs} must be a multiple of ${MINUTE_MS} that divides ${DAY_MS}`);
  }
  return intervalMs;
}
