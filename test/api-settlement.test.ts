// Settlement over HTTP (docs/api.md "Settlement"): operators register
// tariffs and billing accounts and start runs (202, background, polled);
// statements read as JSON and CSV by the account's owner and supplier only;
// the ledger gets one transfer per account, nothing on an unchanged re-run,
// and one adjustment naming the original after a late reading (SPEC §5).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { GatewayFrame } from '../host/ingest/encode.js';
import { settlementTransferId, SETTLEMENT_ADJUSTMENT_CODE } from '../host/settlement/postings.js';
import { buildApp } from '../host/api/app.js';
import type { SettlementStore } from '../host/store/settlement-store.js';
import { storeBackends } from './store-backends.js';
import { TOU_TARIFF } from './settlement-helpers.js';
import { microOf } from './flow-helpers.js';
import {
  LEDGER_TEST_OPTIONS, NOW_MS, assertError, call, columnar, created, openApi, postBatch, provision, type ApiFixture, type Provisioned,
} from './api-helpers.js';

const DEC_FROM_MS = Date.UTC(2025, 11, 1); // Monday
const DECEMBER = { from: DEC_FROM_MS, to: NOW_MS };
const hourOfDecember = (day: number, hour: number): number => Date.UTC(2025, 11, day, hour);
const ACCT_1 = { accountId: 'acct-1', ownerPartyId: 'p-participant', supplierPartyId: 'p-supplier', tariffId: 'tou-2026', currency: 'EUR' };
const ACCT_2 = { ...ACCT_1, accountId: 'acct-2', ownerPartyId: 'p-neighbour' };

interface RunBody { run: { runId: string; status: string; progress: { accountsDone: number; accountsTotal: number; readings: number }; transfersPosted: number } }
interface StatementsBody { statements: Array<{ accountId: string; status: string; statement: { total: string; lines: unknown[] } | null }> }

