// ReadingStore on PostgreSQL (postgres.js). Several hosts may ingest at
// once: a batch claims its (gateway, seq) row first, so a concurrent repeat
// of the same seq waits for the first and then sees its response; readings
// go in with one `INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING`,
// sorted by key so that concurrent batches lock keys in one order (no
// deadlock), and only when some row was not inserted are they read back to
// classify it.
import type { PostgresSql } from '../postgres.js';
import { ChunkBuilder, meterRatingsOf, planChunks, ratingsColumn } from '../reading-chunks.js';
import { assertGatewaySecret, assertSealingKey, sealSecret } from '../secret-seal.js';
import { GATEWAY_COLUMNS, GATEWAY_RECORD_COLUMNS, REVOKE_GATEWAY, ROTATE_GATEWAY, gatewayOf, gatewayRecordOf, postgresPlaceholders, rotationOutcomeOf } from '../gateway-rows.js';
import type { GatewaySummary } from '../party-store.js';
import {
  NO_EXPORT_MWH, READING_CONFLICT, READING_DUPLICATE,
  type BatchClaim, type GatewayRecord, type GatewayRotation, type GatewayRotationOutcome, type IngestTransaction, type MeterAssignment, type MeterBinding,
  type NewGateway, type PostgresLocation, type ReadingChunk, type ReadingRows, type ReadingsQuery, type ReadingStore,
} from '../reading-store.js';

type Sql = PostgresSql;

/** Rows per cursor fetch of the settlement read. */
const READ_CURSOR_ROWS = 10_000;

/** A PostgreSQL array literal: one text parameter instead of N, cast in SQL. */
function arrayLiteral(values: ArrayLike<number | bigint>, isNull?: (value: number | bigint) => boolean): string {
  const parts = new Array<string>(values.length);
  for (let k = 0; k < values.length; k++) {
    const value = values[k]!;
    parts[k] = isNull !== undefined && isNull(value) ? 'NULL' : String(value);
  }
  return `{${parts.join(',')}}`;
}

const isNoExport = (value: number | bigint): boolean => value === NO_EXPORT_MWH;

async function claimBatch(sql: Sql, gatewayId: string, seq: number, bodySha256: Uint8Array, nowMs: number): Promise<BatchClaim> {
  const inserted = await sql`
    INSERT INTO gateway_batches (gateway_id, seq, body_sha256, response_json, created_at_ms)
    VALUES (${gatewayId}, ${seq}, ${Buffer.from(bodySha256)}, NULL, ${nowMs})
    ON CONFLICT DO NOTHING RETURNING seq`;
  if (inserted.count === 1) return { kind: 'claimed' };
  // READ COMMITTED: this statement sees the row the conflicting transaction committed.
  const [row] = await sql`SELECT body_sha256, response_json FROM gateway_batches WHERE gateway_id = ${gatewayId} AND seq = ${seq}`;
  return { kind: 'seen', bodySha256: new Uint8Array(row!.body_sha256 as Buffer), responseJson: String(row!.response_json) };
}

/**
 * The common case (every row new) costs one statement and no rows back.
 * Otherwise the stored rows are read back; `xmin` tells the rows this
 * transaction inserted from equal ones stored before (RETURNING every
 * inserted key instead cost ~15 % of the insert, measured). The count check
 * keeps a wrong answer impossible: it fails the batch instead.
 */
async function insertPostgresReadings(sql: Sql, rows: ReadingRows): Promise<Uint8Array> {
  const rowCount = rows.t.length;
  const outcomes = new Uint8Array(rowCount);
  if (rowCount === 0) return outcomes;
  const meterKeys = arrayLiteral(rows.meterKey);
  const times = arrayLiteral(rows.t);
  const inserted = await sql`
    INSERT INTO readings (meter_key, t, i, x)
    SELECT * FROM unnest(${meterKeys}::int4[], ${times}::int8[], ${arrayLiteral(rows.i)}::int8[], ${arrayLiteral(rows.x, isNoExport)}::int8[])
    ON CONFLICT DO NOTHING`;
  if (inserted.count === rowCount) return outcomes;
  const stored = await sql`
    SELECT q.ord, r.i, r.x, r.xmin = pg_current_xact_id()::xid AS ours
    FROM unnest(${meterKeys}::int4[], ${times}::int8[]) WITH ORDINALITY AS q (meter_key, t, ord)
    JOIN readings r ON r.meter_key = q.meter_key AND r.t = q.t`.values();
  if (stored.length !== rowCount) throw new Error(`readings read back ${stored.length} of ${rowCount} rows`);
  let oursCount = 0;
  for (const [ord, storedImport, storedExport, ours] of stored) {
    const row = Number(ord) - 1;
    if (ours === true) {
      oursCount++;
      continue;
    }
    const same = storedImport === rows.i[row] && ((storedExport as bigint | null) ?? NO_EXPORT_MWH) === rows.x[row];
    outcomes[row] = same ? READING_DUPLICATE : READING_CONFLICT;
  }
  if (oursCount !== inserted.count) throw new Error(`inserted ${inserted.count} readings but recognised ${oursCount} as this transaction's`);
  return outcomes;
}

