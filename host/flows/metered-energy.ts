// The energy meters show over a window, for the contract flows: their
// stored readings (SPEC §2, late readings included as they arrive) through
// the aggregation kernel, summed over the intervals starting in the window.
// Energy the kernel leaves unassigned (gaps, spikes) is not counted.
import { aggregateColumns, type Channel } from '../engine/aggregate.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { SettlementWindow } from './contract-windows.js';

/** Σ of `channel` energy, mWh, of `meterIds` over the intervals that start in [from, to). */
export async function meteredEnergyMWh(
  readings: ReadingStore, meterIds: readonly string[], window: SettlementWindow, channel: Channel,
): Promise<bigint> {
  let energyMWh = 0n;
  const fromMs = BigInt(window.from);
  const toMs = BigInt(window.to);
  for await (const chunk of readings.readingsForMeters({ meterIds, fromMs, toMs })) {
    const rows = aggregateColumns(chunk.columns);
    const energy = channel === 'import' ? rows.imp : rows.exp;
    for (let row = 0; row < rows.start.length; row++) {
      const startMs = rows.start[row]!;
      if (startMs >= fromMs && startMs < toMs) energyMWh += energy[row]!;
    }
  }
  return energyMWh;
}
