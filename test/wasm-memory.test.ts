// SPEC §1 limits the address space forces: every kernel call's worst case
// at its limits fits wasm32's 4 GiB (computed from the same reservations the
// engine makes, never allocated here), anything larger or a failed
// memory.grow is limit_exceeded, and a large call gives its memory back.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateColumns, aggregationMemoryBytes } from '../host/engine/aggregate.js';
import { price, priceColumns, pricingMemoryBytes } from '../host/engine/price.js';
import { shareMemoryBytes } from '../host/engine/share.js';
import { Arena, kernels, wasmMemoryBytes } from '../host/engine/wasm.js';
import { GridsettleError } from '../host/errors.js';
import * as limits from '../host/limits.js';
import { compileTariff } from '../host/tariff/compile.js';
import { totalsWords } from '../host/tariff/kernel-layout.js';
import { flatTariff, utc } from './price-fixtures.js';

function rejectsWithLimit(run: () => unknown, limitName: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GridsettleError, `expected a GridsettleError, got ${String(error)}`);
    assert.equal(error.code, 'limit_exceeded');
    assert.match(error.message, new RegExp(`^${limitName}:`));
    return true;
  });
}

// 32 periods of 16 tiers each, with a dynamic series: the largest tables a tariff can have.
function largestTariff(): unknown {
  const periods = Array.from({ length: limits.TARIFF_PERIODS_MAX }, (_, index) => `p${index}`);
  const tiers = Array.from({ length: limits.TARIFF_TIERS_MAX }, (_, index) =>
    index === limits.TARIFF_TIERS_MAX - 1 ? { price: '0.3' } : { upToKWh: String(index + 1), price: '0.3' });
  const hours = Array.from({ length: 24 }, (_, hour) => hour);
  return {
    id: 'largest', currency: 'EUR', timezone: 'UTC', periods,
    schedule: { weekday: hours, weekend: hours },
    energy: Object.fromEntries(periods.map((name) => [name, tiers])),
    dynamic: [{ from: 0, price: '0.1' }],
    export: Object.fromEntries(periods.map((name) => [name, { price: '0.05' }])),
  };
}

