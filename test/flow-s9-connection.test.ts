// S9 energy services for assets at grid connection points (SPEC §8, §5;
// docs/flows.md "S9"): a mobile asset's connection event is attributed to
// the point it names (the point holder's account), any other asset's to its
// owner's; a metered asset's quantity is its meter's import over the event;
// each event is recorded with its timestamp and the point's geodetic
// reference, and the point's settle step pays each event at the point's price
// to its network operator, one result per event. An event billed to someone
// else's point must fit the point's rated power × its duration, and is billed
// only under the holder's standing consent; without it, it is held until the
// holder accepts (billed) or disputes (never billed) it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, frame } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, allLeaves, assertReadStatus, extraParty, ingest } from './flow-contract-helpers.js';

const HOME_GEO = { lat: '48.1371079', lon: '11.5753822' };
const WORK_GEO = { lat: '48.1507', lon: '11.5691' };
const MINUTE_MS = 60_000;

interface SettleReply {
  results: Array<{ event: string; attributedTo: string; quantityMWh: number; amount: string; result: string }>;
  more: boolean;
}

const E1 = { id: 'e1', assetId: 'ev-1', gcpId: 'gcp-work', from: NOW_MS - 3 * HOUR_MS, to: NOW_MS - 130 * MINUTE_MS, quantityMWh: 7_500_000 };
const E2 = { id: 'e2', assetId: 'hp-1', from: NOW_MS - 2 * HOUR_MS, to: NOW_MS - HOUR_MS };
const E3 = { id: 'e3', assetId: 'ev-1', gcpId: 'gcp-home', from: NOW_MS - 50 * MINUTE_MS, to: NOW_MS - 20 * MINUTE_MS, quantityMWh: 1_234_567 };
const E4 = { id: 'e4', assetId: 'ev-1', gcpId: 'gcp-work', from: NOW_MS - 100 * MINUTE_MS, to: NOW_MS - 60 * MINUTE_MS, quantityMWh: 40_000_000 };
const E5 = { id: 'e5', assetId: 'ev-1', gcpId: 'gcp-home', from: NOW_MS - 19 * MINUTE_MS, to: NOW_MS - 10 * MINUTE_MS, quantityMWh: 900_000 };
const HOME_RATED_W = 11_000;
const WORK_RATED_W = 150_000;

interface EventView { state: string; attribution: string; decisionLeafIndex: number | null; settlement: unknown }

