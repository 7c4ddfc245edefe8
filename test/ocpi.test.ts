// priceOcpiCdr (SPEC §7, docs/ocpi.md): one hand-computed case per pricing
// rule. Amounts in µ; the arithmetic is in the comments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { priceOcpiCdr } from '../host/ocpi/price.js';
import { cdr, component, costsOf, element, elementsOf, period, priceIn, tariff } from './ocpi-fixtures.js';

const ENERGY_AT_025 = tariff([element([component('ENERGY', 0.25, 1, 10)])]);

describe('OCPI numbers: exact units, never rounded', () => {
  it('a price as a JSON number and as a decimal string price alike', () => {
    const session = cdr([period('2026-01-05T10:00:00Z', { ENERGY: 2 })], '2026-01-05T11:00:00Z');
    const asString = priceIn(tariff([element([component('ENERGY', '0.25', 1, 10)])]), session);
    // 2 kWh × 0.25 = 0.50; × 1.10 = 0.55.
    assert.deepEqual([asString.totals.cost.exclVat, asString.totals.cost.inclVat], ['0.500000', '0.550000']);
    assert.deepEqual(priceIn(ENERGY_AT_025, session).totals, asString.totals);
  });

  it('an hour volume is taken when it is a whole number of ms (0.000005 h = 18 ms)', () => {
    const session = cdr([period('2026-01-05T10:00:00Z', { TIME: 0.000005 })], '2026-01-05T11:00:00Z');
    const result = priceIn(tariff([element([component('TIME', 3600)])]), session);
    // 18 ms × 3 600 per hour / 3 600 000 ms per hour = 0.018.
    assert.equal(result.quantities.chargingTimeMs, 18);
    assert.equal(result.totals.timeCost.exclVat, '0.018000');
  });
});

