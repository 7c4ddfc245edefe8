// Gateways (SPEC §6): the operator registers one for an owning party and
// receives its HMAC secret once; owners, operators and regulators read it;
// the operator or the owner revokes it or rotates its secret
// (gateway-lifecycle.ts).
import type { FastifyInstance } from 'fastify';
import { GATEWAY_SECRET_OVERLAP_MS_DEFAULT, GATEWAY_SECRET_OVERLAP_MS_MAX } from '../limits.js';
import { rethrowDuplicate, type GatewaySummary } from '../store/party-store.js';
import { summaryOfGateway } from '../store/gateway-rows.js';
import { bearerAuth, callerOf, listScopeOf, notFoundUnlessVisible, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { limitedIntegerSchema } from './validation.js';
import { newGatewaySecret, revokeGateway, rotateGatewaySecret } from './gateway-lifecycle.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from './schemas.js';

const gatewaySchema = {
  type: 'object',
  required: ['gatewayId', 'ownerPartyId', 'createdAtMs', 'revokedAtMs', 'previousSecretExpiresAtMs'],
  properties: {
    gatewayId: idSchema, ownerPartyId: idSchema, createdAtMs: { type: 'integer' },
    revokedAtMs: { type: ['integer', 'null'], description: 'when the gateway was revoked (its batches answer 401 gateway_revoked since); null while active' },
    previousSecretExpiresAtMs: {
      type: ['integer', 'null'], description: 'the secret the last rotation replaced verifies before this time (epoch ms); null when there is none',
    },
  },
} as const;

const gatewayParamsSchema = { type: 'object', required: ['gatewayId'], properties: { gatewayId: idSchema } } as const;

const secretSchema = { type: 'string', description: 'the HMAC-SHA256 key of x-signature (use this text as the key)' } as const;

const rotationSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    overlapMs: {
      ...limitedIntegerSchema(0, GATEWAY_SECRET_OVERLAP_MS_MAX, 'GATEWAY_SECRET_OVERLAP_MS_MAX'),
      default: GATEWAY_SECRET_OVERLAP_MS_DEFAULT, description: 'how long the replaced secret still verifies, ms',
    },
  },
} as const;

const newGatewaySchema = {
  type: 'object',
  required: ['gatewayId', 'ownerPartyId'],
  additionalProperties: false,
  properties: { gatewayId: idSchema, ownerPartyId: idSchema },
} as const;

export async function gatewaysPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { parties, readings } = context.store;
  app.addHook('onRequest', bearerAuth(parties));

  app.post<{ Body: { gatewayId: string; ownerPartyId: string } }>('/v1/gateways', {
    schema: {
      summary: 'Register a gateway (operator); the HMAC secret is in this response only', tags: ['gateways'],
      security: bearerSecurity, body: newGatewaySchema,
      response: {
        201: {
          type: 'object', required: ['gateway', 'secret'],
          properties: { gateway: gatewaySchema, secret: secretSchema },
        },
        409: errorSchema, ...authErrorResponses,
      },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const { gatewayId, ownerPartyId } = request.body;
    if ((await parties.party(ownerPartyId)) === null) throw new ApiError('invalid_request', `body/ownerPartyId: party ${ownerPartyId} does not exist`);
    // The HMAC key is the hex text itself (its ASCII bytes), as `openssl dgst -hmac` takes it (docs/api.md).
    const secret = newGatewaySecret();
    const gateway: GatewaySummary = { gatewayId, ownerPartyId, createdAtMs: context.nowMs(), revokedAtMs: null, previousSecretExpiresAtMs: null };
    await rethrowDuplicate(`gateway ${gatewayId}`, () => readings.createGateway({ ...gateway, secret: Buffer.from(secret, 'ascii') }));
    return reply.code(201).send({ gateway, secret });
  });

  app.get<{ Querystring: PageQuery }>('/v1/gateways', {
    schema: {
      summary: 'List gateways by id: all for operators and regulators, else those the caller owns', tags: ['gateways'],
      security: bearerSecurity, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('gateways', gatewaySchema), ...authErrorResponses },
    },
  }, async (request) => {
    const rows = await parties.listGateways(listScopeOf(request), pageRequestOf(request.query));
    const { items, next } = pageOf(rows, request.query, (gateway) => gateway.gatewayId);
    return { gateways: items, next };
  });

  app.get<{ Params: { gatewayId: string } }>('/v1/gateways/:gatewayId', {
    schema: {
      summary: 'One gateway (its owner, operators, regulators)', tags: ['gateways'], security: bearerSecurity,
      params: gatewayParamsSchema,
      response: { 200: { type: 'object', required: ['gateway'], properties: { gateway: gatewaySchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { gatewayId } = request.params;
    const gateway = await readings.gateway(gatewayId);
    if (gateway === null) throw new ApiError('not_found', `gateway ${gatewayId} not found`);
    notFoundUnlessVisible(callerOf(request), [gateway.ownerPartyId], `gateway ${gatewayId}`);
    return { gateway: summaryOfGateway(gateway) };
  });

  app.delete<{ Params: { gatewayId: string } }>('/v1/gateways/:gatewayId', {
    schema: {
      summary: 'Revoke a gateway (operator or its owner): from now on its batches answer 401 gateway_revoked on every host', tags: ['gateways'],
      security: bearerSecurity, params: gatewayParamsSchema,
      response: { 200: { type: 'object', required: ['gateway'], properties: { gateway: gatewaySchema } }, ...authErrorResponses },
    },
  }, async (request) => ({ gateway: await revokeGateway(context, callerOf(request), request.params.gatewayId) }));

  app.post<{ Params: { gatewayId: string }; Body: { overlapMs?: number } }>('/v1/gateways/:gatewayId/secret', {
    schema: {
      summary: 'Rotate the gateway secret (operator or its owner); the new secret is in this response only, the old one verifies for overlapMs more',
      tags: ['gateways'], security: bearerSecurity, params: gatewayParamsSchema, body: rotationSchema,
      response: {
        200: {
          type: 'object', required: ['gateway', 'secret', 'secretSha256'],
          properties: { gateway: gatewaySchema, secret: secretSchema, secretSha256: { type: 'string', description: 'hex SHA-256 of the secret text, as the ledger record names it' } },
        },
        ...authErrorResponses,
      },
    },
  }, async (request) => rotateGatewaySecret(context, callerOf(request), request.params.gatewayId, request.body.overlapMs));
}
