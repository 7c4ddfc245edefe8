// The pure rules of the metered-contract flows, independent of HTTP:
// S2 PPA volume cap and revisions, S7 M&V validation, S9 attribution
// (SPEC §8; docs/flows.md "S2", "S7", "S9").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GridsettleError } from '../host/errors.js';
import { FlowError } from '../host/flows/errors.js';
import { cappedDelivery, nextRevision, revisionTransfer, type DeliveryRevision, type PpaBody } from '../host/flows/ppa-rules.js';
import { checkMeasurement, checkMessageTime, checkSettlementAmount, mvTransfer, type P2pContractBody } from '../host/flows/p2p-rules.js';
import {
  attributedPartyOf, checkEventSpan, checkPlausible, checkRatedPowerW, connectionPointOf, serviceQuantityMWh, serviceTransfer, type AssetBody, type ConnectionEventBody, type GcpBody,
} from '../host/flows/connection-rules.js';

const codeOf = (code: string) => (error: unknown) => (error instanceof FlowError || error instanceof GridsettleError) && error.code === code;
const WINDOW = { from: 3_600_000, to: 7_200_000 };
const metered = (energyMWh: bigint) => ({ energyMWh, unassignedMWh: 0n, unassignedSpans: 0 });

describe('S2 PPA deliveries', () => {
  const ppa: PpaBody = {
    supplier: 'sup', transmission: 'tso', priceMicroPerKWh: '85300', currency: 'EUR', volumeMWh: 30_000_000,
    period: { from: 0, to: 86_400_000 }, windowMs: 3_600_000, meters: ['m'], createdAtMs: 0, leafIndex: 0, status: 'accepted', decidedAtMs: 0, decisionLeafIndex: 1,
  };

  it('energy beyond the contracted volume is capped: paid up to what is left, the rest is excess', () => {
    assert.deepEqual(cappedDelivery(5n, 30n, 20n), { deliveredMWh: 5n, excessMWh: 0n });
    assert.deepEqual(cappedDelivery(15n, 30n, 20n), { deliveredMWh: 10n, excessMWh: 5n });
    assert.deepEqual(cappedDelivery(15n, 30n, 30n), { deliveredMWh: 0n, excessMWh: 15n });
    assert.deepEqual(cappedDelivery(15n, 30n, 40n), { deliveredMWh: 0n, excessMWh: 15n });
  });

  it('a first revision pays the whole amount transmission → supplier; unchanged figures give no revision', () => {
    const first = nextRevision('ppa', ppa, WINDOW, metered(12_345_678n), 0n, null)!;
    assert.deepEqual([first.revision, first.amountMicro, first.deltaMicro, first.transferId], [1, '1050000', '1050000', `s2:ppa:${WINDOW.from}:r1`]);
    const transfer = revisionTransfer(ppa, WINDOW, first, [])!;
    assert.deepEqual([transfer.debit, transfer.credit, transfer.ts], ['wallet:tso:EUR', 'wallet:sup:EUR', WINDOW.to]);
    assert.equal(nextRevision('ppa', ppa, WINDOW, metered(12_345_678n), 0n, { ...first, leafIndex: 1 }), null);
  });

  it('a correction moves only the difference, back to the transmission company when the window shrank, referencing the last transfer', () => {
    const first: DeliveryRevision = { ...nextRevision('ppa', ppa, WINDOW, metered(12_345_678n), 0n, null)!, leafIndex: 1 };
    const lower = nextRevision('ppa', ppa, WINDOW, metered(6_000_000n), 0n, first)!;
    // 6 000 000 × 85 300 / 10^6 = 511 800 µ → 0.51 EUR; 0.51 − 1.05 = −0.54.
    assert.deepEqual([lower.revision, lower.amountMicro, lower.deltaMicro], [2, '510000', '-540000']);
    const transfer = revisionTransfer(ppa, WINDOW, lower, [first.transferId!])!;
    assert.deepEqual([transfer.debit, transfer.credit, transfer.amountMicro, transfer.refs], ['wallet:sup:EUR', 'wallet:tso:EUR', 540_000n, [first.transferId]]);
    // More metered energy that the cap swallows moves no money but is still a new revision (its excess changed).
    const capped = nextRevision('ppa', ppa, WINDOW, metered(40_000_000n), 0n, { ...nextRevision('ppa', ppa, WINDOW, metered(35_000_000n), 0n, null)!, leafIndex: 1 })!;
    assert.deepEqual([capped.deliveredMWh, capped.excessMWh, capped.deltaMicro, capped.transferId], [30_000_000, 10_000_000, '0', null]);
    assert.equal(revisionTransfer(ppa, WINDOW, capped, []), null);
  });
});

