// SPEC §5 posting rule, flow by flow: what each flow's rule function posts
// equals the exact rational of its inputs rounded once, half to even, to its
// posting unit, computed here independently (decimal.js at 200 digits, not
// the production rounding); splits add up to the whole, each part within
// one posting unit of its exact share. Every flow also meets the named
// example 50.005 Wh × 0.10 EUR/kWh = 5 000.5 µ → 0.01 EUR, and the ties.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { shareCompensation } from '../host/engine/share.js';
import { GridsettleError } from '../host/errors.js';
import { safeNumber } from '../host/exact.js';
import { consumptionAmountMicro } from '../host/flows/dr-billing.js';
import { rewardAmountMicro } from '../host/flows/dr-settlement.js';
import type { ApplianceBody, EventBody } from '../host/flows/dr-store.js';
import { serviceAmountMicro, type ConnectionEventBody, type GcpBody } from '../host/flows/connection-rules.js';
import { d2dFigures } from '../host/flows/d2d-rules.js';
import { priceAtOffer, type OfferSlot } from '../host/flows/ev/rules.js';
import { parseMinorAmount } from '../host/flows/flow-steps.js';
import { fillCostMicro } from '../host/flows/market-clearing.js';
import { checkSettlementAmount, type P2pContractBody } from '../host/flows/p2p-rules.js';
import { nextRevision, type PpaBody } from '../host/flows/ppa-rules.js';
import { shareInputOf, sharingTransfers, type SharingRequest } from '../host/flows/sharing-rules.js';
import { largestRemainderSplit, MICRO, postingAmount, wholePostingAmount, minorUnitOf } from '../host/ledger/posting.js';

const Exact = Decimal.clone({ precision: 200, rounding: Decimal.ROUND_HALF_EVEN });
/** µ in one minor unit, from the ISO 4217 exponents (written out here, not read from currency.ts). */
const UNIT_MICRO: Readonly<Record<string, bigint>> = { EUR: 10_000n, JPY: 1_000_000n, KWD: 1_000n };
const CURRENCIES = Object.keys(UNIT_MICRO);

/** The reference: rhe(numerator / denominator µ) to a whole number of `unitMicro`, in µ. */
function referenceMicro(numerator: bigint, denominator: bigint, unitMicro: bigint): bigint {
  const units = new Exact(numerator.toString()).div(denominator.toString()).div(unitMicro.toString()).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN);
  return BigInt(units.toFixed(0)) * unitMicro;
}

/** The reference amount of `energyMWh` at `priceMicroPerKWh`, in minor units of `currency`, in µ. */
const referenceEnergyMicro = (energyMWh: bigint, priceMicroPerKWh: bigint, currency: string): bigint =>
  referenceMicro(energyMWh * priceMicroPerKWh, 1_000_000n, UNIT_MICRO[currency]!);

// Energies up to the safe-integer register range, prices 0 … 100 per kWh (SPEC §1), both often small.
const energyMWh = fc.oneof(fc.bigInt(0n, 100_000n), fc.bigInt(0n, 2n ** 53n - 1n));
const priceMicro = fc.oneof(fc.bigInt(0n, 1_000n), fc.bigInt(0n, 100_000_000n));
const currency = fc.constantFrom(...CURRENCIES);

// Each flow's rule function, reduced to (energy, price, currency) → posted µ.
const ppaPosted = (energy: bigint, price: bigint, code: string): bigint => {
  const ppa = { priceMicroPerKWh: String(price), currency: code, volumeMWh: Number.MAX_SAFE_INTEGER } as unknown as PpaBody;
  return BigInt(nextRevision('ppa', ppa, { from: 0, to: 1 }, { energyMWh: energy, unassignedMWh: 0n, unassignedSpans: 0 }, 0n, null)!.amountMicro);
};
const p2pPosted = (energy: bigint, price: bigint, code: string): bigint => {
  const contract = { priceMicroPerKWh: String(price), currency: code } as unknown as P2pContractBody;
  return checkSettlementAmount(referenceEnergyMicro(energy, price, code), energy, contract);
};
const connectionPosted = (energy: bigint, price: bigint, code: string): bigint =>
  serviceAmountMicro({ quantityMWh: safeNumber(energy, 'energy') } as unknown as ConnectionEventBody, { priceMicroPerKWh: String(price), currency: code } as unknown as GcpBody);
