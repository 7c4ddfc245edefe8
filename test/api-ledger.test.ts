// SPEC §5 ledger over HTTP: operators create accounts and post transfers
// (per-event result codes, two-phase, idempotent ids); a party reads its own
// accounts, transfers and leaves, regulators read all, others get 404;
// blocks are signed with the configured key and proofs verify (RFC 9162).
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { Ledger } from '../host/ledger/ledger.js';
import { canonicalBytes } from '../host/ledger/canonical-json.js';
import { publicKeyId } from '../host/ledger/keys.js';
import { verifyConsistency, verifyInclusion } from '../host/ledger/merkle.js';
import { storeBackends } from './store-backends.js';
import { LEDGER_SIGNER, NOW_MS, assertError, call, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

const NOT_OPERATOR = PARTY_ROLES.filter((role) => role !== 'operator');
// 2^53 + 1 µ: not representable as a double, in currency units with 6 decimals.
const BIG_AMOUNT = '9007199254.740993';

interface Results { results: Array<{ index: number; id: string; result: string }> }
const codesOf = (body: unknown): string[] => (body as Results).results.map((entry) => entry.result);
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

const ACCOUNTS = [
  { id: 'car-1', party: 'p-participant', currency: 'EUR', kind: 'prepaid', flags: 1 },
  { id: 'charger-9', party: 'p-supplier', currency: 'EUR', kind: 'revenue' },
  { id: 'bank', party: 'operator', currency: 'EUR', kind: 'asset' },
];

for (const backend of storeBackends()) {
  describe(`SPEC §5 ledger over HTTP (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let setup: Provisioned;
    const as = (role: PartyRole) => setup.keys[role];

    before(async () => {
      fixture = await openApi(backend);
      setup = await provision(fixture);
      const created = await call(fixture.app, as('operator'), 'POST', '/v1/accounts', { accounts: ACCOUNTS });
      assert.deepEqual(codesOf(created.json()), ['ok', 'ok', 'ok']);
    });
    after(() => fixture.close());

    it('account creation gives one code per account: exists, conflict, party_not_found, invalid_currency', async () => {
      const response = await call(fixture.app, as('operator'), 'POST', '/v1/accounts', {
        accounts: [ACCOUNTS[0], { ...ACCOUNTS[1], kind: 'other' }, { id: 'x-1', party: 'nobody', currency: 'EUR', kind: 'k' }, { id: 'x-2', party: 'operator', currency: 'EURO', kind: 'k' }],
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { results: [
        { index: 0, id: 'car-1', result: 'exists' }, { index: 1, id: 'charger-9', result: 'conflict' },
        { index: 2, id: 'x-1', result: 'party_not_found' }, { index: 3, id: 'x-2', result: 'invalid_currency' },
      ] });
    });

    it('only operators create accounts and post transfers: every other role is 403', async () => {
      for (const role of NOT_OPERATOR) {
        assertError(await call(fixture.app, as(role), 'POST', '/v1/accounts', { accounts: [{ ...ACCOUNTS[2], id: `own-${role}` }] }), 403, 'forbidden');
        const transfer = { type: 'single', id: `t-${role}`, debit: 'bank', credit: 'car-1', amount: '0.000001', currency: 'EUR', code: 1, ts: NOW_MS };
        assertError(await call(fixture.app, as(role), 'POST', '/v1/transfers', { transfers: [transfer] }), 403, 'forbidden');
      }
    });

    it('transfers get per-transfer codes; two-phase pending → post moves exactly µ beyond 2^53; retries are exists or conflict', async () => {
      const top = { type: 'single', id: 'top-up', debit: 'bank', credit: 'car-1', amount: BIG_AMOUNT, currency: 'EUR', code: 1, ts: NOW_MS };
      const response = await call(fixture.app, as('operator'), 'POST', '/v1/transfers', { transfers: [
        top,
        { type: 'pending', id: 'auth-77', debit: 'car-1', credit: 'charger-9', amount: '20', currency: 'EUR', code: 3, ts: NOW_MS, timeoutMs: 900_000 },
        { type: 'post', id: 'cap-77', pendingId: 'auth-77', amount: '12.34', ts: NOW_MS },
        { type: 'single', id: 'overdraw', debit: 'car-1', credit: 'charger-9', amount: BIG_AMOUNT, currency: 'EUR', code: 3, ts: NOW_MS },
        { ...top, amount: '0.000005' },
        top,
      ] });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(codesOf(response.json()), ['ok', 'ok', 'ok', 'insufficient_funds', 'conflict', 'exists']);
      const car = (await call(fixture.app, as('participant'), 'GET', '/v1/accounts/car-1')).json() as { account: { balance: Record<string, string> } };
      assert.deepEqual(car.account.balance, { debitsPosted: '12.340000', creditsPosted: BIG_AMOUNT, debitsPending: '0.000000', creditsPending: '0.000000' });
      const voided = await call(fixture.app, as('operator'), 'POST', '/v1/transfers', { transfers: [
        { type: 'pending', id: 'auth-78', debit: 'car-1', credit: 'charger-9', amount: '0.000001', currency: 'EUR', code: 3, ts: NOW_MS, timeoutMs: 1 },
        { type: 'void', id: 'void-78', pendingId: 'auth-78', ts: NOW_MS },
        { type: 'post', id: 'late-78', pendingId: 'auth-78', amount: '0.000001', ts: NOW_MS },
        { type: 'post', id: 'no-amount', pendingId: 'auth-77', ts: NOW_MS },
      ] });
      assert.deepEqual(codesOf(voided.json()), ['ok', 'ok', 'pending_already_voided', 'invalid_amount']);
    });

    it('SPEC §1: an amount that is not a decimal string with at most 6 decimals is 400 invalid_amount, never rounded (a JSON number included)', async () => {
      for (const amount of ['1.2345678', 15, 12.34, 9_007_199_254_740_993, '+1', '1e3', ' 1', '1 ', '.5', '5.', '', '0x10', true, null, ['1']]) {
        const transfer = { type: 'single', id: 'bad', debit: 'bank', credit: 'car-1', amount, currency: 'EUR', code: 1, ts: NOW_MS };
        assertError(await call(fixture.app, as('operator'), 'POST', '/v1/transfers', { transfers: [transfer] }), 400, 'invalid_amount');
      }
      assert.equal((await call(fixture.app, as('operator'), 'GET', '/v1/transfers/bad')).statusCode, 404, 'nothing was posted');
    });

    it('SPEC §1: a well-formed amount out of the ledger range (zero, negative, over 2^62 µ) is the transfer\'s invalid_amount', async () => {
      const transfer = { type: 'single', debit: 'bank', credit: 'car-1', currency: 'EUR', code: 1, ts: NOW_MS };
      const response = await call(fixture.app, as('operator'), 'POST', '/v1/transfers', { transfers: [
        { ...transfer, id: 'zero', amount: '0' }, { ...transfer, id: 'negative', amount: '-1.50' },
        { ...transfer, id: 'huge', amount: '4611686018427.387905' }, { ...transfer, id: 'largest', amount: '4611686018427.387904' },
      ] });
      assert.deepEqual(codesOf(response.json()), ['invalid_amount', 'invalid_amount', 'invalid_amount', 'ok']);
      const largest = (await call(fixture.app, as('operator'), 'GET', '/v1/transfers/largest')).json() as { transfer: { amount: string } };
      assert.equal(largest.transfer.amount, '4611686018427.387904');
    });

    it("an account and its balance are read by its party, operators and regulators; to any other role it is 404", async () => {
      for (const role of PARTY_ROLES) {
        const response = await call(fixture.app, as(role), 'GET', '/v1/accounts/car-1');
        if (['participant', 'operator', 'regulator'].includes(role)) assert.equal(response.statusCode, 200, `${role}: ${response.body}`);
        else assertError(response, 404, 'not_found');
      }
      assertError(await call(fixture.app, as('regulator'), 'GET', '/v1/accounts/none'), 404, 'not_found');
    });

    it('a transfer is read by the parties of its two accounts, operators and regulators; to any other role it is 404', async () => {
      for (const role of PARTY_ROLES) {
        const response = await call(fixture.app, as(role), 'GET', '/v1/transfers/cap-77');
        if (['participant', 'supplier', 'operator', 'regulator'].includes(role)) {
          assert.equal(response.statusCode, 200, `${role}: ${response.body}`);
          assert.equal((response.json() as { transfer: { amount: string; pendingId: string } }).transfer.amount, '12.340000');
        } else assertError(response, 404, 'not_found');
      }
    });

    it('SPEC §5: a PPA record leaf is visible only to its supplier, its transmission company and regulators (not operators)', async () => {
      const ledger = new Ledger(fixture.store.ledger, LEDGER_SIGNER);
      const index = await ledger.appendRecord('ppa', { supplier: 'p-supplier', transmission: 'p-transmission', price: '0.21' }, NOW_MS);
      for (const role of PARTY_ROLES) {
        const response = await call(fixture.app, as(role), 'GET', `/v1/ledger/leaves/${index}`);
        if (['supplier', 'transmission', 'regulator'].includes(role)) {
          const { leaf } = response.json() as { leaf: { leafBase64: string; kind: string } };
          assert.equal(leaf.kind, 'ppa');
          assert.match(Buffer.from(leaf.leafBase64, 'base64').toString('utf8'), /"record":"ppa"/);
        } else assertError(response, 404, `not_found`);
      }
    });

    it("an account's leaf is visible to its party and read-all roles only; a leaf past the log is 404", async () => {
      const account = (await call(fixture.app, as('operator'), 'GET', '/v1/accounts/car-1')).json() as { account: { index: number } };
      for (const role of PARTY_ROLES) {
        const response = await call(fixture.app, as(role), 'GET', `/v1/ledger/leaves/${account.account.index}`);
        if (['participant', 'operator', 'regulator'].includes(role)) assert.equal(response.statusCode, 200, `${role}: ${response.body}`);
        else assertError(response, 404, 'not_found');
      }
      assertError(await call(fixture.app, as('operator'), 'GET', '/v1/ledger/leaves/100000'), 404, 'not_found');
    });

    it('only operators seal; a sealed block is signed by the published key, and its root admits inclusion and consistency proofs', async () => {
      assertError(await call(fixture.app, as('regulator'), 'POST', '/v1/ledger/blocks'), 403, 'forbidden');
      const sealed = await call(fixture.app, as('operator'), 'POST', '/v1/ledger/blocks');
      assert.equal(sealed.statusCode, 200, sealed.body);
      const { block } = sealed.json() as { block: { height: number; prevBlockHash: string; treeSize: number; rootHash: string; ts: number; signatureBase64: string; publicKeyId: string } };
      const key = (await call(fixture.app, as('participant'), 'GET', '/v1/ledger/public-key')).json() as { pem: string; publicKeyId: string };
      const publicKey = createPublicKey(key.pem);
      assert.equal(key.publicKeyId, publicKeyId(LEDGER_SIGNER.publicKey));
      assert.equal(block.publicKeyId, key.publicKeyId);
      const { signatureBase64, publicKeyId: _id, ...header } = block;
      assert.ok(verify(null, canonicalBytes(header), publicKey, Buffer.from(signatureBase64, 'base64')));
      assert.deepEqual((await call(fixture.app, as('authority'), 'GET', `/v1/ledger/blocks/${block.height}`)).json(), { block });

      const lastIndex = block.treeSize - 1;
      const inclusion = (await call(fixture.app, as('regulator'), 'GET', `/v1/ledger/proofs/inclusion?index=${lastIndex}&treeSize=${block.treeSize}`)).json() as { leafHash: string; rootHash: string; proof: string[] };
      assert.equal(inclusion.rootHash, block.rootHash);
      assert.ok(verifyInclusion(lastIndex, block.treeSize, hex(inclusion.leafHash), inclusion.proof.map(hex), hex(block.rootHash)));
      assert.ok(!verifyInclusion(lastIndex, block.treeSize, hex(inclusion.leafHash), inclusion.proof.map(hex), hex(inclusion.leafHash)));

      const consistency = (await call(fixture.app, as('authority'), 'GET', `/v1/ledger/proofs/consistency?from=2&to=${block.treeSize}`)).json() as { fromRoot: string; toRoot: string; proof: string[] };
      assert.ok(verifyConsistency(2, block.treeSize, consistency.proof.map(hex), hex(consistency.fromRoot), hex(block.rootHash)));
      assertError(await call(fixture.app, as('authority'), 'GET', `/v1/ledger/proofs/inclusion?index=0&treeSize=${block.treeSize + 1}`), 400, 'invalid_request');
      assertError(await call(fixture.app, as('authority'), 'GET', `/v1/ledger/proofs/consistency?from=3&to=2`), 400, 'invalid_request');
      const list = (await call(fixture.app, as('transmission'), 'GET', '/v1/ledger/blocks?from=0&limit=10')).json() as { blocks: unknown[] };
      assert.deepEqual(list.blocks.at(-1), block);
    });
  });
}

describe('SPEC §5 two-phase over HTTP: expiry voids (server sweep)', () => {
  it('a pending transfer past its timeout is voided by the server without any request, releasing the pending amounts', async () => {
    let clockMs = NOW_MS;
    const fixture = await openApi(storeBackends()[0]!, { nowMs: () => clockMs, ledgerExpirySweepMs: 10 });
    try {
      const operator = fixture.operatorKey;
      await call(fixture.app, operator, 'POST', '/v1/accounts', { accounts: [ACCOUNTS[2], { id: 'sink', party: 'operator', currency: 'EUR', kind: 'revenue' }] });
      const pending = { type: 'pending', id: 'auth-1', debit: 'bank', credit: 'sink', amount: '0.000005', currency: 'EUR', code: 1, ts: NOW_MS, timeoutMs: 1_000 };
      assert.deepEqual(codesOf((await call(fixture.app, operator, 'POST', '/v1/transfers', { transfers: [pending] })).json()), ['ok']);
      clockMs = NOW_MS + 1_000;
      let voided = await call(fixture.app, operator, 'GET', '/v1/transfers/auth-1%23expired');
      for (let attempt = 0; voided.statusCode === 404 && attempt < 100; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        voided = await call(fixture.app, operator, 'GET', '/v1/transfers/auth-1%23expired');
      }
      assert.equal(voided.statusCode, 200, voided.body);
      assert.equal((voided.json() as { transfer: { reason: string } }).transfer.reason, 'expired');
      const bank = (await call(fixture.app, operator, 'GET', '/v1/accounts/bank')).json() as { account: { balance: Record<string, string> } };
      assert.equal(bank.account.balance.debitsPending, '0.000000');
    } finally {
      await fixture.close();
    }
  });
});
