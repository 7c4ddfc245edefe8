// Appliance meters' interval energy from the stored readings (SPEC §2): the
// readings of [fromMs, toMs) with the boundary readings around it, through
// the aggregation kernel on the DR grid, each meter at its own rating. Rows
// outside the window (boundary spill) and those `keep` declines are dropped;
// import the kernel leaves unassigned (gaps, spikes) is in no interval, so it
// is neither billed nor counted as consumption, but reported: per meter, the
// import over `window` (default: the window read) is the Σ of its intervals
// and the unassigned spans ending in it.
import { addUnassigned, aggregateChunk, type WindowEnergy } from './metered-energy.js';
import type { ReadingStore } from '../store/reading-store.js';
import { DR_INTERVAL_MS, type IntervalEnergy } from './dr-baseline.js';
import { safeNumber } from '../exact.js';

export interface MeterIntervals {
  intervals: Map<number, IntervalEnergy>;
  /** Import over `window`: in its intervals, and left unassigned. */
  window: WindowEnergy;
}

export async function meterIntervals(
  readings: ReadingStore, meterIds: readonly string[], fromMs: number, toMs: number, keep: (startMs: number) => boolean = () => true,
  window: { fromMs: number; toMs: number } = { fromMs, toMs },
): Promise<Map<string, MeterIntervals>> {
  const byMeter = new Map(meterIds.map((meterId): [string, MeterIntervals] => [meterId, {
    intervals: new Map(), window: { energyMWh: 0n, unassignedMWh: 0n, unassignedSpans: 0 },
  }]));
  const query = { meterIds, fromMs: BigInt(fromMs), toMs: BigInt(toMs) };
  for await (const chunk of readings.readingsForMeters(query)) {
    const rows = aggregateChunk(chunk, DR_INTERVAL_MS);
    for (let row = 0; row < rows.start.length; row++) {
      const startMs = safeNumber(rows.start[row]!, 'interval start');
      if (startMs < fromMs || startMs >= toMs || !keep(startMs)) continue;
      const meter = byMeter.get(chunk.meterIds[rows.meter[row]!]!)!;
      meter.intervals.set(startMs, { impMWh: rows.imp[row]!, flags: rows.flags[row]! });
      if (startMs >= window.fromMs && startMs < window.toMs) meter.window.energyMWh += rows.imp[row]!;
    }
    addUnassigned(rows, 'import', BigInt(window.fromMs), BigInt(window.toMs), (meterIndex) => byMeter.get(chunk.meterIds[meterIndex]!)!.window);
  }
  return byMeter;
}

/** The meter's import over [fromMs, toMs): Σ of its intervals starting there, and what was left unassigned. */
export async function windowImport(readings: ReadingStore, meterId: string, fromMs: number, toMs: number): Promise<WindowEnergy> {
  return (await meterIntervals(readings, [meterId], fromMs, toMs)).get(meterId)!.window;
}
