import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { price, wasmPriceKernel } from '../host/engine/price.js';
import { referenceKernel } from '../host/reference/price.js';
import { compileTariff } from '../host/tariff/compile.js';
import { NO_PRICE_MICRO, dynamicLineWord, energyLineWord } from '../host/tariff/kernel-layout.js';
import {
  HOUR_MS, QUARTER_HOUR_MS, assertRejects, berlinTouTariff, flatTariff, lineOf, quarterHours, utc,
} from './price-fixtures.js';

const KWH = 1_000_000; // mWh
const JAN_2026_UTC = { from: utc(2026, 1, 1), to: utc(2026, 2, 1) };
const allPeak = new Array(24).fill(1);

describe('SPEC §3 periods: read at the interval start in the tariff timezone', () => {
  it('uses the local wall-clock hour (Berlin is UTC+1 in January)', () => {
    // Monday 2026-01-05: 06:45Z = 07:45 local (offpeak), 07:00Z = 08:00 (peak),
    // 18:45Z = 19:45 (peak), 19:00Z = 20:00 (offpeak); 1 kWh each.
    const intervals = [utc(2026, 1, 5, 6, 45), utc(2026, 1, 5, 7), utc(2026, 1, 5, 18, 45), utc(2026, 1, 5, 19)]
      .map((start) => ({ start, imp: KWH }));
    const statement = price({ tariff: berlinTouTariff(), period: JAN_2026_UTC, intervals });
    assert.deepEqual(lineOf(statement, 'energy', 'offpeak', 0), { kind: 'energy', period: 'offpeak', tier: 0, kwh: '2', unitPrice: '0.1', amount: '0.20' });
    assert.deepEqual(lineOf(statement, 'energy', 'peak', 0), { kind: 'energy', period: 'peak', tier: 0, kwh: '2', unitPrice: '0.3', amount: '0.60' });
  });

  it('Saturday and Sunday use the weekend table', () => {
    // Saturday 2026-01-10 and Sunday 2026-01-11, 10:00 local: weekend table → offpeak.
    const intervals = [{ start: utc(2026, 1, 10, 9), imp: KWH }, { start: utc(2026, 1, 11, 9), imp: KWH }];
    const statement = price({ tariff: berlinTouTariff(), period: JAN_2026_UTC, intervals });
    assert.equal(lineOf(statement, 'energy', 'offpeak', 0)?.kwh, '2');
    assert.equal(lineOf(statement, 'energy', 'peak', 0), undefined);
  });

  it('a holiday (local date) uses the weekend table', () => {
    // Tuesday 2026-01-06 is a holiday: 10:00 local is offpeak; Wednesday 10:00 stays peak.
    const tariff = berlinTouTariff();
    tariff.schedule!.holidays = ['2026-01-06'];
    const intervals = [{ start: utc(2026, 1, 6, 9), imp: KWH }, { start: utc(2026, 1, 7, 9), imp: 3 * KWH }];
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.equal(lineOf(statement, 'energy', 'offpeak', 0)?.kwh, '1');
    assert.equal(lineOf(statement, 'energy', 'peak', 0)?.kwh, '3');
  });

  it('months replaces both tables for that local month', () => {
    // July is all peak. 2026-06-30T22:00Z is 00:00 on 1 July local (CEST, +2): peak;
    // 21:00Z is 23:00 on 30 June local: offpeak. Saturday 4 July 03:00 local: peak.
    const tariff = berlinTouTariff();
    tariff.schedule!.months = { '7': { weekday: allPeak, weekend: allPeak } };
    const intervals = [utc(2026, 6, 30, 21), utc(2026, 6, 30, 22), utc(2026, 7, 4, 1)].map((start) => ({ start, imp: KWH }));
    const statement = price({ tariff, period: { from: utc(2026, 6, 1), to: utc(2026, 8, 1) }, intervals });
    assert.equal(lineOf(statement, 'energy', 'offpeak', 0)?.kwh, '1');
    assert.equal(lineOf(statement, 'energy', 'peak', 0)?.kwh, '2');
  });
});

