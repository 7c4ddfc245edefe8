// SPEC §1 `maxPowerW` per meter (host/engine/aggregate-rated.ts): grouping
// meters by rating gives exactly what aggregating each meter alone at its
// own rating gives, in the column form's order; a cap only lowers a rating.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aggregateColumns, type IntervalColumns, type ReadingColumns } from '../host/engine/aggregate.js';
import { aggregateRatedColumns } from '../host/engine/aggregate-rated.js';
import { GridsettleError } from '../host/errors.js';

const QUARTER_MS = 900_000;
const RATINGS_W = [1_000, 250_000, 1_000_000, 100_000_000];

interface MeterStory { maxPowerW: number; steps: Array<{ stepMs: number; importDelta: bigint; exportDelta: bigint }> }

const storyArb: fc.Arbitrary<MeterStory[]> = fc.array(fc.record({
  maxPowerW: fc.constantFrom(...RATINGS_W),
  steps: fc.array(fc.record({
    stepMs: fc.constantFrom(60_000, QUARTER_MS, 3 * QUARTER_MS, 4 * 3_600_000),
    importDelta: fc.oneof(fc.bigInt(0n, 1_000n), fc.bigInt(0n, 10n ** 9n), fc.bigInt(-1_000n, -1n)),
    exportDelta: fc.bigInt(0n, 10n ** 9n),
  }), { minLength: 0, maxLength: 6 }),
}), { minLength: 1, maxLength: 6 });

/** Columns of the stories (meter k = story k), registers starting high enough that a reset stays non-negative. */
function columnsOf(stories: readonly MeterStory[]): ReadingColumns {
  const meter: number[] = [];
  const t: bigint[] = [];
  const i: bigint[] = [];
  const x: bigint[] = [];
  stories.forEach((story, meterIndex) => {
    let tMs = 0n;
    let importMWh = 10n ** 6n;
    let exportMWh = 0n;
    for (const step of [{ stepMs: 0, importDelta: 0n, exportDelta: 0n }, ...story.steps]) {
      tMs += BigInt(step.stepMs);
      importMWh += step.importDelta;
      exportMWh += step.exportDelta;
      meter.push(meterIndex);
      t.push(tMs);
      i.push(importMWh);
      x.push(exportMWh);
    }
  });
  return { meter: Uint32Array.from(meter), t: BigInt64Array.from(t), i: BigInt64Array.from(i), x: BigInt64Array.from(x) };
}

/** What each meter alone gives at `ratingOf(k)`, renumbered and concatenated in meter order. */
function perMeter(stories: readonly MeterStory[], ratingOf: (meterIndex: number) => number): IntervalColumns {
  const parts = stories.map((_, meterIndex) => {
    const alone = aggregateColumns(columnsOf([stories[meterIndex]!]), { maxPowerW: ratingOf(meterIndex) });
    return { ...alone, meter: alone.meter.map(() => meterIndex), unassigned: alone.unassigned.map((entry) => ({ ...entry, meter: meterIndex })) };
  });
  const concat = <T extends Uint32Array | BigInt64Array | Uint8Array>(pick: (part: IntervalColumns) => T): unknown[] => parts.flatMap((part) => [...pick(part)]);
  return {
    meter: Uint32Array.from(concat((part) => part.meter) as number[]), start: BigInt64Array.from(concat((part) => part.start) as bigint[]),
    imp: BigInt64Array.from(concat((part) => part.imp) as bigint[]), exp: BigInt64Array.from(concat((part) => part.exp) as bigint[]),
    flags: Uint8Array.from(concat((part) => part.flags) as number[]), unassigned: parts.flatMap((part) => part.unassigned),
  };
}

describe('SPEC §1/§2 aggregation with a power rating per meter', () => {
  it('equals aggregating each meter alone at its own rating, rows sorted by meter index then start', () => {
    fc.assert(fc.property(storyArb, (stories) => {
      const ratings = stories.map((story) => story.maxPowerW);
      assert.deepStrictEqual(aggregateRatedColumns(columnsOf(stories), ratings), perMeter(stories, (k) => ratings[k]!));
    }), { numRuns: 150 });
  });

  it('a run-wide cap lowers a meter\'s rating and never raises it', () => {
    fc.assert(fc.property(storyArb, fc.constantFrom(...RATINGS_W), (stories, capW) => {
      const ratings = stories.map((story) => story.maxPowerW);
      const capped = aggregateRatedColumns(columnsOf(stories), ratings, { maxPowerWCap: capW });
      assert.deepStrictEqual(capped, perMeter(stories, (k) => Math.min(ratings[k]!, capW)));
    }), { numRuns: 100 });
  });

  it('rows not sorted by meter index are invalid_input, as in the column form, whatever the ratings', () => {
    const columns = { meter: Uint32Array.from([1, 0]), t: BigInt64Array.from([0n, 0n]), i: BigInt64Array.from([0n, 0n]) };
    assert.throws(() => aggregateRatedColumns(columns, [1_000, 250_000]), (error: unknown) => error instanceof GridsettleError && error.code === 'invalid_input');
  });

  it('a 1 MW meter\'s quarter hour of 250 kWh is apportioned; at 250 kW it is a spike', () => {
    const columns = { meter: Uint32Array.from([0, 0, 1, 1]), t: BigInt64Array.from([0n, 900_000n, 0n, 900_000n]), i: BigInt64Array.from([0n, 250_000_000n, 0n, 250_000_000n]) };
    const rows = aggregateRatedColumns(columns, [1_000_000, 250_000]);
    assert.deepStrictEqual([...rows.imp], [250_000_000n, 0n]);
    assert.deepStrictEqual(rows.unassigned.map((entry) => [entry.meter, entry.mwh, entry.reason]), [[1, 250_000_000n, 'spike']]);
  });
});
