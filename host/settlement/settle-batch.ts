// One priced batch of accounts → stored statements and meter failures, and
// ledger postings of the accounts that settled. Used by a run's own loop
// (run.ts) and by the hosts that settle a PostgreSQL run's chunks
// (chunk-settler.ts).
import type { RunProgress, StatementRow } from '../store/settlement-store.js';
import type { ChunkFailures, ChunkResult } from '../store/settlement-chunks.js';
import type { PeriodGrid } from './accumulate.js';
import { postDues, type SettlementDue } from './postings.js';
import type { AccountOutcome, PricedBatch } from './price-accounts.js';
import type { SettlementDeps } from './run.js';

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

/** Failed accounts by code, in the order met: [code, how many, the first account id]. */
export function addFailures(into: ChunkFailures, more: ChunkFailures): ChunkFailures {
  for (const [code, count, first] of more) {
    const known = into.find((entry) => entry[0] === code);
    if (known === undefined) into.push([code, count, first]);
    else known[1] += count;
  }
  return into;
}

/** Adds a batch's counts to a run's. */
export function addProgress(into: RunProgress, more: RunProgress): void {
  into.accountsDone += more.accountsDone;
  into.accountsFailed += more.accountsFailed;
  into.readings += more.readings;
  into.transfersPosted += more.transfersPosted;
}

/** The run's error text: `code: n account(s), first id` per code; null when no account failed. */
export function failureSummary(failures: ChunkFailures): string | null {
  if (failures.length === 0) return null;
  return failures.map(([code, count, first]) => `${code}: ${count} account(s), first ${first}`).join('; ');
}

/** Stores the batch's statements and meter failures, posts the dues of the accounts that settled; returns the counts. */
export async function settlePricedBatch(deps: SettlementDeps, runId: string, grid: PeriodGrid, priced: PricedBatch): Promise<ChunkResult> {
  await deps.settlement.insertStatements(priced.outcomes.map((outcome) => statementRow(runId, grid, outcome)));
  await deps.settlement.insertMeterFailures(priced.meterFailures.map((failure) => ({ runId, ...failure })));
  const dues: SettlementDue[] = [];
  const failures: ChunkFailures = [];
  for (const outcome of priced.outcomes) {
    if (outcome.error === null) dues.push({ account: outcome.account, totalMicro: outcome.totalMicro! });
    else addFailures(failures, [[outcome.error.code, 1, outcome.account.accountId]]);
  }
  const transfersPosted = await postDues(deps, dues, { runId, fromMs: grid.fromMs, toMs: grid.toMs, nowMs: (deps.nowMs ?? Date.now)() });
  return {
    accountsDone: priced.outcomes.length, accountsFailed: priced.outcomes.length - dues.length, readings: priced.readings, transfersPosted, failures,
  };
}
