// S1 (docs/flows.md "S1 — offers and EV charging/selling"), the whole story
// through HTTP: suppliers publish sell and buy offers, a charge point asks
// for the offers in force for a vehicle and gets them ranked by exact
// expected cost, the driver picks one, the gateway posts the charge point's
// signed meter readings, and the closed session moves money between the
// wallets; then the ledger balances and the session record is proven.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PartyRole } from '../host/store/party-store.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, columnar, created, frame, postBatch } from './api-helpers.js';
import {
  addParty as addFlowParty, assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture,
} from './flow-helpers.js';
import type { GatewayFrame } from '../host/ingest/encode.js';
import { EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX } from '../host/limits.js';

const T0 = NOW_MS; // 2026-01-01T00:00:00Z
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const GEO = { lat: '52.5200066', lon: '13.404954' };
const BATTERY = { capacityWh: 60_000, stateOfChargePpm: 500_000, maxChargePowerW: 11_000, maxDischargePowerW: 7_000 };

interface OfferView { id: string; status: string }
interface RankedOffer { rank: number; offerId: string; expectedEnergyMWh: number; expectedAmount: string; coversDesiredEnergy: boolean }
interface SessionView {
  id: string; state: string; mode: string;
  settlement: { energyMWh: number; amount: string; transferId: string | null; leafIndex: number | null } | null;
}

function offer(id: string, direction: 'sell' | 'buy', validToMs: number, slots: Array<[number, number, string]>) {
  return { id, direction, currency: 'EUR', validFromMs: T0, validToMs, slots: slots.map(([fromMs, toMs, price]) => ({ fromMs, toMs, price })) };
}

// A: 0.3127 for the first hour, 0.198901 the second, 0.25 after. B: flat 0.2575. C (buy): flat 0.181234. D (buy): 0.17, valid 3 h.
const OFFER_A = offer('offer-a', 'sell', T0 + 4 * HOUR_MS, [[T0, T0 + HOUR_MS, '0.3127'], [T0 + HOUR_MS, T0 + 2 * HOUR_MS, '0.198901'], [T0 + 2 * HOUR_MS, T0 + 4 * HOUR_MS, '0.25']]);
const OFFER_B = offer('offer-b', 'sell', T0 + 4 * HOUR_MS, [[T0, T0 + 4 * HOUR_MS, '0.2575']]);
const OFFER_C = offer('offer-c', 'buy', T0 + 4 * HOUR_MS, [[T0, T0 + 4 * HOUR_MS, '0.181234']]);
const OFFER_D = offer('offer-d', 'buy', T0 + 3 * HOUR_MS, [[T0, T0 + 3 * HOUR_MS, '0.17']]);