describe('element choice: restrictions hold at the period start, in local time', () => {
  it('a time window includes its start and excludes its end', () => {
    const priced = tariff([element([component('ENERGY', 0.1)], { start_time: '08:00', end_time: '17:00' }), element([component('ENERGY', 0.2)])]);
    const session = cdr(['08:00', '16:59', '17:00'].map((clock) => period(`2026-01-05T${clock}:00Z`, { ENERGY: 1 })), '2026-01-05T18:00:00Z');
    const result = priceIn(priced, session);
    assert.deepEqual(elementsOf(result, 'ENERGY'), [0, 0, 1]);
    assert.equal(result.totals.energyCost.exclVat, '0.400000');
  });

  it('end_time before start_time wraps past midnight, and end_time 00:00 is the end of the day', () => {
    const priced = tariff([
      element([component('ENERGY', 0.1)], { start_time: '22:00', end_time: '06:00' }),
      element([component('ENERGY', 0.3)], { start_time: '18:00', end_time: '00:00' }),
      element([component('ENERGY', 0.5)]),
    ]);
    const session = cdr(['05:59', '06:00', '21:00', '23:30'].map((clock) => period(`2026-01-05T${clock}:00Z`, { ENERGY: 1 })), '2026-01-06T00:00:00Z');
    assert.deepEqual(elementsOf(priceIn(priced, session), 'ENERGY'), [0, 2, 1, 0]);
  });

  it('each dimension takes the first matching element that prices it', () => {
    const priced = tariff([
      element([component('ENERGY', 0.3)], { start_time: '00:00', end_time: '12:00' }),
      element([component('ENERGY', 0.4), component('TIME', 2)]),
    ]);
    const result = priceIn(priced, cdr([period('2026-01-05T10:00:00Z', { ENERGY: 1, TIME: 0.5 })], '2026-01-05T10:30:00Z'));
    // ENERGY from element 0: 0.30; TIME from element 1: 0.5 h × 2 = 1.00.
    assert.deepEqual([elementsOf(result, 'ENERGY')[0], elementsOf(result, 'TIME')[0]], [0, 1]);
    assert.equal(result.totals.cost.exclVat, '1.300000');
  });

  it('day_of_week reads the local weekday: Sunday 20:00Z is Monday 05:00 in Tokyo', () => {
    const priced = tariff([element([component('ENERGY', 0.1)], { day_of_week: ['MONDAY'] }), element([component('ENERGY', 0.5)])]);
    const session = cdr([period('2026-01-04T20:00:00Z', { ENERGY: 1 })], '2026-01-04T21:00:00Z');
    const tokyo = priceIn(priced, session, 'Asia/Tokyo');
    assert.equal(tokyo.periods[0]!.startLocal, '2026-01-05T05:00:00');
    assert.deepEqual([elementsOf(tokyo, 'ENERGY'), elementsOf(priceIn(priced, session, 'UTC'), 'ENERGY')], [[0], [1]]);
  });

  it('start_date is inclusive and end_date exclusive', () => {
    const priced = tariff([
      element([component('ENERGY', 0.1)], { start_date: '2026-01-05', end_date: '2026-01-06' }),
      element([component('ENERGY', 0.5)]),
    ]);
    const starts = ['2026-01-04T23:59:59Z', '2026-01-05T00:00:00Z', '2026-01-06T00:00:00Z'];
    assert.deepEqual(elementsOf(priceIn(priced, cdr(starts.map((start) => period(start, { ENERGY: 1 })), '2026-01-06T01:00:00Z')), 'ENERGY'), [1, 0, 1]);
  });

  it('min_kwh / max_kwh read the energy of the periods before', () => {
    const priced = tariff([element([component('ENERGY', 0.5)], { max_kwh: 2 }), element([component('ENERGY', 0.3)], { min_kwh: 2 })]);
    const starts = ['10:00', '10:10', '10:20'].map((clock) => period(`2026-01-05T${clock}:00Z`, { ENERGY: 1 }));
    const result = priceIn(priced, cdr(starts, '2026-01-05T10:30:00Z'));
    // Energy before: 0, 1, 2 kWh → 0.50 + 0.50 + 0.30.
    assert.deepEqual(elementsOf(result, 'ENERGY'), [0, 0, 1]);
    assert.equal(result.totals.cost.exclVat, '1.300000');
  });

  it('min_duration / max_duration read the time since the first period started', () => {
    const priced = tariff([
      element([component('PARKING_TIME', 0)], { max_duration: 1800 }),
      element([component('PARKING_TIME', 4)], { min_duration: 1800 }),
    ]);
    const periods = [period('2026-01-05T10:00:00Z', { PARKING_TIME: 0.5 }), period('2026-01-05T10:30:00Z', { PARKING_TIME: 0.25 })];
    const result = priceIn(priced, cdr(periods, '2026-01-05T10:45:00Z'));
    // Free for the first 1 800 s, then 0.25 h × 4 = 1.00.
    assert.deepEqual(elementsOf(result, 'PARKING_TIME'), [0, 1]);
    assert.equal(result.totals.parkingTimeCost.exclVat, '1.000000');
  });

  it('current and power bounds hold for every value the period reports; a period reporting none is not constrained', () => {
    const priced = tariff([
      element([component('ENERGY', 0.59)], { min_power: 50, max_current: 200 }),
      element([component('ENERGY', 0.39)]),
    ]);
    const periods = [
      period('2026-01-05T10:00:00Z', { ENERGY: 1, MIN_POWER: 60, MAX_POWER: 120 }),
      period('2026-01-05T10:10:00Z', { ENERGY: 1, MIN_POWER: 20, MAX_POWER: 120 }),
      period('2026-01-05T10:20:00Z', { ENERGY: 1, MAX_CURRENT: 200 }),
      period('2026-01-05T10:30:00Z', { ENERGY: 1 }),
    ];
    assert.deepEqual(elementsOf(priceIn(priced, cdr(periods, '2026-01-05T10:40:00Z')), 'ENERGY'), [0, 1, 1, 0]);
  });

  it('an element restricted to reservations never prices charging', () => {
    const priced = tariff([element([component('ENERGY', 9)], { reservation: 'RESERVATION' }), element([component('ENERGY', 0.25)])]);
    assert.deepEqual(elementsOf(priceIn(priced, cdr([period('2026-01-05T10:00:00Z', { ENERGY: 1 })], '2026-01-05T11:00:00Z')), 'ENERGY'), [1]);
  });

  it('a dimension no matching element prices is free, and listed with no element', () => {
    const result = priceIn(ENERGY_AT_025, cdr([period('2026-01-05T10:00:00Z', { ENERGY: 1, TIME: 1 })], '2026-01-05T11:00:00Z'));
    assert.deepEqual([elementsOf(result, 'TIME'), costsOf(result, 'TIME')], [[null], [[0n, 0n]]]);
    assert.equal(result.quantities.chargingTimeMs, 3_600_000);
  });
});

