// Wallets (docs/flows.md "Wallets"): a party opens its own prepaid wallet,
// the operator records top-ups from its clearing account, idempotent by id;
// others' wallets answer 404, non-operators may not top up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call } from './api-helpers.js';
import { assertLedgerSound, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';

for (const backend of storeBackends()) {
  describe(`flows: wallets (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let wallet: string;

    before(async () => {
      fixture = await openFlows(backend);
      wallet = await fundedWallet(fixture, 'participant', 'EUR', '25.50');
    });
    after(async () => fixture.close());

    it('a top-up credits the wallet from the operator clearing account, exactly', async () => {
      assert.equal(wallet, 'wallet:p-participant:EUR');
      const balance = await balanceOf(fixture.app, fixture.as('participant'), wallet);
      assert.equal(postedMicro(balance), 25_500_000n);
      const clearing = await balanceOf(fixture.app, fixture.as('operator'), 'clearing:operator:EUR');
      assert.equal(clearing.debitsPosted, '25.500000');
    });

    it('opening the same wallet again answers the same wallet; a prepaid wallet carries the prepaid flag', async () => {
      const again = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/wallets', { currency: 'EUR' });
      assert.equal(again.statusCode, 201);
      const view = (again.json() as { wallet: { id: string; flags: number; kind: string } }).wallet;
      assert.deepEqual([view.id, view.flags, view.kind], [wallet, 1, 'prepaid']);
    });

    it('a repeated top-up id posts nothing new; the same id with another amount is ledger_refused', async () => {
      const top = (amount: string) => call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${wallet}/top-ups`, { id: 'tu-1', amount, ts: NOW_MS });
      assert.equal((await top('1')).statusCode, 200);
      assert.equal((await top('1')).statusCode, 200);
      assertError(await top('2'), 409, 'ledger_refused');
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('participant'), wallet)), 26_500_000n);
    });

    it('bad input: a 7-decimal amount, a fraction of a cent (SPEC §5: paid in minor units) and zero are invalid_amount, an unknown currency is invalid_input', async () => {
      const top = (amount: string) => call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${wallet}/top-ups`, { id: 'tu-bad', amount, ts: NOW_MS });
      assertError(await top('0.0000001'), 400, 'invalid_amount');
      assertError(await top('0.005'), 400, 'invalid_amount');
      assertError(await top('0'), 400, 'invalid_amount');
      assertError(await call(fixture.app, fixture.as('supplier'), 'POST', '/v1/wallets', { currency: 'XYZ' }), 400, 'invalid_input');
    });

    it('roles: only the operator tops up (403); another party reads the wallet as 404; a regulator reads it', async () => {
      assertError(await call(fixture.app, fixture.as('supplier'), 'POST', `/v1/wallets/${wallet}/top-ups`, { id: 'tu-2', amount: '1', ts: NOW_MS }), 403, 'forbidden');
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', `/v1/wallets/${wallet}`), 404, 'not_found');
      assert.equal((await call(fixture.app, fixture.as('regulator'), 'GET', `/v1/wallets/${wallet}`)).statusCode, 200);
      assertError(await call(fixture.app, null, 'GET', `/v1/wallets/${wallet}`), 401, 'unauthorized');
    });

    it('the ledger verifies and balances afterwards', async () => {
      await assertLedgerSound(fixture);
    });
  });
}
