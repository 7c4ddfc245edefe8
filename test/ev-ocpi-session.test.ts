// S1 sessions under an OCPI tariff (host/flows/ev/ocpi-session.ts), without
// HTTP: the attached tariff is checked by the OCPI module and stored without
// floats; the CDR of a metered session has one period per metered interval,
// clipped to the window, with exact kWh and hours rounded half to even to 4
// decimals; and the session is priced with the OCPI rules (docs/ocpi.md).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridsettleError } from '../host/errors.js';
import { FlowError } from '../host/flows/errors.js';
import { checkOcpiAttachment, ocpiHours, priceOcpiSession, sessionCdr, type MeteredIntervals } from '../host/flows/ev/ocpi-session.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, on the 15-minute grid
const QUARTER_MS = 900_000;
const MINUTE_MS = 60_000;
const GAP_FLAG = 8;

function metered(rows: Array<[number, bigint, number?]>): MeteredIntervals {
  return {
    start: BigInt64Array.from(rows.map(([offsetMs]) => BigInt(T0 + offsetMs))),
    energyMWh: BigInt64Array.from(rows.map(([, energy]) => energy)),
    flags: Uint8Array.from(rows.map(([, , flags]) => flags ?? 0)),
  };
}

interface Period { start_date_time: string; dimensions: Array<{ type: string; volume: string }> }

function periodsOf(cdr: Record<string, unknown>): Array<[string, Array<[string, string]>]> {
  return (cdr.charging_periods as Period[]).map((period) => [period.start_date_time, period.dimensions.map((entry) => [entry.type, entry.volume])]);
}

function iso(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

function throwsCode(action: () => unknown, code: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof GridsettleError || error instanceof FlowError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

const TARIFF = {
  id: 'T-1', currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.2534, vat: 19, step_size: 0 }, { type: 'PARKING_TIME', price: 2, step_size: 0 }] }],
};

describe('S1 OCPI hours: a duration in hours rounded half to even to 4 decimals (0.0001 h = 360 ms)', () => {
  it('whole quarters are exact, others round to the nearest 360 ms, ties to the even multiple', () => {
    assert.equal(ocpiHours(900_000n), '0.25');
    assert.equal(ocpiHours(420_000n), '0.1167', '1166.67 ten-thousandths round up');
    assert.equal(ocpiHours(300_000n), '0.0833', '833.33 round down');
    assert.equal(ocpiHours(180n), '0', 'a tie at 0.5 goes to the even 0');
    assert.equal(ocpiHours(540n), '0.0002', 'a tie at 1.5 goes to the even 2');
    assert.equal(ocpiHours(899_460n), '0.2498', 'a tie at 2498.5 goes to the even 2498');
  });
});

describe('S1 OCPI CDR: one charging period per metered interval, clipped to the session window', () => {
  it('ENERGY is the exact kWh and TIME the hours of an interval with energy; an interval without energy is PARKING_TIME only', () => {
    const cdr = sessionCdr(metered([[0, 2_500_000n], [QUARTER_MS, 0n], [2 * QUARTER_MS, 1_234_567n]]), { startMs: T0, endMs: T0 + 3 * QUARTER_MS }, 'EUR', undefined);
    assert.deepEqual([cdr.start_date_time, cdr.end_date_time, cdr.currency, cdr.cdr_location], [iso(0), iso(3 * QUARTER_MS), 'EUR', undefined]);
    assert.deepEqual(periodsOf(cdr), [
      [iso(0), [['ENERGY', '2.5'], ['TIME', '0.25']]],
      [iso(QUARTER_MS), [['PARKING_TIME', '0.25']]],
      [iso(2 * QUARTER_MS), [['ENERGY', '1.234567'], ['TIME', '0.25']]],
    ]);
  });

  it('the first and last intervals are clipped to [startMs, endMs]; their hours round half to even at 4 decimals', () => {
    // First: 900 000 − 540 = 899 460 ms = 2498.5 ten-thousandths → 0.2498; last: 540 ms = 1.5 → 0.0002.
    const window = { startMs: T0 + 540, endMs: T0 + QUARTER_MS + 540 };
    const cdr = sessionCdr(metered([[0, 1_000n], [QUARTER_MS, 7n]]), window, 'EUR', 'Europe/Berlin');
    assert.deepEqual(periodsOf(cdr), [
      [iso(540), [['ENERGY', '0.001'], ['TIME', '0.2498']]],
      [iso(QUARTER_MS), [['ENERGY', '0.000007'], ['TIME', '0.0002']]],
    ]);
    assert.deepEqual(cdr.cdr_location, { time_zone: 'Europe/Berlin' });
    // 7 minutes into a quarter: 420 000 ms → 0.1167 h.
    const partial = sessionCdr(metered([[0, 5n]]), { startMs: T0, endMs: T0 + 7 * MINUTE_MS }, 'EUR', undefined);
    assert.deepEqual(periodsOf(partial), [[iso(0), [['ENERGY', '0.000005'], ['TIME', '0.1167']]]]);
  });

  it('a zero-energy row that only marks an excluded pair (gap) is not metered time; a window with no metered interval is session_no_readings', () => {
    const cdr = sessionCdr(metered([[0, 1_000_000n], [QUARTER_MS, 0n, GAP_FLAG], [2 * QUARTER_MS, 0n]]), { startMs: T0, endMs: T0 + 3 * QUARTER_MS }, 'EUR', undefined);
    assert.deepEqual(periodsOf(cdr).map(([start]) => start), [iso(0), iso(2 * QUARTER_MS)]);
    throwsCode(() => sessionCdr(metered([[0, 0n, GAP_FLAG]]), { startMs: T0, endMs: T0 + QUARTER_MS }, 'EUR', undefined), 'session_no_readings');
  });
});

