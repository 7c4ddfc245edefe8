import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate } from '../host/engine/aggregate.js';
import { price, priceColumns } from '../host/engine/price.js';
import { referencePriceColumns } from '../host/reference/price.js';
import { kernels } from '../host/engine/wasm.js';
import * as status from '../host/tariff/status.js';
import { assertRejects, berlinTouTariff, flatTariff, utc } from './price-fixtures.js';

const JAN_2026_UTC = { from: utc(2026, 1, 1), to: utc(2026, 2, 1) };
const oneInterval = [{ start: utc(2026, 1, 1), imp: 1 }];
const priceWith = (tariffExtra: Record<string, unknown>, intervals: unknown[] = oneInterval) =>
  price({ tariff: flatTariff(tariffExtra), period: JAN_2026_UTC, intervals });

describe('SPEC §1 decimal strings: invalid_amount, never rounded', () => {
  for (const bad of ['0.1234567', '5.', '.5', '+1', ' 1', '1e2', '0,5', '', '--1']) {
    it(`rejects the price ${JSON.stringify(bad)}`, () => {
      assertRejects(() => priceWith({ energy: [{ price: bad }] }), 'invalid_amount', 'tariff.energy\\[0\\].price');
    });
  }

  it('rejects a JSON number where a decimal string is due', () => {
    assertRejects(() => priceWith({ energy: [{ price: 0.2 }] }), 'invalid_amount', 'JSON number');
    assertRejects(() => priceWith({ fixedPerDay: 1 }), 'invalid_amount');
  });

  it('rejects prices out of range: energy, dynamic and export ±100, demand and fixed 0 … 10 000, tax rate 0 … 1', () => {
    assertRejects(() => priceWith({ energy: [{ price: '100.000001' }] }), 'invalid_amount', 'out of range');
    assertRejects(() => priceWith({ energy: [{ price: '-100.000001' }] }), 'invalid_amount');
    assertRejects(() => priceWith({ dynamic: [{ from: 0, price: '101' }] }), 'invalid_amount');
    assertRejects(() => priceWith({ export: { price: '-100.5' } }), 'invalid_amount');
    assertRejects(() => priceWith({ demand: { pricePerKW: '-0.01' } }), 'invalid_amount');
    assertRejects(() => priceWith({ fixedPerDay: '10000.000001' }), 'invalid_amount');
    assertRejects(() => priceWith({ taxes: [{ name: 'VAT', rate: '1.01', on: ['energy'] }] }), 'invalid_amount');
  });

  it('accepts the range ends exactly', () => {
    priceWith({ energy: [{ price: '-100' }], export: { price: '100.000000' }, demand: { pricePerKW: '10000' }, taxes: [{ name: 't', rate: '1', on: [] }] });
  });
});

