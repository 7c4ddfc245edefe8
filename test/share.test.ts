import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { shareColumns, shareCompensation, type ShareEventColumns } from '../host/engine/share.js';
import { GridsettleError } from '../host/errors.js';

// 10 kWh over one hour from a 50 kWh battery at 0.30 per kWh, three equal occupants.
const EVENT = {
  energyMWh: 10_000_000, durationMs: 3_600_000, capacityMWh: 50_000_000, price: '0.30',
  alphaPpm: 500_000, betaPpm: 200_000, cRefPpm: 100_000,
  occupants: [{ id: 'a', share: 1 }, { id: 'b', share: 1 }, { id: 'c', share: 1 }],
};

function share(overrides: Record<string, unknown>): ReturnType<typeof shareCompensation> {
  return shareCompensation({ ...EVENT, ...overrides });
}

// With α = β = 0 and a price of 1 per kWh, compensation = base = E µ.
function splitOf(compensationMicro: number, shares: number[]): string[] {
  const occupants = shares.map((value, index) => ({ id: `o${index}`, share: value }));
  const result = share({
    energyMWh: compensationMicro, capacityMWh: 1_000_000, price: '1', alphaPpm: 0, betaPpm: 0, cRefPpm: 0, occupants,
  });
  assert.equal(result.compensation, micro(compensationMicro));
  return result.shares.map((entry) => entry.amount);
}

function micro(value: number): string {
  return (value / 1_000_000).toFixed(6);
}

