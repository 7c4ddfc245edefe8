// SettlementStore on PostgreSQL (postgres.js). Claims are unique by
// (account, period, revision): of two hosts claiming the same revision, one
// inserts and the other learns it lost (ON CONFLICT DO NOTHING RETURNING).
import type { PostgresSql } from '../postgres.js';
import type { PageRequest } from '../page.js';
import {
  billingAccountOf, groupAccountMeters, meterFailureOf, postingOf, runOf, sameBillingAccount, statementOf, type SqlRow,
} from '../settlement-rows.js';
import type {
  AccountMeters, BillingAccount, MeterFailureRow, PostingRow, RunFinish, RunProgress, SettlementRunRecord, SettlementStore, StatementRow,
} from '../settlement-store.js';

/** Rows per multi-row INSERT: 9 to 12 parameters each, far below the 65 535 parameter limit. */
const ROWS_PER_INSERT = 1_000;

function slices<T>(rows: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) result.push(rows.slice(start, start + ROWS_PER_INSERT));
  return result;
}

export class PostgresSettlementStore implements SettlementStore {
  constructor(private readonly sql: PostgresSql) {}

  async insertTariff(tariffId: string, tariffJson: string, nowMs: number): Promise<'created' | 'exists'> {
    const inserted = await this.sql`INSERT INTO settlement_tariffs (id, tariff_json, created_at_ms)
      VALUES (${tariffId}, ${tariffJson}, ${nowMs}) ON CONFLICT DO NOTHING RETURNING id`;
    if (inserted.length === 1) return 'created';
    if ((await this.tariffJson(tariffId)) !== tariffJson) throw new RangeError(`tariff ${JSON.stringify(tariffId)} exists with another body`);
    return 'exists';
  }

  async tariffJson(tariffId: string): Promise<string | null> {
    const [row] = await this.sql<SqlRow[]>`SELECT tariff_json FROM settlement_tariffs WHERE id = ${tariffId}`;
    return row === undefined ? null : String(row.tariff_json);
  }

  async insertBillingAccount(account: BillingAccount, nowMs: number): Promise<'created' | 'exists'> {
    const { accountId, ownerPartyId, supplierPartyId, tariffId, currency } = account;
    const inserted = await this.sql`INSERT INTO billing_accounts (id, owner_party_id, supplier_party_id, tariff_id, currency, created_at_ms)
      VALUES (${accountId}, ${ownerPartyId}, ${supplierPartyId}, ${tariffId}, ${currency}, ${nowMs}) ON CONFLICT DO NOTHING RETURNING id`;
    if (inserted.length === 1) return 'created';
    const stored = await this.billingAccount(accountId);
    if (stored === null || !sameBillingAccount(account, stored)) {
      throw new RangeError(`billing account ${JSON.stringify(accountId)} exists with other fields`);
    }
    return 'exists';
  }

  async billingAccount(accountId: string): Promise<BillingAccount | null> {
    const [row] = await this.sql<SqlRow[]>`SELECT id, owner_party_id, supplier_party_id, tariff_id, currency
      FROM billing_accounts WHERE id = ${accountId}`;
    return row === undefined ? null : billingAccountOf(row);
  }

  async accountsWithMeters(): Promise<AccountMeters[]> {
    const rows = await this.sql<SqlRow[]>`SELECT b.id, b.owner_party_id, b.supplier_party_id, b.tariff_id, b.currency, m.id AS meter_id
      FROM billing_accounts b JOIN meters m ON m.account_id = b.id ORDER BY b.id COLLATE "C", m.id COLLATE "C"`;
    return groupAccountMeters(rows);
  }

  async createRun(run: SettlementRunRecord): Promise<void> {
    await this.sql`INSERT INTO settlement_runs (id, from_ms, to_ms, interval_ms, status, accounts_total, accounts_done, accounts_failed,
      readings, transfers_posted, started_at_ms, finished_at_ms, duration_ms, error) VALUES (${run.runId}, ${run.fromMs}, ${run.toMs},
      ${run.intervalMs}, ${run.status}, ${run.accountsTotal}, ${run.accountsDone}, ${run.accountsFailed}, ${run.readings},
      ${run.transfersPosted}, ${run.startedAtMs}, ${run.finishedAtMs}, ${run.durationMs}, ${run.error})`;
  }

  async updateRunProgress(runId: string, progress: RunProgress): Promise<void> {
    await this.sql`UPDATE settlement_runs SET accounts_done = ${progress.accountsDone}, accounts_failed = ${progress.accountsFailed},
      readings = ${progress.readings}, transfers_posted = ${progress.transfersPosted} WHERE id = ${runId} AND status = 'running'`;
  }

