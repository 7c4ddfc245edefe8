// S4 (SPEC §8, §4; docs/flows.md "S4"): battery-sharing compensation through
// the API. The operator submits an event, the WASM kernel prices it, the
// beneficiary is debited the compensation and each occupant credited its
// largest-remainder share, a `sharing-event` record names every party.
// Money is checked against SPEC §4 worked by hand in this file.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { storeBackends } from './store-backends.js';
import { NOW_MS, assertError, call, created } from './api-helpers.js';
import { assertLedgerSound, assertRecordProven, balanceOf, fundedWallet, microOf, openFlows, postedMicro, type FlowFixture } from './flow-helpers.js';
import { roundHalfEven as rhe } from '../host/exact.js';
import { formatMicro } from '../host/decimal.js';

const PPM = 1_000_000n;

/** SPEC §4's formulas, each rounded once, half to even. */
function bySpec(energyMWh: bigint, durationMs: bigint, capacityMWh: bigint, priceMicroPerKWh: bigint, alphaPpm: bigint, betaPpm: bigint, cRefPpm: bigint) {
  const avgPowerMilliW = rhe(energyMWh * 3_600_000n, durationMs);
  const cRatePpm = rhe(avgPowerMilliW * PPM, capacityMWh);
  const dodPpm = rhe(energyMWh * PPM, capacityMWh);
  const acceleration = cRatePpm > cRefPpm ? cRatePpm - cRefPpm : 0n;
  const weightPpm = PPM + rhe(alphaPpm * acceleration, PPM) + rhe(betaPpm * dodPpm, PPM);
  const baseMicro = rhe(energyMWh * priceMicroPerKWh, PPM);
  return { avgPowerMilliW, cRatePpm, dodPpm, weightPpm, baseMicro, compensationMicro: rhe(baseMicro * weightPpm, PPM) };
}

// 10 kWh over one hour from a 60 kWh battery at 0.31 per kWh; α 0.5, β 0.2, reference C-rate 0.1.
const EVENT = {
  currency: 'EUR', ts: NOW_MS, providerPartyId: 'p-host', beneficiaryPartyId: 'p-participant',
  energyMWh: 10_000_000, durationMs: 3_600_000, capacityMWh: 60_000_000, price: '0.31', alphaPpm: 500_000, betaPpm: 200_000, cRefPpm: 100_000,
  occupants: [{ partyId: 'p-occ-a', share: 3 }, { partyId: 'p-occ-b', share: 3 }, { partyId: 'p-occ-c', share: 1 }],
};
const EXPECTED = bySpec(10_000_000n, 3_600_000n, 60_000_000n, 310_000n, 500_000n, 200_000n, 100_000n);
const OCCUPANTS = ['p-occ-a', 'p-occ-b', 'p-occ-c'];

/** The largest-remainder split of SPEC §4 for shares 3:3:1 (S = 7), worked out: one µ is left over and goes to the first of the two largest remainders. */
function expectedSplit(compensationMicro: bigint): bigint[] {
  const floors = [3n, 3n, 1n].map((share) => (compensationMicro * share) / 7n);
  const remainders = [3n, 3n, 1n].map((share) => (compensationMicro * share) % 7n);
  assert.equal(compensationMicro - floors.reduce((sum, floor) => sum + floor, 0n), 1n);
  assert.ok(remainders[0]! === remainders[1]! && remainders[0]! > remainders[2]!);
  return [floors[0]! + 1n, floors[1]!, floors[2]!];
}

interface EventView {
  status: string;
  weightPpm: number;
  compensation: string;
  collectTransferId: string | null;
  occupants: Array<{ partyId: string; amount: string; transferId: string | null }>;
  recordIndex: number | null;
}

