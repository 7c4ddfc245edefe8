// Store-backed ingest (SPEC §6) against a raw insert loop of the same rows
// into the same table definition, on SQLite and PostgreSQL, in one run:
// signed 1 000-frame msgpack columnar batches are verified, decoded
// (decodeBatch) and stored (ingestBatch); the raw loop inserts the already
// decoded rows. Batches alternate between the two so both see the same
// table sizes and machine noise. Then the settlement read: readingsForMeters
// against a plain ordered scan of the table.
// Standalone: `node dist/bench/ingest-store.bench.js [sqlite|postgres] [batches]`
// (PostgreSQL from GRIDSETTLE_PG_URL).
import { pathToFileURL } from 'node:url';
import { decodeBatch } from '../host/ingest/decode.js';
import { encodeColumnarBatch } from '../host/ingest/encode.js';
import { signBatch, verifyBatchSignature } from '../host/ingest/signature.js';
import { bodySha256, ingestBatch } from '../host/ingest/service.js';
import { openPostgresReadingStore } from '../host/store/postgres/readings.js';
import type { ReadingStore } from '../host/store/reading-store.js';
import { openSqliteReadingStore } from '../host/store/sqlite/readings.js';
import { benchMeterId, freshPostgres, freshSqlite, gatewayBatch, postgresRawInserter, sqliteRawInserter, type RawRows } from './raw-insert.js';

const METERS_PER_GATEWAY = 100;
const GATEWAYS = 20;
const STEPS_PER_BATCH = 10;
const STEP_MS = 900_000;
const START_MS = 1_700_000_000_000;
const SEALING_KEY = new Uint8Array(32).fill(3);
const SECRET = new TextEncoder().encode('bench-gateway-secret-0123456789');

interface SignedBatch {
  gatewayId: string;
  seq: number;
  body: Uint8Array;
  timestampHeader: string;
  signature: string;
}


/** Gateways in turn, each sending 10 readings of each of its 100 meters, time-major as a gateway would. */
function makeBatches(batchCount: number): Array<{ signed: SignedBatch; raw: RawRows; nowMs: number }> {
  const batches = [];
  const layout = { gateways: GATEWAYS, metersPerGateway: METERS_PER_GATEWAY, stepsPerBatch: STEPS_PER_BATCH, stepMs: STEP_MS, startMs: START_MS };
  for (let b = 0; b < batchCount; b++) {
    const { gateway, seq, frames, raw } = gatewayBatch(layout, b);
    const nowMs = START_MS + (seq + 1) * STEPS_PER_BATCH * STEP_MS;
    const body = encodeColumnarBatch({ seq, frames });
    const timestampHeader = String(nowMs);
    batches.push({ signed: { gatewayId: `gw-${gateway}`, seq, body, timestampHeader, signature: signBatch(SECRET, timestampHeader, body) }, raw, nowMs });
  }
  return batches;
}

async function provision(store: ReadingStore): Promise<void> {
  for (let gateway = 0; gateway < GATEWAYS; gateway++) {
    await store.createGateway({ gatewayId: `gw-${gateway}`, secret: SECRET, ownerPartyId: 'bench', createdAtMs: START_MS });
    for (let k = 0; k < METERS_PER_GATEWAY; k++) {
      await store.createMeter({ meterId: benchMeterId(gateway * METERS_PER_GATEWAY + k), gatewayId: `gw-${gateway}` });
    }
  }
}

/** The route's work after authentication lookups: verify, decode, ingest. */
async function ingestSigned(store: ReadingStore, batch: SignedBatch, nowMs: number): Promise<number> {
  if (!verifyBatchSignature(SECRET, batch.timestampHeader, batch.body, batch.signature)) throw new Error('bad signature');
  const decoded = decodeBatch(batch.body, 'application/msgpack', nowMs);
  const response = await ingestBatch(store, { gatewayId: batch.gatewayId, seq: batch.seq, bodySha256: bodySha256(batch.body), decoded, nowMs });
  if (response.accepted !== decoded.frameCount) throw new Error(`batch ${batch.gatewayId}/${batch.seq}: ${JSON.stringify(response.rejected.slice(0, 3))}`);
  return response.accepted;
}

