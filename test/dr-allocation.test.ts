// DR target allocation (docs/flows.md "Demand response", allocation): whole
// watts by largest remainder on flexible power, Σ = target, each within 1 W
// of its exact share and never above its flexible power, ties to the
// bytewise-lower id, independent of input order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allocateReduction, type FlexibleAppliance } from '../host/flows/dr-allocation.js';
import { FlowError } from '../host/flows/errors.js';
import { GridsettleError } from '../host/errors.js';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof FlowError || error instanceof GridsettleError) return error.code;
    throw error;
  }
  return 'no error';
}

describe('DR allocation: largest remainder on flexible power', () => {
  it('3001 W over 2000/1500/500 W: exact shares 1500.5, 1125.375, 375.125 → the one watt left goes to the largest remainder', () => {
    const allocation = allocateReduction(3001, [
      { id: 'a3', flexiblePowerW: 500 }, { id: 'a1', flexiblePowerW: 2000 }, { id: 'a2', flexiblePowerW: 1500 },
    ]);
    assert.deepEqual(allocation, [{ id: 'a1', reductionW: 1501 }, { id: 'a2', reductionW: 1125 }, { id: 'a3', reductionW: 375 }]);
  });

  it('equal remainders go to the bytewise-lower id ("B" < "C" < "a"), and the output is in bytewise id order', () => {
    // 3001 / 3 = 1000⅓ each: one watt left, three equal remainders.
    const allocation = allocateReduction(3001, [{ id: 'a', flexiblePowerW: 2000 }, { id: 'C', flexiblePowerW: 2000 }, { id: 'B', flexiblePowerW: 2000 }]);
    assert.deepEqual(allocation, [{ id: 'B', reductionW: 1001 }, { id: 'C', reductionW: 1000 }, { id: 'a', reductionW: 1000 }]);
  });

  it('a target equal to the flexible power together gives every appliance all of its power', () => {
    assert.deepEqual(allocateReduction(12, [{ id: 'x', flexiblePowerW: 5 }, { id: 'y', flexiblePowerW: 7 }]), [
      { id: 'x', reductionW: 5 }, { id: 'y', reductionW: 7 },
    ]);
  });

  it('a target above the flexible power together is dr_target_exceeds_capacity; bad input is invalid_input', () => {
    assert.equal(codeOf(() => allocateReduction(13, [{ id: 'x', flexiblePowerW: 5 }, { id: 'y', flexiblePowerW: 7 }])), 'dr_target_exceeds_capacity');
    assert.equal(codeOf(() => allocateReduction(0, [{ id: 'x', flexiblePowerW: 5 }])), 'invalid_input');
    assert.equal(codeOf(() => allocateReduction(1, [])), 'invalid_input');
    assert.equal(codeOf(() => allocateReduction(1, [{ id: 'x', flexiblePowerW: 0 }])), 'invalid_input');
    assert.equal(codeOf(() => allocateReduction(1, [{ id: 'x', flexiblePowerW: 1 }, { id: 'x', flexiblePowerW: 2 }])), 'invalid_input');
  });

  const appliancesArbitrary = fc.uniqueArray(
    fc.record({ id: fc.stringMatching(/^[A-Za-z0-9._-]{1,6}$/), flexiblePowerW: fc.oneof(fc.constantFrom(1, 100_000_000), fc.integer({ min: 1, max: 100_000_000 })) }),
    { minLength: 1, maxLength: 40, selector: (appliance) => appliance.id },
  );
  const caseArbitrary = appliancesArbitrary.chain((appliances) => {
    const totalW = appliances.reduce((sum, appliance) => sum + appliance.flexiblePowerW, 0);
    return fc.record({
      appliances: fc.constant(appliances),
      targetW: fc.oneof(fc.constantFrom(1, totalW), fc.integer({ min: 1, max: totalW })),
      shuffled: fc.shuffledSubarray(appliances, { minLength: appliances.length }),
    });
  });

  it('property: Σ allocations = target, each within 1 W of T·w/W and at most w, whatever the input order', () => {
    fc.assert(fc.property(caseArbitrary, ({ appliances, targetW, shuffled }) => {
      const allocation = allocateReduction(targetW, appliances);
      const totalW = BigInt(appliances.reduce((sum, appliance) => sum + appliance.flexiblePowerW, 0));
      const weightOf = new Map(appliances.map((appliance: FlexibleAppliance) => [appliance.id, BigInt(appliance.flexiblePowerW)]));
      assert.equal(allocation.reduce((sum, row) => sum + row.reductionW, 0), targetW);
      for (const row of allocation) {
        const weight = weightOf.get(row.id)!;
        // |a − T·w/W| < 1  ⇔  |a·W − T·w| < W
        const error = BigInt(row.reductionW) * totalW - BigInt(targetW) * weight;
        assert.ok(error < totalW && -error < totalW, `appliance ${row.id} is ${row.reductionW} W`);
        assert.ok(BigInt(row.reductionW) <= weight);
      }
      assert.deepEqual(allocateReduction(targetW, shuffled), allocation);
    }), { numRuns: 300 });
  });

  it('property: a watt above the floor never goes to a smaller remainder than one left at the floor', () => {
    fc.assert(fc.property(caseArbitrary, ({ appliances, targetW }) => {
      const totalW = BigInt(appliances.reduce((sum, appliance) => sum + appliance.flexiblePowerW, 0));
      const rows = allocateReduction(targetW, appliances).map((row) => {
        const product = BigInt(targetW) * BigInt(appliances.find((appliance) => appliance.id === row.id)!.flexiblePowerW);
        return { raised: BigInt(row.reductionW) > product / totalW, remainder: product % totalW };
      });
      const smallestRaised = rows.filter((row) => row.raised).reduce((min, row) => (row.remainder < min ? row.remainder : min), totalW);
      for (const row of rows.filter((candidate) => !candidate.raised)) assert.ok(row.remainder <= smallestRaised);
    }), { numRuns: 300 });
  });
});
