// Column → object mappers shared by both settlement stores. SQLite returns
// bigint (safeIntegers) and PostgreSQL bigint for BIGINT columns; times and
// counts are well inside 2^53 and become numbers, money stays bigint.
import type { BillingAccount, MeterFailureRow, PostingRow, SettlementRunRecord, StatementRow } from './settlement-store.js';

export type SqlRow = Record<string, unknown>;

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function bigintOrNull(value: unknown): bigint | null {
  return value === null || value === undefined ? null : BigInt(value as bigint | number | string);
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function billingAccountOf(row: SqlRow): BillingAccount {
  return {
    accountId: String(row.id),
    ownerPartyId: String(row.owner_party_id),
    supplierPartyId: String(row.supplier_party_id),
    tariffId: String(row.tariff_id),
    currency: String(row.currency),
  };
}

export function sameBillingAccount(left: BillingAccount, right: BillingAccount): boolean {
  return left.accountId === right.accountId && left.ownerPartyId === right.ownerPartyId
    && left.supplierPartyId === right.supplierPartyId && left.tariffId === right.tariffId && left.currency === right.currency;
}

export function runOf(row: SqlRow): SettlementRunRecord {
  return {
    runId: String(row.id),
    fromMs: Number(row.from_ms),
    toMs: Number(row.to_ms),
    intervalMs: Number(row.interval_ms),
    status: String(row.status) as SettlementRunRecord['status'],
    accountsTotal: Number(row.accounts_total),
    accountsDone: Number(row.accounts_done),
    accountsFailed: Number(row.accounts_failed),
    readings: Number(row.readings),
    transfersPosted: Number(row.transfers_posted),
    startedAtMs: Number(row.started_at_ms),
    finishedAtMs: numberOrNull(row.finished_at_ms),
    durationMs: numberOrNull(row.duration_ms),
    error: textOrNull(row.error),
  };
}

export function statementOf(row: SqlRow): StatementRow {
  return {
    runId: String(row.run_id),
    accountId: String(row.account_id),
    fromMs: Number(row.from_ms),
    toMs: Number(row.to_ms),
    status: String(row.status) as StatementRow['status'],
    totalMicro: bigintOrNull(row.total_micro),
    statementJson: textOrNull(row.statement_json),
    errorCode: textOrNull(row.error_code),
    errorMessage: textOrNull(row.error_message),
  };
}

export function meterFailureOf(row: SqlRow): MeterFailureRow {
  return {
    runId: String(row.run_id), meterId: String(row.meter_id), accountId: String(row.account_id), code: String(row.code), message: String(row.message),
  };
}

export function postingOf(row: SqlRow): PostingRow {
  return {
    accountId: String(row.account_id),
    fromMs: Number(row.from_ms),
    toMs: Number(row.to_ms),
    revision: Number(row.revision),
    transferId: String(row.transfer_id),
    deltaMicro: BigInt(row.delta_micro as bigint),
    currency: String(row.currency),
    debitAccount: String(row.debit_account),
    creditAccount: String(row.credit_account),
    refs: JSON.parse(String(row.refs_json)) as string[],
    runId: String(row.run_id),
    posted: Number(row.posted) === 1,
  };
}

/** Groups meter rows (ordered by account id, then meter id) into accounts with their meters. */
export function groupAccountMeters(rows: readonly SqlRow[]): Array<BillingAccount & { meterIds: string[] }> {
  const accounts: Array<BillingAccount & { meterIds: string[] }> = [];
  for (const row of rows) {
    const last = accounts[accounts.length - 1];
    if (last !== undefined && last.accountId === String(row.id)) last.meterIds.push(String(row.meter_id));
    else accounts.push({ ...billingAccountOf(row), meterIds: [String(row.meter_id)] });
  }
  return accounts;
}

export const STATEMENT_COLUMNS = 'run_id, account_id, from_ms, to_ms, status, total_micro, statement_json, error_code, error_message';
export const POSTING_COLUMNS =
  'account_id, from_ms, to_ms, revision, transfer_id, delta_micro, currency, debit_account, credit_account, refs_json, run_id, posted';