function assertRejects(run: () => unknown, code: string, limitName?: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GridsettleError, `expected a GridsettleError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (limitName !== undefined) assert.ok(error.message.startsWith(`${limitName}:`), error.message);
    return true;
  });
}

describe('SPEC §4 battery-sharing compensation: the formulas', () => {
  it('computes power, C-rate, depth of discharge, weight, base, compensation and the split of one event', () => {
    // avgPower = 10^7 × 3 600 000 / 3 600 000 = 10^7 mW; cRate = dod = 10^7 × 10^6 / 5·10^7 = 200 000 ppm;
    // weight = 10^6 + 500 000 × 100 000 / 10^6 + 200 000 × 200 000 / 10^6 = 1 090 000;
    // base = 10^7 × 300 000 / 10^6 = 3 000 000 µ; comp = 3 000 000 × 1.09 = 3 270 000 µ; ÷ 3 = 1 090 000 each.
    assert.deepEqual(share({}), {
      avgPowerMilliW: 10_000_000, cRatePpm: 200_000, dodPpm: 200_000, weightPpm: 1_090_000,
      base: '3.000000', compensation: '3.270000',
      shares: [{ id: 'a', amount: '1.090000' }, { id: 'b', amount: '1.090000' }, { id: 'c', amount: '1.090000' }],
    });
  });

  it('avgPowerMilliW = rhe(E × 3 600 000 / Δt), ties to even', () => {
    // 3 × 3 600 000 / 2 400 000 = 4.5 → 4; 5 × 3 600 000 / 2 400 000 = 7.5 → 8.
    assert.equal(share({ energyMWh: 3, durationMs: 2_400_000, capacityMWh: 1_000_000 }).avgPowerMilliW, 4);
    assert.equal(share({ energyMWh: 5, durationMs: 2_400_000, capacityMWh: 1_000_000 }).avgPowerMilliW, 8);
  });

  it('cRatePpm = rhe(avgPower × 10^6 / C) and dodPpm = rhe(E × 10^6 / C), ties to even', () => {
    // avgPower = 10^7 × 3 600 000 / 1 200 000 = 3·10^7; cRate = 3·10^13 / 8·10^11 = 37.5 → 38;
    // dod = 10^13 / 8·10^11 = 12.5 → 12.
    const result = share({ energyMWh: 10_000_000, durationMs: 1_200_000, capacityMWh: 800_000_000_000 });
    assert.equal(result.avgPowerMilliW, 30_000_000);
    assert.equal(result.cRatePpm, 38);
    assert.equal(result.dodPpm, 12);
  });

  it('weightPpm = 10^6 + rhe(α × (cRate − cRef) / 10^6) + rhe(β × dod / 10^6), each term rounded half to even', () => {
    // cRate 38, dod 12 as above; 500 000 × (38 − 35) / 10^6 = 1.5 → 2; 375 000 × 12 / 10^6 = 4.5 → 4.
    const result = share({
      energyMWh: 10_000_000, durationMs: 1_200_000, capacityMWh: 800_000_000_000,
      alphaPpm: 500_000, betaPpm: 375_000, cRefPpm: 35,
    });
    assert.equal(result.weightPpm, 1_000_006);
  });

  it('a C-rate at or under cRef adds no acceleration weight: max(0, cRate − cRef)', () => {
    // cRate 200 000 < cRef 10^9: weight = 10^6 + 0 + 40 000; comp = 3 000 000 × 1.04 = 3 120 000 µ.
    const result = share({ cRefPpm: 1_000_000_000 });
    assert.equal(result.weightPpm, 1_040_000);
    assert.equal(result.compensation, '3.120000');
  });

  it('base = rhe(E × p / 10^6) in µ, ties to even', () => {
    // 5 × 100 000 / 10^6 = 0.5 → 0; 15 × 100 000 / 10^6 = 1.5 → 2.
    assert.equal(share({ energyMWh: 5, capacityMWh: 1_000_000, price: '0.1' }).base, '0.000000');
    assert.equal(share({ energyMWh: 15, capacityMWh: 1_000_000, price: '0.1' }).base, '0.000002');
  });

  it('compensation = rhe(base × weight / 10^6), ties to even', () => {
    // E = 30, C = 60: dod = 500 000, β = 10^6 → weight 1 500 000; base = 30 × 100 000 / 10^6 = 3; 3 × 1.5 = 4.5 → 4.
    const low = share({ energyMWh: 30, capacityMWh: 60, price: '0.1', alphaPpm: 0, betaPpm: 1_000_000 });
    assert.equal(low.weightPpm, 1_500_000);
    assert.equal(low.compensation, '0.000004');
    // E = 50, C = 100: same weight, base 5; 5 × 1.5 = 7.5 → 8.
    const high = share({ energyMWh: 50, capacityMWh: 100, price: '0.1', alphaPpm: 0, betaPpm: 1_000_000 });
    assert.equal(high.compensation, '0.000008');
  });

  it('a compensation tie goes to the even total even when the whole part of the SPEC §1 split is odd', () => {
    // E = 15 000, C = 1.5·10^10: dod = cRate = 1, β = 10^6 → weight 1 000 001; base = 15 000 × 10^8 / 10^6 = 1 500 000.
    // comp = 1 500 000 × 1 000 001 / 10^6 = 1 500 001.5 → 1 500 002 (q·w + rhe(r·w/c) = 1 000 001 + 500 000 would be odd).
    const result = share({
      energyMWh: 15_000, capacityMWh: 15_000_000_000, price: '100', alphaPpm: 0, betaPpm: 1_000_000, cRefPpm: 0,
    });
    assert.equal(result.weightPpm, 1_000_001);
    assert.equal(result.base, '1.500000');
    assert.equal(result.compensation, '1.500002');
  });

  it('stays exact where base × weight and comp × s_i pass 2^63 (the corner of the domain)', () => {
    // avgPower = 10^9 × 3 600 000 / 36 000 = 10^11; cRate = 10^17 / 10^8 = 10^9 and dod = 10^15 / 10^8 = 10^7 (both at their limit);
    // weight = 10^6 + 10^7 × 10^9 / 10^6 + 10^7 × 10^7 / 10^6 = 10 101 000 000; base = 10^9 × 10^8 / 10^6 = 10^11 µ;
    // comp = 10^11 × 10 101 000 000 / 10^6 = 1 010 100 000 000 000 µ (base × weight ≈ 1.01·10^21 > 2^63).
    // S = 2 000 006: floors 505 047 979 806 060, 505 048 484 854 545, 3 535 339 393 (sum comp − 2);
    // remainders 1 163 640, 872 730, 1 963 642 → one µ to occupant 2, then occupant 0.
    const result = share({
      energyMWh: 1_000_000_000, durationMs: 36_000, capacityMWh: 100_000_000, price: '100',
      alphaPpm: 10_000_000, betaPpm: 10_000_000, cRefPpm: 0,
      occupants: [{ id: 'x', share: 999_999 }, { id: 'y', share: 1_000_000 }, { id: 'z', share: 7 }],
    });
    assert.deepEqual(result, {
      avgPowerMilliW: 100_000_000_000, cRatePpm: 1_000_000_000, dodPpm: 10_000_000, weightPpm: 10_101_000_000,
      base: '100000.000000', compensation: '1010100000.000000',
      shares: [
        { id: 'x', amount: '505047979.806061' }, { id: 'y', amount: '505048484.854545' }, { id: 'z', amount: '3535.339394' },
      ],
    });
  });
});

describe('SPEC §4 battery-sharing compensation: the largest-remainder split', () => {
  it('gives each occupant floor(comp × s_i / S) and the remaining µ to the largest remainders', () => {
    // 100 × 1/7 = 14 r 2, 100 × 2/7 = 28 r 4, 100 × 4/7 = 57 r 1: 99 given, 1 left → occupant 1 (remainder 4).
    assert.deepEqual(splitOf(100, [1, 2, 4]), ['0.000014', '0.000029', '0.000057']);
  });

  it('gives remainder ties to the lower index', () => {
    // 5 × 3/8 = 1 r 7, 5 × 1/8 = 0 r 5 (twice each): 2 given, 3 left → occupants 0 and 2 (7), then 1 before 3 (5).
    assert.deepEqual(splitOf(5, [3, 1, 3, 1]), ['0.000002', '0.000001', '0.000002', '0.000000']);
    // 11 / 4 = 2 r 3 each: 3 left → occupants 0, 1, 2.
    assert.deepEqual(splitOf(11, [1, 1, 1, 1]), ['0.000003', '0.000003', '0.000003', '0.000002']);
  });

  it('makes the shares sum exactly to the compensation', () => {
    // 1 000 003 µ over 1 : 1 : 1 : 1 : 1 : 1 : 1 = 142 857 r 4 each: 1 000 003 − 999 999 = 4 left → occupants 0 … 3.
    const amounts = splitOf(1_000_003, [1, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(amounts, ['0.142858', '0.142858', '0.142858', '0.142858', '0.142857', '0.142857', '0.142857']);
  });

  it('gives a single occupant the whole compensation and splits zero into zeros', () => {
    assert.deepEqual(splitOf(12_345, [777]), ['0.012345']);
    const free = share({ price: '0' });
    assert.equal(free.base, '0.000000');
    assert.equal(free.compensation, '0.000000');
    assert.deepEqual(free.shares.map((entry) => entry.amount), ['0.000000', '0.000000', '0.000000']);
  });

  it('echoes the occupant ids in input order', () => {
    const occupants = [{ id: 'zeta', share: 1 }, { id: 'alpha', share: 2 }, { id: 'mu', share: 1 }];
    assert.deepEqual(share({ occupants }).shares.map((entry) => entry.id), ['zeta', 'alpha', 'mu']);
  });
});

describe('SPEC §4 battery-sharing compensation: the domain', () => {
  const limits: Array<[string, Record<string, unknown>, string]> = [
    ['E over 10^9 mWh', { energyMWh: 1_000_000_001 }, 'SHARE_ENERGY_MWH_MAX'],
    ['Δt under 1 000 ms', { durationMs: 999 }, 'SHARE_DURATION_MS_MIN'],
    ['Δt over 31 days', { durationMs: 2_678_400_001 }, 'SHARE_DURATION_MS_MAX'],
    ['C of 0 mWh', { capacityMWh: 0 }, 'SHARE_CAPACITY_MWH_MIN'],
    ['C over 10^12 mWh', { capacityMWh: 1_000_000_000_001 }, 'SHARE_CAPACITY_MWH_MAX'],
    ['α over 10^7 ppm', { alphaPpm: 10_000_001 }, 'SHARE_ALPHA_BETA_PPM_MAX'],
    ['β over 10^7 ppm', { betaPpm: 10_000_001 }, 'SHARE_ALPHA_BETA_PPM_MAX'],
    ['cRef over 10^9 ppm', { cRefPpm: 1_000_000_001 }, 'SHARE_CREF_PPM_MAX'],
    // avgPower = 10^9 × 3 600 000 / 1 000 = 3.6·10^12 mW; cRate = 3.6·10^18 / 10^8 = 3.6·10^10 ppm.
    ['a C-rate over 10^9 ppm', { energyMWh: 1_000_000_000, durationMs: 1_000, capacityMWh: 100_000_000 }, 'SHARE_CRATE_PPM_MAX'],
    // dod = rhe(10^15 / 99 999 990) = rhe(10 000 001.0000001) = 10 000 001 ppm.
    ['a depth of discharge over 10^7 ppm', { energyMWh: 1_000_000_000, capacityMWh: 99_999_990 }, 'SHARE_DOD_PPM_MAX'],
    // SPEC §1 "which code": an integer or a count outside its range, below the minimum as well as above the maximum.
    ['an integer C of 2^53, past the safe range', { capacityMWh: 2 ** 53 }, 'SHARE_CAPACITY_MWH_MAX'],
    ['an E of 10^20', { energyMWh: 1e20 }, 'SHARE_ENERGY_MWH_MAX'],
    ['no occupants', { occupants: [] }, 'SHARE_OCCUPANTS_MIN'],
    ['65 occupants', { occupants: Array.from({ length: 65 }, (_, index) => ({ id: `o${index}`, share: 1 })) }, 'SHARE_OCCUPANTS_MAX'],
    ['a share of 0', { occupants: [{ id: 'a', share: 0 }] }, 'SHARE_OCCUPANT_SHARE_MIN'],
    ['a share of 10^6 + 1', { occupants: [{ id: 'a', share: 1_000_001 }] }, 'SHARE_OCCUPANT_SHARE_MAX'],
    ['a share of 2^60', { occupants: [{ id: 'a', share: 2 ** 60 }] }, 'SHARE_OCCUPANT_SHARE_MAX'],
  ];
  for (const [what, overrides, limitName] of limits) {
    it(`rejects ${what} with limit_exceeded naming ${limitName}`, () => {
      assertRejects(() => share(overrides), 'limit_exceeded', limitName);
    });
  }

  it('accepts every bound itself, and a dodPpm that rounds down to 10^7', () => {
    const upper = { energyMWh: 1_000_000_000, capacityMWh: 1_000_000_000_000, price: '100', alphaPpm: 10_000_000, betaPpm: 10_000_000, cRefPpm: 1_000_000_000 };
    assert.equal(share({ ...upper, durationMs: 2_678_400_000 }).base, '100000.000000');
    assert.equal(share({ energyMWh: 0, durationMs: 1_000, capacityMWh: 1, price: '0', alphaPpm: 0, betaPpm: 0, cRefPpm: 0 }).base, '0.000000');
    // dod = rhe(10^15 / 99 999 999) = rhe(10 000 000.1) = 10 000 000: the limit applies to the rounded ratio.
    assert.equal(share({ energyMWh: 1_000_000_000, capacityMWh: 99_999_999 }).dodPpm, 10_000_000);
  });

  const invalid: Array<[string, unknown]> = [
    ['a negative E', { ...EVENT, energyMWh: -1 }],
    ['a negative Δt', { ...EVENT, durationMs: -3_600_000 }],
    ['a negative C', { ...EVENT, capacityMWh: -1 }],
    ['a negative α', { ...EVENT, alphaPpm: -1 }],
    ['a negative β', { ...EVENT, betaPpm: -1 }],
    ['a negative cRef', { ...EVENT, cRefPpm: -1 }],
    ['a non-integer E', { ...EVENT, energyMWh: 1.5 }],
    ['a number given as a string', { ...EVENT, durationMs: '3600000' }],
    ['a missing field', { ...EVENT, cRefPpm: undefined }],
    ['input that is not an object', [EVENT]],
    ['occupants that are not an array', { ...EVENT, occupants: { id: 'a', share: 1 } }],
    ['an occupant that is not an object', { ...EVENT, occupants: ['a'] }],
    ['a negative share', { ...EVENT, occupants: [{ id: 'a', share: -1 }] }],
    ['a non-integer share', { ...EVENT, occupants: [{ id: 'a', share: 0.5 }] }],
    ['an id that is not a string', { ...EVENT, occupants: [{ id: 7, share: 1 }] }],
    ['an empty id', { ...EVENT, occupants: [{ id: '', share: 1 }] }],
  ];
  for (const [what, input] of invalid) {
    it(`rejects ${what} with invalid_input`, () => {
      assertRejects(() => shareCompensation(input), 'invalid_input');
    });
  }

  it('accepts 64 occupants with shares of 1 and 10^6', () => {
    const occupants = Array.from({ length: 64 }, (_, index) => ({ id: `o${index}`, share: index % 2 === 0 ? 1 : 1_000_000 }));
    assert.equal(share({ occupants }).shares.length, 64);
  });

  const amounts: Array<[string, unknown]> = [
    ['7 decimals', '0.3000001'],
    ['a JSON number', 0.3],
    ['an exponent', '3e-1'],
    ['a leading +', '+0.3'],
    ['a bare fraction', '.3'],
    ['whitespace', ' 0.3'],
    // SPEC §1: a decimal string out of its range (0 … 100 per kWh) is invalid_amount.
    ['a value over 100 per kWh', '100.000001'],
    ['a negative value', '-0.01'],
    ['a value past i64 µ', '10000000000000'],
  ];
  for (const [what, price] of amounts) {
    it(`rejects a price with ${what} with invalid_amount`, () => {
      assertRejects(() => share({ price }), 'invalid_amount');
    });
  }
});

describe('SPEC §7 shareColumns: the bulk form', () => {
  function columns(events: Array<typeof EVENT>, priceMicroPerKWh: bigint[]): ShareEventColumns {
    const column = (field: 'energyMWh' | 'durationMs' | 'capacityMWh' | 'alphaPpm' | 'betaPpm' | 'cRefPpm'): BigInt64Array =>
      BigInt64Array.from(events, (event) => BigInt(event[field]));
    const starts = [0];
    for (const event of events) starts.push(starts.at(-1)! + event.occupants.length);
    return {
      energyMWh: column('energyMWh'), durationMs: column('durationMs'), capacityMWh: column('capacityMWh'),
      priceMicroPerKWh: BigInt64Array.from(priceMicroPerKWh), alphaPpm: column('alphaPpm'), betaPpm: column('betaPpm'),
      cRefPpm: column('cRefPpm'), occupantStart: Uint32Array.from(starts),
      occupantShare: BigInt64Array.from(events.flatMap((event) => event.occupants.map((occupant) => BigInt(occupant.share)))),
    };
  }
  const second = { ...EVENT, energyMWh: 100, capacityMWh: 1_000_000, alphaPpm: 0, betaPpm: 0, cRefPpm: 0, occupants: [{ id: 'p', share: 1 }, { id: 'q', share: 2 }, { id: 'r', share: 4 }] };

  it('computes many events in one call with the semantics of the JSON form', () => {
    // Event 0 is the worked example; event 1 is 100 µ split 1 : 2 : 4 → 14, 29, 57 (see the split tests).
    const results = shareColumns(columns([EVENT, second], [300_000n, 1_000_000n]));
    assert.deepEqual(results.weightPpm, BigInt64Array.of(1_090_000n, 1_000_000n));
    assert.deepEqual(results.base, BigInt64Array.of(3_000_000n, 100n));
    assert.deepEqual(results.compensation, BigInt64Array.of(3_270_000n, 100n));
    assert.deepEqual(results.occupantAmount, BigInt64Array.of(1_090_000n, 1_090_000n, 1_090_000n, 14n, 29n, 57n));
  });

  it('names the index of the first event that breaks the domain', () => {
    const broken = { ...second, energyMWh: 1_000_000_001 };
    assert.throws(() => shareColumns(columns([EVENT, second, broken], [300_000n, 1_000_000n, 1n])), (error: unknown) => {
      assert.ok(error instanceof GridsettleError);
      assert.equal(error.code, 'limit_exceeded');
      assert.match(error.message, /^SHARE_ENERGY_MWH_MAX: event 2: /);
      return true;
    });
  });

  it('rejects occupant offsets that do not rise from 0 to occupantShare.length with invalid_input', () => {
    const events = columns([EVENT, second], [300_000n, 1_000_000n]);
    assertRejects(() => shareColumns({ ...events, occupantStart: Uint32Array.of(0, 3, 5) }), 'invalid_input');
    assertRejects(() => shareColumns({ ...events, occupantStart: Uint32Array.of(0, 7, 6) }), 'invalid_input');
    assertRejects(() => shareColumns({ ...events, occupantStart: Uint32Array.of(0, 3, 3) }), 'invalid_input');
  });

  it('rejects an event without occupants, or a share outside 1 … 10^6, with limit_exceeded (a negative share is invalid_input)', () => {
    const events = columns([EVENT, second], [300_000n, 1_000_000n]);
    const emptySecond = { ...events, occupantStart: Uint32Array.of(0, 3, 3), occupantShare: events.occupantShare.slice(0, 3) };
    assertRejects(() => shareColumns(emptySecond), 'limit_exceeded', 'SHARE_OCCUPANTS_MIN');
    const withShare = (share: bigint) => ({ ...events, occupantShare: BigInt64Array.of(1n, 1n, 1n, 1n, share, 4n) });
    assertRejects(() => shareColumns(withShare(0n)), 'limit_exceeded', 'SHARE_OCCUPANT_SHARE_MIN');
    assertRejects(() => shareColumns(withShare(1_000_001n)), 'limit_exceeded', 'SHARE_OCCUPANT_SHARE_MAX');
    assertRejects(() => shareColumns(withShare(-1n)), 'invalid_input');
    assert.equal(shareColumns(withShare(1_000_000n)).occupantAmount.length, 6);
  });

  it('rejects an event with 65 occupants with limit_exceeded naming SHARE_OCCUPANTS_MAX', () => {
    const crowd = { ...EVENT, occupants: Array.from({ length: 65 }, (_, index) => ({ id: `o${index}`, share: 1 })) };
    assertRejects(() => shareColumns(columns([crowd], [300_000n])), 'limit_exceeded', 'SHARE_OCCUPANTS_MAX');
  });

  it('rejects columns of unequal length with invalid_input', () => {
    const events = columns([EVENT, second], [300_000n, 1_000_000n]);
    assertRejects(() => shareColumns({ ...events, betaPpm: BigInt64Array.of(0n) }), 'invalid_input');
    assertRejects(() => shareColumns({ ...events, occupantStart: Uint32Array.of(0, 6) }), 'invalid_input');
  });

  it('returns empty columns for zero events', () => {
    const results = shareColumns(columns([], []));
    assert.equal(results.compensation.length, 0);
    assert.equal(results.occupantAmount.length, 0);
  });
});
