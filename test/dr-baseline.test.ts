// DR baseline (docs/flows.md "Demand response", baseline): per event
// interval, the mean (round half to even) of the same interval on the 10
// most recent like days (weekday vs weekend/holiday, in the event's zone) with every event
// interval measured; achieved = baseline − actual, floored at 0.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureReduction, type IntervalEnergy } from '../host/flows/dr-baseline.js';
import { GridsettleError } from '../host/errors.js';

const DAY = 86_400_000;
const QUARTER = 900_000;
const FAR_OFF_MWH = 9_999_999n;

function dayOf(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY;
}

/** Every day from `firstDate` up to the event day gets FAR_OFF_MWH in both event intervals, unless `values` names it. */
function history(firstDate: string, eventDate: string, values: Map<string, [bigint, bigint]>, flags = new Map<string, number>()) {
  const intervals = new Map<number, IntervalEnergy>();
  for (let day = dayOf(firstDate); day <= dayOf(eventDate); day++) {
    const date = new Date(day * DAY).toISOString().slice(0, 10);
    const [first, second] = values.get(date) ?? [FAR_OFF_MWH, FAR_OFF_MWH];
    const start = day * DAY + 17 * 3_600_000;
    intervals.set(start, { impMWh: first, flags: flags.get(date) ?? 0 });
    intervals.set(start + QUARTER, { impMWh: second, flags: 0 });
  }
  return intervals;
}

function windowOn(date: string, holidays: string[] = []) {
  const fromMs = dayOf(date) * DAY + 17 * 3_600_000;
  return { fromMs, toMs: fromMs + 2 * QUARTER, holidayDays: new Set(holidays.map(dayOf)), timezone: 'UTC' };
}

/** Like day j (0 = most recent) holds 1000 + j and 1001 + j mWh. */
function likeDayValues(dates: string[]): Map<string, [bigint, bigint]> {
  return new Map(dates.map((date, j) => [date, [1000n + BigInt(j), 1001n + BigInt(j)]]));
}

// Wednesday 2026-01-07 with 2026-01-01 a holiday: the ten weekdays before it.
const WEEKDAY_LIKE_DAYS = ['2026-01-06', '2026-01-05', '2026-01-02', '2025-12-31', '2025-12-30', '2025-12-29', '2025-12-26', '2025-12-25', '2025-12-24', '2025-12-23'];

