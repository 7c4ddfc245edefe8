// The default billing period of the JSON form (SPEC §3: "the calendar month
// in the tariff timezone"): the local month containing the earliest interval.
import { invalidInput } from '../errors.js';
import { DAY_MS, civilFromDays, daysFromCivil, floorDivide } from './calendar.js';
import { offsetAtMs } from './timezone.js';
import { safeNumber } from '../exact.js';

/** UTC instant of local midnight starting `dayNumber` (the first instant after it if a shift skips it). */
function localMidnightMs(timezone: string, dayNumber: number): number {
  const localMs = dayNumber * DAY_MS;
  const guessMs = localMs - offsetAtMs(timezone, localMs);
  return localMs - offsetAtMs(timezone, guessMs);
}

export function defaultBillingPeriod(timezone: string, startMs: BigInt64Array): { from: number; to: number } {
  if (startMs.length === 0) throw invalidInput('period is required when there are no intervals');
  let earliestMs = startMs[0]!;
  for (const value of startMs) if (value < earliestMs) earliestMs = value;
  const instantMs = safeNumber(earliestMs, 'earliestMs');
  const { year, month } = civilFromDays(floorDivide(instantMs + offsetAtMs(timezone, instantMs), DAY_MS));
  const nextYear = month === 12 ? year + 1 : year;
  const nextMonth = month === 12 ? 1 : month + 1;
  return {
    from: localMidnightMs(timezone, daysFromCivil(year, month, 1)),
    to: localMidnightMs(timezone, daysFromCivil(nextYear, nextMonth, 1)),
  };
}
