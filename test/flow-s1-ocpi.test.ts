// S1 with OCPI tariffs at charge points (docs/flows.md "OCPI tariffs at
// charge points"), the whole story through HTTP: a charge-point owner attaches
// an OCPI 2.2.1 tariff, the driver opens a session without an offer, the
// gateway posts the signed meter readings, and the close prices the metered
// session as an OCPI CDR and pays the charge incl. VAT to the owner. The
// owner replaces the tariff while a session is open: it keeps the old one.
// Every expected amount is worked out by hand from the OCPI rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PartyRole } from '../host/store/party-store.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, columnar, created, frame, postBatch } from './api-helpers.js';
import {
  addParty as addFlowParty, assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture,
} from './flow-helpers.js';
import type { GatewayFrame } from '../host/ingest/encode.js';

const T0 = NOW_MS; // 2026-01-01T00:00:00Z
const MINUTE_MS = 60_000;
const GEO = { lat: '52.5200066', lon: '13.404954' };
const VAT = 20;

// v1: 0.25 per kWh in 1 Wh steps, a 0.50 start fee, 1.20 per charging hour in 5-minute steps; 20 % VAT.
const TARIFF_V1 = {
  country_code: 'DE', party_id: 'GSE', id: 'GSE-AC-1', currency: 'EUR', last_updated: '2025-12-01T00:00:00Z',
  elements: [{ price_components: [
    { type: 'ENERGY', price: 0.25, vat: VAT, step_size: 1 },
    { type: 'FLAT', price: 0.5, vat: VAT, step_size: 0 },
    { type: 'TIME', price: 1.2, vat: VAT, step_size: 300 },
  ] }],
};
// v2: 0.30 per kWh, 0.60 per parking hour, 20 % VAT, at least 2.00 (2.40 incl. VAT) per session.
const TARIFF_V2 = {
  id: 'GSE-AC-2', currency: 'EUR',
  min_price: { excl_vat: 2, incl_vat: 2.4 },
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, vat: VAT, step_size: 0 }, { type: 'PARKING_TIME', price: 0.6, vat: VAT, step_size: 0 }] }],
};

interface OcpiSummary {
  tariffId: string; tariffVersion: number; timezone: string; periods: number;
  totalCost: { exclVat: string; inclVat: string };
  charge: { exclVat: string; inclVat: string; exclVatMinor: string; inclVatMinor: string; limit: string | null };
  billedEnergyMWh: number; chargingTimeMs: number; billedChargingTimeMs: number; parkingTimeMs: number; billedParkingTimeMs: number;
}
interface SessionView {
  id: string; state: string; mode: string; offerId: string | null; supplierPartyId: string | null; currency: string;
  tariff: { kind: string; version: number };
  settlement: { energyMWh: number; amount: string; transferId: string | null; leafIndex: number | null; ocpi: OcpiSummary } | null;
}
interface ChargePointView { id: string; tariff: { kind: string; ocpi?: Record<string, unknown>; timezone?: string }; tariffVersion: number }

