// buildApp(options): the gridsettle HTTP API. One plugin per domain, JSON
// schemas on every route, one error catalogue (errors.ts), OpenAPI at /docs.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { API_BODY_BYTES_MAX } from '../limits.js';
import { openStore, type Store } from '../store/open-store.js';
import { ledgerSignerFromEnv, sealingKeyFromHex, storeLocationOf, MARKET_AUTHORITY_ENV, SECRET_KEY_ENV, type LocationOptions } from './config.js';
import { Ledger } from '../ledger/ledger.js';
import type { LedgerSigner } from '../ledger/blocks.js';
import { LEDGER_EXPIRY_SWEEP_INTERVAL_MS } from '../limits.js';
import { ledgerPlugin } from './ledger.js';
import type { ApiContext } from './context.js';
import { errorReplyOf } from './errors.js';
import { gatewaysPlugin } from './gateways.js';
import { INGEST_ROUTE, ingestPlugin, type IngestOptions } from './ingest.js';
import { metersPlugin } from './meters.js';
import { ApiMetrics } from './metrics.js';
import { operationsPlugin } from './operations.js';
import { partiesPlugin } from './parties.js';
import { settlementPlugin } from './settlement.js';
import { VALIDATION_KEYWORDS } from './validation.js';
import { flowsPlugin } from '../flows/index.js';
import { webhookTargetPolicy } from '../flows/webhook-target.js';

export interface AppOptions extends LocationOptions {
  /** An open store the caller owns (tests); else one is opened from sqlitePath/postgresUrl and closed with the app. */
  store?: Store;
  /** Seals gateway secrets; default: GRIDSETTLE_SECRET_KEY (64 hex digits). */
  sealingKey?: Uint8Array;
  /** Fastify's pino logger; default info level. */
  logger?: FastifyServerOptions['logger'];
  /** Server clock, epoch ms (tests pin it). */
  nowMs?: () => number;
  ingest?: IngestOptions;
  /** Signs ledger blocks; default: GRIDSETTLE_LEDGER_KEY (base64 PKCS#8 DER, Ed25519). */
  ledgerSigner?: LedgerSigner;
  /** Records per automatic block seal (tests use small blocks). */
  ledgerRecordsPerBlock?: number;
  /** How often pending transfers past their timeout are voided; 0: never (tests). */
  ledgerExpirySweepMs?: number;
  /** The party that holds the S6 market's clearing account and clears it; default: GRIDSETTLE_MARKET_AUTHORITY. */
  marketAuthority?: string;
  /** CIDRs, addresses or host names S5 webhooks may reach although private; default: GRIDSETTLE_WEBHOOK_ALLOW (comma-separated). */
  webhookAllow?: readonly string[];
  /** Plain http to those allowed targets; default: GRIDSETTLE_WEBHOOK_ALLOW_HTTP=1. */
  webhookAllowHttp?: boolean;
}

async function storeOf(options: AppOptions): Promise<{ store: Store; owned: boolean }> {
  if (options.store !== undefined) return { store: options.store, owned: false };
  const sealingKey = options.sealingKey ?? sealingKeyFromHex(process.env[SECRET_KEY_ENV]);
  return { store: await openStore(storeLocationOf(options), sealingKey), owned: true };
}

async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'gridsettle', version: '0.1.0', description: 'Meter ingest (SPEC §6), parties and provisioning, the verifiable ledger (SPEC §5), settlement (SPEC §2, §3). See docs/api.md.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

function installErrorHandling(app: FastifyInstance, metrics: ApiMetrics): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReplyOf(error);
    if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
    if (request.routeOptions.url === INGEST_ROUTE) metrics.batchRejected(body.error.code);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestFinished(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
}

/** Voids expired pendings every `intervalMs` (SPEC §5 "expiry voids"); every host may sweep, the ledger lock serialises them. */
function startExpirySweep(app: FastifyInstance, ledger: Ledger, nowMs: () => number, intervalMs: number): void {
  if (intervalMs <= 0) return;
  let sweeping: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    sweeping = ledger.expirePending(nowMs()).catch((error: unknown) => app.log.error({ err: error }, 'ledger expiry sweep failed'));
  }, intervalMs);
  timer.unref();
  // preClose runs before the onClose hook that closes an owned store, so no sweep outlives the connection.
  app.addHook('preClose', async () => {
    clearInterval(timer);
    await sweeping;
  });
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  // The key is checked before the store opens, so a bad key leaves nothing open.
  if (options.ledgerSigner === undefined) options = { ...options, ledgerSigner: ledgerSignerFromEnv() };
  const { store, owned } = await storeOf(options);
  try {
    return await assemble(store, owned, options);
  } catch (error) {
    if (owned) await store.close();
    throw error;
  }
}

async function assemble(store: Store, owned: boolean, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit: API_BODY_BYTES_MAX,
    // Unknown body fields are refused (400 invalid_request), not silently dropped; verbose
    // errors carry their schema, so a range failure can name its limit (validation.ts).
    ajv: { customOptions: { removeAdditional: false, verbose: true, keywords: [...VALIDATION_KEYWORDS] } },
  });
  app.decorateRequest('caller', null);
  if (owned) app.addHook('onClose', async () => store.close());
  const metrics = new ApiMetrics();
  const nowMs = options.nowMs ?? Date.now;
  const ledgerOptions = options.ledgerRecordsPerBlock === undefined ? {} : { recordsPerBlock: options.ledgerRecordsPerBlock };
  const ledger = new Ledger(store.ledger, options.ledgerSigner!, ledgerOptions);
  const marketAuthority = options.marketAuthority ?? process.env[MARKET_AUTHORITY_ENV] ?? '';
  const webhookTargets = webhookTargetPolicy(options.webhookAllow, options.webhookAllowHttp);
  const context: ApiContext = { store, metrics, ledger, nowMs, marketAuthority: marketAuthority === '' ? null : marketAuthority, webhookTargets };
  installErrorHandling(app, metrics);
  await registerDocs(app);
  await app.register(operationsPlugin, context);
  await app.register(partiesPlugin, context);
  await app.register(gatewaysPlugin, context);
  await app.register(metersPlugin, context);
  await app.register(ingestPlugin, { ...context, ingest: options.ingest ?? {} });
  await app.register(ledgerPlugin, context);
  await app.register(settlementPlugin, context);
  await app.register(flowsPlugin, context);
  startExpirySweep(app, ledger, nowMs, options.ledgerExpirySweepMs ?? LEDGER_EXPIRY_SWEEP_INTERVAL_MS);
  return app;
}
