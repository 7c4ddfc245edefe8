// The achieved reduction of a demand-response event (docs/flows.md "Demand
// response"): per event interval, the baseline is the mean of the same
// interval on the 10 most recent like days before the event (round half to
// even, SPEC §1), and achieved = baseline − actual, floored at 0. Days are
// calendar days in the event's timezone (UTC unless it names one): the same
// interval on an earlier day is the same local clock time. A like day has
// the event day's type (weekday, or weekend/holiday) and every one of its
// event intervals measured; a day on which one of those local times does not
// exist (the spring-forward gap) is not a like day, and one that exists
// twice (fall-back) takes its first occurrence.
import { floorDiv, roundHalfEven, safeNumber } from '../exact.js';
import { invalidInput } from '../errors.js';
import { DAY_MS, INTERVAL_MS_DEFAULT } from '../limits.js';
import { civilFromDays, weekdayOfDay } from '../tariff/calendar.js';
import { localDayNumber, offsetAtMs } from '../tariff/timezone.js';

/** The grid of appliance metering, billing windows and DR events. */
export const DR_INTERVAL_MS = INTERVAL_MS_DEFAULT;
/** Like days the baseline averages. */
export const BASELINE_LIKE_DAYS = 10;
/** How many days before the event day like days are looked for. */
export const BASELINE_LOOKBACK_DAYS = 60;
/** Aggregation flags (SPEC §2) of an interval that was not measured: estimated, reset, spike, gap. */
const UNMEASURED_FLAGS = 1 | 2 | 4 | 8;

export interface IntervalEnergy {
  impMWh: bigint;
  flags: number;
}

/** One meter's aggregated intervals, by interval start (epoch ms). */
export type MeterIntervals = ReadonlyMap<number, IntervalEnergy>;

export interface EventWindow {
  fromMs: number;
  toMs: number;
  /** Local day numbers (days since 1970-01-01 in `timezone`) that count as holidays. */
  holidayDays: ReadonlySet<number>;
  /** IANA zone whose calendar days the baseline compares. */
  timezone: string;
}

export type ReductionOutcome = 'ok' | 'insufficient_history' | 'missing_readings';

export interface IntervalReduction {
  startMs: number;
  baselineMWh: bigint;
  actualMWh: bigint;
  achievedMWh: bigint;
}

export interface MeasuredReduction {
  outcome: ReductionOutcome;
  /** The like days used (or found, when too few), most recent first, as local day numbers. */
  likeDays: number[];
  /** Per event interval; empty unless the outcome is ok. */
  intervals: IntervalReduction[];
  achievedMWh: bigint;
}

export function utcDayOf(ms: number): number {
  return safeNumber(floorDiv(BigInt(ms), BigInt(DAY_MS)), 'dayNumber');
}

