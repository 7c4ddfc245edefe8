// S3 (SPEC §8): a vehicle pays a target apparatus for a service, settled in
// two phases (SPEC §5). A supplier registers its apparatus; the vehicle's
// party authorises up to an amount (the apparatus learns "settlement
// possible"); the service runs; the apparatus owner captures the actual
// amount ("settlement completed") or either side voids; expiry voids.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema, nameSchemaOf } from '../api/schemas.js';
import { PREAUTH_TEXT_LENGTH_MAX } from '../limits.js';
import { settledIdSchema } from './flow-steps.js';
import { APPARATUS_KIND } from './preauth-rules.js';
import {
  authorisationView, authorise, capture, registerApparatus, visibleAuthorisation, voidAuthorisation,
  type ApparatusBody, type AuthoriseInput,
} from './preauth-steps.js';
import { currencySchema, epochMsSchema, flowIdParamsSchema, flowIdSchema, moneySchema } from './schemas.js';

const textSchema = nameSchemaOf(PREAUTH_TEXT_LENGTH_MAX, 'PREAUTH_TEXT_LENGTH_MAX');
const apparatusReply = { type: 'object', required: ['apparatus'], properties: { apparatus: { type: 'object', additionalProperties: true } } } as const;
const authorisationReply = {
  type: 'object', required: ['authorisation'], properties: { authorisation: { type: 'object', additionalProperties: true } },
} as const;
const idParams = { type: 'object', required: ['id'], properties: { id: settledIdSchema } } as const;
const stepResponses = { 200: authorisationReply, 409: errorSchema, ...authErrorResponses } as const;

interface ApparatusInput {
  id: string;
  name: string;
  currency: string;
}

function apparatusView(apparatus: { id: string; ownerPartyId: string; body: ApparatusBody }) {
  return { id: apparatus.id, ownerPartyId: apparatus.ownerPartyId, name: apparatus.body.name, currency: apparatus.body.currency };
}

export async function preauthPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: ApparatusInput }>('/v1/preauth/apparatus', {
    schema: {
      summary: 'Register a target apparatus the caller (a supplier) is paid for services at', tags: ['flows'], security: bearerSecurity,
      body: {
        type: 'object', required: ['id', 'name', 'currency'], additionalProperties: false,
        properties: { id: flowIdSchema, name: textSchema, currency: currencySchema },
      },
      response: { 201: apparatusReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const owner = requireRole(request, ['supplier'], 'register an apparatus');
    return reply.code(201).send({ apparatus: apparatusView(await registerApparatus(context, owner, request.body)) });
  });

  app.get<{ Params: { id: string } }>('/v1/preauth/apparatus/:id', {
    schema: {
      summary: 'An apparatus (its owner, operators, regulators)', tags: ['flows'], security: bearerSecurity,
      params: flowIdParamsSchema, response: { 200: apparatusReply, ...authErrorResponses },
    },
  }, async (request) => {
    const apparatus = await context.store.flows.get<ApparatusBody>(APPARATUS_KIND, request.params.id);
    if (apparatus === null) throw new ApiError('not_found', `apparatus ${request.params.id} not found`);
    notFoundUnlessVisible(callerOf(request), [apparatus.ownerPartyId], `apparatus ${request.params.id}`);
    return { apparatus: apparatusView(apparatus) };
  });

  app.post<{ Body: AuthoriseInput }>('/v1/preauth/authorisations', {
    schema: {
      summary: "Authorise up to an amount for a service at an apparatus (a participant, for its vehicle): held in the caller's wallet",
      tags: ['flows'], security: bearerSecurity,
      body: {
        type: 'object', required: ['id', 'apparatusId', 'vehicleId', 'amount', 'ts'], additionalProperties: false,
        properties: {
          id: settledIdSchema, apparatusId: flowIdSchema, vehicleId: flowIdSchema, amount: moneySchema, service: textSchema,
          timeoutMs: { type: 'integer' }, ts: epochMsSchema,
        },
      },
      response: { 201: authorisationReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const vehicle = requireRole(request, ['participant'], 'authorise a payment');
    return reply.code(201).send({ authorisation: await authorise(context, vehicle, request.body) });
  });

  app.get<{ Params: { id: string } }>('/v1/preauth/authorisations/:id', {
    schema: {
      summary: 'An authorisation and its status (its vehicle, its apparatus owner, operators, regulators)', tags: ['flows'],
      security: bearerSecurity, params: idParams, response: { 200: authorisationReply, ...authErrorResponses },
    },
  }, async (request) => ({
    authorisation: await authorisationView(context, await visibleAuthorisation(context, callerOf(request), request.params.id)),
  }));

  app.post<{ Params: { id: string }; Body: { amount: string; ts: number } }>('/v1/preauth/authorisations/:id/capture', {
    schema: {
      summary: 'Capture the actual amount, at most the authorised one (the apparatus owner); the rest is released',
      tags: ['flows'], security: bearerSecurity, params: idParams,
      body: { type: 'object', required: ['amount', 'ts'], additionalProperties: false, properties: { amount: moneySchema, ts: epochMsSchema } },
      response: stepResponses,
    },
  }, async (request) => ({ authorisation: await capture(context, callerOf(request), request.params.id, request.body) }));

  app.post<{ Params: { id: string }; Body: { ts: number } }>('/v1/preauth/authorisations/:id/void', {
    schema: {
      summary: 'Release the hold without payment (the vehicle or the apparatus owner)', tags: ['flows'], security: bearerSecurity,
      params: idParams,
      body: { type: 'object', required: ['ts'], additionalProperties: false, properties: { ts: epochMsSchema } },
      response: stepResponses,
    },
  }, async (request) => ({ authorisation: await voidAuthorisation(context, callerOf(request), request.params.id, request.body) }));
}
