// The raw baseline of the ingest benchmarks (bench/ingest-store.bench.ts,
// bench/ingest-http.bench.ts): the same rows inserted into a readings table
// of the same schema with no verification, decoding, seq claim, meter
// resolution or conflict handling — one plain INSERT per row in one
// transaction per batch on SQLite, one INSERT … SELECT FROM unnest per batch
// on PostgreSQL, in arrival order.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { migratePostgres, migrateSqlite } from '../host/store/migrate.js';
import { openPostgres, type PostgresSql } from '../host/store/postgres.js';
import { openSqlite, type SqliteDatabase } from '../host/store/sqlite.js';
import type { GatewayFrame } from '../host/ingest/encode.js';
import type { StoreLocation } from '../host/store/open-store.js';

/** A migrated SQLite file (WAL, synchronous=FULL) in a temporary directory, removed by close(). */
export interface FreshSqlite {
  database: SqliteDatabase;
  /** Where another connection (the service's thread) opens the same database. */
  location: StoreLocation;
  close(): Promise<void>;
}

/** A migrated fresh PostgreSQL schema, dropped by close(). */
export interface FreshPostgres {
  sql: PostgresSql;
  location: StoreLocation;
  close(): Promise<void>;
}

export async function freshSqlite(): Promise<FreshSqlite> {
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-bench-'));
  const sqlitePath = join(directory, 'bench.db');
  const database = openSqlite(sqlitePath);
  migrateSqlite(database);
  return {
    database, location: { sqlitePath },
    close: async () => {
      database.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export async function freshPostgres(url: string, poolMax?: number): Promise<FreshPostgres> {
  const schema = `gs_bench_${randomBytes(4).toString('hex')}`;
  const admin = openPostgres(url, { poolMax: 1 });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const sql: PostgresSql = openPostgres(url, poolMax === undefined ? { schema } : { schema, poolMax });
  await migratePostgres(sql);
  return {
    sql, location: { postgresUrl: url, schema },
    close: async () => {
      await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await sql.end();
    },
  };
}

/** Raw rows of one batch: what the raw loop inserts (meter keys in meter creation order, from 1). */
export interface RawRows {
  meterKey: number[];
  t: bigint[];
  i: bigint[];
}

export type RawInserter = (rows: RawRows) => Promise<void>;

export function emptyRawRows(): RawRows {
  return { meterKey: [], t: [], i: [] };
}

export function benchMeterId(meterNumber: number): string {
  return `meter-${String(meterNumber).padStart(5, '0')}`;
}

export interface BatchLayout {
  gateways: number;
  metersPerGateway: number;
  stepsPerBatch: number;
  stepMs: number;
  startMs: number;
}

/**
 * Batch `b` of a benchmark: gateways take turns; gateway g's w-th batch
 * (seq w) holds its meters' readings at steps w·stepsPerBatch … after
 * startMs, time-major as a gateway sends them, with the same rows for the
 * raw loop (meter keys in creation order, from 1).
 */
export function gatewayBatch(layout: BatchLayout, b: number): { gateway: number; seq: number; frames: GatewayFrame[]; raw: RawRows } {
  const gateway = b % layout.gateways;
  const window = Math.floor(b / layout.gateways);
  const frames: GatewayFrame[] = [];
  const raw = emptyRawRows();
  for (let step = 0; step < layout.stepsPerBatch; step++) {
    const stepIndex = window * layout.stepsPerBatch + step;
    const tMs = layout.startMs + stepIndex * layout.stepMs;
    for (let k = 0; k < layout.metersPerGateway; k++) {
      const meterNumber = gateway * layout.metersPerGateway + k;
      const importMWh = 1_000_000 + stepIndex * 250 + meterNumber;
      frames.push({ m: benchMeterId(meterNumber), t: tMs, i: importMWh });
      raw.meterKey.push(meterNumber + 1);
      raw.t.push(BigInt(tMs));
      raw.i.push(BigInt(importMWh));
    }
  }
  return { gateway, seq: window, frames, raw };
}

export function sqliteRawInserter(database: SqliteDatabase): RawInserter {
  const insert = database.prepare('INSERT INTO readings (meter_key, t, i, x) VALUES (?, ?, ?, NULL)');
  const insertAll = database.transaction((rows: RawRows) => {
    for (let k = 0; k < rows.t.length; k++) insert.run(rows.meterKey[k], rows.t[k], rows.i[k]);
  });
  return async (rows) => void insertAll.immediate(rows);
}

export function postgresRawInserter(sql: PostgresSql): RawInserter {
  const literal = (values: ReadonlyArray<number | bigint>): string => `{${values.join(',')}}`;
  return async (rows) => {
    await sql`INSERT INTO readings (meter_key, t, i)
      SELECT * FROM unnest(${literal(rows.meterKey)}::int4[], ${literal(rows.t)}::int8[], ${literal(rows.i)}::int8[])`;
  };
}

/** Inserts every batch in order; returns the elapsed milliseconds. */
export async function timeRawLoop(insert: RawInserter, batches: ReadonlyArray<RawRows>): Promise<number> {
  const started = performance.now();
  for (const rows of batches) await insert(rows);
  return performance.now() - started;
}
