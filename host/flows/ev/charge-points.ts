// S1 charge points (docs/flows.md "S1"): a charge-point operator — a party of
// role participant — owns charge points, each with its meters (connectors),
// a power limit and a position. The owner registers its own, or the operator
// registers one for it. A charge point asks for the offers in force for a
// vehicle and gets them ranked by the exact expected cost or revenue.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf } from '../../api/auth.js';
import type { ApiContext } from '../../api/context.js';
import { ApiError } from '../../api/errors.js';
import { authErrorResponses, bearerSecurity } from '../../api/schemas.js';
import { currencyExponent } from '../../currency.js';
import { invalidInput } from '../../errors.js';
import { canonicalJson } from '../../ledger/canonical-json.js';
import { EV_QUERY_OFFERS_MAX } from '../../limits.js';
import type { Party } from '../../store/party-store.js';
import { flowIdParamsSchema } from '../schemas.js';
import { allFlowObjects, CHARGE_POINT_KIND, OFFER_KIND, offerGroup, offerStatus, type ChargePointBody, type OfferBody } from './model.js';
import {
  checkDesiredEnergy, constantPowerProfile, directionOf, priceAtOffer, rankQuotes, type Quote, type SessionMode,
} from './rules.js';
import { conflictResponses, newChargePointSchema, objectReply, offerQuerySchema, type NewChargePointBody, type OfferQueryBody } from './schemas.js';

const chargePointReply = objectReply('chargePoint');
const CHARGE_POINT_OWNER_ROLE = 'participant';

/** The party the charge point is registered for: the caller itself (participant), or the named participant (operator). */
async function ownerOf(context: ApiContext, caller: Party, ownerPartyId: string | undefined): Promise<string> {
  if (caller.role === CHARGE_POINT_OWNER_ROLE) {
    if (ownerPartyId !== undefined && ownerPartyId !== caller.partyId) throw new ApiError('forbidden', 'a participant registers charge points for itself only');
    return caller.partyId;
  }
  if (caller.role !== 'operator') throw new ApiError('forbidden', `role ${caller.role} may not register charge points`);
  if (ownerPartyId === undefined) throw new ApiError('invalid_request', 'body/ownerPartyId is required when the operator registers a charge point');
  const owner = await context.store.parties.party(ownerPartyId);
  if (owner === null || owner.role !== CHARGE_POINT_OWNER_ROLE) {
    throw new ApiError('invalid_request', `body/ownerPartyId: ${ownerPartyId} is not a party of role ${CHARGE_POINT_OWNER_ROLE}`);
  }
  return ownerPartyId;
}

// The same message for a missing meter and another party's: existence does not leak.
async function checkMetersOwned(context: ApiContext, meterIds: readonly string[], ownerPartyId: string): Promise<void> {
  for (const meterId of meterIds) {
    const meter = await context.store.parties.meter(meterId);
    if (meter === null || meter.partyId !== ownerPartyId) throw invalidInput(`meter ${meterId} is not a meter of party ${ownerPartyId}`);
  }
}

async function registerChargePoint(context: ApiContext, chargePoint: ChargePointBody): Promise<ChargePointBody> {
  const { registeredAtMs, ...terms } = chargePoint;
  return context.store.flows.transact(`${CHARGE_POINT_KIND}:${chargePoint.id}`, async (transaction) => {
    const existing = await transaction.get<ChargePointBody>(CHARGE_POINT_KIND, chargePoint.id);
    if (existing === null) {
      await transaction.insert({ kind: CHARGE_POINT_KIND, id: chargePoint.id, ownerPartyId: chargePoint.ownerPartyId, body: chargePoint }, registeredAtMs);
      return chargePoint;
    }
    const { registeredAtMs: _earlier, ...existingTerms } = existing.body;
    if (canonicalJson(existingTerms) === canonicalJson(terms)) return existing.body;
    throw new ApiError('already_exists', `charge point ${chargePoint.id} already exists`);
  });
}

interface RankedOffer {
  rank: number;
  offerId: string;
  supplierPartyId: string;
  validToMs: number;
  coversDesiredEnergy: boolean;
  expectedEnergyMWh: number;
  expectedAmount: string;
}

interface OfferQuery {
  mode: SessionMode;
  currency: string;
  powerW: number;
  desiredEnergyMWh: bigint;
  nowMs: number;
  limit: number;
}

