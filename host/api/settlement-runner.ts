// Settlement runs started over HTTP run in the background: the route answers
// 202 once the run row exists (so GET /v1/settlement-runs/{id} finds it at
// once), and the app waits for runs in flight before it closes its store.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { Ledger } from '../ledger/ledger.js';
import { runSettlement, type SettlementRunOptions } from '../settlement/run.js';
import type { ChunkSettler } from '../settlement/chunk-settler.js';
import type { Store } from '../store/open-store.js';
import type { SettlementRunRecord, SettlementStore } from '../store/settlement-store.js';
import type { ApiMetrics } from './metrics.js';

export interface RunnerDeps {
  store: Store;
  ledger: Ledger;
  metrics: ApiMetrics;
  nowMs(): number;
  log: FastifyBaseLogger;
  /** PostgreSQL: runs are settled as chunks that every host claims (docs/settlement.md "Chunks and hosts"). */
  chunks?: ChunkSettler;
}

/** The settlement store, with a signal once `createRun` has committed the run row. */
function signallingStore(store: SettlementStore): { settlement: SettlementStore; created: Promise<void> } {
  let signal!: () => void;
  const created = new Promise<void>((resolve) => { signal = resolve; });
  const settlement = Object.create(store) as SettlementStore;
  settlement.createRun = async (run) => {
    await store.createRun(run);
    signal();
  };
  return { settlement, created };
}

export class SettlementRunner {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Starts a run; resolves with its row as soon as the row exists. Errors
   * before that (a bad period, an existing run id) reject here; later ones
   * end the run `failed` and are logged.
   */
  async start(options: Omit<SettlementRunOptions, 'onProgress'>): Promise<SettlementRunRecord> {
    const runId = options.runId ?? randomUUID();
    const { settlement, created } = signallingStore(this.deps.store.settlement);
    const startedAt = performance.now();
    const run = runSettlement(
      { readings: this.deps.store.readings, settlement, ledger: this.deps.ledger, nowMs: this.deps.nowMs, ...(this.deps.chunks === undefined ? {} : { chunks: this.deps.chunks }) },
      { ...options, runId },
    );
    let rowCreated = false;
    void created.then(() => { rowCreated = true; });
    // A run refused before its row exists is not a run: no metric, the route answers the error.
    const settled = run.then(
      (record) => this.deps.metrics.settlementRunFinished(record.status, (performance.now() - startedAt) / 1000),
      (error: unknown) => {
        if (!rowCreated) return;
        this.deps.metrics.settlementRunFinished('failed', (performance.now() - startedAt) / 1000);
        this.deps.log.error({ err: error, runId }, 'settlement run failed');
      },
    );
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    await Promise.race([created, run]);
    return (await this.deps.store.settlement.run(runId))!;
  }

  /** Resolves when every run started so far has ended. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
