import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { price } from '../host/engine/price.js';
import { civilFromDays, daysFromCivil, weekdayOfDay } from '../host/tariff/calendar.js';
import { offsetAtMs, offsetSchedule } from '../host/tariff/timezone.js';
import { compileTariff } from '../host/tariff/compile.js';
import { slotTable } from '../host/tariff/slots.js';
import { DAY_MS, HOUR_MS, assertRejects, lineOf, utc } from './price-fixtures.js';
import type { Tariff } from '../host/engine/price.js';

const KWH = 1_000_000;

/** Two periods; `peakHours` local hours are peak every day. */
function hourTariff(timezone: string, peakHours: number[]): Tariff {
  const table = Array.from({ length: 24 }, (_, hour) => (peakHours.includes(hour) ? 1 : 0));
  return {
    id: 'hours', currency: 'EUR', timezone, periods: ['off', 'peak'],
    schedule: { weekday: table, weekend: table },
    energy: { off: [{ price: '0.10' }], peak: [{ price: '1' }] },
    fixedPerDay: '1',
  };
}

/** kWh of the off and peak lines. */
function kwhByPeriod(tariff: Tariff, period: { from: number; to: number }, starts: number[]): Array<string | null | undefined> {
  const statement = price({ tariff, period, intervals: starts.map((start) => ({ start, imp: KWH })) });
  return [lineOf(statement, 'energy', 'off', 0)?.kwh, lineOf(statement, 'energy', 'peak', 0)?.kwh];
}

describe('SPEC §3 periods on DST change days (Europe/Berlin)', () => {
  it('the 23-hour spring day: 02:00 local does not exist, 01:00Z is 03:00 CEST', () => {
    // 2026-03-29: local midnight is 2026-03-28T23:00Z, the next one 2026-03-29T22:00Z (23 h, 92 slots).
    const day = { from: utc(2026, 3, 28, 23), to: utc(2026, 3, 29, 22) };
    const tariff = hourTariff('Europe/Berlin', [3]);
    // 00:45Z = 01:45 CET (off); 01:00Z = 03:00 CEST (peak); 01:45Z = 03:45 (peak); 02:00Z = 04:00 (off).
    assert.deepEqual(kwhByPeriod(tariff, day, [utc(2026, 3, 29, 0, 45), utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 45), utc(2026, 3, 29, 2)]), ['2', '2']);
    const statement = price({ tariff, period: day, intervals: [] });
    assert.equal(statement.missingIntervals, 92);
    assert.equal(lineOf(statement, 'fixed')?.days, 1);
  });

  it('the 25-hour autumn day: 02:00 local happens twice, both priced as hour 2', () => {
    // 2026-10-25: local midnight 2026-10-24T22:00Z, next 2026-10-25T23:00Z (25 h, 100 slots).
    const day = { from: utc(2026, 10, 24, 22), to: utc(2026, 10, 25, 23) };
    const tariff = hourTariff('Europe/Berlin', [2]);
    // 00:00Z = 02:00 CEST (peak); 01:00Z = 02:00 CET (peak); 01:45Z = 02:45 CET (peak); 02:00Z = 03:00 CET (off); 23:45Z (24th) = 01:45 CEST (off).
    const starts = [utc(2026, 10, 25, 0), utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 45), utc(2026, 10, 25, 2), utc(2026, 10, 24, 23, 45)];
    assert.deepEqual(kwhByPeriod(tariff, day, starts), ['2', '3']);
    const statement = price({ tariff, period: day, intervals: [] });
    assert.equal(statement.missingIntervals, 100);
    assert.equal(lineOf(statement, 'fixed')?.days, 1);
  });

  it('finds the exact change instants', () => {
    const schedule = offsetSchedule('Europe/Berlin', utc(2026, 1, 1), utc(2027, 1, 1));
    assert.deepEqual(schedule.changeAtMs, [utc(2026, 1, 1), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)]);
    assert.deepEqual(schedule.offsetMs, [HOUR_MS, 2 * HOUR_MS, HOUR_MS]);
  });
});

