// SPEC §7 ocpi-price against every case of ../shared/conformance/ocpi/, read
// where it lies, compared the way ../shared/conformance/README.md §1 says:
// - a case with expected.json comes from the Codeberg harness: the zone is
//   detected from the CDR's country, the tariff is the CDR's own when there is
//   no tariff.json, and expected.json's fields are compared (money at 2 dp,
//   hours at 4 dp) with its warnings;
// - every other case comes from the tandemdrive harness: UTC local time, and
//   the CDR's own nine total_* fields compared at 4 dp (absent prices are 0).
// Expected decimals are read with decimal.js, not with the engine's parser.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { priceOcpiCdr } from '../host/ocpi/price.js';
import type { OcpiPriceInput, OcpiPriceResult } from '../host/ocpi/price.js';
import { conformancePath } from './conformance.js';

const OCPI_DIR = conformancePath('ocpi');

type Json = Record<string, unknown>;
type CdrField = keyof OcpiPriceResult['cdr'];

const PRICE_FIELDS: readonly CdrField[] = [
  'total_cost', 'total_energy_cost', 'total_time_cost', 'total_parking_cost', 'total_reservation_cost', 'total_fixed_cost',
];
const QUANTITY_FIELDS: readonly CdrField[] = ['total_energy', 'total_time', 'total_parking_time'];

function readJson(path: string): Json {
  return JSON.parse(readFileSync(path, 'utf8')) as Json;
}

/** `value` rounded half to even to `decimals` places, as fixed-point text. */
function atScale(value: unknown, decimals: number): string {
  return new Decimal(String(value ?? 0)).toDecimalPlaces(decimals, Decimal.ROUND_HALF_EVEN).toFixed(decimals);
}

/** Each field as {excl, incl} or a quantity, every figure at its scale. */
function figures(source: Json, fields: readonly CdrField[], decimalsOf: (field: CdrField) => number): Json {
  return Object.fromEntries(fields.map((field) => {
    const value = source[field];
    if (!PRICE_FIELDS.includes(field)) return [field, atScale(value, decimalsOf(field))];
    const price = (value ?? {}) as Json;
    return [field, { excl_vat: atScale(price.excl_vat, decimalsOf(field)), incl_vat: atScale(price.incl_vat, decimalsOf(field)) }];
  }));
}

function casesOf(folder: string): Array<{ name: string; input: OcpiPriceInput; check: (result: OcpiPriceResult) => void }> {
  const directory = join(OCPI_DIR, folder);
  const tariffPath = join(directory, 'tariff.json');
  const tariff = existsSync(tariffPath) ? { tariff: readJson(tariffPath) } : {};
  const expectedPath = join(directory, 'expected.json');
  return readdirSync(directory).filter((file) => /^cdr.*\.json$/.test(file)).sort().map((file) => {
    const cdr = readJson(join(directory, file));
    if (existsSync(expectedPath)) {
      const expected = readJson(expectedPath);
      const fields = Object.keys(expected).filter((key) => key.startsWith('total_')) as CdrField[];
      const decimalsOf = (field: CdrField): number => (PRICE_FIELDS.includes(field) ? 2 : 4);
      return {
        name: `${folder}/${file}: ${fields.join(', ')} and warnings as expected.json (zone from the CDR's country)`,
        input: { ...tariff, cdr },
        check: (result) => {
          assert.equal(result.timezoneSource, 'country');
          assert.deepEqual(figures(result.cdr, fields, decimalsOf), figures(expected, fields, decimalsOf));
          assert.deepEqual(result.warnings, expected.warnings);
        },
      };
    }
    const fields = [...PRICE_FIELDS, ...QUANTITY_FIELDS];
    return {
      name: `${folder}/${file}: the nine CDR total_* fields at 4 dp (UTC)`,
      input: { ...tariff, cdr, timezone: 'UTC' },
      check: (result) => assert.deepEqual(figures(result.cdr, fields, () => 4), figures(cdr, fields, () => 4)),
    };
  });
}

describe('SPEC §7 ocpi-price: OCPI 2.2.1 conformance cases', () => {
  const folders = readdirSync(OCPI_DIR, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();

  it('finds the case folders', () => {
    assert.ok(folders.length > 0, `no case folders under ${OCPI_DIR}`);
  });

  for (const folder of folders) {
    for (const { name, input, check } of casesOf(folder)) {
      it(name, () => check(priceOcpiCdr(input)));
    }
  }
});
