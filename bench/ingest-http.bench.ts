// Ingest through the real HTTP service (SPEC §6) against a raw insert loop of
// the same rows, on SQLite and on PostgreSQL (when GRIDSETTLE_PG_URL is set),
// in one run. The service (bench/ingest-http-service.ts) runs in its own
// worker thread — buildApp + listen on 127.0.0.1 over its own connection to
// a temporary SQLite file (WAL, synchronous=FULL) or a fresh PostgreSQL
// schema, with gateways and meters provisioned through the API — so the load
// generator does not share its event loop (gateways run elsewhere).
// autocannon then posts signed 1 000-frame msgpack columnar batches: every
// request gets the next pre-built batch (its own gateway seq, readings at new
// t values so every row is really inserted), with an x-timestamp of the
// preparation moment (seconds before, well inside the ±300 s window) and its
// x-signature, both computed before the load starts. Only 202 responses are
// counted, and the frames stored are summed from their `accepted`. The raw
// loop (bench/raw-insert.ts, as bench/ingest-store.bench.ts) inserts the same
// rows in the same order into a fresh readings table of the same schema on
// the same backend. The two alternate in ROUNDS rounds (each round: its share
// of the batches over HTTP, then the same rows raw, or the reverse on odd
// rounds), so both tables start empty, hold the same rows after every round,
// and see the same machine noise; the ratio is of the summed times of one run.
// Standalone: `node dist/bench/ingest-http.bench.js [sqlite|postgres|all] [batches=400] [connections=4]`.
import { pathToFileURL } from 'node:url';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { encodeColumnarBatch } from '../host/ingest/encode.js';
import { signBatch } from '../host/ingest/signature.js';
import type { StoreLocation } from '../host/store/open-store.js';
import { GATEWAYS, METERS_PER_GATEWAY, startServiceThread, type ServiceThread } from './ingest-http-service.js';
import { INGEST_BATCHES_PER_WINDOW_MAX } from '../host/limits.js';
import {
  freshPostgres, freshSqlite, gatewayBatch, postgresRawInserter, sqliteRawInserter, timeRawLoop, type RawInserter, type RawRows,
} from './raw-insert.js';

/** A batch is one gateway's 50 meters × 20 readings each. */
const STEPS_PER_BATCH = 20;
const FRAMES_PER_BATCH = METERS_PER_GATEWAY * STEPS_PER_BATCH;
const STEP_MS = 900_000;
/** HTTP and raw rounds alternate this many times: few enough that autocannon's start per round stays small against a round's load. */
const ROUNDS = 4;

export interface HttpIngestResult {
  backend: string;
  batches: number;
  rounds: number;
  connections: number;
  framesStored: number;
  accepted202: number;
  otherStatuses: Record<string, number>;
  httpFramesPerSecond: number;
  rawRowsPerSecond: number;
  ratio: number;
}

interface PreparedBatch {
  request: AutocannonRequest;
  raw: RawRows;
}


/**
 * Gateways in turn; gateway g's w-th batch has seq w and readings of its meters
 * at steps w·20 … w·20 + 19 after startMs (time-major, as a gateway sends them).
 */
function prepareBatches(batchCount: number, secrets: ReadonlyArray<string>, startMs: number, timestampMs: number): PreparedBatch[] {
  const timestampHeader = String(timestampMs);
  const batches: PreparedBatch[] = [];
  const layout = { gateways: GATEWAYS, metersPerGateway: METERS_PER_GATEWAY, stepsPerBatch: STEPS_PER_BATCH, stepMs: STEP_MS, startMs };
  for (let b = 0; b < batchCount; b++) {
    const { gateway, seq, frames, raw } = gatewayBatch(layout, b);
    const body = encodeColumnarBatch({ seq, frames });
    batches.push({
      request: {
        method: 'POST',
        path: '/v1/meter-batches',
        headers: {
          'content-type': 'application/msgpack',
          'x-gateway-id': `gw-${gateway}`,
          'x-timestamp': timestampHeader,
          'x-signature': signBatch(secrets[gateway]!, timestampHeader, body),
        },
        body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      },
      raw,
    });
  }
  return batches;
}

interface LoadResult {
  elapsedMs: number;
  accepted202: number;
  framesStored: number;
  otherStatuses: Record<string, number>;
}

