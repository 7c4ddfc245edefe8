// S7 peer-to-peer digital contracts with M&V (SPEC §8, §5; docs/flows.md
// "S7"): a seller proposes, the buyer signs, and only then M&V messages are
// taken; each is validated against the seller's stored meter data within the
// contract's tolerance, recorded with its timestamp and geodetic reference,
// and settled buyer → seller at the contract price, once per window.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, frame } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, QUARTER_MS, allLeaves, assertReadStatus, extraParty, ingest } from './flow-contract-helpers.js';

const PERIOD = { from: NOW_MS - 4 * HOUR_MS, to: NOW_MS + 20 * HOUR_MS };
const windowAt = (hoursBeforeNow: number) => ({ from: NOW_MS - hoursBeforeNow * HOUR_MS, to: NOW_MS - (hoursBeforeNow - 1) * HOUR_MS });
const W1 = windowAt(4);
const W2 = windowAt(3);
const GEO = { lat: '52.5200066', lon: '13.404954' };

const contractTerms = (overrides: Record<string, unknown> = {}) => ({
  id: 'p2p-1', buyer: 'p-buyer', price: '0.1234', currency: 'EUR', period: PERIOD, windowMs: HOUR_MS, meters: ['m-1'],
  toleranceMWh: 50_000, ...overrides,
});

const message = (window: { from: number; to: number }, energyMWh: number, amount: string | number, overrides: Record<string, unknown> = {}) => ({
  window, energyMWh, amount, ts: window.to + 60_000, geo: GEO, ...overrides,
});

interface MessageReply {
  message: { energyMWh: number; meteredMWh: number; amount: string; transferId: string | null; leafIndex: number; reporter: string };
}

