// Meters: the operator registers a meter on a gateway, owned by a party and
// optionally bound to a ledger account, with its ratings (SPEC §1 `maxPowerW`
// and the register's `intervalMs`, SPEC's defaults when omitted). A party
// sees the meters it owns and those on gateways it owns; operators and
// regulators see all.
import type { FastifyInstance } from 'fastify';
import { resolveAggregationOptions } from '../engine/aggregate.js';
import { INTERVAL_MS_DEFAULT, MAX_POWER_W_DEFAULT, MAX_POWER_W_MAX, MAX_POWER_W_MIN } from '../limits.js';
import type { OwnedMeter } from '../store/party-store.js';
import { bearerAuth, callerOf, listScopeOf, notFoundUnlessVisible, requireOperator } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';
import { pageOf, pageQuerySchema, pageReplySchema, pageRequestOf, type PageQuery } from './paging.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema, meterIdSchema } from './schemas.js';

const meterSchema = {
  type: 'object',
  required: ['meterId', 'gatewayId', 'partyId', 'accountId', 'maxPowerW', 'intervalMs'],
  properties: {
    meterId: { type: 'string' }, gatewayId: idSchema,
    partyId: { type: ['string', 'null'] }, accountId: { type: ['string', 'null'] },
    maxPowerW: { type: 'integer' }, intervalMs: { type: 'integer' },
  },
} as const;

// No minimum/maximum here: SPEC §1 answers an out-of-range rating with limit_exceeded naming the bound, not invalid_request.
const ratingSchemas = {
  maxPowerW: { type: 'integer', description: `power rating, W: ${MAX_POWER_W_MIN} … ${MAX_POWER_W_MAX} (default ${MAX_POWER_W_DEFAULT})` },
  intervalMs: { type: 'integer', description: `register interval, ms: a multiple of 60 000 dividing 86 400 000 (default ${INTERVAL_MS_DEFAULT})` },
} as const;

const newMeterSchema = {
  type: 'object',
  required: ['meterId', 'gatewayId', 'partyId'],
  additionalProperties: false,
  properties: { meterId: meterIdSchema, gatewayId: idSchema, partyId: idSchema, accountId: idSchema, ...ratingSchemas },
} as const;

interface NewMeterBody {
  meterId: string;
  gatewayId: string;
  partyId: string;
  accountId?: string;
  maxPowerW?: number;
  intervalMs?: number;
}

export async function metersPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { parties, readings } = context.store;
  app.addHook('onRequest', bearerAuth(parties));

  app.post<{ Body: NewMeterBody }>('/v1/meters', {
    schema: {
      summary: 'Register a meter on a gateway for a party, with its power rating and register interval (operator)', tags: ['meters'], security: bearerSecurity, body: newMeterSchema,
      response: { 201: { type: 'object', required: ['meter'], properties: { meter: meterSchema } }, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    requireOperator(request);
    const { meterId, gatewayId, partyId } = request.body;
    const { maxPowerW, intervalMs } = resolveAggregationOptions({ maxPowerW: request.body.maxPowerW, intervalMs: request.body.intervalMs });
    if ((await readings.gateway(gatewayId)) === null) throw new ApiError('invalid_request', `body/gatewayId: gateway ${gatewayId} does not exist`);
    if ((await parties.party(partyId)) === null) throw new ApiError('invalid_request', `body/partyId: party ${partyId} does not exist`);
    const meter: OwnedMeter = { meterId, gatewayId, partyId, accountId: request.body.accountId ?? null, maxPowerW, intervalMs };
    await parties.createOwnedMeter(meter);
    return reply.code(201).send({ meter });
  });

  app.get<{ Querystring: PageQuery }>('/v1/meters', {
    schema: {
      summary: 'List meters visible to the caller, by id', tags: ['meters'], security: bearerSecurity, querystring: pageQuerySchema,
      response: { 200: pageReplySchema('meters', meterSchema), ...authErrorResponses },
    },
  }, async (request) => {
    const rows = await parties.listMeters(listScopeOf(request), pageRequestOf(request.query));
    const { items, next } = pageOf(rows, request.query, (meter) => meter.meterId);
    return { meters: items, next };
  });

  app.get<{ Params: { meterId: string } }>('/v1/meters/:meterId', {
    schema: {
      summary: 'One meter (its party, its gateway owner, operators, regulators)', tags: ['meters'], security: bearerSecurity,
      params: { type: 'object', required: ['meterId'], properties: { meterId: meterIdSchema } },
      response: { 200: { type: 'object', required: ['meter'], properties: { meter: meterSchema } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { meterId } = request.params;
    const meter = await parties.meter(meterId);
    if (meter === null) throw new ApiError('not_found', `meter ${meterId} not found`);
    const gateway = await readings.gateway(meter.gatewayId);
    notFoundUnlessVisible(callerOf(request), [meter.partyId, gateway?.ownerPartyId ?? null], `meter ${meterId}`);
    return { meter };
  });
}
