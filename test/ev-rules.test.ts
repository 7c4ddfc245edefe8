// S1 offer rules (host/flows/ev/rules.ts), without HTTP: the price series
// checks, the battery's headroom, the constant-power energy profile, pricing
// at an offer's slots with SPEC §1/§3 rounding, and the ranking rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridsettleError } from '../host/errors.js';
import { FlowError } from '../host/flows/errors.js';
import {
  batteryHeadroomMWh, checkDesiredEnergy, checkOfferSeries, constantPowerProfile, priceAtOffer, rankQuotes,
  type EnergyIntervals, type OfferSlot, type Quote,
} from '../host/flows/ev/rules.js';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z, on the 15-minute grid
const QUARTER_MS = 900_000;
const HOUR_MS = 3_600_000;

function slot(fromOffsetMs: number, toOffsetMs: number, price: string): OfferSlot {
  return { fromMs: T0 + fromOffsetMs, toMs: T0 + toOffsetMs, price };
}

function intervals(rows: Array<[number, bigint]>): EnergyIntervals {
  return { start: BigInt64Array.from(rows.map(([offsetMs]) => BigInt(T0 + offsetMs))), energyMWh: BigInt64Array.from(rows.map(([, energy]) => energy)) };
}

function throwsCode(action: () => unknown, code: string, messagePart?: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof GridsettleError || error instanceof FlowError, String(error));
    assert.equal(error.code, code);
    if (messagePart !== undefined) assert.match(error.message, new RegExp(messagePart));
    return true;
  });
}

describe('S1 offer series: sorted, contiguous slots on the 15-minute grid covering the validity window', () => {
  it('a valid series is kept with its prices in minimal form', () => {
    const checked = checkOfferSeries([slot(0, HOUR_MS, '0.3000'), slot(HOUR_MS, 2 * HOUR_MS, '0.25')], T0, T0 + 2 * HOUR_MS);
    assert.deepEqual(checked.map((entry) => entry.price), ['0.3', '0.25']);
  });

  it('unsorted, overlapping and gapped slots are invalid_input', () => {
    throwsCode(() => checkOfferSeries([slot(HOUR_MS, 2 * HOUR_MS, '0.2'), slot(0, HOUR_MS, '0.2')], T0 + HOUR_MS, T0 + 2 * HOUR_MS), 'invalid_input', 'sorted');
    throwsCode(() => checkOfferSeries([slot(0, HOUR_MS, '0.2'), slot(QUARTER_MS, 2 * HOUR_MS, '0.2')], T0, T0 + HOUR_MS), 'invalid_input', 'overlaps');
    throwsCode(() => checkOfferSeries([slot(0, HOUR_MS, '0.2'), slot(2 * HOUR_MS, 3 * HOUR_MS, '0.2')], T0, T0 + HOUR_MS), 'invalid_input', 'gap');
  });

  it('a slot off the 15-minute grid, or ending where it starts, is invalid_input', () => {
    throwsCode(() => checkOfferSeries([slot(60_000, HOUR_MS, '0.2')], T0 + HOUR_MS - 1, T0 + HOUR_MS), 'invalid_input', 'grid');
    throwsCode(() => checkOfferSeries([slot(0, 0, '0.2')], T0, T0 + 1), 'invalid_input', 'after');
  });

  it('prices are SPEC §1 decimal strings within 0 … 100 per kWh, else invalid_amount', () => {
    for (const price of ['0.1234567', '-0.01', '100.000001', '.5', '1e-3']) {
      throwsCode(() => checkOfferSeries([slot(0, HOUR_MS, price)], T0, T0 + HOUR_MS), 'invalid_amount');
    }
  });

  it('the validity window must be non-empty and lie inside the slots', () => {
    throwsCode(() => checkOfferSeries([slot(0, HOUR_MS, '0.2')], T0 + HOUR_MS, T0 + HOUR_MS), 'invalid_input', 'validToMs');
    throwsCode(() => checkOfferSeries([slot(0, HOUR_MS, '0.2')], T0, T0 + HOUR_MS + 1), 'invalid_input', 'inside');
  });

  it('more than EV_OFFER_SLOTS_MAX slots, or a span over EV_OFFER_SPAN_MS_MAX, is limit_exceeded naming it', () => {
    const quarters = Array.from({ length: 673 }, (_, index) => slot(index * QUARTER_MS, (index + 1) * QUARTER_MS, '0.1'));
    throwsCode(() => checkOfferSeries(quarters, T0, T0 + QUARTER_MS), 'limit_exceeded', 'EV_OFFER_SLOTS_MAX');
    throwsCode(() => checkOfferSeries([slot(0, 8 * 24 * HOUR_MS, '0.1')], T0, T0 + HOUR_MS), 'limit_exceeded', 'EV_OFFER_SPAN_MS_MAX');
  });
});

