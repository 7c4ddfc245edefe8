// Money: each line (one dimension of one period) is its exact rational
// cost rounded half to even to the µ once, excl. VAT and incl. VAT alike
// (incl. VAT from the exact figure, not from the rounded one); totals are
// sums of lines, so the breakdown adds up to them exactly. What the session
// is charged in the currency's minor unit is the exact sum of the lines
// rounded once (SPEC §5 posting rule), not the sum of the µ lines rounded
// again.
import { formatMinorAmount } from '../currency.js';
import { formatMicro } from '../decimal.js';
import { limitExceeded } from '../errors.js';
import { roundHalfEven } from '../exact.js';
import { minorUnitOf, postingAmount, sumExact, type ExactMicro } from '../ledger/posting.js';
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

/** A line's cost excl. and incl. VAT, exact µ. */
export interface ExactCost {
  exclVat: ExactMicro;
  inclVat: ExactMicro;
}

const ZERO_EXACT: ExactMicro = { numerator: 0n, denominator: 1n };

export function exactLineCost(line: DimensionLine): ExactCost {
  if (line.component === null) return { exclVat: ZERO_EXACT, inclVat: ZERO_EXACT };
  const numerator = line.billedQuantity * line.component.priceMicro;
  const denominator = QUANTITY_PER_PRICE_UNIT[line.dimension];
  const vat = line.component.vatPercentMicro;
  const exclVat = { numerator, denominator };
  const inclVat = vat === null ? exclVat : { numerator: numerator * (WHOLE_PERCENT_MICRO + vat), denominator: denominator * WHOLE_PERCENT_MICRO };
  return { exclVat, inclVat };
}

export function lineCost(line: DimensionLine): MoneyMicro {
  const { exclVat, inclVat } = exactLineCost(line);
  return { exclVatMicro: roundHalfEven(exclVat.numerator, exclVat.denominator), inclVatMicro: roundHalfEven(inclVat.numerator, inclVat.denominator) };
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

/**
 * The charge in the currency's minor unit ("1.84"): the exact sum of the
 * lines rounded once, or, where a bound replaced the price, the bound.
 */
export function chargeInMinorUnits(lines: readonly DimensionLine[], charge: MoneyMicro, limit: PriceLimit, currency: string): { exclVatMinor: string; inclVatMinor: string } {
  const costs = lines.map(exactLineCost);
  const exact = limit === null
    ? { exclVat: sumExact(costs.map((cost) => cost.exclVat)), inclVat: sumExact(costs.map((cost) => cost.inclVat)) }
    : { exclVat: { numerator: charge.exclVatMicro, denominator: 1n }, inclVat: { numerator: charge.inclVatMicro, denominator: 1n } };
  const unit = minorUnitOf(currency);
  return {
    exclVatMinor: formatMinorAmount(postingAmount({ ...exact.exclVat, unit }), currency),
    inclVatMinor: formatMinorAmount(postingAmount({ ...exact.inclVat, unit }), currency),
  };
}