/** "YYYY-MM-DD" of a day number. */
export function isoDateOf(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Weekend/holiday days are one type, weekdays (Monday … Friday, not a holiday) the other. */
export function isWeekdayType(dayNumber: number, holidayDays: ReadonlySet<number>): boolean {
  const weekday = weekdayOfDay(dayNumber);
  return weekday !== 0 && weekday !== 6 && !holidayDays.has(dayNumber);
}

/** A window on the DR grid inside one UTC day; invalid_input otherwise. */
export function checkGridWindow(fromMs: number, toMs: number, what: string): void {
  if (fromMs % DR_INTERVAL_MS !== 0 || toMs % DR_INTERVAL_MS !== 0) {
    throw invalidInput(`${what}: fromMs and toMs must be multiples of ${DR_INTERVAL_MS} ms`);
  }
  if (fromMs >= toMs) throw invalidInput(`${what}: fromMs must be before toMs`);
}

export function checkEventWindow(fromMs: number, toMs: number, timezone: string): void {
  checkGridWindow(fromMs, toMs, 'a DR event window');
  if (localDayNumber(timezone, fromMs) !== localDayNumber(timezone, toMs - 1)) {
    throw invalidInput(`a DR event window lies inside one calendar day in ${timezone}`);
  }
}

function intervalStarts(window: EventWindow): number[] {
  const starts: number[] = [];
  for (let startMs = window.fromMs; startMs < window.toMs; startMs += DR_INTERVAL_MS) starts.push(startMs);
  return starts;
}

/**
 * The instant whose local time in `timezone` is `localMs` (local clock as if
 * UTC): the earlier of two in a fall-back hour, null in a spring-forward gap.
 */
export function instantOfLocal(timezone: string, localMs: number): number | null {
  const candidates = [offsetAtMs(timezone, localMs - DAY_MS), offsetAtMs(timezone, localMs + DAY_MS)]
    .map((offsetMs) => localMs - offsetMs)
    .filter((instantMs) => instantMs + offsetAtMs(timezone, instantMs) === localMs);
  return candidates.length === 0 ? null : Math.min(...candidates);
}

/** `startMs` at the same local clock time `daysBack` days earlier, or null when that time does not exist then. */
function sameLocalTimeBefore(timezone: string, startMs: number, daysBack: number): number | null {
  if (daysBack === 0) return startMs;
  return instantOfLocal(timezone, startMs + offsetAtMs(timezone, startMs) - daysBack * DAY_MS);
}

/** The energies of `starts` at the same local times `daysBack` days earlier, or null when one of them was not measured. */
function measuredDay(intervals: MeterIntervals, starts: readonly number[], daysBack: number, timezone: string): bigint[] | null {
  const energies: bigint[] = [];
  for (const startMs of starts) {
    const shiftedMs = sameLocalTimeBefore(timezone, startMs, daysBack);
    const row = shiftedMs === null ? undefined : intervals.get(shiftedMs);
    if (row === undefined || (row.flags & UNMEASURED_FLAGS) !== 0) return null;
    energies.push(row.impMWh);
  }
  return energies;
}

/** The most recent like days with every event interval measured, at most BASELINE_LIKE_DAYS, and their energies. */
function likeDaysOf(intervals: MeterIntervals, window: EventWindow, starts: readonly number[]): { days: number[]; energies: bigint[][] } {
  const eventDay = localDayNumber(window.timezone, window.fromMs);
  const eventIsWeekday = isWeekdayType(eventDay, window.holidayDays);
  const days: number[] = [];
  const energies: bigint[][] = [];
  for (let daysBack = 1; daysBack <= BASELINE_LOOKBACK_DAYS && days.length < BASELINE_LIKE_DAYS; daysBack++) {
    if (isWeekdayType(eventDay - daysBack, window.holidayDays) !== eventIsWeekday) continue;
    const measured = measuredDay(intervals, starts, daysBack, window.timezone);
    if (measured === null) continue;
    days.push(eventDay - daysBack);
    energies.push(measured);
  }
  return { days, energies };
}

/** The event's reduction for one meter from its aggregated intervals (event day and lookback). */
export function measureReduction(intervals: MeterIntervals, window: EventWindow): MeasuredReduction {
  checkEventWindow(window.fromMs, window.toMs, window.timezone);
  const starts = intervalStarts(window);
  const actual = measuredDay(intervals, starts, 0, window.timezone);
  if (actual === null) return { outcome: 'missing_readings', likeDays: [], intervals: [], achievedMWh: 0n };
  const { days, energies } = likeDaysOf(intervals, window, starts);
  if (days.length < BASELINE_LIKE_DAYS) return { outcome: 'insufficient_history', likeDays: days, intervals: [], achievedMWh: 0n };
  const reductions = starts.map((startMs, slot): IntervalReduction => {
    const sumMWh = energies.reduce((sum, day) => sum + day[slot]!, 0n);
    const baselineMWh = roundHalfEven(sumMWh, BigInt(BASELINE_LIKE_DAYS));
    const actualMWh = actual[slot]!;
    const achievedMWh = baselineMWh > actualMWh ? baselineMWh - actualMWh : 0n;
    return { startMs, baselineMWh, actualMWh, achievedMWh };
  });
  const achievedMWh = reductions.reduce((sum, row) => sum + row.achievedMWh, 0n);
  return { outcome: 'ok', likeDays: days, intervals: reductions, achievedMWh };
}
