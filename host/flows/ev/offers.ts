// S1 offers (docs/flows.md "S1"): a supplier publishes buy and sell offers
// (a price series with a validity window) and withdraws them; any
// authenticated party reads them. An offer is never deleted: withdrawal is a
// state change, and sessions already bound to it keep its prices.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf } from '../../api/auth.js';
import type { ApiContext } from '../../api/context.js';
import { ApiError } from '../../api/errors.js';
import { authErrorResponses, bearerSecurity } from '../../api/schemas.js';
import { currencyExponent } from '../../currency.js';
import { invalidInput, limitExceeded } from '../../errors.js';
import { canonicalJson } from '../../ledger/canonical-json.js';
import { EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX } from '../../limits.js';
import type { FlowTransaction } from '../../store/flow-store.js';
import { flowIdParamsSchema } from '../schemas.js';
import { allFlowObjects, OFFER_KIND, offerGroup, offerView, requireWallet, type OfferBody } from './model.js';
import { checkOfferSeries } from './rules.js';
import { conflictResponses, newOfferSchema, objectReply, type NewOfferBody } from './schemas.js';

const offerReply = objectReply('offer');

function termsOf(offer: Pick<OfferBody, 'supplierPartyId' | 'direction' | 'currency' | 'validFromMs' | 'validToMs' | 'slots'>): string {
  const { supplierPartyId, direction, currency, validFromMs, validToMs, slots } = offer;
  return canonicalJson({ supplierPartyId, direction, currency, validFromMs, validToMs, slots });
}

// Published, not withdrawn and not yet expired: what counts against the supplier's limit.
async function offersNotExpired(transaction: FlowTransaction, supplierPartyId: string, nowMs: number): Promise<number> {
  let count = 0;
  for await (const offer of allFlowObjects<OfferBody>(transaction, OFFER_KIND, { ownerPartyId: supplierPartyId })) {
    if (offer.body.state === 'active' && offer.body.validToMs > nowMs) count++;
  }
  return count;
}

/** Publishes the offer, or answers the same offer again for a repeated request; the same id with other terms is already_exists. */
async function publishOffer(context: ApiContext, offer: OfferBody): Promise<OfferBody> {
  return context.store.flows.transact(`${OFFER_KIND}:${offer.supplierPartyId}`, async (transaction) => {
    const existing = await transaction.get<OfferBody>(OFFER_KIND, offer.id);
    if (existing !== null) {
      if (termsOf(existing.body) === termsOf(offer)) return existing.body;
      throw new ApiError('already_exists', `offer ${offer.id} already exists with other terms`);
    }
    if (await offersNotExpired(transaction, offer.supplierPartyId, offer.publishedAtMs) >= EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX) {
      throw limitExceeded('EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX', `a supplier has at most ${EV_OFFERS_IN_FORCE_PER_SUPPLIER_MAX} offers in force or upcoming`);
    }
    await transaction.insert({ kind: OFFER_KIND, id: offer.id, ownerPartyId: offer.supplierPartyId, groupKey: offerGroup(offer.currency, offer.direction), body: offer }, offer.publishedAtMs);
    return offer;
  });
}

export async function evOffersPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: NewOfferBody }>('/v1/ev/offers', {
    schema: {
      summary: 'Publish a buy or sell offer: a price series per slot with a validity window (supplier)',
      tags: ['flows'], security: bearerSecurity, body: newOfferSchema,
      response: { 201: offerReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    if (caller.role !== 'supplier') throw new ApiError('forbidden', `role ${caller.role} may not publish offers; it needs role supplier`);
    const { id, direction, currency, validFromMs, validToMs } = request.body;
    const nowMs = context.nowMs();
    currencyExponent(currency);
    const slots = checkOfferSeries(request.body.slots, validFromMs, validToMs);
    if (validToMs <= nowMs) throw invalidInput(`validToMs ${validToMs} has passed: the offer would never be in force`);
    await requireWallet(context, caller.partyId, currency);
    const offer = await publishOffer(context, {
      id, supplierPartyId: caller.partyId, direction, currency, validFromMs, validToMs, slots,
      state: 'active', publishedAtMs: nowMs, withdrawnAtMs: null,
    });
    return reply.code(201).send({ offer: offerView(offer, nowMs) });
  });

  app.get<{ Params: { id: string } }>('/v1/ev/offers/:id', {
    schema: {
      summary: 'One offer and its status now (any authenticated party: offers are public to the market)',
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, response: { 200: offerReply, ...authErrorResponses },
    },
  }, async (request) => {
    const offer = await context.store.flows.get<OfferBody>(OFFER_KIND, request.params.id);
    if (offer === null) throw new ApiError('not_found', `offer ${request.params.id} not found`);
    return { offer: offerView(offer.body, context.nowMs()) };
  });

  app.post<{ Params: { id: string } }>('/v1/ev/offers/:id/withdrawal', {
    schema: {
      summary: 'Withdraw an offer (its supplier): it is no longer in force; open sessions keep its prices',
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, response: { 200: offerReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const nowMs = context.nowMs();
    const withdrawn = await context.store.flows.transact(`${OFFER_KIND}:${caller.partyId}`, async (transaction) => {
      const offer = await transaction.get<OfferBody>(OFFER_KIND, request.params.id);
      if (offer === null) throw new ApiError('not_found', `offer ${request.params.id} not found`);
      if (offer.ownerPartyId !== caller.partyId) throw new ApiError('forbidden', `offer ${request.params.id} is another supplier's`);
      if (offer.body.state === 'withdrawn') return offer.body;
      return (await transaction.update(offer, { ...offer.body, state: 'withdrawn', withdrawnAtMs: nowMs }, nowMs, null)).body;
    });
    return { offer: offerView(withdrawn, nowMs) };
  });
}
