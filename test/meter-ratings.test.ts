// SPEC §1 `maxPowerW` as a property of each meter (docs/api.md "Meters",
// docs/settlement.md "Meter ratings"): set when the meter is provisioned,
// SPEC's default when omitted, out of range is limit_exceeded naming the
// bound; settlement and the contract flows aggregate every meter at its own
// rating, so a 1 MW plant is paid and a 10 MW contract settles, while the
// same readings on a meter of the default 250 kW are unassigned spikes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { INTERVAL_MS_DEFAULT, MAX_POWER_W_DEFAULT } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, created, frame } from './api-helpers.js';
import { assertLedgerSound, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, QUARTER_MS, extraParty, ingest } from './flow-contract-helpers.js';
import { CLOCK_MS, SUPPLIER, hourOf, settlementFixture } from './settlement-helpers.js';
import { registerBillingAccount, registerTariff, runSettlement, runStatements } from '../host/settlement/index.js';

const ONE_MW = 1_000_000;
const TEN_MW = 10_000_000;
/** A quarter hour at 1 MW: 250 kWh. */
const QUARTER_AT_1_MW_MWH = 250_000_000;
const PERIOD = { from: NOW_MS - 6 * HOUR_MS, to: NOW_MS + 18 * HOUR_MS };
const PPA_WINDOW = { from: NOW_MS - 6 * HOUR_MS, to: NOW_MS - 4 * HOUR_MS };
const P2P_WINDOW = { from: NOW_MS - 4 * HOUR_MS, to: NOW_MS - 3 * HOUR_MS };
const FLAT_TARIFF = { id: 'flat-025', currency: 'EUR', timezone: 'UTC', energy: [{ price: '0.25' }] };

interface MeterView { meterId: string; maxPowerW: number; intervalMs: number }
interface DeliveryView { meteredMWh: number; deliveredMWh: number; unassignedMWh: number; unassignedSpans: number; amount: string }

function provisionMeter(fixture: FlowFixture, meterId: string, partyId: string, ratings: Record<string, unknown> = {}, accountId?: string) {
  const body = { meterId, gatewayId: fixture.gatewayId, partyId, ...(accountId === undefined ? {} : { accountId }), ...ratings };
  return call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', body);
}

/** Eight quarter hours of 250 kWh export from `startOffsetMs`: a plant running at exactly 1 MW. */
const plantFrames = (meterId: string, startOffsetMs: number) =>
  Array.from({ length: 9 }, (_, k) => frame(meterId, startOffsetMs + k * QUARTER_MS, 0, k * QUARTER_AT_1_MW_MWH));