/** The offers in force now in the query's currency and direction, each quoted for the vehicle, ranked (rules.ts `rankQuotes`). */
async function rankedOffers(context: ApiContext, query: OfferQuery): Promise<RankedOffer[]> {
  const quotes: Array<Quote & { offer: OfferBody }> = [];
  const group = offerGroup(query.currency, directionOf(query.mode));
  for await (const { body: offer } of allFlowObjects<OfferBody>(context.store.flows, OFFER_KIND, { groupKey: group })) {
    if (offerStatus(offer, query.nowMs) !== 'in_force') continue;
    const seriesToMs = offer.slots[offer.slots.length - 1]!.toMs;
    const profile = constantPowerProfile(query.nowMs, query.powerW, query.desiredEnergyMWh, seriesToMs);
    const priced = priceAtOffer(offer, profile);
    quotes.push({ ...priced, offerId: offer.id, coversDesiredEnergy: priced.energyMWh === query.desiredEnergyMWh, offer });
  }
  return rankQuotes(quotes, query.mode).slice(0, query.limit).map((quote, index) => ({
    rank: index + 1,
    offerId: quote.offerId,
    supplierPartyId: quote.offer.supplierPartyId,
    validToMs: quote.offer.validToMs,
    coversDesiredEnergy: quote.coversDesiredEnergy,
    expectedEnergyMWh: Number(quote.energyMWh),
    expectedAmount: quote.amount,
  }));
}

async function chargePointOf(context: ApiContext, id: string): Promise<ChargePointBody> {
  const chargePoint = await context.store.flows.get<ChargePointBody>(CHARGE_POINT_KIND, id);
  if (chargePoint === null) throw new ApiError('not_found', `charge point ${id} not found`);
  return chargePoint.body;
}

export async function evChargePointsPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: NewChargePointBody }>('/v1/ev/charge-points', {
    schema: {
      summary: 'Register a charge point with its meters (a participant for itself, or the operator for a participant)',
      tags: ['flows'], security: bearerSecurity, body: newChargePointSchema,
      response: { 201: chargePointReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const { id, meterIds, maxPowerW, geo } = request.body;
    const ownerPartyId = await ownerOf(context, callerOf(request), request.body.ownerPartyId);
    await checkMetersOwned(context, meterIds, ownerPartyId);
    const chargePoint = await registerChargePoint(context, {
      id, ownerPartyId, meterIds, maxPowerW, geo, tariff: request.body.tariff ?? { kind: 'offer' }, registeredAtMs: context.nowMs(),
    });
    return reply.code(201).send({ chargePoint });
  });

  app.get<{ Params: { id: string } }>('/v1/ev/charge-points/:id', {
    schema: {
      summary: 'One charge point (any authenticated party)', tags: ['flows'], security: bearerSecurity,
      params: flowIdParamsSchema, response: { 200: chargePointReply, ...authErrorResponses },
    },
  }, async (request) => ({ chargePoint: await chargePointOf(context, request.params.id) }));

  app.post<{ Params: { id: string }; Body: OfferQueryBody }>('/v1/ev/charge-points/:id/offer-queries', {
    schema: {
      summary: 'The offers in force for a vehicle at this charge point, ranked by expected cost (charge) or revenue (discharge)',
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, body: offerQuerySchema,
      response: { 200: objectReply('query'), ...conflictResponses, ...authErrorResponses },
    },
  }, async (request) => {
    const chargePoint = await chargePointOf(context, request.params.id);
    const { vehicleId, mode, currency, battery, desiredEnergyWh } = request.body;
    currencyExponent(currency);
    const desiredEnergyMWh = checkDesiredEnergy(battery, mode, desiredEnergyWh);
    const powerW = Math.min(mode === 'charge' ? battery.maxChargePowerW : battery.maxDischargePowerW, chargePoint.maxPowerW);
    if (powerW === 0) throw invalidInput(`the vehicle's max ${mode} power is 0 W`);
    const nowMs = context.nowMs();
    const offers = await rankedOffers(context, {
      mode, currency, powerW, desiredEnergyMWh, nowMs, limit: request.body.limit ?? EV_QUERY_OFFERS_MAX,
    });
    return { query: { chargePointId: chargePoint.id, vehicleId, mode, currency, atMs: nowMs, powerW, desiredEnergyMWh: Number(desiredEnergyMWh), offers } };
  });
}
