// UTC offsets of an IANA zone on integers. Intl is slow per call, so it is
// asked once per hour (or per slot, for longer slots) over a billing period,
// and the exact change instants are found by binary search; every slot then
// does integer arithmetic only. Two changes within one sample step would be
// missed (no zone has them).
import { invalidInput } from '../errors.js';
import { DAY_MS, HOUR_MS, floorDivide } from './calendar.js';

const formats = new Map<string, Intl.DateTimeFormat>();

/** The formatter of `timezone`; an unknown zone is invalid_input. */
function zoneFormat(timezone: string): Intl.DateTimeFormat {
  let format = formats.get(timezone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone, hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw invalidInput(`unknown timezone ${JSON.stringify(timezone)} (expected an IANA zone such as "Europe/Berlin")`);
    }
    formats.set(timezone, format);
  }
  return format;
}

/** Checks that `timezone` is a known IANA zone (invalid_input otherwise). */
export function checkTimezone(timezone: string): void {
  zoneFormat(timezone);
}

/** Local minus UTC, in ms, at instant `ms`. */
export function offsetAtMs(timezone: string, ms: number): number {
  const fields: Record<string, number> = {};
  for (const part of zoneFormat(timezone).formatToParts(ms)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const localSecondMs = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
  return localSecondMs - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The offsets in force over [fromMs, toMs): `offsetMs[j]` applies from `changeAtMs[j]`. */
export interface OffsetSchedule {
  changeAtMs: number[];
  offsetMs: number[];
}

const OFFSET_SCHEDULES_MAX = 256;
const offsetSchedules = new Map<string, OffsetSchedule>();

/**
 * Cached per (zone, span, step): the JSON form compiles a fresh tariff object
 * per call. Samples every `max(1 h, sampleStepMs)`, so the Intl calls are
 * bounded by the slot count whatever the grid.
 */
export function offsetSchedule(timezone: string, fromMs: number, toMs: number, sampleStepMs = HOUR_MS): OffsetSchedule {
  const stepMs = Math.max(HOUR_MS, sampleStepMs);
  const key = `${timezone} ${fromMs} ${toMs} ${stepMs}`;
  let schedule = offsetSchedules.get(key);
  if (schedule === undefined) {
    schedule = sampleOffsets(timezone, fromMs, toMs, stepMs);
    if (offsetSchedules.size >= OFFSET_SCHEDULES_MAX) offsetSchedules.delete(offsetSchedules.keys().next().value!);
    offsetSchedules.set(key, schedule);
  }
  return schedule;
}

function sampleOffsets(timezone: string, fromMs: number, toMs: number, stepMs: number): OffsetSchedule {
  const schedule: OffsetSchedule = { changeAtMs: [fromMs], offsetMs: [offsetAtMs(timezone, fromMs)] };
  let sampleMs = fromMs;
  let sampleOffsetMs = schedule.offsetMs[0]!;
  while (sampleMs < toMs - 1) {
    const nextMs = Math.min(sampleMs + stepMs, toMs - 1);
    const nextOffsetMs = offsetAtMs(timezone, nextMs);
    if (nextOffsetMs !== sampleOffsetMs) {
      schedule.changeAtMs.push(firstInstantWithOffset(timezone, sampleMs, nextMs, sampleOffsetMs));
      schedule.offsetMs.push(nextOffsetMs);
    }
    sampleMs = nextMs;
    sampleOffsetMs = nextOffsetMs;
  }
  return schedule;
}

// The offset is `beforeOffsetMs` at lowMs and something else at highMs.
function firstInstantWithOffset(timezone: string, lowMs: number, highMs: number, beforeOffsetMs: number): number {
  let low = lowMs;
  let high = highMs;
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (offsetAtMs(timezone, middle) === beforeOffsetMs) low = middle;
    else high = middle;
  }
  return high;
}

/** Local calendar day number of instant `ms` in `timezone`. */
export function localDayNumber(timezone: string, ms: number): number {
  return floorDivide(ms + offsetAtMs(timezone, ms), DAY_MS);
}