/**
 * The response write is pipelined with COMMIT: it is queued, not awaited.
 * It must therefore fail in SQL when it misses its row (the division by a
 * zero count aborts the transaction, so COMMIT rolls back).
 */
function postgresTransaction(sql: Sql, pending: Array<Promise<unknown>>): IngestTransaction {
  return {
    claimBatch: (gatewayId, seq, bodySha256, nowMs) => claimBatch(sql, gatewayId, seq, bodySha256, nowMs),
    async resolveMeters(meterIds: readonly string[]): Promise<Array<MeterBinding | null>> {
      const rows = await sql`
        SELECT q.ord, m.meter_key, m.gateway_id, m.account_id
        FROM unnest(${sql.array([...meterIds])}::text[]) WITH ORDINALITY AS q (id, ord)
        JOIN meters m ON m.id = q.id`;
      const bindings = new Array<MeterBinding | null>(meterIds.length).fill(null);
      for (const row of rows) {
        bindings[Number(row.ord) - 1] = { meterKey: Number(row.meter_key), gatewayId: String(row.gateway_id), accountId: row.account_id ?? null };
      }
      return bindings;
    },
    insertReadings: (rows) => insertPostgresReadings(sql, rows),
    async recordBatchResponse(gatewayId: string, seq: number, responseJson: string): Promise<void> {
      pending.push(sql`
        WITH updated AS (
          UPDATE gateway_batches SET response_json = ${responseJson} WHERE gateway_id = ${gatewayId} AND seq = ${seq} RETURNING 1
        )
        SELECT 1 / count(*) FROM updated`.execute());
    },
  };
}

/** Resolves after all of them settled; rejects with the first failure. */
async function settleAll(queries: ReadonlyArray<Promise<unknown>>): Promise<void> {
  const failure = (await Promise.allSettled(queries)).find((outcome) => outcome.status === 'rejected');
  if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
}

/**
 * One transaction on a reserved connection, with BEGIN pipelined ahead of
 * the first statements and the last write pipelined with COMMIT: two round
 * trips fewer per batch than `sql.begin` (docs/storage.md).
 */
