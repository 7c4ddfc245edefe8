// SettlementStore on SQLite. Writes go through the reading store's queue on
// the same connection (a write must not land inside an open ingest
// transaction); reads are single synchronous statements and need no queue.
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import type { PageRequest } from '../page.js';
import {
  billingAccountOf, groupAccountMeters, meterFailureOf, postingOf, runOf, sameBillingAccount, statementOf,
  POSTING_COLUMNS, STATEMENT_COLUMNS, type SqlRow,
} from '../settlement-rows.js';
import type {
  AccountMeters, BillingAccount, MeterFailureRow, PostingRow, RunFinish, RunProgress, SettlementRunRecord, SettlementStore, StatementRow,
} from '../settlement-store.js';

export type Serialise = <T>(work: () => Promise<T>) => Promise<T>;

function prepareStatements(database: SqliteDatabase) {
  const prepare = (text: string): Statement<unknown[], SqlRow> => database.prepare(text).safeIntegers(true) as Statement<unknown[], SqlRow>;
  return {
    insertTariff: prepare('INSERT INTO settlement_tariffs (id, tariff_json, created_at_ms) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    selectTariff: prepare('SELECT tariff_json FROM settlement_tariffs WHERE id = ?'),
    insertAccount: prepare(
      `INSERT INTO billing_accounts (id, owner_party_id, supplier_party_id, tariff_id, currency, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    ),
    selectAccount: prepare('SELECT id, owner_party_id, supplier_party_id, tariff_id, currency FROM billing_accounts WHERE id = ?'),
    accountsWithMeters: prepare(
      `SELECT b.id, b.owner_party_id, b.supplier_party_id, b.tariff_id, b.currency, m.id AS meter_id
       FROM billing_accounts b JOIN meters m ON m.account_id = b.id ORDER BY b.id, m.id`,
    ),
    insertRun: prepare(
      `INSERT INTO settlement_runs (id, from_ms, to_ms, interval_ms, status, accounts_total, accounts_done, accounts_failed,
       readings, transfers_posted, started_at_ms, finished_at_ms, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateProgress: prepare(
      'UPDATE settlement_runs SET accounts_done = ?, accounts_failed = ?, readings = ?, transfers_posted = ? WHERE id = ?',
    ),
    finishRun: prepare(
      `UPDATE settlement_runs SET status = ?, accounts_done = ?, accounts_failed = ?, readings = ?, transfers_posted = ?,
       finished_at_ms = ?, duration_ms = ?, error = ? WHERE id = ?`,
    ),
    selectRun: prepare('SELECT * FROM settlement_runs WHERE id = ?'),
    // rowid is the creation order: runs are never deleted, so a new row takes max(rowid) + 1.
    runOrder: prepare('SELECT rowid AS seq FROM settlement_runs WHERE id = ?'),
    listRuns: prepare('SELECT * FROM settlement_runs WHERE rowid > ? ORDER BY rowid LIMIT ?'),
    insertStatement: prepare(`INSERT INTO settlement_statements (${STATEMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertMeterFailure: prepare(
      'INSERT INTO settlement_meter_results (run_id, meter_id, account_id, code, message) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    meterFailuresOfRun: prepare('SELECT * FROM settlement_meter_results WHERE run_id = ? ORDER BY account_id, meter_id'),
    statementsOfRun: prepare(`SELECT ${STATEMENT_COLUMNS} FROM settlement_statements WHERE run_id = ? ORDER BY account_id`),
    statementsOfAccount: prepare(
      `SELECT ${STATEMENT_COLUMNS.split(', ').map((column) => `s.${column}`).join(', ')}
       FROM settlement_statements s JOIN settlement_runs r ON r.id = s.run_id
       WHERE s.account_id = ? AND s.from_ms = ? AND s.to_ms = ? ORDER BY r.started_at_ms, r.rowid`,
    ),
    postingsOf: prepare(
      `SELECT ${POSTING_COLUMNS} FROM settlement_postings WHERE account_id = ? AND from_ms = ? AND to_ms = ? ORDER BY revision`,
    ),
    claimPosting: prepare(`INSERT INTO settlement_postings (${POSTING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`),
    markPosted: prepare('UPDATE settlement_postings SET posted = 1 WHERE transfer_id = ?'),
  };
}

export class SqliteSettlementStore implements SettlementStore {
  private readonly statements: ReturnType<typeof prepareStatements>;

  constructor(private readonly database: SqliteDatabase, private readonly serialise: Serialise) {
    this.statements = prepareStatements(database);
  }

  insertTariff(tariffId: string, tariffJson: string, nowMs: number): Promise<'created' | 'exists'> {
    return this.serialise(async () => {
      if (this.statements.insertTariff.run(tariffId, tariffJson, nowMs).changes === 1) return 'created';
      const stored = this.statements.selectTariff.get(tariffId)!;
      if (stored.tariff_json !== tariffJson) throw new RangeError(`tariff ${JSON.stringify(tariffId)} exists with another body`);
      return 'exists';
    });
  }

  async tariffJson(tariffId: string): Promise<string | null> {
    const row = this.statements.selectTariff.get(tariffId);
    return row === undefined ? null : String(row.tariff_json);
  }

  insertBillingAccount(account: BillingAccount, nowMs: number): Promise<'created' | 'exists'> {
    return this.serialise(async () => {
      const { accountId, ownerPartyId, supplierPartyId, tariffId, currency } = account;
      if (this.statements.insertAccount.run(accountId, ownerPartyId, supplierPartyId, tariffId, currency, nowMs).changes === 1) return 'created';
      if (!sameBillingAccount(account, billingAccountOf(this.statements.selectAccount.get(accountId)!))) {
        throw new RangeError(`billing account ${JSON.stringify(accountId)} exists with other fields`);
      }
      return 'exists';
    });
  }

  async billingAccount(accountId: string): Promise<BillingAccount | null> {
    const row = this.statements.selectAccount.get(accountId);
    return row === undefined ? null : billingAccountOf(row);
  }

  async accountsWithMeters(): Promise<AccountMeters[]> {
    return groupAccountMeters(this.statements.accountsWithMeters.all());
  }

  createRun(run: SettlementRunRecord): Promise<void> {
    return this.serialise(async () => {
      this.statements.insertRun.run(
        run.runId, run.fromMs, run.toMs, run.intervalMs, run.status, run.accountsTotal, run.accountsDone, run.accountsFailed,
        run.readings, run.transfersPosted, run.startedAtMs, run.finishedAtMs, run.durationMs, run.error,
      );
    });
  }

  updateRunProgress(runId: string, progress: RunProgress): Promise<void> {
    return this.serialise(async () => {
      this.statements.updateProgress.run(progress.accountsDone, progress.accountsFailed, progress.readings, progress.transfersPosted, runId);
    });
  }

  finishRun(runId: string, finish: RunFinish): Promise<void> {
    return this.serialise(async () => {
      this.statements.finishRun.run(
        finish.status, finish.accountsDone, finish.accountsFailed, finish.readings, finish.transfersPosted,
        finish.finishedAtMs, finish.durationMs, finish.error, runId,
      );
    });
  }

  async run(runId: string): Promise<SettlementRunRecord | null> {
    const row = this.statements.selectRun.get(runId);
    return row === undefined ? null : runOf(row);
  }

  async listRuns(page: PageRequest): Promise<SettlementRunRecord[] | null> {
    const after = page.after === null ? 0 : this.statements.runOrder.get(page.after)?.seq;
    return after === undefined ? null : this.statements.listRuns.all(after, page.limit).map(runOf);
  }

  insertStatements(rows: readonly StatementRow[]): Promise<void> {
    return this.serialise(async () => {
      this.database.transaction(() => {
        for (const row of rows) {
          this.statements.insertStatement.run(
            row.runId, row.accountId, row.fromMs, row.toMs, row.status, row.totalMicro, row.statementJson, row.errorCode, row.errorMessage,
          );
        }
      }).immediate();
    });
  }

  insertMeterFailures(rows: readonly MeterFailureRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.serialise(async () => {
      this.database.transaction(() => {
        for (const row of rows) this.statements.insertMeterFailure.run(row.runId, row.meterId, row.accountId, row.code, row.message);
      }).immediate();
    });
  }

  async meterFailuresOfRun(runId: string): Promise<MeterFailureRow[]> {
    return this.statements.meterFailuresOfRun.all(runId).map(meterFailureOf);
  }

  async statementsOfRun(runId: string): Promise<StatementRow[]> {
    return this.statements.statementsOfRun.all(runId).map(statementOf);
  }

  async statementsOfAccount(accountId: string, fromMs: number, toMs: number): Promise<StatementRow[]> {
    return this.statements.statementsOfAccount.all(accountId, fromMs, toMs).map(statementOf);
  }

  async postings(accountIds: readonly string[], fromMs: number, toMs: number): Promise<PostingRow[]> {
    return accountIds.flatMap((accountId) => this.statements.postingsOf.all(accountId, fromMs, toMs).map(postingOf));
  }

  claimPostings(rows: readonly PostingRow[]): Promise<boolean[]> {
    return this.serialise(async () => this.database.transaction(() => rows.map((row) => this.statements.claimPosting.run(
      row.accountId, row.fromMs, row.toMs, row.revision, row.transferId, row.deltaMicro, row.currency,
      row.debitAccount, row.creditAccount, JSON.stringify(row.refs), row.runId,
    ).changes === 1)).immediate());
  }

  markPosted(transferIds: readonly string[]): Promise<void> {
    return this.serialise(async () => {
      this.database.transaction(() => {
        for (const transferId of transferIds) this.statements.markPosted.run(transferId);
      }).immediate();
    });
  }
}
