// S2 energy purchase agreements (SPEC §8, §5 "Permissioned"; docs/flows.md
// "S2"): a supplier proposes a PPA to a transmission company, which accepts
// it (before its period starts) or declines it; once accepted, settled
// windows of its metered export become delivery records under the PPA and
// transfers transmission → supplier at the PPA price, capped at the volume;
// late readings correct a window by the difference; only the PPA's two
// parties and regulators can read any of it (SPEC §5: not operators).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, frame } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, QUARTER_MS, allLeaves, assertReadStatus, extraMeter, extraParty, ingest, type LeafRecord } from './flow-contract-helpers.js';

const PERIOD = { from: NOW_MS - 6 * HOUR_MS, to: NOW_MS + 18 * HOUR_MS };
const windowAt = (hoursBeforeNow: number) => ({ from: NOW_MS - hoursBeforeNow * HOUR_MS, to: NOW_MS - (hoursBeforeNow - 1) * HOUR_MS });
const W1 = windowAt(6);
const W2 = windowAt(5);
const W3 = windowAt(4);
const BASE_X = 1_000_000;
/** The PPAs are proposed and accepted an hour before their period starts; deliveries are settled at NOW_MS. */
const PROPOSED_MS = PERIOD.from - HOUR_MS;

interface DeliveryReply {
  delivery: {
    revision: number; meteredMWh: number; deliveredMWh: number; excessMWh: number; amount: string; transfers: string[];
    leafIndexes: number[];
  };
  posted: boolean;
}

const ppaTerms = (overrides: Record<string, unknown> = {}) => ({
  id: 'ppa-1', transmission: 'p-transmission', price: '0.0853', currency: 'EUR', volumeMWh: 30_000_000,
  period: PERIOD, windowMs: HOUR_MS, meters: ['m-2'], ...overrides,
});

