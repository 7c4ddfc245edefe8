// S6 clearing rule (docs/flows.md "S6"): uniform-price double auction at
// the midpoint of the marginal bid and offer, then curtailment to the zone
// transfer limits — the worked example of the docs, and properties on
// random order books.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  clearAuction, clearMarketInterval, fillCostMicro, netExports, type MarketOrder, type ZoneLimits,
} from '../host/flows/market-clearing.js';

const KWH = 1_000_000n; // mWh per kWh
const order = (id: string, side: 'buy' | 'sell', zone: string, kWh: bigint, priceMicroPerKWh: bigint, submittedAtMs = 0): MarketOrder =>
  ({ id, side, zone, energyMWh: kWh * KWH, priceMicroPerKWh, submittedAtMs });

const WORKED = [
  order('B1', 'buy', 'north', 30n, 300_000n), order('B2', 'buy', 'south', 20n, 250_000n), order('B3', 'buy', 'north', 25n, 180_000n),
  order('S1', 'sell', 'south', 25n, 120_000n), order('S2', 'sell', 'north', 20n, 200_000n), order('S3', 'sell', 'south', 30n, 270_000n),
];
const OPEN = new Map<string, ZoneLimits>([['north', { exportLimitMWh: 10n ** 15n, importLimitMWh: 10n ** 15n }], ['south', { exportLimitMWh: 10n ** 15n, importLimitMWh: 10n ** 15n }]]);

describe('S6 uniform-price double auction', () => {
  it('worked example: 45 kWh trade at the midpoint 0.225 of the marginal bid 0.25 and offer 0.20', () => {
    const { priceMicroPerKWh, acceptedMWh } = clearAuction(WORKED);
    assert.equal(priceMicroPerKWh, 225_000n);
    assert.deepEqual(Object.fromEntries([...acceptedMWh].map(([id, mWh]) => [id, mWh / KWH])), { B1: 30n, S1: 25n, S2: 20n, B2: 15n });
  });

  it('a midpoint that falls on half a µ rounds half to even', () => {
    const { priceMicroPerKWh } = clearAuction([order('b', 'buy', 'z', 1n, 3n), order('s', 'sell', 'z', 1n, 0n)]);
    assert.equal(priceMicroPerKWh, 2n); // 1.5 µ → 2
    assert.equal(clearAuction([order('b', 'buy', 'z', 1n, 5n), order('s', 'sell', 'z', 1n, 0n)]).priceMicroPerKWh, 2n); // 2.5 µ → 2
  });

  it('no bid meeting an offer clears nothing and has no price', () => {
    const result = clearAuction([order('b', 'buy', 'z', 1n, 100n), order('s', 'sell', 'z', 1n, 101n)]);
    assert.equal(result.priceMicroPerKWh, null);
    assert.equal(result.acceptedMWh.size, 0);
  });

  it('equal prices fill in submission order, then by id', () => {
    const orders = [order('late', 'buy', 'z', 10n, 100n, 5), order('early', 'buy', 'z', 10n, 100n, 1), order('s', 'sell', 'z', 10n, 50n)];
    assert.deepEqual([...clearAuction(orders).acceptedMWh.keys()].sort(), ['early', 's']);
  });

  it('a fill costs energy × price rounded once, half to even, to the minor unit; a seller is paid (negative cost)', () => {
    assert.equal(fillCostMicro('buy', 15n * KWH, 225_000n, 'EUR'), 3_380_000n); // 3.375 → 3.38
    assert.equal(fillCostMicro('sell', 25n * KWH, 225_000n, 'EUR'), -5_620_000n); // 5.625 → 5.62
    assert.equal(fillCostMicro('buy', 1n * KWH, -100_000n, 'EUR'), -100_000n); // a negative price pays the buyer
  });
});

