// The same store suites run on both backends: SQLite always, PostgreSQL
// whenever GRIDSETTLE_PG_URL is set (.ci/run sets it). Each opened backend
// is fresh: a temporary SQLite file, or a new PostgreSQL schema dropped at
// the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqlite, type SqliteDatabase } from '../host/store/sqlite.js';
import { openPostgres, type PostgresSql } from '../host/store/postgres.js';
import { migratePostgres, migrateSqlite, type Migration } from '../host/store/migrate.js';
import { MIGRATIONS } from '../host/store/migrations/index.js';

export type FreshBackend =
  | { kind: 'sqlite'; database: SqliteDatabase; path: string; close(): Promise<void> }
  | { kind: 'postgres'; sql: PostgresSql; url: string; schema: string; close(): Promise<void> };

export interface BackendFactory {
  kind: 'sqlite' | 'postgres';
  /** A fresh store with `migrations` applied (all of them unless told). */
  open(migrations?: readonly Migration[]): Promise<FreshBackend>;
}

export const PG_URL = process.env.GRIDSETTLE_PG_URL;

async function openFreshSqlite(migrations: readonly Migration[] = MIGRATIONS): Promise<FreshBackend> {
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-test-'));
  const path = join(directory, 'gridsettle.db');
  const database = openSqlite(path);
  migrateSqlite(database, migrations);
  return {
    kind: 'sqlite', database, path,
    close: async () => {
      database.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function openFreshPostgres(url: string, migrations: readonly Migration[] = MIGRATIONS): Promise<FreshBackend> {
  const schema = `gs_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = openPostgres(url, { poolMax: 1 });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const sql = openPostgres(url, { schema });
  await migratePostgres(sql, migrations);
  return {
    kind: 'postgres', sql, url, schema,
    close: async () => {
      await sql.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await sql.end();
    },
  };
}

/** The backends every store suite runs on. */
export function storeBackends(): BackendFactory[] {
  const backends: BackendFactory[] = [{ kind: 'sqlite', open: openFreshSqlite }];
  if (PG_URL !== undefined && PG_URL !== '') backends.push({ kind: 'postgres', open: (migrations) => openFreshPostgres(PG_URL, migrations) });
  return backends;
}
