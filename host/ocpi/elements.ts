// Which tariff element prices each dimension of each charging period. OCPI
// 2.2.1: per dimension, the first element in tariff order whose
// restrictions all hold; a dimension the first matching element does not
// price falls through to the next matching one. Restrictions are read at
// the period's start (its volumes come whole from the CDR; OCPI has the CPO
// open a new period where the active element changes).
import { GridsettleError } from '../errors.js';
import { DAY_MS, civilFromDays, floorDivide, weekdayOfDay } from '../tariff/calendar.js';
import { offsetAtMs } from '../tariff/timezone.js';
import { restrictionsHold } from './restrictions.js';
import type { PeriodState } from './restrictions.js';
import { OCPI_DIMENSIONS } from './types.js';
import type { ChargingSession, CompiledTariff, Components, SessionPeriod } from './types.js';

export interface PeriodComponents {
  period: SessionPeriod;
  /** The period's start in local wall-clock time, "YYYY-MM-DDTHH:MM:SS". */
  startLocal: string;
  components: Components;
}

/**
 * The components in force for every period, in `timezone`. A period with
 * no element in force at all is `no_price`: a gap in the tariff is never
 * billed as free.
 */
export function selectComponents(tariff: CompiledTariff, session: ChargingSession, timezone: string): PeriodComponents[] {
  const firstStartMs = session.periods[0]!.startMs;
  let energyBeforeMWh = 0n;
  return session.periods.map((period, index) => {
    const localMs = period.startMs + offsetAtMs(timezone, period.startMs);
    const localDay = floorDivide(localMs, DAY_MS);
    const state: PeriodState = {
      localDay,
      localMsOfDay: localMs - localDay * DAY_MS,
      weekday: weekdayOfDay(localDay),
      elapsedMs: BigInt(period.startMs - firstStartMs),
      energyBeforeMWh,
      period,
    };
    energyBeforeMWh += period.energyMWh ?? 0n;
    const active = tariff.elements.filter((element) => restrictionsHold(element.restrictions, state));
    if (active.length === 0) {
      throw new GridsettleError('no_price', `charging_periods[${index}] (local ${localText(localMs)}, ${timezone}): no tariff element is in force`);
    }
    const components: Components = {};
    for (const dimension of OCPI_DIMENSIONS) {
      const priced = active.find((element) => element.components[dimension] !== undefined);
      if (priced !== undefined) components[dimension] = priced.components[dimension];
    }
    return { period, startLocal: localText(localMs), components };
  });
}

function localText(localMs: number): string {
  const day = floorDivide(localMs, DAY_MS);
  const { year, month, day: dayOfMonth } = civilFromDays(day);
  const secondOfDay = Math.floor((localMs - day * DAY_MS) / 1000);
  const two = (value: number): string => String(value).padStart(2, '0');
  const clock = `${two(Math.floor(secondOfDay / 3600))}:${two(Math.floor(secondOfDay / 60) % 60)}:${two(secondOfDay % 60)}`;
  return `${String(year).padStart(4, '0')}-${two(month)}-${two(dayOfMonth)}T${clock}`;
}
