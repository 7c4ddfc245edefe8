// An OCPI 2.2.1 CDR (or a finished Session of the same shape) into its
// integer form. Period volumes are taken from each period's `dimensions`,
// as the CPO measured them, never derived from the timestamps.
import { invalidInput, limitExceeded } from '../errors.js';
import { expectArray, expectKeys, expectObject, expectString } from '../tariff/fields.js';
import { CURRENT_SCALE, ENERGY_SCALE, HOURS_SCALE, PERCENT_SCALE, POWER_SCALE, optional, parseDateTimeMs, parseQuantity } from './numbers.js';
import type { UnitScale } from './numbers.js';
import { OCPI_CDR_TARIFFS_MAX, OCPI_CHARGING_PERIODS_MAX, OCPI_DURATION_MS_MAX, OCPI_ENERGY_MWH_MAX, OCPI_PERIOD_DIMENSIONS_MAX } from './ocpi-limits.js';
import type { ChargingSession, SessionPeriod } from './types.js';

type PeriodVolumes = Omit<SessionPeriod, 'startMs' | 'endMs'>;

const SIGNED_CURRENT: UnitScale = { ...CURRENT_SCALE, min: -CURRENT_SCALE.max };
const SIGNED_POWER: UnitScale = { ...POWER_SCALE, min: -POWER_SCALE.max };

/** Every CDR dimension type of OCPI 2.2.1: its unit, and where a priced or restricting one goes. */
const DIMENSION_TYPES: Readonly<Record<string, { scale: UnitScale; store?: (volumes: PeriodVolumes, value: bigint) => void }>> = {
  ENERGY: { scale: ENERGY_SCALE, store: (v, value) => { v.energyMWh = value; } },
  TIME: { scale: HOURS_SCALE, store: (v, value) => { v.chargingTimeMs = value; } },
  PARKING_TIME: { scale: HOURS_SCALE, store: (v, value) => { v.parkingTimeMs = value; } },
  RESERVATION_TIME: { scale: HOURS_SCALE, store: (v, value) => { v.reservationTimeMs = value; } },
  CURRENT: { scale: SIGNED_CURRENT, store: (v, value) => { v.currentsMicroA.push(value); } },
  MIN_CURRENT: { scale: SIGNED_CURRENT, store: (v, value) => { v.currentsMicroA.push(value); } },
  MAX_CURRENT: { scale: SIGNED_CURRENT, store: (v, value) => { v.currentsMicroA.push(value); } },
  POWER: { scale: SIGNED_POWER, store: (v, value) => { v.powersMilliW.push(value); } },
  MIN_POWER: { scale: SIGNED_POWER, store: (v, value) => { v.powersMilliW.push(value); } },
  MAX_POWER: { scale: SIGNED_POWER, store: (v, value) => { v.powersMilliW.push(value); } },
  ENERGY_EXPORT: { scale: ENERGY_SCALE },
  ENERGY_IMPORT: { scale: ENERGY_SCALE },
  STATE_OF_CHARGE: { scale: PERCENT_SCALE },
};

export function parseSession(value: unknown, field: string): ChargingSession {
  const cdr = expectObject(value, field);
  const startMs = parseDateTimeMs(cdr.start_date_time, `${field}.start_date_time`);
  const endMs = parseDateTimeMs(cdr.end_date_time, `${field}.end_date_time`);
  if (endMs < startMs) throw invalidInput(`${field}.end_date_time is before its start_date_time`);
  const currency = optional(cdr, 'currency');
  const location = optional(cdr, 'cdr_location');
  const place = location === undefined ? {} : expectObject(location, `${field}.cdr_location`);
  const country = optional(place, 'country');
  const timezone = optional(place, 'time_zone');
  const tariffs = optional(cdr, 'tariffs');
  const embeddedTariffs = tariffs === undefined ? [] : expectArray(tariffs, `${field}.tariffs`);
  if (embeddedTariffs.length > OCPI_CDR_TARIFFS_MAX) {
    throw limitExceeded('OCPI_CDR_TARIFFS_MAX', `${field}.tariffs has ${embeddedTariffs.length} tariffs, more than ${OCPI_CDR_TARIFFS_MAX}`);
  }
  return {
    startMs,
    endMs,
    currency: currency === undefined ? null : expectString(currency, `${field}.currency`),
    country: country === undefined ? null : expectString(country, `${field}.cdr_location.country`),
    locationTimezone: timezone === undefined ? null : expectString(timezone, `${field}.cdr_location.time_zone`),
    periods: parsePeriods(cdr.charging_periods, endMs, `${field}.charging_periods`),
    embeddedTariffs,
  };
}

