// Conservation per flow (SPEC §2 "Conservation", docs/flows.md): for the
// metered contract flows S2, S7 and S9, random stories of meters with random
// ratings (readings with gaps, spikes, resets) are played through HTTP; for
// every settled window, the metered energy (Σ of the non-negative register
// deltas, computed here) = settled + recorded excess + unassigned, in mWh,
// exactly; and after every step Σ debits = Σ credits in every currency.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, call, created, frame } from './api-helpers.js';
import type { FlowFixture } from './flow-helpers.js';
import { HOUR_MS, ingest } from './flow-contract-helpers.js';
import { assertBalancedPerCurrency, meteredMWh, openFundedFlows, randomInt, readingTimes, registerStory, seededRandom, type RegisterStory } from './conservation-helpers.js';
import type { GatewayFrame } from '../host/ingest/encode.js';

const SEEDS = [11, 23, 37];
const RATINGS_W = [22_000, 250_000, 1_000_000];
const MINUTE_MS = 60_000;
const WINDOW_COUNT = 4;
const FIRST_EDGE_MS = NOW_MS - 6 * HOUR_MS;
/** Window edges, hourly, all ended before now. */
const EDGES_MS = Array.from({ length: WINDOW_COUNT + 1 }, (_, k) => FIRST_EDGE_MS + k * HOUR_MS);
const windows = () => EDGES_MS.slice(1).map((toMs, k) => ({ from: EDGES_MS[k]!, to: toMs }));
/** Wider than any window's energy in these stories. */
const S7_TOLERANCE_MWH = 1_000_000_000_000;
const PERIOD = { from: FIRST_EDGE_MS, to: NOW_MS + 18 * HOUR_MS };

interface MeterStory { meterId: string; maxPowerW: number; story: RegisterStory }

/** Provisions `count` meters of `partyId` with random ratings and random stories over EDGES_MS; ingests them on `channel`. */
async function playMeters(fixture: FlowFixture, seq: number, random: () => number, prefix: string, partyId: string, count: number, channel: 'import' | 'export'): Promise<MeterStory[]> {
  const meters: MeterStory[] = [];
  const frames: GatewayFrame[] = [];
  for (let k = 0; k < count; k++) {
    const meterId = `${prefix}-${k}`;
    const maxPowerW = RATINGS_W[randomInt(random, 0, RATINGS_W.length - 1)]!;
    await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/meters', { meterId, gatewayId: fixture.gatewayId, partyId, maxPowerW }));
    const story = registerStory(random, readingTimes(random, EDGES_MS, 5 * MINUTE_MS), maxPowerW);
    story.times.forEach((tMs, index) => {
      const value = story.values[index]!;
      frames.push(channel === 'export' ? frame(meterId, tMs - NOW_MS, 0, value) : frame(meterId, tMs - NOW_MS, value));
    });
    meters.push({ meterId, maxPowerW, story });
  }
  await ingest(fixture, seq, frames);
  return meters;
}

const windowMeteredMWh = (meters: readonly MeterStory[], window: { from: number; to: number }): bigint =>
  meters.reduce((sum, meter) => sum + meteredMWh(meter.story, window.from, window.to), 0n);

/** A decimal of whole cents from µ (exact here: every amount below is a whole number of cents). */
const centsOf = (micro: bigint): string => `${micro / 1_000_000n}.${String((micro % 1_000_000n) / 10_000n).padStart(2, '0')}`;

