// SPEC §7 command line: JSON on stdin, JSON on stdout, exit 2 with
// {error: {code, message}} on stderr for bad input. Expected values are
// computed by hand in the comments.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readBoundedText } from '../host/cli/bounded-input.js';
import { GridsettleError } from '../host/errors.js';
import { CLI_INPUT_BYTES_MAX } from '../host/limits.js';

const CLI = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], input: unknown): CliRun {
  const stdin = typeof input === 'string' ? input : JSON.stringify(input);
  const result = spawnSync(process.execPath, [CLI, ...args], { input: stdin, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectError(run: CliRun, code: string): void {
  assert.equal(run.status, 2, `exit status; stderr: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const body = JSON.parse(run.stderr) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code, body.error.message);
  assert.ok(body.error.message.length > 0);
}

const GAP_TO_MS = 1_800_000 + 32 * 86_400_000;

describe('SPEC §7 gridsettle aggregate', () => {
  it('apportions, flags and orders meters by UTF-16 order on a hand-computed case', () => {
    const run = runCli(['aggregate'], {
      readings: [
        // m9: a falling register is a RESET on the interval holding t_b − 1 = 599 999.
        { m: 'm9', t: 600_000, i: 3 },
        { m: 'm9', t: 0, i: 5 },
        // m1: 1 000 mWh over 30 min → 500 + 500, ESTIMATED (Δt > I); then a 32-day gap of 50 mWh.
        { m: 'm1', t: 0, i: 0 },
        { m: 'm1', t: 1_800_000, i: 1_000 },
        { m: 'm1', t: GAP_TO_MS, i: 1_050 },
        // m10: 100 mWh import and 7 mWh export inside one interval, Δt ≤ I: no flag.
        { m: 'm10', t: 0, i: 0, x: 0 },
        { m: 'm10', t: 60_000, i: 100, x: 7 },
      ],
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      intervals: [
        { m: 'm1', start: 0, imp: 500, exp: 0, flags: 1 },
        { m: 'm1', start: 900_000, imp: 500, exp: 0, flags: 1 },
        // GAP flag on the interval holding t_b − 1: floor((2 766 600 000 − 1) / 900 000) = 3 073.
        { m: 'm1', start: 3_073 * 900_000, imp: 0, exp: 0, flags: 8 },
        { m: 'm10', start: 0, imp: 100, exp: 7, flags: 0 },
        { m: 'm9', start: 0, imp: 0, exp: 0, flags: 2 },
      ],
      unassigned: [{ m: 'm1', channel: 'import', from: 1_800_000, to: GAP_TO_MS, mwh: 50, reason: 'gap' }],
    });
  });

  it('rejects a negative register with invalid_input', () => {
    expectError(runCli(['aggregate'], { readings: [{ m: 'a', t: 0, i: -1 }, { m: 'a', t: 1, i: 2 }] }), 'invalid_input');
  });

  it('rejects a non-integer register with invalid_input', () => {
    expectError(runCli(['aggregate'], { readings: [{ m: 'a', t: 0, i: 1.5 }, { m: 'a', t: 1, i: 2 }] }), 'invalid_input');
  });

  it('rejects a register of 2^53 with limit_exceeded', () => {
    expectError(runCli(['aggregate'], { readings: [{ m: 'a', t: 0, i: 2 ** 53 }] }), 'limit_exceeded');
  });

  it('rejects an intervalMs that does not divide a day', () => {
    // 420 000 ms = 7 min: a multiple of a minute, but 86 400 000 / 420 000 is not whole.
    expectError(runCli(['aggregate'], { intervalMs: 420_000, readings: [] }), 'invalid_input');
  });
});

const FLAT_TIERED_TARIFF = {
  id: 'flat-tiered', currency: 'EUR', timezone: 'UTC',
  energy: [{ upToKWh: '1', price: '0.30' }, { price: '0.20' }],
  fixedPerDay: '0.50',
  taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'fixed'] }],
};

describe('SPEC §7 gridsettle price', () => {
  it('prices a tier bound crossed inside an interval, the fixed day and VAT', () => {
    const run = runCli(['price'], {
      tariff: FLAT_TIERED_TARIFF,
      period: { from: 0, to: 86_400_000 },
      intervals: [
        { start: 0, imp: 600_000 },
        // 0.4 kWh fills tier 0 up to its 1 kWh bound, 0.2 kWh goes to tier 1.
        { start: 900_000, imp: 600_000 },
      ],
    });
    assert.equal(run.status, 0, run.stderr);
    const statement = JSON.parse(run.stdout) as {
      lines: Array<{ kind: string; tier: number | null; kwh: string | null; amount: string }>;
      taxes: Array<{ name: string; base: string; amount: string }>;
      total: string; intervals: number; missingIntervals: number; currency: string;
    };
    assert.equal(statement.currency, 'EUR');
    // tier 0: 1 kWh × 0.30 = 0.30; tier 1: 0.2 kWh × 0.20 = 0.04; fixed: 1 day × 0.50.
    assert.deepEqual(
      statement.lines.map(({ kind, tier, kwh, amount }) => ({ kind, tier, kwh, amount })),
      [
        { kind: 'energy', tier: 0, kwh: '1', amount: '0.30' },
        { kind: 'energy', tier: 1, kwh: '0.2', amount: '0.04' },
        { kind: 'fixed', tier: null, kwh: null, amount: '0.50' },
      ],
    );
    // VAT base 0.84, rhe(0.84 × 0.19 = 0.1596) = 0.16; total 0.84 + 0.16.
    assert.deepEqual(statement.taxes.map(({ name, base, amount }) => ({ name, base, amount })), [
      { name: 'VAT', base: '0.84', amount: '0.16' },
    ]);
    assert.equal(statement.total, '1.00');
    assert.equal(statement.intervals, 2);
    assert.equal(statement.missingIntervals, 94);
  });

  it('rejects a price with 7 decimals with invalid_amount', () => {
    const tariff = { ...FLAT_TIERED_TARIFF, energy: [{ price: '0.2534001' }] };
    expectError(runCli(['price'], { tariff, period: { from: 0, to: 86_400_000 }, intervals: [] }), 'invalid_amount');
  });

  it('rejects an unknown timezone with invalid_input', () => {
    const tariff = { ...FLAT_TIERED_TARIFF, timezone: 'Mars/Olympus_Mons' };
    expectError(runCli(['price'], { tariff, period: { from: 0, to: 86_400_000 }, intervals: [] }), 'invalid_input');
  });

  it('rejects an interval with no price in force with no_price', () => {
    // The dynamic series starts at 900 000: the first interval has import and nothing prices it.
    const tariff = { id: 'dyn', currency: 'EUR', timezone: 'UTC', dynamic: [{ from: 900_000, price: '0.10' }] };
    const intervals = [{ start: 0, imp: 1_000 }, { start: 900_000, imp: 1_000 }];
    expectError(runCli(['price'], { tariff, period: { from: 0, to: 86_400_000 }, intervals }), 'no_price');
  });
});

describe('SPEC §1 "which code" through gridsettle price', () => {
  it('answers an interval energy of 2^53 and an intervalMs of two days with limit_exceeded', () => {
    const base = { tariff: FLAT_TIERED_TARIFF, period: { from: 0, to: 86_400_000 } };
    expectError(runCli(['price'], { ...base, intervals: [{ start: 0, imp: 2 ** 53 }] }), 'limit_exceeded');
    expectError(runCli(['price'], { ...base, intervalMs: 172_800_000, intervals: [] }), 'limit_exceeded');
  });
});

describe('SPEC §7 gridsettle share', () => {
  it('weights, rounds half to even and splits by largest remainder with ties to the lower index', () => {
    const run = runCli(['share'], {
      energyMWh: 10_000, durationMs: 3_600_000, capacityMWh: 100_000, price: '0.31',
      alphaPpm: 500_000, betaPpm: 200_000, cRefPpm: 50_000,
      occupants: [{ id: 'a', share: 3 }, { id: 'b', share: 3 }, { id: 'c', share: 1 }],
    });
    assert.equal(run.status, 0, run.stderr);
    // avgPower = 10 000 × 3 600 000 / 3 600 000 = 10 000 mW; cRate = dod = 10 000 × 10^6 / 100 000 = 100 000 ppm;
    // weight = 10^6 + 500 000 × 50 000 / 10^6 + 200 000 × 100 000 / 10^6 = 1 045 000;
    // base = 10 000 × 310 000 / 10^6 = 3 100 µ; comp = rhe(3 239.5) = 3 240 (ties to even).
    // Split 3:3:1 of 3 240: q = 1 388, 1 388, 462 (sum 3 238); remainders 4, 4, 6 → c, then a (tie with b).
    assert.deepEqual(JSON.parse(run.stdout), {
      avgPowerMilliW: 10_000, cRatePpm: 100_000, dodPpm: 100_000, weightPpm: 1_045_000,
      base: '0.003100', compensation: '0.003240',
      shares: [{ id: 'a', amount: '0.001389' }, { id: 'b', amount: '0.001388' }, { id: 'c', amount: '0.000463' }],
    });
  });

  it('answers 0 or 65 occupants and a share of 0 or 10^6 + 1 with limit_exceeded (SPEC §1 "which code")', () => {
    const event = { energyMWh: 1, durationMs: 1_000, capacityMWh: 1, price: '0.3', alphaPpm: 0, betaPpm: 0, cRefPpm: 0 };
    const crowd = Array.from({ length: 65 }, (_, index) => ({ id: `o${index}`, share: 1 }));
    for (const occupants of [[], crowd, [{ id: 'a', share: 0 }], [{ id: 'a', share: 1_000_001 }]]) {
      expectError(runCli(['share'], { ...event, occupants }), 'limit_exceeded');
    }
  });

  it('rejects a price given as a JSON number with invalid_amount', () => {
    expectError(
      runCli(['share'], {
        energyMWh: 1, durationMs: 1_000, capacityMWh: 1, price: 0.3, alphaPpm: 0, betaPpm: 0, cRefPpm: 0,
        occupants: [{ id: 'a', share: 1 }],
      }),
      'invalid_amount',
    );
  });
});

describe('SPEC §7 command-line contract', () => {
  it('answers input that is not JSON with invalid_input', () => {
    expectError(runCli(['aggregate'], '{"readings": ['), 'invalid_input');
  });

  it('reads at most CLI_INPUT_BYTES_MAX bytes, a limit below V8\'s longest string, and answers more with limit_exceeded', async () => {
    // One UTF-16 unit per byte at most: a text of CLI_INPUT_BYTES_MAX bytes can always be decoded.
    assert.ok(CLI_INPUT_BYTES_MAX <= constants.MAX_STRING_LENGTH);
    // The guard, with the limit configured down to 20 bytes.
    const chunks = () => Readable.from([Buffer.from('{"a":'), Buffer.from('"0123456789"'), Buffer.from('}')]);
    assert.equal(await readBoundedText(chunks(), 18), '{"a":"0123456789"}');
    await assert.rejects(readBoundedText(chunks(), 17), (error: unknown) =>
      error instanceof GridsettleError && error.code === 'limit_exceeded' && /^CLI_INPUT_BYTES_MAX/.test(error.message));
  });

  it('answers an unknown command with exit 2 and the usage', () => {
    const run = runCli(['settle'], '{}');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown command/);
  });
});
