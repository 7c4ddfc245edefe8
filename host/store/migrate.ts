// Applies pending migrations in version order, each in its own transaction,
// and records them in schema_migrations. On PostgreSQL a transaction-scoped
// advisory lock serialises hosts that start together on one database.
import type { SqliteDatabase } from './sqlite.js';
import type { PostgresSql } from './postgres.js';
import { MIGRATIONS } from './migrations/index.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const MIGRATION_LOCK_KEY = 7_261_001;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at_ms BIGINT NOT NULL
)`;

// Versions ascend; a gap is allowed, because parallel branches each take a reserved number (merged later).
function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    const previous = index === 0 ? 0 : migrations[index - 1]!.version;
    if (!Number.isSafeInteger(migration.version) || migration.version <= previous) {
      throw new Error(`migration ${migration.name} has version ${migration.version}, expected more than ${previous}`);
    }
  });
}

/** Applies what is pending; returns the versions applied now. */
export function migrateSqlite(database: SqliteDatabase, migrations: readonly Migration[] = MIGRATIONS): number[] {
  checkOrder(migrations);
  database.exec(CREATE_TABLE);
  const applied = new Set(
    (database.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((row) => row.version),
  );
  const record = database.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)');
  const appliedNow: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    database.transaction(() => {
      database.exec(migration.sqlite);
      record.run(migration.version, migration.name, Date.now());
    }).immediate();
    appliedNow.push(migration.version);
  }
  return appliedNow;
}

/** Applies what is pending; returns the versions applied now. */
export async function migratePostgres(sql: PostgresSql, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  checkOrder(migrations);
  return sql.begin(async (transaction) => {
    await transaction`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await transaction.unsafe(CREATE_TABLE);
    const rows = await transaction<Array<{ version: number }>>`SELECT version FROM schema_migrations`;
    const applied = new Set(rows.map((row) => Number(row.version)));
    const appliedNow: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      await transaction.unsafe(migration.postgres);
      await transaction`INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (${migration.version}, ${migration.name}, ${Date.now()})`;
      appliedNow.push(migration.version);
    }
    return appliedNow;
  });
}
