// S1 charge points (docs/flows.md "S1"): a charge-point operator — a party of
// role participant — owns charge points, each with its meters (connectors),
// a power limit and a position. The owner registers its own, or the operator
// registers one for it. A charge point asks for the offers in force for a
// vehicle and gets them ranked by the exact expected cost or revenue. Its
// sessions are priced at the offer the driver picks, or under the OCPI 2.2.1
// tariff attached to it (ocpi-session.ts), which the owner may replace.
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
import { FlowError } from '../errors.js';
import { flowIdParamsSchema } from '../schemas.js';
import {
  allFlowObjects, CHARGE_POINT_KIND, OFFER_KIND, offerGroup, offerStatus, requireWallet, type ChargePointBody, type ChargePointTariff, type OfferBody,
} from './model.js';
import { checkOcpiAttachment } from './ocpi-session.js';
import {
  checkDesiredEnergy, constantPowerProfile, directionOf, priceAtOffer, rankQuotes, type Quote, type SessionMode,
} from './rules.js';
import {
  conflictResponses, newChargePointSchema, objectReply, offerQuerySchema, tariffSchema, type NewChargePointBody, type OfferQueryBody, type TariffRequest,
} from './schemas.js';
import { safeNumber } from '../../exact.js';

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

/**
 * The tariff to store: `{kind: "offer"}` (the default), or an OCPI tariff the
 * OCPI module accepts (its codes otherwise), in a known currency the owner
 * has a wallet in, since the owner is paid under it.
 */
async function chargePointTariff(context: ApiContext, request: TariffRequest | undefined, ownerPartyId: string): Promise<ChargePointTariff> {
  if (request === undefined || request.kind === 'offer') {
    if (request?.ocpi !== undefined || request?.timezone !== undefined) throw invalidInput('tariff.ocpi and tariff.timezone belong to tariff kind "ocpi"');
    return { kind: 'offer' };
  }
  if (request.ocpi === undefined) throw invalidInput('tariff.ocpi is required for tariff kind "ocpi": an OCPI 2.2.1 Tariff');
  const { attachment, tariff } = checkOcpiAttachment(request.ocpi, request.timezone);
  await requireWallet(context, ownerPartyId, tariff.currency);
  return attachment;
}

/** What a registration request fixes: the same request again answers the charge point, another one is `already_exists`. */
function registrationTerms({ id, ownerPartyId, meterIds, maxPowerW, geo, tariff }: ChargePointBody): string {
  return canonicalJson({ id, ownerPartyId, meterIds, maxPowerW, geo, tariff });
}

async function registerChargePoint(context: ApiContext, chargePoint: ChargePointBody): Promise<ChargePointBody> {
  return context.store.flows.transact(`${CHARGE_POINT_KIND}:${chargePoint.id}`, async (transaction) => {
    const existing = await transaction.get<ChargePointBody>(CHARGE_POINT_KIND, chargePoint.id);
    if (existing === null) {
      await transaction.insert({ kind: CHARGE_POINT_KIND, id: chargePoint.id, ownerPartyId: chargePoint.ownerPartyId, body: chargePoint }, chargePoint.registeredAtMs);
      return chargePoint;
    }
    if (registrationTerms(existing.body) === registrationTerms(chargePoint)) return existing.body;
    throw new ApiError('already_exists', `charge point ${chargePoint.id} already exists`);
  });
}

/** A new tariff version; the same tariff again changes nothing. Open sessions keep the copy they opened under. */
async function replaceTariff(context: ApiContext, id: string, tariff: ChargePointTariff): Promise<ChargePointBody> {
  return context.store.flows.transact(`${CHARGE_POINT_KIND}:${id}`, async (transaction) => {
    const current = (await transaction.get<ChargePointBody>(CHARGE_POINT_KIND, id))!;
    if (canonicalJson(current.body.tariff) === canonicalJson(tariff)) return current.body;
    const nowMs = context.nowMs();
    return (await transaction.update(current, { ...current.body, tariff, tariffVersion: current.body.tariffVersion + 1, tariffSetAtMs: nowMs }, nowMs)).body;
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
    expectedEnergyMWh: safeNumber(quote.energyMWh, 'energyMWh'),
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
    const tariff = await chargePointTariff(context, request.body.tariff, ownerPartyId);
    const nowMs = context.nowMs();
    const chargePoint = await registerChargePoint(context, {
      id, ownerPartyId, meterIds, maxPowerW, geo, tariff, tariffVersion: 1, tariffSetAtMs: nowMs, registeredAtMs: nowMs,
    });
    return reply.code(201).send({ chargePoint });
  });

  app.post<{ Params: { id: string }; Body: TariffRequest }>('/v1/ev/charge-points/:id/tariff', {
    schema: {
      summary: "Replace the charge point's tariff with a new version (its owner, or the operator); open sessions keep theirs",
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, body: tariffSchema,
      response: { 200: chargePointReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const chargePoint = await chargePointOf(context, request.params.id);
    if (caller.partyId !== chargePoint.ownerPartyId && caller.role !== 'operator') {
      throw new ApiError('forbidden', `only the owner of charge point ${chargePoint.id} or the operator sets its tariff`);
    }
    const tariff = await chargePointTariff(context, request.body, chargePoint.ownerPartyId);
    return { chargePoint: await replaceTariff(context, chargePoint.id, tariff) };
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
    if (chargePoint.tariff.kind !== 'offer') throw new FlowError('invalid_state', `charge point ${chargePoint.id} prices its sessions under an OCPI tariff, not at offers`);
    const { vehicleId, mode, currency, battery, desiredEnergyWh } = request.body;
    currencyExponent(currency);
    const desiredEnergyMWh = checkDesiredEnergy(battery, mode, desiredEnergyWh);
    const powerW = Math.min(mode === 'charge' ? battery.maxChargePowerW : battery.maxDischargePowerW, chargePoint.maxPowerW);
    if (powerW === 0) throw invalidInput(`the vehicle's max ${mode} power is 0 W`);
    const nowMs = context.nowMs();
    const offers = await rankedOffers(context, {
      mode, currency, powerW, desiredEnergyMWh, nowMs, limit: request.body.limit ?? EV_QUERY_OFFERS_MAX,
    });
    return { query: { chargePointId: chargePoint.id, vehicleId, mode, currency, atMs: nowMs, powerW, desiredEnergyMWh: safeNumber(desiredEnergyMWh, 'desiredEnergyMWh'), offers } };
  });
}
