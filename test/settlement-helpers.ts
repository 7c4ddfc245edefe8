// Settlement test plumbing: on a fresh backend, a reading store, a
// settlement store and a ledger sharing it (SQLite: one connection, writes
// queued; PostgreSQL: one pool, or a second pool as a second host), plus
// the hand-computed January of test/settlement.test.ts.
import type { FreshBackend } from './store-backends.js';
import { SEALING_KEY } from './reading-store-helpers.js';
import { SIGNER } from './ledger-helpers.js';
import { Ledger } from '../host/ledger/ledger.js';
import { openPostgres, type PostgresSql } from '../host/store/postgres.js';
import { storeOverPostgres, storeOverSqlite } from '../host/store/open-store.js';
import { SqliteReadingStore } from '../host/store/sqlite/readings.js';
import { SqliteSettlementStore } from '../host/store/sqlite/settlement.js';
import { PostgresSettlementStore } from '../host/store/postgres/settlement.js';
import { NO_EXPORT_MWH, type ReadingStore } from '../host/store/reading-store.js';
import type { SettlementStore } from '../host/store/settlement-store.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import type { SettlementDeps } from '../host/settlement/run.js';

export const JAN_FROM_MS = Date.UTC(2026, 0, 1);
export const FEB_FROM_MS = Date.UTC(2026, 1, 1);
export const CLOCK_MS = Date.UTC(2026, 1, 2);
export const GATEWAY = 'gw-settle';
export const SUPPLIER = 'sup-1';

/** Two periods, UTC; weekday peak 08:00–20:00; peak tiered at 10 kWh; 0.50/day fixed; 19 % VAT. */
export const TOU_TARIFF = {
  id: 'tou-2026', currency: 'EUR', timezone: 'UTC', periods: ['offpeak', 'peak'],
  schedule: {
    weekday: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0],
    weekend: new Array(24).fill(0),
  },
  energy: { offpeak: [{ price: '0.20' }], peak: [{ upToKWh: '10', price: '0.30' }, { price: '0.40' }] },
  fixedPerDay: '0.50',
  taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'fixed'] }],
};

/** One implicit period with an export price: a prosumer whose export can outweigh import. */
export const EXPORT_TARIFF = { id: 'flat-export', currency: 'EUR', timezone: 'UTC', energy: [{ price: '0.25' }], export: { price: '0.10' } };

/** Only the peak period has a price: offpeak import is `no_price`. */
export const PEAK_ONLY_TARIFF = {
  id: 'peak-only', currency: 'EUR', timezone: 'UTC', periods: ['offpeak', 'peak'],
  schedule: TOU_TARIFF.schedule, energy: { peak: [{ price: '0.30' }] },
};

export interface SettlementFixture {
  fresh: FreshBackend;
  readings: ReadingStore;
  settlement: SettlementStore;
  ledger: Ledger;
  deps: SettlementDeps;
  meterKeys: Map<string, number>;
  /** A meter of `accountId`, rated `maxPowerW` (SPEC's default when omitted). */
  addMeter(meterId: string, accountId: string, maxPowerW?: number): Promise<void>;
  /** Readings [meterId, hour offset from `dayMs`-based UTC ms, import mWh, export mWh?]. */
  addReadings(rows: Array<[string, number, bigint, bigint?]>): Promise<void>;
}

export function settlementStoreOn(fresh: FreshBackend, readings: ReadingStore): SettlementStore {
  return fresh.kind === 'sqlite'
    ? new SqliteSettlementStore(fresh.database, (work) => (readings as SqliteReadingStore).exclusive(work))
    : new PostgresSettlementStore(fresh.sql);
}

