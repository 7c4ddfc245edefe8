import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './store-backends.js';
import { CLOCK_MS, FEB_FROM_MS, JAN_FROM_MS, SUPPLIER, TOU_TARIFF, hourOf, secondHost, settlementFixture } from './settlement-helpers.js';
import { runSettlement } from '../host/settlement/run.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import { customerLedgerAccountId, postDues, supplierRevenueAccountId } from '../host/settlement/postings.js';

const ACCOUNTS = 24;
const JANUARY = { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS };

/** Round half to even of n / d, n ≥ 0 (SPEC §1 rhe), for the expected tax. */
function halfEvenDiv(n: bigint, d: bigint): bigint {
  const quotient = n / d;
  const twiceRemainder = (n % d) * 2n;
  return twiceRemainder > d || (twiceRemainder === d && quotient % 2n === 1n) ? quotient + 1n : quotient;
}

const postgres = storeBackends().find((backend) => backend.kind === 'postgres');

if (postgres !== undefined) {
  describe('SPEC §5 settlement: concurrent runs of one period (postgres, two pools)', () => {
    it('two hosts settling the same period at once post each account exactly once', async () => {
      const fresh = await postgres.open();
      const other = secondHost(fresh);
      try {
        const fixture = await settlementFixture(fresh);
        await registerTariff(fixture.settlement, TOU_TARIFF, CLOCK_MS);
        for (let index = 0; index < ACCOUNTS; index++) {
          const accountId = `acct-${String(index).padStart(2, '0')}`;
          await registerBillingAccount(fixture.settlement, { accountId, ownerPartyId: `cust-${index}`, supplierPartyId: SUPPLIER, tariffId: 'tou-2026', currency: 'EUR' }, CLOCK_MS);
          await fixture.addMeter(`meter-${index}`, accountId);
          await fixture.addReadings([[`meter-${index}`, hourOf(5, 7), 0n], [`meter-${index}`, hourOf(5, 8), BigInt(index + 1) * 1_000_000n]]);
        }
        // One meter per batch, so the two runs interleave account by account.
        const [first, second] = await Promise.all([
          runSettlement(fixture.deps, { ...JANUARY, runId: 'host-1', metersPerBatch: 1 }),
          runSettlement(other.deps, { ...JANUARY, runId: 'host-2', metersPerBatch: 1 }),
        ]);
        assert.deepEqual([first.status, second.status], ['completed', 'completed']);
        assert.equal(first.transfersPosted + second.transfersPosted, ACCOUNTS, 'one transfer per account between both runs');
        if (fresh.kind !== 'postgres') throw new Error('unreachable: the backend is PostgreSQL');
        const transfers = await fresh.sql`SELECT count(*)::int AS n FROM ledger_transfers`;
        assert.equal(transfers[0]!.n, ACCOUNTS);
        const claims = await fresh.sql`SELECT count(*)::int AS n, bool_and(posted = 1) AS all_posted FROM settlement_postings`;
        assert.deepEqual([claims[0]!.n, claims[0]!.all_posted], [ACCOUNTS, true]);
        // Account k: (k+1) kWh offpeak at 0.20, 15.50 fixed, 19 % VAT on both.
        const expectedMicro = Array.from({ length: ACCOUNTS }, (_, index) => {
          const baseCents = BigInt(index + 1) * 20n + 1550n;
          const taxCents = halfEvenDiv(baseCents * 19n, 100n);
          return (baseCents + taxCents) * 10_000n;
        });
        const billIds = Array.from({ length: ACCOUNTS }, (_, index) => customerLedgerAccountId(`acct-${String(index).padStart(2, '0')}`));
        const balances = await fixture.ledger.balances(billIds);
        assert.deepEqual(billIds.map((id) => balances.get(id)?.debitsPostedMicro), expectedMicro);
        const revenue = (await fixture.ledger.balances([supplierRevenueAccountId(SUPPLIER, 'EUR')])).values().next().value!;
        assert.equal(revenue.creditsPostedMicro, expectedMicro.reduce((sum, micro) => sum + micro, 0n));
      } finally {
        await other.end();
        await fresh.close();
      }
    });
  });
}

if (postgres !== undefined) {
  describe('SPEC §5 settlement: racing claims (postgres, two pools)', () => {
    it('two hosts posting different totals for one account and period leave one original and one adjustment, never two originals', async () => {
      const fresh = await postgres.open();
      const other = secondHost(fresh);
      try {
        const fixture = await settlementFixture(fresh);
        const account = { accountId: 'acct-race', ownerPartyId: 'cust', supplierPartyId: SUPPLIER, tariffId: 'tou-2026', currency: 'EUR' };
        const period = { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS, nowMs: CLOCK_MS };
        // Each host read the period at a different moment: 10.00 before a late reading, 12.00 after it.
        const results = await Promise.allSettled([
          postDues(fixture.deps, [{ account, totalMicro: 10_000_000n }], { ...period, runId: 'host-1' }),
          postDues(other.deps, [{ account, totalMicro: 12_000_000n }], { ...period, runId: 'host-2' }),
        ]);
        assert.deepEqual(results.map((result) => (result.status === 'rejected' ? String(result.reason) : result.status)), ['fulfilled', 'fulfilled']);
        const claims = await fixture.settlement.postings(['acct-race'], JAN_FROM_MS, FEB_FROM_MS);
        assert.deepEqual(claims.map((claim) => [claim.revision, claim.posted]), [[0, true], [1, true]]);
        const netMicro = claims.reduce((sum, claim) => sum + claim.deltaMicro, 0n);
        const [winner, loser] = claims[0]!.runId === 'host-1' ? [10_000_000n, 12_000_000n] : [12_000_000n, 10_000_000n];
        assert.deepEqual([claims[0]!.deltaMicro, netMicro], [winner, loser], 'the later evaluation adjusts the earlier claim');
        const balance = (await fixture.ledger.balances([customerLedgerAccountId('acct-race')])).get(customerLedgerAccountId('acct-race'))!;
        assert.equal(balance.debitsPostedMicro - balance.creditsPostedMicro, loser);
      } finally {
        await other.end();
        await fresh.close();
      }
    });
  });
}