for (const backend of storeBackends()) {
  describe(`flows: S9 connection events at grid connection points (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let driver: string;
    let employer: string;
    let otherOperator: string;
    const post = (key: string, url: string, body: object) => call(fixture.app, key, 'POST', url, body);
    const wallet = async (key: string, accountId: string) => postedMicro(await balanceOf(fixture.app, key, accountId));

    before(async () => {
      fixture = await openFlows(backend);
      driver = await extraParty(fixture, 'p-driver', 'participant');
      employer = await extraParty(fixture, 'p-employer', 'participant');
      otherOperator = await extraParty(fixture, 'p-transmission-2', 'transmission');
      await fundedWallet(fixture, 'participant', 'EUR', '10.00');
      await fundedWallet(fixture, 'transmission', 'EUR', '0');
      for (const key of [driver, employer]) assert.equal((await post(key, '/v1/wallets', { currency: 'EUR' })).statusCode, 201);
      await post(fixture.as('operator'), '/v1/wallets/wallet:p-employer:EUR/top-ups', { id: 'employer-1', amount: '10.00', ts: NOW_MS });
      await ingest(fixture, 1, [frame('m-1', -2 * HOUR_MS, 1_000_000), frame('m-1', -HOUR_MS, 3_345_678)]);
    });
    after(async () => fixture.close());

    it('a network operator registers grid connection points; owners register mobile and stationary (metered) assets', async () => {
      const transmission = fixture.as('transmission');
      const home = await post(transmission, '/v1/grid-connection-points', { id: 'gcp-home', holder: 'p-participant', price: '0.30', currency: 'EUR', geo: HOME_GEO, ratedPowerW: HOME_RATED_W });
      assert.equal(home.statusCode, 201, home.body);
      assert.deepEqual((home.json() as { gcp: { operator: string; price: string } }).gcp.operator, 'p-transmission');
      assert.equal((await post(transmission, '/v1/grid-connection-points', { id: 'gcp-work', holder: 'p-employer', price: '0.25', currency: 'EUR', geo: WORK_GEO, ratedPowerW: WORK_RATED_W })).statusCode, 201);
      assert.equal((await post(driver, '/v1/assets', { id: 'ev-1', type: 'mobile' })).statusCode, 201);
      const heatPump = await post(fixture.as('participant'), '/v1/assets', { id: 'hp-1', type: 'stationary', gcpId: 'gcp-home', meterId: 'm-1' });
      assert.equal(heatPump.statusCode, 201, heatPump.body);
      assert.equal((await post(driver, '/v1/assets', { id: 'ev-1', type: 'mobile' })).statusCode, 200);
      assertError(await post(driver, '/v1/assets', { id: 'ev-1', type: 'stationary', gcpId: 'gcp-home' }), 409, 'already_exists');
    });

    it('only a point\'s holder grants or revokes its standing consent to attribution; each change is one ledger record', async () => {
      const consent = (key: string, granted: boolean) => call(fixture.app, key, 'PUT', '/v1/grid-connection-points/gcp-work/attribution-consent', { granted });
      assertError(await consent(driver, true), 404, 'not_found');
      assertError(await consent(fixture.as('participant'), true), 404, 'not_found');
      assertError(await consent(fixture.as('transmission'), true), 403, 'forbidden');
      const granted = await consent(employer, true);
      assert.equal(granted.statusCode, 200, granted.body);
      const first = (granted.json() as { consent: { granted: boolean; change: number; leafIndex: number } }).consent;
      assert.deepEqual([first.granted, first.change, typeof first.leafIndex], [true, 1, 'number']);
      const again = (await consent(employer, true)).json() as { consent: { change: number; leafIndex: number } };
      assert.deepEqual([again.consent.change, again.consent.leafIndex], [1, first.leafIndex]);
      const view = (await call(fixture.app, employer, 'GET', '/v1/grid-connection-points/gcp-work')).json() as { gcp: { attributionConsent: boolean; ratedPowerW: number } };
      assert.deepEqual([view.gcp.attributionConsent, view.gcp.ratedPowerW], [true, WORK_RATED_W]);
      const record = await assertRecordProven(fixture, employer, first.leafIndex);
      assert.deepEqual(record.body, {
        gcp: 'gcp-work', holder: 'p-employer', operator: 'p-transmission', parties: ['p-employer', 'p-transmission'], attributionConsent: 'granted', change: 1, ts: NOW_MS,
      });
      await assertReadStatus(fixture, [driver, fixture.as('participant')], `/v1/ledger/leaves/${first.leafIndex}`, 404);
    });

    it('attribution: a mobile asset\'s event goes to the point it names, a stationary asset\'s to its owner; a metered quantity is measured', async () => {
      const first = await post(driver, '/v1/connection-events', E1);
      assert.equal(first.statusCode, 201, first.body);
      const e1 = (first.json() as { event: { attributedTo: string; measured: boolean; leafIndex: number; attribution: string; state: string } }).event;
      assert.deepEqual([e1.attributedTo, e1.measured, typeof e1.leafIndex, e1.attribution, e1.state], ['p-employer', false, 'number', 'consented', 'open']);
      const second = await post(fixture.as('participant'), '/v1/connection-events', E2);
      assert.equal(second.statusCode, 201, second.body);
      const e2 = (second.json() as { event: { attributedTo: string; measured: boolean; quantityMWh: number; gcp: string; state: string } }).event;
      assert.deepEqual([e2.attributedTo, e2.measured, e2.quantityMWh, e2.gcp, e2.state], ['p-participant', true, 2_345_678, 'gcp-home', 'open']);
      const third = await post(driver, '/v1/connection-events', E3);
      assert.equal(third.statusCode, 201, third.body);
      // gcp-home's holder has given no standing consent: the event waits for it.
      const e3 = (third.json() as { event: { attributedTo: string } & EventView }).event;
      assert.deepEqual([e3.attributedTo, e3.attribution, e3.state], ['p-participant', 'held', 'held']);
      assert.equal((await post(driver, '/v1/connection-events', E4)).statusCode, 201);
      assert.equal((await post(driver, '/v1/connection-events', E1)).statusCode, 200);
      assertError(await post(driver, '/v1/connection-events', { ...E1, quantityMWh: 7_500_001 }), 409, 'connection_event_conflict');
    });

    it('settling a point pays each open event at its price to the network operator; an event its account cannot pay stays open', async () => {
      const work = (await post(fixture.as('transmission'), '/v1/grid-connection-points/gcp-work/settlements', {})).json() as SettleReply;
      // e1: 7 500 000 mWh × 250 000 µ/kWh / 10^6 = 1 875 000 µ = 187.5 cents → 188 (half to even) → 1.88 EUR.
      // e4: 40 kWh × 0.25 = 10.00 EUR, more than the 8.12 EUR left.
      assert.deepEqual(work.results.map((result) => [result.event, result.attributedTo, result.amount, result.result]), [
        ['e1', 'p-employer', '1.88', 'settled'], ['e4', 'p-employer', '10.00', 'insufficient_funds'],
      ]);
      assert.equal(await wallet(employer, 'wallet:p-employer:EUR'), 8_120_000n);
      await post(fixture.as('operator'), '/v1/wallets/wallet:p-employer:EUR/top-ups', { id: 'employer-2', amount: '5.00', ts: NOW_MS });
      const retry = (await post(fixture.as('operator'), '/v1/grid-connection-points/gcp-work/settlements', {})).json() as SettleReply;
      assert.deepEqual(retry.results.map((result) => [result.event, result.result]), [['e4', 'settled']]);
      const home = (await post(fixture.as('transmission'), '/v1/grid-connection-points/gcp-home/settlements', {})).json() as SettleReply;
      // e2: 2 345 678 × 300 000 / 10^6 = 703 703.4 → 703 703 µ → 0.70 EUR; the held e3 is not billed.
      assert.deepEqual(home.results.map((result) => [result.event, result.attributedTo, result.amount, result.result]), [['e2', 'p-participant', '0.70', 'settled']]);
      const again = (await post(fixture.as('transmission'), '/v1/grid-connection-points/gcp-home/settlements', {})).json() as SettleReply;
      assert.deepEqual(again, { results: [], more: false });
      assert.equal(await wallet(employer, 'wallet:p-employer:EUR'), 3_120_000n);
      assert.equal(await wallet(fixture.as('participant'), 'wallet:p-participant:EUR'), 9_300_000n);
      assert.equal(await wallet(driver, 'wallet:p-driver:EUR'), 0n);
      assert.equal(await wallet(fixture.as('transmission'), 'wallet:p-transmission:EUR'), 12_580_000n);
      const settled = (await call(fixture.app, driver, 'GET', '/v1/connection-events/e1')).json() as { event: { settlement: unknown } };
      assert.deepEqual(settled.event.settlement, { amount: '1.88', transferId: 's9:e1' });
    });

    it('the holder accepts a held event (the next settlement bills it) or disputes one (never billed); only the holder decides, once', async () => {
      const decide = (key: string, eventId: string, decision: 'accept' | 'dispute') => post(key, `/v1/connection-events/${eventId}/${decision}`, {});
      assertError(await decide(driver, 'e3', 'accept'), 403, 'forbidden');
      assertError(await decide(employer, 'e3', 'accept'), 404, 'not_found');
      assertError(await decide(fixture.as('transmission'), 'e3', 'accept'), 403, 'forbidden');
      assertError(await decide(employer, 'e1', 'dispute'), 409, 'invalid_state');
      const accepted = await decide(fixture.as('participant'), 'e3', 'accept');
      assert.equal(accepted.statusCode, 200, accepted.body);
      const e3 = (accepted.json() as { event: EventView }).event;
      assert.deepEqual([e3.state, typeof e3.decisionLeafIndex], ['open', 'number']);
      assert.equal(((await decide(fixture.as('participant'), 'e3', 'accept')).json() as { event: EventView }).event.decisionLeafIndex, e3.decisionLeafIndex);
      assertError(await decide(fixture.as('participant'), 'e3', 'dispute'), 409, 'invalid_state');
      const reported = (await post(driver, '/v1/connection-events', E5)).json() as { event: EventView };
      assert.equal(reported.event.state, 'held');
      const disputed = (await decide(fixture.as('participant'), 'e5', 'dispute')).json() as { event: EventView };
      assert.equal(disputed.event.state, 'disputed');
      assertError(await decide(fixture.as('participant'), 'e5', 'accept'), 409, 'invalid_state');
      const home = (await post(fixture.as('transmission'), '/v1/grid-connection-points/gcp-home/settlements', {})).json() as SettleReply;
      // e3: 1 234 567 × 300 000 / 10^6 = 370 370.1 → 370 370 µ → 0.37 EUR; the disputed e5 is not billed.
      assert.deepEqual(home.results.map((result) => [result.event, result.amount, result.result]), [['e3', '0.37', 'settled']]);
      assert.equal(await wallet(fixture.as('participant'), 'wallet:p-participant:EUR'), 8_930_000n);
      assert.equal(await wallet(fixture.as('transmission'), 'wallet:p-transmission:EUR'), 12_950_000n);
      const record = await assertRecordProven(fixture, fixture.as('participant'), e3.decisionLeafIndex!);
      assert.deepEqual(record.body, {
        event: 'e3', gcp: 'gcp-home', holder: 'p-participant', owner: 'p-driver', operator: 'p-transmission',
        parties: ['p-driver', 'p-participant', 'p-transmission'], decision: 'accepted', ts: NOW_MS,
      });
    });

    it('an event beyond the point\'s rated power × its duration is refused (connection_implausible); a revoked consent holds the next event', async () => {
      // 1 000 kWh in one minute at a point rated 150 kW.
      const burst = { id: 'e-burst', assetId: 'ev-1', gcpId: 'gcp-work', from: NOW_MS - 2 * MINUTE_MS, to: NOW_MS - MINUTE_MS, quantityMWh: 1_000_000_000 };
      assertError(await post(driver, '/v1/connection-events', burst), 422, 'connection_implausible');
      // 150 kW for one minute is exactly 2 500 000 mWh; one mWh more does not fit.
      assertError(await post(driver, '/v1/connection-events', { ...burst, quantityMWh: 2_500_001 }), 422, 'connection_implausible');
      assert.equal((await call(fixture.app, driver, 'GET', '/v1/connection-events/e-burst')).statusCode, 404);
      const revoked = await call(fixture.app, employer, 'PUT', '/v1/grid-connection-points/gcp-work/attribution-consent', { granted: false });
      assert.deepEqual((revoked.json() as { consent: { granted: boolean; change: number } }).consent.change, 2);
      const fits = await post(driver, '/v1/connection-events', { ...burst, id: 'e6', quantityMWh: 2_500_000 });
      assert.equal(fits.statusCode, 201, fits.body);
      assert.deepEqual([(fits.json() as { event: EventView }).event.attribution, (fits.json() as { event: EventView }).event.state], ['held', 'held']);
      const work = (await post(fixture.as('transmission'), '/v1/grid-connection-points/gcp-work/settlements', {})).json() as SettleReply;
      assert.deepEqual(work.results, []);
    });

    it('bad events: a missing or foreign point, a quantity missing or off the meter, a span off the grid, reversed or not ended', async () => {
      const report = (key: string, body: object) => post(key, '/v1/connection-events', { ...body, id: 'e-bad' });
      assertError(await report(driver, { assetId: 'ev-1', from: E1.from, to: E1.to, quantityMWh: 1 }), 400, 'connection_gcp_required');
      assertError(await report(driver, { assetId: 'ev-1', gcpId: 'gcp-none', from: E1.from, to: E1.to, quantityMWh: 1 }), 404, 'not_found');
      assertError(await report(driver, { assetId: 'ev-1', gcpId: 'gcp-work', from: E1.from, to: E1.to }), 400, 'connection_quantity_required');
      const participant = fixture.as('participant');
      assertError(await report(participant, { ...E2, gcpId: 'gcp-work' }), 400, 'connection_gcp_mismatch');
      assertError(await report(participant, { ...E2, quantityMWh: 2_345_677 }), 422, 'connection_quantity_mismatch');
      assertError(await report(participant, { ...E2, from: E2.from + MINUTE_MS }), 400, 'invalid_input');
      assertError(await report(driver, { ...E1, from: E1.to, to: E1.from }), 400, 'invalid_input');
      assertError(await report(driver, { ...E1, to: NOW_MS + MINUTE_MS }), 409, 'window_open');
      assertError(await report(driver, { ...E1, quantityMWh: -1 }), 400, 'limit_exceeded');
      assert.equal((await call(fixture.app, driver, 'GET', '/v1/connection-events/e-bad')).statusCode, 404);
    });

    it('bad points and assets: holder role, price, geodetic reference; a stationary asset without a point, a mobile one with one, a foreign meter', async () => {
      const point = (body: object) => post(fixture.as('transmission'), '/v1/grid-connection-points', { id: 'gcp-bad', holder: 'p-participant', price: '0.30', currency: 'EUR', geo: HOME_GEO, ratedPowerW: HOME_RATED_W, ...body });
      for (const ratedPowerW of [0, -1, 100_000_001]) assertError(await point({ ratedPowerW }), 400, 'limit_exceeded');
      assertError(await point({ ratedPowerW: 1.5 }), 400, 'invalid_request');
      assertError(await post(fixture.as('transmission'), '/v1/grid-connection-points', { id: 'gcp-bad', holder: 'p-participant', price: '0.30', currency: 'EUR', geo: HOME_GEO }), 400, 'invalid_request');
      assertError(await point({ holder: 'p-transmission-2' }), 400, 'counterparty_invalid');
      assertError(await point({ price: '-0.01' }), 400, 'invalid_amount');
      assertError(await point({ price: 0.3 }), 400, 'invalid_amount');
      assertError(await point({ geo: { lat: '95', lon: '0' } }), 400, 'invalid_input');
      assertError(await point({ currency: 'XYZ' }), 400, 'invalid_input');
      const asset = (body: object) => post(fixture.as('participant'), '/v1/assets', { id: 'asset-bad', ...body });
      assertError(await asset({ type: 'stationary' }), 400, 'connection_gcp_required');
      assertError(await asset({ type: 'mobile', gcpId: 'gcp-home' }), 400, 'invalid_request');
      assertError(await asset({ type: 'stationary', gcpId: 'gcp-none' }), 404, 'not_found');
      assertError(await asset({ type: 'mobile', meterId: 'm-2' }), 400, 'meter_not_owned');
    });

    it('roles: points are a network operator\'s, assets and events their owner\'s, settling the point operator\'s; others get 403 or 404', async () => {
      for (const role of ['participant', 'supplier', 'regulator', 'operator'] as const) {
        assertError(await post(fixture.as(role), '/v1/grid-connection-points', { id: 'gcp-role', holder: 'p-participant', price: '0.30', currency: 'EUR', geo: HOME_GEO, ratedPowerW: HOME_RATED_W }), 403, 'forbidden');
      }
      for (const role of ['transmission', 'regulator', 'gateway', 'authority', 'operator'] as const) {
        assertError(await post(fixture.as(role), '/v1/assets', { id: 'asset-role', type: 'mobile' }), 403, 'forbidden');
      }
      assertError(await post(fixture.as('regulator'), '/v1/connection-events', E1), 403, 'forbidden');
      assertError(await post(fixture.as('participant'), '/v1/connection-events', { ...E1, id: 'e-foreign' }), 404, 'not_found');
      for (const role of ['participant', 'regulator', 'gateway'] as const) {
        assertError(await post(fixture.as(role), '/v1/grid-connection-points/gcp-work/settlements', {}), 403, 'forbidden');
      }
      assertError(await post(otherOperator, '/v1/grid-connection-points/gcp-work/settlements', {}), 404, 'not_found');
      await assertReadStatus(fixture, [driver, fixture.as('regulator')], '/v1/assets/ev-1', 200);
      await assertReadStatus(fixture, [employer, fixture.as('transmission')], '/v1/assets/ev-1', 404);
    });

    it('each event is a ledger record with its parties, timestamp and the point\'s geodetic reference, provably; others get 404', async () => {
      const outsiders = [fixture.as('participant'), fixture.as('supplier'), fixture.as('gateway'), fixture.as('authority'), otherOperator];
      const parties = [driver, employer, fixture.as('transmission'), fixture.as('regulator')];
      await assertReadStatus(fixture, outsiders, '/v1/connection-events/e1', 404);
      await assertReadStatus(fixture, parties, '/v1/connection-events/e1', 200);
      const leaves = (await allLeaves(fixture)).filter((leaf) => leaf.record.record === 'connection-event');
      assert.deepEqual(leaves.map((leaf) => (leaf.record.body as { event: string }).event), ['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
      await assertReadStatus(fixture, outsiders, `/v1/ledger/leaves/${leaves[0]!.index}`, 404);
      const record = await assertRecordProven(fixture, driver, leaves[0]!.index);
      assert.deepEqual(record.body, {
        event: 'e1', asset: 'ev-1', assetType: 'mobile', gcp: 'gcp-work', owner: 'p-driver', holder: 'p-employer', operator: 'p-transmission',
        parties: ['p-driver', 'p-employer', 'p-transmission'], attributedTo: 'p-employer', quantityMWh: 7_500_000, measured: false, unassignedMWh: null, unassignedSpans: null,
        price: '0.25', currency: 'EUR', from: E1.from, to: E1.to, reporter: 'p-driver', attribution: 'consented', ts: E1.to, geo: WORK_GEO,
      });
      const measured = await assertRecordProven(fixture, fixture.as('regulator'), leaves[1]!.index);
      const body = measured.body as { parties: string[]; quantityMWh: number; measured: boolean; geo: unknown };
      assert.deepEqual([body.parties, body.quantityMWh, body.measured, body.geo], [['p-participant', 'p-transmission'], 2_345_678, true, HOME_GEO]);
      await assertLedgerSound(fixture);
    });
  });
}
