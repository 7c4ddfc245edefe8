// Store-backed settlement (docs/settlement.md) against a plain scan of the
// same readings, on SQLite, in one run: N meters (one billing account each,
// one TOU tariff) × one month of 15-minute readings. The scan reads every
// meter's readings through readingsForMeters in its own thread and does
// nothing else; the settlement reads the same rows, aggregates, sums,
// prices, stores the statements and posts one ledger transfer per account,
// on read workers by default (docs/settlement.md "Read workers").
// Standalone: `node dist/bench/settlement.bench.js [--meters 1000] [--repeat 2] [--read-workers N]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger } from '../host/ledger/ledger.js';
import { generateLedgerSigner } from '../host/ledger/blocks.js';
import { migrateSqlite } from '../host/store/migrate.js';
import { openSqlite, type SqliteDatabase } from '../host/store/sqlite.js';
import type { SqliteReadingStore } from '../host/store/sqlite/readings.js';
import { storeOverSqlite } from '../host/store/open-store.js';
import { SqliteSettlementStore } from '../host/store/sqlite/settlement.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import { runSettlement } from '../host/settlement/run.js';
import { mulberry32 } from './random.js';

const FROM_MS = Date.UTC(2026, 0, 1);
const TO_MS = Date.UTC(2026, 1, 1);
const STEP_MS = 900_000;
const STEPS = (TO_MS - FROM_MS) / STEP_MS;
const METERS_PER_INSERT = 100;
const SEALING_KEY = new Uint8Array(32).fill(5);
const TARIFF = {
  id: 'bench-tou', currency: 'EUR', timezone: 'Europe/Berlin', periods: ['offpeak', 'peak'],
  schedule: { weekday: [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], weekend: new Array(24).fill(0) },
  energy: { offpeak: [{ price: '0.21' }], peak: [{ upToKWh: '300', price: '0.31' }, { price: '0.36' }] },
  export: { offpeak: { price: '0.06' }, peak: { price: '0.08' } },
  demand: { pricePerKW: '12.50' }, fixedPerDay: '0.45',
  taxes: [{ name: 'VAT', rate: '0.19', on: ['energy', 'demand', 'fixed'] }],
};

function argument(name: string, fallback: number): number;
function argument(name: string, fallback: undefined): number | undefined;
function argument(name: string, fallback: number | undefined): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function meterId(index: number): string {
  return `meter-${String(index).padStart(6, '0')}`;
}

/** STEPS + 1 readings per meter (the one at TO_MS closes the last interval), registers rising 0–~1 kWh per step. */
function seedReadings(database: SqliteDatabase, meters: number): void {
  const random = mulberry32(42);
  const insert = database.prepare('INSERT INTO readings (meter_key, t, i, x) VALUES (?, ?, ?, ?)');
  for (let first = 0; first < meters; first += METERS_PER_INSERT) {
    database.transaction(() => {
      for (let meterKey = first + 1; meterKey <= Math.min(meters, first + METERS_PER_INSERT); meterKey++) {
        let importMWh = 0;
        let exportMWh = 0;
        for (let step = 0; step <= STEPS; step++) {
          insert.run(meterKey, FROM_MS + step * STEP_MS, importMWh, exportMWh);
          importMWh += random() % 1_000_000;
          exportMWh += random() % 200_000;
        }
      }
    })();
  }
}

async function seed(database: SqliteDatabase, readings: SqliteReadingStore, settlement: SqliteSettlementStore, meters: number): Promise<void> {
  await readings.createGateway({ gatewayId: 'gw', secret: new TextEncoder().encode('bench-gateway-secret-0123456789'), ownerPartyId: 'op', createdAtMs: FROM_MS });
  await registerTariff(settlement, TARIFF, FROM_MS);
  for (let index = 0; index < meters; index++) {
    const accountId = `acct-${String(index).padStart(6, '0')}`;
    await registerBillingAccount(settlement, { accountId, ownerPartyId: `cust-${index}`, supplierPartyId: 'sup', tariffId: 'bench-tou', currency: 'EUR' }, FROM_MS);
    await readings.createMeter({ meterId: meterId(index), gatewayId: 'gw', accountId });
  }
  seedReadings(database, meters);
}

interface Timing {
  ms: number;
  /** CPU time of every thread of the process (workers included), ms. */
  cpuMs: number;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, Timing]> {
  const cpuStarted = process.cpuUsage();
  const startedMs = performance.now();
  const result = await work();
  const cpu = process.cpuUsage(cpuStarted);
  return [result, { ms: performance.now() - startedMs, cpuMs: (cpu.user + cpu.system) / 1000 }];
}

/** Every reading of the meters through the store's read path, in its own thread, and nothing else. */
async function plainScan(readings: SqliteReadingStore, meters: number): Promise<number> {
  let rows = 0;
  const meterIds = Array.from({ length: meters }, (_, index) => meterId(index));
  for await (const chunk of readings.readingsForMeters({ meterIds, fromMs: BigInt(FROM_MS), toMs: BigInt(TO_MS) })) {
    rows += chunk.columns.i.length;
  }
  return rows;
}

function describeTiming(meters: number, timing: Timing): string {
  return `${(timing.ms / 1000).toFixed(2)} s (${(meters / (timing.ms / 1000)).toFixed(0)} meter-months/s, CPU ${(timing.cpuMs / 1000).toFixed(2)} s)`;
}

async function main(): Promise<void> {
  const meters = argument('meters', 1_000);
  const repeat = argument('repeat', 2);
  const readWorkers = argument('read-workers', undefined);
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-settle-bench-'));
  try {
    const database = openSqlite(join(directory, 'bench.db'));
    migrateSqlite(database);
    // The server's composition: the ledger shares the reading store's queue on the one connection.
    const store = storeOverSqlite(database, SEALING_KEY);
    const readings = store.readings as SqliteReadingStore;
    const settlement = new SqliteSettlementStore(database, (work) => readings.exclusive(work));
    const ledger = new Ledger(store.ledger, generateLedgerSigner());
    const seedStartedMs = performance.now();
    await seed(database, readings, settlement, meters);
    console.log(`seeded ${meters} meters × ${STEPS + 1} readings in ${((performance.now() - seedStartedMs) / 1000).toFixed(1)} s`);
    for (let round = 1; round <= repeat; round++) {
      const [scanRows, scan] = await timed(() => plainScan(readings, meters));
      const [run, settle] = await timed(() => runSettlement(
        { readings, settlement, ledger }, { fromMs: FROM_MS, toMs: TO_MS, runId: `bench-${round}`, readWorkers },
      ));
      if (run.status !== 'completed' || run.readings !== scanRows) throw new Error(`run ${run.status} ${run.error ?? ''}, ${run.readings} readings`);
      console.log(
        `round ${round}: plain scan ${scanRows} rows in ${describeTiming(meters, scan)}; `
        + `settlement ${describeTiming(meters, settle)}, ${run.transfersPosted} transfers; `
        + `ratio ${(scan.ms / settle.ms).toFixed(2)} (target ≥ 0.5)`,
      );
    }
    database.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