describe('SPEC §1 limits forced by the WASM address space', () => {
  it('the aggregation worst case (AGGREGATION_READINGS_MAX, _ROWS_MAX, _UNASSIGNED_MAX with scratch) fits 4 GiB, and the former 50 M / 50 M / 20 M did not', () => {
    const atLimits = {
      rows: limits.AGGREGATION_ROWS_MAX, scratchRows: limits.AGGREGATION_ROWS_MAX,
      unassigned: limits.AGGREGATION_UNASSIGNED_MAX, scratchUnassigned: limits.AGGREGATION_UNASSIGNED_MAX,
    };
    assert.ok(aggregationMemoryBytes(limits.AGGREGATION_READINGS_MAX, true, atLimits) <= limits.WASM_MEMORY_BYTES_MAX);
    const former = { rows: 50_000_000, scratchRows: 50_000_000, unassigned: 20_000_000, scratchUnassigned: 20_000_000 };
    assert.ok(aggregationMemoryBytes(50_000_000, true, former) > limits.WASM_MEMORY_BYTES_MAX);
  });

  it('the pricing worst case (PRICE_INTERVALS_MAX intervals over BILLING_PERIOD_SLOTS_MAX slots, the largest tariff tables) fits 4 GiB', () => {
    const tariff = compileTariff(largestTariff());
    const bytes = pricingMemoryBytes({
      intervalCount: limits.PRICE_INTERVALS_MAX, slotCount: limits.BILLING_PERIOD_SLOTS_MAX,
      tableWords: tariff.kernelTable.length, totalsWords: totalsWords(tariff), hasExport: true, hasFlags: true, hasDynamic: true,
    });
    assert.ok(bytes <= limits.WASM_MEMORY_BYTES_MAX);
  });

  it('the shareColumns worst case (SHARE_COLUMN_EVENTS_MAX events, SHARE_COLUMN_OCCUPANTS_MAX occupants) fits 4 GiB', () => {
    assert.ok(shareMemoryBytes(limits.SHARE_COLUMN_EVENTS_MAX, limits.SHARE_COLUMN_OCCUPANTS_MAX) <= limits.WASM_MEMORY_BYTES_MAX);
  });

  it('rejects more than PRICE_INTERVALS_MAX intervals before copying them, in both forms', () => {
    rejectsWithLimit(() => price({ tariff: flatTariff(), period: { from: 0, to: 86_400_000 }, intervals: new Array(limits.PRICE_INTERVALS_MAX + 1) }), 'PRICE_INTERVALS_MAX');
    class LongI64 extends BigInt64Array {
      override get length(): number {
        return limits.PRICE_INTERVALS_MAX + 1;
      }
    }
    rejectsWithLimit(() => priceColumns(flatTariff(), { from: 0, to: 86_400_000 }, { start: new LongI64(1), imp: new LongI64(1) }), 'PRICE_INTERVALS_MAX');
  });

  it('a layout past 4 GiB is limit_exceeded naming WASM_MEMORY_BYTES_MAX, without growing memory', () => {
    const before = wasmMemoryBytes();
    const arena = new Arena();
    arena.reserve(limits.WASM_MEMORY_BYTES_MAX);
    rejectsWithLimit(() => arena.commit(), 'WASM_MEMORY_BYTES_MAX');
    assert.equal(wasmMemoryBytes(), before);
  });

  it('a memory.grow that fails (RangeError) is limit_exceeded naming WASM_MEMORY_BYTES_MAX, never an internal error', () => {
    const memory = kernels().memory as { grow(pages: number): number };
    const needed = wasmMemoryBytes() + 1;
    memory.grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
    };
    try {
      const count = Math.ceil(needed / 28);
      const columns = { meter: new Uint32Array(count), t: BigInt64Array.from({ length: count }, (_, k) => BigInt(k * 60_000)), i: new BigInt64Array(count) };
      rejectsWithLimit(() => aggregateColumns(columns), 'WASM_MEMORY_BYTES_MAX');
    } finally {
      delete (memory as Partial<typeof memory>).grow;
    }
  });

  it(`after a call that grew memory past WASM_MEMORY_RESET_BYTES the engine is back at its baseline, and the next call is still right`, () => {
    const small = { meter: Uint32Array.of(0, 0), t: BigInt64Array.of(0n, 1_800_000n), i: BigInt64Array.of(0n, 100n) };
    const before = aggregateColumns(small);
    const baselineBytes = wasmMemoryBytes();
    assert.ok(baselineBytes < limits.WASM_MEMORY_RESET_BYTES);

    const count = 5_000_000;
    const capacities = { rows: count + 16, scratchRows: 65_536, unassigned: count / 8 + 16, scratchUnassigned: count / 8 + 16 };
    assert.ok(aggregationMemoryBytes(count, false, capacities) > limits.WASM_MEMORY_RESET_BYTES, 'the large call must pass the threshold');
    const large = {
      meter: new Uint32Array(count),
      t: BigInt64Array.from({ length: count }, (_, k) => BigInt(k * 60_000)),
      i: BigInt64Array.from({ length: count }, (_, k) => BigInt(k * 10)),
    };
    const result = aggregateColumns(large);
    // Conservation (SPEC §2): every delta of 10 mWh lands in some interval.
    assert.equal(result.imp.reduce((sum, energy) => sum + energy, 0n), BigInt((count - 1) * 10));
    assert.equal(wasmMemoryBytes(), baselineBytes);
    assert.deepEqual(aggregateColumns(small), before);
    assert.equal(wasmMemoryBytes(), baselineBytes);
  });

  it('a call below WASM_MEMORY_RESET_BYTES keeps its instance (and its memory) for the next call', () => {
    const intervals = Array.from({ length: 2_000 }, (_, k) => ({ start: utc(2026, 1, 1) + k * 900_000, imp: 1 }));
    price({ tariff: flatTariff(), period: { from: utc(2026, 1, 1), to: utc(2026, 2, 1) }, intervals });
    const exports = kernels();
    price({ tariff: flatTariff(), period: { from: utc(2026, 1, 1), to: utc(2026, 2, 1) }, intervals });
    assert.equal(kernels(), exports);
  });
});
