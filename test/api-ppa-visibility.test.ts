// SPEC §5 "Permissioned" over HTTP: energy-purchase-agreement records are
// visible only to their supplier, their transmission company and regulators.
// Operators, like any other non-party, get 404 for the PPA, its deliveries,
// their transfers, their leaves and inclusion proofs, and do not find the
// delivery transfers in an account's transfer list.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, frame } from './api-helpers.js';
import { fundedWallet, openFlows, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, extraParty, ingest } from './flow-contract-helpers.js';

const WINDOW = { from: NOW_MS - 6 * HOUR_MS, to: NOW_MS - 5 * HOUR_MS };
const PAYER_WALLET = 'wallet:p-transmission:EUR';

interface Settled {
  delivery: { transfers: string[]; leafIndexes: number[] };
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 PPA records are not the operator's to read (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let parties: string[];
    let nonParties: string[];
    let transferId: string;
    let leafIndexes: number[];
    let treeSize: number;

    // Proposed and accepted an hour before the period starts; settled at NOW_MS.
    let clock = WINDOW.from - HOUR_MS;

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clock });
      const unrelated = await extraParty(fixture, 'p-unrelated', 'participant');
      parties = [fixture.as('supplier'), fixture.as('transmission'), fixture.as('regulator')];
      nonParties = [fixture.as('operator'), unrelated, fixture.as('participant')];
      await fundedWallet(fixture, 'transmission', 'EUR', '10.00');
      await fundedWallet(fixture, 'supplier', 'EUR', '0');
      const terms = {
        id: 'ppa-v', transmission: 'p-transmission', price: '0.10', currency: 'EUR', volumeMWh: 50_000_000,
        period: { from: WINDOW.from, to: NOW_MS + 18 * HOUR_MS }, windowMs: HOUR_MS, meters: ['m-2'],
      };
      const recorded = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', terms);
      assert.equal(recorded.statusCode, 201, recorded.body);
      const accepted = await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/ppas/ppa-v/accept');
      assert.equal(accepted.statusCode, 200, accepted.body);
      clock = NOW_MS;
      await ingest(fixture, 1, [frame('m-2', -6 * HOUR_MS, 0, 1_000_000), frame('m-2', -5.5 * HOUR_MS, 0, 7_000_000)]);
      const settled = await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas/ppa-v/deliveries', WINDOW);
      assert.equal(settled.statusCode, 201, settled.body);
      const { delivery } = settled.json() as Settled;
      transferId = delivery.transfers[0]!;
      const transfer = (await call(fixture.app, fixture.as('supplier'), 'GET', `/v1/transfers/${transferId}`)).json() as { transfer: { index: number } };
      const agreementLeaf = (recorded.json() as { ppa: { leafIndex: number } }).ppa.leafIndex;
      const decisionLeaf = (accepted.json() as { ppa: { decisionLeafIndex: number } }).ppa.decisionLeafIndex;
      leafIndexes = [agreementLeaf, decisionLeaf, transfer.transfer.index, ...delivery.leafIndexes];
      const sealed = await call(fixture.app, fixture.as('operator'), 'POST', '/v1/ledger/blocks');
      treeSize = (sealed.json() as { block: { treeSize: number } }).block.treeSize;
    });
    after(async () => fixture.close());

    const readRoutes = (): string[] => [
      '/v1/ppas/ppa-v', '/v1/ppas/ppa-v/deliveries', `/v1/transfers/${encodeURIComponent(transferId)}`,
      ...leafIndexes.flatMap((index) => [`/v1/ledger/leaves/${index}`, `/v1/ledger/proofs/inclusion?index=${index}&treeSize=${treeSize}`]),
    ];

    it('the supplier, the transmission company and a regulator read the PPA, its deliveries, their transfer, leaves and inclusion proofs (200)', async () => {
      assert.equal(leafIndexes.length, 4, 'the agreement, its acceptance, the delivery transfer and the delivery record');
      for (const url of readRoutes()) {
        for (const key of parties) {
          const response = await call(fixture.app, key, 'GET', url);
          assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
        }
      }
    });

    it('an operator, an unrelated participant and another party get 404 on every one of those routes, as for a missing record', async () => {
      for (const url of readRoutes()) {
        for (const key of nonParties) assertError(await call(fixture.app, key, 'GET', url), 404, 'not_found');
      }
    });

    it('an operator or an unrelated party settling a delivery window gets 404; a regulator reads but may not settle (403)', async () => {
      for (const key of nonParties) assertError(await call(fixture.app, key, 'POST', '/v1/ppas/ppa-v/deliveries', WINDOW), 404, 'not_found');
      assertError(await call(fixture.app, fixture.as('regulator'), 'POST', '/v1/ppas/ppa-v/deliveries', WINDOW), 403, 'forbidden');
    });

    it("an account's transfer list shows the delivery transfer to the account's party and regulators, not to an operator", async () => {
      const listed = async (key: string) => {
        const response = await call(fixture.app, key, 'GET', `/v1/accounts/${encodeURIComponent(PAYER_WALLET)}/transfers`);
        assert.equal(response.statusCode, 200, response.body);
        return (response.json() as { transfers: Array<{ id: string }> }).transfers.map((transfer) => transfer.id);
      };
      for (const key of [fixture.as('transmission'), fixture.as('regulator')]) assert.ok((await listed(key)).includes(transferId));
      const operatorView = await listed(fixture.as('operator'));
      assert.ok(!operatorView.includes(transferId), 'the PPA transfer is left out');
      assert.ok(operatorView.includes('top-up:fund-wallet:p-transmission:EUR'), "the wallet's other transfers stay listed");
      const cursor = `/v1/accounts/${encodeURIComponent(PAYER_WALLET)}/transfers?after=${encodeURIComponent(transferId)}`;
      assertError(await call(fixture.app, fixture.as('operator'), 'GET', cursor), 400, 'invalid_request');
    });
  });
}