interface BenchBackend {
  name: string;
  store: ReadingStore;
  rawInsert(rows: RawRows): Promise<void>;
  plainScanRows(): Promise<number>;
  close(): Promise<void>;
}

async function openSqliteBench(): Promise<BenchBackend> {
  const { database, close } = await freshSqlite();
  const scan = database.prepare('SELECT meter_key, t, i, x FROM readings ORDER BY meter_key, t').raw(true).safeIntegers(true);
  return {
    name: 'sqlite',
    store: openSqliteReadingStore(database, SEALING_KEY),
    rawInsert: sqliteRawInserter(database),
    plainScanRows: async () => {
      let rowCount = 0;
      for (const _row of scan.iterate()) rowCount++;
      return rowCount;
    },
    close,
  };
}

async function openPostgresBench(url: string): Promise<BenchBackend> {
  const { sql, close } = await freshPostgres(url, 1);
  return {
    name: 'postgres',
    store: openPostgresReadingStore(sql, SEALING_KEY),
    rawInsert: postgresRawInserter(sql),
    plainScanRows: async () => {
      let rowCount = 0;
      await sql`SELECT meter_key, t, i, x FROM readings ORDER BY meter_key, t`.values().cursor(10_000, (rows) => {
        rowCount += rows.length;
      });
      return rowCount;
    },
    close,
  };
}

function rate(rowCount: number, elapsedMs: number): string {
  return `${Math.round((rowCount * 1000) / elapsedMs).toLocaleString('en')} rows/s`;
}

async function settlementRead(backend: BenchBackend): Promise<void> {
  const meterIds = Array.from({ length: GATEWAYS * METERS_PER_GATEWAY }, (_, n) => benchMeterId(n));
  let started = performance.now();
  let rowCount = 0;
  for await (const chunk of backend.store.readingsForMeters({ meterIds, fromMs: 0n, toMs: BigInt(START_MS) * 2n })) rowCount += chunk.columns.t.length;
  console.log(`  readingsForMeters (500-meter chunks)  ${rate(rowCount, performance.now() - started)}  (${rowCount.toLocaleString('en')} rows)`);
  started = performance.now();
  rowCount = await backend.plainScanRows();
  console.log(`  plain ordered scan of readings        ${rate(rowCount, performance.now() - started)}`);
}

async function runBackend(open: () => Promise<BenchBackend>, batchCount: number): Promise<void> {
  const ingested = await open();
  const raw = await open();
  try {
    await provision(ingested.store);
    await provision(raw.store);
    const batches = makeBatches(batchCount);
    let ingestMs = 0;
    let rawMs = 0;
    let rowCount = 0;
    for (const batch of batches) {
      let started = performance.now();
      rowCount += await ingestSigned(ingested.store, batch.signed, batch.nowMs);
      ingestMs += performance.now() - started;
      started = performance.now();
      await raw.rawInsert(batch.raw);
      rawMs += performance.now() - started;
    }
    const ratio = rawMs / ingestMs;
    console.log(`\n## ${ingested.name}: ${batchCount} batches of 1 000 frames, ${GATEWAYS * METERS_PER_GATEWAY} meters`);
    console.log(`  verify + decode + ingestBatch          ${rate(rowCount, ingestMs)}`);
    console.log(`  raw insert loop, same rows             ${rate(rowCount, rawMs)}`);
    console.log(`  ratio ingest / raw: ${ratio.toFixed(2)}  (target ≥ 0.50: ${ratio >= 0.5 ? 'met' : 'NOT met'})`);
    await settlementRead(ingested);
  } finally {
    await ingested.close();
    await raw.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const batchCount = Number(process.argv[3] ?? 300);
  if (only === undefined || only === 'sqlite') await runBackend(openSqliteBench, batchCount);
  const url = process.env.GRIDSETTLE_PG_URL;
  if ((only === undefined || only === 'postgres') && url !== undefined && url !== '') await runBackend(() => openPostgresBench(url), batchCount);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
