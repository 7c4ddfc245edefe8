// SPEC §5 posting rule, the one place a flow or a settlement turns an exact
// figure into a ledger amount: the exact rational is rounded once, half to
// even, to its posting unit (the currency's minor unit for anything billed
// or paid, µ only where SPEC §4 computes in µ); a figure split between
// several accounts is split by largest remainder of the rounded whole.
import { microPerMinorUnit } from '../currency.js';
import { roundHalfEven } from '../exact.js';

/** `minor`: the currency's minor unit (billed or paid); `micro`: µ (SPEC §4 shares and what derives from them). */
export type PostingUnit = { kind: 'minor'; currency: string } | { kind: 'micro' };

/** An exact amount in µ: `numerator / denominator` µ, denominator > 0. */
export interface ExactMicro {
  numerator: bigint;
  denominator: bigint;
}

const MICRO_UNIT = 1n;
/** mWh × µ/kWh is µ × 10^6 (10^6 mWh in a kWh). */
const MWH_PER_KWH = 1_000_000n;

export const MICRO: PostingUnit = { kind: 'micro' };

export function minorUnitOf(currency: string): PostingUnit {
  return { kind: 'minor', currency };
}

/** µ in one posting unit (EUR minor 10 000, JPY minor 1 000 000, µ 1). */
export function postingUnitMicro(unit: PostingUnit): bigint {
  return unit.kind === 'micro' ? MICRO_UNIT : microPerMinorUnit(unit.currency);
}

/** rhe(exact / unit) × unit: the ledger amount in µ, a whole number of posting units, rounded once. */
export function postingAmount(exact: ExactMicro & { unit: PostingUnit }): bigint {
  const unitMicro = postingUnitMicro(exact.unit);
  return roundHalfEven(exact.numerator, exact.denominator * unitMicro) * unitMicro;
}

/** The exact µ of `energyMWh` at `priceMicroPerKWh` (either may be negative). */
export function energyValue(energyMWh: bigint, priceMicroPerKWh: bigint): ExactMicro {
  return { numerator: energyMWh * priceMicroPerKWh, denominator: MWH_PER_KWH };
}

/** What `energyMWh` at `priceMicroPerKWh` posts in `unit`. */
export function energyPostingAmount(energyMWh: bigint, priceMicroPerKWh: bigint, unit: PostingUnit): bigint {
  return postingAmount({ ...energyValue(energyMWh, priceMicroPerKWh), unit });
}

/** Σ of exact amounts, over the least common multiple of their denominators. */
export function sumExact(parts: readonly ExactMicro[]): ExactMicro {
  const denominator = parts.reduce((common, part) => common * part.denominator / gcd(common, part.denominator), 1n);
  const numerator = parts.reduce((sum, part) => sum + part.numerator * (denominator / part.denominator), 0n);
  return { numerator, denominator };
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

/**
 * Checks that `amountMicro` is already a whole number of posting units (an
 * amount SPEC rounds by its own rule, such as a §3 statement total) and
 * returns it; anything else is a bug upstream, not a figure to round again.
 */
export function wholePostingAmount(amountMicro: bigint, unit: PostingUnit): bigint {
  const unitMicro = postingUnitMicro(unit);
  if (amountMicro % unitMicro !== 0n) throw new RangeError(`posting: ${amountMicro} µ is not a whole number of ${unitMicro} µ posting units`);
  return amountMicro;
}

/**
 * `wholeMicro` (a whole number of `unitMicro`, ≥ 0) split in proportion to
 * `weights` (≥ 0, Σ > 0): `q_i = floor(W·w_i / S)` units, and the units left
 * go one each to the largest remainders `(W·w_i) mod S`, ties to the lower
 * index (SPEC §4's split). Σ parts = the whole, each within one unit of its
 * exact share.
 */
export function largestRemainderSplit(wholeMicro: bigint, weights: readonly bigint[], unitMicro: bigint): bigint[] {
  if (wholeMicro < 0n || wholeMicro % unitMicro !== 0n) throw new RangeError(`largestRemainderSplit: ${wholeMicro} µ is not a whole number of ${unitMicro} µ units ≥ 0`);
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0n);
  if (totalWeight <= 0n || weights.some((weight) => weight < 0n)) throw new RangeError('largestRemainderSplit: weights must be ≥ 0 with a positive sum');
  const wholeUnits = wholeMicro / unitMicro;
  const units = weights.map((weight) => (wholeUnits * weight) / totalWeight);
  const remainders = weights.map((weight) => (wholeUnits * weight) % totalWeight);
  let leftUnits = wholeUnits - units.reduce((sum, part) => sum + part, 0n);
  // Array sort is stable: equal remainders keep the lower index first.
  const order = weights.map((_, index) => index).sort((a, b) => (remainders[a]! === remainders[b]! ? 0 : remainders[a]! > remainders[b]! ? -1 : 1));
  for (const index of order) {
    if (leftUnits === 0n) break;
    units[index]! += 1n;
    leftUnits -= 1n;
  }
  return units.map((part) => part * unitMicro);
}
