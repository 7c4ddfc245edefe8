// S1 sessions under an OCPI 2.2.1 tariff (docs/flows.md "OCPI tariffs at
// charge points"), independent of HTTP: the tariff attached to a charge point
// is checked with the OCPI module and kept as JSON without floats; a closed
// session's metered 15-minute intervals become an OCPI CDR, which
// `priceOcpiCdr` prices; the driver pays its `charge` incl. VAT.
import { formatMinimal, parseMicro } from '../../decimal.js';
import { roundHalfEven, safeNumber } from '../../exact.js';
import { EV_OFFER_SLOT_GRID_MS, LEDGER_AMOUNT_MICRO_MAX } from '../../limits.js';
import { priceOcpiCdr, type PriceLimit } from '../../ocpi/price.js';
import { parseTariff } from '../../ocpi/tariff.js';
import type { CompiledTariff } from '../../ocpi/types.js';
import { checkTimezone } from '../../tariff/timezone.js';
import { FlowError } from '../errors.js';
import type { PricedEnergy } from './rules.js';

/** An OCPI 2.2.1 Tariff attached to a charge point; `timezone` is the charge point's, the zone its restrictions are read in (else UTC). */
export interface OcpiTariffAttachment {
  kind: 'ocpi';
  ocpi: Record<string, unknown>;
  timezone?: string;
}

/** Metered energy per grid interval, with the aggregation's flags (SPEC §2). */
export interface MeteredIntervals {
  start: BigInt64Array;
  energyMWh: BigInt64Array;
  flags: Uint8Array;
}

export interface SessionWindow {
  startMs: number;
  endMs: number;
}

/** What the session record keeps of the OCPI pricing. */
export interface OcpiSettlementSummary {
  tariffId: string | null;
  tariffVersion: number;
  timezone: string;
  periods: number;
  /** The CDR total_cost: the sum of the priced lines, µ amounts. */
  totalCost: { exclVat: string; inclVat: string };
  /** What the session is charged: total_cost within min_price / max_price (`limit` names the bound applied). */
  charge: { exclVat: string; inclVat: string; exclVatMinor: string; inclVatMinor: string; limit: PriceLimit };
  billedEnergyMWh: number;
  chargingTimeMs: number;
  billedChargingTimeMs: number;
  parkingTimeMs: number;
  billedParkingTimeMs: number;
}

export interface OcpiPricedSession extends PricedEnergy {
  ocpi: OcpiSettlementSummary;
}

/** RESET, SPIKE and GAP (SPEC §2 flags 2, 4, 8): the row only marks where an excluded pair ended. */
const EXCLUDED_PAIR_FLAGS = 2 | 4 | 8;
/** 0.0001 h: OCPI hours rounded to 4 decimals are whole multiples of 360 ms. */
const MS_PER_TEN_THOUSANDTH_HOUR = 360n;

/**
 * Checks an OCPI tariff with the OCPI module (its codes: invalid_input,
 * invalid_amount, limit_exceeded) and the zone, and returns the attachment to
 * store: the same tariff with its fractional JSON numbers as decimal strings
 * (the same digits: the parser has just refused any it could not read
 * exactly, and reads both forms), so no float is ever stored.
 */
export function checkOcpiAttachment(ocpi: unknown, timezone: string | undefined): { attachment: OcpiTariffAttachment; tariff: CompiledTariff } {
  const tariff = parseTariff(ocpi, 'tariff.ocpi');
  if (timezone !== undefined) checkTimezone(timezone);
  const stored = decimalsAsStrings(ocpi) as Record<string, unknown>;
  return { attachment: timezone === undefined ? { kind: 'ocpi', ocpi: stored } : { kind: 'ocpi', ocpi: stored, timezone }, tariff };
}

function decimalsAsStrings(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(decimalsAsStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, decimalsAsStrings(entry)]));
  }
  return value;
}

/** A duration as OCPI hours, rounded half to even to 4 decimals (whole ms, as the OCPI parser requires). */
export function ocpiHours(durationMs: bigint): string {
  return formatMinimal(roundHalfEven(durationMs, MS_PER_TEN_THOUSANDTH_HOUR), 4);
}

/**
 * The OCPI CDR of a metered session: one charging period per metered
 * interval, clipped to the window; ENERGY its energy in kWh (exact), and TIME
 * (energy > 0) or PARKING_TIME (none) its clipped duration in hours. A
 * zero-energy row that only marks an excluded pair (gap, spike, reset) is not
 * metered time. The zone goes in `cdr_location.time_zone`.
 */
export function sessionCdr(
  intervals: MeteredIntervals, window: SessionWindow, currency: string, timezone: string | undefined, intervalMs = EV_OFFER_SLOT_GRID_MS,
): Record<string, unknown> {
  const periods: Array<Record<string, unknown>> = [];
  intervals.start.forEach((start, index) => {
    const energyMWh = intervals.energyMWh[index]!;
    if (energyMWh === 0n && (intervals.flags[index]! & EXCLUDED_PAIR_FLAGS) !== 0) return;
    const fromMs = Math.max(safeNumber(start, 'start'), window.startMs);
    const toMs = Math.min(safeNumber(start, 'start') + intervalMs, window.endMs);
    if (toMs <= fromMs) return;
    const hours = ocpiHours(BigInt(toMs - fromMs));
    const dimensions = energyMWh === 0n
      ? [{ type: 'PARKING_TIME', volume: hours }]
      : [{ type: 'ENERGY', volume: formatMinimal(energyMWh, 6) }, { type: 'TIME', volume: hours }];
    periods.push({ start_date_time: new Date(fromMs).toISOString(), dimensions });
  });
  if (periods.length === 0) throw new FlowError('session_no_readings', `no metered interval lies in [${window.startMs}, ${window.endMs}]`);
  return {
    start_date_time: new Date(window.startMs).toISOString(),
    end_date_time: new Date(window.endMs).toISOString(),
    currency,
    ...(timezone === undefined ? {} : { cdr_location: { time_zone: timezone } }),
    charging_periods: periods,
  };
}

/** Prices the metered session under the attached tariff; the amount is the charge incl. VAT in the currency's minor unit. */
export function priceOcpiSession(
  attachment: OcpiTariffAttachment, tariffVersion: number, intervals: MeteredIntervals, window: SessionWindow,
): OcpiPricedSession {
  const currency = String(attachment.ocpi.currency);
  const result = priceOcpiCdr({ tariff: attachment.ocpi, cdr: sessionCdr(intervals, window, currency, attachment.timezone) });
  const { charge, quantities } = result;
  return {
    energyMWh: BigInt(quantities.energyMWh),
    amountMicro: parseMicro(charge.inclVatMinor, 'OCPI charge', 0n, LEDGER_AMOUNT_MICRO_MAX),
    amount: charge.inclVatMinor,
    ocpi: {
      tariffId: result.tariffId, tariffVersion, timezone: result.timezone, periods: result.periods.length,
      totalCost: { exclVat: result.totals.cost.exclVat, inclVat: result.totals.cost.inclVat },
      charge: { exclVat: charge.exclVat, inclVat: charge.inclVat, exclVatMinor: charge.exclVatMinor, inclVatMinor: charge.inclVatMinor, limit: charge.limit },
      billedEnergyMWh: quantities.billedEnergyMWh,
      chargingTimeMs: quantities.chargingTimeMs,
      billedChargingTimeMs: quantities.billedChargingTimeMs,
      parkingTimeMs: quantities.parkingTimeMs,
      billedParkingTimeMs: quantities.billedParkingTimeMs,
    },
  };
}
