// One bad meter fails only its own account (docs/settlement.md "Result
// codes"): the chunk the aggregation refuses is aggregated again meter by
// meter, the bad meter's account is `meter_failed` with the meter's own code
// listed in the run's statements, and every other account of the chunk
// settles and posts. Both backends.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './store-backends.js';
import { CLOCK_MS, FEB_FROM_MS, JAN_FROM_MS, SUPPLIER, hourOf, seedJanuary, settlementFixture } from './settlement-helpers.js';
import { runSettlement } from '../host/settlement/run.js';
import { runStatements } from '../host/settlement/reads.js';
import { registerBillingAccount } from '../host/settlement/catalog.js';

for (const backend of storeBackends()) {
  describe(`settlement meter failures (${backend.kind})`, () => {
    it('a meter with a negative import register fails its account meter_failed with its own code; the rest of its chunk settles', async () => {
      const fresh = await backend.open();
      try {
        const fixture = await settlementFixture(fresh);
        await seedJanuary(fixture);
        await registerBillingAccount(fixture.settlement, { accountId: 'acct-bad', ownerPartyId: 'cust-e', supplierPartyId: SUPPLIER, tariffId: 'flat-export', currency: 'EUR' }, CLOCK_MS);
        await fixture.addMeter('m-bad', 'acct-bad');
        await fixture.addMeter('m-good', 'acct-bad');
        // Stored behind ingest's back (e.g. an older import): the aggregation refuses a negative register.
        await fixture.addReadings([['m-bad', hourOf(5, 7), 0n], ['m-bad', hourOf(5, 8), -5n], ['m-good', hourOf(5, 7), 0n], ['m-good', hourOf(5, 8), 1_000n]]);
        const run = await runSettlement(fixture.deps, { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS, runId: 'with-bad-meter' });
        assert.deepEqual([run.status, run.accountsDone, run.accountsFailed, run.transfersPosted], ['failed', 3, 1, 2]);
        assert.equal(run.error, 'meter_failed: 1 account(s), first acct-bad');
        const statements = await runStatements(fixture.settlement, 'with-bad-meter');
        assert.deepEqual(statements.map((stored) => [stored.accountId, stored.statement?.total ?? stored.error?.code]),
          [['acct-a', '25.35'], ['acct-b', '-0.50'], ['acct-bad', 'meter_failed']]);
        const failed = statements.find((stored) => stored.accountId === 'acct-bad')!;
        assert.deepEqual(failed.error?.meters?.map(({ meterId, code }) => [meterId, code]), [['m-bad', 'invalid_input']]);
        assert.match(failed.error!.meters![0]!.message, /import register i is negative/);
      } finally {
        await fresh.close();
      }
    });
  });
}