describe('SPEC §3 periods in zones with 30-minute offsets', () => {
  it('Asia/Kolkata (+05:30): local hours start at :30 UTC', () => {
    // 02:15Z = 07:45 IST (off); 02:30Z = 08:00 IST (peak).
    const tariff = hourTariff('Asia/Kolkata', [8]);
    assert.deepEqual(kwhByPeriod(tariff, { from: utc(2026, 1, 1), to: utc(2026, 1, 2) }, [utc(2026, 1, 1, 2, 15), utc(2026, 1, 1, 2, 30)]), ['1', '1']);
  });

  it('Australia/Adelaide leaves daylight time (+10:30 → +09:30) on 2026-04-05', () => {
    // At 2026-04-04T16:30Z, 03:00 ACDT becomes 02:00 ACST. Hour 2 is peak:
    // 15:15Z = 01:45 (off), 16:15Z = 02:45 ACDT (peak), 16:30Z = 02:00 ACST (peak), 17:30Z = 03:00 (off).
    const tariff = hourTariff('Australia/Adelaide', [2]);
    const starts = [utc(2026, 4, 4, 15, 15), utc(2026, 4, 4, 16, 15), utc(2026, 4, 4, 16, 30), utc(2026, 4, 4, 17, 30)];
    assert.deepEqual(kwhByPeriod(tariff, { from: utc(2026, 4, 1), to: utc(2026, 4, 10) }, starts), ['2', '2']);
    assert.equal(offsetAtMs('Australia/Adelaide', utc(2026, 4, 4, 16, 30) - 1), 10.5 * HOUR_MS);
    assert.equal(offsetAtMs('Australia/Adelaide', utc(2026, 4, 4, 16, 30)), 9.5 * HOUR_MS);
  });

  it('an unknown zone is invalid_input', () => {
    assertRejects(() => price({ tariff: hourTariff('Europe/Atlantis', [1]), period: { from: 0, to: DAY_MS }, intervals: [] }), 'invalid_input', 'Europe/Atlantis');
  });
});

describe('calendar arithmetic on day numbers', () => {
  it('matches the JavaScript Date calendar from 1970 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: daysFromCivil(9999, 12, 31) }), (dayNumber) => {
        const date = new Date(dayNumber * DAY_MS);
        const civil = civilFromDays(dayNumber);
        assert.deepEqual(civil, { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
        assert.equal(daysFromCivil(civil.year, civil.month, civil.day), dayNumber);
        assert.equal(weekdayOfDay(dayNumber), date.getUTCDay());
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('SPEC §3 slot tables against Intl, slot by slot', () => {
  // Period index = local hour on weekdays, 24 + hour % 8 on weekends: one
  // index tells both the hour and the day kind the table read.
  const weekday = Array.from({ length: 24 }, (_, hour) => hour);
  const weekend = Array.from({ length: 24 }, (_, hour) => 24 + (hour % 8));
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'Pacific/Chatham', 'UTC'];

  it('gives every slot the period of its start instant\'s local hour and weekday', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones), fc.integer({ min: 0, max: 3_650 }), fc.integer({ min: 1, max: 400 }), fc.constantFrom(300_000, 900_000, 3_600_000, 7_200_000, 86_400_000),
        (timezone, startDay, days, intervalMs) => {
          const tariff = {
            id: 'hours', currency: 'EUR', timezone, periods: Array.from({ length: 32 }, (_, index) => `p${index}`),
            schedule: { weekday, weekend },
          };
          const fromMs = utc(2020, 1, 1) + startDay * DAY_MS;
          const slots = slotTable(compileTariff(tariff), fromMs, fromMs + days * DAY_MS, intervalMs);
          const format = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', hour: 'numeric', weekday: 'short' });
          for (let k = 0; k < slots.slotCount; k += 7) {
            const parts = format.formatToParts((slots.firstSlot + k) * intervalMs);
            const hour = Number(parts.find((part) => part.type === 'hour')!.value);
            const isWeekend = ['Sat', 'Sun'].includes(parts.find((part) => part.type === 'weekday')!.value);
            assert.equal(slots.periodBySlot[k], isWeekend ? 24 + (hour % 8) : hour, `slot ${k} in ${timezone}`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('compiles a tariff object once and reuses the slot table of a period', () => {
    const tariff = hourTariff('Europe/Berlin', [1]);
    assert.equal(compileTariff(tariff), compileTariff(tariff));
    const compiled = compileTariff(tariff);
    assert.equal(slotTable(compiled, 0, DAY_MS, 900_000), slotTable(compiled, 0, DAY_MS, 900_000));
  });
});
