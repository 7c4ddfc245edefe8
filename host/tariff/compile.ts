// A tariff JSON into its compiled numeric form, once per tariff object:
// pricing 1 000 meters under one tariff parses it once. (A tariff object
// mutated after its first use keeps its first compiled form.)
import { currencyExponent } from '../currency.js';
import { invalidInput } from '../errors.js';
import { compileDemand, compileDynamic, compileExportPrice, compileFixed, compileTaxes, compileTiers } from './compile-prices.js';
import { compilePeriodNames, compileSchedule } from './compile-schedule.js';
import { expectKeys, expectObject, expectString } from './fields.js';
import { buildKernelTable } from './kernel-layout.js';
import { checkTimezone } from './timezone.js';
import type { CompiledTariff, CompiledTier } from './types.js';

const TARIFF_KEYS = [
  'id', 'currency', 'timezone', 'periods', 'schedule', 'energy', 'dynamic', 'export', 'demand', 'fixedPerDay', 'taxes',
];

const compiled = new WeakMap<object, CompiledTariff>();

/** The compiled form of `tariff` (cached per object); invalid_input / invalid_amount / limit_exceeded otherwise. */
export function compileTariff(tariff: unknown): CompiledTariff {
  const object = expectObject(tariff, 'tariff');
  let result = compiled.get(object);
  if (result === undefined) {
    result = compileUncached(object);
    compiled.set(object, result);
  }
  return result;
}

function compileUncached(tariff: Record<string, unknown>): CompiledTariff {
  expectKeys(tariff, TARIFF_KEYS, 'tariff');
  const id = expectString(tariff.id, 'tariff.id');
  const currency = expectString(tariff.currency, 'tariff.currency');
  const exponent = currencyExponent(currency);
  const timezone = expectString(tariff.timezone, 'tariff.timezone');
  checkTimezone(timezone);
  const periodNames = compilePeriodNames(tariff.periods);
  const tiers = compileEnergy(tariff.energy, periodNames);
  const tierStart: number[] = [];
  let tierTotal = 0;
  for (const periodTiers of tiers) {
    tierStart.push(tierTotal);
    tierTotal += periodTiers.length;
  }
  const exportPrices = compileExport(tariff.export, periodNames);
  const result: Omit<CompiledTariff, 'kernelTable'> = {
    id, currency, currencyExponent: exponent, timezone, periodNames,
    schedule: compileSchedule(tariff.schedule, periodNames),
    tiers, tierStart, tierTotal, exportPrices,
    dynamic: compileDynamic(tariff.dynamic),
    demand: compileDemand(tariff.demand),
    fixed: compileFixed(tariff.fixedPerDay),
    taxes: compileTaxes(tariff.taxes),
  };
  return { ...result, kernelTable: buildKernelTable(result) };
}

/** A per-period map, or for the implicit period a bare value; keys must name periods. */
function byPeriod(value: unknown, periodNames: Array<string | null>, field: string): unknown[] {
  if (value === undefined) return periodNames.map(() => undefined);
  if (periodNames[0] === null) return [value];
  const map = expectObject(value, field);
  for (const key of Object.keys(map)) {
    if (!periodNames.includes(key)) throw invalidInput(`${field} names ${JSON.stringify(key)}, which is not in tariff.periods`);
  }
  return periodNames.map((name) => (Object.hasOwn(map, name!) ? map[name!] : undefined));
}

function compileEnergy(value: unknown, periodNames: Array<string | null>): CompiledTier[][] {
  return byPeriod(value, periodNames, 'tariff.energy').map((tiers, index) => {
    if (tiers === undefined) return [];
    const name = periodNames[index];
    return compileTiers(tiers, name === null ? 'tariff.energy' : `tariff.energy.${name}`);
  });
}

function compileExport(value: unknown, periodNames: Array<string | null>): CompiledTariff['exportPrices'] {
  return byPeriod(value, periodNames, 'tariff.export').map((exportPrice, index) => {
    if (exportPrice === undefined) return null;
    const name = periodNames[index];
    return compileExportPrice(exportPrice, name === null ? 'tariff.export' : `tariff.export.${name}`);
  });
}
