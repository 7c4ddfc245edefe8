// The integer forms of an OCPI 2.2.1 tariff and charging session (units in
// the names), and the priced result that `priceOcpiCdr` returns.

/** The tariff dimensions of OCPI 2.2.1 (TariffDimensionType). */
export type OcpiDimension = 'ENERGY' | 'FLAT' | 'PARKING_TIME' | 'TIME';
export const OCPI_DIMENSIONS: readonly OcpiDimension[] = ['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME'];

export interface PriceComponent {
  elementIndex: number;
  /** µ per kWh (ENERGY), per hour (TIME, PARKING_TIME) or per session (FLAT). */
  priceMicro: bigint;
  /** VAT in millionths of a percent; null when the tariff gives none (incl. VAT = excl. VAT). */
  vatPercentMicro: bigint | null;
  /** Seconds (TIME, PARKING_TIME) or Wh (ENERGY); 0 = no rounding. */
  stepSize: number;
}

export type Components = Partial<Record<OcpiDimension, PriceComponent>>;

/** A local time-of-day window [startMs, endMs), ms after local midnight; endMs < startMs wraps past midnight. */
export interface TimeOfDayWindow {
  startMs: number;
  endMs: number;
}

export interface Restrictions {
  timeOfDay: TimeOfDayWindow | null;
  /** Local day numbers (days since 1970-01-01): start inclusive, end exclusive. */
  startDay: number | null;
  endDay: number | null;
  minEnergyMWh: bigint | null;
  maxEnergyMWh: bigint | null;
  minCurrentMicroA: bigint | null;
  maxCurrentMicroA: bigint | null;
  minPowerMilliW: bigint | null;
  maxPowerMilliW: bigint | null;
  minDurationMs: bigint | null;
  maxDurationMs: bigint | null;
  /** 0 = Sunday … 6 = Saturday. */
  weekdays: ReadonlySet<number> | null;
  reservation: 'RESERVATION' | 'RESERVATION_EXPIRES' | null;
}

export interface TariffElement {
  index: number;
  components: Components;
  restrictions: Restrictions;
}

export interface MoneyMicro {
  exclVatMicro: bigint;
  inclVatMicro: bigint;
}

export interface PriceBound {
  exclVatMicro: bigint;
  /** Absent in the tariff: the bound's excl. VAT figure stands for both. */
  inclVatMicro: bigint | null;
}

export interface CompiledTariff {
  id: string | null;
  currency: string;
  elements: TariffElement[];
  validFromMs: number | null;
  validToMs: number | null;
  minPrice: PriceBound | null;
  maxPrice: PriceBound | null;
}

/** One charging period: it lasts until the next period starts, the last one until the session ends. */
export interface SessionPeriod {
  startMs: number;
  endMs: number;
  energyMWh: bigint | null;
  chargingTimeMs: bigint | null;
  parkingTimeMs: bigint | null;
  reservationTimeMs: bigint | null;
  /** Every current (CURRENT, MIN_CURRENT, MAX_CURRENT) and power the CDR reports for the period. */
  currentsMicroA: bigint[];
  powersMilliW: bigint[];
}

export interface ChargingSession {
  startMs: number;
  endMs: number;
  currency: string | null;
  country: string | null;
  locationTimezone: string | null;
  periods: SessionPeriod[];
  /** The CDR's own `tariffs`, still as JSON: used when the input names no tariff. */
  embeddedTariffs: unknown[];
}