/** Starts a run as the operator and polls it until it is no longer running. */
async function settle(app: FastifyInstance, operatorKey: string, period = DECEMBER): Promise<RunBody['run']> {
  const started = await call(app, operatorKey, 'POST', '/v1/settlement-runs', period);
  assert.equal(started.statusCode, 202, started.body);
  const { runId } = (started.json() as RunBody).run;
  assert.equal(started.headers.location, `/v1/settlement-runs/${runId}`);
  for (;;) {
    const polled = await call(app, operatorKey, 'GET', `/v1/settlement-runs/${runId}`);
    assert.equal(polled.statusCode, 200, polled.body);
    const { run } = polled.json() as RunBody;
    if (run.status !== 'running') return run;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function debitsPostedMicro(app: FastifyInstance, apiKey: string, ledgerAccountId: string): Promise<bigint> {
  const response = await call(app, apiKey, 'GET', `/v1/accounts/${ledgerAccountId}`);
  if (response.statusCode === 404) return 0n;
  assert.equal(response.statusCode, 200, response.body);
  return microOf((response.json() as { account: { balance: { debitsPosted: string } } }).account.balance.debitsPosted);
}

for (const backend of storeBackends()) {
  describe(`SPEC §2/§3/§5 settlement over HTTP (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let setup: Provisioned;
    let neighbourKey: string;
    let seq = 0;
    const ingest = async (frames: GatewayFrame[]) => {
      seq += 1;
      const response = await postBatch(fixture.app, { gatewayId: setup.gatewayId, secret: setup.gatewaySecret, body: columnar(seq, frames) });
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual((response.json() as { rejected: unknown[] }).rejected, []);
    };

    before(async () => {
      // A clock that moves, so that runs have distinct start times ("oldest first" in account statements).
      let clockMs = NOW_MS;
      fixture = await openApi(backend, { nowMs: () => clockMs++ });
      setup = await provision(fixture);
      const { app, operatorKey } = fixture;
      await created(call(app, operatorKey, 'POST', '/v1/parties', { partyId: 'p-neighbour', name: 'Neighbour', role: 'participant' }));
      neighbourKey = (await created<{ apiKey: string }>(call(app, operatorKey, 'POST', '/v1/parties/p-neighbour/keys'))).apiKey;
      await created(call(app, operatorKey, 'POST', '/v1/meters', { meterId: 'm-3', gatewayId: 'gw-1', partyId: 'p-neighbour', accountId: 'acct-2' }));
      await created(call(app, operatorKey, 'POST', '/v1/tariffs', TOU_TARIFF));
      await created(call(app, operatorKey, 'POST', '/v1/billing-accounts', ACCT_1));
      await created(call(app, operatorKey, 'POST', '/v1/billing-accounts', ACCT_2));
    });
    after(() => fixture.close());

    it('a tariff is validated by the pricing code, immutable, and readable by any party', async () => {
      const { app, operatorKey } = fixture;
      assert.equal((await call(app, operatorKey, 'POST', '/v1/tariffs', TOU_TARIFF)).statusCode, 200, 'the same document again');
      assertError(await call(app, operatorKey, 'POST', '/v1/tariffs', { ...TOU_TARIFF, fixedPerDay: '0.60' }), 400, 'invalid_input');
      assertError(await call(app, operatorKey, 'POST', '/v1/tariffs', { ...TOU_TARIFF, id: 'bad', fixedPerDay: 'x' }), 400, 'invalid_amount');
      assertError(await call(app, setup.keys.supplier, 'POST', '/v1/tariffs', { ...TOU_TARIFF, id: 'mine' }), 403, 'forbidden');
      const read = await call(app, setup.keys.participant, 'GET', '/v1/tariffs/tou-2026');
      assert.equal(read.statusCode, 200, read.body);
      assert.equal((read.json() as { tariff: { fixedPerDay: string } }).tariff.fixedPerDay, '0.50');
      assertError(await call(app, operatorKey, 'GET', '/v1/tariffs/nope'), 404, 'not_found');
    });

    it('a billing account needs an existing participant owner, an existing supplier and a registered tariff', async () => {
      const { app, operatorKey } = fixture;
      const post = (body: object) => call(app, operatorKey, 'POST', '/v1/billing-accounts', { ...ACCT_1, accountId: 'acct-x', ...body });
      assertError(await post({ ownerPartyId: 'p-supplier' }), 400, 'invalid_request');
      assertError(await post({ supplierPartyId: 'p-participant' }), 400, 'invalid_request');
      assertError(await post({ ownerPartyId: 'nobody' }), 400, 'invalid_request');
      assertError(await post({ tariffId: 'nope' }), 400, 'invalid_input');
      assertError(await post({ currency: 'USD' }), 400, 'invalid_input');
      assertError(await call(app, setup.keys.supplier, 'POST', '/v1/billing-accounts', { ...ACCT_1, accountId: 'acct-y' }), 403, 'forbidden');
      assert.equal((await call(app, operatorKey, 'POST', '/v1/billing-accounts', ACCT_1)).statusCode, 200, 'the same account again');
    });

    it('a billing account is read by its owner, its supplier, operators and regulators; to another participant it does not exist', async () => {
      const { app } = fixture;
      for (const key of [setup.keys.participant, setup.keys.supplier, setup.keys.regulator, fixture.operatorKey]) {
        const response = await call(app, key, 'GET', '/v1/billing-accounts/acct-1');
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json(), { billingAccount: ACCT_1 });
      }
      assertError(await call(app, neighbourKey, 'GET', '/v1/billing-accounts/acct-1'), 404, 'not_found');
      assertError(await call(app, neighbourKey, 'GET', `/v1/billing-accounts/acct-1/statements?from=${DEC_FROM_MS}&to=${NOW_MS}`), 404, 'not_found');
    });

    it('only operators start runs (403), a bad period is invalid_input, and runs are read by operators and regulators only', async () => {
      const { app, operatorKey } = fixture;
      for (const key of [setup.keys.participant, setup.keys.supplier, setup.keys.regulator]) {
        assertError(await call(app, key, 'POST', '/v1/settlement-runs', DECEMBER), 403, 'forbidden');
      }
      assertError(await call(app, operatorKey, 'POST', '/v1/settlement-runs', { from: NOW_MS, to: DEC_FROM_MS }), 400, 'invalid_input');
      assertError(await call(app, operatorKey, 'POST', '/v1/settlement-runs', { from: '1', to: NOW_MS, extra: 1 }), 400, 'invalid_request');
      // November, so that the end-to-end test's December starts with no postings.
      const run = await settle(app, operatorKey, { from: Date.UTC(2025, 10, 1), to: DEC_FROM_MS });
      assert.equal((await call(app, setup.keys.regulator, 'GET', `/v1/settlement-runs/${run.runId}`)).statusCode, 200);
      assertError(await call(app, setup.keys.participant, 'GET', `/v1/settlement-runs/${run.runId}`), 404, 'not_found');
      assertError(await call(app, operatorKey, 'GET', '/v1/settlement-runs/nope/statements'), 404, 'not_found');
    });

    it('end to end: ingest, settle, statements as JSON and CSV, ledger balances, an unchanged re-run posts nothing, a late reading posts one adjustment', async () => {
      const { app, operatorKey } = fixture;
      // Other tests may have settled other periods of the same accounts: compare against what was posted before.
      const acct1Before = await debitsPostedMicro(app, setup.keys.participant, 'bill:acct-1');
      const acct2Before = await debitsPostedMicro(app, neighbourKey, 'bill:acct-2');
      // Monday 1 Dec: 4 kWh offpeak 07–08, 8 kWh peak 08–09 (tier 0). Saturday 6 Dec: m-3 2 kWh offpeak.
      await ingest([
        { m: 'm-1', t: hourOfDecember(1, 7), i: 0 }, { m: 'm-1', t: hourOfDecember(1, 8), i: 4_000_000 },
        { m: 'm-1', t: hourOfDecember(1, 9), i: 12_000_000 },
        { m: 'm-3', t: hourOfDecember(6, 12), i: 0 }, { m: 'm-3', t: hourOfDecember(6, 13), i: 2_000_000 },
      ]);
      const first = await settle(app, operatorKey);
      assert.equal(first.status, 'completed');
      assert.deepEqual(first.progress, { accountsDone: 2, accountsTotal: 2, readings: 5 });
      assert.equal(first.transfersPosted, 2);

      const all = (await call(app, operatorKey, 'GET', `/v1/settlement-runs/${first.runId}/statements`)).json() as StatementsBody;
      // The 10 kWh tier bound counts offpeak too: 4 × 0.20 + 6 × 0.30 + 2 × 0.40 + 31 × 0.50 = 18.90, VAT 3.591 → 3.59.
      // acct-2: 2 × 0.20 + 15.50 = 15.90, VAT 3.021 → 3.02.
      assert.deepEqual(all.statements.map((stored) => [stored.accountId, stored.status, stored.statement?.total]), [['acct-1', 'ok', '22.49'], ['acct-2', 'ok', '18.92']]);
      const own = (await call(app, setup.keys.participant, 'GET', `/v1/settlement-runs/${first.runId}/statements`)).json() as StatementsBody;
      assert.deepEqual(own.statements.map((stored) => stored.accountId), ['acct-1'], 'a participant sees only its own account');

      const csvByAccept = await app.inject({ method: 'GET', url: `/v1/settlement-runs/${first.runId}/statements`, headers: { authorization: `Bearer ${setup.keys.participant}`, accept: 'text/csv' } });
      assert.equal(csvByAccept.statusCode, 200);
      assert.match(String(csvByAccept.headers['content-type']), /^text\/csv/);
      const lines = csvByAccept.body.split('\r\n');
      assert.equal(lines[0], 'run,account,from,to,currency,kind,period,tier,kwh,unitPrice,days,base,amount,error');
      assert.ok(lines.includes(`${first.runId},acct-1,${DEC_FROM_MS},${NOW_MS},EUR,total,,,,,,,22.49,`), csvByAccept.body);
      const csvByQuery = await call(app, setup.keys.participant, 'GET', `/v1/settlement-runs/${first.runId}/statements?format=csv`);
      assert.equal(csvByQuery.body, csvByAccept.body);

      assert.equal(await debitsPostedMicro(app, setup.keys.participant, 'bill:acct-1'), acct1Before + 22_490_000n);
      assert.equal(await debitsPostedMicro(app, neighbourKey, 'bill:acct-2'), acct2Before + 18_920_000n);

      const unchanged = await settle(app, operatorKey);
      assert.deepEqual([unchanged.status, unchanged.transfersPosted], ['completed', 0]);
      assert.equal(await debitsPostedMicro(app, setup.keys.participant, 'bill:acct-1'), acct1Before + 22_490_000n);

      // Late: 2 kWh more peak 09–10 → 6 × 0.30 + 4 × 0.40; 19.70 + VAT 3.743 → 3.74 = 23.44, 0.95 more.
      await ingest([{ m: 'm-1', t: hourOfDecember(1, 10), i: 14_000_000 }]);
      const corrected = await settle(app, operatorKey);
      assert.deepEqual([corrected.status, corrected.transfersPosted], ['completed', 1]);
      assert.equal(await debitsPostedMicro(app, setup.keys.participant, 'bill:acct-1'), acct1Before + 23_440_000n);
      const adjustmentId = settlementTransferId('acct-1', DEC_FROM_MS, NOW_MS, 1);
      const adjustment = await call(app, setup.keys.participant, 'GET', `/v1/transfers/${adjustmentId}`);
      assert.equal(adjustment.statusCode, 200, adjustment.body);
      const transfer = (adjustment.json() as { transfer: { amount: string; code: number; refs: string[] } }).transfer;
      assert.deepEqual(transfer, { ...transfer, amount: '0.950000', code: SETTLEMENT_ADJUSTMENT_CODE, refs: [settlementTransferId('acct-1', DEC_FROM_MS, NOW_MS, 0)] });

      const history = (await call(app, setup.keys.supplier, 'GET', `/v1/billing-accounts/acct-1/statements?from=${DEC_FROM_MS}&to=${NOW_MS}`)).json() as StatementsBody;
      assert.deepEqual(history.statements.map((stored) => stored.statement?.total).slice(-2), ['22.49', '23.44'], 'every run kept, oldest first');
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /gridsettle_settlement_run_duration_seconds_count\{status="completed"\} [1-9]/);
    });
  });

  describe(`settlement runs in the background (${backend.kind})`, () => {
    it('closing the app waits for a run in flight: the run row is no longer running afterwards', async () => {
      const fixture = await openApi(backend);
      try {
        await provision(fixture);
        await created(call(fixture.app, fixture.operatorKey, 'POST', '/v1/tariffs', TOU_TARIFF));
        await created(call(fixture.app, fixture.operatorKey, 'POST', '/v1/billing-accounts', ACCT_1));
        // A second app on the same store whose runs are slow, so that close() surely finds one in flight.
        const slow = Object.create(fixture.store.settlement) as SettlementStore;
        slow.updateRunProgress = async (runId, progress) => {
          await new Promise((resolve) => setTimeout(resolve, 200));
          await fixture.store.settlement.updateRunProgress(runId, progress);
        };
        const app = await buildApp({ store: { ...fixture.store, settlement: slow }, logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS });
        const started = await call(app, fixture.operatorKey, 'POST', '/v1/settlement-runs', DECEMBER);
        assert.equal(started.statusCode, 202, started.body);
        assert.equal((started.json() as RunBody).run.status, 'running');
        await app.close();
        const run = await fixture.store.settlement.run((started.json() as RunBody).run.runId);
        assert.deepEqual([run?.status, run?.accountsDone, run?.transfersPosted], ['completed', 1, 1]);
      } finally {
        await fixture.close();
      }
    });
  });
}
