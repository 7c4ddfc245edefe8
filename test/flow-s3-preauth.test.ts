// S3 (SPEC §8, §5 two-phase transfers; docs/flows.md "S3"): a vehicle pays a
// target apparatus for a service. Authorise → "settlement possible" →
// capture the actual amount → "settlement completed", the rest released; or
// void; expiry voids; a wallet that cannot cover it declines. Played over
// HTTP on both backends, ending with the ledger sound and the record proven.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { LEDGER_SIGNER, NOW_MS, assertError, call } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, microOf, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { Ledger } from '../host/ledger/ledger.js';

/** EUR has 2 decimals (ISO 4217): one cent is 10^(6−2) µ. */
const eurMicro = (cents: bigint): bigint => cents * 10_000n;
const VEHICLE_WALLET = 'wallet:p-participant:EUR';
const OWNER_WALLET = 'wallet:p-supplier:EUR';

interface AuthorisationView {
  id: string;
  status: string;
  authorised: string;
  captured: string | null;
  released: string | null;
  expiresAtMs: number | null;
  captureTransferId: string | null;
  recordIndex: number | null;
}

for (const backend of storeBackends()) {
  describe(`flows: S3 pre-authorised settlement (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = NOW_MS;
    const as = (role: Parameters<FlowFixture['as']>[0]) => fixture.as(role);
    const authorise = (id: string, amount: string, extra: Record<string, unknown> = {}) => call(fixture.app, as('participant'), 'POST', '/v1/preauth/authorisations', {
      id, apparatusId: 'wash-1', vehicleId: 'WVW-123', amount, service: 'car wash', timeoutMs: 600_000, ts: clockMs, ...extra,
    });
    const step = (role: Parameters<FlowFixture['as']>[0], id: string, action: 'capture' | 'void', body: object) =>
      call(fixture.app, as(role), 'POST', `/v1/preauth/authorisations/${id}/${action}`, body);
    const read = async (role: Parameters<FlowFixture['as']>[0], id: string): Promise<AuthorisationView> => {
      const response = await call(fixture.app, as(role), 'GET', `/v1/preauth/authorisations/${id}`);
      assert.equal(response.statusCode, 200, response.body);
      return (response.json() as { authorisation: AuthorisationView }).authorisation;
    };
    const vehicleBalance = () => balanceOf(fixture.app, as('participant'), VEHICLE_WALLET);

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
      await fundedWallet(fixture, 'participant', 'EUR', '50.00');
    });
    after(async () => fixture.close());

    it('a supplier registers its apparatus; the same registration answers the same, other details are already_exists', async () => {
      const register = (role: Parameters<FlowFixture['as']>[0], name: string) =>
        call(fixture.app, as(role), 'POST', '/v1/preauth/apparatus', { id: 'wash-1', name, currency: 'EUR' });
      assert.equal((await register('supplier', 'Wash bay 1')).statusCode, 201);
      const again = await register('supplier', 'Wash bay 1');
      assert.equal(again.statusCode, 201);
      assert.deepEqual((again.json() as { apparatus: unknown }).apparatus, { id: 'wash-1', ownerPartyId: 'p-supplier', name: 'Wash bay 1', currency: 'EUR' });
      assertError(await register('supplier', 'Another name'), 409, 'already_exists');
      assertError(await register('participant', 'Wash bay 1'), 403, 'forbidden');
      assertError(await call(fixture.app, as('participant'), 'GET', '/v1/preauth/apparatus/wash-1'), 404, 'not_found');
      assert.equal((await call(fixture.app, as('regulator'), 'GET', '/v1/preauth/apparatus/wash-1')).statusCode, 200);
    });

    it('authorising holds the amount in the vehicle wallet as pending; the apparatus owner reads "settlement_possible"', async () => {
      const response = await authorise('auth-1', '20.00');
      assert.equal(response.statusCode, 201, response.body);
      const view = (response.json() as { authorisation: AuthorisationView }).authorisation;
      assert.equal(view.status, 'settlement_possible');
      assert.equal(view.expiresAtMs, NOW_MS + 600_000);
      assert.equal((await read('supplier', 'auth-1')).status, 'settlement_possible');
      const balance = await vehicleBalance();
      assert.equal(microOf(balance.debitsPending), eurMicro(2_000n));
      assert.equal(postedMicro(balance), eurMicro(5_000n));
      assert.equal(microOf((await balanceOf(fixture.app, as('supplier'), OWNER_WALLET)).creditsPending), eurMicro(2_000n));
      assert.equal((await authorise('auth-small', '1.00')).statusCode, 201);
      assert.equal(microOf((await vehicleBalance()).debitsPending), eurMicro(2_100n));
    });

    it('roles: the vehicle may not capture (403); an unrelated party sees neither the authorisation nor its steps (404); a regulator reads it', async () => {
      assertError(await step('participant', 'auth-1', 'capture', { amount: '1.00', ts: clockMs }), 403, 'forbidden');
      assertError(await step('transmission', 'auth-1', 'capture', { amount: '1.00', ts: clockMs }), 404, 'not_found');
      assertError(await step('transmission', 'auth-1', 'void', { ts: clockMs }), 404, 'not_found');
      assertError(await step('regulator', 'auth-1', 'void', { ts: clockMs }), 403, 'forbidden');
      assertError(await call(fixture.app, as('transmission'), 'GET', '/v1/preauth/authorisations/auth-1'), 404, 'not_found');
      assert.equal((await read('regulator', 'auth-1')).status, 'settlement_possible');
      assertError(await call(fixture.app, as('supplier'), 'POST', '/v1/preauth/authorisations', {
        id: 'auth-x', apparatusId: 'wash-1', vehicleId: 'v', amount: '1.00', ts: clockMs,
      }), 403, 'forbidden');
    });

    it('a capture beyond the authorised amount is capture_exceeds_authorisation and changes nothing', async () => {
      assertError(await step('supplier', 'auth-1', 'capture', { amount: '20.01', ts: clockMs }), 409, 'capture_exceeds_authorisation');
      assert.equal((await read('supplier', 'auth-1')).status, 'settlement_possible');
    });

    it('capturing the actual amount pays the apparatus owner exactly and releases the rest: "settlement_completed"', async () => {
      const response = await step('supplier', 'auth-1', 'capture', { amount: '13.37', ts: clockMs });
      assert.equal(response.statusCode, 200, response.body);
      const view = (response.json() as { authorisation: AuthorisationView }).authorisation;
      assert.deepEqual([view.status, view.authorised, view.captured, view.released], ['settlement_completed', '20.00', '13.37', '6.63']);
      const vehicle = await vehicleBalance();
      assert.equal(postedMicro(vehicle), eurMicro(5_000n) - eurMicro(1_337n));
      // auth-small (1.00) is still held.
      assert.equal(microOf(vehicle.debitsPending), eurMicro(100n));
      assert.equal(postedMicro(await balanceOf(fixture.app, as('supplier'), OWNER_WALLET)), eurMicro(1_337n));
    });

    it('the same capture again answers the same; another amount is already_captured; a void after it is invalid_state', async () => {
      const again = await step('supplier', 'auth-1', 'capture', { amount: '13.37', ts: clockMs });
      assert.equal(again.statusCode, 200, again.body);
      assert.equal((again.json() as { authorisation: AuthorisationView }).authorisation.captured, '13.37');
      assertError(await step('supplier', 'auth-1', 'capture', { amount: '12.00', ts: clockMs }), 409, 'already_captured');
      assertError(await step('participant', 'auth-1', 'void', { ts: clockMs }), 409, 'invalid_state');
      assert.equal(postedMicro(await vehicleBalance()), eurMicro(5_000n) - eurMicro(1_337n));
    });

    it('the settlement record is in the signed tree, readable by the apparatus owner and the vehicle', async () => {
      const view = await read('supplier', 'auth-1');
      assert.ok(view.recordIndex !== null);
      const leaf = await assertRecordProven(fixture, as('supplier'), view.recordIndex);
      assert.equal(leaf.record, 'preauth-settlement');
      const body = leaf.body as Record<string, unknown>;
      assert.deepEqual([body.status, body.authorised, body.captured, body.apparatusId, body.vehicleId], ['settlement_completed', '20.00', '13.37', 'wash-1', 'WVW-123']);
      assert.deepEqual(body.parties, ['p-participant', 'p-supplier']);
      await assertRecordProven(fixture, as('participant'), view.recordIndex);
      assertError(await call(fixture.app, as('transmission'), 'GET', `/v1/ledger/leaves/${view.recordIndex}`), 404, 'not_found');
    });

    it('a void releases the whole hold; the same void again answers voided; a capture after it is invalid_state', async () => {
      const before = postedMicro(await vehicleBalance());
      const voided = await step('participant', 'auth-small', 'void', { ts: clockMs });
      assert.equal(voided.statusCode, 200, voided.body);
      assert.deepEqual(
        ((view) => [view.status, view.released])((voided.json() as { authorisation: AuthorisationView }).authorisation), ['voided', '1.00'],
      );
      assert.equal((await step('supplier', 'auth-small', 'void', { ts: clockMs + 1 })).statusCode, 200);
      assertError(await step('supplier', 'auth-small', 'capture', { amount: '1.00', ts: clockMs }), 409, 'invalid_state');
      const balance = await vehicleBalance();
      assert.equal(microOf(balance.debitsPending), 0n);
      assert.equal(postedMicro(balance), before);
    });

    it('expiry: from expiresAtMs the status is "expired" and a capture is authorisation_expired; the ledger sweep releases the hold', async () => {
      assert.equal((await authorise('auth-2', '5.00', { timeoutMs: 1_000 })).statusCode, 201);
      assert.equal(microOf((await vehicleBalance()).debitsPending), eurMicro(500n));
      clockMs = NOW_MS + 1_000;
      assert.equal((await read('supplier', 'auth-2')).status, 'expired');
      assertError(await step('supplier', 'auth-2', 'capture', { amount: '5.00', ts: clockMs }), 409, 'authorisation_expired');
      assertError(await step('participant', 'auth-2', 'void', { ts: clockMs }), 409, 'authorisation_expired');
      const voids = await new Ledger(fixture.store.ledger, LEDGER_SIGNER).expirePending(clockMs);
      assert.deepEqual(voids.map((row) => row.id), ['s3:hold:auth-2#expired']);
      const view = await read('participant', 'auth-2');
      assert.deepEqual([view.status, view.captured, view.released], ['expired', null, '5.00']);
      assert.equal(microOf((await vehicleBalance()).debitsPending), 0n);
      assert.equal(postedMicro(await vehicleBalance()), eurMicro(5_000n) - eurMicro(1_337n));
    });

    it('insufficient funds declines: insufficient_funds, status "declined", nothing pending; the same request answers the same', async () => {
      // 50.00 − 13.37 = 36.63 is left; 36.64 is one cent too much.
      assertError(await authorise('auth-3', '36.64'), 409, 'insufficient_funds');
      assert.equal((await read('supplier', 'auth-3')).status, 'declined');
      assert.equal(microOf((await vehicleBalance()).debitsPending), 0n);
      assertError(await authorise('auth-3', '36.64'), 409, 'insufficient_funds');
      assertError(await authorise('auth-3', '36.63'), 409, 'authorisation_conflict');
      const exact = await authorise('auth-4', '36.63');
      assert.equal(exact.statusCode, 201, exact.body);
      assert.equal(microOf((await vehicleBalance()).debitsPending), eurMicro(3_663n));
    });

    it('bad input: sub-cent, zero and malformed amounts are invalid_amount; a timeout outside its range is limit_exceeded; unknown apparatus is 404', async () => {
      assertError(await authorise('bad-1', '1.005'), 400, 'invalid_amount');
      assertError(await authorise('bad-2', '0'), 400, 'invalid_amount');
      assertError(await authorise('bad-3', '1e3'), 400, 'invalid_amount');
      assertError(await authorise('bad-3', 12 as unknown as string), 400, 'invalid_amount');
      assertError(await authorise('bad-4', '1.00', { timeoutMs: 999 }), 400, 'limit_exceeded');
      assertError(await authorise('bad-5', '1.00', { timeoutMs: 604_800_001 }), 400, 'limit_exceeded');
      assertError(await authorise('bad-6', '1.00', { apparatusId: 'nowhere' }), 404, 'not_found');
      assertError(await authorise('bad-7', '1.00', { colour: 'red' }), 400, 'invalid_request');
      assertError(await step('supplier', 'auth-4', 'capture', { amount: '0.001', ts: clockMs }), 400, 'invalid_amount');
      assertError(await call(fixture.app, as('supplier'), 'POST', '/v1/preauth/apparatus', { id: 'x', name: 'x', currency: 'XYZ' }), 400, 'invalid_input');
      assertError(await call(fixture.app, as('participant'), 'GET', '/v1/preauth/authorisations/bad-1'), 404, 'not_found');
    });

    it('the ledger verifies and balances afterwards', async () => {
      await assertLedgerSound(fixture);
    });
  });
}