/**
 * autocannon: `batches.length` requests over `connections` keep-alive
 * connections; each request takes the next batch. The time is from the
 * first request built to the last response: autocannon reports its end on
 * its one-second ticker, up to a second after the last response, which
 * would count idle time against the service.
 */
function drive(url: string, batches: ReadonlyArray<PreparedBatch>, connections: number): Promise<LoadResult> {
  let next = 0;
  let accepted202 = 0;
  let framesStored = 0;
  const otherStatuses: Record<string, number> = {};
  let firstRequestMs: number | null = null;
  let lastResponseMs = 0;
  return new Promise((resolve, reject) => {
    autocannon({
      url,
      connections,
      pipelining: 1,
      amount: batches.length,
      timeout: 60,
      setupClient: (client) => {
        client.on('response', (statusCode) => {
          if (statusCode === 202) accepted202++;
          else otherStatuses[statusCode] = (otherStatuses[statusCode] ?? 0) + 1;
        });
      },
      requests: [{
        // With `amount`, autocannon builds exactly one request per request sent (a client stops at its share
        // before building another), so the fallback is never sent; a replayed batch would fail the row count check.
        setupRequest: () => {
          firstRequestMs ??= performance.now();
          return next < batches.length ? batches[next++]!.request : batches[batches.length - 1]!.request;
        },
        onResponse: (status, body) => {
          lastResponseMs = performance.now();
          if (status === 202) framesStored += (JSON.parse(body) as { accepted: number }).accepted;
        },
      }],
    }, (error, result) => {
      if (error !== null) return reject(error);
      if (result.errors > 0 || result.timeouts > 0) return reject(new Error(`autocannon: ${result.errors} errors, ${result.timeouts} timeouts`));
      resolve({ elapsedMs: lastResponseMs - (firstRequestMs ?? lastResponseMs), accepted202, framesStored, otherStatuses });
    });
  });
}

interface ServiceBackend {
  name: string;
  /** Where the service thread opens its own connection to the same database. */
  location: StoreLocation;
  close(): Promise<void>;
  /** Rows in the service's readings table: checks that the frames counted were really stored (a replayed seq would answer 202 too). */
  countReadings(): Promise<number>;
  /** A fresh readings table of the same schema for the raw loop. */
  openRaw(): Promise<{ insert: RawInserter; close(): Promise<void> }>;
}