describe('SPEC §3 tiers: cumulative bounds over the billing period', () => {
  const tiered = (bound: string) => flatTariff({ energy: [{ upToKWh: bound, price: '0.10' }, { price: '0.20' }] });

  it('energy up to and including the bound stays in the lower tier', () => {
    // 1 + 0.5 kWh reach the bound 1.5 exactly: all lower; the next 1 kWh is upper.
    const intervals = [
      { start: utc(2026, 1, 1, 0), imp: KWH }, { start: utc(2026, 1, 1, 1), imp: KWH / 2 }, { start: utc(2026, 1, 1, 2), imp: KWH },
    ];
    const statement = price({ tariff: tiered('1.5'), period: JAN_2026_UTC, intervals });
    assert.deepEqual(lineOf(statement, 'energy', null, 0), { kind: 'energy', period: null, tier: 0, kwh: '1.5', unitPrice: '0.1', amount: '0.15' });
    assert.deepEqual(lineOf(statement, 'energy', null, 1), { kind: 'energy', period: null, tier: 1, kwh: '1', unitPrice: '0.2', amount: '0.20' });
  });

  it('an interval crossing a bound is split exactly there, in mWh', () => {
    // Bound 1.000001 kWh = 1 000 001 mWh; two 1 kWh intervals: 1 000 001 mWh lower, 999 999 upper.
    // Lower: rhe(1 000 001 × 100 000 / 10^6) = rhe(100 000.1) = 100 000 µ → 0.10.
    // Upper: rhe(999 999 × 200 000 / 10^6) = rhe(199 999.8) = 200 000 µ → 0.20.
    const statement = price({ tariff: tiered('1.000001'), period: JAN_2026_UTC, intervals: quarterHours(utc(2026, 1, 3), 2, KWH) });
    assert.equal(lineOf(statement, 'energy', null, 0)?.kwh, '1.000001');
    assert.equal(lineOf(statement, 'energy', null, 0)?.amount, '0.10');
    assert.equal(lineOf(statement, 'energy', null, 1)?.kwh, '0.999999');
    assert.equal(lineOf(statement, 'energy', null, 1)?.amount, '0.20');
  });

  it('the bound counts import of all periods in interval order, whatever the input order', () => {
    // Offpeak 1.5 kWh at 06:00 local, then peak 1 kWh at 08:00 local: peak's bound 2 kWh
    // is passed after 0.5 kWh. Peak: 0.5 × 0.30 = 0.15 and 0.5 × 0.50 = 0.25; offpeak 0.15.
    const tariff = berlinTouTariff({ energy: { offpeak: [{ price: '0.10' }], peak: [{ upToKWh: '2', price: '0.30' }, { price: '0.50' }] } });
    const intervals = [{ start: utc(2026, 1, 5, 7), imp: KWH }, { start: utc(2026, 1, 5, 5), imp: 1.5 * KWH }];
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.deepEqual(statement.lines.map((line) => [line.period, line.tier, line.kwh, line.amount]), [
      ['offpeak', 0, '1.5', '0.15'], ['peak', 0, '0.5', '0.15'], ['peak', 1, '0.5', '0.25'],
    ]);
  });
});

describe('SPEC §3 tiers: dynamic import counts toward the bound (kernel level)', () => {
  // With a SPEC series the last entry stays in force, so dynamic import always
  // follows tiered import; a host-built slot table can interleave them.
  it('a dynamic slot before a tiered one moves the tiered import up the tiers', () => {
    // Slot 0: 1 kWh dynamic at 0.05. Slot 1: 1 kWh tiered, bound 1.5 kWh: 0.5 kWh in each tier.
    const tariff = compileTariff(flatTariff({ energy: [{ upToKWh: '1.5', price: '0.10' }, { price: '0.20' }] }));
    const slots = {
      firstSlot: 0, slotCount: 2, intervalMs: QUARTER_HOUR_MS, periodBySlot: Uint8Array.of(0, 0),
      dynamicBySlot: BigInt64Array.of(50_000n, NO_PRICE_MICRO), fixedDays: 1,
    };
    const columns = { start: BigInt64Array.of(0n, BigInt(QUARTER_HOUR_MS)), imp: BigInt64Array.of(BigInt(KWH), BigInt(KWH)) };
    for (const kernel of [wasmPriceKernel, referenceKernel]) {
      const { status, totals } = kernel(tariff, slots, columns);
      assert.equal(status, 0);
      // [mWh, µ] of tier 0, tier 1, then the dynamic line: 0.5 kWh × 0.10, 0.5 kWh × 0.20, 1 kWh × 0.05.
      const lines = [energyLineWord(0), energyLineWord(1), dynamicLineWord(tariff, 0)].map((word) => [totals[word], totals[word + 1]]);
      assert.deepEqual(lines, [[500_000n, 50_000n], [500_000n, 100_000n], [1_000_000n, 50_000n]]);
    }
  });
});

