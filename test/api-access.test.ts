// SPEC §5 parties and roles through the API: every route checks the
// caller's role and ownership. Reads of what is not the caller's answer 404
// (existence does not leak); operator-only writes answer 403.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { keySha256Of } from '../host/api/auth.js';
import { API_BODY_BYTES_MAX } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { assertError, call, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

const READS_ALL: readonly PartyRole[] = ['operator', 'regulator'];
const OTHERS = PARTY_ROLES.filter((role) => !READS_ALL.includes(role));
const partyIdOf = (role: PartyRole): string => (role === 'operator' ? 'operator' : `p-${role}`);

/** Meters each party sees: its own, and those on gateways it owns (p-gateway owns gw-1 and gw-2). */
const VISIBLE_METERS: Record<PartyRole, string[]> = {
  operator: ['m-1', 'm-2', 'm-other'], regulator: ['m-1', 'm-2', 'm-other'],
  participant: ['m-1', 'm-other'], supplier: ['m-2'], gateway: ['m-1', 'm-2', 'm-other'], transmission: [], authority: [],
};

async function rawTableText(fixture: ApiFixture, table: 'api_keys' | 'gateways'): Promise<string> {
  const rows = fixture.fresh.kind === 'sqlite'
    ? fixture.fresh.database.prepare(`SELECT * FROM ${table}`).all()
    : await fixture.fresh.sql.unsafe(`SELECT * FROM ${table}`);
  return JSON.stringify(rows, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : typeof value === 'bigint' ? String(value) : value));
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 roles and ownership over HTTP (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let setup: Provisioned;

    before(async () => {
      fixture = await openApi(backend);
      setup = await provision(fixture);
    });
    after(() => fixture.close());

    it('a request without a bearer key, or with an unknown key, is 401 unauthorized', async () => {
      assertError(await call(fixture.app, null, 'GET', '/v1/parties/me'), 401, 'unauthorized');
      assertError(await call(fixture.app, 'gsk_notakey', 'GET', '/v1/parties/me'), 401, 'unauthorized');
    });

    it('API keys are stored only as SHA-256: the table holds no key, and the hash finds the party', async () => {
      const text = await rawTableText(fixture, 'api_keys');
      for (const key of Object.values(setup.keys)) assert.ok(!text.includes(key), 'a plaintext key is stored');
      assert.equal((await fixture.store.parties.partyByKeySha256(keySha256Of(setup.keys.supplier)))?.partyId, 'p-supplier');
    });

    it('a gateway secret is returned once: not readable again and not stored in clear', async () => {
      const read = await call(fixture.app, setup.keys.operator, 'GET', '/v1/gateways/gw-1');
      assert.equal(read.statusCode, 200);
      assert.ok(!read.body.includes(setup.gatewaySecret));
      assert.ok(!(await rawTableText(fixture, 'gateways')).includes(setup.gatewaySecret));
    });

    for (const role of PARTY_ROLES) {
      const own = partyIdOf(role);
      describe(`role ${role}`, () => {
        it(role === 'operator' ? 'may create parties, gateways and meters' : 'may not create parties, gateways or meters (403), and nothing is created', async () => {
          const key = setup.keys[role];
          const suffix = role.slice(0, 4);
          const writes = [
            call(fixture.app, key, 'POST', '/v1/parties', { partyId: `new-${suffix}`, name: 'New', role: 'participant' }),
            call(fixture.app, key, 'POST', '/v1/gateways', { gatewayId: `gw-new-${suffix}`, ownerPartyId: own }),
            call(fixture.app, key, 'POST', '/v1/meters', { meterId: `m-new-${suffix}`, gatewayId: 'gw-1', partyId: own }),
          ];
          for (const response of await Promise.all(writes)) {
            if (role === 'operator') assert.equal(response.statusCode, 201, response.body);
            else assertError(response, 403, 'forbidden');
          }
          if (role !== 'operator') {
            assert.equal(await fixture.store.parties.party(`new-${suffix}`), null);
            assert.equal(await fixture.store.parties.meter(`m-new-${suffix}`), null);
          }
        });

        it(READS_ALL.includes(role) ? 'reads every party' : "reads only itself; another party is 404 like a missing one", async () => {
          const key = setup.keys[role];
          const list = (await call(fixture.app, key, 'GET', '/v1/parties')).json() as { parties: Array<{ partyId: string }> };
          const ids = list.parties.map((party) => party.partyId);
          if (READS_ALL.includes(role)) assert.ok(PARTY_ROLES.every((other) => ids.includes(partyIdOf(other))));
          else assert.deepEqual(ids, [own]);
          assert.equal((await call(fixture.app, key, 'GET', `/v1/parties/${own}`)).statusCode, 200);
          const other = role === 'supplier' ? 'p-participant' : 'p-supplier';
          const otherRead = await call(fixture.app, key, 'GET', `/v1/parties/${other}`);
          const otherKeys = await call(fixture.app, key, 'GET', `/v1/parties/${other}/keys`);
          if (READS_ALL.includes(role)) {
            assert.equal(otherRead.statusCode, 200);
            assert.equal(otherKeys.statusCode, 200);
            assert.ok(!otherKeys.body.includes(setup.keys[other === 'p-supplier' ? 'supplier' : 'participant']), 'a key is shown again');
          } else {
            assertError(otherRead, 404, 'not_found');
            assertError(otherKeys, 404, 'not_found');
            assert.equal(otherRead.body.replace(other, 'X'), (await call(fixture.app, key, 'GET', '/v1/parties/p-missing')).body.replace('p-missing', 'X'));
          }
        });

        it('may issue itself another key that works; a key for another party is 404 unless operator', async () => {
          const key = setup.keys[role];
          const issued = await call(fixture.app, key, 'POST', `/v1/parties/${own}/keys`);
          assert.equal(issued.statusCode, 201, issued.body);
          const me = await call(fixture.app, (issued.json() as { apiKey: string }).apiKey, 'GET', '/v1/parties/me');
          assert.equal((me.json() as { party: { partyId: string } }).party.partyId, own);
          const forOther = await call(fixture.app, key, 'POST', '/v1/parties/p-authority/keys');
          if (role === 'operator' || role === 'authority') assert.equal(forOther.statusCode, 201);
          else assertError(forOther, 404, 'not_found');
        });

        it('sees exactly its gateways and meters; others are 404', async () => {
          const key = setup.keys[role];
          const gateways = (await call(fixture.app, key, 'GET', '/v1/gateways')).json() as { gateways: Array<{ gatewayId: string }> };
          const gatewayIds = gateways.gateways.map((gateway) => gateway.gatewayId).filter((id) => id === 'gw-1' || id === 'gw-2');
          const seesGateways = READS_ALL.includes(role) || role === 'gateway';
          assert.deepEqual(gatewayIds, seesGateways ? ['gw-1', 'gw-2'] : []);
          const gatewayRead = await call(fixture.app, key, 'GET', '/v1/gateways/gw-1');
          if (seesGateways) assert.equal(gatewayRead.statusCode, 200);
          else assertError(gatewayRead, 404, 'not_found');
          const meters = (await call(fixture.app, key, 'GET', '/v1/meters')).json() as { meters: Array<{ meterId: string }> };
          const meterIds = meters.meters.map((meter) => meter.meterId).filter((id) => !id.startsWith('m-new'));
          assert.deepEqual(meterIds, VISIBLE_METERS[role]);
          for (const meterId of ['m-1', 'm-2', 'm-other']) {
            const read = await call(fixture.app, key, 'GET', `/v1/meters/${meterId}`);
            if (VISIBLE_METERS[role].includes(meterId)) assert.equal(read.statusCode, 200);
            else assertError(read, 404, 'not_found');
          }
        });
      });
    }

    it('OTHERS covers every role without read-all rights', () => {
      assert.deepEqual([...OTHERS].sort(), ['authority', 'gateway', 'participant', 'supplier', 'transmission']);
    });
  });
}

