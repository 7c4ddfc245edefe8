// Σ debits = Σ credits per currency after every step of the flows that
// move money without metered energy (docs/flows.md): random S3
// pre-authorisations (captured, voided or left to expire, in EUR and JPY),
// random S4 sharing events (random energy and occupant shares) and S5
// matching runs, played through HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ledger } from '../host/ledger/ledger.js';
import { storeBackends } from './store-backends.js';
import { LEDGER_SIGNER, NOW_MS, call, created } from './api-helpers.js';
import { fundedWallet, openFlows, type FlowFixture } from './flow-helpers.js';
import { HOUR_MS, extraParty } from './flow-contract-helpers.js';
import { assertBalancedPerCurrency, randomInt, seededRandom } from './conservation-helpers.js';

const SEEDS = [3, 19, 41];
/** Amounts in whole minor units of each currency, so every one is valid whatever the currency's exponent. */
const CURRENCIES = [{ code: 'EUR', minor: (units: number) => `${Math.floor(units / 100)}.${String(units % 100).padStart(2, '0')}` }, { code: 'JPY', minor: String }];

for (const backend of storeBackends()) {
  describe(`SPEC §5 Σ debits = Σ credits per currency in S3, S4, S5 (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let clockMs = NOW_MS;
    const occupantKeys: string[] = [];

    before(async () => {
      fixture = await openFlows(backend, { nowMs: () => clockMs });
      for (const { code } of CURRENCIES) await fundedWallet(fixture, 'participant', code, code === 'EUR' ? '10000.00' : '1000000');
      for (let k = 0; k < 4; k++) occupantKeys.push(await extraParty(fixture, `p-occ-${k}`, 'participant'));
      await extraParty(fixture, 'p-host', 'participant');
    });
    after(async () => fixture.close());

    it('S3: random authorisations, each captured (a random part), voided or expired; balanced after every step', async () => {
      for (const { code } of CURRENCIES) {
        await created(call(fixture.app, fixture.as('supplier'), 'POST', '/v1/preauth/apparatus', { id: `wash-${code}`, name: `Wash ${code}`, currency: code }));
      }
      for (const seed of SEEDS) {
        const random = seededRandom(seed);
        for (let k = 0; k < 4; k++) {
          const currency = CURRENCIES[randomInt(random, 0, CURRENCIES.length - 1)]!;
          const authorisedUnits = randomInt(random, 1, 5_000);
          const id = `auth-${seed}-${k}`;
          const authorised = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/preauth/authorisations', {
            id, apparatusId: `wash-${currency.code}`, vehicleId: 'V', amount: currency.minor(authorisedUnits), service: 'wash', timeoutMs: 600_000, ts: clockMs,
          });
          assert.equal(authorised.statusCode, 201, authorised.body);
          await assertBalancedPerCurrency(fixture);
          const ending = randomInt(random, 0, 2);
          if (ending === 0) {
            const captured = await call(fixture.app, fixture.as('supplier'), 'POST', `/v1/preauth/authorisations/${id}/capture`, { amount: currency.minor(randomInt(random, 1, authorisedUnits)), ts: clockMs });
            assert.equal(captured.statusCode, 200, captured.body);
          } else if (ending === 1) {
            const voided = await call(fixture.app, fixture.as('participant'), 'POST', `/v1/preauth/authorisations/${id}/void`, { ts: clockMs });
            assert.equal(voided.statusCode, 200, voided.body);
          } else {
            clockMs += 600_000;
            await new Ledger(fixture.store.ledger, LEDGER_SIGNER).expirePending(clockMs);
          }
          await assertBalancedPerCurrency(fixture);
        }
      }
    });

    it('S4: random sharing events with random occupants and shares; balanced after every event', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 1_000);
        const occupantCount = randomInt(random, 1, occupantKeys.length);
        const event = {
          id: `share-${seed}`, currency: 'EUR', ts: NOW_MS, providerPartyId: 'p-host', beneficiaryPartyId: 'p-participant',
          energyMWh: randomInt(random, 0, 20_000_000), durationMs: randomInt(random, 1_000, 4 * HOUR_MS), capacityMWh: randomInt(random, 20_000_000, 100_000_000),
          price: `0.${String(randomInt(random, 0, 999_999)).padStart(6, '0')}`, alphaPpm: randomInt(random, 0, 1_000_000), betaPpm: randomInt(random, 0, 1_000_000),
          cRefPpm: randomInt(random, 0, 1_000_000),
          occupants: Array.from({ length: occupantCount }, (_, k) => ({ partyId: `p-occ-${k}`, share: randomInt(random, 1, 1_000_000) })),
        };
        const submitted = await call(fixture.app, fixture.as('operator'), 'POST', '/v1/sharing-events', event);
        assert.equal(submitted.statusCode, 201, submitted.body);
        await assertBalancedPerCurrency(fixture);
      }
    });

    it('S5: random devices and points matched in runs; balanced after every registration and run', async () => {
      for (const seed of SEEDS) {
        const random = seededRandom(seed + 2_000);
        const site = (id: string, type: string, direction: string, role: 'participant' | 'supplier') => call(fixture.app, fixture.as(role), 'POST', '/v1/matching/sites', {
          id, type, direction, geo: { lat: String(randomInt(random, -80, 80)), lon: String(randomInt(random, -170, 170)) },
          energyMWh: randomInt(random, 1, 50) * 1_000_000, powerW: 11_000, availableFromMs: NOW_MS + HOUR_MS, availableToMs: NOW_MS + randomInt(random, 2, 12) * HOUR_MS,
          ...(type === 'stationary' ? { fee: `0.${String(randomInt(random, 0, 99)).padStart(2, '0')}` } : {}),
        });
        for (let k = 0; k < randomInt(random, 1, 3); k++) assert.equal((await site(`dev-${seed}-${k}`, 'mobile', 'supply', 'participant')).statusCode, 201);
        for (let k = 0; k < randomInt(random, 1, 3); k++) assert.equal((await site(`pt-${seed}-${k}`, 'stationary', 'demand', 'supplier')).statusCode, 201);
        await assertBalancedPerCurrency(fixture);
        const run = await call(fixture.app, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: `run-${seed}`, travelCostPerKm: '0.01', mismatchCostPerKWh: '0.10' });
        assert.equal(run.statusCode, 201, run.body);
        await assertBalancedPerCurrency(fixture);
      }
    });
  });
}