describe('SPEC §3 dynamic prices', () => {
  it('before the first entry the energy table applies; each entry holds until the next; the last stays', () => {
    // 00:45 → energy 0.20; 01:00 and 01:45 → 0.05; 02:00 and the next day → −0.10.
    // Dynamic µ: 50 000 + 50 000 − 100 000 − 100 000 = −100 000 → −0.10.
    const tariff = flatTariff({ dynamic: [{ from: utc(2026, 1, 1, 1), price: '0.05' }, { from: utc(2026, 1, 1, 2), price: '-0.10' }] });
    const intervals = [utc(2026, 1, 1, 0, 45), utc(2026, 1, 1, 1), utc(2026, 1, 1, 1, 45), utc(2026, 1, 1, 2), utc(2026, 1, 2, 2)]
      .map((start) => ({ start, imp: KWH }));
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.deepEqual(statement.lines, [
      { kind: 'energy', period: null, tier: 0, kwh: '1', unitPrice: '0.2', amount: '0.20' },
      { kind: 'energy', period: null, tier: null, kwh: '4', unitPrice: null, amount: '-0.10' },
    ]);
  });

  it('a dynamic price prices a period without energy prices, and its line carries the period name', () => {
    // Offpeak has no energy price; from 2026-01-05 the series is in force everywhere.
    const tariff = berlinTouTariff({ energy: { peak: [{ price: '0.30' }] }, dynamic: [{ from: utc(2026, 1, 5), price: '0.12' }] });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 5, 3), imp: 2 * KWH }] });
    // 2 kWh × 0.12 = 0.24
    assert.deepEqual(statement.lines, [{ kind: 'energy', period: 'offpeak', tier: null, kwh: '2', unitPrice: null, amount: '0.24' }]);
  });

  it('import with no energy and no dynamic price in force is no_price, never priced at zero', () => {
    const tariff = berlinTouTariff({ energy: { peak: [{ price: '0.30' }] } });
    assertRejects(() => price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 5, 3), imp: 1 }] }), 'no_price', 'interval 0');
  });

  it('an interval without import needs no price', () => {
    const tariff = berlinTouTariff({ energy: { peak: [{ price: '0.30' }] } });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 5, 3), imp: 0 }] });
    assert.deepEqual([statement.lines, statement.intervals, statement.total], [[], 1, '0.00']);
  });
});

describe('SPEC §3 export', () => {
  it('is credited as a negative amount computed on the magnitude', () => {
    // 1 234 567 mWh × 0.08: rhe(98 765.36) = 98 765 µ, credited −98 765 µ → −0.10.
    const tariff = flatTariff({ export: { price: '0.08' } });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: 0, exp: 1_234_567 }] });
    assert.deepEqual(statement.lines, [{ kind: 'export', period: null, tier: null, kwh: '1.234567', unitPrice: '0.08', amount: '-0.10' }]);
    assert.equal(statement.total, '-0.10');
  });

  it('export with no export price is not credited', () => {
    // Only peak has an export price: offpeak export (03:00 local) gets no line.
    const tariff = berlinTouTariff({ export: { peak: { price: '0.08' } } });
    const intervals = [{ start: utc(2026, 1, 5, 2), imp: 0, exp: KWH }, { start: utc(2026, 1, 5, 9), imp: 0, exp: 2 * KWH }];
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.deepEqual(statement.lines, [{ kind: 'export', period: 'peak', tier: null, kwh: '2', unitPrice: '0.08', amount: '-0.16' }]);
  });

  it('a negative export price makes export a charge', () => {
    // 1 kWh at −0.02: −rhe(1 000 000 × −20 000 / 10^6) = +20 000 µ → 0.02.
    const tariff = flatTariff({ export: { price: '-0.02' } });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: 0, exp: KWH }] });
    assert.deepEqual(statement.lines, [{ kind: 'export', period: null, tier: null, kwh: '1', unitPrice: '-0.02', amount: '0.02' }]);
  });

  it('zero is never negative: a credit that rounds to zero prints "0.00"', () => {
    // 15 mWh × 0.1 = 1.5 µ → rhe 2 µ, credited −2 µ → −0.000002 → 0.00.
    const tariff = flatTariff({ export: { price: '0.1' } });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: 0, exp: 15 }] });
    assert.equal(statement.lines[0]?.amount, '0.00');
    assert.equal(statement.total, '0.00');
  });
});

