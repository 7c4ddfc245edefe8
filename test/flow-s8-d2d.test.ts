// S8 (SPEC §8; docs/flows.md "S8"): a portable power supply sends excess
// power to another device. Both devices are metered through signed ingest;
// the delivered energy (the lesser of the sender's export and the receiver's
// import over the window, SPEC §2 apportionment) is paid at the agreed price,
// rounded once half to even to the cent (SPEC §1), and the difference is
// recorded as loss. Energies and money are worked out here from the readings.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, columnar, created, frame, postBatch } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { roundHalfEven } from '../host/exact.js';

const MINUTE_MS = 60_000;
const at = (minutes: number): number => minutes * MINUTE_MS;
type Reading = [offsetMinutes: number, registerMWh: number];

// Sender export register (pps-a) and receiver import register (pps-b), minutes from NOW_MS.
const SENDER_EXPORT: Reading[] = [[-130, 0], [-50, 1_600_000], [-45, 1_600_000], [-5, 2_000_000]];
const RECEIVER_IMPORT: Reading[] = [[-130, 5_000], [-90, 765_000], [-50, 1_525_000], [-5, 2_005_000]];

/** SPEC §2: a pair a→b puts E(min(t_b, to)) − E(max(t_a, from)) into [from, to), E(u) = floor(d × (u − t_a) / Δt). */
function energyIn(readings: Reading[], fromMinutes: number, toMinutes: number): bigint {
  let totalMWh = 0n;
  for (let k = 1; k < readings.length; k++) {
    const [ta, va] = readings[k - 1]!;
    const [tb, vb] = readings[k]!;
    const lo = Math.max(ta, fromMinutes);
    const hi = Math.min(tb, toMinutes);
    if (lo >= hi) continue;
    const cumulative = (u: number) => (BigInt(vb - va) * BigInt(at(u - ta))) / BigInt(at(tb - ta));
    totalMWh += cumulative(hi) - cumulative(lo);
  }
  return totalMWh;
}

/** 0.25 per kWh is 250 000 µ/kWh; mWh × µ/kWh / 10^6 is µ, rounded once to the cent (10^4 µ). */
const centsMicro = (deliveredMWh: bigint): bigint => roundHalfEven(deliveredMWh * 250_000n, 1_000_000n * 10_000n) * 10_000n;

interface TransferView {
  status: string;
  sentMWh: number;
  receivedMWh: number;
  deliveredMWh: number;
  lossMWh: number;
  excessReceivedMWh: number;
  amount: string | null;
  paymentTransferId: string | null;
  recordIndex: number | null;
}

