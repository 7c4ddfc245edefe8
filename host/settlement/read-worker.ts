// One settlement read worker (started by read-workers.ts): its own read-only
// connection to the SQLite file, or its own PostgreSQL pool of one. Per
// request it reads, aggregates and prices one batch of accounts, each chunk
// in one read (a consistent snapshot: whole ingest batches only), and
// answers with the outcomes.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteReadOnly } from '../store/sqlite.js';
import { SqliteReadingScan } from '../store/sqlite/reading-scan.js';
import { openPostgres } from '../store/postgres.js';
import { postgresReadingChunks } from '../store/postgres/readings.js';
import type { ReadingStore } from '../store/reading-store.js';
import { priceAccounts, TariffCache } from './price-accounts.js';
import { describeError, type ReadWorkerReply, type ReadWorkerRequest, type ReadWorkerSource } from './read-workers.js';

type ChunkReader = Pick<ReadingStore, 'readingsForMeters'>;

const port = parentPort!;
const tariffTexts = new Map<string, string>();
const tariffs = new TariffCache(async (tariffId) => tariffTexts.get(tariffId) ?? null);
let reader: ChunkReader | null = null;

// Opened on the first request, so that failing to open fails that request, with its message.
async function openReader(): Promise<ChunkReader> {
  const source = workerData as ReadWorkerSource;
  if (!('sqliteFile' in source)) {
    const sql = openPostgres(source.postgresUrl, { poolMax: 1, ...(source.schema === undefined ? {} : { schema: source.schema }) });
    // postgres.js learns the array types on its first connection; sql.array() made before that serialises as text.
    await sql`SELECT 1`;
    return { readingsForMeters: (query) => postgresReadingChunks(sql, query) };
  }
  const database = openSqliteReadOnly(source.sqliteFile);
  const scan = new SqliteReadingScan(database);
  return { readingsForMeters: (query) => scan.chunks(query, async (read) => database.transaction(read)()) };
}

async function answer(request: ReadWorkerRequest): Promise<ReadWorkerReply> {
  try {
    reader ??= await openReader();
    for (const [tariffId, text] of request.tariffs) tariffTexts.set(tariffId, text);
    const priced = await priceAccounts(reader, tariffs, request.accounts, request.grid, request.aggregation);
    // The caller holds the accounts; only what was computed goes back.
    const outcomes = priced.outcomes.map(({ statement, totalMicro, error }) => ({ statement, totalMicro, error }));
    return { outcomes, meterFailures: priced.meterFailures, readings: priced.readings };
  } catch (error) {
    return { failure: describeError(error) };
  }
}

port.on('message', (request: ReadWorkerRequest) => {
  void answer(request).then((reply) => port.postMessage(reply));
});
