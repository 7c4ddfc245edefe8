// S6 transactive market end to end over HTTP (docs/flows.md "S6"): the
// network operator sets zone limits, four parties bid and offer for one
// interval (bids reserve their cost at their limit), the market authority
// clears after the gate closes, curtailment holds the south zone to its
// export limit, and trades settle on the ledger exactly. Orders that name
// meters settle against them (the rest is an imbalance record); the clearing
// account belongs to the configured market authority.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, frame } from './api-helpers.js';
import { addParty, assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, microOf, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { allLeaves, ingest } from './flow-contract-helpers.js';

const INTERVAL = NOW_MS + 3_600_000; // 01:00, a 15-minute boundary
const KWH = 1_000_000; // mWh
const METERED_INTERVAL = INTERVAL + 3_600_000;
const INTERVAL_MS = 900_000;

for (const backend of storeBackends()) {
  describe(`flows: S6 transactive market (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clock = NOW_MS;
    const keys: Record<string, string> = {};
    const order = (who: string, body: Record<string, unknown>) => call(fixture.app, keys[who]!, 'POST', '/v1/market/orders', { intervalStartMs: INTERVAL, ...body });

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clock, marketAuthority: 'p-authority' });
      keys['north-buyer'] = fixture.as('participant');
      keys['south-seller'] = fixture.as('supplier');
      for (const [partyId, role] of [['p-south-buyer', 'participant'], ['p-north-seller', 'supplier']] as const) {
        keys[partyId.slice(2)] = await addParty(fixture, partyId, role);
      }
      await fundedWallet(fixture, 'participant', 'EUR', '20');
      for (const who of ['south-buyer', 'north-seller']) {
        assert.equal((await call(fixture.app, keys[who]!, 'POST', '/v1/wallets', { currency: 'EUR' })).statusCode, 201);
      }
      await fundedWallet(fixture, 'supplier', 'EUR', '0');
      const topUp = await call(fixture.app, fixture.as('operator'), 'POST', '/v1/wallets/wallet:p-south-buyer:EUR/top-ups', { id: 'sb', amount: '20', ts: NOW_MS });
      assert.equal(topUp.statusCode, 200, topUp.body);
    });
    after(async () => fixture.close());

    it('only the network operator sets zone limits; the limits are recorded on the ledger', async () => {
      const zone = (zoneId: string, exportLimitMWh: number) => ({ zoneId, currency: 'EUR', exportLimitMWh, importLimitMWh: 1_000 * KWH });
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/market/zones', zone('north', 1)), 403, 'forbidden');
      const north = await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/market/zones', zone('north', 1_000 * KWH));
      assert.equal(north.statusCode, 200, north.body);
      assert.equal((await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/market/zones', zone('south', 6 * KWH))).statusCode, 200);
      assertError(await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/market/zones', { ...zone('east', 1), currency: 'USD' }), 400, 'invalid_input');
      const record = await assertRecordProven(fixture, fixture.as('transmission'), (north.json() as { zone: { recordIndex: number } }).zone.recordIndex);
      assert.deepEqual(record.body, { currency: 'EUR', exportLimitMWh: String(1_000 * KWH), importLimitMWh: String(1_000 * KWH), party: 'p-transmission', ts: NOW_MS, zone: 'north' });
    });

    it('bids reserve their cost at the limit price from the wallet; offers at a positive price reserve nothing', async () => {
      const b1 = await order('north-buyer', { id: 'B1', side: 'buy', zone: 'north', energyMWh: 30 * KWH, price: '0.30' });
      assert.equal(b1.statusCode, 201, b1.body);
      assert.equal((b1.json() as { order: { reservedMicro: string } }).order.reservedMicro, '9000000');
      assert.equal((await order('south-buyer', { id: 'B2', side: 'buy', zone: 'south', energyMWh: 20 * KWH, price: '0.25' })).statusCode, 201);
      assert.equal((await order('north-buyer', { id: 'B3', side: 'buy', zone: 'north', energyMWh: 5 * KWH, price: '0.18' })).statusCode, 201);
      assert.equal((await order('south-seller', { id: 'S1', side: 'sell', zone: 'south', energyMWh: 25 * KWH, price: '0.12' })).statusCode, 201);
      assert.equal((await order('north-seller', { id: 'S2', side: 'sell', zone: 'north', energyMWh: 20 * KWH, price: '0.20' })).statusCode, 201);
      assert.equal((await order('south-seller', { id: 'S3', side: 'sell', zone: 'south', energyMWh: 30 * KWH, price: '0.27' })).statusCode, 201);
      const wallet = await balanceOf(fixture.app, keys['north-buyer']!, 'wallet:p-participant:EUR');
      assert.equal(microOf(wallet.debitsPending), 9_000_000n + 900_000n);
    });

    it('bad orders: unknown zone, 7-decimal price, misaligned interval, a bid the wallet cannot cover, a repeated id with another body', async () => {
      assertError(await order('north-buyer', { id: 'X1', side: 'buy', zone: 'west', energyMWh: KWH, price: '0.1' }), 400, 'unknown_zone');
      assertError(await order('north-buyer', { id: 'X2', side: 'buy', zone: 'north', energyMWh: KWH, price: '0.1234567' }), 400, 'invalid_amount');
      assertError(await order('north-buyer', { id: 'X3', side: 'buy', zone: 'north', energyMWh: KWH, price: '0.1', intervalStartMs: INTERVAL + 1 }), 400, 'invalid_input');
      assertError(await order('north-buyer', { id: 'X4', side: 'buy', zone: 'north', energyMWh: 100 * KWH, price: '0.30' }), 409, 'insufficient_funds');
      assertError(await order('north-buyer', { id: 'B1', side: 'buy', zone: 'north', energyMWh: 31 * KWH, price: '0.30' }), 409, 'already_exists');
      assertError(await order('south-seller', { id: 'X5', side: 'sell', zone: 'north', energyMWh: 0, price: '0.30' }), 400, 'invalid_input');
      assertError(await call(fixture.app, fixture.as('gateway'), 'POST', '/v1/market/orders', { id: 'X6', side: 'buy', zone: 'north', energyMWh: KWH, price: '0.1', intervalStartMs: INTERVAL }), 403, 'forbidden');
      const stored = await call(fixture.app, fixture.as('operator'), 'GET', '/v1/market/orders/X4');
      assertError(stored, 404, 'not_found');
    });

    it('a party cancels its own open order and gets its reservation back; others see its orders as 404', async () => {
      assertError(await call(fixture.app, keys['south-buyer']!, 'GET', '/v1/market/orders/B3'), 404, 'not_found');
      assertError(await call(fixture.app, keys['south-buyer']!, 'POST', '/v1/market/orders/B3/cancel'), 404, 'not_found');
      const cancelled = await call(fixture.app, keys['north-buyer']!, 'POST', '/v1/market/orders/B3/cancel');
      assert.equal((cancelled.json() as { order: { status: string } }).order.status, 'cancelled');
      assert.equal((await balanceOf(fixture.app, keys['north-buyer']!, 'wallet:p-participant:EUR')).debitsPending, '9.000000');
      assert.equal((await call(fixture.app, fixture.as('authority'), 'GET', '/v1/market/orders/B3')).statusCode, 200);
    });

    it('only the market authority clears, and only after the gate closed; orders after the gate are market_closed', async () => {
      assertError(await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${INTERVAL}/clearing`), 409, 'invalid_state');
      clock = INTERVAL + 60_000;
      assertError(await order('north-buyer', { id: 'LATE', side: 'buy', zone: 'north', energyMWh: KWH, price: '0.3' }), 409, 'market_closed');
      assertError(await call(fixture.app, fixture.as('transmission'), 'POST', `/v1/market/intervals/${INTERVAL}/clearing`), 403, 'forbidden');
    });

    it('clearing: price 0.225, south curtailed to its 6 kWh export limit, every fill settled exactly; clearing again changes nothing', async () => {
      const reply = await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${INTERVAL}/clearing`);
      assert.equal(reply.statusCode, 200, reply.body);
      const { interval } = reply.json() as { interval: { priceMicroPerKWh: string; volumeMWh: string; fills: Record<string, string>; curtailed: unknown[] } };
      assert.equal(interval.priceMicroPerKWh, '225000');
      assert.equal(interval.volumeMWh, String(41 * KWH));
      assert.deepEqual(interval.fills, { B1: String(26 * KWH), B2: String(15 * KWH), S1: String(21 * KWH), S2: String(20 * KWH), S3: '0' });
      assert.deepEqual(interval.curtailed, [{ zone: 'north', side: 'buy', energyMWh: String(4 * KWH) }, { zone: 'south', side: 'sell', energyMWh: String(4 * KWH) }]);
      // 26 × 0.225 = 5.85; 15 × 0.225 = 3.375 → 3.38; sellers 21 × 0.225 = 4.725 → 4.72 and 20 × 0.225 = 4.50.
      const held = async (who: string, account: string) => postedMicro(await balanceOf(fixture.app, keys[who]!, account));
      assert.equal(await held('north-buyer', 'wallet:p-participant:EUR'), 20_000_000n - 5_850_000n);
      assert.equal(await held('south-buyer', 'wallet:p-south-buyer:EUR'), 20_000_000n - 3_380_000n);
      assert.equal(await held('south-seller', 'wallet:p-supplier:EUR'), 4_720_000n);
      assert.equal(await held('north-seller', 'wallet:p-north-seller:EUR'), 4_500_000n);
      assert.equal((await balanceOf(fixture.app, keys['north-buyer']!, 'wallet:p-participant:EUR')).debitsPending, '0.000000');
      const market = await balanceOf(fixture.app, fixture.as('operator'), 'market:EUR');
      assert.equal(microOf(market.debitsPosted) - microOf(market.creditsPosted), -10_000n, 'the rounding residual of one cent stays in the market');
      const again = await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${INTERVAL}/clearing`);
      assert.deepEqual((again.json() as { interval: unknown }).interval, (reply.json() as { interval: unknown }).interval);
      assert.equal(await held('north-buyer', 'wallet:p-participant:EUR'), 20_000_000n - 5_850_000n);
    });

    it("a party sees the interval's price and only its own fills; its fill record is proven in the signed tree", async () => {
      const seen = await call(fixture.app, keys['south-buyer']!, 'GET', `/v1/market/intervals/${INTERVAL}`);
      assert.deepEqual((seen.json() as { interval: { fills: unknown } }).interval.fills, { B2: String(15 * KWH) });
      const b2 = (await call(fixture.app, keys['south-buyer']!, 'GET', '/v1/market/orders/B2')).json() as { order: { recordIndex: number; costMicro: string } };
      assert.equal(b2.order.costMicro, '3380000');
      const record = await assertRecordProven(fixture, keys['south-buyer']!, b2.order.recordIndex);
      assert.deepEqual([record.record, (record.body as { amount: string }).amount, (record.body as { party: string }).party], ['market-fill', '3.38', 'p-south-buyer']);
      assertError(await call(fixture.app, keys['north-seller']!, 'GET', `/v1/ledger/leaves/${b2.order.recordIndex}`), 404, 'not_found');
      await assertLedgerSound(fixture);
    });

    it('the clearing account belongs to the configured market authority, and only that party clears', async () => {
      const account = await call(fixture.app, fixture.as('authority'), 'GET', '/v1/accounts/market:EUR');
      assert.equal(account.statusCode, 200, account.body);
      assert.equal((account.json() as { account: { party: string } }).account.party, 'p-authority');
      const otherAuthority = await addParty(fixture, 'p-authority-2', 'authority');
      assertError(await call(fixture.app, otherAuthority, 'POST', `/v1/market/intervals/${INTERVAL}/clearing`), 403, 'forbidden');
      assertError(await call(fixture.app, fixture.as('operator'), 'POST', `/v1/market/intervals/${INTERVAL}/clearing`), 403, 'forbidden');
    });

    it('metered orders: a meter measures one order of an interval, and only its owner names it', async () => {
      const metered = (who: string, body: Record<string, unknown>) => order(who, { intervalStartMs: METERED_INTERVAL, zone: 'north', ...body });
      const seller = await metered('south-seller', { id: 'MS1', side: 'sell', energyMWh: 10 * KWH, price: '0.10', meters: ['m-2'] });
      assert.equal(seller.statusCode, 201, seller.body);
      assert.deepEqual((seller.json() as { order: { meters: string[] } }).order.meters, ['m-2']);
      assert.equal((await metered('north-buyer', { id: 'MB1', side: 'buy', energyMWh: 10 * KWH, price: '0.30', meters: ['m-1'] })).statusCode, 201);
      assert.equal((await metered('south-buyer', { id: 'MB2', side: 'buy', energyMWh: 5 * KWH, price: '0.30' })).statusCode, 201);
      assertError(await metered('north-buyer', { id: 'MX1', side: 'buy', energyMWh: KWH, price: '0.30', meters: ['m-other', 'm-1'] }), 409, 'market_meter_taken');
      assertError(await metered('north-buyer', { id: 'MX2', side: 'buy', energyMWh: KWH, price: '0.30', meters: ['m-2'] }), 400, 'meter_not_owned');
      assertError(await metered('north-buyer', { id: 'MX3', side: 'buy', energyMWh: KWH, price: '0.30', meters: ['m-none'] }), 400, 'meter_not_owned');
      const wallet = await balanceOf(fixture.app, keys['north-buyer']!, 'wallet:p-participant:EUR');
      assert.equal(wallet.debitsPending, '3.000000', 'a refused order reserves nothing');
    });

    it('an interval with metered orders is cleared only after it ends: before, window_open', async () => {
      clock = METERED_INTERVAL + 60_000;
      assertError(await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${METERED_INTERVAL}/clearing`), 409, 'window_open');
      assertError(await call(fixture.app, fixture.as('authority'), 'GET', `/v1/market/intervals/${METERED_INTERVAL}`), 404, 'not_found');
    });

    it('a metered seller is paid only for the export its meter shows; the cleared rest is an imbalance record, paid by nobody', async () => {
      clock = METERED_INTERVAL + INTERVAL_MS + 60_000;
      const at = METERED_INTERVAL - NOW_MS;
      // m-2 exports 7 kWh and m-1 imports 12 kWh over the interval.
      await ingest(fixture, 1, [frame('m-2', at, 0, 0), frame('m-2', at + INTERVAL_MS, 0, 7 * KWH), frame('m-1', at, 0), frame('m-1', at + INTERVAL_MS, 12 * KWH)], clock);
      const seller = await held(fixture, keys['south-seller']!, 'wallet:p-supplier:EUR');
      const buyer = await held(fixture, keys['north-buyer']!, 'wallet:p-participant:EUR');
      const reply = await call(fixture.app, fixture.as('authority'), 'POST', `/v1/market/intervals/${METERED_INTERVAL}/clearing`);
      assert.equal(reply.statusCode, 200, reply.body);
      const { interval } = reply.json() as { interval: { priceMicroPerKWh: string; fills: Record<string, string>; meteredMWh: Record<string, string>; imbalanceMWh: string } };
      assert.equal(interval.priceMicroPerKWh, '200000');
      assert.deepEqual(interval.fills, { MB1: String(10 * KWH), MB2: '0', MS1: String(10 * KWH) });
      assert.deepEqual(interval.meteredMWh, { MB1: String(12 * KWH), MS1: String(7 * KWH) });
      assert.equal(interval.imbalanceMWh, String(3 * KWH));
      // The seller is paid 7 kWh × 0.20 = 1.40; the buyer, whose meter shows more than it bought, pays its 10 kWh × 0.20 = 2.00.
      assert.equal(await held(fixture, keys['south-seller']!, 'wallet:p-supplier:EUR') - seller, 1_400_000n);
      assert.equal(buyer - await held(fixture, keys['north-buyer']!, 'wallet:p-participant:EUR'), 2_000_000n);
      const ms1 = (await call(fixture.app, keys['south-seller']!, 'GET', '/v1/market/orders/MS1')).json() as { order: { filledMWh: string; settledMWh: string; costMicro: string } };
      assert.deepEqual([ms1.order.filledMWh, ms1.order.settledMWh, ms1.order.costMicro], [String(10 * KWH), String(7 * KWH), '-1400000']);
      const imbalances = (await allLeaves(fixture)).filter((leaf) => leaf.record.record === 'market-imbalance');
      assert.equal(imbalances.length, 1);
      const record = await assertRecordProven(fixture, keys['south-seller']!, imbalances[0]!.index);
      const body = record.body as Record<string, unknown>;
      assert.deepEqual([body.order, body.party, body.filledMWh, body.meteredMWh, body.settledMWh, body.imbalanceMWh], ['MS1', 'p-supplier', String(10 * KWH), String(7 * KWH), String(7 * KWH), String(3 * KWH)]);
      assertError(await call(fixture.app, keys['north-buyer']!, 'GET', `/v1/ledger/leaves/${imbalances[0]!.index}`), 404, 'not_found');
      await assertLedgerSound(fixture);
    });
  });
}

async function held(fixture: FlowFixture, key: string, accountId: string): Promise<bigint> {
  return postedMicro(await balanceOf(fixture.app, key, accountId));
}

for (const backend of storeBackends()) {
  describe(`flows: S6 market authority configuration (${backend.kind})`, () => {
    const submit = async (marketAuthority: string | undefined): Promise<{ fixture: FlowFixture; reply: Awaited<ReturnType<typeof call>> }> => {
      const fixture = await openFlows(backend, marketAuthority === undefined ? {} : { marketAuthority });
      await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/market/zones', { zoneId: 'z', currency: 'EUR', exportLimitMWh: KWH, importLimitMWh: KWH });
      await fundedWallet(fixture, 'participant', 'EUR', '1');
      const reply = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/market/orders', { id: 'o', side: 'buy', zone: 'z', intervalStartMs: INTERVAL, energyMWh: KWH, price: '0.1' });
      return { fixture, reply };
    };

    it('without a configured market authority, or with one that is not an authority or operator party, the market answers market_authority_invalid', async () => {
      for (const marketAuthority of [undefined, 'p-nobody', 'p-participant']) {
        const { fixture, reply } = await submit(marketAuthority);
        try {
          assertError(reply, 503, 'market_authority_invalid');
          assert.equal((await balanceOf(fixture.app, fixture.as('participant'), 'wallet:p-participant:EUR')).debitsPending, '0.000000');
        } finally {
          await fixture.close();
        }
      }
    });

    it('an operator party may be the market authority: it holds the clearing account', async () => {
      const { fixture, reply } = await submit('operator');
      try {
        assert.equal(reply.statusCode, 201, reply.body);
        const account = (await call(fixture.app, fixture.as('operator'), 'GET', '/v1/accounts/market:EUR')).json() as { account: { party: string } };
        assert.equal(account.account.party, 'operator');
      } finally {
        await fixture.close();
      }
    });
  });
}