describe('S7 M&V validation', () => {
  const contract: P2pContractBody = {
    seller: 'sel', buyer: 'buy', priceMicroPerKWh: '123400', currency: 'EUR', period: { from: 0, to: 86_400_000 }, windowMs: 3_600_000,
    meters: ['m'], toleranceMWh: 50_000, state: 'active', sellerSignedAtMs: 0, buyerSignedAtMs: 0, leafIndex: 0,
  };

  it('the stated energy may differ from the metered energy by at most the tolerance, either way', () => {
    checkMeasurement(3_050_000n, 3_000_000n, 50_000n);
    checkMeasurement(2_950_000n, 3_000_000n, 50_000n);
    checkMeasurement(0n, 0n, 0n);
    assert.throws(() => checkMeasurement(3_050_001n, 3_000_000n, 50_000n), codeOf('mv_mismatch'));
    assert.throws(() => checkMeasurement(2_949_999n, 3_000_000n, 50_000n), codeOf('mv_mismatch'));
    assert.throws(() => checkMeasurement(1n, 0n, 0n), codeOf('mv_mismatch'));
  });

  it('the stated amount must be exactly the contract price on the stated energy', () => {
    assert.equal(checkSettlementAmount(380_000n, 3_050_000n, contract), 380_000n);
    assert.throws(() => checkSettlementAmount(376_370n, 3_050_000n, contract), codeOf('mv_amount_mismatch'));
    assert.throws(() => checkSettlementAmount(370_000n, 3_050_000n, contract), codeOf('mv_amount_mismatch'));
  });

  it('a message is sent after its window ends and not from the future; a zero amount moves no money', () => {
    checkMessageTime(WINDOW.to, WINDOW, WINDOW.to);
    checkMessageTime(WINDOW.to + 300_000, WINDOW, WINDOW.to);
    assert.throws(() => checkMessageTime(WINDOW.to - 1, WINDOW, WINDOW.to), codeOf('invalid_input'));
    assert.throws(() => checkMessageTime(WINDOW.to + 300_001, WINDOW, WINDOW.to), codeOf('invalid_input'));
    assert.equal(mvTransfer('c', contract, WINDOW, 0n), null);
    const transfer = mvTransfer('c', contract, WINDOW, 380_000n)!;
    assert.deepEqual([transfer.id, transfer.debit, transfer.credit], [`s7:c:${WINDOW.from}`, 'wallet:buy:EUR', 'wallet:sel:EUR']);
  });
});