describe('S1 battery: the desired energy must fit the state of charge', () => {
  const battery = { capacityWh: 60_000, stateOfChargePpm: 333_333, maxChargePowerW: 11_000, maxDischargePowerW: 7_000 };

  it('stored energy is floor(capacity × state of charge); charging headroom is the rest', () => {
    // 60 000 000 mWh × 333 333 / 10^6 = 19 999 980 mWh stored.
    assert.equal(batteryHeadroomMWh(battery, 'discharge'), 19_999_980n);
    assert.equal(batteryHeadroomMWh(battery, 'charge'), 40_000_020n);
  });

  it('a desired energy above the headroom is desired_energy_exceeds_battery; up to it is accepted in mWh', () => {
    assert.equal(checkDesiredEnergy(battery, 'charge', 40_000), 40_000_000n);
    throwsCode(() => checkDesiredEnergy(battery, 'charge', 40_001), 'desired_energy_exceeds_battery');
    assert.equal(checkDesiredEnergy(battery, 'discharge', 19_999), 19_999_000n);
    throwsCode(() => checkDesiredEnergy(battery, 'discharge', 20_000), 'desired_energy_exceeds_battery');
  });
});

describe('S1 expected energy: constant power from now, floor(P × Δt / 3600) mWh delivered', () => {
  it('starts in the current interval, splits exactly at interval ends and stops at the target', () => {
    // 11 kW from T0 + 5 min: 10 min → floor(11 000 × 600 000 / 3 600) = 1 833 333 mWh;
    // by T0 + 30 min 4 583 333; the target 5 000 000 is reached in the third interval.
    const profile = constantPowerProfile(T0 + 300_000, 11_000, 5_000_000n, T0 + 24 * HOUR_MS);
    assert.deepEqual([...profile.start], [BigInt(T0), BigInt(T0 + QUARTER_MS), BigInt(T0 + 2 * QUARTER_MS)]);
    assert.deepEqual([...profile.energyMWh], [1_833_333n, 2_750_000n, 416_667n]);
  });

  it('stops at `untilMs` (the offer\'s last slot end) when the target is not reached by then', () => {
    const profile = constantPowerProfile(T0 + 300_000, 11_000, 5_000_000n, T0 + QUARTER_MS);
    assert.deepEqual([...profile.energyMWh], [1_833_333n]);
  });
});

describe('S1 pricing at an offer: Σ energy × price rounded once, half to even, to the minor unit (SPEC §5 posting rule)', () => {
  const offer = (currency: string, slots: OfferSlot[]) => ({ id: 'o-1', currency, slots });

  it('each interval takes the price of the slot it starts in', () => {
    // 2.75 kWh × 0.3127 = 859 925 µ; 2.75 kWh × 0.198901 = 546 977.75 µ; Σ 1 406 902.75 µ → 1.41.
    const priced = priceAtOffer(offer('EUR', [slot(0, HOUR_MS, '0.3127'), slot(HOUR_MS, 2 * HOUR_MS, '0.198901')]),
      intervals([[0, 2_750_000n], [HOUR_MS, 2_750_000n]]));
    assert.deepEqual(priced, { energyMWh: 5_500_000n, amountMicro: 1_410_000n, amount: '1.41' });
  });

  it('parts are not rounded to µ first: 50.005 Wh at 0.10 is 5 000.5 µ, more than half a cent → 0.01', () => {
    const priced = priceAtOffer(offer('EUR', [slot(0, HOUR_MS, '0.1')]), intervals([[0, 25_002n], [QUARTER_MS, 25_003n]]));
    assert.deepEqual(priced, { energyMWh: 50_005n, amountMicro: 10_000n, amount: '0.01' });
  });

  it('the total exactly half a minor unit rounds to even: 1.5 ct → 2 ct, 2.5 ct → 2 ct, 0.5 JPY → 0', () => {
    const kWh = intervals([[0, 1_000_000n]]);
    assert.equal(priceAtOffer(offer('EUR', [slot(0, HOUR_MS, '0.015')]), kWh).amount, '0.02');
    assert.equal(priceAtOffer(offer('EUR', [slot(0, HOUR_MS, '0.025')]), kWh).amount, '0.02');
    assert.equal(priceAtOffer(offer('JPY', [slot(0, HOUR_MS, '0.5')]), kWh).amount, '0');
    assert.equal(priceAtOffer(offer('JPY', [slot(0, HOUR_MS, '1.5')]), kWh).amount, '2');
  });

  it('energy outside the slots is no_price, never priced at zero; intervals without energy need no price', () => {
    const series = offer('EUR', [slot(0, HOUR_MS, '0.2')]);
    throwsCode(() => priceAtOffer(series, intervals([[0, 1_000n], [HOUR_MS, 1n]])), 'no_price');
    assert.deepEqual(priceAtOffer(series, intervals([[HOUR_MS, 0n]])), { energyMWh: 0n, amountMicro: 0n, amount: '0.00' });
  });
});

describe('S1 ranking: covering offers first, then cost ascending (charge) or revenue descending (discharge), then offer id', () => {
  const quote = (offerId: string, amountMicro: bigint, coversDesiredEnergy = true): Quote => ({
    offerId, amountMicro, coversDesiredEnergy, energyMWh: 1n, amount: '',
  });
  const quotes = [quote('b', 500n), quote('short', 1n, false), quote('a', 500n), quote('c', 400n), quote('d', 600n)];

  it('charging: the cheapest first, equal costs by offer id, offers short of the desired energy last', () => {
    assert.deepEqual(rankQuotes(quotes, 'charge').map((entry) => entry.offerId), ['c', 'a', 'b', 'd', 'short']);
  });

  it('discharging: the highest revenue first, equal revenues by offer id', () => {
    assert.deepEqual(rankQuotes(quotes, 'discharge').map((entry) => entry.offerId), ['d', 'a', 'b', 'c', 'short']);
  });
});
