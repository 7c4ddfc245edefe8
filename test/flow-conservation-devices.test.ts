// Conservation per flow (SPEC §2 "Conservation", docs/flows.md): for S1
// charging sessions, S8 device-to-device transfers and S10 prepaid
// consumption, random stories of meters with random ratings (readings with
// gaps, spikes, resets) are played through HTTP; what each step settled plus
// what it recorded as loss or excess plus what it recorded as unassigned is
// the metered energy (Σ of the non-negative register deltas, computed here),
// in mWh, exactly; and after every step Σ debits = Σ credits per currency.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, call, created, frame } from './api-helpers.js';
import type { FlowFixture } from './flow-helpers.js';
import { HOUR_MS, ingest } from './flow-contract-helpers.js';
import { assertBalancedPerCurrency, meteredMWh, openFundedFlows, randomInt, readingTimes, registerStory, seededRandom, type RegisterStory } from './conservation-helpers.js';

const SEEDS = [5, 17, 29];
const RATINGS_W = [22_000, 50_000, 250_000];
const MINUTE_MS = 60_000;
const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;
const GEO = { lat: '52.52', lon: '13.40' };

/** A meter of `partyId` with a random rating and a random register over `edgesMs`; returns its story (not yet ingested). */
async function storyMeter(fixture: FlowFixture, random: () => number, meterId: string, partyId: string, edgesMs: readonly number[], stepMs: number) {
  const maxPowerW = RATINGS_W[randomInt(random, 0, RATINGS_W.length - 1)]!;
  await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: fixture.gatewayId, partyId, maxPowerW }));
  return registerStory(random, readingTimes(random, edgesMs, stepMs), maxPowerW);
}

const importFrames = (meterId: string, story: RegisterStory) => story.times.map((tMs, index) => frame(meterId, tMs - NOW_MS, story.values[index]!));
const exportFrames = (meterId: string, story: RegisterStory) => story.times.map((tMs, index) => frame(meterId, tMs - NOW_MS, 0, story.values[index]!));