for (const backend of storeBackends()) {
  describe(`operator API validation (${backend.kind})`, () => {
    let fixture: ApiFixture;
    before(async () => {
      fixture = await openApi(backend);
    });
    after(() => fixture.close());

    it('a body failing its schema is 400 invalid_request naming the field', async () => {
      const response = await call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties', { partyId: 'p-x', role: 'participant' });
      assertError(response, 400, 'invalid_request');
      assert.match((response.json() as { error: { message: string } }).error.message, /name/);
    });

    it('a taken party id is 409 already_exists', async () => {
      const party = { partyId: 'p-dup', name: 'Dup', role: 'supplier' };
      assert.equal((await call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties', party)).statusCode, 201);
      assertError(await call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties', party), 409, 'already_exists');
    });

    it('a taken gateway id and a taken meter id are 409 already_exists', async () => {
      const gateway = { gatewayId: 'gw-dup', ownerPartyId: 'operator' };
      assert.equal((await call(fixture.app, fixture.operatorKey, 'POST', '/v1/gateways', gateway)).statusCode, 201);
      assertError(await call(fixture.app, fixture.operatorKey, 'POST', '/v1/gateways', gateway), 409, 'already_exists');
      const meter = { meterId: 'm-dup', gatewayId: 'gw-dup', partyId: 'operator' };
      assert.equal((await call(fixture.app, fixture.operatorKey, 'POST', '/v1/meters', meter)).statusCode, 201);
      assertError(await call(fixture.app, fixture.operatorKey, 'POST', '/v1/meters', meter), 409, 'already_exists');
    });

    it('a meter on a gateway that does not exist is 400 invalid_request', async () => {
      assertError(await call(fixture.app, fixture.operatorKey, 'POST', '/v1/meters', { meterId: 'm', gatewayId: 'gw-none', partyId: 'operator' }), 400, 'invalid_request');
    });

    it('a JSON syntax error on an operator route is 400 invalid_request; a body over 64 KiB is 413 body_too_large', async () => {
      const headers = { authorization: `Bearer ${fixture.operatorKey}`, 'content-type': 'application/json' };
      assertError(await fixture.app.inject({ method: 'POST', url: '/v1/parties', headers, payload: '{bad' }), 400, 'invalid_request');
      const big = JSON.stringify({ partyId: 'p-big', name: 'x'.repeat(API_BODY_BYTES_MAX), role: 'supplier' });
      assertError(await fixture.app.inject({ method: 'POST', url: '/v1/parties', headers, payload: big }), 413, 'body_too_large');
    });

    it('an unknown route is 404 not_found in the catalogue shape', async () => {
      assertError(await call(fixture.app, fixture.operatorKey, 'GET', '/v1/nothing'), 404, 'not_found');
    });
  });
}