for (const backend of storeBackends()) {
  describe(`flows: S4 battery-sharing compensation (${backend.kind})`, () => {
    let fixture: FlowFixture;
    const keys: Record<string, string> = {};
    const submit = (event: object, apiKey = fixture.as('operator')) => call(fixture.app, apiKey, 'POST', '/v1/sharing-events', event);
    const micro = async (partyId: string) => postedMicro(await balanceOf(fixture.app, fixture.as('operator'), `wallet:${partyId}:EUR`));
    const treeSize = () => fixture.store.ledger.ledgerRead((reader) => reader.treeSize());

    before(async () => {
      fixture = await openFlows(backend);
      for (const partyId of ['p-host', ...OCCUPANTS]) {
        await created(call(fixture.app, fixture.as('operator'), 'POST', '/v1/parties', { partyId, name: partyId, role: 'participant' }));
        keys[partyId] = (await created<{ apiKey: string }>(call(fixture.app, fixture.as('operator'), 'POST', `/v1/parties/${partyId}/keys`))).apiKey;
      }
      await fundedWallet(fixture, 'participant', 'EUR', '10.00');
    });
    after(async () => fixture.close());

    it('SPEC §4 worked by hand: 10 kWh in 1 h from 60 kWh weighs 1 066 667 ppm and compensates 3.306668', () => {
      assert.deepEqual(
        [EXPECTED.avgPowerMilliW, EXPECTED.cRatePpm, EXPECTED.dodPpm, EXPECTED.weightPpm, EXPECTED.baseMicro, EXPECTED.compensationMicro],
        [10_000_000n, 166_667n, 166_667n, 1_066_667n, 3_100_000n, 3_306_668n],
      );
    });

    it('the operator submits an event: the beneficiary pays the compensation and each occupant is credited its largest-remainder share', async () => {
      const response = await submit({ id: 'ev-1', ...EVENT });
      assert.equal(response.statusCode, 201, response.body);
      const view = (response.json() as { sharingEvent: EventView }).sharingEvent;
      const shares = expectedSplit(EXPECTED.compensationMicro);
      assert.equal(view.status, 'posted');
      assert.equal(BigInt(view.weightPpm), EXPECTED.weightPpm);
      assert.equal(view.compensation, formatMicro(EXPECTED.compensationMicro));
      assert.deepEqual(view.occupants.map((occupant) => occupant.transferId), ['s4:ev-1:0', 's4:ev-1:1', 's4:ev-1:2']);
      assert.equal(await micro('p-participant'), 10_000_000n - EXPECTED.compensationMicro);
      assert.deepEqual(await Promise.all(OCCUPANTS.map(micro)), shares);
      const clearing = await balanceOf(fixture.app, fixture.as('operator'), 's4-clearing:operator:EUR');
      assert.deepEqual([microOf(clearing.creditsPosted), microOf(clearing.debitsPosted)], [EXPECTED.compensationMicro, EXPECTED.compensationMicro]);
      const transfer = (await call(fixture.app, keys['p-occ-c']!, 'GET', '/v1/transfers/s4%3Aev-1%3A2')).json() as { transfer: Record<string, unknown> };
      assert.deepEqual([transfer.transfer.debit, transfer.transfer.credit, microOf(String(transfer.transfer.amount))], ['s4-clearing:operator:EUR', 'wallet:p-occ-c:EUR', shares[2]]);
    });

    it('submitting the same event again answers the same and posts nothing; another body under its id is sharing_event_conflict', async () => {
      const size = await treeSize();
      const first = (await call(fixture.app, fixture.as('operator'), 'GET', '/v1/sharing-events/ev-1')).json() as { sharingEvent: EventView };
      const again = await submit({ id: 'ev-1', ...EVENT });
      assert.equal(again.statusCode, 201, again.body);
      assert.deepEqual((again.json() as { sharingEvent: EventView }).sharingEvent, first.sharingEvent);
      assertError(await submit({ id: 'ev-1', ...EVENT, energyMWh: 10_000_001 }), 409, 'sharing_event_conflict');
      assert.equal(await treeSize(), size);
      assert.equal(await micro('p-participant'), 10_000_000n - EXPECTED.compensationMicro);
    });

    it('the sharing-event record names every party, is in the signed tree and readable by an occupant, not by others', async () => {
      const view = ((await call(fixture.app, keys['p-occ-b']!, 'GET', '/v1/sharing-events/ev-1')).json() as { sharingEvent: EventView }).sharingEvent;
      const leaf = await assertRecordProven(fixture, keys['p-occ-b']!, view.recordIndex!);
      assert.equal(leaf.record, 'sharing-event');
      const body = leaf.body as { parties: string[]; compensation: string; occupants: Array<{ amount: string }> };
      assert.deepEqual(body.parties, ['p-host', 'p-participant', ...OCCUPANTS]);
      assert.equal(body.compensation, formatMicro(EXPECTED.compensationMicro));
      assert.deepEqual(body.occupants.map((occupant) => occupant.amount), expectedSplit(EXPECTED.compensationMicro).map(formatMicro));
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', `/v1/ledger/leaves/${view.recordIndex}`), 404, 'not_found');
    });

    it('roles: only the operator submits (403); the event reads to its parties and regulators, 404 to anyone else', async () => {
      assertError(await submit({ id: 'ev-x', ...EVENT }, keys['p-host']), 403, 'forbidden');
      assertError(await submit({ id: 'ev-x', ...EVENT }, fixture.as('participant')), 403, 'forbidden');
      for (const apiKey of [keys['p-host']!, fixture.as('participant'), fixture.as('regulator')]) {
        assert.equal((await call(fixture.app, apiKey, 'GET', '/v1/sharing-events/ev-1')).statusCode, 200);
      }
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/sharing-events/ev-1'), 404, 'not_found');
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/sharing-events/ev-x'), 404, 'not_found');
    });

    it('a beneficiary that cannot pay leaves the event unpaid with nothing paid out; after a top-up, submitting it again pays it', async () => {
      // 30 kWh in 1 h from 60 kWh: weight 1 + 0.5 × 0.4 + 0.2 × 0.5 = 1.3, compensation 9.30 × 1.3 = 12.09 > the 6.693332 left.
      const big = { ...EVENT, energyMWh: 30_000_000, occupants: [{ partyId: 'p-occ-a', share: 1 }] };
      const expected = bySpec(30_000_000n, 3_600_000n, 60_000_000n, 310_000n, 500_000n, 200_000n, 100_000n);
      assert.equal(expected.compensationMicro, 12_090_000n);
      const before = await micro('p-occ-a');
      assertError(await submit({ id: 'ev-2', ...big }), 409, 'insufficient_funds');
      const unpaid = ((await call(fixture.app, fixture.as('operator'), 'GET', '/v1/sharing-events/ev-2')).json() as { sharingEvent: EventView }).sharingEvent;
      assert.deepEqual([unpaid.status, unpaid.recordIndex], ['unpaid', null]);
      assert.equal(await micro('p-occ-a'), before);
      await call(fixture.app, fixture.as('operator'), 'POST', '/v1/wallets/wallet:p-participant:EUR/top-ups', { id: 'more', amount: '10.00', ts: NOW_MS });
      const paid = await submit({ id: 'ev-2', ...big });
      assert.equal(paid.statusCode, 201, paid.body);
      assert.equal((paid.json() as { sharingEvent: EventView }).sharingEvent.status, 'posted');
      assert.equal(await micro('p-participant'), 20_000_000n - EXPECTED.compensationMicro - expected.compensationMicro);
      assert.equal(await micro('p-occ-a'), before + expected.compensationMicro);
    });

    it('a zero compensation (price 0) moves no money and is still recorded', async () => {
      const response = await submit({ id: 'ev-3', ...EVENT, price: '0' });
      const view = (response.json() as { sharingEvent: EventView }).sharingEvent;
      assert.deepEqual([view.status, view.compensation, view.collectTransferId], ['posted', '0.000000', null]);
      assert.ok(view.occupants.every((occupant) => occupant.transferId === null) && view.recordIndex !== null);
    });

    it('bad input gets the SPEC §1/§4 codes of the kernel, and nothing is stored', async () => {
      const bad = (change: object) => submit({ id: 'ev-bad', ...EVENT, ...change });
      assertError(await bad({ price: '0.1234567' }), 400, 'invalid_amount');
      assertError(await bad({ price: 0.31 }), 400, 'invalid_amount');
      assertError(await bad({ energyMWh: -1 }), 400, 'invalid_input');
      assertError(await bad({ energyMWh: '10' }), 400, 'invalid_input');
      assertError(await bad({ durationMs: 999 }), 400, 'limit_exceeded');
      assertError(await bad({ capacityMWh: 0 }), 400, 'limit_exceeded');
      assertError(await bad({ energyMWh: 100_000, capacityMWh: 1 }), 400, 'limit_exceeded');
      // SPEC §1 "which code": a count or an integer outside its range, below the minimum as well as above the maximum.
      assertError(await bad({ occupants: [] }), 400, 'limit_exceeded');
      assertError(await bad({ occupants: [{ partyId: 'p-occ-a', share: 0 }] }), 400, 'limit_exceeded');
      assertError(await bad({ occupants: [{ partyId: 'p-occ-a', share: 1_000_001 }] }), 400, 'limit_exceeded');
      assertError(await bad({ occupants: [{ partyId: 'p-occ-a', share: -1 }] }), 400, 'invalid_input');
      assertError(await bad({ occupants: Array.from({ length: 65 }, () => ({ partyId: 'p-occ-a', share: 1 })) }), 400, 'limit_exceeded');
      assertError(await bad({ occupants: [{ partyId: 'p-participant', share: 1 }] }), 400, 'invalid_input');
      assertError(await bad({ providerPartyId: 'p-participant' }), 400, 'invalid_input');
      assertError(await bad({ currency: 'XYZ' }), 400, 'invalid_input');
      assertError(await bad({ occupants: [{ partyId: 'p-nobody', share: 1 }] }), 400, 'invalid_request');
      assertError(await call(fixture.app, fixture.as('operator'), 'GET', '/v1/sharing-events/ev-bad'), 404, 'not_found');
    });

    it('the ledger verifies and balances afterwards', async () => {
      await assertLedgerSound(fixture);
    });
  });
}