describe('SPEC §3 tariff structure: invalid_input', () => {
  it('rejects a currency withdrawn from ISO 4217 by 2026 with invalid_input, and takes its replacement', () => {
    for (const withdrawn of ['HRK', 'SLL', 'CUC', 'ZWL', 'ANG', 'BGN']) assertRejects(() => priceWith({ currency: withdrawn }), 'invalid_input', 'currency');
    for (const current of ['EUR', 'SLE', 'ZWG', 'XCG', 'VED']) assert.equal(priceWith({ currency: current }).currency, current);
  });

  it('rejects an unknown currency and an unknown timezone', () => {
    assertRejects(() => priceWith({ currency: 'EUX' }), 'invalid_input', 'currency');
    assertRejects(() => priceWith({ timezone: 'Mars/Olympus_Mons' }), 'invalid_input', 'timezone');
  });

  it('requires a schedule with more than one period, and indexes inside periods', () => {
    assertRejects(() => price({ tariff: berlinTouTariff({ schedule: undefined }), period: JAN_2026_UTC, intervals: [] }), 'invalid_input', 'schedule');
    const outOfRange = berlinTouTariff();
    outOfRange.schedule!.weekday[3] = 2;
    assertRejects(() => price({ tariff: outOfRange, period: JAN_2026_UTC, intervals: [] }), 'invalid_input', 'weekday\\[3\\]');
    const short = berlinTouTariff();
    short.schedule!.weekend = [0];
    assertRejects(() => price({ tariff: short, period: JAN_2026_UTC, intervals: [] }), 'invalid_input', '24');
  });

  it('rejects tiers without increasing bounds, or a bound on the last tier', () => {
    assertRejects(() => priceWith({ energy: [{ upToKWh: '5', price: '1' }, { upToKWh: '5', price: '1' }, { price: '1' }] }), 'invalid_input', 'above');
    assertRejects(() => priceWith({ energy: [{ price: '1' }, { price: '2' }] }), 'invalid_input', 'upToKWh');
    assertRejects(() => priceWith({ energy: [{ upToKWh: '5', price: '1' }] }), 'invalid_input', 'upToKWh');
    assertRejects(() => priceWith({ energy: [{ upToKWh: '0', price: '1' }, { price: '2' }] }), 'invalid_input');
  });

  it('rejects energy or export for a period not in periods, unknown keys, bad holidays and an unsorted series', () => {
    assertRejects(() => price({ tariff: berlinTouTariff({ energy: { shoulder: [{ price: '1' }] } }), period: JAN_2026_UTC, intervals: [] }), 'invalid_input', 'shoulder');
    assertRejects(() => priceWith({ fixedperday: '1' }), 'invalid_input', 'fixedperday');
    const holiday = berlinTouTariff();
    holiday.schedule!.holidays = ['2026-02-30'];
    assertRejects(() => price({ tariff: holiday, period: JAN_2026_UTC, intervals: [] }), 'invalid_input', 'calendar date');
    assertRejects(() => priceWith({ dynamic: [{ from: 10, price: '1' }, { from: 10, price: '2' }] }), 'invalid_input', 'after');
    assertRejects(() => priceWith({ taxes: [{ name: 'VAT', rate: '0.1', on: ['energie'] }] }), 'invalid_input', 'energie');
  });

  it('names the limit for too many tiers', () => {
    const tiers = Array.from({ length: 17 }, (_, index) => (index < 16 ? { upToKWh: String(index + 1), price: '1' } : { price: '1' }));
    assertRejects(() => priceWith({ energy: tiers }), 'limit_exceeded', 'TARIFF_TIERS_MAX');
  });
});

