// runSettlement: every billing account with meters, one billing period,
// readings → statements → ledger (docs/settlement.md). Accounts are settled
// in batches of about `metersPerBatch` meters: read in one chunked pass,
// priced (on read workers for a SQLite file, read-workers.ts), their
// statements stored, then their differences posted, in batch order. A run
// row records status, counts and duration as it goes. Given `deps.chunks`
// (PostgreSQL, the API), the batches are instead stored as chunks that every
// host claims and settles (chunk-settler.ts, docs/settlement.md "Chunks and
// hosts").
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolveAggregationOptions } from '../engine/aggregate.js';
import type { RatedAggregationOptions } from '../engine/aggregate-rated.js';
import { invalidInput, limitExceeded } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { READING_TIME_MS_MAX_EXCLUSIVE } from '../limits.js';
import type { ReadingStore } from '../store/reading-store.js';
import type { AccountMeters, RunProgress, SettlementRunRecord, SettlementStore } from '../store/settlement-store.js';
import { periodGrid, type PeriodGrid } from './accumulate.js';
import { priceAccounts, TariffCache, type PricedBatch } from './price-accounts.js';
import type { ChunkSettler } from './chunk-settler.js';
import { addFailures, addProgress, failureSummary, settlePricedBatch } from './settle-batch.js';
import type { ChunkFailures } from '../store/settlement-chunks.js';
import { SettlementReadWorkers } from './read-workers.js';
import {
  SETTLEMENT_METERS_PER_BATCH_DEFAULT, SETTLEMENT_METERS_PER_BATCH_MAX, SETTLEMENT_READ_WORKERS_DEFAULT_MAX,
  SETTLEMENT_READ_WORKERS_MAX, SETTLEMENT_READ_WORKERS_METERS_MIN,
} from './settlement-limits.js';
import { safeNumber } from '../exact.js';

export interface SettlementDeps {
  readings: ReadingStore;
  settlement: SettlementStore;
  ledger: Ledger;
  /** The clock for run times and the ledger's `nowMs` (default Date.now). */
  nowMs?: () => number;
  /** PostgreSQL: settle the run as chunks that every host may claim (chunk-settler.ts); absent: in this run's own loop. */
  chunks?: ChunkSettler;
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
  /** A cap on every meter's own power rating (configurable down, never up); default: each meter's rating as provisioned. */
  maxPowerW?: number;
  maxGapMs?: number;
  /** Default: a random UUID. An id that exists is `invalid_input`. */
  runId?: string;
  metersPerBatch?: number;
  /**
   * Worker threads that read, aggregate and price batches (SQLite file only;
   * 0: all in this thread). Default: one per core up to
   * SETTLEMENT_READ_WORKERS_DEFAULT_MAX once the run has
   * SETTLEMENT_READ_WORKERS_METERS_MIN meters, else 0.
   */
  readWorkers?: number;
  /** Called after each batch, once the run row holds the same counts; awaited, so a slow consumer slows the run. */
  onProgress?: (progress: SettlementProgress) => void | Promise<void>;
}

function checkPeriod(fromMs: number, toMs: number): void {
  const maxMs = safeNumber(READING_TIME_MS_MAX_EXCLUSIVE, 'READING_TIME_MS_MAX_EXCLUSIVE');
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

function checkReadWorkers(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 0) throw invalidInput('readWorkers must be a non-negative integer');
  if (value > SETTLEMENT_READ_WORKERS_MAX) {
    throw limitExceeded('SETTLEMENT_READ_WORKERS_MAX', `readWorkers ${value} is above ${SETTLEMENT_READ_WORKERS_MAX}`);
  }
  return value;
}