describe('step_size: the session total rounded up, the extra billed on the last priced period', () => {
  it('ENERGY rounds to the Wh step of the last period that priced energy', () => {
    const priced = tariff([
      element([component('ENERGY', 0.1, 500)], { start_time: '00:00', end_time: '12:00' }),
      element([component('ENERGY', 0.2, 1000)]),
    ]);
    const periods = [period('2026-01-05T11:00:00Z', { ENERGY: 1.2 }), period('2026-01-05T12:00:00Z', { ENERGY: 1.1 })];
    const result = priceIn(priced, cdr(periods, '2026-01-05T13:00:00Z'));
    // 2.3 kWh → 3 kWh in 1 000 Wh steps; the 0.7 kWh goes to period 1: 1.2 × 0.1 + 1.8 × 0.2 = 0.48.
    assert.deepEqual(result.periods.map((p) => p.lines[0]!.billedQuantity), [1_200_000, 1_800_000]);
    assert.deepEqual([result.quantities.energyMWh, result.quantities.billedEnergyMWh], [2_300_000, 3_000_000]);
    assert.equal(result.totals.energyCost.exclVat, '0.480000');
  });

  it('TIME rounds to its step when nothing bills parking', () => {
    const priced = tariff([element([component('TIME', 1.2, 300), component('PARKING_TIME', 2, 300)])]);
    const result = priceIn(priced, cdr([period('2026-01-05T10:00:00Z', { TIME: 0.05 })], '2026-01-05T10:03:00Z'));
    // 180 s → 300 s: 300 000 ms × 1.2 / 3 600 000 = 0.10.
    assert.equal(result.quantities.billedChargingTimeMs, 300_000);
    assert.equal(result.totals.timeCost.exclVat, '0.100000');
  });

  it('TIME is not rounded once PARKING_TIME is billed; PARKING_TIME is', () => {
    const priced = tariff([element([component('TIME', 1.2, 300), component('PARKING_TIME', 2, 300)])]);
    const periods = [period('2026-01-05T10:00:00Z', { TIME: 0.05 }), period('2026-01-05T10:03:00Z', { PARKING_TIME: 0.1 })];
    const result = priceIn(priced, cdr(periods, '2026-01-05T10:09:00Z'));
    // TIME 180 s × 1.2 / 3 600 = 0.06; parking 360 s → 600 s × 2 / 3 600 = 0.333333(3) → 333 333 µ.
    assert.deepEqual([result.totals.timeCost.exclVatMicro, result.totals.parkingTimeCost.exclVatMicro], [60_000n, 333_333n]);
    assert.deepEqual([result.quantities.billedChargingTimeMs, result.quantities.billedParkingTimeMs], [180_000, 600_000]);
  });

  it('step_size 0 bills the volume as measured', () => {
    const result = priceIn(tariff([element([component('ENERGY', 1, 0)])]), cdr([period('2026-01-05T10:00:00Z', { ENERGY: 0.0001 })], '2026-01-05T10:01:00Z'));
    assert.deepEqual([result.quantities.billedEnergyMWh, result.totals.cost.exclVat], [100, '0.000100']);
  });
});

describe('FLAT: once per session, on the first period an element with FLAT is in force', () => {
  it('charges the start fee once with its own VAT', () => {
    const priced = tariff([element([component('FLAT', 0.5, 0, 20), component('ENERGY', 0.25, 1, 10)])]);
    const periods = [period('2026-01-05T10:00:00Z', { ENERGY: 10 }), period('2026-01-05T11:00:00Z', { ENERGY: 10 })];
    const result = priceIn(priced, cdr(periods, '2026-01-05T12:00:00Z'));
    // FLAT 0.50 (0.60 with 20 %); energy 20 × 0.25 = 5.00 (5.50).
    assert.deepEqual(costsOf(result, 'FLAT'), [[500_000n, 600_000n], undefined]);
    assert.deepEqual([result.totals.cost.exclVat, result.totals.cost.inclVat], ['5.500000', '6.100000']);
  });
});

