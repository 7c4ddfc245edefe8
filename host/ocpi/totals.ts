// Money: each line (one dimension of one period) is its exact rational
// cost rounded half to even to the µ once, excl. VAT and incl. VAT alike
// (incl. VAT from the exact figure, not from the rounded one); totals are
// sums of lines, so the breakdown adds up to them exactly.
import { formatFixed, formatMicro } from '../decimal.js';
import { limitExceeded } from '../errors.js';
import { roundHalfEven } from '../exact.js';
import { OCPI_COST_MICRO_MAX } from './ocpi-limits.js';
import type { DimensionLine } from './step-size.js';
import type { CompiledTariff, MoneyMicro, OcpiDimension, PriceBound } from './types.js';

/** A price excl. and incl. VAT: µ as bigints, and the same as µ amount strings ("5.500000"). */
export interface OcpiAmount {
  exclVatMicro: bigint;
  inclVatMicro: bigint;
  exclVat: string;
  inclVat: string;
}

/** The internal quantity units per priced unit: mWh per kWh, ms per hour, one session. */
const QUANTITY_PER_PRICE_UNIT: Readonly<Record<OcpiDimension, bigint>> = {
  ENERGY: 1_000_000n, TIME: 3_600_000n, PARKING_TIME: 3_600_000n, FLAT: 1n,
};
/** 100 % in millionths of a percent. */
const WHOLE_PERCENT_MICRO = 100_000_000n;

export const ZERO_MONEY: MoneyMicro = { exclVatMicro: 0n, inclVatMicro: 0n };

export function lineCost(line: DimensionLine): MoneyMicro {
  if (line.component === null) return ZERO_MONEY;
  const exactNumerator = line.billedQuantity * line.component.priceMicro;
  const denominator = QUANTITY_PER_PRICE_UNIT[line.dimension];
  const exclVatMicro = roundHalfEven(exactNumerator, denominator);
  const vat = line.component.vatPercentMicro;
  const inclVatMicro = vat === null
    ? exclVatMicro
    : roundHalfEven(exactNumerator * (WHOLE_PERCENT_MICRO + vat), denominator * WHOLE_PERCENT_MICRO);
  return { exclVatMicro, inclVatMicro };
}

function addMoney(left: MoneyMicro, right: MoneyMicro): MoneyMicro {
  return { exclVatMicro: left.exclVatMicro + right.exclVatMicro, inclVatMicro: left.inclVatMicro + right.inclVatMicro };
}

export function sumMoney(amounts: readonly MoneyMicro[]): MoneyMicro {
  return amounts.reduce(addMoney, ZERO_MONEY);
}

export function amountOf(money: MoneyMicro): OcpiAmount {
  return { ...money, exclVat: formatMicro(money.exclVatMicro), inclVat: formatMicro(money.inclVatMicro) };
}

/** Every figure is non-negative, so the session total bounds all of them. */
export function checkCostLimit(total: MoneyMicro): void {
  if (total.inclVatMicro > OCPI_COST_MICRO_MAX || total.exclVatMicro > OCPI_COST_MICRO_MAX) {
    throw limitExceeded('OCPI_COST_MICRO_MAX', `the session costs more than ${OCPI_COST_MICRO_MAX} µ`);
  }
}

export type PriceLimit = 'min_price' | 'max_price' | null;

/**
 * The session's charge under the tariff's min_price / max_price, compared
 * excl. VAT: a bound that applies replaces the whole price (its incl_vat,
 * or its excl_vat when the tariff gives no incl_vat).
 */
export function boundedCharge(cost: MoneyMicro, tariff: CompiledTariff): { charge: MoneyMicro; limit: PriceLimit } {
  const replaceBy = (bound: PriceBound): MoneyMicro => ({ exclVatMicro: bound.exclVatMicro, inclVatMicro: bound.inclVatMicro ?? bound.exclVatMicro });
  if (tariff.minPrice !== null && cost.exclVatMicro < tariff.minPrice.exclVatMicro) return { charge: replaceBy(tariff.minPrice), limit: 'min_price' };
  if (tariff.maxPrice !== null && cost.exclVatMicro > tariff.maxPrice.exclVatMicro) return { charge: replaceBy(tariff.maxPrice), limit: 'max_price' };
  return { charge: cost, limit: null };
}

/** µ rounded half to even to the currency's minor unit, with exactly that many decimals ("1.84"). */
export function formatMinorUnit(micro: bigint, exponent: number): string {
  return formatFixed(roundHalfEven(micro, 10n ** BigInt(6 - exponent)), exponent);
}
