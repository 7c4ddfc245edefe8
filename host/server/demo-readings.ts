// Simulated meters for the demo: a month of 15-minute cumulative registers
// per meter (integers, mWh), deterministic from the meter's index, with a
// few register resets, a day-long gap on some meters, and the last two days
// of some meters held back to arrive late (after the first settlement).
import type { GatewayFrame } from '../ingest/encode.js';

export const STEP_MS = 15 * 60 * 1000;
const STEPS_PER_DAY = 96;
const LATE_STEPS = 2 * STEPS_PER_DAY;
const GAP_DAY = 11;

export interface DemoMeter {
  meterId: string;
  /** 0-based; decides the meter's profile and anomalies. */
  index: number;
  hasExport: boolean;
}

/** Which anomaly a meter has: every 37th resets, every 29th has a gap day, every 23rd sends its month end late. */
export const resets = (meter: DemoMeter): boolean => meter.index % 37 === 5;
export const hasGap = (meter: DemoMeter): boolean => meter.index % 29 === 3;
export const isLate = (meter: DemoMeter): boolean => meter.index % 23 === 7;

/** mulberry32: a small deterministic generator of uint32s. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return (mixed ^ (mixed >>> 14)) >>> 0;
  };
}

/** Import energy of one 15-minute step, mWh: a base load plus morning and evening peaks. */
function importStepMWh(hourUtc: number, random: number): number {
  const base = 30_000 + (random % 40_000);
  if (hourUtc >= 5 && hourUtc < 8) return base + 60_000;
  if (hourUtc >= 16 && hourUtc < 21) return base + 120_000;
  return base;
}

/** Export of one step, mWh: daylight only, for meters with a PV system. */
function exportStepMWh(hourUtc: number, random: number): number {
  return hourUtc >= 8 && hourUtc < 16 ? 40_000 + (random % 160_000) : 0;
}

export interface MeterSeries {
  meter: DemoMeter;
  /** Register values at step k (time fromMs + k × STEP_MS), k = 0 … steps (the reading at toMs included). */
  imports: number[];
  exports: number[] | null;
}

export function meterSeries(meter: DemoMeter, fromMs: number, steps: number): MeterSeries {
  const random = generator(meter.index * 7919 + 1);
  const imports: number[] = [10_000_000 + (random() % 1_000_000)];
  const exports: number[] | null = meter.hasExport ? [0] : null;
  const resetStep = resets(meter) ? Math.floor(steps / 2) : -1;
  for (let step = 1; step <= steps; step += 1) {
    const hourUtc = new Date(fromMs + step * STEP_MS).getUTCHours();
    // A replaced meter starts again near zero: the register falls (SPEC §2 RESET).
    imports.push(step === resetStep ? random() % 1_000 : imports[step - 1]! + importStepMWh(hourUtc, random()));
    exports?.push(exports[step - 1]! + exportStepMWh(hourUtc, random()));
  }
  return { meter, imports, exports };
}

function frameAt(series: MeterSeries, fromMs: number, step: number): GatewayFrame {
  const frame: GatewayFrame = { m: series.meter.meterId, t: fromMs + step * STEP_MS, i: series.imports[step]! };
  if (series.exports !== null) frame.x = series.exports[step]!;
  return frame;
}

/** Whether step `step` is sent on time, late, or never (a gap). */
function stepSchedule(meter: DemoMeter, step: number, steps: number): 'on-time' | 'late' | 'never' {
  if (hasGap(meter) && Math.floor(step / STEPS_PER_DAY) === GAP_DAY && step % STEPS_PER_DAY !== 0) return 'never';
  if (isLate(meter) && step > steps - LATE_STEPS) return 'late';
  return 'on-time';
}

/** The frames of one day (its first step to the next day's first, exclusive; the last day includes step `steps`). */
export function dayFrames(series: readonly MeterSeries[], fromMs: number, day: number, steps: number, when: 'on-time' | 'late'): GatewayFrame[] {
  const first = day * STEPS_PER_DAY;
  const last = day === daysOf(steps) - 1 ? steps + 1 : first + STEPS_PER_DAY;
  const frames: GatewayFrame[] = [];
  for (const meter of series) {
    for (let step = first; step < last; step += 1) {
      if (stepSchedule(meter.meter, step, steps) === when) frames.push(frameAt(meter, fromMs, step));
    }
  }
  return frames;
}

export const daysOf = (steps: number): number => Math.floor(steps / STEPS_PER_DAY);
