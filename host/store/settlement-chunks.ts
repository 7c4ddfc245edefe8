// The chunks of a settlement run on PostgreSQL (docs/settlement.md "Chunks
// and hosts"): a run's batches of accounts as rows that any host serving the
// database claims under a lease (FOR UPDATE SKIP LOCKED), settles and
// records. Implemented by host/store/postgres/settlement-chunks.ts.
import type { RatedAggregationOptions } from '../engine/aggregate-rated.js';
import type { AccountMeters, RunProgress } from './settlement-store.js';

/** What every chunk of a run needs besides its accounts. */
export interface ChunkWork {
  fromMs: number;
  toMs: number;
  aggregation: RatedAggregationOptions;
}

export interface ChunkClaim {
  runId: string;
  chunkIndex: number;
  work: ChunkWork;
  accounts: AccountMeters[];
}

/** Failed accounts of a chunk by code: [code, how many, the first account id]. */
export type ChunkFailures = Array<[string, number, string]>;

export interface ChunkResult extends RunProgress {
  failures: ChunkFailures;
}

export interface ChunkRow extends ChunkResult {
  chunkIndex: number;
  status: 'pending' | 'done';
  claimedBy: string | null;
  claims: number;
  doneBy: string | null;
}

export interface SettlementChunkStore {
  insertChunks(runId: string, work: ChunkWork, batches: readonly AccountMeters[][]): Promise<void>;
  /** Claims one pending chunk of a running run whose lease is free or expired (oldest run first); null when none. */
  claimChunk(hostId: string, leaseMs: number): Promise<ChunkClaim | null>;
  /** Records a settled chunk; false when another host recorded it first (its lease had expired). */
  finishChunk(runId: string, chunkIndex: number, hostId: string, result: ChunkResult): Promise<boolean>;
  /** The run's chunks in order. */
  chunks(runId: string): Promise<ChunkRow[]>;
}