describe('SPEC §3 demand', () => {
  it('prices the peak interval import, rounded to µ and then to the minor unit', () => {
    // Peak 62 501 mWh (0.250004 kW over 15 min) at 0.1/kW: 62 501 × 3600 × 100 000 / (900 000 × 1000) = 25 000.4 µ
    // → 25 000 µ → 2.5 cents → 0.02 (half-even). Rounding once would give 0.03.
    const tariff = flatTariff({ demand: { pricePerKW: '0.1' }, energy: [{ price: '0' }] });
    const intervals = [{ start: utc(2026, 1, 1), imp: 62_500 }, { start: utc(2026, 1, 2), imp: 62_501 }];
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.deepEqual(lineOf(statement, 'demand'), { kind: 'demand', period: null, tier: null, kwh: '0.062501', unitPrice: '0.1', amount: '0.02' });
  });

  it('demand and fixed lines appear whenever the tariff has them, even without intervals', () => {
    // January in UTC: 31 days × 0.45 = 13.95.
    const tariff = flatTariff({ demand: { pricePerKW: '12.50' }, fixedPerDay: '0.45' });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [] });
    assert.deepEqual(statement.lines, [
      { kind: 'demand', period: null, tier: null, kwh: '0', unitPrice: '12.5', amount: '0.00' },
      { kind: 'fixed', period: null, tier: null, kwh: null, unitPrice: '0.45', days: 31, amount: '13.95' },
    ]);
  });
});

describe('SPEC §3 fixed: localDate(to − 1) − localDate(from) + 1 days', () => {
  it('counts local calendar days the period touches', () => {
    // January in UTC seen from Berlin: 1 Jan 01:00 … 1 Feb 00:59 local touches 32 days → 14.40.
    const statement = price({ tariff: berlinTouTariff({ fixedPerDay: '0.45' }), period: JAN_2026_UTC, intervals: [] });
    assert.equal(lineOf(statement, 'fixed')?.days, 32);
    assert.equal(lineOf(statement, 'fixed')?.amount, '14.40');
  });

  it('a period ending exactly at local midnight does not touch the next day', () => {
    // 2025-12-31T23:00Z … 2026-01-02T23:00Z is 1 Jan 00:00 … 3 Jan 00:00 local: 2 days.
    const period = { from: utc(2025, 12, 31, 23), to: utc(2026, 1, 2, 23) };
    const statement = price({ tariff: berlinTouTariff({ fixedPerDay: '1' }), period, intervals: [] });
    assert.equal(lineOf(statement, 'fixed')?.days, 2);
  });
});

describe('SPEC §3 taxes', () => {
  it('apply in tariff order to the minor-unit amounts of the kinds in `on`', () => {
    // Energy 10 kWh × 0.20 = 2.00; export 2 kWh × 0.05 = −0.10; fixed 3 days × 0.333333 = 0.999999 → 1.00.
    // VAT base 2.00 − 0.10 + 1.00 = 2.90, × 0.19 = 0.551 → 0.55; levy base 2.00 × 0.025 = 0.05.
    // Total 2.00 − 0.10 + 1.00 + 0.55 + 0.05 = 3.50.
    const tariff = flatTariff({
      export: { price: '0.05' }, fixedPerDay: '0.333333',
      taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'export', 'fixed'] }, { name: 'levy', rate: '0.025', on: ['energy'] }],
    });
    const statement = price({ tariff, period: { from: utc(2026, 1, 1), to: utc(2026, 1, 4) }, intervals: [{ start: utc(2026, 1, 1), imp: 10 * KWH, exp: 2 * KWH }] });
    assert.deepEqual(statement.taxes, [
      { name: 'VAT', rate: '0.19', base: '2.90', amount: '0.55' },
      { name: 'levy', rate: '0.025', base: '2.00', amount: '0.05' },
    ]);
    assert.equal(statement.total, '3.50');
  });

  it('a tax amount is rounded half to even', () => {
    // Energy 2.5 kWh × 0.20 = 0.50; 50 cents × 0.05 = 2.5 cents → 2 cents.
    const tariff = flatTariff({ taxes: [{ name: 'duty', rate: '0.05', on: ['energy'] }] });
    const statement = price({ tariff, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: 2.5 * KWH }] });
    assert.deepEqual(statement.taxes, [{ name: 'duty', rate: '0.05', base: '0.50', amount: '0.02' }]);
    assert.equal(statement.total, '0.52');
  });
});

