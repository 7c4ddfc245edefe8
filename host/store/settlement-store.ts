// The settlement part of the store (docs/settlement.md): tariffs, billing
// accounts, runs, statements per (run, account) and the claim table of
// ledger postings per (account, billing period, revision). SQLite and
// PostgreSQL implement it (host/store/sqlite/settlement.ts,
// host/store/postgres/settlement.ts). Validation is the caller's
// (host/settlement/catalog.ts); the store only stores.
import type { PageRequest } from './page.js';

export type SettlementRunStatus = 'running' | 'completed' | 'failed';

export interface BillingAccount {
  accountId: string;
  ownerPartyId: string;
  supplierPartyId: string;
  tariffId: string;
  /** ISO 4217, equal to the tariff's. */
  currency: string;
}

/** A billing account with the meters whose account id names it (ordinal order). */
export interface AccountMeters extends BillingAccount {
  meterIds: string[];
}

export interface SettlementRunRecord {
  runId: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  status: SettlementRunStatus;
  accountsTotal: number;
  accountsDone: number;
  accountsFailed: number;
  /** Raw readings read (boundary readings included). */
  readings: number;
  transfersPosted: number;
  startedAtMs: number;
  finishedAtMs: number | null;
  durationMs: number | null;
  error: string | null;
}

export interface RunProgress {
  accountsDone: number;
  accountsFailed: number;
  readings: number;
  transfersPosted: number;
}

export interface RunFinish extends RunProgress {
  status: 'completed' | 'failed';
  finishedAtMs: number;
  durationMs: number;
  error: string | null;
}

/** One account's outcome in one run: a statement (JSON text) or the error that stopped it. */
export interface StatementRow {
  runId: string;
  accountId: string;
  fromMs: number;
  toMs: number;
  status: 'ok' | 'failed';
  totalMicro: bigint | null;
  statementJson: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** A meter that failed on its own in a run (its account's statement is `meter_failed`). */
export interface MeterFailureRow {
  runId: string;
  meterId: string;
  accountId: string;
  code: string;
  message: string;
}

/** One ledger transfer of an (account, period): revision 0 is the original, later ones adjust. */
export interface PostingRow {
  accountId: string;
  fromMs: number;
  toMs: number;
  revision: number;
  transferId: string;
  /** Signed: > 0 the account owes the supplier more, < 0 the supplier owes the account. */
  deltaMicro: bigint;
  currency: string;
  debitAccount: string;
  creditAccount: string;
  refs: string[];
  runId: string;
  posted: boolean;
}

export interface SettlementStore {
  /** 'exists' when the id is stored with the same JSON text; throws on another text. */
  insertTariff(tariffId: string, tariffJson: string, nowMs: number): Promise<'created' | 'exists'>;
  tariffJson(tariffId: string): Promise<string | null>;
  /** 'exists' when stored with the same fields; throws on different ones. */
  insertBillingAccount(account: BillingAccount, nowMs: number): Promise<'created' | 'exists'>;
  billingAccount(accountId: string): Promise<BillingAccount | null>;
  /** Billing accounts that have at least one meter, by account id. */
  accountsWithMeters(): Promise<AccountMeters[]>;
  /** Throws when the run id exists. */
  createRun(run: SettlementRunRecord): Promise<void>;
  updateRunProgress(runId: string, progress: RunProgress): Promise<void>;
  finishRun(runId: string, finish: RunFinish): Promise<void>;
  run(runId: string): Promise<SettlementRunRecord | null>;
  /** Runs in creation order (a sequence, not the clock or the id), after the run `page.after`; null when that run does not exist. */
  listRuns(page: PageRequest): Promise<SettlementRunRecord[] | null>;
  /** Statements of a run; on PostgreSQL a statement stored already (a chunk settled again after its lease expired) is kept. */
  insertStatements(rows: readonly StatementRow[]): Promise<void>;
  /** Kept when stored already, like statements. */
  insertMeterFailures(rows: readonly MeterFailureRow[]): Promise<void>;
  /** The run's failed meters, by account id then meter id. */
  meterFailuresOfRun(runId: string): Promise<MeterFailureRow[]>;
  statementsOfRun(runId: string): Promise<StatementRow[]>;
  /** Every run's row for the account and period, oldest run first: by start time, runs of the same millisecond in creation order. */
  statementsOfAccount(accountId: string, fromMs: number, toMs: number): Promise<StatementRow[]>;
  /** Claimed postings of the accounts for the period, by account then revision. */
  postings(accountIds: readonly string[], fromMs: number, toMs: number): Promise<PostingRow[]>;
  /** Inserts each claim unless its (account, period, revision) is taken; true where inserted. */
  claimPostings(rows: readonly PostingRow[]): Promise<boolean[]>;
  markPosted(transferIds: readonly string[]): Promise<void>;
}
