import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { shareColumns, shareCompensation, type ShareEventColumns, type ShareResultColumns } from '../host/engine/share.js';
import { GridsettleError } from '../host/errors.js';
import { formatMicro } from '../host/decimal.js';
import { referenceShare, referenceShareColumns, type ReferenceShareEvent } from '../host/reference/share.js';

const TWO_POW_63 = 2n ** 63n;

/** Bounds themselves often, anything between otherwise. */
function edgy(min: bigint, max: bigint): fc.Arbitrary<bigint> {
  return fc.oneof({ arbitrary: fc.constantFrom(min, max), weight: 1 }, { arbitrary: fc.bigInt(min, max), weight: 3 });
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

// Events inside the SPEC §4 domain: E ≤ 10·C keeps dodPpm ≤ 10^7 and
// Δt ≥ E·3600 / C keeps cRatePpm ≤ 10^9 up to rounding (filtered below).
const domainEvent: fc.Arbitrary<ReferenceShareEvent> = edgy(1n, 1_000_000_000_000n).chain((capacityMWh) =>
  edgy(0n, minBig(1_000_000_000n, 10n * capacityMWh)).chain((energyMWh) =>
    fc.record({
      energyMWh: fc.constant(energyMWh),
      durationMs: edgy(maxBig(1_000n, (energyMWh * 3_600n + capacityMWh - 1n) / capacityMWh), 2_678_400_000n),
      capacityMWh: fc.constant(capacityMWh),
      priceMicroPerKWh: edgy(0n, 100_000_000n),
      alphaPpm: edgy(0n, 10_000_000n),
      betaPpm: edgy(0n, 10_000_000n),
      cRefPpm: edgy(0n, 1_000_000_000n),
      shares: fc.array(edgy(1n, 1_000_000n), { minLength: 1, maxLength: 64 }),
    }),
  ),
);

// The corner where base × weight and comp × s_i pass 2^63: E, p, α, β near
// their maxima, C just large enough, Δt just long enough for cRate ≈ 10^9.
const cornerEvent: fc.Arbitrary<ReferenceShareEvent> = fc.bigInt(900_000_000n, 1_000_000_000n).chain((energyMWh) =>
  fc.bigInt(energyMWh / 10n, energyMWh / 5n).chain((capacityMWh) =>
    fc.record({
      energyMWh: fc.constant(energyMWh),
      durationMs: fc.bigInt(0n, 1_000n).map((extra) => (energyMWh * 3_600n + capacityMWh - 1n) / capacityMWh + extra),
      capacityMWh: fc.constant(capacityMWh),
      priceMicroPerKWh: fc.bigInt(90_000_000n, 100_000_000n),
      alphaPpm: fc.bigInt(9_000_000n, 10_000_000n),
      betaPpm: fc.bigInt(9_000_000n, 10_000_000n),
      cRefPpm: fc.bigInt(0n, 1_000_000n),
      shares: fc.array(edgy(900_000n, 1_000_000n), { minLength: 1, maxLength: 64 }),
    }),
  ),
);

// Round values (1, 2, 3, 5, 15, 25, 75 × 10^k) make exact halves, so every
// rhe of SPEC §4 meets ties often.
function round(min: bigint, max: bigint): fc.Arbitrary<bigint> {
  return fc
    .tuple(fc.constantFrom(1n, 2n, 3n, 5n, 15n, 25n, 75n), fc.integer({ min: 0, max: 12 }))
    .map(([mantissa, exponent]) => maxBig(min, minBig(max, mantissa * 10n ** BigInt(exponent))));
}
const roundEvent: fc.Arbitrary<ReferenceShareEvent> = round(1n, 1_000_000_000_000n).chain((capacityMWh) =>
  round(0n, minBig(1_000_000_000n, 10n * capacityMWh)).chain((energyMWh) =>
    fc.record({
      energyMWh: fc.constant(energyMWh),
      durationMs: round(maxBig(1_000n, (energyMWh * 3_600n + capacityMWh - 1n) / capacityMWh), 2_678_400_000n),
      capacityMWh: fc.constant(capacityMWh),
      priceMicroPerKWh: round(0n, 100_000_000n),
      alphaPpm: round(0n, 10_000_000n),
      betaPpm: round(0n, 10_000_000n),
      cRefPpm: round(0n, 1_000_000_000n),
      shares: fc.array(round(1n, 1_000_000n), { minLength: 1, maxLength: 8 }),
    }),
  ),
);

// Anything around the domain: bounds, one past them, negatives.
function around(min: bigint, max: bigint): fc.Arbitrary<bigint> {
  return fc.oneof(fc.constantFrom(-1n, min - 1n, min, max, max + 1n), fc.bigInt(-1n, max + 1n));
}
const anyEvent: fc.Arbitrary<ReferenceShareEvent> = fc.record({
  energyMWh: around(0n, 1_000_000_000n),
  durationMs: around(1_000n, 2_678_400_000n),
  capacityMWh: around(1n, 1_000_000_000_000n),
  priceMicroPerKWh: around(0n, 100_000_000n),
  alphaPpm: around(0n, 10_000_000n),
  betaPpm: around(0n, 10_000_000n),
  cRefPpm: around(0n, 1_000_000_000n),
  shares: fc.array(around(1n, 1_000_000n), { minLength: 0, maxLength: 66 }),
});

function inDomain(event: ReferenceShareEvent): boolean {
  try {
    referenceShare(event);
    return true;
  } catch {
    return false;
  }
}

function toColumns(events: ReferenceShareEvent[]): ShareEventColumns {
  const column = (field: Exclude<keyof ReferenceShareEvent, 'shares'>): BigInt64Array =>
    BigInt64Array.from(events, (event) => event[field]);
  const starts = [0];
  for (const event of events) starts.push(starts.at(-1)! + event.shares.length);
  return {
    energyMWh: column('energyMWh'), durationMs: column('durationMs'), capacityMWh: column('capacityMWh'),
    priceMicroPerKWh: column('priceMicroPerKWh'), alphaPpm: column('alphaPpm'), betaPpm: column('betaPpm'),
    cRefPpm: column('cRefPpm'), occupantStart: Uint32Array.from(starts),
    occupantShare: BigInt64Array.from(events.flatMap((event) => event.shares)),
  };
}

/** Σ amounts = compensation and |amount_i − comp·s_i / S| < 1 µ, for every event. */
function assertSplitExact(events: ShareEventColumns, results: ShareResultColumns): void {
  for (let event = 0; event < results.compensation.length; event++) {
    const compensation = results.compensation[event]!;
    const shares = events.occupantShare.subarray(events.occupantStart[event]!, events.occupantStart[event + 1]!);
    const amounts = results.occupantAmount.subarray(events.occupantStart[event]!, events.occupantStart[event + 1]!);
    const shareSum = shares.reduce((sum, share) => sum + share, 0n);
    assert.equal(amounts.reduce((sum, amount) => sum + amount, 0n), compensation);
    shares.forEach((share, index) => {
      const distance = amounts[index]! * shareSum - compensation * share;
      assert.ok(distance > -shareSum && distance < shareSum, `event ${event} occupant ${index} is 1 µ or more off`);
    });
  }
}

function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof GridsettleError)) throw error;
    return error.code === 'limit_exceeded' ? `${error.code} ${error.message.split(':')[0]}` : error.code;
  }
}