describe('SPEC §1/§3 statement amounts in the currency minor unit', () => {
  // 10 kWh × 12.3456 = 123.456 exactly.
  const statementIn = (currency: string) =>
    price({ tariff: flatTariff({ currency, energy: [{ price: '12.3456' }] }), period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: 10 * KWH }] });

  it('EUR has 2 decimals, JPY none, KWD 3', () => {
    assert.deepEqual([statementIn('EUR').total, statementIn('JPY').total, statementIn('KWD').total], ['123.46', '123', '123.456']);
  });

  it('rounds KWD lines to 3 decimals half to even', () => {
    // 1 kWh × 0.0125 = 12.5 fils → 12; 1 kWh × 0.0135 = 13.5 fils → 14.
    const fils = (unitPrice: string) =>
      price({ tariff: flatTariff({ currency: 'KWD', energy: [{ price: unitPrice }] }), period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: KWH }] }).total;
    assert.deepEqual([fils('0.0125'), fils('0.0135')], ['0.012', '0.014']);
  });

  it('rounds a line to the minor unit half to even', () => {
    // 12.5 kWh × 1 = 12.5 yen → 12; 13.5 kWh → 14.
    const yen = (kwhTimesTen: number) =>
      price({ tariff: flatTariff({ currency: 'JPY', energy: [{ price: '1' }] }), period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1), imp: kwhTimesTen * KWH / 10 }] }).total;
    assert.deepEqual([yen(125), yen(135)], ['12', '14']);
  });

  it('carries the total as an integer in µ beside its string, outside the JSON output', () => {
    // 123.46 EUR, 123 JPY, 123.456 KWD (see above) in µ.
    const expected: Array<[string, bigint]> = [['EUR', 123_460_000n], ['JPY', 123_000_000n], ['KWD', 123_456_000n]];
    for (const [currency, totalMicro] of expected) {
      const statement = statementIn(currency);
      assert.equal(statement.totalMicro, totalMicro);
      assert.ok(!Object.keys(statement).includes('totalMicro'));
      assert.ok(!JSON.stringify(statement).includes('totalMicro'));
    }
    // A credit: 1 kWh exported at 0.06 is −0.06 EUR.
    const credit = price({
      tariff: flatTariff({ energy: [{ price: '0.20' }], export: { price: '0.06' } }), period: JAN_2026_UTC,
      intervals: [{ start: utc(2026, 1, 1), imp: 0, exp: KWH }],
    });
    assert.deepEqual([credit.total, credit.totalMicro], ['-0.06', -60_000n]);
  });
});