const offerPosted = (energy: bigint, price: bigint, code: string): bigint => {
  const slots: OfferSlot[] = [{ fromMs: 0, toMs: 900_000, price: new Exact(price.toString()).div(1_000_000).toFixed() }];
  return priceAtOffer({ id: 'o', currency: code, slots }, { start: BigInt64Array.of(0n), energyMWh: BigInt64Array.of(energy) }).amountMicro;
};
const consumptionPosted = (energy: bigint, price: bigint, code: string): bigint =>
  consumptionAmountMicro(energy, { priceMicroPerKWh: String(price), currency: code } as unknown as ApplianceBody);
const rewardPosted = (energy: bigint, price: bigint, code: string): bigint =>
  rewardAmountMicro(energy, { rewardPriceMicroPerKWh: String(price), currency: code } as unknown as EventBody);

const FLOWS: ReadonlyArray<[string, (energy: bigint, price: bigint, code: string) => bigint]> = [
  ['S1 a session at an offer', offerPosted],
  ['S2 a PPA delivery', ppaPosted],
  ['S6 a market fill (buyer)', (energy, price, code) => fillCostMicro('buy', energy, price, code)],
  ['S7 a P2P settlement', p2pPosted],
  ['S8 a device-to-device transfer', (energy, price, code) => d2dFigures(energy, energy, price, code).amountMicro],
  ['S9 a connection service', connectionPosted],
  ['S10 prepaid consumption', consumptionPosted],
  ['S10 a DR reward', rewardPosted],
];

