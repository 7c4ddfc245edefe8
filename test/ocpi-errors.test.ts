// priceOcpiCdr (SPEC §1 codes, docs/ocpi.md): which zone restrictions are
// read in, and every rejection with its stable code and the field it names.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { priceOcpiCdr } from '../host/ocpi/price.js';
import { OCPI_CHARGING_PERIODS_MAX, OCPI_TARIFF_ELEMENTS_MAX } from '../host/ocpi/ocpi-limits.js';
import { cdr, component, element, period, priceIn, tariff } from './ocpi-fixtures.js';
import type { Json } from './ocpi-fixtures.js';
import { assertRejects } from './price-fixtures.js';

const PRICED = tariff([element([component('ENERGY', 0.25, 1, 10)])]);
const SESSION = cdr([period('2026-01-05T10:00:00Z', { ENERGY: 1 })], '2026-01-05T11:00:00Z');

function withPeriods(dimensions: Record<string, number | string>): Json {
  return cdr([period('2026-01-05T10:00:00Z', dimensions)], '2026-01-05T11:00:00Z');
}

function withRestrictions(restrictions: Json): Json {
  return tariff([element([component('ENERGY', 0.25)], restrictions)]);
}

describe('timezone: input, else the location, else a single-zone country, else UTC', () => {
  const located = (place: Json): Json => ({ ...SESSION, cdr_location: place });
  const zoneOf = (input: Json): [string, string] => {
    const result = priceOcpiCdr({ tariff: PRICED, ...input } as Parameters<typeof priceOcpiCdr>[0]);
    return [result.timezone, result.timezoneSource];
  };

  it('takes the input timezone over the location time_zone, that over the country', () => {
    const place = { country: 'NLD', time_zone: 'Europe/Lisbon' };
    assert.deepEqual(zoneOf({ cdr: located(place), timezone: 'Asia/Tokyo' }), ['Asia/Tokyo', 'input']);
    assert.deepEqual(zoneOf({ cdr: located(place) }), ['Europe/Lisbon', 'location']);
    assert.deepEqual(zoneOf({ cdr: located({ country: 'NLD' }) }), ['Europe/Amsterdam', 'country']);
    assert.deepEqual(zoneOf({ cdr: located({}) }), ['UTC', 'default']);
  });

  it('refuses a multi-zone country without a zone, an unlisted country and an unknown zone', () => {
    assertRejects(() => priceOcpiCdr({ tariff: PRICED, cdr: located({ country: 'USA' }) }), 'invalid_input', 'USA.*several time zones');
    assertRejects(() => priceOcpiCdr({ tariff: PRICED, cdr: located({ country: 'XYZ' }) }), 'invalid_input', 'single-zone');
    assertRejects(() => priceIn(PRICED, SESSION, 'Mars/Olympus_Mons'), 'invalid_input', 'unknown timezone');
    assertRejects(() => priceOcpiCdr({ tariff: PRICED, cdr: located({ time_zone: 'Nowhere/Else' }) }), 'invalid_input', 'unknown timezone');
  });
});

describe('tariff choice', () => {
  it('without a tariff, takes the first of the CDR tariffs in force at the session start', () => {
    const expired = tariff([element([component('ENERGY', 9)])], { id: 'OLD', end_date_time: '2026-01-01T00:00:00Z' });
    const current = tariff([element([component('ENERGY', 0.25)])], { id: 'NEW', start_date_time: '2026-01-01T00:00:00Z' });
    const result = priceOcpiCdr({ cdr: { ...SESSION, tariffs: [expired, current] }, timezone: 'UTC' });
    assert.deepEqual([result.tariffId, result.totals.cost.exclVat], ['NEW', '0.250000']);
  });

  it('prices a finished OCPI Session given as `session` like a CDR', () => {
    assert.deepEqual(priceOcpiCdr({ tariff: PRICED, session: SESSION, timezone: 'UTC' }).totals, priceIn(PRICED, SESSION).totals);
  });

  it('answers no tariff in force at the session start, or no element in force for a period, with no_price', () => {
    assertRejects(() => priceIn({ ...PRICED, end_date_time: '2026-01-05T10:00:00Z' }, SESSION), 'no_price', 'no tariff is in force');
    assertRejects(() => priceIn(withRestrictions({ start_time: '12:00', end_time: '13:00' }), SESSION), 'no_price', 'charging_periods\\[0\\]');
  });
});

