// Gateways (SPEC §6): the operator registers one for an owning party and
// receives its HMAC secret once; owners, operators and regulators read it.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { API_GATEWAY_SECRET_BYTES } from '../limits.js';
import { rethrowDuplicate, type GatewaySummary } from '../store/party-store.js';
import { bearerAuth, callerOf, listScopeOf, notFoundUnlessVisible, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from './schemas.js';

const gatewaySchema = {
  type: 'object',
  required: ['gatewayId', 'ownerPartyId', 'createdAtMs'],
  properties: { gatewayId: idSchema, ownerPartyId: idSchema, createdAtMs: { type: 'integer' } },
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
          properties: { gateway: gatewaySchema, secret: { type: 'string', description: 'the HMAC-SHA256 key of x-signature (use this text as the key)' } },
        },
        409: errorSchema, ...authErrorResponses,
      },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const { gatewayId, ownerPartyId } = request.body;
    if ((await parties.party(ownerPartyId)) === null) throw new ApiError('invalid_request', `body/ownerPartyId: party ${ownerPartyId} does not exist`);
    // The HMAC key is the hex text itself (its ASCII bytes), as `openssl dgst -hmac` takes it (docs/api.md).
    const secret = randomBytes(API_GATEWAY_SECRET_BYTES).toString('hex');
    const gateway: GatewaySummary = { gatewayId, ownerPartyId, createdAtMs: context.nowMs() };
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
      params: { type: 'object', required: ['gatewayId'], properties: { gatewayId: idSchema } },
      response: { 200: { type: 'object', required: ['gateway'], properties: { gateway: gatewaySchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { gatewayId } = request.params;
    const gateway = await readings.gateway(gatewayId);
    if (gateway === null) throw new ApiError('not_found', `gateway ${gatewayId} not found`);
    notFoundUnlessVisible(callerOf(request), [gateway.ownerPartyId], `gateway ${gatewayId}`);
    return { gateway: { gatewayId, ownerPartyId: gateway.ownerPartyId, createdAtMs: gateway.createdAtMs } };
  });
}