function parsePeriods(value: unknown, sessionEndMs: number, field: string): SessionPeriod[] {
  const list = expectArray(value, field);
  if (list.length === 0) throw invalidInput(`${field} must hold at least one charging period`);
  if (list.length > OCPI_CHARGING_PERIODS_MAX) {
    throw limitExceeded('OCPI_CHARGING_PERIODS_MAX', `${field} has ${list.length} periods, more than ${OCPI_CHARGING_PERIODS_MAX}`);
  }
  const starts = list.map((period, index) =>
    parseDateTimeMs(expectObject(period, `${field}[${index}]`).start_date_time, `${field}[${index}].start_date_time`));
  const periods = list.map((period, index) => {
    const endMs = index + 1 < starts.length ? starts[index + 1]! : sessionEndMs;
    if (endMs < starts[index]!) {
      throw invalidInput(`${field}[${index}] starts after ${index + 1 < starts.length ? 'the next period' : 'the session ends'}: periods must be in time order`);
    }
    return { startMs: starts[index]!, endMs, ...parseVolumes(period as Record<string, unknown>, `${field}[${index}]`) };
  });
  checkSessionTotals(periods, field);
  return periods;
}

function parseVolumes(period: Record<string, unknown>, field: string): PeriodVolumes {
  expectKeys(period, ['start_date_time', 'dimensions', 'tariff_id'], field);
  const dimensions = expectArray(period.dimensions, `${field}.dimensions`);
  if (dimensions.length > OCPI_PERIOD_DIMENSIONS_MAX) {
    throw limitExceeded('OCPI_PERIOD_DIMENSIONS_MAX', `${field}.dimensions has ${dimensions.length} entries, more than one per type`);
  }
  const volumes: PeriodVolumes = {
    energyMWh: null, chargingTimeMs: null, parkingTimeMs: null, reservationTimeMs: null, currentsMicroA: [], powersMilliW: [],
  };
  const seen = new Set<string>();
  dimensions.forEach((entry, position) => {
    const where = `${field}.dimensions[${position}]`;
    const dimension = expectObject(entry, where);
    expectKeys(dimension, ['type', 'volume'], where);
    const type = dimension.type as string;
    const kind = Object.hasOwn(DIMENSION_TYPES, type) ? DIMENSION_TYPES[type] : undefined;
    if (kind === undefined) throw invalidInput(`${where}.type ${JSON.stringify(dimension.type)} is not an OCPI CDR dimension type`);
    if (seen.has(type)) throw invalidInput(`${where}: a second ${type} dimension in one period`);
    seen.add(type);
    kind.store?.(volumes, parseQuantity(dimension.volume, `${where}.volume`, kind.scale));
  });
  return volumes;
}

/** The session's span and summed volumes stay within the limits the money arithmetic was sized for. */
function checkSessionTotals(periods: readonly SessionPeriod[], field: string): void {
  const spanMs = BigInt(periods[periods.length - 1]!.endMs - periods[0]!.startMs);
  if (spanMs > OCPI_DURATION_MS_MAX) throw limitExceeded('OCPI_DURATION_MS_MAX', `${field} span ${spanMs} ms, more than ${OCPI_DURATION_MS_MAX}`);
  const sum = (pick: (period: SessionPeriod) => bigint | null): bigint => periods.reduce((total, period) => total + (pick(period) ?? 0n), 0n);
  if (sum((period) => period.energyMWh) > OCPI_ENERGY_MWH_MAX) {
    throw limitExceeded('OCPI_ENERGY_MWH_MAX', `${field}: the session's ENERGY is above ${OCPI_ENERGY_MWH_MAX} mWh`);
  }
  for (const [name, pick] of [
    ['TIME', (period: SessionPeriod) => period.chargingTimeMs],
    ['PARKING_TIME', (period: SessionPeriod) => period.parkingTimeMs],
    ['RESERVATION_TIME', (period: SessionPeriod) => period.reservationTimeMs],
  ] as const) {
    if (sum(pick) > OCPI_DURATION_MS_MAX) throw limitExceeded('OCPI_DURATION_MS_MAX', `${field}: the session's ${name} is above ${OCPI_DURATION_MS_MAX} ms`);
  }
}