describe('money: each line rounded half to even to the µ once; VAT from the exact figure', () => {
  it('ties go to the even µ line by line', () => {
    const priced = tariff([element([component('ENERGY', '0.000001')])]);
    const periods = [0.5, 1.5, 2.5].map((kwh, index) => period(`2026-01-05T1${index}:00:00Z`, { ENERGY: kwh }));
    // 0.5 µ → 0, 1.5 µ → 2, 2.5 µ → 2.
    assert.deepEqual(costsOf(priceIn(priced, cdr(periods, '2026-01-05T13:00:00Z')), 'ENERGY'), [[0n, 0n], [2n, 2n], [2n, 2n]]);
  });

  it('incl. VAT comes from the exact excl. VAT cost, not from its rounded µ', () => {
    const priced = tariff([element([component('ENERGY', '0.000005', 0, 21)])]);
    // 0.1 kWh × 5 µ = 0.5 µ → 0 µ excl.; 0.5 × 1.21 = 0.605 µ → 1 µ incl. (from the rounded 0 it would be 0).
    assert.deepEqual(costsOf(priceIn(priced, cdr([period('2026-01-05T10:00:00Z', { ENERGY: 0.1 })], '2026-01-05T11:00:00Z')), 'ENERGY'), [[0n, 1n]]);
  });

  it('a component without vat costs the same incl. VAT', () => {
    const result = priceIn(tariff([element([component('ENERGY', 0.3)])]), cdr([period('2026-01-05T10:00:00Z', { ENERGY: 2 })], '2026-01-05T11:00:00Z'));
    assert.deepEqual([result.totals.cost.exclVatMicro, result.totals.cost.inclVatMicro], [600_000n, 600_000n]);
  });

  it('the charge in minor units rounds half to even to the currency exponent (EUR 2, JPY 0)', () => {
    const session = cdr([period('2026-01-05T10:00:00Z', { ENERGY: 0.1 })], '2026-01-05T11:00:00Z', { currency: undefined });
    // 0.1 kWh × 0.125 = 0.0125 → "0.01" (tie to even); × 25 JPY = 2.5 → "2".
    assert.equal(priceIn(tariff([element([component('ENERGY', 0.125)])]), session).charge.exclVatMinor, '0.01');
    assert.equal(priceIn(tariff([element([component('ENERGY', 25)])], { currency: 'JPY' }), session).charge.exclVatMinor, '2');
  });

  it('the charge in minor units is the exact cost rounded once (SPEC §5), not the µ line rounded again', () => {
    // 50.005 Wh × 0.10 = 5 000.5 µ: the µ line is 5 000 µ (half to even), the charge 0.01 (more than half a cent).
    const session = cdr([period('2026-01-05T10:00:00Z', { ENERGY: 0.050005 })], '2026-01-05T11:00:00Z', { currency: undefined });
    const result = priceIn(tariff([element([component('ENERGY', 0.1)])]), session);
    assert.deepEqual([result.charge.exclVat, result.charge.exclVatMinor, result.charge.inclVatMinor], ['0.005000', '0.01', '0.01']);
  });
});

describe('min_price / max_price bound the charge, not the CDR totals', () => {
  const session = cdr([period('2026-01-05T10:00:00Z', { ENERGY: 1.2 })], '2026-01-05T11:00:00Z');

  it('a session below min_price is charged min_price', () => {
    const result = priceIn({ ...ENERGY_AT_025, min_price: { excl_vat: 0.5, incl_vat: 0.55 } }, session);
    // 1.2 × 0.25 = 0.30 < 0.50.
    assert.deepEqual([result.totals.cost.exclVat, result.charge.exclVat, result.charge.inclVat, result.charge.limit], ['0.300000', '0.500000', '0.550000', 'min_price']);
  });

  it('a session above max_price is charged max_price (its excl_vat when it has no incl_vat)', () => {
    const result = priceIn({ ...ENERGY_AT_025, max_price: { excl_vat: 0.2 } }, session);
    assert.deepEqual([result.charge.exclVatMinor, result.charge.inclVatMinor, result.charge.limit], ['0.20', '0.20', 'max_price']);
  });

  it('a session within the bounds is charged its cost', () => {
    const result = priceIn({ ...ENERGY_AT_025, min_price: { excl_vat: 0.1 }, max_price: { excl_vat: 1 } }, session);
    assert.deepEqual([result.charge.exclVat, result.charge.inclVat, result.charge.limit], ['0.300000', '0.330000', null]);
  });
});

