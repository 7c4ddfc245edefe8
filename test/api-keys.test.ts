// SPEC §5 API access: revoking an API key (docs/api.md "Authentication").
// A revoked key answers 401 at once on every host, because each request
// reads the key from the database; lists show revoked keys with their
// revocation time; a party revokes only its own keys (the operator any);
// an operator party always keeps one valid key.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { storeBackends } from './store-backends.js';
import {
  NOW_MS, assertError, call, created, openApi, provision, secondHost, type ApiFixture, type Provisioned,
} from './api-helpers.js';

interface IssuedKey { keyId: string; partyId: string; apiKey: string }
interface KeyView { keyId: string; partyId: string; createdAtMs: number; revokedAtMs: number | null }

const partyIdOf = (role: PartyRole): string => (role === 'operator' ? 'operator' : `p-${role}`);

for (const backend of storeBackends()) {
  describe(`SPEC §5 API key revocation (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let setup: Provisioned;
    let clockMs = NOW_MS;
    const issue = (callerKey: string, partyId: string) => created<IssuedKey>(call(fixture.app, callerKey, 'POST', `/v1/parties/${partyId}/keys`));
    const revoke = (callerKey: string, key: { partyId: string; keyId: string }) =>
      call(fixture.app, callerKey, 'DELETE', `/v1/parties/${key.partyId}/keys/${key.keyId}`);

    before(async () => {
      fixture = await openApi(backend, { nowMs: () => clockMs });
      setup = await provision(fixture);
    });
    after(() => fixture.close());

    it('a revoked key answers 401 unauthorized on every route at once; the party\'s other keys still work', async () => {
      const spare = await issue(setup.keys.participant, 'p-participant');
      assert.equal((await call(fixture.app, spare.apiKey, 'GET', '/v1/parties/me')).statusCode, 200);
      clockMs = NOW_MS + 1_000;
      const revoked = await revoke(setup.keys.participant, spare);
      assert.equal(revoked.statusCode, 200, revoked.body);
      assert.deepEqual((revoked.json() as { key: KeyView }).key, { keyId: spare.keyId, partyId: 'p-participant', createdAtMs: NOW_MS, revokedAtMs: NOW_MS + 1_000 });
      for (const url of ['/v1/parties/me', '/v1/meters', '/v1/accounts', '/v1/settlement-runs', '/v1/tariffs/any']) {
        assertError(await call(fixture.app, spare.apiKey, 'GET', url), 401, 'unauthorized');
      }
      assert.equal((await call(fixture.app, setup.keys.participant, 'GET', '/v1/parties/me')).statusCode, 200);
    });

    it('a key revoked through one host answers 401 on another host at once, though that host accepted it a moment before', async () => {
      const other = await secondHost(fixture, () => clockMs);
      try {
        const key = await issue(fixture.operatorKey, 'p-supplier');
        assert.equal((await call(other.app, key.apiKey, 'GET', '/v1/parties/me')).statusCode, 200);
        assert.equal((await revoke(fixture.operatorKey, key)).statusCode, 200);
        assertError(await call(other.app, key.apiKey, 'GET', '/v1/parties/me'), 401, 'unauthorized');
        assertError(await call(fixture.app, key.apiKey, 'GET', '/v1/parties/me'), 401, 'unauthorized');
      } finally {
        await other.close();
      }
    });

    it('the key list shows revoked keys with revokedAtMs and valid ones with null; no key is shown again', async () => {
      const kept = await issue(fixture.operatorKey, 'p-authority');
      const dropped = await issue(fixture.operatorKey, 'p-authority');
      clockMs = NOW_MS + 2_000;
      assert.equal((await revoke(setup.keys.authority, dropped)).statusCode, 200);
      const list = await call(fixture.app, setup.keys.regulator, 'GET', '/v1/parties/p-authority/keys');
      assert.equal(list.statusCode, 200, list.body);
      const keys = new Map((list.json() as { keys: KeyView[] }).keys.map((key) => [key.keyId, key]));
      assert.equal(keys.get(kept.keyId)?.revokedAtMs, null);
      assert.equal(keys.get(dropped.keyId)?.revokedAtMs, NOW_MS + 2_000);
      assert.ok(!list.body.includes(kept.apiKey) && !list.body.includes(dropped.apiKey));
    });

    it('revoking a revoked key again answers 200 and keeps the first revocation time', async () => {
      const key = await issue(fixture.operatorKey, 'p-transmission');
      clockMs = NOW_MS + 3_000;
      assert.equal((await revoke(fixture.operatorKey, key)).statusCode, 200);
      clockMs = NOW_MS + 4_000;
      const again = await revoke(fixture.operatorKey, key);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal((again.json() as { key: KeyView }).key.revokedAtMs, NOW_MS + 3_000);
    });

    it('an unknown key id, or a key id of another party under this party, is 404 not_found', async () => {
      assertError(await revoke(fixture.operatorKey, { partyId: 'p-gateway', keyId: 'key_0000000000000000' }), 404, 'not_found');
      const supplierKey = await issue(fixture.operatorKey, 'p-supplier');
      assertError(await revoke(fixture.operatorKey, { partyId: 'p-gateway', keyId: supplierKey.keyId }), 404, 'not_found');
      assert.equal((await call(fixture.app, supplierKey.apiKey, 'GET', '/v1/parties/me')).statusCode, 200);
    });

    for (const role of PARTY_ROLES) {
      it(`role ${role}: revokes its own key; ${role === 'operator' ? 'revokes any party\'s key' : 'another party\'s key is 404 like a missing one and stays valid'}`, async () => {
        const own = await issue(fixture.operatorKey, partyIdOf(role));
        assert.equal((await revoke(setup.keys[role], own)).statusCode, 200);
        assertError(await call(fixture.app, own.apiKey, 'GET', '/v1/parties/me'), 401, 'unauthorized');
        const victim = await issue(fixture.operatorKey, role === 'participant' ? 'p-supplier' : 'p-participant');
        const attempt = await revoke(setup.keys[role], victim);
        if (role === 'operator') {
          assert.equal(attempt.statusCode, 200, attempt.body);
          return;
        }
        assertError(attempt, 404, 'not_found');
        const missing = await revoke(setup.keys[role], { partyId: 'p-missing', keyId: victim.keyId });
        assert.equal(attempt.body.replace(victim.partyId, 'X'), missing.body.replace('p-missing', 'X'));
        assert.equal((await call(fixture.app, victim.apiKey, 'GET', '/v1/parties/me')).statusCode, 200);
      });
    }

    it("an operator party's last valid key cannot be revoked (400 invalid_request): issue another first", async () => {
      const list = (await call(fixture.app, fixture.operatorKey, 'GET', '/v1/parties/operator/keys')).json() as { keys: KeyView[] };
      const valid = list.keys.filter((key) => key.revokedAtMs === null);
      assert.equal(valid.length, 1, 'the operator should hold only its init key here');
      const refused = await revoke(fixture.operatorKey, valid[0]!);
      assertError(refused, 400, 'invalid_request');
      assert.match(refused.body, /last valid key/);
      assert.equal((await call(fixture.app, fixture.operatorKey, 'GET', '/v1/parties/me')).statusCode, 200);
      const successor = await issue(fixture.operatorKey, 'operator');
      assert.equal((await revoke(successor.apiKey, valid[0]!)).statusCode, 200);
      assertError(await call(fixture.app, fixture.operatorKey, 'GET', '/v1/parties/me'), 401, 'unauthorized');
      fixture.operatorKey = successor.apiKey;
      setup.keys.operator = successor.apiKey;
    });
  });
}