describe('SPEC §5 posting rule: one rounding, half to even, to the minor unit, in every billed or paid flow', () => {
  for (const [flow, posted] of FLOWS) {
    it(`${flow}: posts rhe(energy × price / 10^6) in minor units, for random energies, prices and currencies`, () => {
      fc.assert(fc.property(energyMWh, priceMicro, currency, (energy, price, code) => {
        assert.equal(posted(energy, price, code), referenceEnergyMicro(energy, price, code));
      }), { numRuns: 200 });
    });

    it(`${flow}: 50.005 Wh × 0.10 EUR/kWh = 5 000.5 µ posts 0.01 EUR (µ first would give 0.00)`, () => {
      assert.equal(posted(50_005n, 100_000n, 'EUR'), 10_000n);
    });

    it(`${flow}: exactly half a minor unit rounds to even: 1.5 ct → 2 ct, 2.5 ct → 2 ct, 0.5 JPY → 0, 3.5 fils → 4 fils`, () => {
      assert.deepEqual(
        [posted(1_000_000n, 15_000n, 'EUR'), posted(1_000_000n, 25_000n, 'EUR'), posted(1_000_000n, 500_000n, 'JPY'), posted(1_000n, 3_500_000n, 'KWD')],
        [20_000n, 20_000n, 0n, 4_000n],
      );
    });
  }

  it('S1 a session over several slots: Σ energy × slot price rounded once, not per slot', () => {
    const slot = fc.record({ energy: fc.bigInt(0n, 10_000_000n), price: priceMicro });
    fc.assert(fc.property(fc.array(slot, { minLength: 1, maxLength: 8 }), currency, (parts, code) => {
      const slots = parts.map((part, index) => ({ fromMs: index * 900_000, toMs: (index + 1) * 900_000, price: new Exact(part.price.toString()).div(1_000_000).toFixed() }));
      const intervals = { start: BigInt64Array.from(parts, (_, index) => BigInt(index * 900_000)), energyMWh: BigInt64Array.from(parts, (part) => part.energy) };
      const exactNumerator = parts.reduce((sum, part) => sum + part.energy * part.price, 0n);
      assert.equal(priceAtOffer({ id: 'o', currency: code, slots }, intervals).amountMicro, referenceMicro(exactNumerator, 1_000_000n, UNIT_MICRO[code]!));
    }), { numRuns: 200 });
  });

  it('S6 a seller is paid the buyer cost negated, and a negative price rounds symmetrically (rhe(−x) = −rhe(x))', () => {
    fc.assert(fc.property(energyMWh, fc.bigInt(-100_000_000n, 100_000_000n), currency, (energy, price, code) => {
      const buyerMicro = energy * price < 0n ? -referenceMicro(-energy * price, 1_000_000n, UNIT_MICRO[code]!) : referenceMicro(energy * price, 1_000_000n, UNIT_MICRO[code]!);
      assert.deepEqual([fillCostMicro('buy', energy, price, code), fillCostMicro('sell', energy, price, code)], [buyerMicro, -buyerMicro]);
    }), { numRuns: 200 });
  });

  it('S8 pays for the lesser of sent and received energy', () => {
    fc.assert(fc.property(energyMWh, energyMWh, priceMicro, currency, (sent, received, price, code) => {
      const delivered = sent < received ? sent : received;
      assert.equal(d2dFigures(sent, received, price, code).amountMicro, referenceEnergyMicro(delivered, price, code));
    }), { numRuns: 200 });
  });

  it('S7 a stated amount other than the single-rounded one is mv_amount_mismatch', () => {
    const contract = { priceMicroPerKWh: '100000', currency: 'EUR' } as unknown as P2pContractBody;
    assert.throws(() => checkSettlementAmount(0n, 50_005n, contract), (error: unknown) => (error as { code?: string }).code === 'mv_amount_mismatch');
  });

  it('S3 a capture (or hold) is a whole number of minor units, posted as given; a fraction of one is invalid_amount, never rounded', () => {
    fc.assert(fc.property(fc.bigInt(1n, 10n ** 12n), currency, (amountMicro, code) => {
      const text = new Exact(amountMicro.toString()).div(1_000_000).toFixed();
      if (amountMicro % UNIT_MICRO[code]! === 0n) assert.equal(parseMinorAmount(text, 'amount', code), amountMicro);
      else assert.throws(() => parseMinorAmount(text, 'amount', code), (error: unknown) => error instanceof GridsettleError && error.code === 'invalid_amount');
    }), { numRuns: 300 });
  });

  it('settlement posts a SPEC §3 statement total as it is: already whole minor units, never rounded again', () => {
    assert.equal(wholePostingAmount(1_230_000n, minorUnitOf('EUR')), 1_230_000n);
    assert.throws(() => wholePostingAmount(1_230_001n, minorUnitOf('EUR')), RangeError);
  });
});

describe('SPEC §5 posting rule: postingAmount in every unit', () => {
  it('equals rhe(numerator / denominator) in minor units or µ, negative amounts symmetric', () => {
    const unit = fc.oneof(currency.map((code) => ({ unit: minorUnitOf(code), unitMicro: UNIT_MICRO[code]! })), fc.constant({ unit: MICRO, unitMicro: 1n }));
    fc.assert(fc.property(fc.bigInt(-(2n ** 100n), 2n ** 100n), fc.bigInt(1n, 2n ** 40n), unit, (numerator, denominator, { unit: postingUnit, unitMicro }) => {
      const magnitude = referenceMicro(numerator < 0n ? -numerator : numerator, denominator, unitMicro);
      assert.equal(postingAmount({ numerator, denominator, unit: postingUnit }), numerator < 0n ? -magnitude : magnitude);
    }), { numRuns: 500 });
  });
});

/** Checks a split against its definition: Σ parts = whole, whole units, each within one unit of its exact share. */
function assertSplit(wholeMicro: bigint, weights: readonly bigint[], unitMicro: bigint, parts: readonly bigint[]): void {
  const totalWeight = weights.reduce((sum, weight) => sum + weight, 0n);
  assert.equal(parts.reduce((sum, part) => sum + part, 0n), wholeMicro);
  parts.forEach((part, index) => {
    assert.equal(part % unitMicro, 0n);
    const exactShare = new Exact(wholeMicro.toString()).mul(weights[index]!.toString()).div(totalWeight.toString());
    assert.ok(exactShare.sub(part.toString()).abs().lt(unitMicro.toString()), `part ${index}: ${part} µ vs exact ${exactShare.toFixed()}`);
  });
}

