// The pieces the metered-contract flows share (docs/flows.md "S2", "S7",
// "S9"): prices and amounts on the wire (the amounts' rounding is in
// posting.property.test.ts),
// periods and settlement windows, geodetic references (SPEC §5).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridsettleError } from '../host/errors.js';
import { formatEnergyPrice, parseEnergyPrice } from '../host/flows/energy-money.js';
import { formatMinorAmount } from '../host/currency.js';
import { checkContractPeriod, checkWindow } from '../host/flows/contract-windows.js';
import { checkGeo } from '../host/flows/contract-guards.js';
import { FlowError } from '../host/flows/errors.js';

const HOUR_MS = 3_600_000;
const DAY_2026_MS = Date.UTC(2026, 0, 1);

const codeOf = (code: string) => (error: unknown) => (error instanceof FlowError || error instanceof GridsettleError) && error.code === code;

describe('SPEC §1 contract prices and amounts on the wire', () => {
  it('prices are decimal strings 0 … 100 with at most 6 decimals; amounts print with the currency exponent', () => {
    assert.equal(parseEnergyPrice('0.0853', 'price'), 85_300n);
    for (const bad of ['-0.01', '100.000001', '0.1234567', '.5', 0.5]) assert.throws(() => parseEnergyPrice(bad, 'price'), codeOf('invalid_amount'));
    assert.equal(formatEnergyPrice(85_300n), '0.0853');
    assert.equal(formatEnergyPrice(100_000_000n), '100');
    assert.deepEqual([formatMinorAmount(1_050_000n, 'EUR'), formatMinorAmount(-160_000n, 'EUR'), formatMinorAmount(0n, 'EUR')], ['1.05', '-0.16', '0.00']);
    assert.equal(formatMinorAmount(1_234_000_000n, 'JPY'), '1234');
    assert.throws(() => formatMinorAmount(1n, 'EUR'), RangeError);
  });
});

describe('contract periods and settlement windows', () => {
  const period = { fromMs: DAY_2026_MS, toMs: DAY_2026_MS + 5 * HOUR_MS + 1_800_000, windowMs: 2 * HOUR_MS };
  const now = DAY_2026_MS + 10 * HOUR_MS;

  it('a period lies on the 15-minute grid, after its start, in whole intervals per window, and within the window limit', () => {
    checkContractPeriod(period);
    assert.throws(() => checkContractPeriod({ ...period, toMs: period.fromMs }), codeOf('invalid_input'));
    assert.throws(() => checkContractPeriod({ ...period, fromMs: period.fromMs + 60_000 }), codeOf('invalid_input'));
    assert.throws(() => checkContractPeriod({ ...period, windowMs: 600_000 }), codeOf('invalid_input'));
    assert.throws(() => checkContractPeriod({ fromMs: 0, toMs: 10_001 * 900_000, windowMs: 900_000 }), codeOf('limit_exceeded'));
    checkContractPeriod({ fromMs: 0, toMs: 10_000 * 900_000, windowMs: 900_000 });
  });

  it('windows start at period.from + k × windowMs and the last one is cut at the period end', () => {
    checkWindow(period, { from: DAY_2026_MS, to: DAY_2026_MS + 2 * HOUR_MS }, now);
    checkWindow(period, { from: DAY_2026_MS + 4 * HOUR_MS, to: period.toMs }, now);
    assert.throws(() => checkWindow(period, { from: DAY_2026_MS + 4 * HOUR_MS, to: DAY_2026_MS + 6 * HOUR_MS }, now), codeOf('window_outside_period'));
    assert.throws(() => checkWindow(period, { from: DAY_2026_MS - 2 * HOUR_MS, to: DAY_2026_MS }, now), codeOf('window_outside_period'));
    assert.throws(() => checkWindow(period, { from: DAY_2026_MS + HOUR_MS, to: DAY_2026_MS + 3 * HOUR_MS }, now), codeOf('window_misaligned'));
    assert.throws(() => checkWindow(period, { from: DAY_2026_MS, to: DAY_2026_MS + HOUR_MS }, now), codeOf('window_misaligned'));
  });

  it('a window is settled only once it has ended', () => {
    const window = { from: DAY_2026_MS + 2 * HOUR_MS, to: DAY_2026_MS + 4 * HOUR_MS };
    checkWindow(period, window, window.to);
    assert.throws(() => checkWindow(period, window, window.to - 1), codeOf('window_open'));
  });
});

describe('SPEC §5 geodetic references', () => {
  it('latitude within ±90 and longitude within ±180 degrees, compared exactly', () => {
    checkGeo({ lat: '90', lon: '-180' }, 'geo');
    checkGeo({ lat: '-89.9999999', lon: '179.9999999' }, 'geo');
    assert.throws(() => checkGeo({ lat: '90.0000001', lon: '0' }, 'geo'), codeOf('invalid_input'));
    assert.throws(() => checkGeo({ lat: '0', lon: '-180.0000001' }, 'geo'), codeOf('invalid_input'));
  });
});
