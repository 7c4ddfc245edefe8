// One id grammar on every backend (docs/api.md "Ids and names"): the same
// hostile ids go through meter registration and ingest, parties, ledger
// accounts and transfers, and one flow object (an S5 site) on SQLite and
// PostgreSQL. None answers 5xx, each gets its code, nothing refused is
// stored, and ids up to their kind's maximum are reachable by GET.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import {
  API_ID_LENGTH_MAX, API_PARAM_LENGTH_MAX, DISPLAY_NAME_LENGTH_MAX, FLOW_ID_LENGTH_MAX, INGEST_METER_ID_LENGTH_MAX, LEDGER_ID_LENGTH_MAX,
} from '../host/limits.js';
import { call, NOW_MS, postBatch } from './api-helpers.js';
import { openFlows, type FlowFixture } from './flow-helpers.js';
import { storeBackends } from './store-backends.js';

/** Ids that break the grammar: each is refused wherever an id or a name is taken. */
const HOSTILE_IDS: ReadonlyArray<readonly [string, string]> = [
  ['a NUL', 'id\u0000x'],
  ['an ESC (another C0 control)', 'id\u001bx'],
  ['a line feed', 'id\nx'],
  ['DEL', 'id\u007fx'],
  ['a C1 control (NEL)', 'id\u0085x'],
  ['a lone surrogate', 'id\ud800x'],
];
/** Printable ids in other scripts: right-to-left text, emoji (a surrogate pair, a ZWJ sequence). */
const PRINTABLE_IDS = ['מונה-שלום', 'عداد-٧', 'meter-😀', 'fam-👨‍👩‍👧'];

async function answered(response: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  const reply = await response;
  assert.ok(reply.statusCode < 500, `${reply.statusCode} ${reply.body}`);
  return reply;
}

function assertCode(reply: LightMyRequestResponse, status: number, code: string, label: string): void {
  assert.equal(reply.statusCode, status, `${label}: ${reply.body}`);
  assert.equal((reply.json() as { error: { code: string } }).error.code, code, label);
}

/** The accepted lengths of a kind: exactly its maximum, and 250 characters where that fits. */
function longIds(prefix: string, lengthMax: number): { accepted: string[]; refused: string[] } {
  const ofLength = (length: number) => prefix + 'x'.repeat(length - prefix.length);
  const accepted = [ofLength(lengthMax)];
  const refused = [ofLength(lengthMax + 1)];
  (250 <= lengthMax ? accepted : refused).push(ofLength(250));
  return { accepted, refused };
}

