// The energy meters show over a window, for the contract flows: their
// stored readings (SPEC §2, late readings included as they arrive) through
// the aggregation kernel, each meter at its own power rating, summed over
// the intervals starting in the window. Energy the kernel leaves unassigned
// (gaps, spikes) is not paid but reported with the window, so that metered
// = settled + unassigned: an unassigned span belongs to the window holding
// its last instant (`to − 1`), where SPEC §2 puts its flag.
import { aggregateRatedColumns } from '../engine/aggregate-rated.js';
import type { Channel, IntervalColumns } from '../engine/aggregate.js';
import { INTERVAL_MS_DEFAULT } from '../limits.js';
import type { ReadingChunk, ReadingStore } from '../store/reading-store.js';
import type { SettlementWindow } from './contract-windows.js';

export interface WindowEnergy {
  /** Σ of the channel's energy, mWh, over the intervals that start in the window. */
  energyMWh: bigint;
  /** Σ of the channel's unassigned energy (gaps, spikes) whose span ends in the window, mWh. */
  unassignedMWh: bigint;
  /** How many unassigned spans that is. */
  unassignedSpans: number;
}

/** One chunk aggregated on `intervalMs`, each meter at its own rating (at most `maxPowerWCap` when given). */
export function aggregateChunk(chunk: ReadingChunk, intervalMs: number, maxPowerWCap?: number): IntervalColumns {
  return aggregateRatedColumns(chunk.columns, chunk.maxPowerW, { intervalMs, ...(maxPowerWCap === undefined ? {} : { maxPowerWCap }) });
}

/** Adds each of the channel's unassigned entries of `rows` whose span ends in [fromMs, toMs) to the energy of its meter, in one pass. */
export function addUnassigned(rows: IntervalColumns, channel: Channel, fromMs: bigint, toMs: bigint, energyOfMeter: (meterIndex: number) => WindowEnergy): void {
  for (const entry of rows.unassigned) {
    const lastMs = entry.to - 1n;
    if (entry.channel !== channel || lastMs < fromMs || lastMs >= toMs) continue;
    const energy = energyOfMeter(entry.meter);
    energy.unassignedMWh += entry.mwh;
    energy.unassignedSpans += 1;
  }
}

/** `channel` energy of `meterIds` over [from, to): what the intervals starting in it hold, and what was left unassigned. */
export async function meteredWindowEnergy(
  readings: ReadingStore, meterIds: readonly string[], window: SettlementWindow, channel: Channel,
): Promise<WindowEnergy> {
  const energy: WindowEnergy = { energyMWh: 0n, unassignedMWh: 0n, unassignedSpans: 0 };
  const fromMs = BigInt(window.from);
  const toMs = BigInt(window.to);
  for await (const chunk of readings.readingsForMeters({ meterIds, fromMs, toMs })) {
    const rows = aggregateChunk(chunk, INTERVAL_MS_DEFAULT);
    const channelMWh = channel === 'import' ? rows.imp : rows.exp;
    for (let row = 0; row < rows.start.length; row++) {
      const startMs = rows.start[row]!;
      if (startMs >= fromMs && startMs < toMs) energy.energyMWh += channelMWh[row]!;
    }
    addUnassigned(rows, channel, fromMs, toMs, () => energy);
  }
  return energy;
}