for (const backend of storeBackends()) {
  describe(`SPEC §2 conservation in the device flows S1, S8, S10 (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = NOW_MS;
    let seq = 0;
    let bob: string;

    before(async () => {
      ({ fixture, otherKey: bob } = await openFundedFlows(backend, 'p-bob', { nowMs: () => clockMs }));
    });
    after(async () => fixture.close());

    /** One session of seed `seed`, the `index`-th: from its meter's random story to its closed settlement. */
    async function chargeSession(index: number, seed: number): Promise<void> {
      const random = seededRandom(seed);
      const startMs = NOW_MS + index * 2 * HOUR_MS;
      const endMs = startMs + HOUR_MS;
      const meterId = `m-s1-${seed}`;
      const story = await storyMeter(fixture, random, meterId, 'p-participant', [startMs, endMs], 5 * MINUTE_MS);
      await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/ev/charge-points', { id: `cp-${seed}`, meterIds: [meterId], maxPowerW: 50_000, geo: GEO }));
      clockMs = startMs;
      await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/ev/sessions', { id: `s-${seed}`, offerId: 'offer-flat', chargePointId: `cp-${seed}`, meterId, vehicleId: 'V' }));
      clockMs = endMs + 5 * MINUTE_MS;
      await ingest(fixture, ++seq, importFrames(meterId, story), clockMs);
      const closed = await call(fixture.app, fixture.as('participant'), 'POST', `/v1/ev/sessions/s-${seed}/close`, { startMs, endMs, meterId });
      assert.equal(closed.statusCode, 200, closed.body);
      const { settlement } = (closed.json() as { session: { settlement: { energyMWh: number; unassignedMWh: number } } }).session;
      assert.equal(BigInt(settlement.energyMWh) + BigInt(settlement.unassignedMWh), meteredMWh(story, startMs, endMs), `seed ${seed}`);
      await assertBalancedPerCurrency(fixture);
    }

    it('S1: every random charging session: metered import = billed energy + unassigned; the ledger balances after each step', async () => {
      const offer = { id: 'offer-flat', direction: 'sell', currency: 'EUR', validFromMs: NOW_MS, validToMs: NOW_MS + 24 * HOUR_MS, slots: [{ fromMs: NOW_MS, toMs: NOW_MS + 24 * HOUR_MS, price: '0.25' }] };
      await created(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ev/offers', offer));
      try {
        for (const [index, seed] of SEEDS.entries()) await chargeSession(index, seed);
      } finally {
        clockMs = NOW_MS;
      }
    });

    it('S8: every random device-to-device transfer: sender export = delivered + loss + unassigned, receiver import = delivered + excess + unassigned', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 1_000);
        const window = { fromMs: NOW_MS - 2 * HOUR_MS, toMs: NOW_MS - HOUR_MS };
        const edgesMs = [window.fromMs, window.toMs];
        const sender = await storyMeter(fixture, random, `pps-send-${seed}`, 'p-participant', edgesMs, 3 * MINUTE_MS);
        const receiver = await storyMeter(fixture, random, `pps-recv-${seed}`, 'p-bob', edgesMs, 3 * MINUTE_MS);
        await ingest(fixture, ++seq, [...exportFrames(`pps-send-${seed}`, sender), ...importFrames(`pps-recv-${seed}`, receiver)]);
        const id = `t-${seed}`;
        await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/d2d-transfers', {
          id, senderMeterId: `pps-send-${seed}`, receiverMeterId: `pps-recv-${seed}`, price: '0.25', currency: 'EUR', ...window,
        }));
        await assertBalancedPerCurrency(fixture);
        assert.equal((await call(fixture.app, bob, 'POST', `/v1/d2d-transfers/${id}/accept`)).statusCode, 200);
        const settled = await call(fixture.app, fixture.as('participant'), 'POST', `/v1/d2d-transfers/${id}/settle`);
        assert.equal(settled.statusCode, 200, settled.body);
        const view = (settled.json() as { transfer: Record<string, number> }).transfer;
        const figure = (name: string): bigint => BigInt(view[name]!);
        assert.equal(figure('deliveredMWh') + figure('lossMWh') + figure('senderUnassignedMWh'), meteredMWh(sender, window.fromMs, window.toMs), `seed ${seed}: sender`);
        assert.equal(figure('deliveredMWh') + figure('excessReceivedMWh') + figure('receiverUnassignedMWh'), meteredMWh(receiver, window.fromMs, window.toMs), `seed ${seed}: receiver`);
        await assertBalancedPerCurrency(fixture);
      }
    });

    it('S10: every billed window of a random prepaid appliance: metered import = billed energy + unassigned; the ledger balances after each bill', async () => {
      const edgesMs = Array.from({ length: 5 }, (_, k) => NOW_MS - 6 * HOUR_MS + k * HOUR_MS);
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 2_000);
        const meterId = `m-s10-${seed}`;
        const story = await storyMeter(fixture, random, meterId, 'p-participant', edgesMs, 5 * MINUTE_MS);
        await ingest(fixture, ++seq, importFrames(meterId, story));
        const applianceId = `a-${seed}`;
        await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/appliances', {
          id: applianceId, meterId, flexiblePowerW: 1_000, supplierPartyId: 'p-supplier', currency: 'EUR', price: '0.25',
        }));
        const toppedUp = await call(fixture.app, fixture.as('participant'), 'POST', `/v1/appliances/${applianceId}/top-ups`, { id: `tu-${seed}`, amount: '1000', ts: NOW_MS });
        assert.equal(toppedUp.statusCode, 200, toppedUp.body);
        await assertBalancedPerCurrency(fixture);
        for (let k = 0; k + 1 < edgesMs.length; k++) {
          const window = { fromMs: edgesMs[k]!, toMs: edgesMs[k + 1]! };
          const billed = await call(fixture.app, fixture.as('supplier'), 'POST', `/v1/appliances/${applianceId}/billings`, window);
          assert.equal(billed.statusCode, 200, billed.body);
          const { billing } = billed.json() as { billing: { energyMWh: number; unassignedMWh: number } };
          assert.equal(BigInt(billing.energyMWh) + BigInt(billing.unassignedMWh), meteredMWh(story, window.fromMs, window.toMs), `seed ${seed}, window ${k}`);
          await assertBalancedPerCurrency(fixture);
        }
      }
    });

    /** Readings every quarter hour over [17:00, 18:00] UTC of `days` weekdays before `eventFromMs`, plausible at `maxPowerW`: measured like days. */
    function historyFrames(random: () => number, meterId: string, eventFromMs: number, maxPowerW: number, days: number) {
      const frames: ReturnType<typeof frame>[] = [];
      let registerMWh = 0;
      for (let daysBack = 2 * days; daysBack >= 1; daysBack--) {
        const dayFromMs = eventFromMs - daysBack * DAY_MS;
        if ([0, 6].includes(new Date(dayFromMs).getUTCDay())) continue;
        for (let quarter = 0; quarter <= 4; quarter++) {
          if (quarter > 0) registerMWh += randomInt(random, 0, Math.floor((maxPowerW * QUARTER_MS) / 3_600));
          frames.push(frame(meterId, dayFromMs + quarter * QUARTER_MS - NOW_MS, registerMWh));
        }
      }
      return { frames, registerMWh };
    }

    it('S10 DR: every random event day of an appliance with a measured history: its import over the event = import in its intervals + unassigned', async () => {
      const outcomes: string[] = [];
      try {
        for (const [index, seed] of SEEDS.entries()) {
          const random = seededRandom(seed + 3_000);
          const eventFromMs = Date.UTC(2026, 0, 7 + 7 * index, 17);
          const eventToMs = eventFromMs + HOUR_MS;
          const meterId = `m-dr-${seed}`;
          const maxPowerW = RATINGS_W[randomInt(random, 0, RATINGS_W.length - 1)]!;
          await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: fixture.gatewayId, partyId: 'p-participant', maxPowerW }));
          clockMs = eventFromMs - 5 * HOUR_MS;
          const history = historyFrames(random, meterId, eventFromMs, maxPowerW, 12);
          await ingest(fixture, ++seq, history.frames, clockMs);
          const applianceId = `a-dr-${seed}`;
          await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/appliances', {
            id: applianceId, meterId, flexiblePowerW: 1_000, supplierPartyId: 'p-supplier', currency: 'EUR', price: '0.25',
          }));
          const event = { id: `ev-${seed}`, currency: 'EUR', targetW: 500, fromMs: eventFromMs, toMs: eventToMs, rewardPrice: '0.10', applianceIds: [applianceId] };
          await created(call(fixture.app, fixture.as('transmission'), 'POST', '/v1/dr-events', event));
          await assertBalancedPerCurrency(fixture);
          // The first event day is metered cleanly (a reading every quarter, plausible): its outcome is ok and rewarded; the others are random.
          const story = index === 0
            ? registerStory(() => 0.3, [0, 1, 2, 3, 4].map((quarter) => eventFromMs + quarter * QUARTER_MS), maxPowerW)
            : registerStory(random, readingTimes(random, [eventFromMs, eventToMs], 5 * MINUTE_MS), maxPowerW);
          const offsetMWh = history.registerMWh + 1_000_000_000;
          clockMs = eventToMs + 30 * MINUTE_MS;
          await ingest(fixture, ++seq, story.times.map((tMs, k) => frame(meterId, tMs - NOW_MS, offsetMWh + story.values[k]!)), clockMs);
          const settled = await call(fixture.app, fixture.as('transmission'), 'POST', `/v1/dr-events/${event.id}/settlements`);
          assert.equal(settled.statusCode, 200, settled.body);
          const [settlement] = (settled.json() as { event: { settlements: Array<{ outcome: string; eventImportMWh: number; unassignedMWh: number }> } }).event.settlements;
          outcomes.push(settlement!.outcome);
          assert.equal(BigInt(settlement!.eventImportMWh) + BigInt(settlement!.unassignedMWh), meteredMWh(story, eventFromMs, eventToMs), `seed ${seed}`);
          await assertBalancedPerCurrency(fixture);
        }
      } finally {
        clockMs = NOW_MS;
      }
      assert.ok(outcomes.includes('ok') && outcomes.includes('missing_readings'), `outcomes ${outcomes.join(', ')}`);
    });
  });
}