/** The server's composition (host/store/open-store.ts): on SQLite the ledger shares the reading store's queue. */
export async function settlementFixture(fresh: FreshBackend): Promise<SettlementFixture> {
  const store = fresh.kind === 'sqlite' ? storeOverSqlite(fresh.database, SEALING_KEY) : storeOverPostgres(fresh.sql, SEALING_KEY);
  const readings = store.readings;
  const settlement = settlementStoreOn(fresh, readings);
  const ledger = new Ledger(store.ledger, SIGNER);
  await readings.createGateway({ gatewayId: GATEWAY, secret: new TextEncoder().encode('settlement-secret-0123456789'), ownerPartyId: 'op', createdAtMs: CLOCK_MS });
  const meterKeys = new Map<string, number>();
  return {
    fresh, readings, settlement, ledger, meterKeys,
    deps: { readings, settlement, ledger, nowMs: () => CLOCK_MS },
    addMeter: async (meterId, accountId, maxPowerW) => {
      meterKeys.set(meterId, await readings.createMeter({ meterId, gatewayId: GATEWAY, accountId, maxPowerW }));
    },
    addReadings: async (rows) => {
      const sorted = rows.map(([meterId, tMs, importMWh, exportMWh]) => ({ key: meterKeys.get(meterId)!, tMs, importMWh, exportMWh }))
        .sort((a, b) => a.key - b.key || a.tMs - b.tMs);
      await readings.withIngestTransaction((transaction) => transaction.insertReadings({
        meterKey: Uint32Array.from(sorted.map((row) => row.key)),
        t: BigInt64Array.from(sorted.map((row) => BigInt(row.tMs))),
        i: BigInt64Array.from(sorted.map((row) => row.importMWh)),
        x: BigInt64Array.from(sorted.map((row) => row.exportMWh ?? NO_EXPORT_MWH)),
      }));
    },
  };
}

/** A second host on the same PostgreSQL schema: its own pool, stores and ledger. */
export function secondHost(fresh: FreshBackend): { deps: SettlementDeps; sql: PostgresSql; end(): Promise<void> } {
  if (fresh.kind !== 'postgres') throw new Error('a second host needs PostgreSQL');
  const sql = openPostgres(fresh.url, { schema: fresh.schema });
  const store = storeOverPostgres(sql, SEALING_KEY);
  const deps: SettlementDeps = {
    readings: store.readings,
    settlement: new PostgresSettlementStore(sql),
    ledger: new Ledger(store.ledger, SIGNER),
    nowMs: () => CLOCK_MS,
  };
  return { deps, sql, end: () => sql.end() };
}

export function hourOf(day: number, hour: number, minute = 0): number {
  return Date.UTC(2026, 0, day, hour, minute);
}

/**
 * acct-a (TOU, meters m1 + m2) and acct-b (export, meter m3), January 2026.
 * Monday 5 Jan: m1 1 kWh per 15 min 07:00–08:00 and 2 kWh per 15 min 08:00–09:00;
 * m2 1.5 kWh per 15 min 08:30–09:30. Saturday 10 Jan: m3 imports 2 kWh and
 * exports 10 kWh 12:00–13:00.
 */
export async function seedJanuary(fixture: SettlementFixture): Promise<void> {
  await registerTariff(fixture.settlement, TOU_TARIFF, CLOCK_MS);
  await registerTariff(fixture.settlement, EXPORT_TARIFF, CLOCK_MS);
  await registerBillingAccount(fixture.settlement, { accountId: 'acct-a', ownerPartyId: 'cust-a', supplierPartyId: SUPPLIER, tariffId: 'tou-2026', currency: 'EUR' }, CLOCK_MS);
  await registerBillingAccount(fixture.settlement, { accountId: 'acct-b', ownerPartyId: 'cust-b', supplierPartyId: SUPPLIER, tariffId: 'flat-export', currency: 'EUR' }, CLOCK_MS);
  await fixture.addMeter('m1', 'acct-a');
  await fixture.addMeter('m2', 'acct-a');
  await fixture.addMeter('m3', 'acct-b');
  await fixture.addReadings([
    ['m1', hourOf(5, 7), 0n], ['m1', hourOf(5, 8), 4_000_000n], ['m1', hourOf(5, 9), 12_000_000n],
    ['m2', hourOf(5, 8, 30), 0n], ['m2', hourOf(5, 9, 30), 6_000_000n],
    ['m3', hourOf(10, 12), 0n, 0n], ['m3', hourOf(10, 13), 2_000_000n, 10_000_000n],
  ]);
}
