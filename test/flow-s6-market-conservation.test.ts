// S6 conservation (docs/flows.md "S6"): for random market stories through
// HTTP — bids and offers, some naming meters, random metered energy — every
// order's cleared energy is its settled energy plus its imbalance, exactly in
// mWh (settled = min(cleared, metered) for a metered order, computed here from
// the readings the story ingests), and Σ debits = Σ credits per currency
// after every step.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { storeBackends } from './store-backends.js';
import { NOW_MS, call, frame } from './api-helpers.js';
import { addParty, openFlows, type FlowFixture } from './flow-helpers.js';
import { extraMeter, ingest } from './flow-contract-helpers.js';

const HOUR_MS = 3_600_000;
const INTERVAL_MS = 900_000;
const PARTIES = 6;
/** At most 60 kWh per meter and interval: below SPEC §1's default 250 kW × 15 min, so no pair is a SPIKE. */
const METERED_MWH_MAX = 60_000_000;

interface StoryOrder {
  side: 'buy' | 'sell';
  energyMWh: number;
  priceMicroPerKWh: number;
  metered: boolean;
  meteredMWh: number;
}

const storyOrder = fc.record({
  side: fc.constantFrom('buy' as const, 'sell' as const),
  energyMWh: fc.integer({ min: 1, max: 50_000_000 }),
  priceMicroPerKWh: fc.integer({ min: 10_000, max: 500_000 }),
  metered: fc.boolean(),
  meteredMWh: fc.integer({ min: 0, max: METERED_MWH_MAX }),
});
/** One optional order per party (party k trades with meter mk-k). */
const story = fc.array(fc.option(storyOrder, { nil: null }), { minLength: PARTIES, maxLength: PARTIES });

const priceText = (priceMicroPerKWh: number): string => `0.${String(priceMicroPerKWh).padStart(6, '0')}`;

/** Σ debits = Σ credits (posted and pending) over the accounts of each currency. */
async function assertBalancedPerCurrency(fixture: FlowFixture, step: string): Promise<void> {
  const totals = await fixture.store.ledger.ledgerRead(async (reader) => {
    const byCurrency = new Map<string, bigint>();
    let afterId: string | null = null;
    for (;;) {
      const page = await reader.readBalancePage(afterId, 1_000);
      const currencies = new Map((await reader.readAccounts(page.map((row) => row.accountId))).map((account) => [account.id, account.currency]));
      for (const row of page) {
        const currency = currencies.get(row.accountId)!;
        const net = row.debitsPostedMicro + row.debitsPendingMicro - row.creditsPostedMicro - row.creditsPendingMicro;
        byCurrency.set(currency, (byCurrency.get(currency) ?? 0n) + net);
      }
      if (page.length < 1_000) return byCurrency;
      afterId = page[page.length - 1]!.accountId;
    }
  });
  for (const [currency, net] of totals) assert.equal(net, 0n, `${step}: Σ debits − Σ credits in ${currency}`);
}

for (const backend of storeBackends()) {
  describe(`flows: S6 market conservation (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clock = NOW_MS;
    const keys: string[] = [];
    const registers = new Array<number>(PARTIES).fill(0);
    let run = 0;
    let seq = 0;

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clock, marketAuthority: 'p-authority' });
      const zone = { zoneId: 'z', currency: 'EUR', exportLimitMWh: 10_000_000_000, importLimitMWh: 10_000_000_000 };
      assert.equal((await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/market/zones', zone)).statusCode, 200);
      for (let party = 0; party < PARTIES; party++) {
        keys.push(await addParty(fixture, `p-trader-${party}`, 'participant'));
        await extraMeter(fixture, `mk-${party}`, `p-trader-${party}`);
        assert.equal((await call(fixture.app, keys[party]!, 'POST', '/v1/wallets', { currency: 'EUR' })).statusCode, 201);
        const topUp = { id: `fund-${party}`, amount: '100000', ts: NOW_MS };
        assert.equal((await call(fixture.app, fixture.as('operator'), 'POST', `/v1/wallets/wallet:p-trader-${party}:EUR/top-ups`, topUp)).statusCode, 200);
      }
    });
    after(async () => fixture.close());

    /** Ingests each meter's energy over the interval: export for an offer's meter, import for a bid's (registers only grow). */
    async function meterInterval(intervalStartMs: number, orders: ReadonlyArray<StoryOrder | null>): Promise<void> {
      const frames = orders.flatMap((order, party) => {
        const meterId = `mk-${party}`;
        const startRegister = registers[party]!;
        registers[party] = startRegister + (order?.meteredMWh ?? 0);
        const reading = (atMs: number, value: number) => (order?.side === 'sell' ? frame(meterId, atMs - NOW_MS, 0, value) : frame(meterId, atMs - NOW_MS, value));
        return [reading(intervalStartMs, startRegister), reading(intervalStartMs + INTERVAL_MS, registers[party]!)];
      });
      await ingest(fixture, ++seq, frames, clock);
    }

    async function playStory(orders: ReadonlyArray<StoryOrder | null>): Promise<void> {
      run += 1;
      const intervalStartMs = NOW_MS + run * HOUR_MS;
      clock = intervalStartMs - HOUR_MS / 2;
      for (const [party, order] of orders.entries()) {
        if (order === null) continue;
        const body = {
          id: `r${run}-${party}`, side: order.side, zone: 'z', intervalStartMs, energyMWh: order.energyMWh, price: priceText(order.priceMicroPerKWh),
          ...(order.metered ? { meters: [`mk-${party}`] } : {}),
        };
        const submitted = await call(fixture.app, keys[party]!, 'POST', '/v1/market/orders', body);
        assert.equal(submitted.statusCode, 201, submitted.body);
        await assertBalancedPerCurrency(fixture, `order ${body.id}`);
      }
      clock = intervalStartMs + INTERVAL_MS + 60_000;
      await meterInterval(intervalStartMs, orders);
      const cleared = await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${intervalStartMs}/clearing`);
      assert.equal(cleared.statusCode, 200, cleared.body);
      await assertBalancedPerCurrency(fixture, `clearing ${intervalStartMs}`);
      const { interval } = cleared.json() as { interval: { fills: Record<string, string>; imbalanceMWh: string } };
      let clearedMWh = 0n;
      let settledMWh = 0n;
      for (const [party, order] of orders.entries()) {
        if (order === null) continue;
        const filledMWh = BigInt(interval.fills[`r${run}-${party}`]!);
        const expectedSettledMWh = order.metered && BigInt(order.meteredMWh) < filledMWh ? BigInt(order.meteredMWh) : filledMWh;
        const view = (await call(fixture.app, keys[party]!, 'GET', `/v1/market/orders/r${run}-${party}`)).json() as { order: { settledMWh: string } };
        assert.equal(BigInt(view.order.settledMWh), expectedSettledMWh, `order r${run}-${party}: settled = min(cleared, metered)`);
        clearedMWh += filledMWh;
        settledMWh += expectedSettledMWh;
      }
      assert.equal(clearedMWh, settledMWh + BigInt(interval.imbalanceMWh), 'cleared = settled + imbalance');
    }

    it('for random stories, cleared energy = settled energy + imbalance (mWh, exactly), and Σ debits = Σ credits per currency after each step', async () => {
      await fc.assert(fc.asyncProperty(story, playStory), { numRuns: 8 });
    });
  });
}
