// `periods` and `schedule` of a tariff (SPEC §3 "Periods") into numbers.
import { invalidInput, limitExceeded } from '../errors.js';
import { TARIFF_HOLIDAYS_MAX, TARIFF_PERIODS_MAX } from '../limits.js';
import { parseIsoDate } from './calendar.js';
import { expectArray, expectKeys, expectObject, expectString } from './fields.js';
import type { CompiledDayTables, CompiledSchedule } from './types.js';

const HOURS_PER_DAY = 24;

/** Period names by index; `[null]` for the implicit single period. */
export function compilePeriodNames(periods: unknown): Array<string | null> {
  if (periods === undefined) return [null];
  const names = expectArray(periods, 'tariff.periods').map((name, index) => expectString(name, `tariff.periods[${index}]`));
  if (names.length === 0) throw invalidInput('tariff.periods must name at least one period');
  if (names.length > TARIFF_PERIODS_MAX) {
    throw limitExceeded('TARIFF_PERIODS_MAX', `${names.length} periods, at most ${TARIFF_PERIODS_MAX}`);
  }
  if (new Set(names).size !== names.length) throw invalidInput('tariff.periods has a duplicate name');
  return names;
}

function compileHourTable(value: unknown, periodCount: number, field: string): Uint8Array {
  const hours = expectArray(value, field);
  if (hours.length !== HOURS_PER_DAY) throw invalidInput(`${field} must hold 24 period indexes, got ${hours.length}`);
  return Uint8Array.from(hours, (period, hour) => {
    if (!Number.isInteger(period) || (period as number) < 0 || (period as number) >= periodCount) {
      throw invalidInput(`${field}[${hour}] must be a period index 0 … ${periodCount - 1}, got ${JSON.stringify(period)}`);
    }
    return period as number;
  });
}

function compileDayTables(value: unknown, periodCount: number, field: string, extraKeys: string[]): CompiledDayTables {
  const tables = expectObject(value, field);
  expectKeys(tables, ['weekday', 'weekend', ...extraKeys], field);
  return {
    weekday: compileHourTable(tables.weekday, periodCount, `${field}.weekday`),
    weekend: compileHourTable(tables.weekend, periodCount, `${field}.weekend`),
  };
}

function compileMonths(value: unknown, periodCount: number): Map<number, CompiledDayTables> {
  const months = new Map<number, CompiledDayTables>();
  if (value === undefined) return months;
  for (const [key, tables] of Object.entries(expectObject(value, 'tariff.schedule.months'))) {
    const month = Number(key);
    if (!/^(?:[1-9]|1[0-2])$/.test(key)) throw invalidInput(`tariff.schedule.months key ${JSON.stringify(key)} must be "1" … "12"`);
    months.set(month, compileDayTables(tables, periodCount, `tariff.schedule.months.${key}`, []));
  }
  return months;
}

function compileHolidays(value: unknown): Set<number> {
  if (value === undefined) return new Set();
  const dates = expectArray(value, 'tariff.schedule.holidays');
  if (dates.length > TARIFF_HOLIDAYS_MAX) {
    throw limitExceeded('TARIFF_HOLIDAYS_MAX', `${dates.length} holidays, at most ${TARIFF_HOLIDAYS_MAX}`);
  }
  return new Set(dates.map((date, index) => parseIsoDate(date, `tariff.schedule.holidays[${index}]`)));
}

/**
 * The schedule, or null when every hour is period 0. Required with more
 * than one period; only allowed with explicit `periods`.
 */
export function compileSchedule(value: unknown, periodNames: Array<string | null>): CompiledSchedule | null {
  const explicitPeriods = periodNames[0] !== null;
  if (value === undefined) {
    if (periodNames.length > 1) throw invalidInput('tariff.schedule is required when there is more than one period');
    return null;
  }
  if (!explicitPeriods) throw invalidInput('tariff.schedule needs tariff.periods to index into');
  const schedule = expectObject(value, 'tariff.schedule');
  const periodCount = periodNames.length;
  return {
    tables: compileDayTables(schedule, periodCount, 'tariff.schedule', ['months', 'holidays']),
    months: compileMonths(schedule.months, periodCount),
    holidays: compileHolidays(schedule.holidays),
  };
}
