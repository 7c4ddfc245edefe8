// Appliance meters' interval energy from the stored readings (SPEC §2): the
// readings of [fromMs, toMs) with the boundary readings around it, through
// the aggregation kernel on the DR grid. Rows outside the window (boundary
// spill) and those `keep` declines are dropped; unassigned energy (gaps,
// spikes) is in no interval and so is neither billed nor counted.
import { aggregateColumns } from '../engine/aggregate.js';
import type { ReadingStore } from '../store/reading-store.js';
import { DR_INTERVAL_MS, type IntervalEnergy } from './dr-baseline.js';
import { safeNumber } from '../exact.js';

export async function meterIntervals(
  readings: ReadingStore, meterIds: readonly string[], fromMs: number, toMs: number, keep: (startMs: number) => boolean = () => true,
): Promise<Map<string, Map<number, IntervalEnergy>>> {
  const byMeter = new Map(meterIds.map((meterId) => [meterId, new Map<number, IntervalEnergy>()]));
  const query = { meterIds, fromMs: BigInt(fromMs), toMs: BigInt(toMs) };
  for await (const chunk of readings.readingsForMeters(query)) {
    const rows = aggregateColumns(chunk.columns, { intervalMs: DR_INTERVAL_MS });
    for (let row = 0; row < rows.start.length; row++) {
      const startMs = safeNumber(rows.start[row]!, 'interval start');
      if (startMs < fromMs || startMs >= toMs || !keep(startMs)) continue;
      byMeter.get(chunk.meterIds[rows.meter[row]!]!)!.set(startMs, { impMWh: rows.imp[row]!, flags: rows.flags[row]! });
    }
  }
  return byMeter;
}

/** Σ import of the meter's intervals starting in [fromMs, toMs), mWh. */
export async function windowImportMWh(readings: ReadingStore, meterId: string, fromMs: number, toMs: number): Promise<bigint> {
  const intervals = (await meterIntervals(readings, [meterId], fromMs, toMs)).get(meterId)!;
  let importMWh = 0n;
  for (const interval of intervals.values()) importMWh += interval.impMWh;
  return importMWh;
}
