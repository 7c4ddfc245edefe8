// S5 assignment (docs/flows.md "S5"): pair costs are exact integer µ, and
// the assignment is optimal — the most pairs, then the least total cost —
// held against a brute force over every matching of small random cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { assignSites, distanceMetres, pairCost, type CostRates, type Site } from '../host/flows/matching-cost.js';

const HOUR = 3_600_000;
const site = (id: string, type: Site['type'], direction: Site['direction'], latE7: number, lonE7: number, kWh: bigint, fee = 0n): Site => ({
  id, type, direction, latE7, lonE7, energyMWh: kWh * 1_000_000n, powerW: 11_000n, availableFromMs: 0, availableToMs: 10 * HOUR, feeMicroPerKWh: fee,
});
const RATES: CostRates = { travelMicroPerKm: 500_000n, mismatchMicroPerKWh: 100_000n };

describe('S5 pair cost', () => {
  it('one degree of latitude is 111.195 km on the mean-radius sphere', () => {
    assert.equal(distanceMetres({ latE7: 0, lonE7: 0 }, { latE7: 10_000_000, lonE7: 0 }), 111_195n);
  });

  it('travel + fee + mismatch, each rounded half to even to the µ', () => {
    // 1 km apart at 0.50/km = 0.50; 20 kWh exchanged at a 0.10 fee = 2.00; 10 kWh unserved at 0.10 = 1.00.
    const device = site('d', 'mobile', 'supply', 0, 0, 30n);
    const point = site('p', 'stationary', 'demand', 89_932, 0, 20n, 100_000n);
    const cost = pairCost(device, point, RATES)!;
    assert.equal(cost.distanceM, 1_000n);
    assert.deepEqual([cost.energyMWh, cost.travelMicro, cost.feeMicro, cost.mismatchMicro, cost.totalMicro],
      [20_000_000n, 500_000n, 2_000_000n, 1_000_000n, 3_500_000n]);
  });

  it('the energy exchanged is capped by the lower power over the overlap of the windows', () => {
    const device = { ...site('d', 'mobile', 'supply', 0, 0, 30n), availableFromMs: HOUR, availableToMs: 2 * HOUR, powerW: 7_000n };
    const point = site('p', 'stationary', 'demand', 0, 0, 20n);
    assert.equal(pairCost(device, point, RATES)!.energyMWh, 7_000_000n); // 7 kW for one hour
  });

  it('no pair: same direction, windows that do not overlap, or no power', () => {
    const device = site('d', 'mobile', 'supply', 0, 0, 30n);
    assert.equal(pairCost(device, site('p', 'stationary', 'supply', 0, 0, 20n), RATES), null);
    assert.equal(pairCost({ ...device, availableToMs: 0 }, site('p', 'stationary', 'demand', 0, 0, 20n), RATES), null);
    assert.equal(pairCost({ ...device, powerW: 0n }, site('p', 'stationary', 'demand', 0, 0, 20n), RATES), null);
  });
});

/** Every matching of devices to points (each used at most once), by recursion. */
function bruteForce(sites: readonly Site[], rates: CostRates): { pairs: number; costMicro: bigint } {
  const devices = sites.filter((s) => s.type === 'mobile');
  const points = sites.filter((s) => s.type === 'stationary');
  let best = { pairs: 0, costMicro: 0n };
  const walk = (index: number, used: Set<number>, pairs: number, costMicro: bigint): void => {
    if (index === devices.length) {
      if (pairs > best.pairs || (pairs === best.pairs && costMicro < best.costMicro)) best = { pairs, costMicro };
      return;
    }
    walk(index + 1, used, pairs, costMicro);
    points.forEach((point, column) => {
      const cost = used.has(column) ? null : pairCost(devices[index]!, point, rates);
      if (cost === null) return;
      used.add(column);
      walk(index + 1, used, pairs + 1, costMicro + cost.totalMicro);
      used.delete(column);
    });
  };
  walk(0, new Set(), 0, 0n);
  return best;
}

describe('S5 optimal assignment', () => {
  it('greedy would send d1 to its nearest point p1 and leave d2 without one; the optimum sends d1 farther so both get a point', () => {
    const sites = [
      site('d1', 'mobile', 'supply', 0, 0, 10n),
      { ...site('d2', 'mobile', 'supply', 0, 2_000_000, 10n), availableFromMs: 2 * HOUR }, // misses p2's window
      site('p1', 'stationary', 'demand', 0, 1_000_000, 10n),
      { ...site('p2', 'stationary', 'demand', 0, -1_500_000, 10n), availableToMs: HOUR },
    ];
    assert.deepEqual(assignSites(sites, RATES).map((a) => [a.device, a.point]), [['d1', 'p2'], ['d2', 'p1']]);
  });

  const siteArbitrary = (id: string, type: Site['type']) => fc.record({
    direction: fc.constantFrom<Site['direction']>('supply', 'demand'), latE7: fc.integer({ min: -900_000, max: 900_000 }),
    lonE7: fc.integer({ min: -900_000, max: 900_000 }), kWh: fc.bigInt({ min: 1n, max: 40n }), fee: fc.bigInt({ min: 0n, max: 300_000n }),
    from: fc.integer({ min: 0, max: 4 }), length: fc.integer({ min: 0, max: 4 }),
  }).map((r): Site => ({
    ...site(id, type, r.direction, r.latE7, r.lonE7, r.kWh, type === 'stationary' ? r.fee : 0n), availableFromMs: r.from * HOUR, availableToMs: (r.from + r.length) * HOUR,
  }));
  const casesArbitrary = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 })).chain(([nDevices, nPoints]) => fc.tuple(
    ...Array.from({ length: nDevices }, (_, i) => siteArbitrary(`d${i}`, 'mobile')),
    ...Array.from({ length: nPoints }, (_, i) => siteArbitrary(`p${i}`, 'stationary')),
  ));

  it('property: as many pairs as the brute force finds, at its least total cost, each device and point used once', () => {
    fc.assert(fc.property(casesArbitrary, (sites) => {
      const assignments = assignSites(sites, RATES);
      const best = bruteForce(sites, RATES);
      assert.equal(assignments.length, best.pairs);
      assert.equal(assignments.reduce((sum, a) => sum + a.totalMicro, 0n), best.costMicro);
      assert.equal(new Set(assignments.map((a) => a.device)).size, assignments.length);
      assert.equal(new Set(assignments.map((a) => a.point)).size, assignments.length);
    }), { numRuns: 300 });
  });
});
