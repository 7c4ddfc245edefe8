// S10 demand management with prepaid appliances (SPEC §8, docs/flows.md
// "Demand response"), played through HTTP: appliances on meters with prepaid
// balances, consumption billed from ingested readings, a DR event allocated
// by largest remainder, sealed signals opened by the verifier, and rewards
// for the reduction against the 10-like-day baseline — all hand-computed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { assertError, call } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import {
  TOP_UP_TS, farOff, ingest, laterReadingsOf, likeDayEnergies, provisionNeighbourAndMeters, readingsOf, utcMs, type DayEnergies,
} from './dr-fixture.js';
import { DrSignalVerifier } from '../host/index.js';

// Wednesday 2026-01-07, 17:00–18:00 UTC; 2026-01-01 is a holiday.
const EVENT_FROM_MS = utcMs('2026-01-07', 17);
const EVENT_TO_MS = utcMs('2026-01-07', 18);
const WEEKDAYS_BEFORE = ['2026-01-06', '2026-01-05', '2026-01-02', '2025-12-31', '2025-12-30', '2025-12-29', '2025-12-26', '2025-12-25', '2025-12-24', '2025-12-23', '2025-12-22'];
const A1_LIKE_DAYS = WEEKDAYS_BEFORE.slice(0, 10);
// dr-m2 has no readings on 2025-12-29: its intervals there are only estimated, so 2025-12-22 takes its place.
const A2_LIKE_DAYS = WEEKDAYS_BEFORE.filter((date) => date !== '2025-12-29');
const A3_LIKE_DAYS = WEEKDAYS_BEFORE.slice(0, 5);

const history: Record<string, DayEnergies> = {
  'dr-m1': farOff(likeDayEnergies(A1_LIKE_DAYS, [400_000, 400_001, 380_000, 380_001]), ['2026-01-01', '2026-01-03', '2026-01-04', '2025-12-22']),
  'dr-m2': farOff(likeDayEnergies(A2_LIKE_DAYS, [300_000, 300_003, 300_000, 300_000]), ['2026-01-01', '2026-01-03', '2026-01-04']),
  'dr-m3': likeDayEnergies(A3_LIKE_DAYS, [100_000, 100_000, 100_000, 100_000]),
};
const eventDay: Record<string, number[]> = {
  'dr-m1': [100_000, 400_010, 200_000, 380_000],
  'dr-m2': [0, 0, 0, 0],
  'dr-m3': [50_000, 50_000, 50_000, 50_000],
};

interface EventReply {
  event: {
    status: string; allocations: Array<{ applianceId: string; reductionW: number }>; recordLeafIndex: number; totalReward: string | null;
    settlements: Array<{ applianceId: string; outcome: string; likeDays: string[]; intervals: Array<{ startMs: number; baselineMWh: number; actualMWh: number; achievedMWh: number }>; achievedMWh: number; reward: string; transferId: string | null; recordLeafIndex: number }>;
  };
}