for (const backend of storeBackends()) {
  describe(`SPEC §2 conservation in the contract flows S2, S7, S9 (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let buyer: string;
    let seq = 0;
    let clock = NOW_MS;

    before(async () => {
      ({ fixture, otherKey: buyer } = await openFundedFlows(backend, 'p-buyer', { nowMs: () => clock }));
      await created(call(fixture.app, fixture.as('transmission'), 'POST', '/v1/grid-connection-points', {
        id: 'gcp-site', holder: 'p-participant', price: '0.30', currency: 'EUR', geo: { lat: '52.52', lon: '13.40' }, ratedPowerW: 100_000_000,
      }));
    });
    after(async () => fixture.close());

    it('S2: every delivery window of a random two-meter PPA: metered export = delivered + excess + unassigned; the ledger balances after each window', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed);
        const meters = await playMeters(fixture, ++seq, random, `m-s2-${seed}`, 'p-supplier', 2, 'export');
        const ppaId = `ppa-${seed}`;
        // Proposed and accepted before its period starts (point 10 of issue 9), then settled at NOW_MS.
        clock = PERIOD.from - HOUR_MS;
        await created(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/ppas', {
          id: ppaId, transmission: 'p-transmission', price: '0.0853', currency: 'EUR', volumeMWh: 5_000_000_000, period: PERIOD, windowMs: HOUR_MS,
          meters: meters.map((meter) => meter.meterId),
        }));
        const accepted = await call(fixture.app, fixture.as('transmission'), 'POST', `/v1/ppas/${ppaId}/accept`);
        assert.equal(accepted.statusCode, 200, accepted.body);
        clock = NOW_MS;
        for (const window of windows()) {
          const settled = await created<{ delivery: { deliveredMWh: number; excessMWh: number; unassignedMWh: number } }>(
            call(fixture.app, fixture.as('supplier'), 'POST', `/v1/ppas/${ppaId}/deliveries`, window));
          const { deliveredMWh, excessMWh, unassignedMWh } = settled.delivery;
          assert.equal(BigInt(deliveredMWh) + BigInt(excessMWh) + BigInt(unassignedMWh), windowMeteredMWh(meters, window), `seed ${seed}, window ${window.from}`);
          await assertBalancedPerCurrency(fixture);
        }
      }
    });

    it('S7: every M&V window of a random contract: metered export = metered (settled) + unassigned; the ledger balances after each message', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 1_000);
        const meters = await playMeters(fixture, ++seq, random, `m-s7-${seed}`, 'p-participant', 2, 'export');
        const contractId = `p2p-${seed}`;
        await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/p2p-contracts', {
          id: contractId, buyer: 'p-buyer', price: '0.10', currency: 'EUR', period: PERIOD, windowMs: HOUR_MS,
          meters: meters.map((meter) => meter.meterId), toleranceMWh: S7_TOLERANCE_MWH,
        }));
        assert.equal((await call(fixture.app, buyer, 'POST', `/v1/p2p-contracts/${contractId}/accept`)).statusCode, 200);
        for (const window of windows()) {
          const expectedMWh = windowMeteredMWh(meters, window);
          // The message states the window's register energy rounded down to 100 000 mWh (a whole cent at 0.10/kWh: its amount is exact);
          // the tolerance is wide enough for any spike the story holds, so every window settles and its record is checked.
          const stated = { energyMWh: Number(expectedMWh / 100_000n) * 100_000, ts: window.to + MINUTE_MS, geo: { lat: '52.52', lon: '13.40' } };
          const message = { window, ...stated, amount: centsOf(BigInt(stated.energyMWh) / 10n) };
          const sent = await created<{ message: { meteredMWh: number; unassignedMWh: number } }>(
            call(fixture.app, fixture.as('participant'), 'POST', `/v1/p2p-contracts/${contractId}/mv`, message));
          const settled = sent.message;
          assert.equal(BigInt(settled.meteredMWh) + BigInt(settled.unassignedMWh), expectedMWh, `seed ${seed}, window ${window.from}`);
          await assertBalancedPerCurrency(fixture);
        }
      }
    });

    it('S9: every metered connection event of a random stationary asset: metered import = quantity + unassigned; the ledger balances after reporting and settling', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 2_000);
        const [meter] = await playMeters(fixture, ++seq, random, `m-s9-${seed}`, 'p-participant', 1, 'import');
        const assetId = `asset-${seed}`;
        await created(call(fixture.app, fixture.as('participant'), 'POST', '/v1/assets', { id: assetId, type: 'stationary', gcpId: 'gcp-site', meterId: meter!.meterId }));
        for (const [index, window] of windows().entries()) {
          const event = { id: `e-${seed}-${index}`, assetId, from: window.from, to: window.to };
          const reported = await created<{ event: { quantityMWh: number; unassignedMWh: number } }>(call(fixture.app, fixture.as('participant'), 'POST', '/v1/connection-events', event));
          assert.equal(BigInt(reported.event.quantityMWh) + BigInt(reported.event.unassignedMWh), meteredMWh(meter!.story, window.from, window.to), `seed ${seed}, event ${index}`);
          await assertBalancedPerCurrency(fixture);
        }
        const settled = await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/grid-connection-points/gcp-site/settlements', {});
        assert.equal(settled.statusCode, 200, settled.body);
        await assertBalancedPerCurrency(fixture);
      }
    });
  });
}
