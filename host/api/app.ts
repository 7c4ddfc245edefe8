// buildApp(options): the gridsettle HTTP API. One plugin per domain, JSON
// schemas on every route, one error catalogue (errors.ts), OpenAPI at /docs.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { API_BODY_BYTES_MAX, API_PARAM_LENGTH_MAX } from '../limits.js';
import { openStore, type Store } from '../store/open-store.js';
import { ledgerSealAfterMsFromEnv, ledgerSignerFromEnv, sealingKeyFromHex, storeLocationOf, MARKET_AUTHORITY_ENV, SECRET_KEY_ENV, type LocationOptions } from './config.js';
import { Ledger } from '../ledger/ledger.js';
import type { LedgerSigner } from '../ledger/blocks.js';
import { LEDGER_EXPIRY_SWEEP_INTERVAL_MS, LEDGER_SEAL_CHECK_INTERVAL_MS } from '../limits.js';
import { TimedSealer } from '../ledger/timed-seal.js';
import { ledgerPlugin } from './ledger.js';
import type { ApiContext } from './context.js';
import { API_ERROR_STATUS, errorReplyOf } from './errors.js';
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

/** Characters of a request path an error message repeats. */
const ERROR_PATH_ECHO_LENGTH_MAX = 80;

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
  /** How long records may wait unsealed (by `nowMs`) before a block seals them; 0: only every N records; default: GRIDSETTLE_LEDGER_SEAL_AFTER_MS, else LEDGER_SEAL_AFTER_MS. */
  ledgerSealAfterMs?: number;
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

/** The router's own refusals, before any route: in the catalogue, never echoing the URL. */
function routerErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = pathForMessage(request.url);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const message = `API_PARAM_LENGTH_MAX: a path segment of ${path} is over ${API_PARAM_LENGTH_MAX} characters`;
    void reply.code(API_ERROR_STATUS.uri_too_long).send({ error: { code: 'uri_too_long', message } });
    return;
  }
  void reply.code(API_ERROR_STATUS.invalid_request).send({ error: { code: 'invalid_request', message: `the path of ${path} is not a valid URL` } });
}

/** A URL's path, cut to a length worth reading in an error message. */
function pathForMessage(url: string): string {
  const path = url.split('?')[0]!;
  return path.length <= ERROR_PATH_ECHO_LENGTH_MAX ? path : `${path.slice(0, ERROR_PATH_ECHO_LENGTH_MAX)}…`;
}

function installErrorHandling(app: FastifyInstance, metrics: ApiMetrics): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = errorReplyOf(error);
    if (status >= 500 && status !== 503) request.log.error({ err: error }, 'request failed');
    if (request.routeOptions.url === INGEST_ROUTE) metrics.batchRejected(body.error.code);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${pathForMessage(request.url)}` } });
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestFinished(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime);
  });
}

/**
 * Runs `task` every `intervalMs` (0: never) until the app closes, one run at
 * a time; a failure is logged and the next tick tries again.
 */
function startPeriodic(app: FastifyInstance, what: string, intervalMs: number, task: () => Promise<unknown>): void {
  if (intervalMs <= 0) return;
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running !== null) return;
    running = task()
      .catch((error: unknown) => app.log.error({ err: error }, `${what} failed`))
      .finally(() => { running = null; });
  }, intervalMs);
  timer.unref();
  // preClose runs before the onClose hook that closes an owned store, so no run outlives the connection.
  app.addHook('preClose', async () => {
    clearInterval(timer);
    await running;
  });
}

/** SPEC §5 "expiry voids" and "Trusted heads": every host may sweep and seal, the ledger's write lock serialises them. */
function startLedgerTimers(app: FastifyInstance, ledger: Ledger, nowMs: () => number, options: AppOptions): void {
  startPeriodic(app, 'ledger expiry sweep', options.ledgerExpirySweepMs ?? LEDGER_EXPIRY_SWEEP_INTERVAL_MS, () => ledger.expirePending(nowMs()));
  const sealAfterMs = options.ledgerSealAfterMs!;
  if (sealAfterMs <= 0) return;
  const sealer = new TimedSealer(ledger, sealAfterMs);
  startPeriodic(app, 'ledger timed seal', Math.min(LEDGER_SEAL_CHECK_INTERVAL_MS, sealAfterMs), () => sealer.check(nowMs()));
}

export async function buildApp(options: AppOptions = {}): Promise<FastifyInstance> {
  // The key and the seal wait are checked before the store opens, so bad configuration leaves nothing open.
  if (options.ledgerSigner === undefined) options = { ...options, ledgerSigner: ledgerSignerFromEnv() };
  if (options.ledgerSealAfterMs === undefined) options = { ...options, ledgerSealAfterMs: ledgerSealAfterMsFromEnv() };
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
    // Every id, even fully percent-encoded, fits a path parameter (docs/api.md "Ids and names").
    routerOptions: { maxParamLength: API_PARAM_LENGTH_MAX },
    frameworkErrors: routerErrors,
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
  startLedgerTimers(app, ledger, nowMs, options);
  return app;
}
