// SPEC §3 "the billing period defaults to the calendar month in the tariff
// timezone": the bounds and fixed days are checked against an independent
// scan of Intl's local dates, minute by minute around each month boundary.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { price } from '../host/engine/price.js';
import { flatTariff, utc } from './price-fixtures.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "YYYY-MM-DD" of the local date at `ms`. */
function localDate(timezone: string, ms: number): string {
  let format = dateFormats.get(timezone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timezone, format);
  }
  return format.format(ms);
}

/** First minute whose local date is `date` or later, scanning ±30 h around its UTC midnight (offsets change on minutes). */
function firstMinuteOfLocalDate(timezone: string, date: string): number {
  const utcMidnightMs = Date.parse(`${date}T00:00:00Z`);
  for (let ms = utcMidnightMs - 30 * HOUR_MS; ms <= utcMidnightMs + 30 * HOUR_MS; ms += MINUTE_MS) {
    if (localDate(timezone, ms) >= date) return ms;
  }
  throw new Error(`no instant of ${date} in ${timezone}`);
}

/** Distinct local dates the span [from, to) touches; every local day lasts over an hour, so hourly steps meet each. */
function localDaysTouched(timezone: string, fromMs: number, toMs: number): number {
  const dates = new Set<string>();
  for (let ms = fromMs; ms < toMs; ms += HOUR_MS) dates.add(localDate(timezone, ms));
  dates.add(localDate(timezone, toMs - 1));
  return dates.size;
}

const pad = (value: number): string => String(value).padStart(2, '0');

// Months whose first or next-first local midnight, or a day inside, has a clock change at midnight.
const cases: Array<[string, string, number, number]> = [
  ['America/Asuncion: 2023-10-01 00:00 does not exist (→ 01:00); September must not lose an hour', 'America/Asuncion', 2023, 9],
  ['America/Asuncion: October 2023 starts at 01:00 and has 31 fixed days, not 32', 'America/Asuncion', 2023, 10],
  ['America/Asuncion: March 2024 (2024-03-24 00:00 → 23:00 the day before)', 'America/Asuncion', 2024, 3],
  ['America/Santiago: April 2023 (2023-04-02 00:00 → 23:00 the day before)', 'America/Santiago', 2023, 4],
  ['America/Santiago: September 2023 (2023-09-03 00:00 → 01:00)', 'America/Santiago', 2023, 9],
  ['Asia/Beirut: March 2023 (2023-03-26 00:00 → 01:00)', 'Asia/Beirut', 2023, 3],
  ['Asia/Beirut: October 2023 (2023-10-29 00:00 → 23:00 the day before)', 'Asia/Beirut', 2023, 10],
].map(([what, timezone, year, month]) => [what as string, timezone as string, year as number, month as number]);

describe('SPEC §3 the default billing period: the calendar month in the tariff timezone', () => {
  for (const [what, timezone, year, month] of cases) {
    it(what, () => {
      const firstDate = `${year}-${pad(month)}-01`;
      const nextDate = month === 12 ? `${year + 1}-01-01` : `${year}-${pad(month + 1)}-01`;
      const fromMs = firstMinuteOfLocalDate(timezone, firstDate);
      const toMs = firstMinuteOfLocalDate(timezone, nextDate);
      // One interval on the quarter-hour grid in the middle of the month picks the month.
      const intervalStartMs = Math.ceil((fromMs + 10 * 86_400_000) / 900_000) * 900_000;
      const statement = price({ tariff: flatTariff({ timezone, fixedPerDay: '1' }), intervals: [{ start: intervalStartMs, imp: 1 }] });
      assert.deepEqual(statement.period, { from: fromMs, to: toMs });
      const fixed = statement.lines.find((line) => line.kind === 'fixed');
      assert.equal(fixed?.days, localDaysTouched(timezone, fromMs, toMs));
      assert.equal(fixed?.days, new Date(Date.UTC(year, month, 0)).getUTCDate());
    });
  }

  it('America/Asuncion September 2023 is 30 whole days and October starts at 2023-10-01T04:00Z', () => {
    const september = price({ tariff: flatTariff({ timezone: 'America/Asuncion' }), intervals: [{ start: utc(2023, 9, 15), imp: 1 }] });
    assert.equal(september.period.to - september.period.from, 30 * 86_400_000);
    assert.equal(september.period.to, utc(2023, 10, 1, 4));
  });

  it('takes the local month of the earliest interval, not its UTC month', () => {
    // 2023-10-01T02:00Z is still 2023-09-30 22:00 in Asunción.
    const statement = price({ tariff: flatTariff({ timezone: 'America/Asuncion' }), intervals: [{ start: utc(2023, 10, 1, 2), imp: 1 }] });
    assert.deepEqual(statement.period, { from: utc(2023, 9, 1, 4), to: utc(2023, 10, 1, 4) });
  });
});