for (const backend of storeBackends()) {
  describe(`flows: S1 offers and EV charging/selling (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = T0;
    let batchSeq = 0;
    const keys: Record<string, string> = {};
    const wallets: Record<string, string> = {};
    const leafOf: Record<string, number> = {};

    const as = (party: string) => keys[party]!;
    const query = (mode: 'charge' | 'discharge', desiredEnergyWh: number, party = 'p-cpo') =>
      call(fixture.app, as(party), 'POST', '/v1/ev/charge-points/cp-1/offer-queries', { vehicleId: 'V', mode, currency: 'EUR', battery: BATTERY, desiredEnergyWh });
    const open = (party: string, id: string, offerId: string, meterId = 'm-cp-1') =>
      call(fixture.app, as(party), 'POST', '/v1/ev/sessions', { id, offerId, chargePointId: 'cp-1', meterId, vehicleId: 'V' });
    const close = (party: string, id: string, startMs: number, endMs: number, meterId = 'm-cp-1') =>
      call(fixture.app, as(party), 'POST', `/v1/ev/sessions/${id}/close`, { startMs, endMs, meterId });
    const wallet = async (party: string) => postedMicro(await balanceOf(fixture.app, as(party), wallets[party]!));
    const readings = async (frames: GatewayFrame[]) => {
      const response = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: fixture.gatewaySecret, body: columnar(++batchSeq, frames), timestampMs: clockMs });
      assert.equal(response.statusCode, 202, response.body);
      assert.equal((response.json() as { accepted: number }).accepted, frames.length);
    };

    async function addParty(partyId: string, role: PartyRole): Promise<void> {
      keys[partyId] = await addFlowParty(fixture, partyId, role);
    }

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
      for (const role of ['operator', 'participant', 'supplier', 'regulator'] as const) keys[`p-${role}`] = fixture.as(role);
      await addParty('p-supplier-2', 'supplier');
      await addParty('p-cpo', 'participant');
      await addParty('p-other', 'participant');
      for (const meterId of ['m-cp-1', 'm-cp-2']) {
        await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: 'gw-1', partyId: 'p-cpo' }));
      }
      wallets['p-participant'] = await fundedWallet(fixture, 'participant', 'EUR', '50.00');
      wallets['p-supplier'] = await fundedWallet(fixture, 'supplier', 'EUR', '100.00');
      wallets['p-supplier-2'] = (await created<{ wallet: { id: string } }>(call(fixture.app, as('p-supplier-2'), 'POST', '/v1/wallets', { currency: 'EUR' }))).wallet.id;
      wallets['p-other'] = (await created<{ wallet: { id: string } }>(call(fixture.app, as('p-other'), 'POST', '/v1/wallets', { currency: 'EUR' }))).wallet.id;
      await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${wallets['p-other']}/top-ups`, { id: 'other-1', amount: '1.00', ts: T0 });
    });
    after(async () => fixture.close());

    it('a charge point is registered by its owner (participant) or by the operator for it, with meters the owner owns', async () => {
      const chargePoint = { id: 'cp-1', meterIds: ['m-cp-1', 'm-cp-2'], maxPowerW: 22_000, geo: GEO };
      const registered = await created<{ chargePoint: { ownerPartyId: string; tariff: { kind: string } } }>(call(fixture.app, as('p-cpo'), 'POST', '/v1/ev/charge-points', chargePoint));
      assert.deepEqual([registered.chargePoint.ownerPartyId, registered.chargePoint.tariff.kind], ['p-cpo', 'offer']);
      await created(call(fixture.app, as('p-operator'), 'POST', '/v1/ev/charge-points', { ...chargePoint, id: 'cp-2', meterIds: ['m-cp-2'], ownerPartyId: 'p-cpo' }));
      assertError(await call(fixture.app, as('p-other'), 'POST', '/v1/ev/charge-points', { ...chargePoint, id: 'cp-3' }), 400, 'invalid_input');
      assertError(await call(fixture.app, as('p-supplier'), 'POST', '/v1/ev/charge-points', { ...chargePoint, id: 'cp-3' }), 403, 'forbidden');
      assertError(await call(fixture.app, as('p-operator'), 'POST', '/v1/ev/charge-points', { ...chargePoint, id: 'cp-3', ownerPartyId: 'p-supplier' }), 400, 'invalid_request');
      assertError(await call(fixture.app, as('p-cpo'), 'POST', '/v1/ev/charge-points', { ...chargePoint, maxPowerW: 50_000 }), 409, 'already_exists');
    });

    it('suppliers publish sell and buy offers; bad series, other roles and a missing wallet are refused with stable codes', async () => {
      for (const [party, body] of [['p-supplier', OFFER_A], ['p-supplier-2', OFFER_B], ['p-supplier', OFFER_C], ['p-supplier-2', OFFER_D]] as const) {
        const published = await created<{ offer: OfferView }>(call(fixture.app, as(party), 'POST', '/v1/ev/offers', body));
        assert.deepEqual([published.offer.id, published.offer.status], [body.id, 'in_force']);
      }
      const post = (body: object, party = 'p-supplier') => call(fixture.app, as(party), 'POST', '/v1/ev/offers', body);
      assert.equal((await post(OFFER_A)).statusCode, 201, 'republishing the same offer answers it again');
      assertError(await post({ ...OFFER_A, validToMs: T0 + HOUR_MS }), 409, 'already_exists');
      assertError(await post(offer('bad-1', 'sell', T0 + HOUR_MS, [[T0, T0 + HOUR_MS, '0.2'], [T0 + 30 * MINUTE_MS, T0 + 2 * HOUR_MS, '0.2']])), 400, 'invalid_input');
      assertError(await post(offer('bad-2', 'sell', T0 + HOUR_MS, [[T0 + HOUR_MS, T0 + 2 * HOUR_MS, '0.2'], [T0, T0 + HOUR_MS, '0.2']])), 400, 'invalid_input');
      assertError(await post(offer('bad-3', 'sell', T0 + HOUR_MS, [[T0, T0 + HOUR_MS, '0.1234567']])), 400, 'invalid_amount');
      assertError(await post({ ...offer('bad-4', 'sell', T0 + HOUR_MS, [[T0, T0 + HOUR_MS, '0.2']]), currency: 'USD' }), 409, 'wallet_required');
      assertError(await post(offer('bad-5', 'sell', T0 + HOUR_MS, [[T0, T0 + HOUR_MS, '0.2']]), 'p-participant'), 403, 'forbidden');
    });

    it('the charge point gets the offers in force ranked by exact expected cost (charging) and revenue (selling)', async () => {
      // 22 kWh at min(11 kW vehicle, 22 kW charge point) from T0: eight quarters of 2 750 000 mWh.
      // A: 4 × 2.75 × 0.3127 = 4 × 859 925 µ; 4 × rhe(2.75 × 0.198901 = 546 977.75) = 4 × 546 978 µ;
      //    Σ 5 627 612 µ → 562.7612 ct → 5.63.   B: 8 × 2.75 × 0.2575 = 8 × 708 125 = 5 665 000 µ → 566.5 ct → even → 5.66.
      const charging = await query('charge', 22_000);
      assert.equal(charging.statusCode, 200, charging.body);
      const ranked = (charging.json() as { query: { powerW: number; offers: RankedOffer[] } }).query;
      assert.equal(ranked.powerW, 11_000);
      assert.deepEqual(ranked.offers.map((entry) => [entry.rank, entry.offerId, entry.expectedEnergyMWh, entry.expectedAmount, entry.coversDesiredEnergy]), [
        [1, 'offer-a', 22_000_000, '5.63', true],
        [2, 'offer-b', 22_000_000, '5.66', true],
      ]);
      // 7 kWh at 7 kW: four quarters of 1 750 000 mWh. C: 4 × rhe(1.75 × 0.181234 = 317 159.5) = 4 × 317 160 = 1 268 640 µ → 1.27.
      // D: 7 × 0.17 = 1 190 000 µ → 1.19. Revenue: highest first.
      const selling = ((await query('discharge', 7_000)).json() as { query: { offers: RankedOffer[] } }).query.offers;
      assert.deepEqual(selling.map((entry) => [entry.offerId, entry.expectedEnergyMWh, entry.expectedAmount]), [
        ['offer-c', 7_000_000, '1.27'], ['offer-d', 7_000_000, '1.19'],
      ]);
      assertError(await query('charge', 30_001), 400, 'desired_energy_exceeds_battery');
      assertError(await call(fixture.app, as('p-other'), 'POST', '/v1/ev/charge-points/cp-9/offer-queries', { vehicleId: 'V', mode: 'charge', currency: 'EUR', battery: BATTERY, desiredEnergyWh: 1 }), 404, 'not_found');
    });

    it('the driver picks offer A; the session is priced from the signed meter readings and debits the driver exactly', async () => {
      const opened = await created<{ session: SessionView }>(open('p-participant', 's-charge', 'offer-a'));
      assert.deepEqual([opened.session.state, opened.session.mode], ['open', 'charge']);
      assertError(await open('p-other', 's-busy', 'offer-b'), 409, 'meter_busy');
      clockMs = T0 + 2 * HOUR_MS + 5 * MINUTE_MS;
      // Import register every 30 min: +5.0, +5.5, +5.4, +4.0 kWh, each pair spread evenly over two quarters.
      await readings([frame('m-cp-1', 0, 1_000_000), frame('m-cp-1', 30 * MINUTE_MS, 6_000_000), frame('m-cp-1', 60 * MINUTE_MS, 11_500_000),
        frame('m-cp-1', 90 * MINUTE_MS, 16_900_000), frame('m-cp-1', 120 * MINUTE_MS, 20_900_000)]);
      const closed = await call(fixture.app, as('p-participant'), 'POST', '/v1/ev/sessions/s-charge/close', { startMs: T0, endMs: T0 + 2 * HOUR_MS, meterId: 'm-cp-1' });
      assert.equal(closed.statusCode, 200, closed.body);
      const session = (closed.json() as { session: SessionView }).session;
      // First hour at 0.3127: 2 × 2.5 kWh (781 750 µ) + 2 × 2.75 kWh (859 925 µ) = 3 283 350 µ.
      // Second hour at 0.198901: 2 × rhe(2.7 × 0.198901 = 537 032.7) = 2 × 537 033 µ, 2 × 2.0 kWh = 2 × 397 802 µ: 1 869 670 µ.
      // Σ 5 153 020 µ → 515.302 ct → 5.15.
      assert.deepEqual([session.state, session.settlement!.energyMWh, session.settlement!.amount, session.settlement!.transferId], ['closed', 19_900_000, '5.15', 's1:session:s-charge']);
      assert.equal(await wallet('p-participant'), 50_000_000n - 5_150_000n);
      assert.equal(await wallet('p-supplier'), 100_000_000n + 5_150_000n);
      leafOf['s-charge'] = session.settlement!.leafIndex!;
      assert.equal((await close('p-participant', 's-charge', T0, T0 + 2 * HOUR_MS)).statusCode, 200, 'a repeated close answers the closed session');
      assert.equal(await wallet('p-participant'), 44_850_000n, 'and posts nothing again');
      assertError(await close('p-participant', 's-charge', T0, T0 + HOUR_MS), 409, 'invalid_state');
    });

    it('a V2G session at the buy offer credits the driver and debits the supplier; the charge point owner closes it', async () => {
      await created(open('p-participant', 's-v2g', 'offer-c'));
      clockMs = T0 + 3 * HOUR_MS + 20 * MINUTE_MS;
      // Export register every 30 min from T0 + 2h15: +3.5, +3.5 kWh → four quarters of 1 750 000 mWh.
      await readings([frame('m-cp-1', 135 * MINUTE_MS, 20_900_000, 0), frame('m-cp-1', 165 * MINUTE_MS, 20_900_000, 3_500_000),
        frame('m-cp-1', 195 * MINUTE_MS, 20_900_000, 7_000_000)]);
      const closed = await close('p-cpo', 's-v2g', T0 + 135 * MINUTE_MS, T0 + 195 * MINUTE_MS);
      assert.equal(closed.statusCode, 200, closed.body);
      const session = (closed.json() as { session: SessionView }).session;
      // 4 × rhe(1.75 × 0.181234 = 317 159.5) = 4 × 317 160 = 1 268 640 µ → 1.27.
      assert.deepEqual([session.mode, session.settlement!.energyMWh, session.settlement!.amount], ['discharge', 7_000_000, '1.27']);
      assert.equal(await wallet('p-participant'), 44_850_000n + 1_270_000n);
      assert.equal(await wallet('p-supplier'), 105_150_000n - 1_270_000n);
    });

    it('a withdrawn or expired offer is not in force: it leaves the ranking and opening a session on it is offer_not_in_force', async () => {
      assertError(await call(fixture.app, as('p-supplier'), 'POST', '/v1/ev/offers/offer-b/withdrawal'), 403, 'forbidden');
      const withdrawn = await call(fixture.app, as('p-supplier-2'), 'POST', '/v1/ev/offers/offer-b/withdrawal');
      assert.equal((withdrawn.json() as { offer: OfferView }).offer.status, 'withdrawn');
      const ranked = ((await query('charge', 1_000, 'p-other')).json() as { query: { offers: RankedOffer[] } }).query.offers;
      assert.deepEqual(ranked.map((entry) => entry.offerId), ['offer-a']);
      assertError(await open('p-participant', 's-withdrawn', 'offer-b'), 409, 'offer_not_in_force');
      assertError(await open('p-participant', 's-expired', 'offer-d'), 409, 'offer_not_in_force');
      assertError(await open('p-participant', 's-unknown', 'offer-zzz'), 404, 'not_found');
      assert.equal(((await call(fixture.app, as('p-other'), 'GET', '/v1/ev/offers/offer-d')).json() as { offer: OfferView }).offer.status, 'expired');
    });

    it('roles: another participant sees no session (404) and cannot close it; the supplier reads but may not close; only participants open', async () => {
      assertError(await call(fixture.app, as('p-other'), 'GET', '/v1/ev/sessions/s-charge'), 404, 'not_found');
      assertError(await close('p-other', 's-charge', T0, T0 + 2 * HOUR_MS), 404, 'not_found');
      assert.equal((await call(fixture.app, as('p-supplier'), 'GET', '/v1/ev/sessions/s-charge')).statusCode, 200);
      assertError(await close('p-supplier', 's-charge', T0, T0 + 2 * HOUR_MS), 403, 'forbidden');
      assertError(await open('p-supplier', 's-by-supplier', 'offer-a'), 403, 'forbidden');
    });

    it('a prepaid wallet that cannot pay is insufficient_funds; the price stays fixed and the close completes after a top-up', async () => {
      await created(open('p-other', 's-other', 'offer-a', 'm-cp-2'));
      clockMs = T0 + 3 * HOUR_MS + 50 * MINUTE_MS;
      await readings([frame('m-cp-2', 210 * MINUTE_MS, 0), frame('m-cp-2', 225 * MINUTE_MS, 5_000_000)]);
      // 5 kWh in the quarter from T0 + 3h30 at 0.25 = 1 250 000 µ → 1.25, more than the 1.00 in the wallet.
      assertError(await close('p-other', 's-other', T0 + 210 * MINUTE_MS, T0 + 225 * MINUTE_MS, 'm-cp-2'), 409, 'insufficient_funds');
      const pending = ((await call(fixture.app, as('p-other'), 'GET', '/v1/ev/sessions/s-other')).json() as { session: SessionView }).session;
      assert.deepEqual([pending.state, pending.settlement!.amount], ['closing', '1.25']);
      assert.equal(await wallet('p-other'), 1_000_000n);
      await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/${wallets['p-other']}/top-ups`, { id: 'other-2', amount: '0.50', ts: clockMs });
      const closed = await close('p-other', 's-other', T0 + 210 * MINUTE_MS, T0 + 225 * MINUTE_MS, 'm-cp-2');
      assert.equal((closed.json() as { session: SessionView }).session.state, 'closed');
      assert.equal(await wallet('p-other'), 250_000n);
    });

    it('bad closes: no readings in the window is session_no_readings; another meter or a window before the opening is invalid_input', async () => {
      await created(open('p-other', 's-empty', 'offer-a', 'm-cp-2'));
      clockMs += 10 * MINUTE_MS;
      assertError(await close('p-other', 's-empty', clockMs - 5 * MINUTE_MS, clockMs, 'm-cp-2'), 409, 'session_no_readings');
      assertError(await close('p-other', 's-empty', clockMs - 5 * MINUTE_MS, clockMs, 'm-cp-1'), 400, 'invalid_input');
      assertError(await close('p-other', 's-empty', T0, clockMs, 'm-cp-2'), 400, 'invalid_input');
      const session = ((await call(fixture.app, as('p-other'), 'GET', '/v1/ev/sessions/s-empty')).json() as { session: SessionView }).session;
      assert.deepEqual([session.state, session.settlement], ['open', null], 'nothing stored half-way');
    });

    it('the ledger balances, and the session record is proven in the signed tree, readable by its parties only', async () => {
      await assertLedgerSound(fixture);
      const record = await assertRecordProven(fixture, as('p-participant'), leafOf['s-charge']!);
      const body = record.body as Record<string, unknown>;
      assert.equal(record.record, 'ev-session');
      assert.deepEqual([body.session, body.offer, body.energyMWh, body.amount, body.transfer], ['s-charge', 'offer-a', 19_900_000, '5.15', 's1:session:s-charge']);
      assert.deepEqual(body.parties, ['p-participant', 'p-supplier', 'p-cpo']);
      assert.deepEqual(body.geo, GEO);
      assert.equal((await call(fixture.app, as('p-cpo'), 'GET', `/v1/ledger/leaves/${leafOf['s-charge']}`)).statusCode, 200);
      assertError(await call(fixture.app, as('p-other'), 'GET', `/v1/ledger/leaves/${leafOf['s-charge']}`), 404, 'not_found');
    });

    it('a supplier has at most EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX offers in force or upcoming; one more is limit_exceeded', async () => {
      await addParty('p-supplier-3', 'supplier');
      await created(call(fixture.app, as('p-supplier-3'), 'POST', '/v1/wallets', { currency: 'EUR' }));
      const publish = (index: number) => call(fixture.app, as('p-supplier-3'), 'POST', '/v1/ev/offers',
        offer(`many-${index}`, 'buy', T0 + 5 * HOUR_MS, [[T0, T0 + 5 * HOUR_MS, '0.1']]));
      for (let index = 0; index < EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX; index++) assert.equal((await publish(index)).statusCode, 201);
      const refused = await publish(EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX);
      assertError(refused, 400, 'limit_exceeded');
      assert.match(refused.body, /EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX/);
    });
  });
}