describe('bad input: invalid_amount for numbers, invalid_input for structure, naming the field', () => {
  it('refuses a value that is not a whole internal unit, never rounding it', () => {
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 0.2500001)])]), SESSION), 'invalid_amount', 'price 0.2500001 .*whole number of µ');
    assertRejects(() => priceIn(PRICED, withPeriods({ ENERGY: 1.0000001 })), 'invalid_amount', 'volume 1.0000001 kWh is not a whole number of mWh');
    assertRejects(() => priceIn(PRICED, withPeriods({ TIME: 0.000001 })), 'invalid_amount', 'whole number of ms');
  });

  it('refuses a JSON number with more than 15 significant digits, an exponent and a non-number', () => {
    assertRejects(() => priceIn(PRICED, withPeriods({ ENERGY: 1234567.123456789 })), 'invalid_amount', 'significant digits');
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 1e-7)])]), SESSION), 'invalid_amount', 'plain decimal');
    assertRejects(() => priceIn(tariff([element([component('ENERGY', '.25')])]), SESSION), 'invalid_amount', 'elements\\[0\\].price_components\\[0\\].price');
  });

  it('refuses a negative price, a VAT above 100 % and a price above the limit', () => {
    assertRejects(() => priceIn(tariff([element([component('ENERGY', -0.1)])]), SESSION), 'invalid_amount', 'out of range');
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 0.1, 0, 100.5)])]), SESSION), 'invalid_amount', 'vat');
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 10_001)])]), SESSION), 'invalid_amount', 'out of range 0 … 10000');
  });

  it('refuses malformed restrictions, naming the field', () => {
    assertRejects(() => priceIn(withRestrictions({ start_tme: '08:00' }), SESSION), 'invalid_input', 'restrictions has an unknown key "start_tme"');
    assertRejects(() => priceIn(withRestrictions({ start_time: '8:00' }), SESSION), 'invalid_input', 'start_time');
    assertRejects(() => priceIn(withRestrictions({ start_time: '08:00', end_time: '08:00' }), SESSION), 'invalid_input', 'empty window');
    assertRejects(() => priceIn(withRestrictions({ end_date: '2026-02-30' }), SESSION), 'invalid_input', 'end_date');
    assertRejects(() => priceIn(withRestrictions({ day_of_week: ['MONDAY', 'MONDAY'] }), SESSION), 'invalid_input', 'day_of_week\\[1\\]');
    assertRejects(() => priceIn(withRestrictions({ min_duration: 1.5 }), SESSION), 'invalid_input', 'min_duration');
    assertRejects(() => priceIn(withRestrictions({ reservation: 'MAYBE' }), SESSION), 'invalid_input', 'reservation');
  });

  it('refuses malformed tariffs', () => {
    assertRejects(() => priceIn(tariff([]), SESSION), 'invalid_input', 'at least one element');
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 1), component('ENERGY', 2)])]), SESSION), 'invalid_input', 'second ENERGY');
    assertRejects(() => priceIn(tariff([element([component('KWH', 1)])]), SESSION), 'invalid_input', 'type must be one of');
    assertRejects(() => priceIn(tariff([element([{ type: 'ENERGY', price: 1 }])]), SESSION), 'invalid_input', 'step_size');
    assertRejects(() => priceIn({ ...PRICED, currency: 'EURO' }, SESSION), 'invalid_input', 'unknown currency');
    assertRejects(() => priceIn({ ...PRICED, currency: 'USD' }, SESSION), 'invalid_input', 'differs');
    assertRejects(() => priceIn({ ...PRICED, min_price: { excl_vat: 2 }, max_price: { excl_vat: 1 } }, SESSION), 'invalid_input', 'min_price is above');
  });

  it('refuses malformed CDRs', () => {
    assertRejects(() => priceOcpiCdr({ tariff: PRICED }), 'invalid_input', 'exactly one of cdr and session');
    assertRejects(() => priceOcpiCdr({ tariff: PRICED, cdr: SESSION, session: SESSION }), 'invalid_input', 'exactly one of cdr and session');
    assertRejects(() => priceOcpiCdr({ cdr: SESSION }), 'invalid_input', 'no tariff');
    const backwards = cdr([period('2026-01-05T10:30:00Z', { ENERGY: 1 }), period('2026-01-05T10:00:00Z', { ENERGY: 1 })], '2026-01-05T11:00:00Z');
    assertRejects(() => priceIn(PRICED, backwards), 'invalid_input', 'charging_periods\\[0\\] starts after the next period');
    assertRejects(() => priceIn(PRICED, { ...SESSION, end_date_time: '2026-01-05T09:00:00Z' }), 'invalid_input', 'end_date_time is before');
    assertRejects(() => priceIn(PRICED, { ...SESSION, end_date_time: '2026-01-05T11:00:00.0004Z' }), 'invalid_input', 'whole millisecond');
    assertRejects(() => priceIn(PRICED, withPeriods({ ENERGY: 1, BATTERY: 2 })), 'invalid_input', 'dimensions\\[1\\].type "BATTERY"');
    assertRejects(() => priceIn(PRICED, { ...SESSION, charging_periods: [] }), 'invalid_input', 'at least one charging period');
  });

  it('refuses to price reservation time under a tariff that prices reservations', () => {
    const reserving = tariff([element([component('TIME', 1)], { reservation: 'RESERVATION' }), element([component('ENERGY', 0.25)])]);
    assertRejects(() => priceIn(reserving, withPeriods({ ENERGY: 1, RESERVATION_TIME: 0.25 })), 'invalid_input', 'RESERVATION_TIME');
  });
});

