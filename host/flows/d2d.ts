// S8 (SPEC §8): a portable power supply sends excess power to another
// device. The transfer is agreed (sender device, receiver device, price,
// currency, window), metered on both sides through signed ingest, and the
// delivered energy — the lesser of the sender's export and the receiver's
// import — settled at the agreed price; the difference is recorded as loss.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { authErrorResponses, bearerSecurity, errorSchema, meterIdSchema } from '../api/schemas.js';
import { settledIdSchema } from './flow-steps.js';
import { accept, d2dView, propose, settle, visibleTransfer, type ProposeInput } from './d2d-steps.js';
import { currencySchema, epochMsSchema, moneySchema } from './schemas.js';

const transferReply = { type: 'object', required: ['transfer'], properties: { transfer: { type: 'object', additionalProperties: true } } } as const;
const idParams = { type: 'object', required: ['id'], properties: { id: settledIdSchema } } as const;
const stepResponses = { 200: transferReply, 409: errorSchema, ...authErrorResponses } as const;

export async function d2dPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: ProposeInput }>('/v1/d2d-transfers', {
    schema: {
      summary: "Propose a device-to-device transfer (the sender, owner of the sending device's meter): receiver device, price per kWh, window",
      tags: ['flows'], security: bearerSecurity,
      body: {
        type: 'object', required: ['id', 'senderMeterId', 'receiverMeterId', 'price', 'currency', 'fromMs', 'toMs'], additionalProperties: false,
        properties: {
          id: settledIdSchema, senderMeterId: meterIdSchema, receiverMeterId: meterIdSchema, price: moneySchema, currency: currencySchema,
          fromMs: epochMsSchema, toMs: epochMsSchema,
        },
      },
      response: { 201: transferReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => reply.code(201).send({ transfer: d2dView(await propose(context, callerOf(request), request.body)) }));

  app.get<{ Params: { id: string } }>('/v1/d2d-transfers/:id', {
    schema: {
      summary: 'A device-to-device transfer (its sender, its receiver, operators, regulators)', tags: ['flows'], security: bearerSecurity,
      params: idParams, response: { 200: transferReply, ...authErrorResponses },
    },
  }, async (request) => ({ transfer: d2dView(await visibleTransfer(context, callerOf(request), request.params.id)) }));

  app.post<{ Params: { id: string } }>('/v1/d2d-transfers/:id/accept', {
    schema: {
      summary: 'Accept a proposed transfer (the receiver): agree to pay the price for the delivered energy', tags: ['flows'],
      security: bearerSecurity, params: idParams, response: stepResponses,
    },
  }, async (request) => ({ transfer: d2dView(await accept(context, callerOf(request), request.params.id)) }));

  app.post<{ Params: { id: string } }>('/v1/d2d-transfers/:id/settle', {
    schema: {
      summary: 'Settle an accepted transfer after its window (sender, receiver or operator): meter both sides, pay, record',
      tags: ['flows'], security: bearerSecurity, params: idParams, response: stepResponses,
    },
  }, async (request) => ({ transfer: d2dView(await settle(context, callerOf(request), request.params.id)) }));
}
