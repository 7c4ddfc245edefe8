// S8: the energy both devices metered over a transfer window, from the stored
// readings (signed ingest, SPEC §6) through the aggregation kernel (SPEC §2)
// on a one-minute grid: the sender's export and the receiver's import of the
// intervals inside [fromMs, toMs). The readings just outside the window are
// read too, so the pairs that span its edges are apportioned exactly; a meter
// without a reading at or before fromMs and one at or after toMs cannot be
// measured yet. Each side's energy the aggregation leaves unassigned (gaps,
// spikes) is reported with the window, not settled.
import { addUnassigned, aggregateChunk, type WindowEnergy } from './metered-energy.js';
import type { ReadingChunk, ReadingStore } from '../store/reading-store.js';
import { FlowError } from './errors.js';
import { D2D_INTERVAL_MS } from './d2d-rules.js';

export interface MeteredWindow {
  sentMWh: bigint;
  receivedMWh: bigint;
  /** SPEC §2 flags OR-ed over the window's intervals of each meter (estimated, reset, spike, gap). */
  senderFlags: number;
  receiverFlags: number;
  /** The sender's export and the receiver's import that the aggregation left unassigned, with their span counts. */
  senderUnassigned: WindowEnergy;
  receiverUnassigned: WindowEnergy;
}

interface MeterWindow {
  importMWh: bigint;
  exportMWh: bigint;
  flags: number;
  firstMs: bigint | null;
  lastMs: bigint | null;
  unassignedImport: WindowEnergy;
  unassignedExport: WindowEnergy;
}

const noEnergy = (): WindowEnergy => ({ energyMWh: 0n, unassignedMWh: 0n, unassignedSpans: 0 });

function addChunk(chunk: ReadingChunk, fromMs: bigint, toMs: bigint, byMeter: Map<string, MeterWindow>): void {
  const windows = chunk.meterIds.map((meterId) => byMeter.get(meterId)!);
  const { meter, t } = chunk.columns;
  for (let row = 0; row < t.length; row++) {
    const window = windows[meter[row]!]!;
    if (window.firstMs === null || t[row]! < window.firstMs) window.firstMs = t[row]!;
    if (window.lastMs === null || t[row]! > window.lastMs) window.lastMs = t[row]!;
  }
  const intervals = aggregateChunk(chunk, D2D_INTERVAL_MS);
  for (let row = 0; row < intervals.start.length; row++) {
    const start = intervals.start[row]!;
    if (start < fromMs || start >= toMs) continue;
    const window = windows[intervals.meter[row]!]!;
    window.importMWh += intervals.imp[row]!;
    window.exportMWh += intervals.exp[row]!;
    window.flags |= intervals.flags[row]!;
  }
  addUnassigned(intervals, 'import', fromMs, toMs, (meterIndex) => windows[meterIndex]!.unassignedImport);
  addUnassigned(intervals, 'export', fromMs, toMs, (meterIndex) => windows[meterIndex]!.unassignedExport);
}

/** Sender export and receiver import over `[fromMs, toMs)`; `d2d_readings_incomplete` while a meter's readings do not reach both edges. */
export async function meterWindow(
  readings: ReadingStore, senderMeterId: string, receiverMeterId: string, fromMs: number, toMs: number,
): Promise<MeteredWindow> {
  const emptyWindow = (): MeterWindow => ({
    importMWh: 0n, exportMWh: 0n, flags: 0, firstMs: null, lastMs: null, unassignedImport: noEnergy(), unassignedExport: noEnergy(),
  });
  const byMeter = new Map([senderMeterId, receiverMeterId].map((meterId) => [meterId, emptyWindow()]));
  const from = BigInt(fromMs);
  const to = BigInt(toMs);
  for await (const chunk of readings.readingsForMeters({ meterIds: [...byMeter.keys()], fromMs: from, toMs: to, boundaryReadings: true })) {
    addChunk(chunk, from, to, byMeter);
  }
  for (const [meterId, window] of byMeter) {
    if (window.firstMs === null || window.firstMs > from || window.lastMs! < to) {
      throw new FlowError('d2d_readings_incomplete', `meter ${meterId} needs a reading at or before ${fromMs} and one at or after ${toMs}`);
    }
  }
  const sender = byMeter.get(senderMeterId)!;
  const receiver = byMeter.get(receiverMeterId)!;
  return {
    sentMWh: sender.exportMWh, receivedMWh: receiver.importMWh, senderFlags: sender.flags, receiverFlags: receiver.flags,
    senderUnassigned: sender.unassignedExport, receiverUnassigned: receiver.unassignedImport,
  };
}
