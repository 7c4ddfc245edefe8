// Builders for OCPI 2.2.1 tariffs and CDRs in the tests: only the fields
// the pricing reads, in OCPI's own JSON shapes.
import { priceOcpiCdr } from '../host/ocpi/price.js';
import type { OcpiPriceResult } from '../host/ocpi/price.js';

export type Json = Record<string, unknown>;

export function component(type: string, price: number | string, stepSize = 0, vat?: number): Json {
  return { type, price, step_size: stepSize, ...(vat === undefined ? {} : { vat }) };
}

export function element(components: Json[], restrictions?: Json): Json {
  return { price_components: components, ...(restrictions === undefined ? {} : { restrictions }) };
}

export function tariff(elements: Json[], extra: Json = {}): Json {
  return { id: 'T1', currency: 'EUR', elements, ...extra };
}

/** A charging period: `dimensions` maps a CDR dimension type to its volume. */
export function period(start: string, dimensions: Record<string, number | string>): Json {
  return { start_date_time: start, dimensions: Object.entries(dimensions).map(([type, volume]) => ({ type, volume })) };
}

/** A CDR from its periods; it starts with the first and ends at `end`. */
export function cdr(periods: Json[], end: string, extra: Json = {}): Json {
  return {
    start_date_time: periods[0]!.start_date_time, end_date_time: end, currency: 'EUR',
    cdr_location: { country: 'NLD' }, charging_periods: periods, ...extra,
  };
}

/** Prices in UTC unless a zone is given. */
export function priceIn(tariffJson: Json, cdrJson: Json, timezone = 'UTC'): OcpiPriceResult {
  return priceOcpiCdr({ tariff: tariffJson, cdr: cdrJson, timezone });
}

/** The element index of each period's line of `type`. */
export function elementsOf(result: OcpiPriceResult, type: string): Array<number | null | undefined> {
  return result.periods.map((period) => period.lines.find((line) => line.type === type)?.elementIndex);
}

/** excl. and incl. VAT µ of each period's line of `type`. */
export function costsOf(result: OcpiPriceResult, type: string): Array<[bigint, bigint] | undefined> {
  return result.periods.map((period) => {
    const line = period.lines.find((candidate) => candidate.type === type);
    return line === undefined ? undefined : [line.cost.exclVatMicro, line.cost.inclVatMicro];
  });
}