for (const backend of storeBackends()) {
  describe(`flows: S8 device-to-device transfer (${backend.kind})`, () => {
    let fixture: FlowFixture;
    const keys: Record<string, string> = {};
    const propose = (apiKey: string, id: string, change: object = {}) => call(fixture.app, apiKey, 'POST', '/v1/d2d-transfers', {
      id, senderMeterId: 'pps-a', receiverMeterId: 'pps-b', price: '0.25', currency: 'EUR', fromMs: NOW_MS - at(120), toMs: NOW_MS - at(60), ...change,
    });
    const step = (apiKey: string, id: string, action: 'accept' | 'settle') => call(fixture.app, apiKey, 'POST', `/v1/d2d-transfers/${id}/${action}`);
    const viewOf = (response: { json(): unknown }) => (response.json() as { transfer: TransferView }).transfer;
    const wallet = async (partyId: string) => postedMicro(await balanceOf(fixture.app, fixture.as('operator'), `wallet:${partyId}:EUR`));
    const ingest = async (seq: number, frames: ReturnType<typeof frame>[]) => {
      const response = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: fixture.gatewaySecret, body: columnar(seq, frames) });
      assert.equal(response.statusCode, 202, response.body);
      assert.equal((response.json() as { accepted: number }).accepted, frames.length);
    };

    before(async () => {
      fixture = await openFlows(backend);
      const operator = fixture.as('operator');
      for (const partyId of ['p-alice', 'p-bob']) {
        await created(call(fixture.app, operator, 'POST', '/v1/parties', { partyId, name: partyId, role: 'participant' }));
        keys[partyId] = (await created<{ apiKey: string }>(call(fixture.app, operator, 'POST', `/v1/parties/${partyId}/keys`))).apiKey;
      }
      for (const [meterId, partyId] of [['pps-a', 'p-alice'], ['pps-a2', 'p-alice'], ['pps-b', 'p-bob']]) {
        await created(call(fixture.app, operator, 'POST', '/v1/meters', { meterId, gatewayId: 'gw-1', partyId }));
      }
      await ingest(1, [
        ...SENDER_EXPORT.map(([minutes, exportMWh]) => frame('pps-a', at(minutes), 0, exportMWh)),
        ...RECEIVER_IMPORT.map(([minutes, importMWh]) => frame('pps-b', at(minutes), importMWh)),
      ]);
      await created(call(fixture.app, keys['p-bob']!, 'POST', '/v1/wallets', { currency: 'EUR' }));
      await call(fixture.app, operator, 'POST', '/v1/wallets/wallet:p-bob:EUR/top-ups', { id: 'bob-1', amount: '0.20', ts: NOW_MS });
    });
    after(async () => fixture.close());

    it('the sender proposes, the receiver accepts; the same proposal again answers the same, another body is d2d_conflict', async () => {
      const proposed = await propose(keys['p-alice']!, 't-1');
      assert.equal(proposed.statusCode, 201, proposed.body);
      assert.deepEqual([viewOf(proposed).status, (await propose(keys['p-alice']!, 't-1')).statusCode], ['proposed', 201]);
      assertError(await propose(keys['p-alice']!, 't-1', { price: '0.26' }), 409, 'd2d_conflict');
      assertError(await step(keys['p-alice']!, 't-1', 'settle'), 409, 'invalid_state');
      const accepted = await step(keys['p-bob']!, 't-1', 'accept');
      assert.equal(viewOf(accepted).status, 'accepted');
      assert.equal(viewOf(await step(keys['p-bob']!, 't-1', 'accept')).status, 'accepted');
    });

    it('roles: only the meter owner proposes (403), only device roles (403), only the receiver accepts (403); others see 404', async () => {
      assertError(await propose(keys['p-bob']!, 't-x'), 403, 'forbidden');
      assertError(await propose(fixture.as('regulator'), 't-x'), 403, 'forbidden');
      assertError(await step(keys['p-alice']!, 't-1', 'accept'), 403, 'forbidden');
      assertError(await step(fixture.as('regulator'), 't-1', 'settle'), 403, 'forbidden');
      for (const action of ['accept', 'settle'] as const) assertError(await step(fixture.as('supplier'), 't-1', action), 404, 'not_found');
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/d2d-transfers/t-1'), 404, 'not_found');
      assert.equal((await call(fixture.app, fixture.as('regulator'), 'GET', '/v1/d2d-transfers/t-1')).statusCode, 200);
    });

    it('settling meters both sides; a receiver that cannot pay gets insufficient_funds and the transfer stays metered', async () => {
      assertError(await step(keys['p-bob']!, 't-1', 'settle'), 409, 'insufficient_funds');
      const view = viewOf(await call(fixture.app, keys['p-alice']!, 'GET', '/v1/d2d-transfers/t-1'));
      assert.deepEqual([view.status, view.sentMWh, view.receivedMWh], ['metered', Number(energyIn(SENDER_EXPORT, -120, -60)), Number(energyIn(RECEIVER_IMPORT, -120, -60))]);
      assert.equal(await wallet('p-bob'), 200_000n);
    });

    it('after a top-up the delivered energy (the lesser) is paid at the agreed price, half-even to the cent; the rest is loss', async () => {
      await call(fixture.app, fixture.as('operator'), 'POST', '/v1/wallets/wallet:p-bob:EUR/top-ups', { id: 'bob-2', amount: '1.00', ts: NOW_MS });
      const settled = await step(keys['p-alice']!, 't-1', 'settle');
      assert.equal(settled.statusCode, 200, settled.body);
      const view = viewOf(settled);
      const sentMWh = energyIn(SENDER_EXPORT, -120, -60);
      const receivedMWh = energyIn(RECEIVER_IMPORT, -120, -60);
      assert.ok(receivedMWh < sentMWh);
      const amountMicro = centsMicro(receivedMWh);
      // 1 140 000 mWh × 0.25 = 28.5 cents: half to even gives 28.
      assert.deepEqual([receivedMWh, amountMicro], [1_140_000n, 280_000n]);
      assert.deepEqual(
        [view.status, view.deliveredMWh, view.lossMWh, view.excessReceivedMWh, view.paymentTransferId],
        ['settled', Number(receivedMWh), Number(sentMWh - receivedMWh), 0, 's8:t-1'],
      );
      assert.equal(await wallet('p-alice'), amountMicro);
      assert.equal(await wallet('p-bob'), 1_200_000n - amountMicro);
      assert.equal(viewOf(await step(keys['p-bob']!, 't-1', 'settle')).status, 'settled');
      assert.equal(await wallet('p-bob'), 1_200_000n - amountMicro);
    });

    it('the d2d-transfer record carries sent, received, delivered and loss, names both parties and is proven to the receiver', async () => {
      const view = viewOf(await call(fixture.app, keys['p-bob']!, 'GET', '/v1/d2d-transfers/t-1'));
      const leaf = await assertRecordProven(fixture, keys['p-bob']!, view.recordIndex!);
      assert.equal(leaf.record, 'd2d-transfer');
      const body = leaf.body as Record<string, unknown>;
      assert.deepEqual(
        [body.sentMWh, body.receivedMWh, body.deliveredMWh, body.lossMWh, body.amount, body.parties],
        [view.sentMWh, view.receivedMWh, view.deliveredMWh, view.lossMWh, '0.28', ['p-alice', 'p-bob']],
      );
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', `/v1/ledger/leaves/${view.recordIndex}`), 404, 'not_found');
    });

    it("a receiver importing more than the sender exported is paid for the sender's figure, with no loss and the excess flagged", async () => {
      assert.equal((await propose(keys['p-alice']!, 't-2', { fromMs: NOW_MS - at(40), toMs: NOW_MS - at(10) })).statusCode, 201);
      await step(keys['p-bob']!, 't-2', 'accept');
      const view = viewOf(await step(fixture.as('operator'), 't-2', 'settle'));
      const sentMWh = energyIn(SENDER_EXPORT, -40, -10);
      const receivedMWh = energyIn(RECEIVER_IMPORT, -40, -10);
      assert.ok(receivedMWh > sentMWh);
      // 300 000 mWh × 0.25 = 7.5 cents: half to even gives 8.
      assert.equal(centsMicro(sentMWh), 80_000n);
      assert.deepEqual(
        [view.deliveredMWh, view.lossMWh, view.excessReceivedMWh, view.amount],
        [Number(sentMWh), 0, Number(receivedMWh - sentMWh), '0.08'],
      );
      assert.equal(await wallet('p-alice'), 280_000n + centsMicro(sentMWh));
    });

    it('settling before the window ends is d2d_window_open; before the readings reach its end, d2d_readings_incomplete', async () => {
      await propose(keys['p-alice']!, 't-3', { fromMs: NOW_MS - at(10), toMs: NOW_MS + at(10) });
      await step(keys['p-bob']!, 't-3', 'accept');
      assertError(await step(keys['p-bob']!, 't-3', 'settle'), 409, 'd2d_window_open');
      await propose(keys['p-alice']!, 't-4', { fromMs: NOW_MS - at(4), toMs: NOW_MS - at(2) });
      await step(keys['p-bob']!, 't-4', 'accept');
      assertError(await step(keys['p-bob']!, 't-4', 'settle'), 409, 'd2d_readings_incomplete');
      await ingest(2, [frame('pps-a', 0, 0, 2_000_000), frame('pps-b', 0, 2_005_000)]);
      const view = viewOf(await step(keys['p-bob']!, 't-4', 'settle'));
      assert.deepEqual([view.status, view.deliveredMWh, view.amount, view.paymentTransferId], ['settled', 0, '0.00', null]);
    });

    it('bad input: price is invalid_amount, a window off the minute grid invalid_input, too long limit_exceeded, meters checked', async () => {
      const bad = (change: object) => propose(keys['p-alice']!, 't-bad', change);
      assertError(await bad({ price: '-0.10' }), 400, 'invalid_amount');
      assertError(await bad({ price: '0.1234567' }), 400, 'invalid_amount');
      assertError(await bad({ price: 0.25 }), 400, 'invalid_amount');
      assertError(await bad({ price: '100.000001' }), 400, 'invalid_amount');
      assertError(await bad({ fromMs: NOW_MS - at(120) + 1 }), 400, 'invalid_input');
      assertError(await bad({ toMs: NOW_MS - at(120) }), 400, 'invalid_input');
      assertError(await bad({ toMs: NOW_MS - at(120) + 604_800_000 + MINUTE_MS }), 400, 'limit_exceeded');
      assertError(await bad({ currency: 'XYZ' }), 400, 'invalid_input');
      assertError(await bad({ receiverMeterId: 'pps-a' }), 400, 'invalid_input');
      assertError(await bad({ receiverMeterId: 'pps-a2' }), 400, 'invalid_input');
      assertError(await bad({ receiverMeterId: 'nowhere' }), 400, 'invalid_request');
      assertError(await call(fixture.app, keys['p-alice']!, 'GET', '/v1/d2d-transfers/t-bad'), 404, 'not_found');
    });

    it('the ledger verifies and balances afterwards', async () => {
      await assertLedgerSound(fixture);
    });
  });
}