describe('DR baseline: mean of the same intervals on the 10 previous like days', () => {
  it('a weekday event averages the 10 most recent weekdays, skipping weekends and holidays; the mean rounds half to even', () => {
    const values = likeDayValues(WEEKDAY_LIKE_DAYS);
    values.set('2026-01-07', [900n, 1200n]);
    const result = measureReduction(history('2025-11-01', '2026-01-07', values), windowOn('2026-01-07', ['2026-01-01']));
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(result.likeDays, WEEKDAY_LIKE_DAYS.map(dayOf));
    // (10 000 + 45) / 10 = 1004.5 → 1004 (even); (10 010 + 45) / 10 = 1005.5 → 1006 (even).
    assert.deepEqual(result.intervals.map((row) => [row.baselineMWh, row.actualMWh, row.achievedMWh]), [[1004n, 900n, 104n], [1006n, 1200n, 0n]]);
    assert.equal(result.achievedMWh, 104n);
  });

  it('a like day with an estimated interval is not measured: the next older like day takes its place', () => {
    const dates = [...WEEKDAY_LIKE_DAYS.filter((date) => date !== '2025-12-29'), '2025-12-22'];
    const values = likeDayValues(dates);
    values.set('2026-01-07', [0n, 0n]);
    const result = measureReduction(history('2025-11-01', '2026-01-07', values, new Map([['2025-12-29', 1]])), windowOn('2026-01-07', ['2026-01-01']));
    assert.deepEqual(result.likeDays, dates.map(dayOf));
    assert.deepEqual(result.intervals.map((row) => row.achievedMWh), [1004n, 1006n]);
  });

  it('a weekend event averages weekend days and holidays', () => {
    const dates = ['2026-01-04', '2026-01-03', '2026-01-01', '2025-12-28', '2025-12-27', '2025-12-21', '2025-12-20', '2025-12-14', '2025-12-13', '2025-12-07'];
    const values = likeDayValues(dates);
    values.set('2026-01-10', [2000n, 0n]);
    const result = measureReduction(history('2025-11-01', '2026-01-10', values), windowOn('2026-01-10', ['2026-01-01']));
    assert.deepEqual(result.likeDays, dates.map(dayOf));
    assert.deepEqual(result.intervals.map((row) => row.achievedMWh), [0n, 1006n]);
  });

  it('fewer than 10 measured like days within the 60-day lookback is insufficient_history, with nothing achieved', () => {
    const values = likeDayValues(WEEKDAY_LIKE_DAYS);
    values.set('2026-01-07', [0n, 0n]);
    const result = measureReduction(history('2025-12-24', '2026-01-07', values), windowOn('2026-01-07', ['2026-01-01']));
    assert.equal(result.outcome, 'insufficient_history');
    assert.deepEqual(result.likeDays, WEEKDAY_LIKE_DAYS.slice(0, 9).map(dayOf));
    assert.equal(result.achievedMWh, 0n);
  });

  it('like days older than 60 days do not count', () => {
    // Nine like days inside the lookback, none measured between 2025-11-10 and 2025-12-23, and a measured Friday 61 days back.
    const values = likeDayValues(WEEKDAY_LIKE_DAYS.slice(0, 9));
    values.set('2026-01-07', [0n, 0n]);
    const intervals = history('2025-11-07', '2026-01-07', values);
    for (let day = dayOf('2025-11-10'); day <= dayOf('2025-12-23'); day++) intervals.delete(day * DAY + 17 * 3_600_000);
    assert.equal(measureReduction(intervals, windowOn('2026-01-07', ['2026-01-01'])).outcome, 'insufficient_history');
  });

  it('an event interval without a measured reading is missing_readings', () => {
    const intervals = history('2025-11-01', '2026-01-07', likeDayValues(WEEKDAY_LIKE_DAYS));
    intervals.delete(windowOn('2026-01-07').fromMs + QUARTER);
    assert.equal(measureReduction(intervals, windowOn('2026-01-07', ['2026-01-01'])).outcome, 'missing_readings');
  });

  it('a window off the 15-minute grid or across UTC midnight is invalid_input', () => {
    const intervals = new Map<number, IntervalEnergy>();
    const midnight = dayOf('2026-01-07') * DAY;
    for (const [fromMs, toMs] of [[midnight + 60_000, midnight + QUARTER], [midnight - QUARTER, midnight + QUARTER], [midnight, midnight]]) {
      assert.throws(() => measureReduction(intervals, { fromMs: fromMs!, toMs: toMs!, holidayDays: new Set(), timezone: 'UTC' }), (error: unknown) => error instanceof GridsettleError && error.code === 'invalid_input');
    }
  });

  // Berlin: CET (UTC+1) until Sunday 2026-03-29 02:00, CEST (UTC+2) after.
  const BERLIN = 'Europe/Berlin';
  const HOUR = 3_600_000;
  /** The instant of local Berlin time `hour`:00 on `date`, given the offset in force then. */
  const berlin = (date: string, hour: number, offsetH: number): number => dayOf(date) * DAY + (hour - offsetH) * HOUR;

  it('in a zone with daylight saving the like days compare the same local time: 18:00 Berlin is 16:00 UTC after the change, 17:00 UTC before', () => {
    const eventDate = '2026-04-01'; // a Wednesday, CEST
    const likeDates = ['2026-03-31', '2026-03-30', '2026-03-27', '2026-03-26', '2026-03-25', '2026-03-24', '2026-03-23', '2026-03-20', '2026-03-19', '2026-03-18'];
    const intervals = new Map<number, IntervalEnergy>();
    for (let day = dayOf('2026-02-01'); day <= dayOf(eventDate); day++) {
      const date = new Date(day * DAY).toISOString().slice(0, 10);
      // Far-off energy at the UTC times of 18:00 on the wrong side of the change, so a UTC-day baseline would be wrong.
      for (const offsetH of [1, 2]) {
        for (const q of [0, 1]) intervals.set(berlin(date, 18, offsetH) + q * QUARTER, { impMWh: FAR_OFF_MWH, flags: 0 });
      }
      const offsetH = day >= dayOf('2026-03-29') ? 2 : 1;
      const j = likeDates.indexOf(date);
      const energy = date === eventDate ? [900n, 900n] : j >= 0 ? [1000n + BigInt(j), 1001n + BigInt(j)] : [FAR_OFF_MWH, FAR_OFF_MWH];
      intervals.set(berlin(date, 18, offsetH), { impMWh: energy[0]!, flags: 0 });
      intervals.set(berlin(date, 18, offsetH) + QUARTER, { impMWh: energy[1]!, flags: 0 });
    }
    const fromMs = berlin(eventDate, 18, 2);
    const result = measureReduction(intervals, { fromMs, toMs: fromMs + 2 * QUARTER, holidayDays: new Set(), timezone: BERLIN });
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(result.likeDays, likeDates.map(dayOf));
    // Σ (1000 + j) = 10 045 → 1004.5 → 1004 (half to even); Σ (1001 + j) = 10 055 → 1005.5 → 1006.
    assert.deepEqual(result.intervals.map((row) => [row.baselineMWh, row.actualMWh, row.achievedMWh]), [[1004n, 900n, 104n], [1006n, 900n, 106n]]);
  });

  it('a like day on which the event\'s local time does not exist (the spring-forward gap) is skipped', () => {
    // Event on Sunday 2026-04-05 at 02:00 Berlin (CEST); Sunday 2026-03-29 has no 02:00-03:00.
    const intervals = new Map<number, IntervalEnergy>();
    const weekendDates: string[] = [];
    for (let day = dayOf('2026-02-01'); day <= dayOf('2026-04-05'); day++) {
      const date = new Date(day * DAY).toISOString().slice(0, 10);
      const weekday = new Date(day * DAY).getUTCDay();
      if (weekday !== 0 && weekday !== 6) continue;
      if (date !== '2026-04-05' && date !== '2026-03-29') weekendDates.push(date);
      const offsetH = day >= dayOf('2026-03-29') ? 2 : 1;
      intervals.set(berlin(date, 2, offsetH), { impMWh: 500n, flags: 0 });
    }
    const fromMs = berlin('2026-04-05', 2, 2);
    const result = measureReduction(intervals, { fromMs, toMs: fromMs + QUARTER, holidayDays: new Set(), timezone: BERLIN });
    assert.equal(result.outcome, 'ok');
    assert.deepEqual(result.likeDays, weekendDates.reverse().slice(0, 10).map(dayOf));
    assert.ok(!result.likeDays.includes(dayOf('2026-03-29')));
  });

  it('an event window must lie inside one local day of its zone', () => {
    const fromMs = berlin('2026-04-01', 23, 2) + 3 * QUARTER; // 23:45 Berlin
    assert.throws(() => measureReduction(new Map(), { fromMs, toMs: fromMs + 2 * QUARTER, holidayDays: new Set(), timezone: BERLIN }),
      (error: unknown) => error instanceof GridsettleError && error.code === 'invalid_input' && /Europe\/Berlin/.test(error.message));
  });
});
