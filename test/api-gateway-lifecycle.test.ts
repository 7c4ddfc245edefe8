// Gateway lifecycle (docs/api.md "Gateway lifecycle", docs/ingest.md): a
// revoked gateway's next batch is refused on every host, a rotated secret
// overlaps the old one for a window and then replaces it, and both changes
// are ledger records that name the secret only by its fingerprint.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { GATEWAY_SECRET_OVERLAP_MS_DEFAULT, GATEWAY_SECRET_OVERLAP_MS_MAX } from '../host/limits.js';
import { flowRecordId } from '../host/flows/ledger-bridge.js';
import { GATEWAY_REVOCATION_RECORD, GATEWAY_ROTATION_RECORD } from '../host/api/gateway-lifecycle.js';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, columnar, created, frame, postBatch, secondHost } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, openFlows, type FlowFixture } from './flow-helpers.js';

interface GatewayView { gatewayId: string; ownerPartyId: string; createdAtMs: number; revokedAtMs: number | null; previousSecretExpiresAtMs: number | null }
interface Rotated { gateway: GatewayView; secret: string; secretSha256: string }

const MINUTE_MS = 60_000;

for (const backend of storeBackends()) {
  describe(`SPEC §6 gateway lifecycle: revoke and rotate (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = NOW_MS;
    let seq = 0;
    let gatewayCount = 0;

    /** A fresh gateway owned by p-gateway with meter `<id>-m` (owned by p-participant); returns its id and secret. */
    async function newGateway(): Promise<{ gatewayId: string; secret: string }> {
      const gatewayId = `gw-life-${++gatewayCount}`;
      const { secret } = await created<{ secret: string }>(call(fixture.app, fixture.operatorKey, 'POST', '/v1/gateways', { gatewayId, ownerPartyId: 'p-gateway' }));
      await created(call(fixture.app, fixture.operatorKey, 'POST', '/v1/meters', { meterId: `${gatewayId}-m`, gatewayId, partyId: 'p-participant' }));
      return { gatewayId, secret };
    }

    /** A one-frame batch signed with `secret` at the current clock; a new seq and reading each time. */
    function post(gatewayId: string, secret: string, app = fixture.app) {
      seq += 1;
      const body = columnar(seq, [frame(`${gatewayId}-m`, seq * 900_000 - 365 * 86_400_000, seq)]);
      return postBatch(app, { gatewayId, secret, body, timestampMs: clockMs });
    }

    const revoke = (apiKey: string, gatewayId: string) => call(fixture.app, apiKey, 'DELETE', `/v1/gateways/${gatewayId}`);
    const rotate = (apiKey: string, gatewayId: string, body: object) => call(fixture.app, apiKey, 'POST', `/v1/gateways/${gatewayId}/secret`, body);
    async function rotated(apiKey: string, gatewayId: string, body: object = {}): Promise<Rotated> {
      const reply = await rotate(apiKey, gatewayId, body);
      assert.equal(reply.statusCode, 200, reply.body);
      return reply.json() as Rotated;
    }
    const recordOf = (recordId: string) => fixture.store.ledger.ledgerRead((reader) => reader.readRecordById(recordId));

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
    });
    after(() => fixture.close());

    it("a revoked gateway's next batch answers 401 gateway_revoked and nothing of it is stored", async () => {
      const gateway = await newGateway();
      assert.equal((await post(gateway.gatewayId, gateway.secret)).statusCode, 202);
      const readingsBefore = await fixture.store.readings.countReadings();
      const reply = await revoke(fixture.as('gateway'), gateway.gatewayId);
      assert.equal(reply.statusCode, 200, reply.body);
      assert.equal((reply.json() as { gateway: GatewayView }).gateway.revokedAtMs, clockMs);
      assertError(await post(gateway.gatewayId, gateway.secret), 401, 'gateway_revoked');
      assert.equal(await fixture.store.readings.countReadings(), readingsBefore);
      const shown = (await call(fixture.app, fixture.operatorKey, 'GET', `/v1/gateways/${gateway.gatewayId}`)).json() as { gateway: GatewayView };
      assert.equal(shown.gateway.revokedAtMs, clockMs);
    });

    it('a gateway revoked through one host is refused on another host at once, though that host accepted it a moment before', async () => {
      const gateway = await newGateway();
      const other = await secondHost(fixture, () => clockMs);
      try {
        assert.equal((await post(gateway.gatewayId, gateway.secret, other.app)).statusCode, 202);
        assert.equal((await revoke(fixture.operatorKey, gateway.gatewayId)).statusCode, 200);
        assertError(await post(gateway.gatewayId, gateway.secret, other.app), 401, 'gateway_revoked');
      } finally {
        await other.close();
      }
    });

    it('revoking again answers 200 with the first revocation time and appends no second record', async () => {
      const gateway = await newGateway();
      const first = (await revoke(fixture.operatorKey, gateway.gatewayId)).json() as { gateway: GatewayView };
      const firstRecord = await recordOf(flowRecordId(GATEWAY_REVOCATION_RECORD, gateway.gatewayId));
      clockMs += MINUTE_MS;
      const again = await revoke(fixture.as('gateway'), gateway.gatewayId);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal((again.json() as { gateway: GatewayView }).gateway.revokedAtMs, first.gateway.revokedAtMs);
      assert.deepEqual(await recordOf(flowRecordId(GATEWAY_REVOCATION_RECORD, gateway.gatewayId)), firstRecord);
    });

    it('during the overlap both secrets verify; at its end the old one answers 401 bad_signature and the new one verifies', async () => {
      const gateway = await newGateway();
      const rotation = await rotated(fixture.as('gateway'), gateway.gatewayId, { overlapMs: 10 * MINUTE_MS });
      assert.notEqual(rotation.secret, gateway.secret);
      assert.equal(rotation.gateway.previousSecretExpiresAtMs, clockMs + 10 * MINUTE_MS);
      assert.equal((await post(gateway.gatewayId, gateway.secret)).statusCode, 202);
      assert.equal((await post(gateway.gatewayId, rotation.secret)).statusCode, 202);
      clockMs += 10 * MINUTE_MS - 1;
      assert.equal((await post(gateway.gatewayId, gateway.secret)).statusCode, 202);
      clockMs += 1;
      assertError(await post(gateway.gatewayId, gateway.secret), 401, 'bad_signature');
      assert.equal((await post(gateway.gatewayId, rotation.secret)).statusCode, 202);
    });

    it('a rotation without overlapMs overlaps for the default 24 h; overlapMs 0 replaces the secret at once', async () => {
      const gateway = await newGateway();
      const byDefault = await rotated(fixture.operatorKey, gateway.gatewayId);
      assert.equal(byDefault.gateway.previousSecretExpiresAtMs, clockMs + GATEWAY_SECRET_OVERLAP_MS_DEFAULT);
      const atOnce = await rotated(fixture.operatorKey, gateway.gatewayId, { overlapMs: 0 });
      assertError(await post(gateway.gatewayId, byDefault.secret), 401, 'bad_signature');
      assert.equal((await post(gateway.gatewayId, atOnce.secret)).statusCode, 202);
    });

    it('a second rotation during the window drops the oldest secret at once; the one it replaces overlaps', async () => {
      const gateway = await newGateway();
      const second = await rotated(fixture.as('gateway'), gateway.gatewayId, { overlapMs: 10 * MINUTE_MS });
      const third = await rotated(fixture.as('gateway'), gateway.gatewayId, { overlapMs: 10 * MINUTE_MS });
      assertError(await post(gateway.gatewayId, gateway.secret), 401, 'bad_signature');
      assert.equal((await post(gateway.gatewayId, second.secret)).statusCode, 202);
      assert.equal((await post(gateway.gatewayId, third.secret)).statusCode, 202);
    });

    it('a revoked gateway cannot be rotated (400 invalid_request) and its previous secret stops at revocation', async () => {
      const gateway = await newGateway();
      const rotation = await rotated(fixture.operatorKey, gateway.gatewayId);
      assert.equal((await revoke(fixture.operatorKey, gateway.gatewayId)).statusCode, 200);
      assertError(await rotate(fixture.operatorKey, gateway.gatewayId, {}), 400, 'invalid_request');
      assertError(await post(gateway.gatewayId, rotation.secret), 401, 'gateway_revoked');
      const shown = (await call(fixture.app, fixture.operatorKey, 'GET', `/v1/gateways/${gateway.gatewayId}`)).json() as { gateway: GatewayView };
      assert.equal(shown.gateway.previousSecretExpiresAtMs, null);
    });

    it('an overlap beyond GATEWAY_SECRET_OVERLAP_MS_MAX or negative is 400 limit_exceeded naming it and changes nothing', async () => {
      const gateway = await newGateway();
      for (const overlapMs of [GATEWAY_SECRET_OVERLAP_MS_MAX + 1, -1]) {
        const reply = await rotate(fixture.operatorKey, gateway.gatewayId, { overlapMs });
        assertError(reply, 400, 'limit_exceeded');
        assert.match(reply.body, /GATEWAY_SECRET_OVERLAP_MS_MAX/);
      }
      assert.equal((await post(gateway.gatewayId, gateway.secret)).statusCode, 202);
    });

    it('revocation and rotation are ledger records with the fingerprint, never the secret; they are proven in the signed tree and the ledger verifies', async () => {
      const gateway = await newGateway();
      const rotation = await rotated(fixture.as('gateway'), gateway.gatewayId, { overlapMs: MINUTE_MS });
      assert.equal(rotation.secretSha256, createHash('sha256').update(rotation.secret, 'ascii').digest('hex'));
      await revoke(fixture.as('gateway'), gateway.gatewayId);
      const rotationRecord = await recordOf(flowRecordId(GATEWAY_ROTATION_RECORD, gateway.gatewayId, rotation.secretSha256));
      const revocationRecord = await recordOf(flowRecordId(GATEWAY_REVOCATION_RECORD, gateway.gatewayId));
      assert.ok(rotationRecord !== null && revocationRecord !== null);
      const proven = await assertRecordProven(fixture, fixture.as('gateway'), rotationRecord.seq);
      assert.deepEqual(proven.body, {
        gatewayId: gateway.gatewayId, party: 'p-gateway', by: 'p-gateway', rotatedAtMs: clockMs,
        secretSha256: rotation.secretSha256, previousSecretExpiresAtMs: clockMs + MINUTE_MS,
      });
      assert.deepEqual((await assertRecordProven(fixture, fixture.as('gateway'), revocationRecord.seq)).body, {
        gatewayId: gateway.gatewayId, party: 'p-gateway', by: 'p-gateway', revokedAtMs: clockMs,
      });
      for (const record of [rotationRecord, revocationRecord]) {
        assert.ok(!record.body.includes(rotation.secret) && !record.body.includes(gateway.secret), 'no secret in the record');
      }
      await assertLedgerSound(fixture);
    });

    for (const role of PARTY_ROLES) {
      const allowed: PartyRole[] = ['operator', 'gateway'];
      const refusal = role === 'regulator' ? { status: 403, code: 'forbidden' } : { status: 404, code: 'not_found' };
      it(`role ${role}: ${allowed.includes(role) ? 'revokes and rotates' : `revoke and rotate answer ${refusal.status} and the gateway stays active`} (the gateway's owner is p-gateway)`, async () => {
        const gateway = await newGateway();
        if (allowed.includes(role)) {
          const rotation = await rotated(fixture.as(role), gateway.gatewayId, { overlapMs: 0 });
          assert.equal((await post(gateway.gatewayId, rotation.secret)).statusCode, 202);
          assert.equal((await revoke(fixture.as(role), gateway.gatewayId)).statusCode, 200);
          assertError(await post(gateway.gatewayId, rotation.secret), 401, 'gateway_revoked');
          return;
        }
        assertError(await rotate(fixture.as(role), gateway.gatewayId, {}), refusal.status, refusal.code);
        assertError(await revoke(fixture.as(role), gateway.gatewayId), refusal.status, refusal.code);
        assert.equal((await post(gateway.gatewayId, gateway.secret)).statusCode, 202);
      });
    }

    it('an unknown gateway is 404 to revoke and to rotate', async () => {
      assertError(await revoke(fixture.operatorKey, 'gw-nobody'), 404, 'not_found');
      assertError(await rotate(fixture.operatorKey, 'gw-nobody', {}), 404, 'not_found');
    });
  });
}
