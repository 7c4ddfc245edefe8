// Parties and their API keys (SPEC §5 roles). The operator creates parties
// and keys; every party reads itself and may issue itself another key or
// revoke one of its own; operators and regulators read all parties.
import type { FastifyInstance } from 'fastify';
import { PARTY_ROLES, type Party, type PartyRole } from '../store/party-store.js';
import { bearerAuth, callerOf, createApiKey, listScopeOf, notFoundUnlessVisible, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';
import { authErrorResponses, bearerSecurity, displayNameSchema, errorSchema, idSchema } from './schemas.js';

const partySchema = {
  type: 'object',
  required: ['partyId', 'name', 'role', 'createdAtMs'],
  properties: { partyId: idSchema, name: { type: 'string' }, role: { type: 'string', enum: PARTY_ROLES }, createdAtMs: { type: 'integer' } },
} as const;

const newPartySchema = {
  type: 'object',
  required: ['partyId', 'name', 'role'],
  additionalProperties: false,
  properties: { partyId: idSchema, name: displayNameSchema, role: { type: 'string', enum: PARTY_ROLES } },
} as const;

const partyParamsSchema = { type: 'object', required: ['partyId'], properties: { partyId: idSchema } } as const;

const keySummarySchema = {
  type: 'object',
  required: ['keyId', 'partyId', 'createdAtMs', 'revokedAtMs'],
  properties: {
    keyId: { type: 'string' }, partyId: idSchema, createdAtMs: { type: 'integer' },
    revokedAtMs: { type: ['integer', 'null'], description: 'when the key was revoked (it answers 401 since); null while valid' },
  },
} as const;

const keyParamsSchema = { type: 'object', required: ['partyId', 'keyId'], properties: { partyId: idSchema, keyId: idSchema } } as const;

const issuedKeySchema = {
  type: 'object',
  required: ['keyId', 'partyId', 'apiKey'],
  properties: { keyId: { type: 'string' }, partyId: idSchema, apiKey: { type: 'string', description: 'shown once; only its SHA-256 is stored' } },
} as const;

interface PartyParams {
  partyId: string;
}

interface KeyParams extends PartyParams {
  keyId: string;
}

/** A key write aimed at another party's keys answers like a read: 404, so existence does not leak. */
function requireSelfOrOperator(caller: Party, partyId: string): void {
  if (caller.role !== 'operator' && caller.partyId !== partyId) throw new ApiError('not_found', `party ${partyId} not found`);
}

async function visibleParty(context: ApiContext, caller: Party, partyId: string): Promise<Party> {
  notFoundUnlessVisible(caller, [partyId], `party ${partyId}`);
  const party = await context.store.parties.party(partyId);
  if (party === null) throw new ApiError('not_found', `party ${partyId} not found`);
  return party;
}

export async function partiesPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { parties } = context.store;
  app.addHook('onRequest', bearerAuth(parties));

  app.post<{ Body: { partyId: string; name: string; role: PartyRole } }>('/v1/parties', {
    schema: {
      summary: 'Create a party (operator)', tags: ['parties'], security: bearerSecurity, body: newPartySchema,
      response: { 201: { type: 'object', required: ['party'], properties: { party: partySchema } }, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const party: Party = { ...request.body, createdAtMs: context.nowMs() };
    await parties.createParty(party);
    return reply.code(201).send({ party });
  });

  app.get<{ Querystring: PageQuery }>('/v1/parties', {
    schema: {
      summary: 'List parties by id: all for operators and regulators, else only the caller', tags: ['parties'], security: bearerSecurity,
      querystring: pageQuerySchema, response: { 200: pageReplySchema('parties', partySchema), ...authErrorResponses },
    },
  }, async (request) => {
    const rows = await parties.listParties(listScopeOf(request), pageRequestOf(request.query));
    const { items, next } = pageOf(rows, request.query, (party) => party.partyId);
    return { parties: items, next };
  });

  app.get('/v1/parties/me', {
    schema: {
      summary: 'The calling party', tags: ['parties'], security: bearerSecurity,
      response: { 200: { type: 'object', required: ['party'], properties: { party: partySchema } }, ...authErrorResponses },
    },
  }, async (request) => ({ party: callerOf(request) }));

  app.get<{ Params: PartyParams }>('/v1/parties/:partyId', {
    schema: {
      summary: 'One party (itself, or any for operators and regulators)', tags: ['parties'], security: bearerSecurity, params: partyParamsSchema,
      response: { 200: { type: 'object', required: ['party'], properties: { party: partySchema } }, ...authErrorResponses },
    },
  }, async (request) => ({ party: await visibleParty(context, callerOf(request), request.params.partyId) }));

  keyRoutes(app, context);
}

function keyRoutes(app: FastifyInstance, context: ApiContext): void {
  const { parties } = context.store;
  app.post<{ Params: PartyParams }>('/v1/parties/:partyId/keys', {
    schema: {
      summary: 'Issue an API key for a party (operator, or the party itself); the key is shown once', tags: ['parties'],
      security: bearerSecurity, params: partyParamsSchema,
      response: { 201: issuedKeySchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const { partyId } = request.params;
    requireSelfOrOperator(callerOf(request), partyId);
    if ((await parties.party(partyId)) === null) throw new ApiError('not_found', `party ${partyId} not found`);
    const issued = await createApiKey(parties, partyId, context.nowMs());
    return reply.code(201).send({ keyId: issued.keyId, partyId, apiKey: issued.apiKey });
  });

  app.get<{ Params: PartyParams; Querystring: PageQuery }>('/v1/parties/:partyId/keys', {
    schema: {
      summary: "A party's API keys by key id, revoked ones included (ids only; keys are never shown again)", tags: ['parties'],
      security: bearerSecurity, params: partyParamsSchema, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('keys', keySummarySchema), ...authErrorResponses },
    },
  }, async (request) => {
    const party = await visibleParty(context, callerOf(request), request.params.partyId);
    const { items, next } = pageOf(await parties.listApiKeys(party.partyId, pageRequestOf(request.query)), request.query, (key) => key.keyId);
    return { keys: items, next };
  });

  app.delete<{ Params: KeyParams }>('/v1/parties/:partyId/keys/:keyId', {
    schema: {
      summary: 'Revoke an API key (operator, or the party itself): from now on it answers 401 on every host', tags: ['parties'],
      security: bearerSecurity, params: keyParamsSchema,
      response: { 200: { type: 'object', required: ['key'], properties: { key: keySummarySchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { partyId, keyId } = request.params;
    requireSelfOrOperator(callerOf(request), partyId);
    const revocation = await parties.revokeApiKey(partyId, keyId, context.nowMs());
    if (revocation.outcome === 'not_found') throw new ApiError('not_found', `key ${keyId} of party ${partyId} not found`);
    if (revocation.outcome === 'last_operator_key') {
      throw new ApiError('invalid_request', `key ${keyId} is the last valid key of operator party ${partyId}; issue another key first`);
    }
    return { key: revocation.key };
  });
}