describe('limits: limit_exceeded naming the constant', () => {
  it('refuses a tariff with more elements than OCPI_TARIFF_ELEMENTS_MAX', () => {
    const elements = Array.from({ length: OCPI_TARIFF_ELEMENTS_MAX + 1 }, () => element([component('ENERGY', 0.25)]));
    assertRejects(() => priceIn(tariff(elements), SESSION), 'limit_exceeded', 'OCPI_TARIFF_ELEMENTS_MAX');
  });

  it('refuses a session with more periods than OCPI_CHARGING_PERIODS_MAX', () => {
    const periods = Array.from({ length: OCPI_CHARGING_PERIODS_MAX + 1 }, () => period('2026-01-05T10:00:00Z', { ENERGY: 0 }));
    assertRejects(() => priceIn(PRICED, cdr(periods, '2026-01-05T11:00:00Z')), 'limit_exceeded', 'OCPI_CHARGING_PERIODS_MAX');
  });

  it('refuses a session costing more than OCPI_COST_MICRO_MAX and a span longer than OCPI_DURATION_MS_MAX', () => {
    // 1 000 000 kWh × 10 000 = 10^10 currency units = 10^16 µ > 10^15 µ.
    assertRejects(() => priceIn(tariff([element([component('ENERGY', 10_000)])]), withPeriods({ ENERGY: 1_000_000 })), 'limit_exceeded', 'OCPI_COST_MICRO_MAX');
    assertRejects(() => priceIn(PRICED, { ...SESSION, end_date_time: '2027-01-06T10:00:00.001Z' }), 'limit_exceeded', 'OCPI_DURATION_MS_MAX');
  });
});
