// POST /v1/meter-batches (SPEC §6; docs/ingest.md). The body stays the raw
// bytes the signature covers. Order: 413 (body limit), 415, 401
// unknown_gateway, 401 stale_timestamp, 401 bad_signature — all before the
// body is decoded — then 429 per authenticated gateway, decode, store, 202
// after the commit.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { BatchError } from '../ingest/errors.js';
import { bodyFormatOf } from '../ingest/parse-body.js';
import { assertFreshTimestamp } from '../ingest/timestamp.js';
import { verifyBatchSignature } from '../ingest/signature.js';
import { decodeBatch } from '../ingest/decode.js';
import { bodySha256, ingestBatch } from '../ingest/service.js';
import {
  INGEST_BATCHES_PER_WINDOW_MAX, INGEST_BODY_BYTES_MAX, INGEST_EVENT_LOOP_DELAY_MS_MAX, INGEST_RATE_WINDOW_MS, INGEST_RETRY_AFTER_S,
} from '../limits.js';
import type { ApiContext } from './context.js';
import { errorSchema } from './schemas.js';
import { sharedRateLimitStore } from './rate-limit-store.js';
import type { RateLimitCounter } from '../store/postgres/rate-limits.js';

export const INGEST_ROUTE = '/v1/meter-batches';

export interface IngestOptions {
  /** Batches per gateway per window (at most INGEST_BATCHES_PER_WINDOW_MAX). */
  batchesPerWindowMax?: number;
  rateWindowMs?: number;
  /** Extra overload signal polled by @fastify/under-pressure (tests; a queue-depth probe). */
  overloaded?: () => boolean;
  overloadProbeIntervalMs?: number;
  /** Event-loop delay above which batches answer 503 (default INGEST_EVENT_LOOP_DELAY_MS_MAX); 0 turns that check off, the `overloaded` probe still applies. */
  maxEventLoopDelayMs?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The gateway a batch was authenticated as (ingest route only). */
    gatewayId: string | null;
  }
}

class OverloadedError extends BatchError {
  constructor() {
    super('overloaded', `the server is overloaded; retry after ${INGEST_RETRY_AFTER_S} s`);
  }
}

const responseSchema = {
  type: 'object',
  required: ['seq', 'accepted', 'duplicates', 'rejected'],
  properties: {
    seq: { type: 'integer' },
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: {
      type: 'array',
      items: { type: 'object', required: ['index', 'code'], properties: { index: { type: 'integer' }, code: { type: 'string' } } },
    },
  },
} as const;

const headersSchema = {
  type: 'object',
  properties: {
    'x-gateway-id': { type: 'string' },
    'x-timestamp': { type: 'string', description: 'epoch ms, within ±300 s of server time' },
    'x-signature': { type: 'string', description: 'sha256=<hex HMAC-SHA256(secret, x-timestamp + "." + body)>' },
  },
} as const;

function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** preValidation: media type, gateway, timestamp, signature; sets request.gatewayId. */
function authenticateBatch(context: ApiContext) {
  return async (request: FastifyRequest): Promise<void> => {
    bodyFormatOf(request.headers['content-type']);
    const gatewayId = singleHeader(request, 'x-gateway-id');
    const gateway = gatewayId === undefined ? null : await context.store.readings.gateway(gatewayId);
    if (gateway === null) throw new BatchError('unknown_gateway', `x-gateway-id ${JSON.stringify(gatewayId ?? null)} is not a registered gateway`);
    assertFreshTimestamp(request.headers['x-timestamp'], context.nowMs());
    if (!verifyBatchSignature(gateway.secret, request.headers['x-timestamp'], rawBody(request), request.headers['x-signature'])) {
      throw new BatchError('bad_signature', 'x-signature does not match the body, x-timestamp and the gateway secret');
    }
    request.gatewayId = gateway.gatewayId;
  };
}

async function registerGuards(app: FastifyInstance, options: IngestOptions, rateLimits: RateLimitCounter | null): Promise<void> {
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs ?? INGEST_EVENT_LOOP_DELAY_MS_MAX,
    retryAfter: INGEST_RETRY_AFTER_S,
    customError: OverloadedError,
    ...(options.overloaded === undefined ? {} : {
      healthCheck: async () => !options.overloaded!(),
      healthCheckInterval: options.overloadProbeIntervalMs ?? 100,
    }),
  });
  await app.register(rateLimit, {
    global: false,
    max: Math.min(options.batchesPerWindowMax ?? INGEST_BATCHES_PER_WINDOW_MAX, INGEST_BATCHES_PER_WINDOW_MAX),
    timeWindow: options.rateWindowMs ?? INGEST_RATE_WINDOW_MS,
    keyGenerator: (request) => request.gatewayId ?? '',
    // Shared by every host on PostgreSQL (docs/api.md "Rate limits"); in memory on SQLite's one host.
    ...(rateLimits === null ? {} : { store: sharedRateLimitStore(rateLimits, 'ingest:') }),
    errorResponseBuilder: (_request, limit) => new BatchError('rate_limited', `INGEST_BATCHES_PER_WINDOW_MAX: more than ${limit.max} batches from this gateway; retry in ${limit.after}`),
  });
}

export async function ingestPlugin(app: FastifyInstance, context: ApiContext & { ingest: IngestOptions }): Promise<void> {
  await registerGuards(app, context.ingest, context.store.rateLimits);
  app.decorateRequest('gatewayId', null);
  // Every body reaches the route as the raw Buffer: the signature is over these exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: INGEST_BODY_BYTES_MAX }, (_request, body, done) => done(null, body));

  app.post(INGEST_ROUTE, {
    bodyLimit: INGEST_BODY_BYTES_MAX,
    schema: {
      summary: 'Post a batch of meter readings (SPEC §6)', tags: ['ingest'], headers: headersSchema,
      consumes: ['application/msgpack', 'application/json'],
      response: {
        202: responseSchema, 400: errorSchema, 401: errorSchema, 409: errorSchema, 413: errorSchema,
        415: errorSchema, 429: errorSchema, 503: errorSchema,
      },
    },
    preValidation: authenticateBatch(context),
    preHandler: app.rateLimit(),
  }, async (request, reply) => {
    const body = rawBody(request);
    const nowMs = context.nowMs();
    const decoded = decodeBatch(body, request.headers['content-type'], nowMs);
    const response = await ingestBatch(context.store.readings, {
      gatewayId: request.gatewayId!, seq: decoded.seq, bodySha256: bodySha256(body), decoded, nowMs,
    });
    context.metrics.ingestAnswered(response);
    return reply.code(202).send(response);
  });
}
