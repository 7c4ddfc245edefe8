// priceOcpiCdr: an OCPI 2.2.1 charging session priced under an OCPI tariff,
// exactly (docs/ocpi.md). Parse → choose the zone → pick each period's
// components → account dimensions and step sizes → money and VAT.
import { formatMinimal } from '../decimal.js';
import { GridsettleError, invalidInput } from '../errors.js';
import { roundHalfEven, safeNumber } from '../exact.js';
import { expectKeys, expectObject } from '../tariff/fields.js';
import { parseSession } from './cdr.js';
import { selectComponents } from './elements.js';
import type { PeriodComponents } from './elements.js';
import { accountDimensions } from './step-size.js';
import type { DimensionLine, SessionQuantities } from './step-size.js';
import { parseTariff, tariffInForce } from './tariff.js';
import { amountOf, boundedCharge, chargeInMinorUnits, checkCostLimit, lineCost, sumMoney, ZERO_MONEY } from './totals.js';
import type { OcpiAmount, PriceLimit } from './totals.js';
import type { ChargingSession, CompiledTariff, MoneyMicro, OcpiDimension } from './types.js';
import { chooseTimezone } from './zone.js';
import type { TimezoneSource } from './zone.js';

export type { OcpiAmount, PriceLimit } from './totals.js';
export type { OcpiDimension } from './types.js';
export type { TimezoneSource } from './zone.js';

export interface OcpiPriceInput {
  /** An OCPI 2.2.1 Tariff. Without it, the first of the CDR's own `tariffs` in force at the session start. */
  tariff?: unknown;
  /** An OCPI 2.2.1 CDR, or (as `session`) a finished OCPI Session with the same fields. */
  cdr?: unknown;
  session?: unknown;
  /** IANA zone the restrictions are read in; overrides the location's. */
  timezone?: string;
}

/** One dimension of one period. */
export interface OcpiPriceLine {
  type: OcpiDimension;
  unit: 'mWh' | 'ms' | 'session';
  /** As the CDR gives it (FLAT: 1). */
  quantity: number;
  /** With this line's share of the step-size round-up. */
  billedQuantity: number;
  /** The tariff element whose component priced the line; null: nothing prices it (free). */
  elementIndex: number | null;
  /** The component's price (per kWh, per hour or per session) and VAT percentage, minimal decimals. */
  price: string | null;
  vat: string | null;
  stepSize: number | null;
  cost: OcpiAmount;
}

export interface OcpiPeriodPrice {
  startMs: number;
  endMs: number;
  /** The start in the zone restrictions were read in. */
  startLocal: string;
  lines: OcpiPriceLine[];
  cost: OcpiAmount;
}

type OcpiPrice = { excl_vat: string; incl_vat: string };

export interface OcpiPriceResult {
  tariffId: string | null;
  currency: string;
  timezone: string;
  timezoneSource: TimezoneSource;
  /** The CDR totals: sums of the lines (min_price / max_price are not in them; see `charge`). */
  totals: Record<'cost' | 'energyCost' | 'timeCost' | 'parkingTimeCost' | 'fixedCost' | 'reservationCost', OcpiAmount>;
  /** What the session is charged: `totals.cost` within the tariff's min_price / max_price, also in the currency's minor unit. */
  charge: OcpiAmount & { limit: PriceLimit; exclVatMinor: string; inclVatMinor: string };
  quantities: Record<keyof SessionQuantities | 'sessionTimeMs', number>;
  /** The same totals as OCPI CDR fields: money as µ amounts, kWh exact, hours rounded half to even to 6 decimals. */
  cdr: {
    total_cost: OcpiPrice; total_fixed_cost: OcpiPrice; total_energy: string; total_energy_cost: OcpiPrice;
    total_time: string; total_time_cost: OcpiPrice; total_parking_time: string; total_parking_cost: OcpiPrice;
    total_reservation_cost: OcpiPrice;
  };
  periods: OcpiPeriodPrice[];
  /** `periods_outside_start_end_date_time`: the first period starts before the CDR's start_date_time. */
  warnings: string[];
}

