// Settlement read workers (docs/settlement.md "Read workers"): on a SQLite
// file, batches read, aggregated and priced on worker threads settle exactly
// as in the run's own thread, and a failing worker fails the run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { storeBackends } from './store-backends.js';
import {
  CLOCK_MS, FEB_FROM_MS, JAN_FROM_MS, PEAK_ONLY_TARIFF, SUPPLIER, hourOf, seedJanuary, settlementFixture, type SettlementFixture,
} from './settlement-helpers.js';
import { runSettlement } from '../host/settlement/run.js';
import { runStatements, settlementRun } from '../host/settlement/reads.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import { SETTLEMENT_READ_WORKERS_MAX } from '../host/settlement/settlement-limits.js';

const JANUARY = { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS };

async function withSqliteJanuary(test: (fixture: SettlementFixture, path: string) => Promise<void>): Promise<void> {
  const fresh = await storeBackends().find((backend) => backend.kind === 'sqlite')!.open();
  try {
    const fixture = await settlementFixture(fresh);
    await seedJanuary(fixture);
    await test(fixture, fresh.kind === 'sqlite' ? fresh.path : '');
  } finally {
    await fresh.close();
  }
}

/** Beside acct-a and acct-b: a no_price account, and one whose readings cross both period edges. */
async function seedMoreAccounts(fixture: SettlementFixture): Promise<void> {
  await registerTariff(fixture.settlement, PEAK_ONLY_TARIFF, CLOCK_MS);
  await registerBillingAccount(fixture.settlement, { accountId: 'acct-c', ownerPartyId: 'cust-c', supplierPartyId: SUPPLIER, tariffId: 'peak-only', currency: 'EUR' }, CLOCK_MS);
  await registerBillingAccount(fixture.settlement, { accountId: 'acct-d', ownerPartyId: 'cust-d', supplierPartyId: SUPPLIER, tariffId: 'flat-export', currency: 'EUR' }, CLOCK_MS);
  await fixture.addMeter('m4', 'acct-c');
  await fixture.addMeter('m5', 'acct-d');
  await fixture.addReadings([
    ['m4', hourOf(6, 2), 0n], ['m4', hourOf(6, 3), 1_000n],
    ['m5', hourOf(0, 23), 0n], ['m5', hourOf(1, 1), 8_000_000n], ['m5', hourOf(31, 23), 8_000_000n], ['m5', hourOf(32, 1), 16_000_000n],
  ]);
}

describe('settlement read workers (sqlite)', () => {
  it('batches priced on read workers give the same statements, failures and counts as the run\'s own thread', async () => {
    await withSqliteJanuary(async (fixture) => {
      await seedMoreAccounts(fixture);
      const onWorkers = await runSettlement(fixture.deps, { ...JANUARY, runId: 'workers', metersPerBatch: 1, readWorkers: 2 });
      const inThread = await runSettlement(fixture.deps, { ...JANUARY, runId: 'own-thread', metersPerBatch: 1, readWorkers: 0 });
      assert.deepEqual([onWorkers.status, onWorkers.accountsDone, onWorkers.accountsFailed, onWorkers.transfersPosted], ['failed', 4, 1, 3]);
      assert.equal(onWorkers.error, 'no_price: 1 account(s), first acct-c');
      assert.deepEqual([inThread.status, inThread.error, inThread.readings, inThread.transfersPosted], ['failed', onWorkers.error, onWorkers.readings, 0]);
      const fromWorkers = await runStatements(fixture.settlement, 'workers');
      const fromThread = await runStatements(fixture.settlement, 'own-thread');
      assert.deepEqual(fromWorkers.map((stored) => [stored.accountId, stored.statement?.total ?? stored.error?.code]),
        [['acct-a', '25.35'], ['acct-b', '-0.50'], ['acct-c', 'no_price'], ['acct-d', '2.00']]);
      assert.deepEqual(fromWorkers.map(({ runId: _, ...stored }) => stored), fromThread.map(({ runId: _, ...stored }) => stored));
    });
  });

  it('a worker that fails a batch fails the run with its error instead of hanging', async () => {
    await withSqliteJanuary(async (fixture) => {
      // Tariffs are validated on registration; a text damaged in the database afterwards breaks the worker's parse.
      if (fixture.fresh.kind !== 'sqlite') return;
      fixture.fresh.database.prepare("UPDATE settlement_tariffs SET tariff_json = '{' WHERE id = 'flat-export'").run();
      await assert.rejects(runSettlement(fixture.deps, { ...JANUARY, runId: 'broken', metersPerBatch: 1, readWorkers: 2 }), /settlement read worker: SyntaxError/);
      const run = await settlementRun(fixture.settlement, 'broken');
      assert.equal(run!.status, 'failed');
      assert.match(run!.error!, /SyntaxError/);
    });
  });

  it('a worker that cannot open the database fails the run instead of hanging', async () => {
    await withSqliteJanuary(async (fixture, path) => {
      // The run's own connection stays open on the moved file; a worker opening the path finds nothing.
      renameSync(path, `${path}.moved`);
      try {
        await assert.rejects(runSettlement(fixture.deps, { ...JANUARY, runId: 'no-file', readWorkers: 1 }), /unable to open database file|does not exist/);
        assert.equal((await settlementRun(fixture.settlement, 'no-file'))!.status, 'failed');
      } finally {
        renameSync(`${path}.moved`, path);
      }
    });
  });

  it('readWorkers is a non-negative integer up to SETTLEMENT_READ_WORKERS_MAX', async () => {
    await withSqliteJanuary(async (fixture) => {
      await assert.rejects(runSettlement(fixture.deps, { ...JANUARY, readWorkers: -1 }), { code: 'invalid_input' });
      await assert.rejects(runSettlement(fixture.deps, { ...JANUARY, readWorkers: 1.5 }), { code: 'invalid_input' });
      await assert.rejects(
        runSettlement(fixture.deps, { ...JANUARY, readWorkers: SETTLEMENT_READ_WORKERS_MAX + 1 }),
        (error: Error & { code?: string }) => error.code === 'limit_exceeded' && /SETTLEMENT_READ_WORKERS_MAX/.test(error.message),
      );
    });
  });
});