for (const backend of storeBackends()) {
  describe(`docs/api.md "Ids and names": one grammar on ${backend.kind}`, () => {
    let fixture: FlowFixture;
    before(async () => {
      fixture = await openFlows(backend);
    });
    after(async () => fixture.close());
    const operator = () => fixture.operatorKey;

    it('a meter id with a control character or a lone surrogate is refused; printable and maximum-length ids are registered and reachable', async () => {
      const register = (meterId: string) => answered(call(fixture.app, operator(), 'POST', '/v1/meters', { meterId, gatewayId: 'gw-1', partyId: 'p-participant' }));
      for (const [label, id] of HOSTILE_IDS) assertCode(await register(id), 400, 'invalid_request', label);
      const { accepted, refused } = longIds('m-', INGEST_METER_ID_LENGTH_MAX);
      for (const id of refused) assertCode(await register(id), 400, 'limit_exceeded', `${id.length} characters`);
      for (const id of [...accepted, ...PRINTABLE_IDS]) {
        assert.equal((await register(id)).statusCode, 201, id);
        const read = await answered(call(fixture.app, operator(), 'GET', `/v1/meters/${encodeURIComponent(id)}`));
        assert.equal(read.statusCode, 200, read.body);
        assert.equal((read.json() as { meter: { meterId: string } }).meter.meterId, id);
      }
      const listed = (await answered(call(fixture.app, operator(), 'GET', '/v1/meters?limit=1000'))).json() as { meters: Array<{ meterId: string }> };
      assert.deepEqual(listed.meters.map((meter) => meter.meterId).sort(), ['m-1', 'm-2', 'm-other', ...accepted, ...PRINTABLE_IDS].sort());
    });

    it('an ingest frame whose meter id breaks the grammar is that frame\'s `invalid`; the rest of the batch is stored', async () => {
      const hostileFrames = HOSTILE_IDS.map(([, id]) => ({ m: id, t: NOW_MS - 60_000, i: 5 }));
      const frames = [{ m: 'm-1', t: NOW_MS - 60_000, i: 5 }, ...hostileFrames, { m: 'm-'.padEnd(INGEST_METER_ID_LENGTH_MAX + 1, 'x'), t: NOW_MS - 60_000, i: 5 }, { m: 7, t: NOW_MS - 60_000, i: 5 }];
      const body = Buffer.from(JSON.stringify({ v: 1, seq: 1, frames }));
      const reply = await answered(postBatch(fixture.app, { gatewayId: 'gw-1', secret: fixture.gatewaySecret, body, contentType: 'application/json' }));
      assert.equal(reply.statusCode, 202, reply.body);
      const answer = reply.json() as { accepted: number; rejected: Array<{ index: number; code: string }> };
      assert.equal(answer.accepted, 1);
      assert.deepEqual(answer.rejected, frames.slice(1).map((_, k) => ({ index: k + 1, code: 'invalid' })));
    });

    it('a party id or name with a control character or a lone surrogate is refused; printable and maximum-length ids are created and reachable', async () => {
      const create = (partyId: string, name = 'Party') => answered(call(fixture.app, operator(), 'POST', '/v1/parties', { partyId, name, role: 'participant' }));
      for (const [label, id] of HOSTILE_IDS) {
        assertCode(await create(id), 400, 'invalid_request', label);
        assertCode(await create(`named-${label.length}`, `Name ${id}`), 400, 'invalid_request', `name with ${label}`);
      }
      assertCode(await create('long-name', 'n'.repeat(DISPLAY_NAME_LENGTH_MAX + 1)), 400, 'limit_exceeded', 'name over DISPLAY_NAME_LENGTH_MAX');
      const { accepted, refused } = longIds('p-', API_ID_LENGTH_MAX);
      for (const id of refused) assertCode(await create(id), 400, 'limit_exceeded', `${id.length} characters`);
      for (const id of [...accepted, ...PRINTABLE_IDS]) {
        assert.equal((await create(id, `שם ${id.slice(0, 20)} 😀`)).statusCode, 201, id);
        const read = await answered(call(fixture.app, operator(), 'GET', `/v1/parties/${encodeURIComponent(id)}`));
        assert.equal((read.json() as { party: { partyId: string } }).party.partyId, id);
      }
      const listed = (await answered(call(fixture.app, operator(), 'GET', '/v1/parties?limit=1000'))).json() as { parties: Array<{ partyId: string }> };
      const partyIds = listed.parties.map((party) => party.partyId);
      assert.deepEqual(partyIds.filter((id) => !id.startsWith('p-') && id !== 'operator').sort(), [...PRINTABLE_IDS].sort());
      assert.ok(partyIds.includes(accepted[0]!) && !partyIds.some((id) => id.startsWith('named-') || id === 'long-name'));
    });

    it('an account id or kind, or a transfer id, with a control character or a lone surrogate is refused and nothing is stored', async () => {
      const accounts = (account: object) => answered(call(fixture.app, operator(), 'POST', '/v1/accounts', { accounts: [{ party: 'p-participant', currency: 'EUR', kind: 'wallet', ...account }] }));
      const transfer = (id: string) => answered(call(fixture.app, operator(), 'POST', '/v1/transfers', {
        transfers: [{ type: 'single', id, debit: 'acct-a', credit: 'acct-b', amount: '1.00', currency: 'EUR', code: 1, ts: NOW_MS }],
      }));
      for (const id of ['acct-a', 'acct-b']) assert.equal((await accounts({ id })).statusCode, 200);
      for (const [label, id] of HOSTILE_IDS) {
        assertCode(await accounts({ id }), 400, 'invalid_request', `account id with ${label}`);
        assertCode(await accounts({ id: `kind-${label.length}`, kind: id }), 400, 'invalid_request', `kind with ${label}`);
        assertCode(await transfer(id), 400, 'invalid_request', `transfer id with ${label}`);
      }
      const { accepted, refused } = longIds('a-', LEDGER_ID_LENGTH_MAX);
      for (const id of refused) assertCode(await accounts({ id }), 400, 'limit_exceeded', `${id.length} characters`);
      for (const id of [...accepted, ...PRINTABLE_IDS]) {
        assert.equal(((await accounts({ id })).json() as { results: Array<{ result: string }> }).results[0]!.result, 'ok', id);
        assert.equal((await answered(call(fixture.app, operator(), 'GET', `/v1/accounts/${encodeURIComponent(id)}`))).statusCode, 200, id);
        // Transfer ids are their own namespace: the same id names one transfer.
        assert.equal(((await transfer(id)).json() as { results: Array<{ result: string }> }).results[0]!.result, 'ok', id);
        assert.equal((await answered(call(fixture.app, operator(), 'GET', `/v1/transfers/${encodeURIComponent(id)}`))).statusCode, 200, id);
      }
      for (const id of refused) assertCode(await transfer(id), 400, 'limit_exceeded', `transfer id of ${id.length} characters`);
      const listed = (await answered(call(fixture.app, operator(), 'GET', '/v1/accounts?limit=1000'))).json() as { accounts: Array<{ id: string }> };
      assert.deepEqual(listed.accounts.map((account) => account.id).sort(), ['acct-a', 'acct-b', ...accepted, ...PRINTABLE_IDS].sort());
      const moved = (await answered(call(fixture.app, operator(), 'GET', '/v1/accounts/acct-a/transfers?limit=1000'))).json() as { transfers: unknown[] };
      assert.equal(moved.transfers.length, accepted.length + PRINTABLE_IDS.length);
    });

    it('a flow object (an S5 site) id with a control character or a lone surrogate is refused; printable and maximum-length ids are reachable', async () => {
      const register = (id: string) => answered(call(fixture.app, fixture.as('participant'), 'POST', '/v1/matching/sites', {
        id, type: 'mobile', direction: 'supply', geo: { lat: '0', lon: '0' }, energyMWh: 1_000, powerW: 11_000, availableFromMs: NOW_MS, availableToMs: NOW_MS + 3_600_000,
      }));
      for (const [label, id] of HOSTILE_IDS) assertCode(await register(id), 400, 'invalid_request', label);
      const { accepted, refused } = longIds('s-', FLOW_ID_LENGTH_MAX);
      for (const id of refused) assertCode(await register(id), 400, 'limit_exceeded', `${id.length} characters`);
      for (const id of [...accepted, ...PRINTABLE_IDS]) {
        assert.equal((await register(id)).statusCode, 201, id);
        assert.equal((await answered(call(fixture.app, fixture.as('participant'), 'GET', `/v1/matching/sites/${encodeURIComponent(id)}`))).statusCode, 200, id);
      }
      const stored = await fixture.store.flows.list('exchange-site', { limit: 1_000 });
      assert.deepEqual(stored.map((site) => site.id).sort(), [...accepted, ...PRINTABLE_IDS].sort());
    });

    it('an over-long path parameter is 414 uri_too_long and an unknown route 404 not_found, neither echoing the URL', async () => {
      const tooLong = 'x'.repeat(API_PARAM_LENGTH_MAX + 1);
      const long = await answered(call(fixture.app, operator(), 'GET', `/v1/meters/${tooLong}`));
      assertCode(long, 414, 'uri_too_long', 'over API_PARAM_LENGTH_MAX');
      assert.ok(!long.body.includes(tooLong.slice(0, 300)), long.body);
      const unknown = await answered(call(fixture.app, operator(), 'GET', `/v1/nowhere/${tooLong}`));
      assertCode(unknown, 404, 'not_found', 'unknown route');
      assert.ok(unknown.body.length < 300, unknown.body);
    });
  });
}
