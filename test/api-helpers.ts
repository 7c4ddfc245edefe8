// Fixtures of the API suites: an app over a fresh backend (SQLite, and
// PostgreSQL when GRIDSETTLE_PG_URL is set), one party per SPEC §5 role with
// its key, a gateway and meters, and signed batch posts through inject().
import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../host/api/app.js';
import { storeOverPostgres, storeOverSqlite, type Store } from '../host/store/open-store.js';
import { openSqlite } from '../host/store/sqlite.js';
import { openPostgres } from '../host/store/postgres.js';
import { PARTY_ROLES, type PartyRole } from '../host/store/party-store.js';
import { initOperator } from '../host/server/init.js';
import { encodeColumnarBatch, type GatewayFrame } from '../host/ingest/encode.js';
import { signBatch } from '../host/ingest/signature.js';
import type { BackendFactory, FreshBackend } from './store-backends.js';
import { generateLedgerSigner } from '../host/ledger/blocks.js';

export const NOW_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const SEALING_KEY = new Uint8Array(32).fill(9);
export const MSGPACK = 'application/msgpack';
/** Signs the blocks of every test app; the sweep and the timed seal are off so that tests choose when expiry and sealing run. */
export const LEDGER_SIGNER = generateLedgerSigner();
export const LEDGER_TEST_OPTIONS = { ledgerSigner: LEDGER_SIGNER, ledgerExpirySweepMs: 0, ledgerSealAfterMs: 0 } as const;

export interface ApiFixture {
  app: FastifyInstance;
  store: Store;
  fresh: FreshBackend;
  operatorKey: string;
  close(): Promise<void>;
}

export function storeOn(fresh: FreshBackend): Store {
  return fresh.kind === 'sqlite' ? storeOverSqlite(fresh.database, SEALING_KEY) : storeOverPostgres(fresh.sql, SEALING_KEY);
}

export async function openApi(backend: BackendFactory, options: AppOptions = {}): Promise<ApiFixture> {
  const fresh = await backend.open();
  const store = storeOn(fresh);
  // The event-loop guard is off: a loaded CI machine must not turn batches into 503s (api-guards.test.ts tests 503 with its own probe).
  const ingest = { maxEventLoopDelayMs: 0, ...options.ingest };
  const app = await buildApp({ store, logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS, ...options, ingest });
  const { apiKey } = await initOperator(store, NOW_MS);
  return {
    app, store, fresh, operatorKey: apiKey,
    close: async () => {
      await app.close();
      await fresh.close();
    },
  };
}

/** A second host: its own connection (SQLite) or pool (PostgreSQL) on the same database, its own app. */
export async function secondHost(fixture: ApiFixture, nowMs: () => number): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const { fresh } = fixture;
  const store: Store = fresh.kind === 'sqlite'
    ? storeOverSqlite(openSqlite(fresh.path), SEALING_KEY)
    : storeOverPostgres(openPostgres(fresh.url, { schema: fresh.schema }), SEALING_KEY);
  const app = await buildApp({ store, logger: false, nowMs, ...LEDGER_TEST_OPTIONS, ingest: { maxEventLoopDelayMs: 0 } });
  return {
    app,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export function bearer(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}` };
}

/** A JSON call as `apiKey`. */
export function call(app: FastifyInstance, apiKey: string | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object): Promise<LightMyRequestResponse> {
  const headers = apiKey === null ? {} : bearer(apiKey);
  return app.inject(payload === undefined ? { method, url, headers } : { method, url, headers, payload });
}

export async function created<T>(response: Promise<LightMyRequestResponse>): Promise<T> {
  const answer = await response;
  assert.equal(answer.statusCode, 201, answer.body);
  return answer.json() as T;
}

export interface Provisioned {
  /** The API key of the party `p-<role>` for every SPEC §5 role. */
  keys: Record<PartyRole, string>;
  gatewayId: string;
  gatewaySecret: string;
}

/**
 * One party per role (`p-<role>`; the operator is `operator`); gateway `gw-1`
 * owned by `p-gateway`; meters `m-1` (owned by `p-participant`), `m-2`
 * (owned by `p-supplier`) on gw-1; gateway `gw-2` (also `p-gateway`) with `m-other`.
 */
export async function provision(fixture: ApiFixture): Promise<Provisioned> {
  const { app, operatorKey } = fixture;
  const keys = { operator: operatorKey } as Record<PartyRole, string>;
  for (const role of PARTY_ROLES.filter((role) => role !== 'operator')) {
    await created(call(app, operatorKey, 'POST', '/v1/parties', { partyId: `p-${role}`, name: `Party ${role}`, role }));
    keys[role] = (await created<{ apiKey: string }>(call(app, operatorKey, 'POST', `/v1/parties/p-${role}/keys`))).apiKey;
  }
  const gateway = await created<{ secret: string }>(call(app, operatorKey, 'POST', '/v1/gateways', { gatewayId: 'gw-1', ownerPartyId: 'p-gateway' }));
  await created(call(app, operatorKey, 'POST', '/v1/gateways', { gatewayId: 'gw-2', ownerPartyId: 'p-gateway' }));
  await created(call(app, operatorKey, 'POST', '/v1/meters', { meterId: 'm-1', gatewayId: 'gw-1', partyId: 'p-participant', accountId: 'acct-1' }));
  await created(call(app, operatorKey, 'POST', '/v1/meters', { meterId: 'm-2', gatewayId: 'gw-1', partyId: 'p-supplier' }));
  await created(call(app, operatorKey, 'POST', '/v1/meters', { meterId: 'm-other', gatewayId: 'gw-2', partyId: 'p-participant' }));
  return { keys, gatewayId: 'gw-1', gatewaySecret: gateway.secret };
}

export interface BatchPost {
  gatewayId: string;
  secret: string;
  body: Uint8Array;
  contentType?: string;
  timestampMs?: number;
  /** Overrides the computed signature. */
  signature?: string;
}

export function postBatch(app: FastifyInstance, post: BatchPost): Promise<LightMyRequestResponse> {
  const timestamp = String(post.timestampMs ?? NOW_MS);
  return app.inject({
    method: 'POST',
    url: '/v1/meter-batches',
    headers: {
      'content-type': post.contentType ?? MSGPACK,
      'x-gateway-id': post.gatewayId,
      'x-timestamp': timestamp,
      'x-signature': post.signature ?? signBatch(post.secret, timestamp, post.body),
    },
    payload: Buffer.from(post.body),
  });
}

export function frame(m: string, tOffsetMs: number, i: number, x?: number): GatewayFrame {
  return x === undefined ? { m, t: NOW_MS + tOffsetMs, i } : { m, t: NOW_MS + tOffsetMs, i, x };
}

export function columnar(seq: number, frames: GatewayFrame[]): Uint8Array {
  return encodeColumnarBatch({ seq, frames });
}

export function assertError(response: LightMyRequestResponse, status: number, code: string): void {
  assert.equal(response.statusCode, status, response.body);
  const body = response.json() as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
}