async function sqliteBackend(): Promise<ServiceBackend> {
  const fresh = await freshSqlite();
  return {
    name: 'sqlite (file, WAL, synchronous=FULL)',
    location: fresh.location,
    close: fresh.close,
    countReadings: async () => Number((fresh.database.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n),
    openRaw: async () => {
      const raw = await freshSqlite();
      return { insert: sqliteRawInserter(raw.database), close: raw.close };
    },
  };
}

async function postgresBackend(url: string): Promise<ServiceBackend> {
  const fresh = await freshPostgres(url);
  return {
    name: 'postgres (server defaults, default pool)',
    location: fresh.location,
    close: fresh.close,
    countReadings: async () => Number((await fresh.sql`SELECT count(*)::int8 AS n FROM readings`)[0]!.n),
    openRaw: async () => {
      const raw = await freshPostgres(url, 1);
      return { insert: postgresRawInserter(raw.sql), close: raw.close };
    },
  };
}

interface Totals extends LoadResult {
  rawMs: number;
  rounds: number;
}

function addLoad(totals: Totals, load: LoadResult): void {
  totals.elapsedMs += load.elapsedMs;
  totals.accepted202 += load.accepted202;
  totals.framesStored += load.framesStored;
  for (const [status, count] of Object.entries(load.otherStatuses)) totals.otherStatuses[status] = (totals.otherStatuses[status] ?? 0) + count;
}

/** ROUNDS rounds of HTTP load and raw loop over the same batches, alternating which goes first. */
async function alternate(url: string, batches: ReadonlyArray<PreparedBatch>, connections: number, insertRaw: RawInserter): Promise<Totals> {
  const totals: Totals = { elapsedMs: 0, accepted202: 0, framesStored: 0, otherStatuses: {}, rawMs: 0, rounds: 0 };
  const perRound = Math.ceil(batches.length / ROUNDS);
  for (let round = 0; round * perRound < batches.length; round++) {
    totals.rounds += 1;
    const share = batches.slice(round * perRound, (round + 1) * perRound);
    const http = async () => addLoad(totals, await drive(url, share, connections));
    const raw = async () => {
      totals.rawMs += await timeRawLoop(insertRaw, share.map((batch) => batch.raw));
    };
    for (const step of round % 2 === 0 ? [http, raw] : [raw, http]) await step();
  }
  return totals;
}

export async function benchHttpIngest(open: () => Promise<ServiceBackend>, batchCount: number, connections: number): Promise<HttpIngestResult> {
  if (batchCount / GATEWAYS > INGEST_BATCHES_PER_WINDOW_MAX) throw new Error(`at most ${GATEWAYS * INGEST_BATCHES_PER_WINDOW_MAX} batches: the per-gateway rate limit would answer 429`);
  const backend = await open();
  const raw = await backend.openRaw();
  let service: ServiceThread | null = null;
  try {
    service = await startServiceThread(backend.location);
    const nowMs = Date.now();
    // Readings end well before now (no `future` frames): batchCount / GATEWAYS windows of 20 steps of 15 min.
    const windows = Math.ceil(batchCount / GATEWAYS);
    const startMs = Math.floor(nowMs / STEP_MS) * STEP_MS - (windows + 1) * STEPS_PER_BATCH * STEP_MS;
    const batches = prepareBatches(batchCount, service.secrets, startMs, Date.now());
    const totals = await alternate(service.url, batches, connections, raw.insert);
    await service.close();
    service = null;
    const stored = await backend.countReadings();
    if (stored !== totals.framesStored) throw new Error(`${totals.framesStored} frames answered as accepted but ${stored} rows in readings`);
    const httpFramesPerSecond = (totals.framesStored * 1000) / totals.elapsedMs;
    const rawRowsPerSecond = (batchCount * FRAMES_PER_BATCH * 1000) / totals.rawMs;
    return {
      backend: backend.name, batches: batchCount, rounds: totals.rounds, connections, framesStored: totals.framesStored,
      accepted202: totals.accepted202, otherStatuses: totals.otherStatuses, httpFramesPerSecond, rawRowsPerSecond,
      ratio: httpFramesPerSecond / rawRowsPerSecond,
    };
  } finally {
    if (service !== null) await service.close();
    await raw.close();
    await backend.close();
  }
}

function print(result: HttpIngestResult): void {
  const others = Object.entries(result.otherStatuses).map(([status, count]) => `${count} × ${status}`).join(', ');
  console.log(`\n## ${result.backend}: ${result.batches} batches of ${FRAMES_PER_BATCH} frames, ${GATEWAYS * METERS_PER_GATEWAY} meters, ` +
    `${result.connections} connections; HTTP and raw alternate in ${result.rounds} rounds`);
  console.log(`  HTTP ingest (autocannon, 202 only)      ${Math.round(result.httpFramesPerSecond).toLocaleString('en').padStart(9)} frames/s stored` +
    `  (${result.accepted202} × 202, ${result.framesStored.toLocaleString('en')} frames${others === '' ? '' : `; other: ${others}`})`);
  console.log(`  raw insert loop, same rows             ${Math.round(result.rawRowsPerSecond).toLocaleString('en').padStart(9)} rows/s`);
  console.log(`  ratio HTTP ingest / raw (same run): ${result.ratio.toFixed(2)}  (target ≥ 0.50: ${result.ratio >= 0.5 ? 'met' : 'NOT met'})`);
}

async function main(): Promise<void> {
  const only = process.argv[2] === 'all' ? undefined : process.argv[2];
  const batchCount = Number(process.argv[3] ?? 400);
  const connections = Number(process.argv[4] ?? 4);
  console.log(`# HTTP ingest through the service (buildApp + listen, autocannon on 127.0.0.1) — node ${process.version}`);
  if (only === undefined || only === 'sqlite') print(await benchHttpIngest(sqliteBackend, batchCount, connections));
  const url = process.env.GRIDSETTLE_PG_URL;
  if (only === undefined || only === 'postgres') {
    if (url !== undefined && url !== '') print(await benchHttpIngest(() => postgresBackend(url), batchCount, connections));
    else console.log('  postgres: skipped (GRIDSETTLE_PG_URL not set)');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
