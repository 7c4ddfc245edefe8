// Chunks and hosts (docs/settlement.md): on PostgreSQL a run's batches are
// chunk rows that every host serving the database claims under a lease
// (SETTLEMENT_CHUNK_LEASE_MS), settles and records. Reading, aggregating and
// pricing run on a read worker thread, off the HTTP event loop; this thread
// stores statements and posts. The host that records a run's last chunk
// finishes the run. A chunk settled twice (a lease expired under a slow
// host) posts once: postings are claimed per (account, period, revision)
// (postings.ts), statements and meter failures are kept when stored.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RatedAggregationOptions } from '../engine/aggregate-rated.js';
import type { ChunkClaim, ChunkFailures, SettlementChunkStore } from '../store/settlement-chunks.js';
import type { AccountMeters, RunProgress, SettlementRunRecord } from '../store/settlement-store.js';
import { periodGrid, type PeriodGrid } from './accumulate.js';
import { priceAccounts, TariffCache, type PricedBatch } from './price-accounts.js';
import { SettlementReadWorkers, type ReadWorkerSource } from './read-workers.js';
import type { SettlementDeps, SettlementProgress } from './run.js';
import { addFailures, addProgress, failureSummary, settlePricedBatch } from './settle-batch.js';
import { SETTLEMENT_CHUNK_LEASE_MS, SETTLEMENT_CHUNK_POLL_MS } from './settlement-limits.js';

export interface ChunkSettlerOptions {
  /** Names this host in the chunk rows (default a random UUID). */
  hostId?: string;
  leaseMs?: number;
  pollMs?: number;
  /** Where the read worker opens the database; null: read, aggregate and price in this thread (tests). */
  workerSource: ReadWorkerSource | null;
}

export class ChunkSettler {
  readonly hostId: string;
  private readonly leaseMs: number;
  readonly pollMs: number;
  private readonly tariffs: TariffCache;
  private workers: SettlementReadWorkers | null = null;
  private stopped = false;

  constructor(private readonly deps: Omit<SettlementDeps, 'chunks'>, readonly store: SettlementChunkStore, private readonly options: ChunkSettlerOptions) {
    this.hostId = options.hostId ?? randomUUID();
    this.leaseMs = options.leaseMs ?? SETTLEMENT_CHUNK_LEASE_MS;
    this.pollMs = options.pollMs ?? SETTLEMENT_CHUNK_POLL_MS;
    // Tariffs are immutable (docs/settlement.md): one cache serves every run.
    this.tariffs = new TariffCache((tariffId) => deps.settlement.tariffJson(tariffId));
  }

  /** Claims and settles chunks of any running run, oldest run first, until none is claimable; returns how many. */
  async settleAvailable(afterChunk?: (runId: string) => Promise<void>): Promise<number> {
    let settled = 0;
    for (let claim = await this.claim(); claim !== null; claim = await this.claim()) {
      await this.settleChunk(claim);
      settled++;
      await afterChunk?.(claim.runId);
    }
    return settled;
  }

  /** Settles chunks until the run has ended (every chunk recorded, by any host) or the settler stops; returns its row. */
  async settleRun(runId: string, onProgress?: (progress: SettlementProgress) => void | Promise<void>): Promise<SettlementRunRecord> {
    const report = async (chunkRunId: string) => {
      if (chunkRunId !== runId || onProgress === undefined) return;
      const run = (await this.deps.settlement.run(runId))!;
      await onProgress({ accountsDone: run.accountsDone, accountsTotal: run.accountsTotal, readings: run.readings });
    };
    for (;;) {
      await this.settleAvailable(report);
      const run = (await this.deps.settlement.run(runId))!;
      if (run.status !== 'running' || this.stopped) return run;
      await sleep(this.pollMs);
    }
  }

  /** Claims nothing more; settleRun returns after the chunk in hand. */
  stop(): void {
    this.stopped = true;
  }

  async close(): Promise<void> {
    this.stop();
    await this.workers?.close();
    this.workers = null;
  }

  private claim(): Promise<ChunkClaim | null> {
    return this.stopped ? Promise.resolve(null) : this.store.claimChunk(this.hostId, this.leaseMs);
  }

  private async settleChunk(claim: ChunkClaim): Promise<void> {
    try {
      const grid = periodGrid(claim.work.fromMs, claim.work.toMs, claim.work.aggregation.intervalMs!);
      const priced = await this.price(claim.accounts, grid, claim.work.aggregation);
      const result = await settlePricedBatch(this.deps, claim.runId, grid, priced);
      if (await this.store.finishChunk(claim.runId, claim.chunkIndex, this.hostId, result)) await this.recordRun(claim.runId, null);
    } catch (error) {
      // As in a run's own loop: a database, ledger or worker error ends the run failed.
      await this.recordRun(claim.runId, error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  private async price(accounts: readonly AccountMeters[], grid: PeriodGrid, aggregation: RatedAggregationOptions): Promise<PricedBatch> {
    if (this.options.workerSource === null) return priceAccounts(this.deps.readings, this.tariffs, accounts, grid, aggregation);
    // One worker per host: a host settles one chunk at a time.
    this.workers ??= new SettlementReadWorkers(this.options.workerSource, 1);
    try {
      return await this.workers.price(accounts, this.tariffs, grid, aggregation);
    } catch (error) {
      // A failed pool refuses every later batch: the next chunk starts a fresh one.
      await this.workers.close();
      this.workers = null;
      throw error;
    }
  }

  /** The run's row from its chunks: progress, or its end once every chunk is recorded (or `error`). */
  private async recordRun(runId: string, error: string | null): Promise<void> {
    const chunks = await this.store.chunks(runId);
    const progress: RunProgress = { accountsDone: 0, accountsFailed: 0, readings: 0, transfersPosted: 0 };
    const failures: ChunkFailures = [];
    for (const chunk of chunks.filter((row) => row.status === 'done')) {
      addProgress(progress, chunk);
      addFailures(failures, chunk.failures);
    }
    if (error === null && chunks.some((chunk) => chunk.status === 'pending')) {
      await this.deps.settlement.updateRunProgress(runId, progress);
      return;
    }
    const run = (await this.deps.settlement.run(runId))!;
    const finishedAtMs = (this.deps.nowMs ?? Date.now)();
    const summary = error ?? failureSummary(failures);
    await this.deps.settlement.finishRun(runId, {
      ...progress, status: summary === null ? 'completed' : 'failed', finishedAtMs, durationMs: finishedAtMs - run.startedAtMs, error: summary,
    });
  }
}

/** Settles claimable chunks every pollMs until the returned stop is called (which waits for the chunk in hand). */
export function pollChunks(settler: ChunkSettler, onError: (error: unknown) => void): () => Promise<void> {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout;
  const tick = () => {
    current = settler.settleAvailable().then(() => undefined, onError).finally(() => {
      if (!stopped) timer = setTimeout(tick, settler.pollMs).unref();
    });
  };
  timer = setTimeout(tick, settler.pollMs).unref();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    settler.stop();
    await current;
    await settler.close();
  };
}