describe('SPEC §3 intervals: on the grid, inside [from, to), unique', () => {
  it('rejects a misaligned interval', () => {
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1) + 60_000, imp: 1 }]), 'invalid_input', 'grid');
  });

  it('rejects a duplicate interval, naming the second one', () => {
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: 1 }, { start: utc(2026, 1, 2), imp: 1 }, { start: utc(2026, 1, 1), imp: 2 }]), 'invalid_input', 'interval 2');
  });

  it('rejects intervals before from or at to', () => {
    assertRejects(() => priceWith({}, [{ start: utc(2025, 12, 31, 23, 45), imp: 1 }]), 'invalid_input', 'billing period');
    assertRejects(() => priceWith({}, [{ start: JAN_2026_UTC.to, imp: 1 }]), 'invalid_input', 'billing period');
  });

  it('rejects negative, non-integer and string energy, and flags outside 0 … 15', () => {
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: -1 }]), 'invalid_input', 'negative');
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: 0, exp: -5 }]), 'invalid_input', 'negative');
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: 1.5 }]), 'invalid_input', 'integer');
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: '5' }]), 'invalid_input', 'integer');
    assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: 1, flags: 16 }]), 'invalid_input', 'flags');
  });

  it('rejects energy of 2^53 mWh or more in one interval, naming the limit, in both forms', () => {
    const columns = { start: BigInt64Array.of(BigInt(utc(2026, 1, 1))), imp: BigInt64Array.of(2n ** 53n) };
    assertRejects(() => priceColumns(flatTariff(), JAN_2026_UTC, columns), 'limit_exceeded', 'INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE');
    const exp = { ...columns, imp: BigInt64Array.of(0n), exp: BigInt64Array.of(2n ** 53n) };
    assertRejects(() => priceColumns(flatTariff(), JAN_2026_UTC, exp), 'limit_exceeded', 'INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE');
    for (const energy of [2 ** 53, 1e20]) {
      assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: energy }]), 'limit_exceeded', 'INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE');
      assertRejects(() => priceWith({}, [{ start: utc(2026, 1, 1), imp: 0, exp: energy }]), 'limit_exceeded', 'INTERVAL_ENERGY_MWH_MAX_EXCLUSIVE');
    }
    assert.equal(priceWith({}, [{ start: utc(2026, 1, 1), imp: 2 ** 53 - 1 }]).intervals, 1);
  });

  it('rejects an interval start or a period bound at year 10000 with limit_exceeded, a negative one with invalid_input', () => {
    const year10000 = 253_402_300_800_000;
    assertRejects(() => priceWith({}, [{ start: year10000, imp: 1 }]), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => priceWith({}, [{ start: -900_000, imp: 1 }]), 'invalid_input', 'negative');
    const columnsAt = (startMs: bigint) => ({ start: BigInt64Array.of(startMs), imp: BigInt64Array.of(1n) });
    assertRejects(() => priceColumns(flatTariff(), JAN_2026_UTC, columnsAt(BigInt(year10000))), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => priceColumns(flatTariff(), JAN_2026_UTC, columnsAt(-900_000n)), 'invalid_input', 'billing period');
    assertRejects(() => price({ tariff: flatTariff(), period: { from: year10000, to: year10000 + 1 }, intervals: [] }), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => price({ tariff: flatTariff(), period: { from: 0, to: year10000 + 1 }, intervals: [] }), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => price({ tariff: flatTariff(), period: { from: -1, to: 10 }, intervals: [] }), 'invalid_input', 'period.from');
  });

  it('rejects an echoed unassigned energy of 2^53 mWh or a time at year 10000 with limit_exceeded, a negative one with invalid_input', () => {
    const entry = { channel: 'import', from: utc(2026, 1, 1), to: utc(2026, 1, 2), mwh: 5, reason: 'gap' };
    const withUnassigned = (override: Record<string, unknown>) =>
      price({ tariff: flatTariff(), period: JAN_2026_UTC, intervals: oneInterval, unassigned: [{ ...entry, ...override }] });
    assertRejects(() => withUnassigned({ mwh: 2 ** 53 }), 'limit_exceeded', 'REGISTER_MWH_MAX_EXCLUSIVE');
    assertRejects(() => withUnassigned({ to: 253_402_300_800_000 }), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => withUnassigned({ mwh: -1 }), 'invalid_input', 'mwh');
    assert.equal(withUnassigned({ mwh: 2 ** 53 - 1 }).unassigned.length, 1);
  });

  it('rejects a dynamic price from year 10000 on with limit_exceeded, a negative from with invalid_input', () => {
    assertRejects(() => priceWith({ dynamic: [{ from: 253_402_300_800_000, price: '0.1' }] }), 'limit_exceeded', 'READING_TIME_MS_MAX_EXCLUSIVE');
    assertRejects(() => priceWith({ dynamic: [{ from: -1, price: '0.1' }] }), 'invalid_input', 'from');
  });

  // SPEC §1: each total must be < 2^56 mWh; 8 intervals of 2^53 − 1 plus one of 8 sum to exactly 2^56.
  const periodEnergyCases: Array<[string, bigint, boolean]> = [['2^56 − 1', 7n, true], ['exactly 2^56', 8n, false]];
  for (const [what, lastMWh, accepted] of periodEnergyCases) {
    it(`${accepted ? 'accepts' : 'rejects'} a billing period whose import and whose export total ${what} mWh (engine and reference agree)`, () => {
      const start = BigInt64Array.from({ length: 9 }, (_, index) => BigInt(utc(2026, 1, 1) + index * 900_000));
      const energy = BigInt64Array.from({ length: 9 }, (_, index) => (index < 8 ? 2n ** 53n - 1n : lastMWh));
      for (const columns of [{ start, imp: energy }, { start, imp: new BigInt64Array(9), exp: energy }]) {
        for (const run of [() => priceColumns(flatTariff(), JAN_2026_UTC, columns), () => referencePriceColumns(flatTariff(), JAN_2026_UTC, columns)]) {
          if (accepted) assert.equal(run().intervals, 9);
          else assertRejects(run, 'limit_exceeded', 'BILLING_PERIOD_ENERGY_MWH_MAX');
        }
      }
    });
  }

  it('rejects columns of different lengths', () => {
    assertRejects(() => priceColumns(flatTariff(), JAN_2026_UTC, { start: new BigInt64Array(2), imp: new BigInt64Array(1) }), 'invalid_input', 'length');
  });
});