describe('SPEC §3 statement lines and counts', () => {
  it('orders lines energy, export, demand, fixed, then period index, then tier (dynamic last in its period)', () => {
    const tariff = berlinTouTariff({
      energy: { offpeak: [{ upToKWh: '1', price: '0.10' }, { price: '0.11' }], peak: [{ price: '0.30' }] },
      export: { offpeak: { price: '0.05' }, peak: { price: '0.06' } },
      dynamic: [{ from: utc(2026, 1, 20), price: '0.2' }],
      demand: { pricePerKW: '1' }, fixedPerDay: '0.1',
    });
    const intervals = [
      { start: utc(2026, 1, 21, 9), imp: KWH, exp: KWH }, // dynamic, peak
      { start: utc(2026, 1, 5, 9), imp: KWH, exp: KWH }, // peak
      { start: utc(2026, 1, 5, 2), imp: 2 * KWH, exp: KWH }, // offpeak, crosses into tier 1
    ];
    const statement = price({ tariff, period: JAN_2026_UTC, intervals });
    assert.deepEqual(statement.lines.map((line) => [line.kind, line.period, line.tier]), [
      ['energy', 'offpeak', 0], ['energy', 'offpeak', 1], ['energy', 'peak', 0], ['energy', 'peak', null],
      ['export', 'offpeak', null], ['export', 'peak', null], ['demand', null, null], ['fixed', null, null],
    ]);
  });

  it('counts priced, missing and flagged intervals', () => {
    // One UTC day of quarter-hours: 96 slots, 3 intervals with flags 1, 3 and 12.
    const intervals = [
      { start: utc(2026, 1, 1, 0), imp: 0, flags: 1 }, { start: utc(2026, 1, 1, 1), imp: 0, flags: 3 }, { start: utc(2026, 1, 1, 2), imp: 0, flags: 12 },
    ];
    const statement = price({ tariff: flatTariff(), period: { from: utc(2026, 1, 1), to: utc(2026, 1, 2) }, intervals });
    assert.equal(statement.intervals, 3);
    assert.equal(statement.missingIntervals, 93);
    assert.deepEqual(statement.flaggedIntervals, { estimated: 2, reset: 1, spike: 1, gap: 1 });
  });

  it('missingIntervals counts the grid slots k with from ≤ k·I < to', () => {
    // [00:10, 01:00) holds the slots starting 00:15, 00:30, 00:45.
    const statement = price({ tariff: flatTariff(), period: { from: utc(2026, 1, 1, 0, 10), to: utc(2026, 1, 1, 1) }, intervals: [] });
    assert.equal(statement.missingIntervals, 3);
  });

  it('echoes the unassigned energy whose span meets the billing period', () => {
    const inside = { m: 'm1', channel: 'import', from: utc(2026, 1, 3), to: utc(2026, 1, 5), mwh: 7, reason: 'gap' };
    const before = { m: 'm1', channel: 'export', from: utc(2025, 12, 1), to: utc(2026, 1, 1), mwh: 3, reason: 'spike' };
    const statement = price({ tariff: flatTariff(), period: JAN_2026_UTC, intervals: [], unassigned: [inside, before] });
    assert.deepEqual(statement.unassigned, [inside]);
  });

  it('states the whole statement for the implicit single period', () => {
    // 2 quarter-hours of 1 kWh at 0.20: 0.40; VAT 0.19 → 0.076 → 0.08; total 0.48.
    const tariff = flatTariff({ id: 'flat-2026', taxes: [{ name: 'VAT', rate: '0.19', on: ['energy'] }] });
    const statement = price({ tariff, period: { from: utc(2026, 1, 1), to: utc(2026, 1, 1, 1) }, intervals: quarterHours(utc(2026, 1, 1), 2, KWH) });
    assert.deepEqual(statement, {
      tariff: 'flat-2026', currency: 'EUR', period: { from: utc(2026, 1, 1), to: utc(2026, 1, 1, 1) },
      lines: [{ kind: 'energy', period: null, tier: 0, kwh: '2', unitPrice: '0.2', amount: '0.40' }],
      taxes: [{ name: 'VAT', rate: '0.19', base: '0.40', amount: '0.08' }],
      total: '0.48', intervals: 2, missingIntervals: 2,
      flaggedIntervals: { estimated: 0, reset: 0, spike: 0, gap: 0 }, unassigned: [],
    });
  });

  it('without a period, bills the local calendar month containing the earliest interval', () => {
    // 2026-01-31T23:30Z is 1 Feb 00:30 in Berlin: February local = 2026-01-31T23:00Z … 2026-02-28T23:00Z.
    const statement = price({ tariff: berlinTouTariff(), intervals: [{ start: utc(2026, 2, 3), imp: 0 }, { start: utc(2026, 1, 31, 23, 30), imp: 0 }] });
    assert.deepEqual(statement.period, { from: utc(2026, 1, 31, 23), to: utc(2026, 2, 28, 23) });
    assert.equal(statement.missingIntervals, 28 * 96 - 2);
  });

  it('intervalMs sets the grid (hourly here)', () => {
    // Hourly grid over one day: 24 slots; 1 interval at 05:00.
    const statement = price({ tariff: flatTariff(), intervalMs: HOUR_MS, period: { from: utc(2026, 1, 1), to: utc(2026, 1, 2) }, intervals: [{ start: utc(2026, 1, 1, 5), imp: 1 }] });
    assert.equal(statement.missingIntervals, 23);
    assertRejects(() => price({ tariff: flatTariff(), intervalMs: HOUR_MS, period: JAN_2026_UTC, intervals: [{ start: utc(2026, 1, 1) + QUARTER_HOUR_MS, imp: 1 }] }), 'invalid_input', 'grid');
  });
});