async function settleRun(app: FastifyInstance, operatorKey: string, period: { from: number; to: number }): Promise<string> {
  const started = await call(app, operatorKey, 'POST', '/v1/settlement-runs', period);
  assert.equal(started.statusCode, 202, started.body);
  const { runId } = (started.json() as { run: { runId: string } }).run;
  for (;;) {
    const { run } = (await call(app, operatorKey, 'GET', `/v1/settlement-runs/${runId}`)).json() as { run: { status: string } };
    if (run.status !== 'running') return runId;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

for (const backend of storeBackends()) {
  describe(`SPEC §1 meter ratings: provisioned per meter, used by settlement and every flow (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let seq = 0;
    let clockMs = NOW_MS;

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
    });
    after(async () => fixture.close());

    it('a meter is provisioned with its maxPowerW and intervalMs, SPEC defaults when omitted, and GET shows them', async () => {
      const rated = await created<{ meter: MeterView }>(provisionMeter(fixture, 'm-rated', 'p-supplier', { maxPowerW: ONE_MW, intervalMs: 300_000 }));
      assert.deepEqual([rated.meter.maxPowerW, rated.meter.intervalMs], [ONE_MW, 300_000]);
      const plain = await created<{ meter: MeterView }>(provisionMeter(fixture, 'm-plain', 'p-supplier'));
      assert.deepEqual([plain.meter.maxPowerW, plain.meter.intervalMs], [MAX_POWER_W_DEFAULT, INTERVAL_MS_DEFAULT]);
      const read = await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/meters/m-rated');
      assert.equal(read.statusCode, 200, read.body);
      assert.deepEqual((read.json() as { meter: MeterView }).meter, { ...rated.meter });
      const listed = (await call(fixture.app, fixture.as('operator'), 'GET', '/v1/meters')).json() as { meters: MeterView[] };
      assert.equal(listed.meters.find((meter) => meter.meterId === 'm-1')?.maxPowerW, MAX_POWER_W_DEFAULT, 'meters provisioned before have the default');
    });

    it('a rating outside SPEC §1 is limit_exceeded naming its bound (below the minimum too); a misaligned interval is invalid_input; nothing is stored', async () => {
      const refused = async (ratings: Record<string, unknown>, status: number, code: string, bound?: string) => {
        const response = await provisionMeter(fixture, 'm-refused', 'p-supplier', ratings);
        assertError(response, status, code);
        if (bound !== undefined) assert.match((response.json() as { error: { message: string } }).error.message, new RegExp(bound));
      };
      await refused({ maxPowerW: 0 }, 400, 'limit_exceeded', 'MAX_POWER_W_MIN');
      await refused({ maxPowerW: 100_000_001 }, 400, 'limit_exceeded', 'MAX_POWER_W_MAX');
      await refused({ intervalMs: 2 * 86_400_000 }, 400, 'limit_exceeded', 'INTERVAL_MS_MAX');
      await refused({ intervalMs: 0 }, 400, 'limit_exceeded', 'INTERVAL_MS_MIN');
      await refused({ intervalMs: 7 * 60_000 }, 400, 'invalid_input');
      assertError(await call(fixture.app, fixture.as('operator'), 'GET', '/v1/meters/m-refused'), 404, 'not_found');
      assert.equal((await provisionMeter(fixture, 'm-largest', 'p-supplier', { maxPowerW: 100_000_000 })).statusCode, 201, 'the bound itself is allowed');
    });

    it('S2: a PPA for a 1 MW plant is paid 8 × 250 kWh = 2 000 kWh at the contract price; on a 250 kW meter the same export is unassigned, and recorded', async () => {
      await created(provisionMeter(fixture, 'm-plant', 'p-supplier', { maxPowerW: ONE_MW }));
      await created(provisionMeter(fixture, 'm-plant-unrated', 'p-supplier'));
      await ingest(fixture, ++seq, [...plantFrames('m-plant', -6 * HOUR_MS), ...plantFrames('m-plant-unrated', -6 * HOUR_MS)]);
      await fundedWallet(fixture, 'transmission', 'EUR', '500.00');
      await fundedWallet(fixture, 'supplier', 'EUR', '0');
      const terms = { transmission: 'p-transmission', price: '0.0853', currency: 'EUR', volumeMWh: 10_000_000_000, period: PERIOD, windowMs: 2 * HOUR_MS };
      // Both PPAs are proposed and accepted before their period starts, then settled at NOW_MS.
      clockMs = PERIOD.from - HOUR_MS;
      for (const [id, meter] of [['ppa-plant', 'm-plant'], ['ppa-unrated', 'm-plant-unrated']] as const) {
        await created(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', { ...terms, id, meters: [meter] }));
        assert.equal((await call(fixture.app, fixture.as('transmission'), 'POST', `/v1/ppas/${id}/accept`)).statusCode, 200);
      }
      clockMs = NOW_MS;
      const paid = await created<{ delivery: DeliveryView }>(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas/ppa-plant/deliveries', PPA_WINDOW));
      // 2 000 kWh × 0.0853 EUR/kWh = 170.60 EUR exactly.
      assert.deepEqual([paid.delivery.meteredMWh, paid.delivery.deliveredMWh, paid.delivery.unassignedMWh, paid.delivery.amount], [8 * QUARTER_AT_1_MW_MWH, 8 * QUARTER_AT_1_MW_MWH, 0, '170.60']);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('supplier'), 'wallet:p-supplier:EUR')), 170_600_000n);
      const unrated = await created<{ delivery: DeliveryView }>(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas/ppa-unrated/deliveries', PPA_WINDOW));
      assert.deepEqual([unrated.delivery.meteredMWh, unrated.delivery.unassignedMWh, unrated.delivery.unassignedSpans], [0, 8 * QUARTER_AT_1_MW_MWH, 8]);
      await assertLedgerSound(fixture);
    });

    it('S7: a 10 MW P2P contract settles its hour of 10 000 kWh at the contract price', async () => {
      const buyer = await extraParty(fixture, 'p-buyer', 'participant');
      await created(provisionMeter(fixture, 'm-farm', 'p-participant', { maxPowerW: TEN_MW }));
      const hourAt10MWMWh = 10_000_000_000;
      await ingest(fixture, ++seq, [frame('m-farm', -4 * HOUR_MS, 0, 0), frame('m-farm', -3 * HOUR_MS, 0, hourAt10MWMWh)]);
      await fundedWallet(fixture, 'participant', 'EUR', '0');
      assert.equal((await call(fixture.app, buyer, 'POST', '/v1/wallets', { currency: 'EUR' })).statusCode, 201);
      await call(fixture.app, fixture.as('operator'), 'POST', '/v1/wallets/wallet:p-buyer:EUR/top-ups', { id: 'buyer-fund', amount: '2000.00', ts: NOW_MS });
      const contract = { id: 'p2p-farm', buyer: 'p-buyer', price: '0.1234', currency: 'EUR', period: PERIOD, windowMs: HOUR_MS, meters: ['m-farm'], toleranceMWh: 0 };
      await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts', contract));
      assert.equal((await call(fixture.app, buyer, 'POST', '/v1/p2p-contracts/p2p-farm/accept')).statusCode, 200);
      // 10 000 kWh × 0.1234 EUR/kWh = 1 234.00 EUR exactly.
      const message = { window: P2P_WINDOW, energyMWh: hourAt10MWMWh, amount: '1234.00', ts: P2P_WINDOW.to + 60_000, geo: { lat: '52.52', lon: '13.40' } };
      const sent = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts/p2p-farm/mv', message);
      assert.equal(sent.statusCode, 201, sent.body);
      const settled = (sent.json() as { message: { meteredMWh: number; unassignedMWh: number; amount: string } }).message;
      assert.deepEqual([settled.meteredMWh, settled.unassignedMWh, settled.amount], [hourAt10MWMWh, 0, '1234.00']);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('participant'), 'wallet:p-participant:EUR')), 1_234_000_000n);
      await assertLedgerSound(fixture);
    });

    it('settlement: a run bills the energy of a meter rated 1 MW; the same readings on a 250 kW meter are unassigned, not billed', async () => {
      const { app } = fixture;
      const operatorKey = fixture.as('operator');
      await created(call(app, operatorKey, 'POST', '/v1/tariffs', FLAT_TARIFF));
      const account = (accountId: string) => ({ accountId, ownerPartyId: 'p-participant', supplierPartyId: 'p-supplier', tariffId: FLAT_TARIFF.id, currency: 'EUR' });
      await created(call(app, operatorKey, 'POST', '/v1/billing-accounts', account('acct-mw')));
      await created(call(app, operatorKey, 'POST', '/v1/billing-accounts', account('acct-kw')));
      await created(provisionMeter(fixture, 'm-site-mw', 'p-participant', { maxPowerW: ONE_MW }, 'acct-mw'));
      await created(provisionMeter(fixture, 'm-site-kw', 'p-participant', {}, 'acct-kw'));
      const december = { from: Date.UTC(2025, 11, 1), to: Date.UTC(2025, 11, 2) };
      const hourAt1MWMWh = 1_000_000_000;
      const offset = (hour: number) => Date.UTC(2025, 11, 1, hour) - NOW_MS;
      await ingest(fixture, ++seq, ['m-site-mw', 'm-site-kw'].flatMap((meterId) => [frame(meterId, offset(10), 0), frame(meterId, offset(11), hourAt1MWMWh)]));
      const runId = await settleRun(app, operatorKey, december);
      const reply = (await call(app, operatorKey, 'GET', `/v1/settlement-runs/${runId}/statements`)).json() as {
        statements: Array<{ accountId: string; status: string; statement: { total: string } | null }>;
      };
      const totals = Object.fromEntries(reply.statements.map((stored) => [stored.accountId, [stored.status, stored.statement?.total]]));
      // 1 000 kWh × 0.25 EUR/kWh = 250.00 EUR; the 250 kW meter's hour is a spike, in no interval.
      assert.deepEqual([totals['acct-mw'], totals['acct-kw']], [['ok', '250.00'], ['ok', '0.00']]);
    });
  });
}

for (const backend of storeBackends()) {
  describe(`SPEC §1 meter ratings in S1 EV charging (${backend.kind})`, () => {
    const MINUTE_MS = 60_000;
    let fixture: FlowFixture;
    let clockMs = NOW_MS;
    let cpoKey: string;

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
      cpoKey = await extraParty(fixture, 'p-cpo', 'participant');
      await created(provisionMeter(fixture, 'm-cp-fast', 'p-cpo', { maxPowerW: 50_000 }));
      await created(provisionMeter(fixture, 'm-cp-slow', 'p-cpo', { maxPowerW: 22_000 }));
      await fundedWallet(fixture, 'participant', 'EUR', '50.00');
      await fundedWallet(fixture, 'supplier', 'EUR', '0');
      const chargePoint = { id: 'cp-fast', meterIds: ['m-cp-fast', 'm-cp-slow'], maxPowerW: 50_000, geo: { lat: '52.52', lon: '13.40' } };
      await created(call(fixture.app, cpoKey, 'POST', '/v1/ev/charge-points', chargePoint));
      const offer = { id: 'offer-flat', direction: 'sell', currency: 'EUR', validFromMs: NOW_MS, validToMs: NOW_MS + 4 * HOUR_MS, slots: [{ fromMs: NOW_MS, toMs: NOW_MS + 4 * HOUR_MS, price: '0.25' }] };
      await created(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ev/offers', offer));
    });
    after(async () => fixture.close());

    /** Opens a session on `meterId`, meters 30 min at 50 kW (25 kWh) and closes it; answers the settlement. */
    async function chargeAt50kW(sessionId: string, meterId: string, seq: number, startMs: number) {
      clockMs = startMs;
      await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/ev/sessions', { id: sessionId, offerId: 'offer-flat', chargePointId: 'cp-fast', meterId, vehicleId: 'V' }));
      clockMs = startMs + 35 * MINUTE_MS;
      const quarterAt50kWMWh = 12_500_000;
      await ingest(fixture, seq, [0, 1, 2].map((k) => frame(meterId, startMs - NOW_MS + k * QUARTER_MS, k * quarterAt50kWMWh)), clockMs);
      const closed = await call(fixture.app, fixture.as('participant'), 'POST', `/v1/ev/sessions/${sessionId}/close`, { startMs, endMs: startMs + 30 * MINUTE_MS, meterId });
      assert.equal(closed.statusCode, 200, closed.body);
      return (closed.json() as { session: { settlement: { energyMWh: number; unassignedMWh: number; amount: string } } }).session.settlement;
    }

    it('a 50 kW charge point with a 50 kW meter settles 30 min at 50 kW: 25 kWh at the offer price; a 22 kW meter leaves it unassigned', async () => {
      const fast = await chargeAt50kW('s-fast', 'm-cp-fast', 1, NOW_MS);
      // 25 kWh × 0.25 EUR/kWh = 6.25 EUR exactly.
      assert.deepEqual([fast.energyMWh, fast.unassignedMWh, fast.amount], [25_000_000, 0, '6.25']);
      assert.equal(postedMicro(await balanceOf(fixture.app, fixture.as('participant'), 'wallet:p-participant:EUR')), 50_000_000n - 6_250_000n);
      const slow = await chargeAt50kW('s-slow', 'm-cp-slow', 2, NOW_MS + HOUR_MS);
      assert.deepEqual([slow.energyMWh, slow.unassignedMWh], [0, 25_000_000]);
      await assertLedgerSound(fixture);
    });
  });
}

for (const backend of storeBackends()) {
  describe(`SPEC §1 a settlement run's maxPowerW caps each meter's own rating, never raises it (${backend.kind})`, () => {
    it('a 1 MW meter is billed at its rating, a cap of 250 kW makes its hour a spike, and a cap of 10^8 W leaves a 250 kW meter\'s spike a spike', async () => {
      const fresh = await backend.open();
      try {
        const fixture = await settlementFixture(fresh);
        await registerTariff(fixture.settlement, FLAT_TARIFF, CLOCK_MS);
        for (const accountId of ['acct-mw', 'acct-kw']) {
          await registerBillingAccount(fixture.settlement, { accountId, ownerPartyId: 'cust', supplierPartyId: SUPPLIER, tariffId: FLAT_TARIFF.id, currency: 'EUR' }, CLOCK_MS);
        }
        await fixture.addMeter('m-mw', 'acct-mw', ONE_MW);
        await fixture.addMeter('m-kw', 'acct-kw');
        const hourAt1MWMWh = 1_000_000_000n;
        await fixture.addReadings(['m-mw', 'm-kw'].flatMap((meterId): Array<[string, number, bigint]> => [[meterId, hourOf(5, 10), 0n], [meterId, hourOf(5, 11), hourAt1MWMWh]]));
        const totals = async (runId: string, maxPowerW?: number) => {
          await runSettlement(fixture.deps, { fromMs: hourOf(5, 0), toMs: hourOf(6, 0), runId, ...(maxPowerW === undefined ? {} : { maxPowerW }) });
          return (await runStatements(fixture.settlement, runId)).map((stored) => [stored.accountId, stored.statement?.total]);
        };
        assert.deepEqual(await totals('own'), [['acct-kw', '0.00'], ['acct-mw', '250.00']]);
        assert.deepEqual(await totals('capped', 250_000), [['acct-kw', '0.00'], ['acct-mw', '0.00']]);
        assert.deepEqual(await totals('cap-above', 100_000_000), [['acct-kw', '0.00'], ['acct-mw', '250.00']]);
      } finally {
        await fresh.close();
      }
    });
  });
}
