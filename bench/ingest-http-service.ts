// The service side of the HTTP ingest bench (bench/ingest-http.bench.ts), in
// its own worker thread: buildApp over its own connection to the bench's
// database, an operator, a party owning the gateways, GATEWAYS gateways and
// GATEWAYS × METERS_PER_GATEWAY meters provisioned through the API, then
// listen on 127.0.0.1. The load generator runs in the bench's main thread,
// as gateways run outside the service: the two do not share one event loop.
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../host/api/app.js';
import { generateLedgerSigner } from '../host/ledger/blocks.js';
import { initOperator } from '../host/server/init.js';
import { openStore, type Store, type StoreLocation } from '../host/store/open-store.js';
import { benchMeterId } from './raw-insert.js';

/** 20 gateways × 50 meters = 1 000 meters. */
export const GATEWAYS = 20;
export const METERS_PER_GATEWAY = 50;
const SEALING_KEY = new Uint8Array(32).fill(7);
const OWNER = 'bench-owner';
const ROLE = 'ingest-http-service';

async function injectJson(app: FastifyInstance, apiKey: string, url: string, payload: object): Promise<Record<string, unknown>> {
  const response = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${apiKey}` }, payload });
  if (response.statusCode !== 201) throw new Error(`POST ${url}: ${response.statusCode} ${response.body}`);
  return response.json() as Record<string, unknown>;
}

/** Operator, owner party, gateways and meters through the API; returns each gateway's secret. Meter keys are 1 … N in creation order. */
async function provision(app: FastifyInstance, store: Store, nowMs: number): Promise<string[]> {
  const { apiKey } = await initOperator(store, nowMs);
  await injectJson(app, apiKey, '/v1/parties', { partyId: OWNER, name: 'Bench gateway owner', role: 'gateway' });
  const secrets: string[] = [];
  for (let gateway = 0; gateway < GATEWAYS; gateway++) {
    const created = await injectJson(app, apiKey, '/v1/gateways', { gatewayId: `gw-${gateway}`, ownerPartyId: OWNER });
    secrets.push(created.secret as string);
    for (let k = 0; k < METERS_PER_GATEWAY; k++) {
      await injectJson(app, apiKey, '/v1/meters', { meterId: benchMeterId(gateway * METERS_PER_GATEWAY + k), gatewayId: `gw-${gateway}`, partyId: OWNER });
    }
  }
  return secrets;
}

export interface ServiceThread {
  url: string;
  /** Each gateway's HMAC secret, gateway g at index g. */
  secrets: string[];
  /** Closes the app (in-flight batches finish) and the thread's store. */
  close(): Promise<void>;
}

/** Starts the service on `location` in a worker thread. */
export function startServiceThread(location: StoreLocation): Promise<ServiceThread> {
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: ROLE, location } });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (ready: { port: number; secrets: string[] }) => resolve({
      url: `http://127.0.0.1:${ready.port}`,
      secrets: ready.secrets,
      close: () => new Promise<void>((closed, failed) => {
        worker.once('error', failed);
        worker.once('exit', () => closed());
        worker.postMessage('close');
      }),
    }));
  });
}

async function serveInThisThread(location: StoreLocation): Promise<void> {
  const store = await openStore(location, SEALING_KEY);
  const app = await buildApp({ store, sealingKey: SEALING_KEY, ledgerSigner: generateLedgerSigner(), ledgerExpirySweepMs: 0, logger: false });
  const secrets = await provision(app, store, Date.now());
  await app.listen({ host: '127.0.0.1', port: 0 });
  parentPort!.once('message', () => {
    void app.close().then(() => store.close()).then(() => process.exit(0));
  });
  parentPort!.postMessage({ port: (app.server.address() as AddressInfo).port, secrets });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  await serveInThisThread((workerData as { location: StoreLocation }).location);
}