  async finishRun(runId: string, finish: RunFinish): Promise<void> {
    await this.sql`UPDATE settlement_runs SET status = ${finish.status}, accounts_done = ${finish.accountsDone},
      accounts_failed = ${finish.accountsFailed}, readings = ${finish.readings}, transfers_posted = ${finish.transfersPosted},
      finished_at_ms = ${finish.finishedAtMs}, duration_ms = ${finish.durationMs}, error = ${finish.error} WHERE id = ${runId}`;
  }

  async run(runId: string): Promise<SettlementRunRecord | null> {
    const [row] = await this.sql<SqlRow[]>`SELECT * FROM settlement_runs WHERE id = ${runId}`;
    return row === undefined ? null : runOf(row);
  }

  async listRuns(page: PageRequest): Promise<SettlementRunRecord[] | null> {
    let after = 0;
    if (page.after !== null) {
      const [row] = await this.sql<SqlRow[]>`SELECT seq FROM settlement_runs WHERE id = ${page.after}`;
      if (row === undefined) return null;
      after = Number(row.seq);
    }
    const rows = await this.sql<SqlRow[]>`SELECT * FROM settlement_runs WHERE seq > ${after} ORDER BY seq LIMIT ${page.limit}`;
    return rows.map(runOf);
  }

  async insertStatements(rows: readonly StatementRow[]): Promise<void> {
    for (const slice of slices(rows)) {
      const values = slice.map((row) => ({
        run_id: row.runId, account_id: row.accountId, from_ms: row.fromMs, to_ms: row.toMs, status: row.status,
        total_micro: row.totalMicro, statement_json: row.statementJson, error_code: row.errorCode, error_message: row.errorMessage,
      }));
      await this.sql`INSERT INTO settlement_statements ${this.sql(values as never)} ON CONFLICT DO NOTHING`;
    }
  }

  async insertMeterFailures(rows: readonly MeterFailureRow[]): Promise<void> {
    for (const slice of slices(rows)) {
      const values = slice.map((row) => ({ run_id: row.runId, meter_id: row.meterId, account_id: row.accountId, code: row.code, message: row.message }));
      await this.sql`INSERT INTO settlement_meter_results ${this.sql(values as never)} ON CONFLICT DO NOTHING`;
    }
  }

  async meterFailuresOfRun(runId: string): Promise<MeterFailureRow[]> {
    const rows = await this.sql<SqlRow[]>`SELECT * FROM settlement_meter_results WHERE run_id = ${runId}
      ORDER BY account_id COLLATE "C", meter_id COLLATE "C"`;
    return rows.map(meterFailureOf);
  }

  async statementsOfRun(runId: string): Promise<StatementRow[]> {
    const rows = await this.sql<SqlRow[]>`SELECT * FROM settlement_statements WHERE run_id = ${runId} ORDER BY account_id COLLATE "C"`;
    return rows.map(statementOf);
  }

  async statementsOfAccount(accountId: string, fromMs: number, toMs: number): Promise<StatementRow[]> {
    const rows = await this.sql<SqlRow[]>`SELECT s.* FROM settlement_statements s JOIN settlement_runs r ON r.id = s.run_id
      WHERE s.account_id = ${accountId} AND s.from_ms = ${fromMs} AND s.to_ms = ${toMs} ORDER BY r.started_at_ms, r.seq`;
    return rows.map(statementOf);
  }

  async postings(accountIds: readonly string[], fromMs: number, toMs: number): Promise<PostingRow[]> {
    if (accountIds.length === 0) return [];
    const rows = await this.sql<SqlRow[]>`SELECT * FROM settlement_postings
      WHERE account_id IN ${this.sql([...accountIds])} AND from_ms = ${fromMs} AND to_ms = ${toMs}
      ORDER BY account_id COLLATE "C", revision`;
    return rows.map(postingOf);
  }

  async claimPostings(rows: readonly PostingRow[]): Promise<boolean[]> {
    const claimed = new Set<string>();
    for (const slice of slices(rows)) {
      const values = slice.map((row) => ({
        account_id: row.accountId, from_ms: row.fromMs, to_ms: row.toMs, revision: row.revision, transfer_id: row.transferId,
        delta_micro: row.deltaMicro, currency: row.currency, debit_account: row.debitAccount, credit_account: row.creditAccount,
        refs_json: JSON.stringify(row.refs), run_id: row.runId, posted: 0,
      }));
      const inserted = await this.sql<SqlRow[]>`INSERT INTO settlement_postings ${this.sql(values as never)} ON CONFLICT DO NOTHING RETURNING transfer_id`;
      for (const row of inserted) claimed.add(String(row.transfer_id));
    }
    return rows.map((row) => claimed.has(row.transferId));
  }

  async markPosted(transferIds: readonly string[]): Promise<void> {
    if (transferIds.length === 0) return;
    await this.sql`UPDATE settlement_postings SET posted = 1 WHERE transfer_id IN ${this.sql([...transferIds])}`;
  }
}