describe('SPEC §5 splits: the parts are the largest-remainder split of the rounded whole', () => {
  it('Σ parts = the whole, each within one posting unit of its exact share, for random wholes, weights and units', () => {
    const unitMicro = fc.constantFrom(1n, 1_000n, 10_000n, 1_000_000n);
    fc.assert(fc.property(unitMicro, fc.bigInt(0n, 10n ** 15n), fc.array(fc.bigInt(0n, 1_000_000n), { minLength: 1, maxLength: 64 }), (unit, units, weights) => {
      fc.pre(weights.some((weight) => weight > 0n));
      assertSplit(units * unit, weights, unit, largestRemainderSplit(units * unit, weights, unit));
    }), { numRuns: 500 });
  });

  it('ties go to the lower index: 1 unit by weights 1 : 1 : 1 goes to the first, 2 units to the first two', () => {
    assert.deepEqual(largestRemainderSplit(10_000n, [1n, 1n, 1n], 10_000n), [10_000n, 0n, 0n]);
    assert.deepEqual(largestRemainderSplit(20_000n, [1n, 1n, 1n], 10_000n), [10_000n, 10_000n, 0n]);
  });

  it('S4 posts the compensation split among occupants (µ), equal to the kernel\'s SPEC §4 shares', () => {
    const occupant = fc.record({ partyId: fc.constantFrom('a', 'b', 'c'), share: fc.integer({ min: 1, max: 1_000_000 }) });
    const request = fc.record({
      energyMWh: fc.integer({ min: 0, max: 1_000_000 }), price: fc.constantFrom('0', '0.000001', '0.31', '99.999999'),
      occupants: fc.array(occupant, { minLength: 1, maxLength: 64 }),
    }).map((drawn): SharingRequest => ({
      currency: 'EUR', ts: 0, providerPartyId: 'provider', beneficiaryPartyId: 'beneficiary', durationMs: 3_600_000, capacityMWh: 10_000_000,
      alphaPpm: 200_000, betaPpm: 100_000, cRefPpm: 500_000, ...drawn,
    }));
    fc.assert(fc.property(request, (sharing) => {
      const result = shareCompensation(shareInputOf(sharing));
      const { sharesMicro, collect, shares } = sharingTransfers('ev', sharing, result, 'clearing');
      const compensationMicro = BigInt(new Exact(result.compensation).mul(1_000_000).toFixed(0));
      assertSplit(compensationMicro, sharing.occupants.map((entry) => BigInt(entry.share as number)), 1n, sharesMicro);
      assert.deepEqual(sharesMicro.map((part) => new Exact(part.toString()).div(1_000_000).toFixed(6)), result.shares.map((share) => share.amount));
      assert.equal(shares.reduce((sum, transfer) => sum + transfer.amountMicro, 0n), collect?.amountMicro ?? 0n);
    }), { numRuns: 200 });
  });
});

describe('SPEC §1 numbers: a bigint becomes a number only through safeNumber', () => {
  it('±(2^53 − 1) pass exactly; ±2^53 are limit_exceeded naming SAFE_INTEGER_MAX', () => {
    assert.deepEqual([safeNumber(2n ** 53n - 1n, 'energyMWh'), safeNumber(-(2n ** 53n - 1n), 'energyMWh')], [Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
    for (const value of [2n ** 53n, -(2n ** 53n)]) {
      assert.throws(() => safeNumber(value, 'energyMWh'), (error: unknown) =>
        error instanceof GridsettleError && error.code === 'limit_exceeded' && /SAFE_INTEGER_MAX/.test(error.message) && /energyMWh/.test(error.message));
    }
  });
});
