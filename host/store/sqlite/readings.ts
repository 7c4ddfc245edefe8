// ReadingStore on SQLite (better-sqlite3). One connection: transactions are
// serialised by a promise queue, since an async ingest must not interleave
// with another on the same connection; BEGIN IMMEDIATE takes the write lock
// up front so a second process waits (busy_timeout) instead of failing late.
import { resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import { INGEST_GROUP_COMMIT_BATCHES_MAX } from '../../limits.js';
import { meterRatingsOf } from '../reading-chunks.js';
import { SqliteReadingScan } from './reading-scan.js';
import { assertGatewaySecret, assertSealingKey, sealSecret } from '../secret-seal.js';
import { GATEWAY_COLUMNS, GATEWAY_RECORD_COLUMNS, REVOKE_GATEWAY, ROTATE_GATEWAY, gatewayOf, gatewayRecordOf, rotationOutcomeOf } from '../gateway-rows.js';
import type { GatewaySummary } from '../party-store.js';
import {
  NO_EXPORT_MWH, READING_CONFLICT, READING_DUPLICATE, READING_STORED,
  type BatchClaim, type GatewayRecord, type GatewayRotation, type GatewayRotationOutcome, type IngestTransaction, type MeterAssignment, type MeterBinding,
  type NewGateway, type ReadingChunk, type ReadingRows, type ReadingsQuery, type ReadingStore,
} from '../reading-store.js';

type SqlRow = Record<string, unknown>;

function prepareStatements(database: SqliteDatabase) {
  const prepare = (text: string): Statement<unknown[], SqlRow> => database.prepare(text);
  return {
    insertGateway: prepare('INSERT INTO gateways (id, secret_sealed, owner_party_id, created_at_ms) VALUES (?, ?, ?, ?)'),
    selectGateway: prepare(`SELECT ${GATEWAY_RECORD_COLUMNS} FROM gateways WHERE id = ?`),
    selectGatewaySummary: prepare(`SELECT ${GATEWAY_COLUMNS} FROM gateways WHERE id = ?`),
    revokeGateway: prepare(REVOKE_GATEWAY),
    rotateGateway: prepare(ROTATE_GATEWAY),
    insertMeter: prepare('INSERT INTO meters (id, gateway_id, account_id, max_power_w, interval_ms) VALUES (?, ?, ?, ?, ?)'),
    updateMeter: prepare('UPDATE meters SET gateway_id = ?, account_id = ? WHERE id = ?'),
    selectMeter: prepare('SELECT meter_key, gateway_id, account_id FROM meters WHERE id = ?'),
    insertBatch: prepare(
      'INSERT INTO gateway_batches (gateway_id, seq, body_sha256, response_json, created_at_ms) VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING',
    ),
    selectBatch: prepare('SELECT body_sha256, response_json FROM gateway_batches WHERE gateway_id = ? AND seq = ?'),
    updateBatch: prepare('UPDATE gateway_batches SET response_json = ? WHERE gateway_id = ? AND seq = ?'),
    insertReading: prepare('INSERT INTO readings (meter_key, t, i, x) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
    selectReading: prepare('SELECT i, x FROM readings WHERE meter_key = ? AND t = ?').safeIntegers(true),
    countReadings: prepare('SELECT count(*) AS n FROM readings'),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

function sqliteTransaction(statements: Statements): IngestTransaction {
  return {
    async claimBatch(gatewayId: string, seq: number, bodySha256: Uint8Array, nowMs: number): Promise<BatchClaim> {
      const inserted = statements.insertBatch.run(gatewayId, seq, bodySha256, nowMs).changes === 1;
      if (inserted) return { kind: 'claimed' };
      const row = statements.selectBatch.get(gatewayId, seq) as { body_sha256: Uint8Array; response_json: string };
      return { kind: 'seen', bodySha256: new Uint8Array(row.body_sha256), responseJson: row.response_json };
    },
    async resolveMeters(meterIds: readonly string[]): Promise<Array<MeterBinding | null>> {
      return meterIds.map((meterId) => bindingOf(statements.selectMeter.get(meterId)));
    },
    async insertReadings(rows: ReadingRows): Promise<Uint8Array> {
      return insertSqliteReadings(statements, rows);
    },
    async recordBatchResponse(gatewayId: string, seq: number, responseJson: string): Promise<void> {
      const changes = statements.updateBatch.run(responseJson, gatewayId, seq).changes;
      if (changes !== 1) throw new Error(`batch (${gatewayId}, ${seq}) was not claimed in this transaction`);
    },
  };
}

function insertSqliteReadings(statements: Statements, rows: ReadingRows): Uint8Array {
  const rowCount = rows.t.length;
  const outcomes = new Uint8Array(rowCount);
  for (let row = 0; row < rowCount; row++) {
    const meterKey = rows.meterKey[row]!;
    const tMs = rows.t[row]!;
    const exportMWh = rows.x[row] === NO_EXPORT_MWH ? null : rows.x[row]!;
    if (statements.insertReading.run(meterKey, tMs, rows.i[row]!, exportMWh).changes === 1) {
      outcomes[row] = READING_STORED;
      continue;
    }
    const stored = statements.selectReading.get(meterKey, tMs) as { i: bigint; x: bigint | null };
    const same = stored.i === rows.i[row] && (stored.x ?? NO_EXPORT_MWH) === rows.x[row];
    outcomes[row] = same ? READING_DUPLICATE : READING_CONFLICT;
  }
  return outcomes;
}

function bindingOf(row: SqlRow | undefined): MeterBinding | null {
  if (row === undefined) return null;
  return { meterKey: Number(row.meter_key), gatewayId: String(row.gateway_id), accountId: (row.account_id as string | null) ?? null };
}

export class SqliteReadingStore implements ReadingStore {
  readonly kind = 'sqlite';
  readonly sqliteFile: string | null;
  readonly postgresLocation = null;
  private readonly statements: Statements;
  private readonly scan: SqliteReadingScan;
  private queue: Promise<unknown> = Promise.resolve();
  /** Batches waiting for the next group commit. */
  private readonly ingestQueue: Array<{ work: (transaction: IngestTransaction) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly database: SqliteDatabase, private readonly sealingKey: Uint8Array) {
    assertSealingKey(sealingKey);
    this.statements = prepareStatements(database);
    this.scan = new SqliteReadingScan(database);
    this.sqliteFile = database.memory ? null : resolve(database.name);
  }

  /**
   * Runs `work` after every earlier call has settled. Other sub-stores on the
   * same connection write through it, so a write never lands inside an open
   * ingest transaction.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  createGateway(gateway: NewGateway): Promise<void> {
    assertGatewaySecret(gateway.secret);
    const sealed = sealSecret(this.sealingKey, gateway.gatewayId, gateway.secret);
    return this.exclusive(async () => {
      this.statements.insertGateway.run(gateway.gatewayId, sealed, gateway.ownerPartyId, gateway.createdAtMs);
    });
  }

  gateway(gatewayId: string): Promise<GatewayRecord | null> {
    return this.exclusive(async () => {
      const row = this.statements.selectGateway.get(gatewayId);
      return row === undefined ? null : gatewayRecordOf(this.sealingKey, row);
    });
  }

  revokeGateway(gatewayId: string, nowMs: number): Promise<GatewaySummary | null> {
    return this.exclusive(async () => {
      const row = this.statements.revokeGateway.get(nowMs, gatewayId);
      return row === undefined ? null : gatewayOf(row);
    });
  }

  rotateGatewaySecret(rotation: GatewayRotation): Promise<GatewayRotationOutcome> {
    assertGatewaySecret(rotation.secret);
    const sealed = sealSecret(this.sealingKey, rotation.gatewayId, rotation.secret);
    return this.exclusive(async () => {
      const rotated = this.statements.rotateGateway.get(rotation.previousSecretExpiresAtMs, sealed, rotation.gatewayId);
      return rotationOutcomeOf(rotated, rotated === undefined ? this.statements.selectGatewaySummary.get(rotation.gatewayId) : undefined);
    });
  }

  createMeter(assignment: MeterAssignment): Promise<number> {
    return this.exclusive(async () => {
      const { maxPowerW, intervalMs } = meterRatingsOf(assignment);
      const result = this.statements.insertMeter.run(assignment.meterId, assignment.gatewayId, assignment.accountId ?? null, maxPowerW, intervalMs);
      return Number(result.lastInsertRowid);
    });
  }

  bindMeter(assignment: MeterAssignment): Promise<void> {
    return this.exclusive(async () => {
      const changes = this.statements.updateMeter.run(assignment.gatewayId, assignment.accountId ?? null, assignment.meterId).changes;
      if (changes !== 1) throw new RangeError(`unknown meter ${JSON.stringify(assignment.meterId)}`);
    });
  }

  /**
   * Group commit: a batch waits one turn of the event loop (setImmediate) so
   * the batches whose requests are already readable join it; they share one
   * transaction and one WAL sync, which is most of a batch's cost. Each runs
   * in its own savepoint: one that throws leaves no trace and the others
   * stand. Every promise settles only after the COMMIT.
   */
  withIngestTransaction<T>(work: (transaction: IngestTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.ingestQueue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.ingestQueue.length === 1) this.scheduleIngestGroup();
    });
  }

  private scheduleIngestGroup(): void {
    setImmediate(() => void this.exclusive(() => this.commitIngestGroup()).catch(() => undefined));
  }

  private async commitIngestGroup(): Promise<void> {
    const group = this.ingestQueue.splice(0, INGEST_GROUP_COMMIT_BATCHES_MAX);
    if (this.ingestQueue.length > 0) this.scheduleIngestGroup();
    const outcomes: Array<{ value: unknown } | { error: unknown }> = [];
    try {
      this.database.exec('BEGIN IMMEDIATE');
      for (const { work } of group) outcomes.push(await this.inSavepoint(work));
      this.database.exec('COMMIT');
    } catch (error) {
      if (this.database.inTransaction) this.database.exec('ROLLBACK');
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve, reject }, index) => {
      const outcome = outcomes[index]!;
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.value);
    });
  }

  /** One batch of a group: its writes stand if it resolves, and vanish if it throws. */
  private async inSavepoint(work: (transaction: IngestTransaction) => Promise<unknown>): Promise<{ value: unknown } | { error: unknown }> {
    this.database.exec('SAVEPOINT ingest_batch');
    try {
      const value = await work(sqliteTransaction(this.statements));
      this.database.exec('RELEASE ingest_batch');
      return { value };
    } catch (error) {
      this.database.exec('ROLLBACK TO ingest_batch');
      this.database.exec('RELEASE ingest_batch');
      return { error };
    }
  }

  readingsForMeters(query: ReadingsQuery): AsyncIterable<ReadingChunk> {
    // One chunk is read in one go under the queue: a consistent snapshot, never mid-ingest.
    return this.scan.chunks(query, (read) => this.exclusive(async () => read()));
  }

  countReadings(): Promise<number> {
    return this.exclusive(async () => Number(this.statements.countReadings.get()!.n));
  }
}

export function openSqliteReadingStore(database: SqliteDatabase, sealingKey: Uint8Array): SqliteReadingStore {
  return new SqliteReadingStore(database, sealingKey);
}