async function pipelinedTransaction<T>(sql: Sql, work: (transaction: IngestTransaction) => Promise<T>): Promise<T> {
  const connection = (await sql.reserve()) as unknown as Sql & { release(): void };
  const pending: Array<Promise<unknown>> = [connection`BEGIN`.execute()];
  try {
    const result = await work(postgresTransaction(connection, pending));
    const commit = connection`COMMIT`.execute();
    await settleAll([...pending, commit]);
    const { command } = await commit;
    if (command !== 'COMMIT') throw new Error(`the ingest transaction ended in ${command}`);
    return result;
  } catch (error) {
    await settleAll(pending).catch(() => undefined);
    await connection`ROLLBACK`.catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}

// Per meter: the reading before the period, the period, the first reading at or after its end.
async function readPostgresChunk(sql: Sql, meterIds: string[], fromMs: bigint, toMs: bigint, boundaryReadings: boolean): Promise<ReadingChunk> {
  const edge = boundaryReadings ? 1 : 0;
  // bigint parameters go as decimal text: the pool's type map has no bigint serializer.
  const from = String(fromMs);
  const to = String(toMs);
  const builder = new ChunkBuilder();
  // A cursor streams the chunk into the columns instead of materialising ~1.5 M row arrays.
  await sql`
    SELECT q.ord, r.t, r.i, r.x
    FROM unnest(${sql.array(meterIds)}::text[]) WITH ORDINALITY AS q (id, ord)
    JOIN meters m ON m.id = q.id
    CROSS JOIN LATERAL (
      (SELECT t, i, x FROM readings WHERE meter_key = m.meter_key AND t < ${from}::int8 ORDER BY t DESC LIMIT ${edge})
      UNION ALL
      (SELECT t, i, x FROM readings WHERE meter_key = m.meter_key AND t >= ${from}::int8 AND t < ${to}::int8)
      UNION ALL
      (SELECT t, i, x FROM readings WHERE meter_key = m.meter_key AND t >= ${to}::int8 ORDER BY t LIMIT ${edge})
    ) r
    ORDER BY q.ord, r.t`.values().cursor(READ_CURSOR_ROWS, (rows) => {
    for (const [ord, tMs, importMWh, exportMWh] of rows) {
      builder.append(Number(ord) - 1, tMs as bigint, importMWh as bigint, (exportMWh as bigint | null) ?? NO_EXPORT_MWH);
    }
  });
  const ratings = await sql`SELECT id, max_power_w FROM meters WHERE id = ANY(${sql.array(meterIds)}::text[])`;
  return builder.finish(meterIds, ratingsColumn(meterIds, new Map(ratings.map((row) => [String(row.id), Number(row.max_power_w)]))));
}

export class PostgresReadingStore implements ReadingStore {
  readonly kind = 'postgres';
  readonly sqliteFile = null;

  constructor(private readonly sql: Sql, private readonly sealingKey: Uint8Array, readonly postgresLocation: PostgresLocation | null = null) {
    assertSealingKey(sealingKey);
  }

  async createGateway(gateway: NewGateway): Promise<void> {
    assertGatewaySecret(gateway.secret);
    const sealed = Buffer.from(sealSecret(this.sealingKey, gateway.gatewayId, gateway.secret));
    await this.sql`
      INSERT INTO gateways (id, secret_sealed, owner_party_id, created_at_ms)
      VALUES (${gateway.gatewayId}, ${sealed}, ${gateway.ownerPartyId}, ${gateway.createdAtMs})`;
  }

  async gateway(gatewayId: string): Promise<GatewayRecord | null> {
    const [row] = await this.sql`SELECT ${this.sql.unsafe(GATEWAY_RECORD_COLUMNS)} FROM gateways WHERE id = ${gatewayId}`;
    return row === undefined ? null : gatewayRecordOf(this.sealingKey, row);
  }

  async revokeGateway(gatewayId: string, nowMs: number): Promise<GatewaySummary | null> {
    const [row] = await this.sql.unsafe(postgresPlaceholders(REVOKE_GATEWAY), [nowMs, gatewayId]);
    return row === undefined ? null : gatewayOf(row);
  }

  async rotateGatewaySecret(rotation: GatewayRotation): Promise<GatewayRotationOutcome> {
    assertGatewaySecret(rotation.secret);
    const sealed = Buffer.from(sealSecret(this.sealingKey, rotation.gatewayId, rotation.secret));
    const [rotated] = await this.sql.unsafe(postgresPlaceholders(ROTATE_GATEWAY), [rotation.previousSecretExpiresAtMs, sealed, rotation.gatewayId]);
    const [current] = rotated === undefined
      ? await this.sql`SELECT ${this.sql.unsafe(GATEWAY_COLUMNS)} FROM gateways WHERE id = ${rotation.gatewayId}`
      : [];
    return rotationOutcomeOf(rotated, current);
  }

  async createMeter(assignment: MeterAssignment): Promise<number> {
    const { maxPowerW, intervalMs } = meterRatingsOf(assignment);
    const [row] = await this.sql`
      INSERT INTO meters (id, gateway_id, account_id, max_power_w, interval_ms)
      VALUES (${assignment.meterId}, ${assignment.gatewayId}, ${assignment.accountId ?? null}, ${maxPowerW}, ${intervalMs}) RETURNING meter_key`;
    return Number(row!.meter_key);
  }

  async bindMeter(assignment: MeterAssignment): Promise<void> {
    const result = await this.sql`
      UPDATE meters SET gateway_id = ${assignment.gatewayId}, account_id = ${assignment.accountId ?? null}
      WHERE id = ${assignment.meterId}`;
    if (result.count !== 1) throw new RangeError(`unknown meter ${JSON.stringify(assignment.meterId)}`);
  }

  withIngestTransaction<T>(work: (transaction: IngestTransaction) => Promise<T>): Promise<T> {
    return pipelinedTransaction(this.sql, work);
  }

  readingsForMeters(query: ReadingsQuery): AsyncIterable<ReadingChunk> {
    return postgresReadingChunks(this.sql, query);
  }

  async countReadings(): Promise<number> {
    const [row] = await this.sql`SELECT count(*) AS n FROM readings`;
    return Number(row!.n);
  }
}

export function openPostgresReadingStore(sql: PostgresSql, sealingKey: Uint8Array, location: PostgresLocation | null = null): PostgresReadingStore {
  return new PostgresReadingStore(sql, sealingKey, location);
}

/** ReadingStore.readingsForMeters over a pool (also a settlement read worker's own). */
export async function* postgresReadingChunks(sql: PostgresSql, query: ReadingsQuery): AsyncIterable<ReadingChunk> {
  const plan = planChunks(query);
  for (const meterIds of plan.meterChunks) {
    yield await readPostgresChunk(sql, meterIds, plan.fromMs, plan.toMs, plan.boundaryReadings);
  }
}