describe('SPEC §1/§7 period and intervalMs', () => {
  it('rejects an intervalMs inside 1 min … 1 day that is not a multiple of a minute dividing a day, or negative, with invalid_input', () => {
    for (const intervalMs of [420_000, 90_000, -900_000, 900_000.5]) {
      assertRejects(() => price({ tariff: flatTariff(), intervalMs, period: JAN_2026_UTC, intervals: [] }), 'invalid_input', 'intervalMs');
    }
  });

  it('rejects an intervalMs below one minute or above one day with limit_exceeded, as aggregate does', () => {
    const cases: Array<[number, string]> = [[0, 'INTERVAL_MS_MIN'], [59_999, 'INTERVAL_MS_MIN'], [86_400_001, 'INTERVAL_MS_MAX'], [172_800_000, 'INTERVAL_MS_MAX']];
    for (const [intervalMs, limitName] of cases) {
      assertRejects(() => price({ tariff: flatTariff(), intervalMs, period: JAN_2026_UTC, intervals: [] }), 'limit_exceeded', limitName);
      assertRejects(() => aggregate({ intervalMs, readings: [] }), 'limit_exceeded', limitName);
    }
    assert.equal(price({ tariff: flatTariff(), intervalMs: 86_400_000, period: JAN_2026_UTC, intervals: [] }).intervals, 0);
  });

  it('rejects a period that ends before it starts, or non-integer bounds', () => {
    assertRejects(() => price({ tariff: flatTariff(), period: { from: 10, to: 10 }, intervals: [] }), 'invalid_input', 'period.to');
    assertRejects(() => price({ tariff: flatTariff(), period: { from: '0', to: 10 }, intervals: [] }), 'invalid_input', 'period.from');
  });

  it('names the limit for a billing period of more than 527 040 slots', () => {
    // 1-minute grid over 367 days = 528 480 slots.
    assertRejects(() => price({ tariff: flatTariff(), intervalMs: 60_000, period: { from: 0, to: 367 * 86_400_000 }, intervals: [] }), 'limit_exceeded', 'BILLING_PERIOD_SLOTS_MAX');
  });

  it('requires a period when there are no intervals', () => {
    assertRejects(() => price({ tariff: flatTariff(), intervals: [] }), 'invalid_input', 'period');
  });
});

describe('docs/wasm-tariff.md status codes', () => {
  it('the host reads the same codes the kernel exports', () => {
    const exported = kernels() as unknown as Record<string, { value: number }>;
    for (const [name, code] of Object.entries(status)) {
      if (typeof code === 'number') assert.equal(exported[name]?.value, code, name);
    }
  });
});
