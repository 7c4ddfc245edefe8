// One account's interval energy over a billing period: the sum, per grid
// interval, of its meters' aggregated rows (exact, bigint), their flags
// OR-ed, and their unassigned energy that meets the period. Dense arrays
// over the period's slots, so adding a meter is one pass over its rows.
import type { IntervalColumns } from '../engine/aggregate.js';
import type { IntervalPriceColumns, UnassignedEnergy } from '../tariff/types.js';
import { safeNumber } from '../exact.js';

/** The grid slots k with fromMs ≤ k·I < toMs (SPEC §3). */
export interface PeriodGrid {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  firstStartMs: number;
  slotCount: number;
}

// Remainders of safe integers are exact; a float quotient near an integer is not.
function ceilDiv(value: number, divisor: number): number {
  const remainder = value % divisor;
  return (value - remainder) / divisor + (remainder > 0 ? 1 : 0);
}

export function periodGrid(fromMs: number, toMs: number, intervalMs: number): PeriodGrid {
  const firstStartMs = ceilDiv(fromMs, intervalMs) * intervalMs;
  const slotCount = Math.max(0, ceilDiv(toMs - firstStartMs, intervalMs));
  return { fromMs, toMs, intervalMs, firstStartMs, slotCount };
}

export class AccountIntervals {
  readonly importMWh: BigInt64Array;
  readonly exportMWh: BigInt64Array;
  readonly flags: Uint8Array;
  readonly present: Uint8Array;
  readonly unassigned: UnassignedEnergy[] = [];

  constructor(private readonly grid: PeriodGrid) {
    this.importMWh = new BigInt64Array(grid.slotCount);
    this.exportMWh = new BigInt64Array(grid.slotCount);
    this.flags = new Uint8Array(grid.slotCount);
    this.present = new Uint8Array(grid.slotCount);
  }

  /** Adds rows [rowFrom, rowTo) of `aggregated` (one meter's, sorted by start); rows outside the period are boundary spill. */
  addRows(aggregated: IntervalColumns, rowFrom: number, rowTo: number): void {
    const { firstStartMs, intervalMs, slotCount } = this.grid;
    for (let row = rowFrom; row < rowTo; row++) {
      const slot = (safeNumber(aggregated.start[row]!, 'interval start') - firstStartMs) / intervalMs;
      if (slot < 0 || slot >= slotCount) continue;
      this.importMWh[slot]! += aggregated.imp[row]!;
      this.exportMWh[slot]! += aggregated.exp[row]!;
      this.flags[slot]! |= aggregated.flags[row]!;
      this.present[slot] = 1;
    }
  }

  addUnassigned(entry: UnassignedEnergy): void {
    if (entry.from < this.grid.toMs && entry.to > this.grid.fromMs) this.unassigned.push(entry);
  }

  /** The priced intervals, in time order: only slots some meter reached. */
  columns(): IntervalPriceColumns {
    const starts = slotStarts(this.grid);
    let count = 0;
    for (let slot = 0; slot < this.present.length; slot++) count += this.present[slot]!;
    // Every slot reached (the usual month of readings): the sums are the columns.
    if (count === this.present.length) return { start: starts.slice(), imp: this.importMWh, exp: this.exportMWh, flags: this.flags };
    const columns = { start: new BigInt64Array(count), imp: new BigInt64Array(count), exp: new BigInt64Array(count), flags: new Uint8Array(count) };
    let out = 0;
    for (let slot = 0; slot < this.present.length; slot++) {
      if (this.present[slot] === 0) continue;
      columns.start[out] = starts[slot]!;
      columns.imp[out] = this.importMWh[slot]!;
      columns.exp[out] = this.exportMWh[slot]!;
      columns.flags[out] = this.flags[slot]!;
      out++;
    }
    return columns;
  }
}

const startsByGrid = new WeakMap<PeriodGrid, BigInt64Array>();

/** Each slot's start (epoch ms), computed once per grid rather than once per account. */
function slotStarts(grid: PeriodGrid): BigInt64Array {
  let starts = startsByGrid.get(grid);
  if (starts === undefined) {
    starts = BigInt64Array.from({ length: grid.slotCount }, (_, slot) => BigInt(grid.firstStartMs + slot * grid.intervalMs));
    startsByGrid.set(grid, starts);
  }
  return starts;
}
