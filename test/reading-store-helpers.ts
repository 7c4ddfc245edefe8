// Fixtures of the reading-store and ingest-service suites: a ReadingStore on
// each fresh backend, provisioning, and posting batches the way the route will.
import { openPostgres } from '../host/store/postgres.js';
import { openPostgresReadingStore } from '../host/store/postgres/readings.js';
import { openSqliteReadingStore } from '../host/store/sqlite/readings.js';
import type { ReadingStore } from '../host/store/reading-store.js';
import { decodeBatch } from '../host/ingest/decode.js';
import { encodeColumnarBatch, type GatewayFrame } from '../host/ingest/encode.js';
import { bodySha256, ingestBatch, type IngestResponse } from '../host/ingest/service.js';
import type { BackendFactory, FreshBackend } from './store-backends.js';

export const NOW_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const SEALING_KEY = new Uint8Array(32).fill(7);
export const GATEWAY_A = 'gw-a';
export const GATEWAY_B = 'gw-b';

export interface StoreFixture {
  fresh: FreshBackend;
  store: ReadingStore;
  close(): Promise<void>;
}

export function readingStoreOn(fresh: FreshBackend): ReadingStore {
  return fresh.kind === 'sqlite' ? openSqliteReadingStore(fresh.database, SEALING_KEY) : openPostgresReadingStore(fresh.sql, SEALING_KEY);
}

/** Gateways A and B; meters m-a1, m-a2 on A, m-b1 on B. */
export async function openFixture(backend: BackendFactory): Promise<StoreFixture> {
  const fresh = await backend.open();
  const store = readingStoreOn(fresh);
  for (const gatewayId of [GATEWAY_A, GATEWAY_B]) {
    await store.createGateway({ gatewayId, secret: new TextEncoder().encode(`${gatewayId}-secret-0123456789`), ownerPartyId: 'party-1', createdAtMs: NOW_MS });
  }
  await store.createMeter({ meterId: 'm-a1', gatewayId: GATEWAY_A, accountId: 'acct-1' });
  await store.createMeter({ meterId: 'm-a2', gatewayId: GATEWAY_A });
  await store.createMeter({ meterId: 'm-b1', gatewayId: GATEWAY_B });
  return { fresh, store, close: () => fresh.close() };
}

/** A second pool on the same PostgreSQL schema (a second host). */
export function secondPostgresStore(fresh: FreshBackend): { store: ReadingStore; end(): Promise<void> } {
  if (fresh.kind !== 'postgres') throw new Error('a second pool needs PostgreSQL');
  const sql = openPostgres(fresh.url, { schema: fresh.schema });
  return { store: openPostgresReadingStore(sql, SEALING_KEY), end: () => sql.end() };
}

export function frame(m: string, tOffsetMs: number, i: number | bigint, x?: number | bigint): GatewayFrame {
  const result: GatewayFrame = { m, t: NOW_MS + tOffsetMs, i };
  if (x !== undefined) result.x = x;
  return result;
}

/** Encodes, decodes and ingests one batch, as the route will. */
export function post(store: ReadingStore, gatewayId: string, seq: number, frames: GatewayFrame[]): Promise<IngestResponse> {
  const body = encodeColumnarBatch({ seq, frames });
  const decoded = decodeBatch(body, 'application/msgpack', NOW_MS);
  return ingestBatch(store, { gatewayId, seq, bodySha256: bodySha256(body), decoded, nowMs: NOW_MS });
}

/** Every stored reading of the fixture meters, as plain rows. */
export async function storedRows(store: ReadingStore, meterIds = ['m-a1', 'm-a2', 'm-b1']): Promise<string[]> {
  const rows: string[] = [];
  for await (const chunk of store.readingsForMeters({ meterIds, fromMs: 0n, toMs: 253_402_300_800_000n })) {
    const { meter, t, i, x } = chunk.columns;
    for (let k = 0; k < t.length; k++) rows.push(`${chunk.meterIds[meter[k]!]} ${t[k]! - BigInt(NOW_MS)} ${i[k]} ${x[k]}`);
  }
  return rows;
}