for (const backend of storeBackends()) {
  describe(`flows: S7 P2P contracts with M&V (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let buyer: string;
    let outsiders: string[];
    const send = (key: string, body: object, contractId = 'p2p-1') => call(fixture.app, key, 'POST', `/v1/p2p-contracts/${contractId}/mv`, body);

    before(async () => {
      fixture = await openFlows(backend);
      buyer = await extraParty(fixture, 'p-buyer', 'participant');
      const otherParticipant = await extraParty(fixture, 'p-other', 'participant');
      outsiders = [otherParticipant, fixture.as('supplier'), fixture.as('transmission'), fixture.as('gateway'), fixture.as('authority')];
      await fundedWallet(fixture, 'participant', 'EUR', '0');
      const opened = await call(fixture.app, buyer, 'POST', '/v1/wallets', { currency: 'EUR' });
      assert.equal(opened.statusCode, 201);
      await call(fixture.app, fixture.as('operator'), 'POST', '/v1/wallets/wallet:p-buyer:EUR/top-ups', { id: 'buyer-fund', amount: '5.00', ts: NOW_MS });
      await ingest(fixture, 1, [
        frame('m-1', -4 * HOUR_MS, 100, 0), frame('m-1', -3 * HOUR_MS, 100, 8_765_432), frame('m-1', -2 * HOUR_MS, 100, 11_765_432),
      ]);
    });
    after(async () => fixture.close());

    it('a contract is active only when both have signed: the seller proposes, M&V before the buyer signs is invalid_state', async () => {
      const proposed = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts', contractTerms());
      assert.equal(proposed.statusCode, 201, proposed.body);
      const contract = (proposed.json() as { contract: { state: string; leafIndex: number | null; price: string } }).contract;
      assert.deepEqual([contract.state, contract.leafIndex, contract.price], ['proposed', null, '0.1234']);
      assertError(await send(fixture.as('participant'), message(W1, 8_800_000, '1.09')), 409, 'invalid_state');
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts/p2p-1/accept'), 403, 'forbidden');
      const accepted = await call(fixture.app, buyer, 'POST', '/v1/p2p-contracts/p2p-1/accept');
      assert.equal(accepted.statusCode, 200, accepted.body);
      const signed = (accepted.json() as { contract: { state: string; leafIndex: number; buyerSignedAtMs: number } }).contract;
      assert.deepEqual([signed.state, typeof signed.leafIndex, signed.buyerSignedAtMs], ['active', 'number', NOW_MS]);
      const again = (await call(fixture.app, buyer, 'POST', '/v1/p2p-contracts/p2p-1/accept')).json() as { contract: { leafIndex: number } };
      assert.equal(again.contract.leafIndex, signed.leafIndex);
    });

    it('a message within tolerance of the metered export is recorded and settled buyer → seller at the contract price', async () => {
      // Metered 8 765 432 mWh; the message states 8 800 000 (34 568 apart, tolerance 50 000).
      // 8 800 000 × 123 400 µ/kWh / 10^6 = 1 085 920 µ → 1.09 EUR.
      const sent = await send(fixture.as('participant'), message(W1, 8_800_000, '1.09'));
      assert.equal(sent.statusCode, 201, sent.body);
      const settled = (sent.json() as MessageReply).message;
      assert.deepEqual([settled.meteredMWh, settled.amount, settled.transferId, settled.reporter], [8_765_432, '1.09', `s7:p2p-1:${W1.from}`, 'p-participant']);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('participant'), 'wallet:p-participant:EUR')), 1_090_000n);
    });

    it('a window is settled once: the same message again answers it unchanged, another message is mv_window_settled', async () => {
      const repeat = await send(buyer, message(W1, 8_800_000, '1.09'));
      assert.equal(repeat.statusCode, 200);
      assertError(await send(buyer, message(W1, 8_765_432, '1.08')), 409, 'mv_window_settled');
      assert.equal(postedMicro(await balanceOf(fixture.app, buyer, 'wallet:p-buyer:EUR')), 3_910_000n);
    });

    it('validation: energy beyond tolerance is mv_mismatch, an amount off the contract price is mv_amount_mismatch; nothing is stored', async () => {
      assertError(await send(buyer, message(W2, 3_050_001, '0.38')), 422, 'mv_mismatch');
      assertError(await send(buyer, message(W2, 2_949_999, '0.36')), 422, 'mv_mismatch');
      // 3 000 000 × 123 400 / 10^6 = 370 200 µ → 0.37 EUR.
      assertError(await send(buyer, message(W2, 3_000_000, '0.38')), 422, 'mv_amount_mismatch');
      assertError(await send(buyer, message(W2, 3_000_000, '0.370001')), 422, 'mv_amount_mismatch');
      const listed = (await call(fixture.app, buyer, 'GET', '/v1/p2p-contracts/p2p-1/mv')).json() as { messages: unknown[] };
      assert.equal(listed.messages.length, 1);
      const sent = await send(buyer, message(W2, 3_050_000, '0.38'));
      // 3 050 000 (exactly at the tolerance) × 123 400 / 10^6 = 376 370 µ → 0.38 EUR.
      assert.equal(sent.statusCode, 201, sent.body);
      assert.equal(postedMicro(await balanceOf(fixture.app, buyer, 'wallet:p-buyer:EUR')), 3_530_000n);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('participant'), 'wallet:p-participant:EUR')), 1_470_000n);
    });

    it('bad messages: windows outside the period, off the grid or still open, bad timestamps and geodetic references', async () => {
      const seller = fixture.as('participant');
      assertError(await send(seller, message(windowAt(5), 0, '0.00')), 400, 'window_outside_period');
      assertError(await send(seller, message({ from: W2.from + QUARTER_MS, to: W2.to + QUARTER_MS }, 0, '0.00')), 400, 'window_misaligned');
      assertError(await send(seller, message(windowAt(0), 0, '0.00', { ts: NOW_MS })), 409, 'window_open');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { ts: windowAt(2).to - 1 })), 400, 'invalid_input');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { ts: NOW_MS + 600_000 })), 400, 'invalid_input');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { geo: { lat: '90.0000001', lon: '0' } })), 400, 'invalid_input');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { geo: { lat: '1', lon: '-180.5' } })), 400, 'invalid_input');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { geo: { lat: '1.12345678', lon: '0' } })), 400, 'invalid_request');
      assertError(await send(seller, message(windowAt(2), 0, '0.00', { geo: { lat: 1.5, lon: 0 } })), 400, 'invalid_input');
      assertError(await send(seller, message(windowAt(2), 0, 0)), 400, 'invalid_amount');
      assertError(await send(seller, message(windowAt(2), 0, '0.0000001')), 400, 'invalid_amount');
    });

    it('bad contracts: the buyer must be another grid element; the meters must be the seller\'s; prices and tolerances are checked', async () => {
      const propose = (overrides: Record<string, unknown>) =>
        call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts', contractTerms({ id: 'p2p-bad', ...overrides }));
      assertError(await propose({ buyer: 'p-participant' }), 400, 'counterparty_invalid');
      assertError(await propose({ buyer: 'p-gateway' }), 400, 'counterparty_invalid');
      assertError(await propose({ buyer: 'p-nobody' }), 400, 'counterparty_invalid');
      assertError(await propose({ meters: ['m-2'] }), 400, 'meter_not_owned');
      assertError(await propose({ price: '101' }), 400, 'invalid_amount');
      assertError(await propose({ toleranceMWh: -1 }), 400, 'limit_exceeded');
      assertError(await propose({ period: { from: PERIOD.from, to: PERIOD.from } }), 400, 'invalid_input');
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts', contractTerms({ price: '0.2' })), 409, 'already_exists');
    });

    it('roles: operators, regulators, gateways and authorities may not contract (403); outsiders get 404 for the contract and its routes', async () => {
      for (const role of ['operator', 'regulator', 'gateway', 'authority'] as const) {
        assertError(await call(fixture.app, fixture.as(role), 'POST', '/v1/p2p-contracts', contractTerms({ id: 'p2p-role' })), 403, 'forbidden');
        assertError(await send(fixture.as(role), message(windowAt(2), 3_000_000, '0.37')), 403, 'forbidden');
      }
      for (const outsider of [outsiders[0]!, fixture.as('supplier'), fixture.as('transmission')]) {
        assertError(await send(outsider, message(windowAt(2), 3_000_000, '0.37')), 404, 'not_found');
        assertError(await call(fixture.app, outsider, 'POST', '/v1/p2p-contracts/p2p-1/accept'), 404, 'not_found');
      }
      await assertReadStatus(fixture, outsiders, '/v1/p2p-contracts/p2p-1', 404);
      await assertReadStatus(fixture, outsiders, '/v1/p2p-contracts/p2p-1/mv', 404);
      const insiders = [fixture.as('participant'), buyer, fixture.as('regulator'), fixture.as('operator')];
      await assertReadStatus(fixture, insiders, '/v1/p2p-contracts/p2p-1', 200);
      await assertReadStatus(fixture, insiders, '/v1/p2p-contracts/p2p-1/mv', 200);
    });

    it('the signed contract and each M&V record carry the parties, timestamp and geodetic reference, provably, and only they read them', async () => {
      const leaves = (await allLeaves(fixture)).filter((leaf) => leaf.record.record === 'p2p-contract' || leaf.record.record === 'p2p-mv');
      assert.deepEqual(leaves.map((leaf) => leaf.record.record), ['p2p-contract', 'p2p-mv', 'p2p-mv']);
      for (const leaf of leaves) await assertReadStatus(fixture, outsiders, `/v1/ledger/leaves/${leaf.index}`, 404);
      const contract = await assertRecordProven(fixture, buyer, leaves[0]!.index);
      assert.deepEqual((contract.body as { parties: string[]; signed: unknown }).parties, ['p-participant', 'p-buyer']);
      const record = await assertRecordProven(fixture, fixture.as('regulator'), leaves[2]!.index);
      assert.deepEqual(record.body, {
        contract: 'p2p-1', contractLeaf: leaves[0]!.index, seller: 'p-participant', buyer: 'p-buyer', parties: ['p-participant', 'p-buyer'],
        price: '0.1234', currency: 'EUR', window: W2, energyMWh: 3_050_000, meteredMWh: 3_000_000, unassignedMWh: 0, unassignedSpans: 0, toleranceMWh: 50_000, amount: '0.38',
        transfer: `s7:p2p-1:${W2.from}`, reporter: 'p-buyer', ts: W2.to + 60_000, geo: GEO,
      });
      await assertRecordProven(fixture, fixture.as('participant'), leaves[1]!.index);
      await assertLedgerSound(fixture);
    });
  });
}
