// The server's store: the reading, party, ledger and settlement sub-stores over one connection
// (SQLite file) or one pool (PostgreSQL), migrated on open.
import { openSqlite, type SqliteDatabase } from './sqlite.js';
import { openPostgres, type PostgresSql } from './postgres.js';
import { migratePostgres, migrateSqlite } from './migrate.js';
import { openSqliteReadingStore } from './sqlite/readings.js';
import { openPostgresReadingStore } from './postgres/readings.js';
import { SqlitePartyStore } from './sqlite/parties.js';
import { PostgresPartyStore } from './postgres/parties.js';
import type { PostgresLocation, ReadingStore } from './reading-store.js';
import type { PartyStore } from './party-store.js';
import type { LedgerStore } from './ledger-store.js';
import { SqliteLedgerStore } from './sqlite/ledger.js';
import { PostgresLedgerStore } from './postgres/ledger.js';
import type { SettlementStore } from './settlement-store.js';
import { SqliteSettlementStore } from './sqlite/settlement.js';
import { PostgresSettlementStore } from './postgres/settlement.js';
import type { FlowStore } from './flow-store.js';
import { SqliteFlowStore } from './sqlite/flows.js';
import { PostgresFlowStore } from './postgres/flows.js';
import type { LedgerListStore } from './ledger-lists.js';
import { SqliteLedgerListStore } from './sqlite/ledger-lists.js';
import { PostgresLedgerListStore } from './postgres/ledger-lists.js';
import { PostgresRateLimits, type RateLimitCounter } from './postgres/rate-limits.js';
import type { SettlementChunkStore } from './settlement-chunks.js';
import { PostgresSettlementChunkStore } from './postgres/settlement-chunks.js';

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly readings: ReadingStore;
  readonly parties: PartyStore;
  readonly ledger: LedgerStore;
  readonly settlement: SettlementStore;
  /** The working state of the seed-system flows (docs/flows.md). */
  readonly flows: FlowStore;
  /** The API's lists of accounts and of an account's transfers. */
  readonly ledgerLists: LedgerListStore;
  /** Rate-limit counters shared by the hosts on PostgreSQL; null on SQLite (one host, in-memory counters). */
  readonly rateLimits: RateLimitCounter | null;
  /** A settlement run's chunks, claimed by every host on PostgreSQL; null on SQLite (one host settles in its own run). */
  readonly settlementChunks: SettlementChunkStore | null;
  /** Resolves when the database answers a query (readiness). */
  ping(): Promise<void>;
  /** Closes the connection or pool this store opened. */
  close(): Promise<void>;
}

export type StoreLocation = { sqlitePath: string } | { postgresUrl: string; schema?: string };

/**
 * The ledger's transactions go through the reading store's queue too: one
 * connection holds one transaction, so a ledger BEGIN must never open while
 * an ingest transaction awaits on the same connection (or the reverse).
 */
function queuedLedgerStore(ledger: LedgerStore, exclusive: <T>(work: () => Promise<T>) => Promise<T>): LedgerStore {
  return {
    ledgerWrite: (work) => exclusive(() => ledger.ledgerWrite(work)),
    ledgerRead: (work) => exclusive(() => ledger.ledgerRead(work)),
  };
}

/** Sub-stores over an open SQLite connection; `close` closes it. */
export function storeOverSqlite(database: SqliteDatabase, sealingKey: Uint8Array): Store {
  const readings = openSqliteReadingStore(database, sealingKey);
  return {
    kind: 'sqlite',
    readings,
    parties: new SqlitePartyStore(database, (work) => readings.exclusive(work)),
    ledger: queuedLedgerStore(new SqliteLedgerStore(database), (work) => readings.exclusive(work)),
    settlement: new SqliteSettlementStore(database, (work) => readings.exclusive(work)),
    flows: new SqliteFlowStore(database, (work) => readings.exclusive(work), sealingKey),
    ledgerLists: new SqliteLedgerListStore(database, (work) => readings.exclusive(work)),
    rateLimits: null,
    settlementChunks: null,
    ping: async () => {
      database.prepare('SELECT 1').get();
    },
    close: async () => {
      // Waits for the queued writes (an in-flight ingest) before closing.
      await readings.exclusive(async () => database.close());
    },
  };
}

/** Sub-stores over a PostgreSQL pool; `close` ends it. */
export function storeOverPostgres(sql: PostgresSql, sealingKey: Uint8Array, location: PostgresLocation | null = null): Store {
  return {
    kind: 'postgres',
    readings: openPostgresReadingStore(sql, sealingKey, location),
    parties: new PostgresPartyStore(sql),
    ledger: new PostgresLedgerStore(sql),
    settlement: new PostgresSettlementStore(sql),
    flows: new PostgresFlowStore(sql, sealingKey),
    ledgerLists: new PostgresLedgerListStore(sql),
    rateLimits: new PostgresRateLimits(sql),
    settlementChunks: new PostgresSettlementChunkStore(sql),
    ping: async () => {
      await sql`SELECT 1`;
    },
    close: () => sql.end(),
  };
}

/** Opens and migrates the store at `location`. */
export async function openStore(location: StoreLocation, sealingKey: Uint8Array): Promise<Store> {
  if ('sqlitePath' in location) {
    const database = openSqlite(location.sqlitePath);
    try {
      migrateSqlite(database);
    } catch (error) {
      database.close();
      throw error;
    }
    return storeOverSqlite(database, sealingKey);
  }
  const sql = openPostgres(location.postgresUrl, location.schema === undefined ? {} : { schema: location.schema });
  try {
    await migratePostgres(sql);
  } catch (error) {
    await sql.end();
    throw error;
  }
  return storeOverPostgres(sql, sealingKey, location);
}
