// docs/settlement.md "Runs": runs are ordered by creation, never by run id.
// An account's statements list runs by start time, and runs started in the
// same millisecond in creation order (the last is current); the run list is
// in creation order. PostgreSQL numbers runs with a sequence (migration
// keys-and-lists), SQLite by rowid; existing PostgreSQL runs keep the order
// the statements read gave them before.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { migratePostgres } from '../host/store/migrate.js';
import { MIGRATIONS } from '../host/store/migrations/index.js';
import { storeOverPostgres, type Store } from '../host/store/open-store.js';
import { openPostgres } from '../host/store/postgres.js';
import type { SettlementRunRecord, StatementRow } from '../host/store/settlement-store.js';
import { PG_URL, storeBackends } from './store-backends.js';
import { SEALING_KEY, storeOn } from './api-helpers.js';

const STARTED_AT_MS = 1_767_225_600_000;
const PERIOD = { fromMs: 0, toMs: 86_400_000 };

function runRecord(runId: string, startedAtMs: number): SettlementRunRecord {
  return {
    runId, ...PERIOD, intervalMs: 900_000, status: 'completed', accountsTotal: 1, accountsDone: 1, accountsFailed: 0, readings: 0,
    transfersPosted: 0, startedAtMs, finishedAtMs: startedAtMs, durationMs: 0, error: null,
  };
}

function statementRow(runId: string): StatementRow {
  return {
    runId, accountId: 'acct-tie', ...PERIOD, status: 'failed', totalMicro: null, statementJson: null, errorCode: 'no_price', errorMessage: 'none',
  };
}

async function createRuns(store: Store, runs: ReadonlyArray<[string, number]>): Promise<void> {
  for (const [runId, startedAtMs] of runs) {
    await store.settlement.createRun(runRecord(runId, startedAtMs));
    await store.settlement.insertStatements([statementRow(runId)]);
  }
}

async function statementRunIds(store: Store): Promise<string[]> {
  return (await store.settlement.statementsOfAccount('acct-tie', PERIOD.fromMs, PERIOD.toMs)).map((row) => row.runId);
}

async function listedRunIds(store: Store): Promise<string[]> {
  return (await store.settlement.listRuns({ after: null, limit: 100 }))!.map((run) => run.runId);
}

for (const backend of storeBackends()) {
  describe(`settlement run order (${backend.kind})`, () => {
    it('runs started in the same millisecond order by creation, not by run id; an earlier start still comes first', async () => {
      const fresh = await backend.open();
      try {
        const store = storeOn(fresh);
        // Created z, a, then m; m started one millisecond before the other two.
        await createRuns(store, [['tie-z', STARTED_AT_MS], ['tie-a', STARTED_AT_MS], ['tie-m', STARTED_AT_MS - 1]]);
        assert.deepEqual(await statementRunIds(store), ['tie-m', 'tie-z', 'tie-a']);
        assert.deepEqual(await listedRunIds(store), ['tie-z', 'tie-a', 'tie-m']);
        assert.deepEqual((await store.settlement.listRuns({ after: 'tie-z', limit: 1 }))!.map((run) => run.runId), ['tie-a']);
        assert.equal(await store.settlement.listRuns({ after: 'tie-none', limit: 1 }), null);
      } finally {
        await fresh.close();
      }
    });
  });
}

const pgUrl = PG_URL;
if (pgUrl !== undefined && pgUrl !== '') {
  describe('settlement run order on a PostgreSQL database migrated with runs in it', () => {
    it('existing runs are numbered in the order the statements read gave them (start time, then id); new runs follow', async () => {
      const schema = `gs_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const sql = openPostgres(pgUrl, { schema });
      try {
        await sql.unsafe(`CREATE SCHEMA ${schema}`);
        await migratePostgres(sql, MIGRATIONS.slice(0, 4));
        await sql`INSERT INTO settlement_runs (id, from_ms, to_ms, interval_ms, status, accounts_total, accounts_done, accounts_failed,
          readings, transfers_posted, started_at_ms) VALUES
          ('old-b', 0, 1, 1, 'completed', 0, 0, 0, 0, 0, ${STARTED_AT_MS}),
          ('old-a', 0, 1, 1, 'completed', 0, 0, 0, 0, 0, ${STARTED_AT_MS}),
          ('old-c', 0, 1, 1, 'completed', 0, 0, 0, 0, 0, ${STARTED_AT_MS - 1})`;
        await migratePostgres(sql);
        const store = storeOverPostgres(sql, SEALING_KEY);
        await store.settlement.createRun(runRecord('new-0', STARTED_AT_MS - 5));
        assert.deepEqual(await listedRunIds(store), ['old-c', 'old-a', 'old-b', 'new-0']);
      } finally {
        await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await sql.end();
      }
    });
  });
}