describe('SPEC §4 battery-sharing compensation: properties', () => {
  it('the WASM kernel equals the bigint reference on random batches over the whole domain', () => {
    fc.assert(
      fc.property(fc.array(domainEvent, { minLength: 1, maxLength: 40 }), (drawn) => {
        const events = drawn.filter(inDomain);
        fc.pre(events.length > 0);
        const columns = toColumns(events);
        const results = shareColumns(columns);
        assert.deepEqual(results, referenceShareColumns(columns));
        assertSplitExact(columns, results);
      }),
      { numRuns: 300 },
    );
  });

  it('the WASM kernel equals the reference where base × weight and comp × s_i pass 2^63, and splits exactly', () => {
    let pastTwoPow63 = 0;
    fc.assert(
      fc.property(fc.array(cornerEvent, { minLength: 1, maxLength: 20 }), (drawn) => {
        const events = drawn.filter(inDomain);
        fc.pre(events.length > 0);
        const columns = toColumns(events);
        const results = shareColumns(columns);
        assert.deepEqual(results, referenceShareColumns(columns));
        assertSplitExact(columns, results);
        results.base.forEach((base, index) => {
          if (base * results.weightPpm[index]! >= TWO_POW_63) pastTwoPow63++;
        });
      }),
      { numRuns: 200 },
    );
    assert.ok(pastTwoPow63 > 100, `only ${pastTwoPow63} events passed 2^63`);
  });

  it('the WASM kernel equals the reference on round values, where the ties of every rhe are common', () => {
    let compensationTies = 0;
    fc.assert(
      fc.property(fc.array(roundEvent, { minLength: 1, maxLength: 40 }), (drawn) => {
        const events = drawn.filter(inDomain);
        fc.pre(events.length > 0);
        const columns = toColumns(events);
        const results = shareColumns(columns);
        assert.deepEqual(results, referenceShareColumns(columns));
        results.base.forEach((base, index) => {
          if ((base * results.weightPpm[index]!) % 1_000_000n === 500_000n) compensationTies++;
        });
      }),
      { numRuns: 300 },
    );
    assert.ok(compensationTies > 20, `only ${compensationTies} compensation ties`);
  });

  it('inside or outside the domain, the kernel accepts and rejects exactly like the reference (same code, same limit)', () => {
    fc.assert(
      fc.property(anyEvent, (event) => {
        const expected = outcome(() => referenceShareColumns(toColumns([event])));
        assert.deepEqual(outcome(() => shareColumns(toColumns([event]))), expected);
      }),
      { numRuns: 3_000 },
    );
  });

  it('the JSON form prints the reference results as integers and µ amounts', () => {
    fc.assert(
      fc.property(domainEvent, (event) => {
        fc.pre(inDomain(event));
        const expected = referenceShare(event);
        const occupants = event.shares.map((share, index) => ({ id: `o${index}`, share: Number(share) }));
        const priceText = formatMicro(event.priceMicroPerKWh);
        const result = shareCompensation({
          energyMWh: Number(event.energyMWh), durationMs: Number(event.durationMs), capacityMWh: Number(event.capacityMWh),
          price: priceText, alphaPpm: Number(event.alphaPpm), betaPpm: Number(event.betaPpm), cRefPpm: Number(event.cRefPpm),
          occupants,
        });
        assert.deepEqual(result, {
          avgPowerMilliW: Number(expected.avgPowerMilliW), cRatePpm: Number(expected.cRatePpm),
          dodPpm: Number(expected.dodPpm), weightPpm: Number(expected.weightPpm),
          base: formatMicro(expected.base), compensation: formatMicro(expected.compensation),
          shares: expected.amounts.map((amount, index) => ({ id: `o${index}`, amount: formatMicro(amount) })),
        });
      }),
      { numRuns: 500 },
    );
  });
});
