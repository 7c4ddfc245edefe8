// Proleptic Gregorian calendar on integers (days since 1970-01-01), after
// Howard Hinnant's `days_from_civil` / `civil_from_days`. Local time is
// UTC epoch ms plus the zone offset, so these work on local days too.
import { invalidInput } from '../errors.js';

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

export function floorDivide(n: number, d: number): number {
  return Math.floor(n / d);
}

/** Day number of a civil date (month 1…12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDivide(y, 400);
  const yearOfEra = y - era * 400;
  const monthFromMarch = month > 2 ? month - 3 : month + 9;
  const dayOfYear = floorDivide(153 * monthFromMarch + 2, 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + floorDivide(yearOfEra, 4) - floorDivide(yearOfEra, 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The civil date of a day number (month 1…12). */
export function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719_468;
  const era = floorDivide(z, 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = floorDivide(dayOfEra - floorDivide(dayOfEra, 1460) + floorDivide(dayOfEra, 36_524) - floorDivide(dayOfEra, 146_096), 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + floorDivide(yearOfEra, 4) - floorDivide(yearOfEra, 100));
  const monthFromMarch = floorDivide(5 * dayOfYear + 2, 153);
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const day = dayOfYear - floorDivide(153 * monthFromMarch + 2, 5) + 1;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Month 1…12 of a day number. */
export function monthOfDay(dayNumber: number): number {
  return civilFromDays(dayNumber).month;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDay(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** Day number of a "YYYY-MM-DD" date; anything else, or a date that does not exist, is invalid_input. */
export function parseIsoDate(value: unknown, field: string): number {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (match === null) throw invalidInput(`${field} must be a date "YYYY-MM-DD", got ${JSON.stringify(value)}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const dayNumber = daysFromCivil(year, month, day);
  // Day 31 of a 30-day month lands in the next month: the month check catches it.
  if (month < 1 || month > 12 || day < 1 || monthOfDay(dayNumber) !== month) throw invalidInput(`${field} ${JSON.stringify(value)} is not a calendar date`);
  return dayNumber;
}
