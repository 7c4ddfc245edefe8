// Settlement read workers (docs/settlement.md "Read workers"). Batches of
// accounts are read, aggregated and priced on worker threads, each with its
// own connection (a SQLite file opened read-only, WAL letting readers run
// beside the writer; or its own PostgreSQL pool of one), while the calling
// thread stores statements and posts to the ledger, so the HTTP event loop
// stays free. A worker that fails a request, throws or exits fails the pool:
// every waiting batch is rejected.
import { Worker } from 'node:worker_threads';
import type { RatedAggregationOptions } from '../engine/aggregate-rated.js';
import type { PostgresLocation } from '../store/reading-store.js';
import type { AccountMeters } from '../store/settlement-store.js';
import type { PeriodGrid } from './accumulate.js';
import type { AccountOutcome, MeterFailure, PricedBatch, TariffCache } from './price-accounts.js';

/** What a worker opens: a SQLite file or a PostgreSQL database. */
export type ReadWorkerSource = { sqliteFile: string } | PostgresLocation;

export interface ReadWorkerRequest {
  accounts: readonly AccountMeters[];
  /** [tariffId, tariff JSON] of the batch's tariffs. */
  tariffs: Array<[string, string]>;
  grid: PeriodGrid;
  aggregation: RatedAggregationOptions;
}

export type ReadWorkerReply =
  | { outcomes: Array<Omit<AccountOutcome, 'account'>>; meterFailures: MeterFailure[]; readings: number }
  | { failure: string };

/** `name: message`; an error thrown in a worker arrives cloned, not always as an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'object' && error !== null ? JSON.stringify(error) : String(error);
}

interface Task {
  request: ReadWorkerRequest;
  resolve(reply: ReadWorkerReply): void;
  reject(error: Error): void;
}

export class SettlementReadWorkers {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly waiting: Task[] = [];
  private failure: Error | null = null;

  constructor(source: ReadWorkerSource, workerCount: number) {
    for (let index = 0; index < workerCount; index++) {
      const worker = new Worker(new URL('./read-worker.js', import.meta.url), { workerData: source });
      worker.on('message', (reply: ReadWorkerReply) => this.settle(worker, reply));
      worker.on('error', (error: unknown) => this.fail(new Error(`a settlement read worker failed: ${describeError(error)}`)));
      worker.on('exit', (code) => this.fail(new Error(`a settlement read worker exited with code ${code}`)));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Reads, aggregates and prices one batch on the next free worker. */
  async price(accounts: readonly AccountMeters[], tariffs: TariffCache, grid: PeriodGrid, aggregation: RatedAggregationOptions): Promise<PricedBatch> {
    const tariffIds = [...new Set(accounts.map((account) => account.tariffId))];
    const tariffTexts = await Promise.all(tariffIds.map(async (tariffId): Promise<[string, string]> => [tariffId, await tariffs.tariffJson(tariffId)]));
    const reply = await new Promise<ReadWorkerReply>((resolve, reject) => {
      if (this.failure !== null) throw this.failure;
      this.waiting.push({ request: { accounts, tariffs: tariffTexts, grid, aggregation }, resolve, reject });
      this.dispatch();
    });
    if ('failure' in reply) throw new Error(`settlement read worker: ${reply.failure}`);
    const outcomes = reply.outcomes.map((outcome, index) => ({ account: accounts[index]!, ...outcome }));
    return { outcomes, meterFailures: reply.meterFailures, readings: reply.readings };
  }

  /** Stops every worker; batches still waiting are rejected. */
  async close(): Promise<void> {
    this.fail(new Error('the settlement read workers were closed'));
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.pop()!;
      const task = this.waiting.shift()!;
      this.running.set(worker, task);
      worker.postMessage(task.request);
    }
  }

  private settle(worker: Worker, reply: ReadWorkerReply): void {
    const task = this.running.get(worker);
    this.running.delete(worker);
    this.idle.push(worker);
    task?.resolve(reply);
    this.dispatch();
  }

  // The first failure sticks: later batches are refused rather than sent to a pool missing a worker.
  private fail(error: Error): void {
    this.failure ??= error;
    for (const task of [...this.running.values(), ...this.waiting.splice(0)]) task.reject(this.failure);
    this.running.clear();
  }
}
