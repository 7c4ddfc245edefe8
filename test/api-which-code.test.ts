// SPEC §1 "which code" on the HTTP routes (docs/api.md "Which code on the
// HTTP routes"): a decimal string malformed, or a JSON number where one is
// due, is invalid_amount; an integer or a count outside its range, below the
// minimum as well as above the maximum, is limit_exceeded naming the limit;
// any other shape failure is the API's invalid_request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { API_LEDGER_BLOCKS_PER_PAGE_MAX, API_LEDGER_EVENTS_PER_REQUEST_MAX, LEDGER_ID_LENGTH_MAX, LEDGER_REFS_MAX } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

const TRANSFER = { type: 'single', id: 't-1', debit: 'a', credit: 'b', amount: '1.00', currency: 'EUR', code: 1, ts: NOW_MS };
const PPA = {
  id: 'ppa-c', transmission: 'p-transmission', price: '0.08', currency: 'EUR', volumeMWh: 1_000,
  period: { from: NOW_MS, to: NOW_MS + 3_600_000 }, windowMs: 3_600_000, meters: ['m-2'],
};

function assertLimit(response: LightMyRequestResponse, limitName: string | null): void {
  assertError(response, 400, 'limit_exceeded');
  if (limitName !== null) assert.match(response.body, new RegExp(limitName));
}

describe('SPEC §1 which code on the HTTP routes', () => {
  let fixture: ApiFixture;
  let setup: Provisioned;
  const transfers = (body: unknown) => call(fixture.app, setup.keys.operator, 'POST', '/v1/transfers', body as object);

  before(async () => {
    fixture = await openApi(storeBackends()[0]!);
    setup = await provision(fixture);
  });
  after(() => fixture.close());

  it('a JSON number where a decimal string is due is invalid_amount, on the ledger and on a flow route', async () => {
    assertError(await transfers({ transfers: [{ ...TRANSFER, amount: 12.34 }] }), 400, 'invalid_amount');
    assertError(await transfers({ transfers: [{ ...TRANSFER, amount: 5 }] }), 400, 'invalid_amount');
    assertError(await call(fixture.app, setup.keys.supplier, 'POST', '/v1/ppas', { ...PPA, price: 0.08 }), 400, 'invalid_amount');
  });

  it('a malformed decimal string is invalid_amount, never rounded: 7 decimals, an exponent, a sign, a bare point', async () => {
    for (const amount of ['1.2345678', '1e2', '+1', '.5', '5.']) {
      assertError(await transfers({ transfers: [{ ...TRANSFER, amount }] }), 400, 'invalid_amount');
    }
    assertError(await call(fixture.app, setup.keys.supplier, 'POST', '/v1/ppas', { ...PPA, price: '0.0800001' }), 400, 'invalid_amount');
  });

  it('an integer below its minimum or above its maximum is limit_exceeded naming the limit (query and body)', async () => {
    for (const limit of [0, API_LEDGER_BLOCKS_PER_PAGE_MAX + 1]) {
      assertLimit(await call(fixture.app, setup.keys.regulator, 'GET', `/v1/ledger/blocks?limit=${limit}`), 'API_LEDGER_BLOCKS_PER_PAGE_MAX');
    }
    const run = (body: object) => call(fixture.app, setup.keys.operator, 'POST', '/v1/settlement-runs', body);
    assertLimit(await run({ from: -1, to: NOW_MS }), null);
    assertLimit(await run({ from: 0, to: NOW_MS, intervalMs: 0 }), null);
    assertLimit(await call(fixture.app, setup.keys.supplier, 'POST', '/v1/ppas', { ...PPA, volumeMWh: 0 }), null);
  });

  it('a count outside its range (events per batch, refs, id length) is limit_exceeded naming the limit, either side', async () => {
    const many = Array.from({ length: API_LEDGER_EVENTS_PER_REQUEST_MAX + 1 }, (_, index) => ({ type: 'void', id: `v-${index}`, ts: NOW_MS }));
    assertLimit(await transfers({ transfers: many }), 'API_LEDGER_EVENTS_PER_REQUEST_MAX');
    assertLimit(await transfers({ transfers: [] }), 'API_LEDGER_EVENTS_PER_REQUEST_MAX');
    const refs = Array.from({ length: LEDGER_REFS_MAX + 1 }, (_, index) => `r-${index}`);
    assertLimit(await transfers({ transfers: [{ ...TRANSFER, refs }] }), 'LEDGER_REFS_MAX');
    assertLimit(await transfers({ transfers: [{ ...TRANSFER, id: 'x'.repeat(LEDGER_ID_LENGTH_MAX + 1) }] }), 'LEDGER_ID_LENGTH_MAX');
  });

  it('a value of the wrong type or shape is invalid_request', async () => {
    assertError(await transfers({ transfers: [{ ...TRANSFER, ts: 'now' }] }), 400, 'invalid_request');
    assertError(await transfers({ transfers: [{ ...TRANSFER, type: 'other' }] }), 400, 'invalid_request');
    assertError(await transfers({ transfers: [{ ...TRANSFER, amountMicro: '1000000' }] }), 400, 'invalid_request');
    assertError(await transfers({}), 400, 'invalid_request');
    assertError(await call(fixture.app, setup.keys.regulator, 'GET', '/v1/ledger/blocks?limit=ten'), 400, 'invalid_request');
    assertError(await call(fixture.app, setup.keys.supplier, 'POST', '/v1/ppas', { ...PPA, volumeMWh: 1.5 }), 400, 'invalid_request');
  });
});
