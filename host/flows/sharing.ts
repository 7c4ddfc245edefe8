// S4 (SPEC §8, §4): battery-sharing compensation weighted by meta
// information. The operator — the sharing service that observed the event —
// submits it; the WASM kernel prices it (host/engine/share.ts); the
// beneficiary pays the compensation and each occupant is credited its share
// (via the sharing clearing account, sharing-rules.ts); a `sharing-event`
// record names every party. Idempotent by event id.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireOperator } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema } from '../api/schemas.js';
import { currencyExponent } from '../currency.js';
import { shareCompensation, type ShareOutput } from '../engine/share.js';
import type { FlowObject } from '../store/flow-store.js';
import type { Party } from '../store/party-store.js';
import { FlowError } from './errors.js';
import { ensureAccounts, postTransfers } from './ledger-bridge.js';
import { claimFlowObject, openMissingWallets, sameJson, settledIdSchema, type Recorded } from './flow-steps.js';
import {
  SHARING_EVENT_KIND, SHARING_RECORD, checkSharingParties, sharingClearingAccount, sharingEventBody, sharingParties, sharingTransfers,
  shareInputOf, type SharingRequest,
} from './sharing-rules.js';
import { currencySchema, epochMsSchema } from './schemas.js';
import { recordOnce } from './flow-records.js';

interface SharingEventBody extends Recorded {
  request: SharingRequest;
  /** The operator that submitted it first: its clearing account carries the money. */
  operatorPartyId: string;
  result: ShareOutput;
}

type SharingEvent = FlowObject<SharingEventBody>;

/** SPEC §4 fields go to the kernel as they came, so that its validation (and codes) apply. */
const kernelField = (description: string) => ({ description });

const sharingEventSchema = {
  type: 'object',
  required: ['id', 'currency', 'ts', 'providerPartyId', 'beneficiaryPartyId', 'occupants'],
  additionalProperties: false,
  properties: {
    id: settledIdSchema, currency: currencySchema, ts: epochMsSchema, providerPartyId: idSchema, beneficiaryPartyId: idSchema,
    energyMWh: kernelField('E, mWh the provider battery gave'), durationMs: kernelField('Δt, ms'),
    capacityMWh: kernelField('C, the provider battery capacity, mWh'), price: kernelField('p, decimal string per kWh'),
    alphaPpm: kernelField('α, ppm'), betaPpm: kernelField('β, ppm'), cRefPpm: kernelField('reference C-rate, ppm'),
    occupants: {
      type: 'array',
      items: {
        type: 'object', required: ['partyId', 'share'], additionalProperties: false,
        properties: { partyId: idSchema, share: kernelField('weight in the split, 1 … 10^6') },
      },
    },
  },
} as const;

const eventReply = { type: 'object', required: ['sharingEvent'], properties: { sharingEvent: { type: 'object', additionalProperties: true } } } as const;

function eventView(event: SharingEvent) {
  const { request, result, recordIndex, operatorPartyId } = event.body;
  const transfers = sharingTransfers(event.id, request, result, sharingClearingAccount(operatorPartyId, request.currency).id);
  return { ...sharingEventBody(event.id, request, result, transfers), status: recordIndex === null ? 'unpaid' : 'posted', recordIndex };
}

async function checkPartiesExist(context: ApiContext, request: SharingRequest): Promise<void> {
  for (const partyId of sharingParties(request)) {
    if ((await context.store.parties.party(partyId)) === null) throw new ApiError('invalid_request', `party ${partyId} does not exist`);
  }
}

/** Pays the event (each transfer id derived from it, so a retry answers `exists`) and records it. */
async function payEvent(context: ApiContext, event: SharingEvent): Promise<void> {
  const { request, result, operatorPartyId } = event.body;
  const clearing = sharingClearingAccount(operatorPartyId, request.currency);
  await openMissingWallets(context, [request.beneficiaryPartyId, ...request.occupants.map((occupant) => occupant.partyId)], request.currency);
  await ensureAccounts(context, [clearing]);
  const transfers = sharingTransfers(event.id, request, result, clearing.id);
  if (transfers.collect !== null) await postTransfers(context, [transfers.collect]);
  if (transfers.shares.length > 0) await postTransfers(context, transfers.shares);
  const record = { ...sharingEventBody(event.id, request, result, transfers), parties: sharingParties(request) };
  await recordOnce(context, event, SHARING_RECORD, record, 'recordIndex');
}

/**
 * Prices, pays and records a sharing event. The same event again answers the
 * same; another body under its id is `sharing_event_conflict`. When the
 * beneficiary's wallet cannot cover the compensation the event stays
 * `unpaid` (409 insufficient_funds) and nothing is paid out; submitting it
 * again after a top-up pays it.
 */
export async function submitSharingEvent(context: ApiContext, operator: Party, input: SharingRequest & { id: string }) {
  const { id, ...request } = input;
  currencyExponent(request.currency);
  const result = shareCompensation(shareInputOf(request));
  checkSharingParties(request);
  await checkPartiesExist(context, request);
  const event = await claimFlowObject<SharingEventBody>(
    context, { kind: SHARING_EVENT_KIND, id, ownerPartyId: request.beneficiaryPartyId, body: { request, operatorPartyId: operator.partyId, result, recordIndex: null } },
    (stored) => sameJson(stored.body.request, request),
    () => new FlowError('sharing_event_conflict', `sharing event ${id} was submitted before with another body`),
  );
  if (event.body.recordIndex === null) await payEvent(context, event);
  return eventView((await context.store.flows.get<SharingEventBody>(SHARING_EVENT_KIND, id))!);
}

export async function sharingPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: SharingRequest & { id: string } }>('/v1/sharing-events', {
    schema: {
      summary: 'Submit a battery-sharing event (operator): priced by the SPEC §4 kernel, paid by the beneficiary to the occupants, recorded',
      tags: ['flows'], security: bearerSecurity, body: sharingEventSchema,
      response: { 201: eventReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const operator = requireOperator(request);
    return reply.code(201).send({ sharingEvent: await submitSharingEvent(context, operator, request.body) });
  });

  app.get<{ Params: { id: string } }>('/v1/sharing-events/:id', {
    schema: {
      summary: 'A sharing event (its provider, beneficiary and occupants, operators, regulators)', tags: ['flows'], security: bearerSecurity,
      params: { type: 'object', required: ['id'], properties: { id: settledIdSchema } }, response: { 200: eventReply, ...authErrorResponses },
    },
  }, async (request) => {
    const event = await context.store.flows.get<SharingEventBody>(SHARING_EVENT_KIND, request.params.id);
    if (event === null) throw new ApiError('not_found', `sharing event ${request.params.id} not found`);
    notFoundUnlessVisible(callerOf(request), sharingParties(event.body.request), `sharing event ${request.params.id}`);
    return { sharingEvent: eventView(event) };
  });
}
