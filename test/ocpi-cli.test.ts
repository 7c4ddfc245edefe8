// SPEC §7 gridsettle ocpi-price: the input object on stdin or the tariff and
// CDR as files, JSON out (µ as integers), exit 2 with {error} on bad input;
// and docs/ocpi.md's example is what the command prints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));
const TARIFF_FILE = 'docs/examples/ocpi-tariff.json';
const CDR_FILE = 'docs/examples/ocpi-cdr.json';

interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], input = ''): CliRun {
  const result = spawnSync(process.execPath, [CLI, 'ocpi-price', ...args], { cwd: ROOT, input, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function outputOf(run: CliRun): Record<string, any> {
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, any>;
}

function expectError(run: CliRun, code: string, messagePart: string): void {
  assert.equal(run.status, 2, `exit status; stderr: ${run.stderr}`);
  assert.equal(run.stdout, '');
  const body = JSON.parse(run.stderr) as { error: { code: string; message: string } };
  assert.equal(body.error.code, code, body.error.message);
  assert.match(body.error.message, new RegExp(messagePart));
}

const STDIN_INPUT = {
  tariff: { id: 'T', currency: 'EUR', elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 10, step_size: 1 }], restrictions: { start_time: '12:00', end_time: '13:00' } }, { price_components: [{ type: 'ENERGY', price: 0.4, step_size: 1 }] }] },
  cdr: {
    start_date_time: '2026-01-05T11:30:00Z', end_date_time: '2026-01-05T12:30:00Z', cdr_location: { country: 'NLD' },
    charging_periods: [{ start_date_time: '2026-01-05T11:30:00Z', dimensions: [{ type: 'ENERGY', volume: 20 }] }],
  },
};

describe('SPEC §7 gridsettle ocpi-price', () => {
  it('prices the stdin input in the country zone, with µ as JSON integers', () => {
    // 11:30Z is 12:30 in Amsterdam (CET): element 0, 20 kWh × 0.25 = 5.00, × 1.10 = 5.50.
    const result = outputOf(runCli([], JSON.stringify(STDIN_INPUT)));
    assert.deepEqual([result.timezone, result.periods[0].lines[0].elementIndex], ['Europe/Amsterdam', 0]);
    assert.deepEqual(result.totals.cost, { exclVatMicro: 5_000_000, inclVatMicro: 5_500_000, exclVat: '5.000000', inclVat: '5.500000' });
  });

  it('--timezone overrides the input: 11:30 UTC is outside 12:00–13:00', () => {
    // Element 1: 20 kWh × 0.40 = 8.00, no VAT.
    const result = outputOf(runCli(['--timezone', 'UTC'], JSON.stringify(STDIN_INPUT)));
    assert.deepEqual([result.timezoneSource, result.charge.exclVatMinor, result.charge.inclVatMinor], ['input', '8.00', '8.00']);
  });

  it('reads --tariff and --cdr files and prints what docs/ocpi.md shows', () => {
    const shown = /```console\n\$ npx gridsettle ocpi-price --tariff (\S+) --cdr (\S+)\n([\s\S]*?)\n```/.exec(readFileSync(`${ROOT}docs/ocpi.md`, 'utf8'));
    assert.ok(shown !== null, 'docs/ocpi.md has the ocpi-price example');
    const result = outputOf(runCli(['--tariff', shown[1]!, '--cdr', shown[2]!]));
    assert.deepEqual(result, JSON.parse(shown[3]!));
    // Night 8.7 kWh × 0.45 = 3.915; day (11.237 + 0.063 step) × 0.59 = 6.667; start fee 0.49;
    // parking 21 → 25 min × 6.00/h = 2.50: 13.572 excl., every line × 1.19 = 16.15068 incl.
    assert.deepEqual([result.cdr.total_cost, result.charge.inclVatMinor], [{ excl_vat: '13.572000', incl_vat: '16.150680' }, '16.15']);
  });

  it('answers bad input with exit 2 and the code', () => {
    const priceWithSevenDecimals = structuredClone(STDIN_INPUT);
    priceWithSevenDecimals.tariff.elements[1]!.price_components[0]!.price = 0.4000001;
    expectError(runCli([], JSON.stringify(priceWithSevenDecimals)), 'invalid_amount', 'whole number of µ');
    expectError(runCli(['--timezone'], '{}'), 'invalid_input', '--timezone needs a value');
    expectError(runCli(['--tarif', TARIFF_FILE, '--cdr', CDR_FILE]), 'invalid_input', 'unknown option "--tarif"');
    expectError(runCli(['--tariff', TARIFF_FILE, '--cdr', 'docs/examples/missing.json']), 'invalid_input', 'cannot be read');
    expectError(runCli(['--tariff', 'README.md', '--cdr', CDR_FILE]), 'invalid_input', 'not valid JSON');
    expectError(runCli([], '[]'), 'invalid_input', 'JSON object');
  });
});
