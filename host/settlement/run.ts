// runSettlement: every billing account with meters, one billing period,
// readings → statements → ledger (docs/settlement.md). Accounts are settled
// in batches of about `metersPerBatch` meters: read in one chunked pass,
// priced, their statements stored, then their differences posted. A run row
// records status, counts and duration as it goes.
import { randomUUID } from 'node:crypto';
import { resolveAggregationOptions } from '../engine/aggregate.js';
import { invalidInput, limitExceeded } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { AccountMeters, RunProgress, SettlementRunRecord, SettlementStore, StatementRow } from '../store/settlement-store.js';
import { periodGrid, type PeriodGrid } from './accumulate.js';
import { postDues, type SettlementDue } from './postings.js';
import { priceAccounts, TariffCache, type AccountOutcome } from './price-accounts.js';
import { SETTLEMENT_METERS_PER_BATCH_DEFAULT, SETTLEMENT_METERS_PER_BATCH_MAX } from './settlement-limits.js';

export interface SettlementDeps {
  readings: ReadingStore;
  settlement: SettlementStore;
  ledger: Ledger;
  /** The clock for run times and the ledger's `nowMs` (default Date.now). */
  nowMs?: () => number;
}

export interface SettlementProgress {
  accountsDone: number;
  accountsTotal: number;
  readings: number;
}

export interface SettlementRunOptions {
  /** Billing period [fromMs, toMs), epoch ms. */
  fromMs: number;
  toMs: number;
  intervalMs?: number;
  maxPowerW?: number;
  maxGapMs?: number;
  /** Default: a random UUID. An id that exists is `invalid_input`. */
  runId?: string;
  metersPerBatch?: number;
  /** Called after each batch, once the run row holds the same counts; awaited, so a slow consumer slows the run. */
  onProgress?: (progress: SettlementProgress) => void | Promise<void>;
}

function checkPeriod(fromMs: number, toMs: number): void {
  const maxMs = Number(READING_TIME_MS_MAX_EXCLUSIVE);
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs) || fromMs < 0 || fromMs >= toMs || toMs > maxMs) {
    throw invalidInput(`the billing period must be integers 0 ≤ fromMs < toMs ≤ ${maxMs}`);
  }
}

function checkMetersPerBatch(value: number | undefined): number {
  const metersPerBatch = value ?? SETTLEMENT_METERS_PER_BATCH_DEFAULT;
  if (!Number.isSafeInteger(metersPerBatch) || metersPerBatch < 1) throw invalidInput('metersPerBatch must be a positive integer');
  if (metersPerBatch > SETTLEMENT_METERS_PER_BATCH_MAX) {
    throw limitExceeded('SETTLEMENT_METERS_PER_BATCH_MAX', `metersPerBatch ${metersPerBatch} is above ${SETTLEMENT_METERS_PER_BATCH_MAX}`);
  }
  return metersPerBatch;
}

/** Consecutive accounts with about `metersPerBatch` meters together; an account is never split. */
export function accountBatches(accounts: readonly AccountMeters[], metersPerBatch: number): AccountMeters[][] {
  const batches: AccountMeters[][] = [];
  let current: AccountMeters[] = [];
  let meters = 0;
  for (const account of accounts) {
    if (current.length > 0 && meters + account.meterIds.length > metersPerBatch) {
      batches.push(current);
      current = [];
      meters = 0;
    }
    current.push(account);
    meters += account.meterIds.length;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function statementRow(runId: string, grid: PeriodGrid, outcome: AccountOutcome): StatementRow {
  return {
    runId, accountId: outcome.account.accountId, fromMs: grid.fromMs, toMs: grid.toMs,
    status: outcome.error === null ? 'ok' : 'failed',
    totalMicro: outcome.totalMicro,
    statementJson: outcome.statement === null ? null : JSON.stringify(outcome.statement),
    errorCode: outcome.error?.code ?? null,
    errorMessage: outcome.error?.message ?? null,
  };
}

function failureSummary(failed: Map<string, string[]>): string | null {
  if (failed.size === 0) return null;
  return [...failed].map(([code, accountIds]) => `${code}: ${accountIds.length} account(s), first ${accountIds[0]}`).join('; ');
}

/**
 * Settles [fromMs, toMs) for every billing account with meters. Accounts
 * that fail a computation (e.g. `no_price`) get a failed statement row and
 * post nothing; the others are settled, and the run ends `failed` naming
 * the codes. A database or ledger error ends the run `failed` and is thrown.
 */
export async function runSettlement(deps: SettlementDeps, options: SettlementRunOptions): Promise<SettlementRunRecord> {
  checkPeriod(options.fromMs, options.toMs);
  const aggregation = resolveAggregationOptions({ intervalMs: options.intervalMs, maxPowerW: options.maxPowerW, maxGapMs: options.maxGapMs });
  const metersPerBatch = checkMetersPerBatch(options.metersPerBatch);
  const clock = deps.nowMs ?? Date.now;
  const runId = options.runId ?? randomUUID();
  if ((await deps.settlement.run(runId)) !== null) throw invalidInput(`settlement run ${JSON.stringify(runId)} exists`);
  const accounts = (await deps.settlement.accountsWithMeters()).sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  const startedAtMs = clock();
  await deps.settlement.createRun({
    runId, fromMs: options.fromMs, toMs: options.toMs, intervalMs: aggregation.intervalMs, status: 'running',
    accountsTotal: accounts.length, accountsDone: 0, accountsFailed: 0, readings: 0, transfersPosted: 0,
    startedAtMs, finishedAtMs: null, durationMs: null, error: null,
  });
  const progress: RunProgress = { accountsDone: 0, accountsFailed: 0, readings: 0, transfersPosted: 0 };
  const failed = new Map<string, string[]>();
  const finish = async (status: 'completed' | 'failed', error: string | null): Promise<SettlementRunRecord> => {
    const finishedAtMs = clock();
    await deps.settlement.finishRun(runId, { ...progress, status, finishedAtMs, durationMs: finishedAtMs - startedAtMs, error });
    return (await deps.settlement.run(runId))!;
  };
  try {
    const grid = periodGrid(options.fromMs, options.toMs, aggregation.intervalMs);
    const tariffs = new TariffCache(deps.settlement);
    for (const batch of accountBatches(accounts, metersPerBatch)) {
      const priced = await priceAccounts(deps.readings, tariffs, batch, grid, aggregation);
      await deps.settlement.insertStatements(priced.outcomes.map((outcome) => statementRow(runId, grid, outcome)));
      const dues: SettlementDue[] = [];
      for (const outcome of priced.outcomes) {
        if (outcome.error === null) dues.push({ account: outcome.account, totalMicro: outcome.totalMicro! });
        else failed.set(outcome.error.code, [...(failed.get(outcome.error.code) ?? []), outcome.account.accountId]);
      }
      progress.transfersPosted += await postDues(deps, dues, { runId, fromMs: grid.fromMs, toMs: grid.toMs, nowMs: clock() });
      progress.accountsDone += batch.length;
      progress.accountsFailed += batch.length - dues.length;
      progress.readings += priced.readings;
      await deps.settlement.updateRunProgress(runId, progress);
      await options.onProgress?.({ accountsDone: progress.accountsDone, accountsTotal: accounts.length, readings: progress.readings });
    }
  } catch (error) {
    await finish('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
  const summary = failureSummary(failed);
  return finish(summary === null ? 'completed' : 'failed', summary);
}