for (const backend of storeBackends()) {
  describe(`flows: S2 energy purchase agreements (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let outsiders: string[];
    let insiders: string[];
    let clock = PROPOSED_MS;
    const decide = (key: string, decision: 'accept' | 'decline', ppaId = 'ppa-1') => call(fixture.app, key, 'POST', `/v1/ppas/${ppaId}/${decision}`);
    const settle = (key: string, window: { from: number; to: number }, ppaId = 'ppa-1') =>
      call(fixture.app, key, 'POST', `/v1/ppas/${ppaId}/deliveries`, window);

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clock });
      const otherSupplier = await extraParty(fixture, 'p-supplier-2', 'supplier');
      const otherTransmission = await extraParty(fixture, 'p-transmission-2', 'transmission');
      await extraMeter(fixture, 'm-3', 'p-supplier');
      outsiders = [fixture.as('participant'), otherSupplier, otherTransmission, fixture.as('gateway'), fixture.as('authority'), fixture.as('operator')];
      insiders = [fixture.as('supplier'), fixture.as('transmission'), fixture.as('regulator')];
      await fundedWallet(fixture, 'transmission', 'EUR', '10.00');
      await fundedWallet(fixture, 'supplier', 'EUR', '0');
    });
    after(async () => fixture.close());

    it('a supplier records a PPA as a ledger record of kind ppa; the same request again answers the same PPA', async () => {
      const first = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms());
      assert.equal(first.statusCode, 201, first.body);
      const { ppa } = first.json() as { ppa: { price: string; leafIndex: number; supplier: string } };
      assert.equal(ppa.price, '0.0853');
      assert.equal(ppa.supplier, 'p-supplier');
      const again = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms());
      assert.equal(again.statusCode, 200);
      assert.equal((again.json() as { ppa: { leafIndex: number } }).ppa.leafIndex, ppa.leafIndex);
      assertError(await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms({ price: '0.09' })), 409, 'already_exists');
    });

    it('a proposed PPA settles nothing (not_accepted); only its own transmission company accepts it, once', async () => {
      assertError(await settle(fixture.as('supplier'), W1), 409, 'not_accepted');
      assertError(await decide(fixture.as('supplier'), 'accept'), 403, 'forbidden');
      assertError(await decide(outsiders[2]!, 'accept'), 404, 'not_found');
      const accepted = await decide(fixture.as('transmission'), 'accept');
      assert.equal(accepted.statusCode, 200, accepted.body);
      const { ppa } = accepted.json() as { ppa: { status: string; decidedAt: number; decisionLeafIndex: number } };
      assert.deepEqual([ppa.status, ppa.decidedAt, typeof ppa.decisionLeafIndex], ['accepted', PROPOSED_MS, 'number']);
      const again = (await decide(fixture.as('transmission'), 'accept')).json() as { ppa: { decisionLeafIndex: number } };
      assert.equal(again.ppa.decisionLeafIndex, ppa.decisionLeafIndex);
      assertError(await decide(fixture.as('transmission'), 'decline'), 409, 'invalid_state');
      clock = NOW_MS;
    });

    it('a PPA whose period has started cannot be accepted (ppa_period_started); a declined PPA never settles', async () => {
      const late = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms({ id: 'ppa-late', price: '30.00' }));
      assert.equal(late.statusCode, 201, late.body);
      assertError(await decide(fixture.as('transmission'), 'accept', 'ppa-late'), 409, 'ppa_period_started');
      const declined = await decide(fixture.as('transmission'), 'decline', 'ppa-late');
      assert.equal(declined.statusCode, 200, declined.body);
      assert.equal((declined.json() as { ppa: { status: string } }).ppa.status, 'declined');
      assertError(await settle(fixture.as('supplier'), W1, 'ppa-late'), 409, 'not_accepted');
      assertError(await settle(fixture.as('operator'), W1, 'ppa-late'), 404, 'not_found');
      assertError(await decide(fixture.as('transmission'), 'accept', 'ppa-late'), 409, 'invalid_state');
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('transmission'), 'wallet:p-transmission:EUR')), 10_000_000n);
    });

    it('a delivery window is the export of the delivery meter, paid at the PPA price rounded to the cent; a re-run posts nothing', async () => {
      await ingest(fixture, 1, [frame('m-2', -6 * HOUR_MS, 0, BASE_X), frame('m-2', -5.5 * HOUR_MS, 0, BASE_X + 6_000_000)]);
      const first = await settle(fixture.as('supplier'), W1);
      assert.equal(first.statusCode, 201, first.body);
      const settled = first.json() as DeliveryReply;
      // 6 000 000 mWh × 85 300 µ/kWh / 10^6 = 511 800 µ → 0.51 EUR.
      assert.deepEqual([settled.delivery.meteredMWh, settled.delivery.deliveredMWh, settled.delivery.amount], [6_000_000, 6_000_000, '0.51']);
      assert.deepEqual(settled.delivery.transfers, [`s2:ppa-1:${W1.from}:r1`]);
      const rerun = await settle(fixture.as('transmission'), W1);
      assert.equal(rerun.statusCode, 200);
      assert.equal((rerun.json() as DeliveryReply).posted, false);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('supplier'), 'wallet:p-supplier:EUR')), 510_000n);
    });

    it('late readings correct a settled window: a new revision moves only the difference and references the first transfer', async () => {
      await ingest(fixture, 2, [
        frame('m-2', -5 * HOUR_MS, 0, BASE_X + 12_345_678), frame('m-2', -4 * HOUR_MS, 0, BASE_X + 32_345_678),
        frame('m-2', -3 * HOUR_MS, 0, BASE_X + 37_345_678),
      ]);
      const corrected = (await settle(fixture.as('supplier'), W1)).json() as DeliveryReply;
      // 12 345 678 × 85 300 / 10^6 = 1 053 086.3334 → 1 053 086 µ → 1.05 EUR; the correction is 1.05 − 0.51 = 0.54.
      assert.deepEqual([corrected.delivery.revision, corrected.delivery.meteredMWh, corrected.delivery.amount], [2, 12_345_678, '1.05']);
      const transfer = await call(fixture.app, fixture.as('transmission'), 'GET', `/v1/transfers/s2:ppa-1:${W1.from}:r2`);
      const view = (transfer.json() as { transfer: { amount: string; code: number; refs: string[] } }).transfer;
      assert.deepEqual([view.amount, view.code, view.refs], ['0.540000', 2202, [`s2:ppa-1:${W1.from}:r1`]]);
    });

    it('deliveries beyond the contracted volume are capped: the excess is recorded and not paid', async () => {
      const second = (await settle(fixture.as('supplier'), W2)).json() as DeliveryReply;
      // 30 000 000 − 12 345 678 left = 17 654 322 paid of 20 000 000 metered; × 85 300 / 10^6 = 1 505 913.6666 → 1 505 914 µ → 1.51 EUR.
      assert.deepEqual(
        [second.delivery.meteredMWh, second.delivery.deliveredMWh, second.delivery.excessMWh, second.delivery.amount],
        [20_000_000, 17_654_322, 2_345_678, '1.51'],
      );
      const third = await settle(fixture.as('supplier'), W3);
      assert.equal(third.statusCode, 201);
      const exhausted = (third.json() as DeliveryReply).delivery;
      assert.deepEqual([exhausted.meteredMWh, exhausted.deliveredMWh, exhausted.excessMWh, exhausted.amount, exhausted.transfers], [5_000_000, 0, 5_000_000, '0.00', []]);
      const listed = (await call(fixture.app, fixture.as('transmission'), 'GET', '/v1/ppas/ppa-1/deliveries')).json() as {
        deliveries: unknown[]; deliveredMWh: number; remainingMWh: number; amount: string;
      };
      assert.deepEqual([listed.deliveries.length, listed.deliveredMWh, listed.remainingMWh, listed.amount], [3, 30_000_000, 0, '2.56']);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('supplier'), 'wallet:p-supplier:EUR')), 2_560_000n);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('transmission'), 'wallet:p-transmission:EUR')), 7_440_000n);
    });

    it('windows: outside the period, off the window grid, or not yet ended are refused with their codes', async () => {
      assertError(await settle(fixture.as('supplier'), windowAt(7)), 400, 'window_outside_period');
      assertError(await settle(fixture.as('supplier'), { from: W2.from + QUARTER_MS, to: W2.to + QUARTER_MS }), 400, 'window_misaligned');
      assertError(await settle(fixture.as('supplier'), { from: W2.from, to: W2.to + HOUR_MS }), 400, 'window_misaligned');
      assertError(await settle(fixture.as('supplier'), windowAt(0)), 409, 'window_open');
    });

    it('a delivery the transmission company cannot pay is insufficient_funds and stores nothing; after a top-up it settles', async () => {
      const wallet = await fundedWallet(fixture, 'transmission', 'USD', '0.10');
      await fundedWallet(fixture, 'supplier', 'USD', '0');
      clock = PROPOSED_MS;
      const created = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms({ id: 'ppa-usd', currency: 'USD', meters: ['m-3'] }));
      assert.equal(created.statusCode, 201, created.body);
      assert.equal((await decide(fixture.as('transmission'), 'accept', 'ppa-usd')).statusCode, 200);
      clock = NOW_MS;
      await ingest(fixture, 3, [frame('m-3', -6 * HOUR_MS, 5, 0), frame('m-3', -5 * HOUR_MS, 5, 2_000_000)]);
      assertError(await settle(fixture.as('supplier'), W1, 'ppa-usd'), 409, 'insufficient_funds');
      const listed = (await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/ppas/ppa-usd/deliveries')).json() as { deliveries: unknown[] };
      assert.deepEqual(listed.deliveries, []);
      await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${wallet}/top-ups`, { id: 'usd-2', amount: '1', ts: NOW_MS });
      const settled = (await settle(fixture.as('supplier'), W1, 'ppa-usd')).json() as DeliveryReply;
      // 2 000 000 × 85 300 / 10^6 = 170 600 µ → 0.17 USD.
      assert.deepEqual([settled.delivery.revision, settled.delivery.amount], [1, '0.17']);
    });

    it('bad terms: a foreign or unknown meter, a counterparty that is not a transmission company, bad prices, periods and limits', async () => {
      const create = (overrides: Record<string, unknown>) => call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', ppaTerms({ id: 'ppa-bad', ...overrides }));
      assertError(await create({ meters: ['m-1'] }), 400, 'meter_not_owned');
      assertError(await create({ meters: ['m-none'] }), 400, 'meter_not_owned');
      assertError(await create({ transmission: 'p-participant' }), 400, 'counterparty_invalid');
      assertError(await create({ transmission: 'p-nobody' }), 400, 'counterparty_invalid');
      assertError(await create({ price: '0.1234567' }), 400, 'invalid_amount');
      assertError(await create({ price: '-0.01' }), 400, 'invalid_amount');
      assertError(await create({ price: 0.08 }), 400, 'invalid_amount');
      assertError(await create({ currency: 'XYZ' }), 400, 'invalid_input');
      assertError(await create({ period: { from: PERIOD.from + 1, to: PERIOD.to } }), 400, 'invalid_input');
      assertError(await create({ period: { from: PERIOD.to, to: PERIOD.from } }), 400, 'invalid_input');
      assertError(await create({ windowMs: 1_000 }), 400, 'invalid_input');
      assertError(await create({ windowMs: QUARTER_MS, period: { from: PERIOD.from, to: PERIOD.from + 10_001 * QUARTER_MS } }), 400, 'limit_exceeded');
      assertError(await create({ volumeMWh: 0 }), 400, 'limit_exceeded');
      assertError(await create({ id: 'x'.repeat(65) }), 400, 'limit_exceeded');
      assert.equal((await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/ppas/ppa-bad')).statusCode, 404);
    });

    it('roles: only a supplier records a PPA, only its transmission company decides; only its parties settle; a regulator gets 403, every other party 404 (operators included)', async () => {
      for (const role of ['participant', 'transmission', 'regulator', 'gateway', 'authority', 'operator'] as const) {
        assertError(await call(fixture.app, fixture.as(role), 'POST', '/v1/ppas', ppaTerms({ id: 'ppa-role' })), 403, 'forbidden');
      }
      for (const role of ['participant', 'supplier', 'regulator', 'gateway', 'authority', 'operator'] as const) {
        assertError(await decide(fixture.as(role), 'accept'), 403, 'forbidden');
        assertError(await decide(fixture.as(role), 'decline'), 403, 'forbidden');
      }
      assertError(await settle(fixture.as('regulator'), W1), 403, 'forbidden');
      for (const key of outsiders) assertError(await settle(key, W1), 404, 'not_found');
      assert.equal((await settle(fixture.as('transmission'), W1)).statusCode, 200);
    });

    it('permissioned: the PPA, its deliveries and their ledger leaves answer 404 to every other party and 200 to its parties and regulators', async () => {
      for (const url of ['/v1/ppas/ppa-1', '/v1/ppas/ppa-1/deliveries', '/v1/ppas/nonexistent']) {
        await assertReadStatus(fixture, outsiders, url, 404);
      }
      await assertReadStatus(fixture, insiders, '/v1/ppas/ppa-1', 200);
      await assertReadStatus(fixture, insiders, '/v1/ppas/ppa-1/deliveries', 200);
      const leaves = (await allLeaves(fixture)).filter(isPpa1Leaf);
      // The agreement, its acceptance, four delivery records (W1 twice, W2, W3) and three transfers (W1 r1, W1 r2, W2).
      assert.deepEqual(leaves.map((leaf) => leafKindOf(leaf)), ['agreement', 'decision', 'transfer', 'delivery', 'transfer', 'delivery', 'transfer', 'delivery', 'delivery']);
      for (const leaf of leaves) {
        await assertReadStatus(fixture, outsiders, `/v1/ledger/leaves/${leaf.index}`, 404);
        await assertReadStatus(fixture, insiders, `/v1/ledger/leaves/${leaf.index}`, 200);
      }
    });

    it('the agreement, its acceptance and a corrected delivery are provably in the signed tree, for the supplier, the transmission company and a regulator', async () => {
      const leaves = (await allLeaves(fixture)).filter(isPpa1Leaf);
      const agreement = leaves.find((leaf) => leafKindOf(leaf) === 'agreement')!;
      const acceptance = leaves.find((leaf) => leafKindOf(leaf) === 'decision')!;
      const correction = leaves.find((leaf) => leafKindOf(leaf) === 'delivery' && (leaf.record.body as { revision: number }).revision === 2)!;
      for (const role of ['supplier', 'transmission', 'regulator'] as const) {
        const record = await assertRecordProven(fixture, fixture.as(role), agreement.index);
        assert.deepEqual(record.body, {
          type: 'agreement', ppa: 'ppa-1', supplier: 'p-supplier', transmission: 'p-transmission', price: '0.0853', currency: 'EUR',
          volumeMWh: 30_000_000, period: PERIOD, windowMs: HOUR_MS, meters: ['m-2'], ts: PROPOSED_MS,
        });
        const decision = await assertRecordProven(fixture, fixture.as(role), acceptance.index);
        assert.deepEqual(decision.body, {
          type: 'decision', ppa: 'ppa-1', agreementLeaf: agreement.index, supplier: 'p-supplier', transmission: 'p-transmission',
          decision: 'accepted', period: PERIOD, ts: PROPOSED_MS,
        });
      }
      const record = await assertRecordProven(fixture, fixture.as('transmission'), correction.index);
      const body = record.body as Record<string, unknown>;
      assert.deepEqual(
        [body.agreementLeaf, body.window, body.meteredMWh, body.amount, body.adjustment, body.transfer],
        [agreement.index, W1, 12_345_678, '1.05', '0.54', `s2:ppa-1:${W1.from}:r2`],
      );
      await assertLedgerSound(fixture);
    });
  });
}

function isPpa1Leaf(leaf: LeafRecord): boolean {
  if (leaf.record.record === 'ppa') return (leaf.record.body as { ppa: string }).ppa === 'ppa-1';
  return leaf.record.record === 'transfer' && String(leaf.record.id).startsWith('s2:ppa-1:');
}

function leafKindOf(leaf: LeafRecord): string {
  return leaf.record.record === 'transfer' ? 'transfer' : String((leaf.record.body as { type: string }).type);
}