for (const backend of storeBackends()) {
  describe(`flows: S10 demand response with prepaid appliances (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = utcMs('2026-01-07', 12);
    let neighbour: string;
    const keys = new Map<string, Uint8Array>();
    const signals = new Map<string, string>();
    const as = (role: 'participant' | 'supplier' | 'transmission' | 'operator' | 'regulator') => fixture.as(role);
    const applianceBalance = async (id: string) => postedMicro(await balanceOf(fixture.app, as('operator'), `appliance:${id}`));

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
      neighbour = await provisionNeighbourAndMeters(fixture);
      await fundedWallet(fixture, 'participant', 'EUR', '50');
      await fundedWallet(fixture, 'transmission', 'EUR', '0.5');
    });
    after(async () => fixture.close());

    it('an owner (or the operator for one) registers appliances with a prepaid account and a 32-byte signal key shown once', async () => {
      const register = (apiKey: string, body: object) => call(fixture.app, apiKey, 'POST', '/v1/appliances', body);
      const base = { supplierPartyId: 'p-supplier', currency: 'EUR', price: '0.25' };
      for (const [apiKey, body] of [
        [as('participant'), { id: 'a1', meterId: 'dr-m1', flexiblePowerW: 2000, ...base }],
        [as('participant'), { id: 'a2', meterId: 'dr-m2', flexiblePowerW: 1500, ...base }],
        [as('operator'), { id: 'a3', meterId: 'dr-m3', flexiblePowerW: 500, ownerPartyId: 'p-neighbour', geo: { lat: '52.5200066', lon: '13.404954' }, ...base }],
      ] as const) {
        const response = await register(apiKey, body);
        assert.equal(response.statusCode, 201, response.body);
        const reply = response.json() as { appliance: Record<string, unknown>; key: string };
        assert.equal(Buffer.from(reply.key, 'base64url').length, 32);
        assert.deepEqual([reply.appliance.status, reply.appliance.balance, reply.appliance.accountId], ['active', '0.000000', `appliance:${body.id}`]);
        keys.set(body.id, new Uint8Array(Buffer.from(reply.key, 'base64url')));
      }
      const read = await call(fixture.app, as('participant'), 'GET', '/v1/appliances/a1');
      assert.ok(!read.body.includes('key'), 'the key is never shown again');
      const stored = await fixture.store.flows.get<{ keySealed: string }>('dr-appliance', 'a1');
      const sealedKey = Buffer.from(stored!.body.keySealed, 'base64');
      assert.equal(sealedKey.indexOf(Buffer.from(keys.get('a1')!)), -1, 'the key is stored sealed, not in the clear');
      assert.deepEqual(fixture.store.flows.openSecret('dr-appliance/a1', stored!.body.keySealed), keys.get('a1'));
      const account = await call(fixture.app, as('participant'), 'GET', '/v1/accounts/appliance:a1');
      assert.equal((account.json() as { account: { flags: number } }).account.flags, 1, 'debitsMustNotExceedCredits');
    });

    it('bad registrations: each with its stable code, and nothing stored', async () => {
      const register = (body: object, apiKey = as('participant')) => call(fixture.app, apiKey, 'POST', '/v1/appliances', body);
      const base = { id: 'a9', meterId: 'm-1', supplierPartyId: 'p-supplier', currency: 'EUR', price: '0.25', flexiblePowerW: 100 };
      assertError(await register({ ...base, price: '0.1234567' }), 400, 'invalid_amount');
      assertError(await register({ ...base, flexiblePowerW: 0 }), 400, 'limit_exceeded');
      assertError(await register({ ...base, id: 'a:9' }), 400, 'invalid_request');
      assertError(await register({ ...base, supplierPartyId: 'p-transmission' }), 400, 'invalid_request');
      assertError(await register({ ...base, meterId: 'dr-m3' }), 404, 'not_found');
      assertError(await register({ ...base, meterId: 'dr-m1' }), 409, 'appliance_meter_taken');
      assertError(await register({ ...base, id: 'a1' }), 409, 'already_exists');
      assertError(await register(base, as('supplier')), 403, 'forbidden');
      assertError(await call(fixture.app, as('participant'), 'GET', '/v1/appliances/a9'), 404, 'not_found');
    });

    it('top-ups: the owner from its wallet, the operator from its clearing account; others are refused', async () => {
      const topUp = (apiKey: string, id: string, topUpId: string, amount: string) =>
        call(fixture.app, apiKey, 'POST', `/v1/appliances/${id}/top-ups`, { id: topUpId, amount, ts: TOP_UP_TS });
      assert.equal((await topUp(as('participant'), 'a1', 'tu-1', '10')).statusCode, 200);
      assert.equal((await topUp(as('operator'), 'a2', 'tu-1', '10')).statusCode, 200);
      assert.equal((await topUp(as('operator'), 'a3', 'tu-1', '0.01')).statusCode, 200);
      assert.equal((await topUp(as('operator'), 'a3', 'tu-1', '0.01')).statusCode, 200, 'a repeated top-up id posts nothing');
      assertError(await topUp(as('supplier'), 'a1', 'tu-2', '1'), 403, 'forbidden');
      assertError(await topUp(neighbour, 'a1', 'tu-2', '1'), 404, 'not_found');
      assertError(await topUp(as('participant'), 'a1', 'tu-3', '100'), 409, 'insufficient_funds');
      assert.deepEqual([await applianceBalance('a1'), await applianceBalance('a2'), await applianceBalance('a3')], [10_000_000n, 10_000_000n, 10_000n]);
      assert.equal(postedMicro(await balanceOf(fixture.app, as('participant'), 'wallet:p-participant:EUR')), 40_000_000n);
    });

    it('billing debits the metered window rounded once to the cent: 1 560 002 mWh × 0.25/kWh = 390 000.5 µ = 39.000 05 ct → 0.39; billing it again posts nothing', async () => {
      await ingest(fixture, 1, Object.entries(history).flatMap(([meterId, energies]) => readingsOf(meterId, energies)), clockMs);
      const bill = (fromMs: number, toMs: number, id = 'a1', apiKey = as('supplier')) => call(fixture.app, apiKey, 'POST', `/v1/appliances/${id}/billings`, { fromMs, toMs });
      // 2026-01-06 is like day 0 of dr-m1: 400 000 + 400 001 + 380 000 + 380 001 mWh.
      const first = await bill(utcMs('2026-01-06', 17), utcMs('2026-01-06', 18));
      assert.equal(first.statusCode, 200, first.body);
      const { billing } = first.json() as { billing: { energyMWh: number; amount: string; status: string; transferId: string } };
      assert.deepEqual([billing.energyMWh, billing.amount, billing.status], [1_560_002, '0.390000', 'paid']);
      assert.equal(billing.transferId, `s10:bill:a1:${utcMs('2026-01-06', 17)}-${utcMs('2026-01-06', 18)}`);
      assert.equal((await bill(utcMs('2026-01-06', 17), utcMs('2026-01-06', 18), 'a1', as('operator'))).statusCode, 200);
      assert.equal(await applianceBalance('a1'), 10_000_000n - 390_000n);
      assert.equal(postedMicro(await balanceOf(fixture.app, as('supplier'), 'wallet:p-supplier:EUR')), 390_000n);
      assertError(await bill(utcMs('2026-01-06', 17), utcMs('2026-01-06', 17, 30)), 409, 'billing_overlap');
      assertError(await bill(utcMs('2026-01-05', 17), utcMs('2026-01-06', 17)), 409, 'billing_overlap');
      assertError(await bill(utcMs('2026-01-06', 18, 5), utcMs('2026-01-06', 19)), 400, 'invalid_input');
      assertError(await bill(utcMs('2026-01-07', 12), utcMs('2026-01-07', 13)), 400, 'invalid_input');
      assertError(await bill(utcMs('2026-01-06', 18), utcMs('2026-01-06', 19), 'a1', as('participant')), 403, 'forbidden');
      assertError(await bill(utcMs('2026-01-06', 18), utcMs('2026-01-06', 19), 'a1', as('transmission')), 404, 'not_found');
    });

    it('a debit the balance cannot cover is refused whole and suspends the appliance until the window is billed again after a top-up', async () => {
      const window = { fromMs: utcMs('2026-01-06', 17), toMs: utcMs('2026-01-06', 18) };
      // dr-m3 on 2026-01-06: 4 × 100 000 mWh × 0.25/kWh = 100 000 µ, and a3 holds 10 000 µ.
      assertError(await call(fixture.app, as('supplier'), 'POST', '/v1/appliances/a3/billings', window), 409, 'insufficient_funds');
      const suspended = (await call(fixture.app, neighbour, 'GET', '/v1/appliances/a3')).json() as { appliance: { status: string; balance: string } };
      assert.deepEqual([suspended.appliance.status, suspended.appliance.balance], ['suspended', '0.010000']);
      assertError(await call(fixture.app, as('supplier'), 'POST', '/v1/appliances/a3/billings', { fromMs: window.toMs, toMs: window.toMs + 900_000 }), 409, 'appliance_suspended');
      const event = { id: 'ev-x', currency: 'EUR', targetW: 100, fromMs: EVENT_FROM_MS, toMs: EVENT_TO_MS, rewardPrice: '0.1', applianceIds: ['a3'] };
      assertError(await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events', event), 409, 'appliance_suspended');
      await call(fixture.app, as('operator'), 'POST', '/v1/appliances/a3/top-ups', { id: 'tu-2', amount: '1', ts: TOP_UP_TS });
      const paid = await call(fixture.app, as('supplier'), 'POST', '/v1/appliances/a3/billings', window);
      assert.equal(paid.statusCode, 200, paid.body);
      const reply = paid.json() as { billing: { amount: string; status: string }; appliance: { status: string; balance: string } };
      assert.deepEqual([reply.billing.amount, reply.billing.status, reply.appliance.status, reply.appliance.balance], ['0.100000', 'paid', 'active', '0.910000']);
    });

    it('a DR event is the network operator\'s (or the operator\'s for it); bad events are refused with stable codes and not stored', async () => {
      const create = (body: object, apiKey = as('transmission')) => call(fixture.app, apiKey, 'POST', '/v1/dr-events', body);
      const event = { id: 'ev-1', currency: 'EUR', targetW: 3001, fromMs: EVENT_FROM_MS, toMs: EVENT_TO_MS, rewardPrice: '0.333333', applianceIds: ['a3', 'a1', 'a2'], holidays: ['2026-01-01'] };
      assertError(await create(event, as('participant')), 403, 'forbidden');
      assertError(await create(event, as('supplier')), 403, 'forbidden');
      assertError(await create({ ...event, targetW: 4001 }), 409, 'dr_target_exceeds_capacity');
      assertError(await create({ ...event, toMs: EVENT_TO_MS + 7 * 3_600_000 }), 400, 'invalid_input');
      assertError(await create({ ...event, fromMs: utcMs('2026-01-07', 11), toMs: utcMs('2026-01-07', 12) }), 400, 'invalid_input');
      assertError(await create({ ...event, holidays: ['2026-02-30'] }), 400, 'invalid_input');
      assertError(await create({ ...event, timezone: 'Mars/Olympus_Mons' }), 400, 'invalid_input');
      assertError(await create({ ...event, applianceIds: ['a1', 'nope'] }), 400, 'invalid_request');
      assertError(await create({ ...event, applianceIds: Array.from({ length: 101 }, (_, i) => `x${i}`) }), 400, 'limit_exceeded');
      assertError(await create({ ...event, rewardPrice: '0.1234567' }), 400, 'invalid_amount');
      assertError(await create(event, as('operator')), 400, 'invalid_request');
      assertError(await call(fixture.app, as('operator'), 'GET', '/v1/dr-events/ev-1'), 404, 'not_found');
    });

    it('the target is allocated exactly by largest remainder (3001 W over 2000/1500/500 W → 1501/1125/375) and recorded for the sponsor and the owners', async () => {
      const event = { id: 'ev-1', currency: 'EUR', targetW: 3001, fromMs: EVENT_FROM_MS, toMs: EVENT_TO_MS, rewardPrice: '0.333333', applianceIds: ['a3', 'a1', 'a2'], holidays: ['2026-01-01'] };
      const response = await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events', event);
      assert.equal(response.statusCode, 201, response.body);
      const { event: created } = response.json() as EventReply;
      assert.deepEqual(created.allocations.map((entry) => [entry.applianceId, entry.reductionW]), [['a1', 1501], ['a2', 1125], ['a3', 375]]);
      const retried = await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events', event);
      assert.equal((retried.json() as EventReply).event.recordLeafIndex, created.recordLeafIndex, 'the same request answers the same event');
      assertError(await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events', { ...event, targetW: 3000 }), 409, 'already_exists');
      assertError(await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events', { ...event, id: 'ev-2', targetW: 10 }), 409, 'dr_event_overlap');
      const record = await assertRecordProven(fixture, neighbour, created.recordLeafIndex);
      assert.deepEqual((record.body as { parties: string[] }).parties, ['p-neighbour', 'p-participant', 'p-transmission']);
      assertError(await call(fixture.app, as('supplier'), 'GET', `/v1/ledger/leaves/${created.recordLeafIndex}`), 404, 'not_found');
      assertError(await call(fixture.app, as('supplier'), 'GET', '/v1/dr-events/ev-1'), 404, 'not_found');
      assert.equal((await call(fixture.app, neighbour, 'GET', '/v1/dr-events/ev-1')).statusCode, 200);
    });

    it('owners fetch their signals; the verifier opens each with its key; replayed, tampered and expired signals are refused', async () => {
      for (const [id, apiKey] of [['a1', as('participant')], ['a2', as('participant')], ['a3', neighbour]] as const) {
        const response = await call(fixture.app, apiKey, 'GET', `/v1/appliances/${id}/signals`);
        const [signal] = (response.json() as { signals: Array<{ eventId: string; expiresAtMs: number; signal: string }> }).signals;
        assert.deepEqual([signal!.eventId, signal!.expiresAtMs], ['ev-1', EVENT_TO_MS]);
        signals.set(id, signal!.signal);
      }
      const verifier = new DrSignalVerifier('a1', keys.get('a1')!);
      const opened = verifier.open(signals.get('a1')!, clockMs);
      assert.ok(opened.ok);
      assert.deepEqual([opened.command.eventId, opened.command.reductionW, opened.command.fromMs, opened.command.toMs], ['ev-1', 1501, EVENT_FROM_MS, EVENT_TO_MS]);
      assert.deepEqual(verifier.open(signals.get('a1')!, clockMs), { ok: false, code: 'signal_replayed' });
      const tampered = Buffer.from(signals.get('a2')!, 'base64url');
      tampered[tampered.length - 20]! ^= 0x80;
      assert.deepEqual(new DrSignalVerifier('a2', keys.get('a2')!).open(tampered, clockMs), { ok: false, code: 'signal_tampered' });
      assert.deepEqual(new DrSignalVerifier('a2', keys.get('a2')!).open(signals.get('a2')!, EVENT_TO_MS), { ok: false, code: 'signal_expired' });
      assert.deepEqual(new DrSignalVerifier('a2', keys.get('a1')!).open(signals.get('a1')!, clockMs), { ok: false, code: 'wrong_appliance' });
      const a3 = new DrSignalVerifier('a3', keys.get('a3')!).open(signals.get('a3')!, clockMs);
      assert.ok(a3.ok && a3.command.reductionW === 375);
      assertError(await call(fixture.app, neighbour, 'GET', '/v1/appliances/a1/signals'), 404, 'not_found');
      assertError(await call(fixture.app, as('supplier'), 'GET', '/v1/appliances/a1/signals'), 404, 'not_found');

      const ack = (token: string, apiKey = as('participant')) => call(fixture.app, apiKey, 'POST', '/v1/appliances/a1/signals/ev-1/acks', { ackToken: token });
      assertError(await ack(Buffer.alloc(16).toString('base64url')), 403, 'ack_invalid');
      assertError(await ack(opened.command.ackToken, neighbour), 404, 'not_found');
      assert.equal((await ack(opened.command.ackToken)).statusCode, 200);
      assertError(await ack(opened.command.ackToken), 409, 'ack_replayed');
      const pending = await call(fixture.app, as('participant'), 'GET', '/v1/appliances/a1/signals');
      assert.deepEqual((pending.json() as { signals: unknown[] }).signals, []);
    });

    it('settling waits for the window to end; the sponsor must cover the rewards, or nothing is posted', async () => {
      const settle = (apiKey = as('transmission')) => call(fixture.app, apiKey, 'POST', '/v1/dr-events/ev-1/settlements');
      assertError(await settle(), 409, 'invalid_state');
      clockMs = utcMs('2026-01-07', 18, 30);
      await ingest(fixture, 2, Object.entries(eventDay).flatMap(([meterId, energies]) => laterReadingsOf(meterId, history[meterId]!, new Map([['2026-01-07', energies]]))), clockMs);
      assertError(await settle(as('participant')), 403, 'forbidden');
      assertError(await settle(as('supplier')), 404, 'not_found');
      // Rewards 160 005 + 400 006 µ (below); the sponsor holds 500 000 µ.
      assertError(await settle(), 409, 'insufficient_funds');
      assert.equal(await applianceBalance('a1'), 9_610_000n);
      await call(fixture.app, as('operator'), 'POST', '/v1/wallets/wallet:p-transmission:EUR/top-ups', { id: 'sponsor-2', amount: '5', ts: TOP_UP_TS });
      const acknowledgeLate = await call(fixture.app, neighbour, 'POST', '/v1/appliances/a3/signals/ev-1/acks', { ackToken: (new DrSignalVerifier('a3', keys.get('a3')!).open(signals.get('a3')!, EVENT_FROM_MS) as { command: { ackToken: string } }).command.ackToken });
      assertError(acknowledgeLate, 409, 'signal_expired');
    });

    it('the reduction is measured against the 10-like-day baseline and rewarded, rounded once to the cent, to the prepaid balances', async () => {
      const response = await call(fixture.app, as('transmission'), 'POST', '/v1/dr-events/ev-1/settlements');
      assert.equal(response.statusCode, 200, response.body);
      const { event } = response.json() as EventReply;
      const [a1, a2, a3] = event.settlements;
      // a1: like day j holds base + j, so each baseline is rhe(base + 4.5): 400 004, 400 006, 380 004, 380 006.
      assert.deepEqual(a1!.likeDays, A1_LIKE_DAYS);
      assert.deepEqual(a1!.intervals.map((row) => [row.startMs, row.baselineMWh, row.actualMWh, row.achievedMWh]), [
        [EVENT_FROM_MS, 400_004, 100_000, 300_004], [EVENT_FROM_MS + 900_000, 400_006, 400_010, 0],
        [EVENT_FROM_MS + 1_800_000, 380_004, 200_000, 180_004], [EVENT_FROM_MS + 2_700_000, 380_006, 380_000, 6],
      ]);
      // 480 014 mWh × 0.333333/kWh = 160 004.506662 µ = 16.000 450 666 2 ct → 0.16, rounded once to the cent (SPEC §5).
      assert.deepEqual([a1!.achievedMWh, a1!.reward, a1!.transferId], [480_014, '0.160000', 's10:reward:ev-1:a1']);
      // a2: 2025-12-22 replaces the estimated 2025-12-29; baselines 300 004, 300 008 (300 007.5 → even), 300 004, 300 004 against 0.
      assert.deepEqual(a2!.likeDays, A2_LIKE_DAYS);
      assert.deepEqual(a2!.intervals.map((row) => row.achievedMWh), [300_004, 300_008, 300_004, 300_004]);
      // 1 200 020 mWh × 0.333333/kWh = 400 006.26666 µ = 40.000 626 666 ct → 0.40.
      assert.deepEqual([a2!.achievedMWh, a2!.reward], [1_200_020, '0.400000']);
      assert.deepEqual([a3!.outcome, a3!.likeDays, a3!.reward, a3!.transferId], ['insufficient_history', A3_LIKE_DAYS, '0.000000', null]);
      assert.deepEqual([event.status, event.totalReward], ['settled', '0.560000']);
      assert.deepEqual([await applianceBalance('a1'), await applianceBalance('a2'), await applianceBalance('a3')], [9_770_000n, 10_400_000n, 910_000n]);
      assert.equal(postedMicro(await balanceOf(fixture.app, as('transmission'), 'wallet:p-transmission:EUR')), 5_500_000n - 560_000n);
    });

    it('settling again posts nothing; the settlement records are proven to their owners; the ledger verifies and balances', async () => {
      const again = await call(fixture.app, as('operator'), 'POST', '/v1/dr-events/ev-1/settlements');
      assert.equal(again.statusCode, 200);
      assert.equal(await applianceBalance('a1'), 9_770_000n);
      const { event } = again.json() as EventReply;
      const record = await assertRecordProven(fixture, as('participant'), event.settlements[0]!.recordLeafIndex);
      assert.equal(record.record, 'dr-settlement');
      assert.deepEqual([(record.body as { parties: string[] }).parties, (record.body as { reward: string }).reward], [['p-participant', 'p-transmission'], '0.160000']);
      const neighbours = await assertRecordProven(fixture, neighbour, event.settlements[2]!.recordLeafIndex);
      assert.deepEqual((neighbours.body as { geo: unknown }).geo, { lat: '52.5200066', lon: '13.404954' });
      assertError(await call(fixture.app, neighbour, 'GET', `/v1/ledger/leaves/${event.settlements[0]!.recordLeafIndex}`), 404, 'not_found');
      await assertLedgerSound(fixture);
    });
  });
}