describe('the result', () => {
  it('lists periods, lines, quantities, CDR fields and warnings as documented', () => {
    const priced = tariff([element([component('FLAT', 1, 0), component('ENERGY', 0.3, 1, 19)])], { id: 'FAST' });
    const session = cdr(
      [period('2026-07-01T09:59:00Z', { ENERGY: 1.5, TIME: 0.25 })], '2026-07-01T10:29:00Z',
      { start_date_time: '2026-07-01T10:00:00Z', cdr_location: { country: 'DEU' } },
    );
    const result = priceOcpiCdr({ tariff: priced, cdr: session });
    // ENERGY 1.5 × 0.30 = 0.45, × 1.19 = 0.5355; FLAT 1.00 (no VAT).
    const energyCost = { exclVatMicro: 450_000n, inclVatMicro: 535_500n, exclVat: '0.450000', inclVat: '0.535500' };
    const flatCost = { exclVatMicro: 1_000_000n, inclVatMicro: 1_000_000n, exclVat: '1.000000', inclVat: '1.000000' };
    const totalCost = { exclVatMicro: 1_450_000n, inclVatMicro: 1_535_500n, exclVat: '1.450000', inclVat: '1.535500' };
    assert.deepEqual(result.periods, [{
      startMs: Date.UTC(2026, 6, 1, 9, 59), endMs: Date.UTC(2026, 6, 1, 10, 29), startLocal: '2026-07-01T11:59:00',
      lines: [
        { type: 'ENERGY', unit: 'mWh', quantity: 1_500_000, billedQuantity: 1_500_000, elementIndex: 0, price: '0.3', vat: '19', stepSize: 1, cost: energyCost },
        { type: 'TIME', unit: 'ms', quantity: 900_000, billedQuantity: 900_000, elementIndex: null, price: null, vat: null, stepSize: null, cost: { exclVatMicro: 0n, inclVatMicro: 0n, exclVat: '0.000000', inclVat: '0.000000' } },
        { type: 'FLAT', unit: 'session', quantity: 1, billedQuantity: 1, elementIndex: 0, price: '1', vat: null, stepSize: 0, cost: flatCost },
      ],
      cost: totalCost,
    }]);
    assert.deepEqual([result.tariffId, result.timezone, result.timezoneSource, result.warnings], ['FAST', 'Europe/Berlin', 'country', ['periods_outside_start_end_date_time']]);
    assert.deepEqual(result.totals.cost, totalCost);
    assert.deepEqual(result.charge, { ...totalCost, limit: null, exclVatMinor: '1.45', inclVatMinor: '1.54' });
    assert.deepEqual(result.quantities, {
      energyMWh: 1_500_000, billedEnergyMWh: 1_500_000, chargingTimeMs: 900_000, billedChargingTimeMs: 900_000,
      parkingTimeMs: 0, billedParkingTimeMs: 0, reservationTimeMs: 0, sessionTimeMs: 1_800_000,
    });
    assert.deepEqual(result.cdr, {
      total_cost: { excl_vat: '1.450000', incl_vat: '1.535500' }, total_fixed_cost: { excl_vat: '1.000000', incl_vat: '1.000000' },
      total_energy: '1.5', total_energy_cost: { excl_vat: '0.450000', incl_vat: '0.535500' },
      total_time: '0.5', total_time_cost: { excl_vat: '0.000000', incl_vat: '0.000000' },
      total_parking_time: '0', total_parking_cost: { excl_vat: '0.000000', incl_vat: '0.000000' },
      total_reservation_cost: { excl_vat: '0.000000', incl_vat: '0.000000' },
    });
  });
});
