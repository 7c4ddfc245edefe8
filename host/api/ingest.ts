// POST /v1/meter-batches (SPEC §6; docs/ingest.md). The body stays the raw
// bytes the signature covers. Cheap checks first, before a byte of the body
// is read (onRequest): 413 (declared length), 415, 401 unknown_gateway or
// gateway_revoked, 401 stale_timestamp. Then the body is read (413 again if
// it runs over), 401 bad_signature, 429 per authenticated gateway, decode, store, 202
// after the commit.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import { BatchError } from '../ingest/errors.js';
import { bodyFormatOf } from '../ingest/parse-body.js';
import { assertFreshTimestamp } from '../ingest/timestamp.js';
import { activeGateway, assertGatewaySignature, type ActiveGateway } from '../ingest/gateway-auth.js';
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
    /** The gateway a batch claims in its headers, admitted before the body is read (ingest route only). */
    claimedGateway: ActiveGateway | null;
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

/** A declared Content-Length over the limit is refused unread; a body without one is cut off by Fastify's bodyLimit. */
function assertDeclaredLength(request: FastifyRequest): void {
  const declaredBytes = Number(singleHeader(request, 'content-length'));
  if (declaredBytes > INGEST_BODY_BYTES_MAX) {
    throw new BatchError('body_too_large', `INGEST_BODY_BYTES_MAX: content-length is ${declaredBytes} bytes (limit ${INGEST_BODY_BYTES_MAX})`);
  }
}

/** onRequest: the checks that need no body, so an unauthenticated body is never buffered; sets request.claimedGateway. */
function admitBatch(context: ApiContext) {
  return async (request: FastifyRequest): Promise<void> => {
    assertDeclaredLength(request);
    bodyFormatOf(request.headers['content-type']);
    const nowMs = context.nowMs();
    request.claimedGateway = await activeGateway(context.store.readings, singleHeader(request, 'x-gateway-id'), nowMs);
    assertFreshTimestamp(request.headers['x-timestamp'], nowMs);
  };
}

/** preValidation, once the body is read: the signature; sets request.gatewayId. */
async function authenticateBatch(request: FastifyRequest): Promise<void> {
  const gateway = request.claimedGateway!;
  assertGatewaySignature(gateway, request.headers['x-timestamp'], rawBody(request), request.headers['x-signature']);
  request.gatewayId = gateway.gatewayId;
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
  app.decorateRequest('claimedGateway', null);
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
    onRequest: admitBatch(context),
    preValidation: authenticateBatch,
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