/** How many read workers the run starts: none without a SQLite file, never more than batches. */
function readWorkerCount(readings: ReadingStore, requested: number | undefined, meterCount: number, batchCount: number): number {
  if (readings.sqliteFile === null) return 0;
  const automatic = meterCount >= SETTLEMENT_READ_WORKERS_METERS_MIN ? Math.min(availableParallelism(), SETTLEMENT_READ_WORKERS_DEFAULT_MAX) : 0;
  return Math.min(requested ?? automatic, batchCount);
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

interface BatchPricing {
  price(batch: readonly AccountMeters[]): Promise<PricedBatch>;
  /** Batches in progress at once: one in this thread, on workers enough to keep each busy. */
  lookahead: number;
  close(): Promise<void>;
}

function batchPricing(deps: SettlementDeps, grid: PeriodGrid, aggregation: RatedAggregationOptions, workerCount: number): BatchPricing {
  const tariffs = new TariffCache((tariffId) => deps.settlement.tariffJson(tariffId));
  if (workerCount === 0) {
    return { price: (batch) => priceAccounts(deps.readings, tariffs, batch, grid, aggregation), lookahead: 1, close: async () => undefined };
  }
  const workers = new SettlementReadWorkers({ sqliteFile: deps.readings.sqliteFile! }, workerCount);
  return { price: (batch) => workers.price(batch, tariffs, grid, aggregation), lookahead: 2 * workerCount, close: () => workers.close() };
}

/** Each batch with its priced result, in batch order; the next ones are priced meanwhile. */
async function* pricedBatches(batches: AccountMeters[][], pricing: BatchPricing): AsyncIterable<PricedBatch> {
  const pending: Array<Promise<PricedBatch>> = [];
  let next = 0;
  for (let done = 0; done < batches.length; done++) {
    while (next < batches.length && pending.length < pricing.lookahead) {
      const priced = pricing.price(batches[next++]!);
      // Awaited in turn below; a failure ahead of the batch being posted must not go unhandled meanwhile.
      priced.catch(() => undefined);
      pending.push(priced);
    }
    yield await pending.shift()!;
  }
}

/**
 * Settles [fromMs, toMs) for every billing account with meters. Accounts
 * that fail a computation (e.g. `no_price`) get a failed statement row and
 * post nothing; the others are settled, and the run ends `failed` naming
 * the codes. A database or ledger error, or a failing read worker, ends the
 * run `failed` and is thrown.
 */
export async function runSettlement(deps: SettlementDeps, options: SettlementRunOptions): Promise<SettlementRunRecord> {
  checkPeriod(options.fromMs, options.toMs);
  const aggregation = resolveAggregationOptions({ intervalMs: options.intervalMs, maxPowerW: options.maxPowerW, maxGapMs: options.maxGapMs });
  // Each meter is aggregated at its own rating; the run's maxPowerW, when given, only lowers it.
  const meterAggregation: RatedAggregationOptions = {
    intervalMs: aggregation.intervalMs, maxGapMs: aggregation.maxGapMs, ...(options.maxPowerW === undefined ? {} : { maxPowerWCap: aggregation.maxPowerW }),
  };
  const metersPerBatch = checkMetersPerBatch(options.metersPerBatch);
  const readWorkers = checkReadWorkers(options.readWorkers);
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
  const failures: ChunkFailures = [];
  const finish = async (status: 'completed' | 'failed', error: string | null): Promise<SettlementRunRecord> => {
    const finishedAtMs = clock();
    await deps.settlement.finishRun(runId, { ...progress, status, finishedAtMs, durationMs: finishedAtMs - startedAtMs, error });
    return (await deps.settlement.run(runId))!;
  };
  const grid = periodGrid(options.fromMs, options.toMs, aggregation.intervalMs);
  const batches = accountBatches(accounts, metersPerBatch);
  if (deps.chunks !== undefined && batches.length > 0) {
    // PostgreSQL: the batches become chunks that every host serving the database may claim (chunk-settler.ts).
    await deps.chunks.store.insertChunks(runId, { fromMs: options.fromMs, toMs: options.toMs, aggregation: meterAggregation }, batches)
      .catch(async (error: unknown) => { await finish('failed', error instanceof Error ? error.message : String(error)); throw error; });
    return deps.chunks.settleRun(runId, options.onProgress);
  }
  const meterCount = accounts.reduce((sum, account) => sum + account.meterIds.length, 0);
  const pricing = batchPricing(deps, grid, meterAggregation, readWorkerCount(deps.readings, readWorkers, meterCount, batches.length));
  try {
    for await (const priced of pricedBatches(batches, pricing)) {
      const settled = await settlePricedBatch(deps, runId, grid, priced);
      addProgress(progress, settled);
      addFailures(failures, settled.failures);
      await deps.settlement.updateRunProgress(runId, progress);
      await options.onProgress?.({ accountsDone: progress.accountsDone, accountsTotal: accounts.length, readings: progress.readings });
    }
  } catch (error) {
    await finish('failed', error instanceof Error ? error.message : String(error));
    throw error;
  } finally {
    await pricing.close();
  }
  const summary = failureSummary(failures);
  return finish(summary === null ? 'completed' : 'failed', summary);
}