for (const backend of storeBackends()) {
  describe(`flows: S1 OCPI tariffs at charge points (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = T0;
    let batchSeq = 0;
    const keys: Record<string, string> = {};
    const wallets: Record<string, string> = {};
    let recordLeaf = -1;

    const as = (party: string) => keys[party]!;
    const register = (party: string, body: object) => call(fixture.app, as(party), 'POST', '/v1/ev/charge-points', body);
    const setTariff = (party: string, tariff: object) => call(fixture.app, as(party), 'POST', '/v1/ev/charge-points/cp-ocpi/tariff', tariff);
    const open = (party: string, id: string, meterId: string, extra: object = {}, chargePointId = 'cp-ocpi') =>
      call(fixture.app, as(party), 'POST', '/v1/ev/sessions', { id, chargePointId, meterId, vehicleId: 'V', ...extra });
    const close = (party: string, id: string, meterId: string, startMs: number, endMs: number) =>
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
      await addParty('p-cpo', 'participant');
      await addParty('p-other', 'participant');
      for (const meterId of ['m-ocpi-1', 'm-ocpi-2', 'm-offer-1']) {
        await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: 'gw-1', partyId: 'p-cpo' }));
      }
      wallets['p-participant'] = await fundedWallet(fixture, 'participant', 'EUR', '20.00');
      wallets['p-cpo'] = (await created<{ wallet: { id: string } }>(call(fixture.app, as('p-cpo'), 'POST', '/v1/wallets', { currency: 'EUR' }))).wallet.id;
    });
    after(async () => fixture.close());

    it('a bad OCPI tariff at registration carries the OCPI module code, and nothing is stored', async () => {
      const component = { type: 'ENERGY', price: 0.25, step_size: 0 };
      const withTariff = (ocpi: object, timezone?: string) => ({
        id: 'cp-bad', meterIds: ['m-ocpi-1'], maxPowerW: 22_000, geo: GEO, tariff: timezone === undefined ? { kind: 'ocpi', ocpi } : { kind: 'ocpi', ocpi, timezone },
      });
      const cases: Array<[object, number, string]> = [
        [withTariff({ ...TARIFF_V1, elements: [{ price_components: [component], restrictions: { start_tme: '07:00' } }] }), 400, 'invalid_input'],
        [withTariff({ ...TARIFF_V1, elements: [{ price_components: [{ ...component, price: '0.1234567' }] }] }), 400, 'invalid_amount'],
        [withTariff({ ...TARIFF_V1, elements: [{ price_components: ['ENERGY', 'FLAT', 'TIME', 'PARKING_TIME', 'ENERGY'].map((type) => ({ ...component, type })) }] }), 400, 'limit_exceeded'],
        [withTariff({ ...TARIFF_V1, currency: 'EUX' }), 400, 'invalid_input'],
        [withTariff(TARIFF_V1, 'Mars/Olympus_Mons'), 400, 'invalid_input'],
        [{ ...withTariff(TARIFF_V1), tariff: { kind: 'ocpi' } }, 400, 'invalid_input'],
        [{ ...withTariff(TARIFF_V1), tariff: { kind: 'offer', ocpi: TARIFF_V1 } }, 400, 'invalid_input'],
        [withTariff({ ...TARIFF_V1, currency: 'USD' }), 409, 'wallet_required'],
      ];
      for (const [body, status, code] of cases) {
        assertError(await register('p-cpo', body), status, code);
        assertError(await call(fixture.app, as('p-cpo'), 'GET', '/v1/ev/charge-points/cp-bad'), 404, 'not_found');
      }
    });

    it('the owner attaches an OCPI tariff with the charge point\'s zone; it is stored as version 1, without floats', async () => {
      const body = { id: 'cp-ocpi', meterIds: ['m-ocpi-1', 'm-ocpi-2'], maxPowerW: 22_000, geo: GEO, tariff: { kind: 'ocpi', ocpi: TARIFF_V1, timezone: 'Europe/Berlin' } };
      const { chargePoint } = await created<{ chargePoint: ChargePointView }>(register('p-cpo', body));
      assert.deepEqual([chargePoint.tariff.kind, chargePoint.tariff.timezone, chargePoint.tariffVersion], ['ocpi', 'Europe/Berlin', 1]);
      const [element] = chargePoint.tariff.ocpi!.elements as Array<{ price_components: Array<{ price: unknown }> }>;
      assert.deepEqual(element!.price_components.map((entry) => entry.price), ['0.25', '0.5', '1.2']);
      assert.equal((await register('p-cpo', body)).statusCode, 201, 'the same registration again answers the charge point');
      await created(register('p-cpo', { id: 'cp-offer', meterIds: ['m-offer-1'], maxPowerW: 22_000, geo: GEO }));
    });

    it('opening at an OCPI charge point needs no offer; an offer, a discharge, the owner itself and offer queries are refused', async () => {
      assertError(await open('p-participant', 's-x', 'm-ocpi-1', { offerId: 'offer-a' }), 400, 'invalid_input');
      assertError(await open('p-participant', 's-x', 'm-ocpi-1', { mode: 'discharge' }), 409, 'ocpi_discharge_unsupported');
      assertError(await open('p-cpo', 's-x', 'm-ocpi-1'), 400, 'invalid_input');
      assertError(await open('p-supplier', 's-x', 'm-ocpi-1'), 403, 'forbidden');
      assertError(await open('p-participant', 's-x', 'm-offer-1', {}, 'cp-offer'), 400, 'invalid_request');
      const battery = { capacityWh: 60_000, stateOfChargePpm: 500_000, maxChargePowerW: 11_000, maxDischargePowerW: 7_000 };
      assertError(await call(fixture.app, as('p-cpo'), 'POST', '/v1/ev/charge-points/cp-ocpi/offer-queries',
        { vehicleId: 'V', mode: 'charge', currency: 'EUR', battery, desiredEnergyWh: 1_000 }), 409, 'invalid_state');
      assertError(await call(fixture.app, as('p-participant'), 'GET', '/v1/ev/sessions/s-x'), 404, 'not_found');
      const opened = await created<{ session: SessionView }>(open('p-participant', 's-ocpi-1', 'm-ocpi-1'));
      assert.deepEqual(
        [opened.session.offerId, opened.session.supplierPartyId, opened.session.mode, opened.session.currency, opened.session.tariff.kind, opened.session.tariff.version],
        [null, null, 'charge', 'EUR', 'ocpi', 1],
      );
    });

    it('the owner replaces the tariff (version 2); the open session keeps version 1, a new one opens under version 2', async () => {
      assertError(await setTariff('p-other', { kind: 'ocpi', ocpi: TARIFF_V2 }), 403, 'forbidden');
      assertError(await setTariff('p-cpo', { kind: 'ocpi', ocpi: { ...TARIFF_V2, currency: 'EUX' } }), 400, 'invalid_input');
      const replaced = await setTariff('p-cpo', { kind: 'ocpi', ocpi: TARIFF_V2, timezone: 'Europe/Berlin' });
      assert.equal(replaced.statusCode, 200, replaced.body);
      assert.equal((replaced.json() as { chargePoint: ChargePointView }).chargePoint.tariffVersion, 2);
      const again = await setTariff('p-cpo', { kind: 'ocpi', ocpi: TARIFF_V2, timezone: 'Europe/Berlin' });
      assert.equal((again.json() as { chargePoint: ChargePointView }).chargePoint.tariffVersion, 2, 'the same tariff again is no new version');
      const opened = await created<{ session: SessionView }>(open('p-participant', 's-ocpi-2', 'm-ocpi-2'));
      assert.equal(opened.session.tariff.version, 2);
      const first = ((await call(fixture.app, as('p-participant'), 'GET', '/v1/ev/sessions/s-ocpi-1')).json() as { session: SessionView }).session;
      assert.equal(first.tariff.version, 1);
    });

    it('closing prices the metered session under its OCPI tariff: the driver pays the charge incl. VAT to the owner', async () => {
      clockMs = T0 + 45 * MINUTE_MS;
      // Import register: +2.75 kWh in each of the first two quarters, +1.234567 kWh in the 7 minutes after.
      await readings([frame('m-ocpi-1', 0, 1_000_000), frame('m-ocpi-1', 15 * MINUTE_MS, 3_750_000),
        frame('m-ocpi-1', 30 * MINUTE_MS, 6_500_000), frame('m-ocpi-1', 37 * MINUTE_MS, 7_734_567)]);
      const closed = await close('p-participant', 's-ocpi-1', 'm-ocpi-1', T0, T0 + 37 * MINUTE_MS);
      assert.equal(closed.statusCode, 200, closed.body);
      const session = (closed.json() as { session: SessionView }).session;
      // Periods: 0.25 h, 0.25 h, 7 min = 420 000 ms → 0.1167 h (= 420 120 ms). All charging, no parking.
      // ENERGY: 6.734567 kWh, 1 Wh steps → 6.735 kWh, the 0.433 Wh added to the last period:
      //   2.75 × 0.25 = 687 500 µ (×2) and 1.235 × 0.25 = 308 750 µ: 1 683 750 µ; incl. 20 %: 825 000 ×2 + 370 500 = 2 020 500 µ.
      // TIME: 2 220 120 ms, 300 s steps → 2 400 000 ms at 1.20/h = 800 000 µ; incl. 960 000 µ.
      // FLAT: 500 000 µ; incl. 600 000 µ.
      // total excl. 2 983 750 µ, incl. 3 580 500 µ → 358.05 ct → 3.58 (no min/max price).
      assert.deepEqual([session.state, session.settlement!.energyMWh, session.settlement!.amount, session.settlement!.transferId],
        ['closed', 6_734_567, '3.58', 's1:session:s-ocpi-1']);
      const ocpi = session.settlement!.ocpi;
      assert.deepEqual([ocpi.tariffId, ocpi.tariffVersion, ocpi.timezone, ocpi.periods], ['GSE-AC-1', 1, 'Europe/Berlin', 3]);
      assert.deepEqual(ocpi.totalCost, { exclVat: '2.983750', inclVat: '3.580500' });
      assert.deepEqual(ocpi.charge, { exclVat: '2.983750', inclVat: '3.580500', exclVatMinor: '2.98', inclVatMinor: '3.58', limit: null });
      assert.deepEqual([ocpi.billedEnergyMWh, ocpi.chargingTimeMs, ocpi.billedChargingTimeMs, ocpi.parkingTimeMs], [6_735_000, 2_220_120, 2_400_000, 0]);
      assert.equal(await wallet('p-participant'), 20_000_000n - 3_580_000n);
      assert.equal(await wallet('p-cpo'), 3_580_000n);
      const transfer = (await call(fixture.app, as('p-cpo'), 'GET', '/v1/transfers/s1%3Asession%3As-ocpi-1')).json() as { transfer: Record<string, unknown> };
      assert.deepEqual([transfer.transfer.debit, transfer.transfer.credit, transfer.transfer.amount, transfer.transfer.code],
        [wallets['p-participant'], wallets['p-cpo'], '3.580000', 2103]);
      recordLeaf = session.settlement!.leafIndex!;
      assert.equal((await close('p-participant', 's-ocpi-1', 'm-ocpi-1', T0, T0 + 37 * MINUTE_MS)).statusCode, 200, 'a repeated close answers the closed session');
      assert.equal(await wallet('p-participant'), 16_420_000n, 'and posts nothing again');
    });

    it('under min_price the driver pays the minimum incl. VAT; the CDR totals stay the sums of the lines', async () => {
      await readings([frame('m-ocpi-2', 0, 0), frame('m-ocpi-2', 15 * MINUTE_MS, 1_000_000), frame('m-ocpi-2', 30 * MINUTE_MS, 1_000_000)]);
      const closed = await close('p-cpo', 's-ocpi-2', 'm-ocpi-2', T0, T0 + 30 * MINUTE_MS);
      assert.equal(closed.statusCode, 200, closed.body);
      const session = (closed.json() as { session: SessionView }).session;
      // 1 kWh × 0.30 = 300 000 µ (incl. 360 000); the empty quarter is parking: 0.25 h × 0.60 = 150 000 µ (incl. 180 000).
      // 450 000 µ excl. < min_price 2.00 → the charge is min_price incl. VAT, 2.40.
      assert.deepEqual([session.settlement!.amount, session.settlement!.ocpi.tariffVersion, session.settlement!.ocpi.charge.limit], ['2.40', 2, 'min_price']);
      assert.deepEqual(session.settlement!.ocpi.totalCost, { exclVat: '0.450000', inclVat: '0.540000' });
      assert.deepEqual([session.settlement!.ocpi.parkingTimeMs, session.settlement!.ocpi.chargingTimeMs], [15 * MINUTE_MS, 15 * MINUTE_MS]);
      assert.equal(await wallet('p-participant'), 16_420_000n - 2_400_000n);
      assert.equal(await wallet('p-cpo'), 3_580_000n + 2_400_000n);
    });

    it('roles: others see no OCPI session (404), nor does any supplier; the owner and regulators read it', async () => {
      assertError(await call(fixture.app, as('p-other'), 'GET', '/v1/ev/sessions/s-ocpi-1'), 404, 'not_found');
      assertError(await close('p-other', 's-ocpi-1', 'm-ocpi-1', T0, T0 + 37 * MINUTE_MS), 404, 'not_found');
      assertError(await call(fixture.app, as('p-supplier'), 'GET', '/v1/ev/sessions/s-ocpi-1'), 404, 'not_found');
      for (const party of ['p-cpo', 'p-regulator']) {
        assert.equal((await call(fixture.app, as(party), 'GET', '/v1/ev/sessions/s-ocpi-1')).statusCode, 200, party);
      }
    });

    it('a tariff no longer in force (its end_date_time passed) refuses new sessions with ocpi_tariff_not_in_force', async () => {
      const expired = { ...TARIFF_V2, id: 'GSE-AC-OLD', end_date_time: '2025-12-31T23:00:00Z' };
      assert.equal((await setTariff('p-operator', { kind: 'ocpi', ocpi: expired })).statusCode, 200, 'the operator may set it for the owner');
      assertError(await open('p-participant', 's-ocpi-3', 'm-ocpi-1'), 409, 'ocpi_tariff_not_in_force');
      assertError(await call(fixture.app, as('p-participant'), 'GET', '/v1/ev/sessions/s-ocpi-3'), 404, 'not_found');
    });

    it('the ledger balances, and the session record carries the OCPI summary, proven in the signed tree for its parties only', async () => {
      await assertLedgerSound(fixture);
      const record = await assertRecordProven(fixture, as('p-participant'), recordLeaf);
      const body = record.body as Record<string, unknown>;
      assert.equal(record.record, 'ev-session');
      assert.deepEqual([body.session, body.offer, body.supplier, body.chargePointOwner, body.amount, body.transfer],
        ['s-ocpi-1', null, null, 'p-cpo', '3.58', 's1:session:s-ocpi-1']);
      assert.deepEqual(body.parties, ['p-participant', 'p-cpo']);
      const ocpi = body.ocpi as OcpiSummary;
      assert.deepEqual([ocpi.tariffId, ocpi.charge.inclVat, ocpi.charge.limit, ocpi.billedEnergyMWh, ocpi.billedChargingTimeMs],
        ['GSE-AC-1', '3.580500', null, 6_735_000, 2_400_000]);
      assert.equal((await call(fixture.app, as('p-cpo'), 'GET', `/v1/ledger/leaves/${recordLeaf}`)).statusCode, 200);
      assertError(await call(fixture.app, as('p-other'), 'GET', `/v1/ledger/leaves/${recordLeaf}`), 404, 'not_found');
    });
  });
}
