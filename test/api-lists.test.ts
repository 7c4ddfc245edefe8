// The API's lists (docs/api.md "Lists"): cursor pages (`?limit=&after=`,
// `next`) that together hold every item once, in a stable order (ids
// bytewise; transfers in ledger order; runs in creation order), a limit
// over API_LIST_LIMIT_MAX is limit_exceeded, and every list shows a party
// exactly what its reads by id would (SPEC §5 "a party sees its own").
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { API_LIST_LIMIT_MAX } from '../host/limits.js';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { storeBackends } from './store-backends.js';
import { assertError, call, created, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

const READS_ALL: readonly PartyRole[] = ['operator', 'regulator'];
const partyIdOf = (role: PartyRole): string => (role === 'operator' ? 'operator' : `p-${role}`);
const bytewise = (left: string, right: string): number => Buffer.compare(Buffer.from(left, 'utf8'), Buffer.from(right, 'utf8'));
const sortedBytewise = (ids: readonly string[]): string[] => [...ids].sort(bytewise);

// Upper case sorts before lower case bytewise; U+1F600 sorts after U+FFFD in UTF-8 bytes but before it in UTF-16 units.
const EXTRA_PARTIES = ['B-party', 'a-party', 'Z9', '0x'];
const EXTRA_METERS = ['m-é', 'm-\u{1F600}', 'm-\uFFFD', 'M-upper'];
const PARTICIPANT_ACCOUNTS = ['pa-a', 'pa-B', 'pa-0', 'pa-Z'];
const ACCOUNTS: Array<[string, string]> = [
  ...PARTICIPANT_ACCOUNTS.map((id): [string, string] => [id, 'p-participant']), ['su-1', 'p-supplier'], ['bank', 'operator'],
];
/** Transfers in posting order; `pa-a` is the debit or credit of those marked. */
const TRANSFERS: Array<[string, string, string]> = [
  ['t-9', 'bank', 'pa-a'], ['t-1', 'bank', 'su-1'], ['t-8', 'pa-a', 'su-1'], ['t-2', 'bank', 'pa-a'],
  ['t-7', 'bank', 'pa-B'], ['t-3', 'pa-a', 'bank'], ['t-6', 'su-1', 'pa-a'], ['t-5', 'bank', 'su-1'], ['t-4', 'bank', 'pa-a'],
];
const TRANSFERS_OF_PA_A = TRANSFERS.filter(([, debit, credit]) => debit === 'pa-a' || credit === 'pa-a').map(([id]) => id);
const RUNS_IN_CREATION_ORDER = ['run-c', 'run-a', 'run-b'];

interface Page { next: string | null; [name: string]: unknown }

/** Every page of a list, following `next` until null; checks each page's size. */
async function allPages(app: FastifyInstance, apiKey: string, path: string, name: string, limit: number): Promise<{ items: Array<Record<string, unknown>>; pages: number }> {
  const items: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const url: string = `${path}${separator}limit=${limit}${cursor === null ? '' : `&after=${encodeURIComponent(cursor)}`}`;
    const response = await call(app, apiKey, 'GET', url);
    assert.equal(response.statusCode, 200, `${url}: ${response.body}`);
    const page = response.json() as Page;
    const pageItems = page[name] as Array<Record<string, unknown>>;
    if (page.next !== null) assert.equal(pageItems.length, limit, `${url}: a page before the last is full`);
    else assert.ok(pageItems.length <= limit);
    items.push(...pageItems);
    cursor = page.next;
    pages += 1;
  } while (cursor !== null);
  return { items, pages };
}

const idsOf = (items: ReadonlyArray<Record<string, unknown>>, key: string): string[] => items.map((item) => String(item[key]));