export function priceOcpiCdr(input: OcpiPriceInput): OcpiPriceResult {
  const request = expectObject(input, 'input');
  expectKeys(request, ['tariff', 'cdr', 'session', 'timezone'], 'input');
  if ((request.cdr === undefined) === (request.session === undefined)) throw invalidInput('input must hold exactly one of cdr and session');
  const field = request.cdr === undefined ? 'session' : 'cdr';
  const session = parseSession(request[field], field);
  const tariff = chooseTariff(request.tariff, session, field);
  if (session.currency !== null && session.currency !== tariff.currency) {
    throw invalidInput(`${field}.currency ${session.currency} differs from the tariff's ${tariff.currency}`);
  }
  const zone = chooseTimezone(request.timezone, session.locationTimezone, session.country);
  const selected = selectComponents(tariff, session, zone.timezone);
  const { lines, quantities } = accountDimensions(selected);
  if (quantities.reservationTimeMs > 0n && tariff.elements.some((element) => element.restrictions.reservation !== null)) {
    throw invalidInput(`${field} has RESERVATION_TIME and the tariff prices reservations, which this engine does not price`);
  }
  const costs = lines.map((periodLines) => periodLines.map(lineCost));
  const total = sumMoney(costs.flat());
  checkCostLimit(total);
  const totals = dimensionTotals(lines, costs);
  const { charge, limit } = boundedCharge(total, tariff);
  const sessionTimeMs = BigInt(session.periods[session.periods.length - 1]!.endMs - session.periods[0]!.startMs);
  return {
    tariffId: tariff.id,
    currency: tariff.currency,
    timezone: zone.timezone,
    timezoneSource: zone.source,
    totals,
    charge: { ...amountOf(charge), limit, ...chargeInMinorUnits(lines.flat(), charge, limit, tariff.currency) },
    quantities: { ...quantitiesAsNumbers(quantities), sessionTimeMs: safeNumber(sessionTimeMs, 'sessionTimeMs') },
    cdr: cdrFields(totals, quantities, sessionTimeMs),
    periods: selected.map((period, index) => periodPrice(period, lines[index]!, costs[index]!)),
    warnings: session.periods[0]!.startMs < session.startMs ? ['periods_outside_start_end_date_time'] : [],
  };
}

function chooseTariff(given: unknown, session: ChargingSession, field: string): CompiledTariff {
  const candidates = given !== undefined
    ? [parseTariff(given, 'tariff')]
    : session.embeddedTariffs.map((tariff, index) => parseTariff(tariff, `${field}.tariffs[${index}]`));
  if (candidates.length === 0) throw invalidInput(`no tariff: give tariff, or a ${field} with tariffs`);
  const inForce = candidates.find((tariff) => tariffInForce(tariff, session.startMs));
  if (inForce === undefined) throw new GridsettleError('no_price', `no tariff is in force at the session start ${new Date(session.startMs).toISOString()}`);
  return inForce;
}

const TOTAL_OF: ReadonlyArray<[keyof OcpiPriceResult['totals'], OcpiDimension]> = [
  ['energyCost', 'ENERGY'], ['timeCost', 'TIME'], ['parkingTimeCost', 'PARKING_TIME'], ['fixedCost', 'FLAT'],
];

function dimensionTotals(lines: DimensionLine[][], costs: MoneyMicro[][]): OcpiPriceResult['totals'] {
  const allLines = lines.flat();
  const allCosts = costs.flat();
  const byDimension = TOTAL_OF.map(([name, dimension]) =>
    [name, amountOf(sumMoney(allCosts.filter((_, index) => allLines[index]!.dimension === dimension)))]);
  return {
    cost: amountOf(sumMoney(allCosts)), ...Object.fromEntries(byDimension), reservationCost: amountOf(ZERO_MONEY),
  } as OcpiPriceResult['totals'];
}

function quantitiesAsNumbers(quantities: SessionQuantities): Record<keyof SessionQuantities, number> {
  return Object.fromEntries(Object.entries(quantities).map(([name, value]: [string, bigint]) => [name, safeNumber(value, name)])) as Record<keyof SessionQuantities, number>;
}

const UNIT_OF: Readonly<Record<OcpiDimension, OcpiPriceLine['unit']>> = { ENERGY: 'mWh', TIME: 'ms', PARKING_TIME: 'ms', FLAT: 'session' };

function periodPrice({ period, startLocal }: PeriodComponents, lines: DimensionLine[], costs: MoneyMicro[]): OcpiPeriodPrice {
  return {
    startMs: period.startMs,
    endMs: period.endMs,
    startLocal,
    lines: lines.map((line, index) => ({
      type: line.dimension,
      unit: UNIT_OF[line.dimension],
      quantity: safeNumber(line.quantity, 'quantity'),
      billedQuantity: safeNumber(line.billedQuantity, 'billedQuantity'),
      elementIndex: line.component?.elementIndex ?? null,
      price: line.component === null ? null : formatMinimal(line.component.priceMicro, 6),
      vat: line.component?.vatPercentMicro == null ? null : formatMinimal(line.component.vatPercentMicro, 6),
      stepSize: line.component?.stepSize ?? null,
      cost: amountOf(costs[index]!),
    })),
    cost: amountOf(sumMoney(costs)),
  };
}

const MS_PER_HOUR = 3_600_000n;

function cdrFields(totals: OcpiPriceResult['totals'], quantities: SessionQuantities, sessionTimeMs: bigint): OcpiPriceResult['cdr'] {
  const price = (amount: OcpiAmount): OcpiPrice => ({ excl_vat: amount.exclVat, incl_vat: amount.inclVat });
  const hours = (durationMs: bigint): string => formatMinimal(roundHalfEven(durationMs * 1_000_000n, MS_PER_HOUR), 6);
  return {
    total_cost: price(totals.cost),
    total_fixed_cost: price(totals.fixedCost),
    total_energy: formatMinimal(quantities.energyMWh, 6),
    total_energy_cost: price(totals.energyCost),
    total_time: hours(sessionTimeMs),
    total_time_cost: price(totals.timeCost),
    total_parking_time: hours(quantities.parkingTimeMs),
    total_parking_cost: price(totals.parkingTimeCost),
    total_reservation_cost: price(totals.reservationCost),
  };
}
