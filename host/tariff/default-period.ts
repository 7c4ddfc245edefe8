// The default billing period of the JSON form (SPEC §3: "the calendar month
// in the tariff timezone"): the local month containing the earliest
// interval, from the first instant of that local month to the first instant
// of the next, whatever their wall clocks read (where local midnight does
// not exist, e.g. America/Asuncion 2023-10-01 00:00 → 01:00, the first
// instant of the day is the transition itself).
import { invalidInput } from '../errors.js';
import { DAY_MS, civilFromDays, daysFromCivil } from './calendar.js';
import { localDayNumber } from './timezone.js';
import { safeNumber } from '../exact.js';

/** No zone's offset reaches ±2 days, so the first instant of local day D lies within this of D's UTC midnight. */
const OFFSET_SEARCH_MS = 2 * DAY_MS;

/**
 * The first instant whose local date is `dayNumber` or later. Local dates
 * never go back across midnight (a clock turned back at midnight repeats
 * the previous day's last hour), so "local day ≥ D" holds from one instant
 * on: binary search for it.
 */
function firstInstantOfLocalDay(timezone: string, dayNumber: number): number {
  let beforeMs = dayNumber * DAY_MS - OFFSET_SEARCH_MS;
  let atOrAfterMs = dayNumber * DAY_MS + OFFSET_SEARCH_MS;
  while (atOrAfterMs - beforeMs > 1) {
    const middleMs = beforeMs + Math.floor((atOrAfterMs - beforeMs) / 2);
    if (localDayNumber(timezone, middleMs) >= dayNumber) atOrAfterMs = middleMs;
    else beforeMs = middleMs;
  }
  return atOrAfterMs;
}

export function defaultBillingPeriod(timezone: string, startMs: BigInt64Array): { from: number; to: number } {
  if (startMs.length === 0) throw invalidInput('period is required when there are no intervals');
  let earliestMs = startMs[0]!;
  for (const value of startMs) if (value < earliestMs) earliestMs = value;
  const { year, month } = civilFromDays(localDayNumber(timezone, safeNumber(earliestMs, 'earliestMs')));
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  return {
    from: firstInstantOfLocalDay(timezone, daysFromCivil(year, month, 1)),
    to: firstInstantOfLocalDay(timezone, daysFromCivil(nextYear, nextMonth, 1)),
  };
}