for (const backend of storeBackends()) {
  describe(`API lists: cursor pages and role scopes (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let setup: Provisioned;
    const allPartyIds = (): string[] => [...PARTY_ROLES.map(partyIdOf), ...EXTRA_PARTIES];

    before(async () => {
      fixture = await openApi(backend);
      setup = await provision(fixture);
      const operator = fixture.operatorKey;
      for (const partyId of EXTRA_PARTIES) await created(call(fixture.app, operator, 'POST', '/v1/parties', { partyId, name: partyId, role: 'participant' }));
      for (const meterId of EXTRA_METERS) await created(call(fixture.app, operator, 'POST', '/v1/meters', { meterId, gatewayId: 'gw-2', partyId: 'p-supplier' }));
      const accounts = ACCOUNTS.map(([id, party]) => ({ id, party, currency: 'EUR', kind: 'asset' }));
      const transfers = TRANSFERS.map(([id, debit, credit]) => ({ type: 'single', id, debit, credit, amount: '1', currency: 'EUR', code: 1, ts: 1 }));
      for (const [path, body] of [['/v1/accounts', { accounts }], ['/v1/transfers', { transfers }]] as const) {
        const response = await call(fixture.app, operator, 'POST', path, body);
        assert.ok((response.json() as { results: Array<{ result: string }> }).results.every((result) => result.result === 'ok'), response.body);
      }
      // Run ids in reverse of creation order, all in the same (pinned) millisecond.
      for (const runId of RUNS_IN_CREATION_ORDER) {
        const response = await call(fixture.app, operator, 'POST', '/v1/settlement-runs', { from: 0, to: 86_400_000, runId });
        assert.equal(response.statusCode, 202, response.body);
      }
    });
    after(() => fixture.close());

    const LISTS: ReadonlyArray<{ path: string; name: string; key: string; expected: () => string[] }> = [
      { path: '/v1/parties', name: 'parties', key: 'partyId', expected: () => sortedBytewise(allPartyIds()) },
      { path: '/v1/gateways', name: 'gateways', key: 'gatewayId', expected: () => ['gw-1', 'gw-2'] },
      { path: '/v1/meters', name: 'meters', key: 'meterId', expected: () => sortedBytewise(['m-1', 'm-2', 'm-other', ...EXTRA_METERS]) },
      { path: '/v1/accounts', name: 'accounts', key: 'id', expected: () => sortedBytewise(ACCOUNTS.map(([id]) => id)) },
      { path: '/v1/accounts/pa-a/transfers', name: 'transfers', key: 'id', expected: () => TRANSFERS_OF_PA_A },
      { path: '/v1/settlement-runs', name: 'runs', key: 'runId', expected: () => RUNS_IN_CREATION_ORDER },
    ];

    for (const list of LISTS) {
      it(`${list.path}: pages of 1, 2 and 3 hold every item once, in the documented order, as one page of ${API_LIST_LIMIT_MAX} does`, async () => {
        const whole = await allPages(fixture.app, fixture.operatorKey, list.path, list.name, API_LIST_LIMIT_MAX);
        assert.equal(whole.pages, 1);
        assert.deepEqual(idsOf(whole.items, list.key), list.expected());
        for (const limit of [1, 2, 3]) {
          const paged = await allPages(fixture.app, fixture.operatorKey, list.path, list.name, limit);
          assert.deepEqual(paged.items, whole.items, `limit ${limit}`);
          assert.equal(paged.pages, Math.max(1, Math.ceil(whole.items.length / limit)));
        }
      });

      it(`${list.path}: limit ${API_LIST_LIMIT_MAX + 1} and limit 0 are 400 limit_exceeded naming API_LIST_LIMIT_MAX (SPEC §1: either side of the range)`, async () => {
        const over = await call(fixture.app, fixture.operatorKey, 'GET', `${list.path}?limit=${API_LIST_LIMIT_MAX + 1}`);
        assertError(over, 400, 'limit_exceeded');
        assert.match(over.body, /API_LIST_LIMIT_MAX/);
        const zero = await call(fixture.app, fixture.operatorKey, 'GET', `${list.path}?limit=0`);
        assertError(zero, 400, 'limit_exceeded');
        assert.match(zero.body, /API_LIST_LIMIT_MAX/);
      });
    }

    it("a party's key list pages by key id", async () => {
      for (let n = 0; n < 4; n++) await created(call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties/p-authority/keys'));
      const whole = await allPages(fixture.app, setup.keys.authority, '/v1/parties/p-authority/keys', 'keys', API_LIST_LIMIT_MAX);
      assert.equal(whole.items.length, 5);
      assert.deepEqual(idsOf(whole.items, 'keyId'), sortedBytewise(idsOf(whole.items, 'keyId')));
      assert.deepEqual((await allPages(fixture.app, setup.keys.authority, '/v1/parties/p-authority/keys', 'keys', 2)).items, whole.items);
    });

    for (const role of PARTY_ROLES) {
      const readsAll = READS_ALL.includes(role);
      it(`role ${role}: lists ${readsAll ? 'every account and run' : 'only its own accounts and no run'}; pages show the same`, async () => {
        const key = setup.keys[role];
        const own = ACCOUNTS.filter(([, party]) => readsAll || party === partyIdOf(role)).map(([id]) => id);
        for (const limit of [1, API_LIST_LIMIT_MAX]) {
          assert.deepEqual(idsOf((await allPages(fixture.app, key, '/v1/accounts', 'accounts', limit)).items, 'id'), sortedBytewise(own));
          assert.deepEqual(idsOf((await allPages(fixture.app, key, '/v1/settlement-runs', 'runs', limit)).items, 'runId'), readsAll ? RUNS_IN_CREATION_ORDER : []);
          const parties = idsOf((await allPages(fixture.app, key, '/v1/parties', 'parties', limit)).items, 'partyId');
          assert.deepEqual(parties, readsAll ? sortedBytewise(allPartyIds()) : [partyIdOf(role)]);
        }
      });

      it(`role ${role}: ${readsAll || role === 'participant' ? 'lists' : 'cannot list'} the transfers of p-participant's account; another party's account is 404 like a missing one`, async () => {
        const key = setup.keys[role];
        const response = await call(fixture.app, key, 'GET', '/v1/accounts/pa-a/transfers');
        if (readsAll || role === 'participant') {
          assert.equal(response.statusCode, 200, response.body);
          assert.deepEqual(idsOf((response.json() as { transfers: Array<Record<string, unknown>> }).transfers, 'id'), TRANSFERS_OF_PA_A);
        } else {
          assertError(response, 404, 'not_found');
          const missing = await call(fixture.app, key, 'GET', '/v1/accounts/no-such/transfers');
          assert.equal(response.body.replace('pa-a', 'X'), missing.body.replace('no-such', 'X'));
        }
      });
    }

    it("a transfer cursor from another account is refused like an unknown one (400), so it reveals nothing of that account's transfers", async () => {
      const foreign = await call(fixture.app, setup.keys.participant, 'GET', '/v1/accounts/pa-a/transfers?after=t-1');
      const unknown = await call(fixture.app, setup.keys.participant, 'GET', '/v1/accounts/pa-a/transfers?after=t-none');
      assertError(foreign, 400, 'invalid_request');
      assert.equal(foreign.body.replace('t-1', 'X'), unknown.body.replace('t-none', 'X'));
    });

    it('a run cursor that names no run is 400 invalid_request', async () => {
      assertError(await call(fixture.app, fixture.operatorKey, 'GET', '/v1/settlement-runs?after=run-none'), 400, 'invalid_request');
    });

    it('/docs/json documents every list with limit and after, a reply with next, and the key revocation route', async () => {
      interface Operation { parameters?: Array<{ in: string; name: string }>; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }
      const document = (await fixture.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, Record<string, Operation>> };
      for (const list of [...LISTS, { path: '/v1/parties/{partyId}/keys', name: 'keys' }]) {
        const operation = document.paths[list.path.replace('pa-a', '{id}')]?.get;
        assert.ok(operation !== undefined, `GET ${list.path} is documented`);
        const query = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
        assert.deepEqual(query.sort(), ['after', 'limit'], list.path);
        const reply = operation.responses['200']?.content?.['application/json']?.schema.properties ?? {};
        assert.deepEqual(Object.keys(reply).sort(), [list.name, 'next'].sort(), list.path);
      }
      const revoke = document.paths['/v1/parties/{partyId}/keys/{keyId}']?.delete;
      assert.ok(revoke?.responses['200'] !== undefined && revoke.responses['404'] !== undefined);
    });

    it('an account list item is the account with its balance, as the read by id shows it', async () => {
      const page = (await call(fixture.app, setup.keys.participant, 'GET', '/v1/accounts?limit=1&after=pa-Z')).json() as { accounts: unknown[]; next: string | null };
      const byId = (await call(fixture.app, setup.keys.participant, 'GET', '/v1/accounts/pa-a')).json() as { account: unknown };
      assert.deepEqual(page, { accounts: [byId.account], next: null });
    });
  });
}
