// SettlementChunkStore on PostgreSQL. A claim picks the first claimable
// chunk with FOR UPDATE SKIP LOCKED, so hosts claiming at once take
// different chunks, and sets its lease from the database's clock, so hosts
// with skewed clocks agree on when it expires.
import type { PostgresSql } from '../postgres.js';
import type { SqlRow } from '../settlement-rows.js';
import type { AccountMeters } from '../settlement-store.js';
import type { ChunkClaim, ChunkResult, ChunkRow, ChunkWork, SettlementChunkStore } from '../settlement-chunks.js';

const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

function chunkRowOf(row: SqlRow): ChunkRow {
  return {
    chunkIndex: Number(row.chunk_index), status: String(row.status) as ChunkRow['status'],
    claimedBy: row.claimed_by === null ? null : String(row.claimed_by), claims: Number(row.claims),
    doneBy: row.done_by === null ? null : String(row.done_by),
    accountsDone: Number(row.accounts_done), accountsFailed: Number(row.accounts_failed), readings: Number(row.readings),
    transfersPosted: Number(row.transfers_posted), failures: JSON.parse(String(row.failures_json)) as ChunkResult['failures'],
  };
}

export class PostgresSettlementChunkStore implements SettlementChunkStore {
  constructor(private readonly sql: PostgresSql) {}

  async insertChunks(runId: string, work: ChunkWork, batches: readonly AccountMeters[][]): Promise<void> {
    if (batches.length === 0) return;
    const workJson = JSON.stringify(work);
    const values = batches.map((accounts, chunkIndex) => ({
      run_id: runId, chunk_index: chunkIndex, work_json: workJson, accounts_json: JSON.stringify(accounts), status: 'pending',
    }));
    await this.sql`INSERT INTO settlement_run_chunks ${this.sql(values as never)}`;
  }

  async claimChunk(hostId: string, leaseMs: number): Promise<ChunkClaim | null> {
    const [row] = await this.sql<SqlRow[]>`
      UPDATE settlement_run_chunks c SET claimed_by = ${hostId}, lease_until_ms = ${this.sql.unsafe(NOW_MS)} + ${leaseMs}, claims = c.claims + 1
      FROM (
        SELECT k.run_id, k.chunk_index FROM settlement_run_chunks k JOIN settlement_runs r ON r.id = k.run_id
        WHERE k.status = 'pending' AND r.status = 'running' AND (k.lease_until_ms IS NULL OR k.lease_until_ms <= ${this.sql.unsafe(NOW_MS)})
        ORDER BY r.seq, k.chunk_index LIMIT 1 FOR UPDATE OF k SKIP LOCKED
      ) picked
      WHERE c.run_id = picked.run_id AND c.chunk_index = picked.chunk_index
      RETURNING c.run_id, c.chunk_index, c.work_json, c.accounts_json`;
    if (row === undefined) return null;
    return {
      runId: String(row.run_id), chunkIndex: Number(row.chunk_index),
      work: JSON.parse(String(row.work_json)) as ChunkWork, accounts: JSON.parse(String(row.accounts_json)) as AccountMeters[],
    };
  }

  async finishChunk(runId: string, chunkIndex: number, hostId: string, result: ChunkResult): Promise<boolean> {
    const updated = await this.sql`UPDATE settlement_run_chunks SET status = 'done', done_by = ${hostId},
      accounts_done = ${result.accountsDone}, accounts_failed = ${result.accountsFailed}, readings = ${result.readings},
      transfers_posted = ${result.transfersPosted}, failures_json = ${JSON.stringify(result.failures)}
      WHERE run_id = ${runId} AND chunk_index = ${chunkIndex} AND status = 'pending'`;
    return updated.count === 1;
  }

  async chunks(runId: string): Promise<ChunkRow[]> {
    const rows = await this.sql<SqlRow[]>`SELECT * FROM settlement_run_chunks WHERE run_id = ${runId} ORDER BY chunk_index`;
    return rows.map(chunkRowOf);
  }
}
