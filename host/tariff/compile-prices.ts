// The priced parts of a tariff (SPEC §3): tiers, dynamic series, export,
// demand, fixed and taxes. Decimal strings go through `parseMicro`, so a bad
// or out-of-range one is `invalid_amount`, never rounded.
import { parseMicro, formatMinimal } from '../decimal.js';
import { invalidInput, limitExceeded } from '../errors.js';
import {
  DEMAND_FIXED_PRICE_MICRO_MAX, ENERGY_PRICE_MICRO_MAX, READING_TIME_MS_MAX_EXCLUSIVE, TARIFF_DYNAMIC_PRICES_MAX,
  TARIFF_TAXES_MAX, TARIFF_TIERS_MAX, TARIFF_TIER_BOUND_MWH_MAX, TAX_RATE_PPM_MAX,
} from '../limits.js';
import { expectArray, expectInteger, expectKeys, expectObject, expectString } from './fields.js';
import type { CompiledDynamic, CompiledTax, CompiledTier, LineKind } from './types.js';
import { safeNumber } from '../exact.js';

const LINE_KINDS: readonly LineKind[] = ['energy', 'export', 'demand', 'fixed'];

export function compileEnergyPrice(value: unknown, field: string): { priceMicroPerKWh: bigint; priceText: string } {
  const priceMicroPerKWh = parseMicro(value, field, -ENERGY_PRICE_MICRO_MAX, ENERGY_PRICE_MICRO_MAX);
  return { priceMicroPerKWh, priceText: formatMinimal(priceMicroPerKWh, 6) };
}

/** Tiers of one period: bounds strictly increase, every tier but the last has one. */
export function compileTiers(value: unknown, field: string): CompiledTier[] {
  const tiers = expectArray(value, field);
  if (tiers.length === 0) throw invalidInput(`${field} must hold at least one tier`);
  if (tiers.length > TARIFF_TIERS_MAX) throw limitExceeded('TARIFF_TIERS_MAX', `${field} has ${tiers.length} tiers, at most ${TARIFF_TIERS_MAX}`);
  let previousBoundMWh = 0n;
  return tiers.map((tierValue, index) => {
    const tierField = `${field}[${index}]`;
    const tier = expectObject(tierValue, tierField);
    expectKeys(tier, ['upToKWh', 'price'], tierField);
    const last = index === tiers.length - 1;
    if (last !== (tier.upToKWh === undefined)) {
      throw invalidInput(`${tierField}: every tier but the last has "upToKWh", and the last has none`);
    }
    const price = compileEnergyPrice(tier.price, `${tierField}.price`);
    if (last) return { boundMWh: null, ...price };
    // kWh with 6 decimals is exactly mWh.
    const boundMWh = parseMicro(tier.upToKWh, `${tierField}.upToKWh`, 0n, TARIFF_TIER_BOUND_MWH_MAX);
    if (boundMWh <= previousBoundMWh) throw invalidInput(`${tierField}.upToKWh must be above the previous bound and 0`);
    previousBoundMWh = boundMWh;
    return { boundMWh, ...price };
  });
}

/** The series sorted by strictly increasing `from`; null when absent. */
export function compileDynamic(value: unknown): CompiledDynamic | null {
  if (value === undefined) return null;
  const entries = expectArray(value, 'tariff.dynamic');
  if (entries.length > TARIFF_DYNAMIC_PRICES_MAX) {
    throw limitExceeded('TARIFF_DYNAMIC_PRICES_MAX', `${entries.length} dynamic prices, at most ${TARIFF_DYNAMIC_PRICES_MAX}`);
  }
  const dynamic: CompiledDynamic = { fromMs: [], priceMicroPerKWh: [] };
  entries.forEach((entryValue, index) => {
    const field = `tariff.dynamic[${index}]`;
    const entry = expectObject(entryValue, field);
    expectKeys(entry, ['from', 'price'], field);
    const fromMs = expectInteger(entry.from, `${field}.from`, 0, safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE') - 1);
    if (index > 0 && fromMs <= dynamic.fromMs[index - 1]!) throw invalidInput(`${field}.from must be after the previous entry's`);
    dynamic.fromMs.push(fromMs);
    dynamic.priceMicroPerKWh.push(compileEnergyPrice(entry.price, `${field}.price`).priceMicroPerKWh);
  });
  return dynamic;
}

export function compileExportPrice(value: unknown, field: string): { priceMicroPerKWh: bigint; priceText: string } {
  const exportPrice = expectObject(value, field);
  expectKeys(exportPrice, ['price'], field);
  return compileEnergyPrice(exportPrice.price, `${field}.price`);
}

export function compileDemand(value: unknown): { pricePerKWMicro: bigint; priceText: string } | null {
  if (value === undefined) return null;
  const demand = expectObject(value, 'tariff.demand');
  expectKeys(demand, ['pricePerKW'], 'tariff.demand');
  const pricePerKWMicro = parseMicro(demand.pricePerKW, 'tariff.demand.pricePerKW', 0n, DEMAND_FIXED_PRICE_MICRO_MAX);
  return { pricePerKWMicro, priceText: formatMinimal(pricePerKWMicro, 6) };
}

export function compileFixed(value: unknown): { perDayMicro: bigint; priceText: string } | null {
  if (value === undefined) return null;
  const perDayMicro = parseMicro(value, 'tariff.fixedPerDay', 0n, DEMAND_FIXED_PRICE_MICRO_MAX);
  return { perDayMicro, priceText: formatMinimal(perDayMicro, 6) };
}

export function compileTaxes(value: unknown): CompiledTax[] {
  if (value === undefined) return [];
  const taxes = expectArray(value, 'tariff.taxes');
  if (taxes.length > TARIFF_TAXES_MAX) throw limitExceeded('TARIFF_TAXES_MAX', `${taxes.length} taxes, at most ${TARIFF_TAXES_MAX}`);
  return taxes.map((taxValue, index) => {
    const field = `tariff.taxes[${index}]`;
    const tax = expectObject(taxValue, field);
    expectKeys(tax, ['name', 'rate', 'on'], field);
    const ratePpm = parseMicro(tax.rate, `${field}.rate`, 0n, TAX_RATE_PPM_MAX);
    const on = expectArray(tax.on, `${field}.on`).map((kind, kindIndex) => {
      if (!LINE_KINDS.includes(kind as LineKind)) {
        throw invalidInput(`${field}.on[${kindIndex}] must be one of ${LINE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
      }
      return kind as LineKind;
    });
    return { name: expectString(tax.name, `${field}.name`), ratePpm, rateText: formatMinimal(ratePpm, 6), on: new Set(on) };
  });
}