describe('S6 zone transfer limits and curtailment', () => {
  it('worked example: south may export 6 kWh, so its costliest seller loses 4 kWh and the importing north buyer 4 kWh', () => {
    const limits = new Map(OPEN);
    limits.set('south', { exportLimitMWh: 6n * KWH, importLimitMWh: 10n ** 15n });
    const clearing = clearMarketInterval(WORKED, limits);
    assert.equal(clearing.priceMicroPerKWh, 225_000n);
    assert.deepEqual(Object.fromEntries([...clearing.filledMWh].map(([id, mWh]) => [id, mWh / KWH])), { B1: 26n, S1: 21n, S2: 20n, B2: 15n });
    assert.deepEqual(clearing.curtailed, [{ zone: 'north', side: 'buy', energyMWh: 4n * KWH }, { zone: 'south', side: 'sell', energyMWh: 4n * KWH }]);
  });

  const zones = ['a', 'b', 'c'];
  const orderArbitrary = fc.record({
    side: fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), zone: fc.constantFrom(...zones),
    energyMWh: fc.bigInt({ min: 1n, max: 50n }), priceMicroPerKWh: fc.bigInt({ min: -20n, max: 20n }), submittedAtMs: fc.nat({ max: 3 }),
  });
  const bookArbitrary = fc.array(orderArbitrary, { maxLength: 25 }).map((orders) => orders.map((o, index) => ({ ...o, id: `o${index}` })));
  const limitsArbitrary = fc.tuple(...zones.map(() => fc.tuple(fc.bigInt({ min: 0n, max: 60n }), fc.bigInt({ min: 0n, max: 60n }))))
    .map((pairs) => new Map(pairs.map(([exportLimitMWh, importLimitMWh], index) => [zones[index]!, { exportLimitMWh, importLimitMWh }])));

  it('property: fills are balanced, within each order, individually rational at the price, and within every zone limit', () => {
    fc.assert(fc.property(bookArbitrary, limitsArbitrary, (orders, limits) => {
      const clearing = clearMarketInterval(orders, limits);
      let bought = 0n;
      let sold = 0n;
      for (const o of orders) {
        const filled = clearing.filledMWh.get(o.id) ?? 0n;
        assert.ok(filled >= 0n && filled <= o.energyMWh);
        if (o.side === 'buy') bought += filled; else sold += filled;
        if (filled > 0n) assert.ok(o.side === 'buy' ? o.priceMicroPerKWh >= clearing.priceMicroPerKWh! : o.priceMicroPerKWh <= clearing.priceMicroPerKWh!);
      }
      assert.equal(bought, sold);
      for (const [zone, net] of netExports(orders, clearing.filledMWh)) {
        const limit = limits.get(zone)!;
        assert.ok(net <= limit.exportLimitMWh && -net <= limit.importLimitMWh, `zone ${zone} net ${net}`);
      }
    }), { numRuns: 500 });
  });

  it('property: the unconstrained auction leaves no unfilled bid above an unfilled offer (no trade left on the table)', () => {
    fc.assert(fc.property(bookArbitrary, (orders) => {
      const { acceptedMWh } = clearAuction(orders);
      const left = (o: MarketOrder) => o.energyMWh - (acceptedMWh.get(o.id) ?? 0n) > 0n;
      const bids = orders.filter((o) => o.side === 'buy' && left(o));
      const offers = orders.filter((o) => o.side === 'sell' && left(o));
      for (const bid of bids) for (const offer of offers) assert.ok(bid.priceMicroPerKWh < offer.priceMicroPerKWh);
    }), { numRuns: 500 });
  });

  it('property: the order of submission in the list does not change the result', () => {
    fc.assert(fc.property(bookArbitrary, limitsArbitrary, fc.nat(), (orders, limits, seed) => {
      const shuffled = [...orders].sort((x, y) => ((x.id.length * 7919 + seed) % 13) - ((y.id.length * 7919 + seed) % 13) || (x.id < y.id ? 1 : -1));
      const a = clearMarketInterval(orders, limits);
      const b = clearMarketInterval(shuffled, limits);
      assert.equal(a.priceMicroPerKWh, b.priceMicroPerKWh);
      assert.deepEqual(new Map([...a.filledMWh].sort()), new Map([...b.filledMWh].sort()));
    }), { numRuns: 200 });
  });
});