describe('S1 OCPI pricing of a metered session', () => {
  it('prices energy and parking by the OCPI rules; the amount is the charge incl. VAT in cents', () => {
    const { attachment } = checkOcpiAttachment(TARIFF, undefined);
    const priced = priceOcpiSession(attachment, 3, metered([[0, 3_000_001n], [QUARTER_MS, 0n]]), { startMs: T0, endMs: T0 + 2 * QUARTER_MS });
    // ENERGY: 3.000001 kWh × 0.2534 = 760 200.2534 µ → 760 200 excl; incl rhe(760 200.2534 × 1.19 = 904 638.30…) = 904 638.
    // PARKING_TIME: 0.25 h × 2.00 = 500 000 µ, no VAT. TIME: no component, free.
    // Charge incl. VAT 1 404 638 µ → 140.4638 ct → 1.40.
    assert.deepEqual([priced.energyMWh, priced.amountMicro, priced.amount], [3_000_001n, 1_400_000n, '1.40']);
    assert.deepEqual(priced.ocpi.totalCost, { exclVat: '1.260200', inclVat: '1.404638' });
    assert.deepEqual(priced.ocpi.charge, { exclVat: '1.260200', inclVat: '1.404638', exclVatMinor: '1.26', inclVatMinor: '1.40', limit: null });
    assert.deepEqual([priced.ocpi.tariffId, priced.ocpi.tariffVersion, priced.ocpi.timezone, priced.ocpi.periods], ['T-1', 3, 'UTC', 2]);
    assert.deepEqual([priced.ocpi.chargingTimeMs, priced.ocpi.parkingTimeMs, priced.ocpi.billedEnergyMWh], [QUARTER_MS, QUARTER_MS, 3_000_001]);
  });
});

describe('S1 OCPI tariff attachment: checked by the OCPI module, stored without floats', () => {
  it('fractional JSON numbers are kept as decimal strings with the same digits; integers stay numbers', () => {
    const { attachment, tariff } = checkOcpiAttachment(TARIFF, 'Europe/Berlin');
    assert.equal(tariff.currency, 'EUR');
    assert.equal(attachment.timezone, 'Europe/Berlin');
    const [element] = attachment.ocpi.elements as Array<{ price_components: Array<Record<string, unknown>> }>;
    assert.deepEqual(element!.price_components, [
      { type: 'ENERGY', price: '0.2534', vat: 19, step_size: 0 }, { type: 'PARKING_TIME', price: 2, step_size: 0 },
    ]);
  });

  it('bad tariffs carry the OCPI module codes: invalid_input, invalid_amount, limit_exceeded; a bad zone is invalid_input', () => {
    const component = { type: 'ENERGY', price: 0.25, step_size: 0 };
    throwsCode(() => checkOcpiAttachment({ ...TARIFF, currency: 'EUX' }, undefined), 'invalid_input');
    throwsCode(() => checkOcpiAttachment({ ...TARIFF, elements: [{ price_components: [component], restrictions: { start_tme: '07:00' } }] }, undefined), 'invalid_input');
    throwsCode(() => checkOcpiAttachment({ ...TARIFF, elements: [{ price_components: [{ ...component, price: '0.1234567' }] }] }, undefined), 'invalid_amount');
    const fiveComponents = ['ENERGY', 'FLAT', 'TIME', 'PARKING_TIME', 'ENERGY'].map((type) => ({ ...component, type }));
    throwsCode(() => checkOcpiAttachment({ ...TARIFF, elements: [{ price_components: fiveComponents }] }, undefined), 'limit_exceeded');
    throwsCode(() => checkOcpiAttachment(TARIFF, 'Mars/Olympus_Mons'), 'invalid_input');
  });
});
