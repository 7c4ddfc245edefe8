import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { periodGrid } from '../host/settlement/accumulate.js';

const TIME_MS_MAX = 253_402_300_800_000;
const INTERVALS_MS = [60_000, 900_000, 3_600_000, 86_400_000];

describe('SPEC §3 settlement grid: the slots k with from ≤ k·I < to', () => {
  it('an off-grid period starts at the next grid instant and counts only slots inside it', () => {
    assert.deepEqual(periodGrid(1, 2_700_001, 900_000), { fromMs: 1, toMs: 2_700_001, intervalMs: 900_000, firstStartMs: 900_000, slotCount: 3 });
    assert.equal(periodGrid(1, 2, 900_000).slotCount, 0);
  });

  it('matches exact bigint arithmetic over the whole time range', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: TIME_MS_MAX - 1 }), fc.integer({ min: 1, max: 40_000_000_000 }), fc.constantFrom(...INTERVALS_MS),
      (fromMs, spanMs, intervalMs) => {
        const toMs = Math.min(TIME_MS_MAX, fromMs + spanMs);
        const interval = BigInt(intervalMs);
        const first = ((BigInt(fromMs) + interval - 1n) / interval) * interval;
        const count = BigInt(toMs) > first ? (BigInt(toMs) - first + interval - 1n) / interval : 0n;
        const grid = periodGrid(fromMs, toMs, intervalMs);
        assert.deepEqual([BigInt(grid.firstStartMs), BigInt(grid.slotCount)], [first, count]);
      },
    ), { numRuns: 2_000 });
  });
});