describe('S9 attribution of connection events', () => {
  const gcp: GcpBody = { operator: 'tso', holder: 'site', priceMicroPerKWh: '250000', currency: 'EUR', geo: { lat: '0', lon: '0' }, ratedPowerW: 11_000, createdAtMs: 0 };
  const mobile: AssetBody = { owner: 'driver', type: 'mobile', gcp: null, meterId: null, createdAtMs: 0 };
  const stationary: AssetBody = { owner: 'home', type: 'stationary', gcp: 'gcp-a', meterId: 'm', createdAtMs: 0 };

  it('a mobile asset\'s event goes to the point it names (its holder), any other asset\'s to its owner', () => {
    assert.equal(attributedPartyOf(mobile, gcp), 'site');
    assert.equal(attributedPartyOf(stationary, gcp), 'home');
  });

  it('a mobile asset must name its point; a stationary asset is at its own point and may not name another', () => {
    assert.equal(connectionPointOf(mobile, 'gcp-b'), 'gcp-b');
    assert.throws(() => connectionPointOf(mobile, undefined), codeOf('connection_gcp_required'));
    assert.equal(connectionPointOf(stationary, undefined), 'gcp-a');
    assert.equal(connectionPointOf(stationary, 'gcp-a'), 'gcp-a');
    assert.throws(() => connectionPointOf(stationary, 'gcp-b'), codeOf('connection_gcp_mismatch'));
    assert.throws(() => connectionPointOf({ ...stationary, gcp: null }, undefined), codeOf('connection_gcp_required'));
  });

  it('a metered asset\'s quantity is its meter\'s; an unmetered asset must report one', () => {
    assert.equal(serviceQuantityMWh(7, null), 7n);
    assert.throws(() => serviceQuantityMWh(undefined, null), codeOf('connection_quantity_required'));
    assert.equal(serviceQuantityMWh(undefined, 9n), 9n);
    assert.equal(serviceQuantityMWh(9, 9n), 9n);
    assert.throws(() => serviceQuantityMWh(8, 9n), codeOf('connection_quantity_mismatch'));
  });

  it('an event has ended, runs forward, and for a metered asset lies on the interval grid', () => {
    checkEventSpan(1, 2, 2, null);
    assert.throws(() => checkEventSpan(2, 2, 5, null), codeOf('invalid_input'));
    assert.throws(() => checkEventSpan(1, 3, 2, null), codeOf('window_open'));
    checkEventSpan(900_000, 1_800_000, 1_800_000, 900_000);
    assert.throws(() => checkEventSpan(900_000, 1_800_001, 2_000_000, 900_000), codeOf('invalid_input'));
  });

  it('an event fits through its point only up to rated power × duration (exactly), else connection_implausible', () => {
    // 11 000 W for one hour is 11 000 000 mWh.
    checkPlausible(11_000_000n, 0, 3_600_000, 11_000);
    assert.throws(() => checkPlausible(11_000_001n, 0, 3_600_000, 11_000), codeOf('connection_implausible'));
    // 1 000 kWh in one minute needs 60 MW.
    assert.throws(() => checkPlausible(1_000_000_000n, 0, 60_000, 11_000), codeOf('connection_implausible'));
    checkPlausible(1_000_000_000n, 0, 60_000, 60_000_000);
  });

  it('a point\'s rated power lies in SPEC §1\'s maxPowerW range 1 … 10^8 W; outside it is limit_exceeded', () => {
    checkRatedPowerW(1);
    checkRatedPowerW(100_000_000);
    for (const ratedPowerW of [0, -1, 100_000_001]) assert.throws(() => checkRatedPowerW(ratedPowerW), codeOf('limit_exceeded'));
  });

  it('the attributed account pays the point\'s network operator; a zero amount moves nothing', () => {
    const event: ConnectionEventBody = {
      asset: 'ev', assetType: 'mobile', owner: 'driver', gcp: 'gcp-b', attributedTo: 'site', quantityMWh: 7_500_000, measured: false, unassignedMWh: null, unassignedSpans: null,
      from: 0, to: 10, reporter: 'driver', attribution: 'consented', state: 'open', decidedAtMs: null, decisionLeafIndex: null, leafIndex: 0, settlement: null,
    };
    const transfer = serviceTransfer('e1', event, gcp, 1_880_000n)!;
    assert.deepEqual([transfer.id, transfer.debit, transfer.credit, transfer.ts], ['s9:e1', 'wallet:site:EUR', 'wallet:tso:EUR', 10]);
    assert.equal(serviceTransfer('e1', event, gcp, 0n), null);
  });
});
