// The store-side frame checks of SPEC §6 that need no database round trip
// beyond the meter lookup: meter binding, and repeats of one (m, t) inside
// the batch. What is left is the rows to insert, unique by (meter key, t) and
// sorted by it.
import type { MeterBinding, ReadingRows } from '../store/reading-store.js';
import type { DecodedBatch } from './decode.js';
import type { FrameCode, RejectedFrame } from './errors.js';

export interface InsertPlan {
  rows: ReadingRows;
  /** Frame index (in the batch as sent) of each row of `rows`. */
  rowSourceIndex: Uint32Array;
  rejected: RejectedFrame[];
}

/**
 * Rows whose meter is unknown or bound to another gateway are rejected. A
 * repeat of (m, t) in the batch is judged against its first frame, as if
 * that one were already stored: same (i, x) → `duplicate`, else `conflict`.
 */
export function planInsert(decoded: DecodedBatch, bindings: ReadonlyArray<MeterBinding | null>, gatewayId: string): InsertPlan {
  const { frames, sourceIndex } = decoded;
  const rejected: RejectedFrame[] = [];
  const meterKeyOfRow = new Uint32Array(frames.t.length);
  const candidates: number[] = [];
  for (let row = 0; row < frames.t.length; row++) {
    const binding = bindings[frames.meter[row]!];
    if (binding === null || binding === undefined) rejected.push({ index: sourceIndex[row]!, code: 'unknown_meter' });
    else if (binding.gatewayId !== gatewayId) rejected.push({ index: sourceIndex[row]!, code: 'forbidden_meter' });
    else {
      meterKeyOfRow[row] = binding.meterKey;
      candidates.push(row);
    }
  }
  // Key order; ties by batch order (rows are in batch order), so the first frame of a repeat comes first.
  candidates.sort((left, right) => {
    const byMeter = meterKeyOfRow[left]! - meterKeyOfRow[right]!;
    if (byMeter !== 0) return byMeter;
    const leftT = frames.t[left]!;
    const rightT = frames.t[right]!;
    return leftT < rightT ? -1 : leftT > rightT ? 1 : left - right;
  });
  const kept: number[] = [];
  for (const row of candidates) {
    const first = kept.length === 0 ? -1 : kept[kept.length - 1]!;
    if (first >= 0 && meterKeyOfRow[first] === meterKeyOfRow[row] && frames.t[first] === frames.t[row]) {
      const same = frames.i[first] === frames.i[row] && frames.x[first] === frames.x[row];
      rejected.push({ index: sourceIndex[row]!, code: same ? 'duplicate' : 'conflict' });
    } else {
      kept.push(row);
    }
  }
  return { rows: gatherRows(decoded, meterKeyOfRow, kept), rowSourceIndex: Uint32Array.from(kept, (row) => sourceIndex[row]!), rejected };
}

function gatherRows(decoded: DecodedBatch, meterKeyOfRow: Uint32Array, kept: readonly number[]): ReadingRows {
  const { frames } = decoded;
  const rows: ReadingRows = {
    meterKey: new Uint32Array(kept.length),
    t: new BigInt64Array(kept.length),
    i: new BigInt64Array(kept.length),
    x: new BigInt64Array(kept.length),
  };
  kept.forEach((row, position) => {
    rows.meterKey[position] = meterKeyOfRow[row]!;
    rows.t[position] = frames.t[row]!;
    rows.i[position] = frames.i[row]!;
    rows.x[position] = frames.x[row]!;
  });
  return rows;
}

/** Frame codes merged into one list, ascending by frame index. */
export function mergeRejected(...lists: ReadonlyArray<ReadonlyArray<RejectedFrame<FrameCode>>>): RejectedFrame[] {
  return lists.flat().sort((left, right) => left.index - right.index);
}
