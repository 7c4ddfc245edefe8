// S1 sessions (docs/flows.md "S1"): the driver (a participant) picks an offer
// in force — or, at a charge point with an OCPI tariff, none — and opens a
// session on a charge point's meter; the driver or the charge point's owner
// closes it with the metered window, and it is settled at the offer's prices
// or under the OCPI tariff (session-close.ts). The driver, the charge point's
// owner and the offer's supplier read it; to anyone else it does not exist.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, readsAll } from '../../api/auth.js';
import type { ApiContext } from '../../api/context.js';
import { ApiError } from '../../api/errors.js';
import { authErrorResponses, bearerSecurity } from '../../api/schemas.js';
import { invalidInput } from '../../errors.js';
import { parseTariff, tariffInForce } from '../../ocpi/tariff.js';
import type { FlowObject } from '../../store/flow-store.js';
import type { Party } from '../../store/party-store.js';
import { FlowError } from '../errors.js';
import { flowIdParamsSchema } from '../schemas.js';
import {
  CHARGE_POINT_KIND, CONNECTOR_KIND, OFFER_KIND, offerStatus, requireWallet, SESSION_KIND,
  type ChargePointBody, type ConnectorBody, type OfferBody, type SessionBody,
} from './model.js';
import type { OcpiTariffAttachment } from './ocpi-session.js';
import { modeOf } from './rules.js';
import { closeSession } from './session-close.js';
import { closeSessionSchema, conflictResponses, newSessionSchema, objectReply, type CloseSessionBody, type NewSessionBody } from './schemas.js';

const sessionReply = objectReply('session');

function sameOpening(session: SessionBody, driverPartyId: string, request: NewSessionBody): boolean {
  return session.driverPartyId === driverPartyId && session.offerId === (request.offerId ?? null) && session.chargePointId === request.chargePointId
    && session.meterId === request.meterId && session.vehicleId === request.vehicleId && (request.mode === undefined || request.mode === session.mode);
}

type SessionTerms = Pick<SessionBody, 'offerId' | 'supplierPartyId' | 'mode' | 'currency'>;

/** At a charge point priced at offers: the chosen offer, which must be in force now. */
async function offerTerms(context: ApiContext, chargePoint: ChargePointBody, request: NewSessionBody, nowMs: number): Promise<SessionTerms> {
  if (request.offerId === undefined) throw new ApiError('invalid_request', `body/offerId is required: charge point ${chargePoint.id} prices its sessions at offers`);
  const offer = await context.store.flows.get<OfferBody>(OFFER_KIND, request.offerId);
  if (offer === null) throw new ApiError('not_found', `offer ${request.offerId} not found`);
  const status = offerStatus(offer.body, nowMs);
  if (status !== 'in_force') throw new FlowError('offer_not_in_force', `offer ${request.offerId} is ${status}`);
  const mode = modeOf(offer.body.direction);
  if (request.mode !== undefined && request.mode !== mode) throw invalidInput(`offer ${request.offerId} is a ${offer.body.direction} offer: its sessions ${mode}`);
  return { offerId: offer.body.id, supplierPartyId: offer.body.supplierPartyId, mode, currency: offer.body.currency };
}

/** Under an OCPI tariff: no offer, charging only, the tariff in force now, and a driver other than the owner it pays. */
function ocpiTerms(driver: Party, chargePoint: ChargePointBody, tariff: OcpiTariffAttachment, request: NewSessionBody, nowMs: number): SessionTerms {
  if (request.offerId !== undefined) throw invalidInput(`charge point ${chargePoint.id} prices its sessions under an OCPI tariff: give no offerId`);
  if (request.mode === 'discharge') {
    throw new FlowError('ocpi_discharge_unsupported', `charge point ${chargePoint.id} prices under an OCPI tariff, which prices charging only`);
  }
  if (driver.partyId === chargePoint.ownerPartyId) throw invalidInput(`the owner of charge point ${chargePoint.id} does not pay itself`);
  const compiled = parseTariff(tariff.ocpi, 'tariff.ocpi');
  if (!tariffInForce(compiled, nowMs)) throw new FlowError('ocpi_tariff_not_in_force', `the OCPI tariff of charge point ${chargePoint.id} is not in force now`);
  return { offerId: null, supplierPartyId: null, mode: 'charge', currency: compiled.currency };
}

/** The new session on a free meter of the charge point, priced at the chosen offer or under the charge point's OCPI tariff. */
async function newSession(context: ApiContext, driver: Party, request: NewSessionBody): Promise<SessionBody> {
  const chargePoint = await context.store.flows.get<ChargePointBody>(CHARGE_POINT_KIND, request.chargePointId);
  if (chargePoint === null) throw new ApiError('not_found', `charge point ${request.chargePointId} not found`);
  if (!chargePoint.body.meterIds.includes(request.meterId)) {
    throw invalidInput(`meter ${request.meterId} is not a meter of charge point ${request.chargePointId}`);
  }
  const nowMs = context.nowMs();
  const { tariff, tariffVersion } = chargePoint.body;
  const terms = tariff.kind === 'ocpi'
    ? ocpiTerms(driver, chargePoint.body, tariff, request, nowMs)
    : await offerTerms(context, chargePoint.body, request, nowMs);
  await requireWallet(context, driver.partyId, terms.currency);
  return {
    id: request.id, driverPartyId: driver.partyId, vehicleId: request.vehicleId,
    chargePointId: request.chargePointId, chargePointOwnerPartyId: chargePoint.body.ownerPartyId, meterId: request.meterId,
    ...terms, tariff: { ...tariff, version: tariffVersion }, openedAtMs: nowMs, state: 'open', settlement: null,
  };
}

/** Inserts the session and occupies its meter, unless another open session occupies it. */
async function occupyMeter(context: ApiContext, session: SessionBody): Promise<void> {
  await context.store.flows.transact(`${CONNECTOR_KIND}:${session.meterId}`, async (transaction) => {
    const connector = await transaction.get<ConnectorBody>(CONNECTOR_KIND, session.meterId);
    if (connector !== null && connector.body.sessionId !== null) {
      throw new FlowError('meter_busy', `meter ${session.meterId} serves open session ${connector.body.sessionId}`);
    }
    if (!await transaction.insert({ kind: SESSION_KIND, id: session.id, ownerPartyId: session.driverPartyId, body: session }, session.openedAtMs)) {
      throw new ApiError('already_exists', `session ${session.id} already exists`);
    }
    const occupied: ConnectorBody = { meterId: session.meterId, sessionId: session.id };
    if (connector === null) {
      await transaction.insert({ kind: CONNECTOR_KIND, id: session.meterId, ownerPartyId: session.chargePointOwnerPartyId, body: occupied }, session.openedAtMs);
    } else {
      await transaction.update(connector, occupied, session.openedAtMs);
    }
  });
}

function readersOf(session: SessionBody): Array<string | null> {
  return [session.driverPartyId, session.chargePointOwnerPartyId, session.supplierPartyId];
}

/** The session if the caller may read it; 404 otherwise, as if it did not exist. */
async function visibleSession(context: ApiContext, caller: Party, id: string): Promise<FlowObject<SessionBody>> {
  const session = await context.store.flows.get<SessionBody>(SESSION_KIND, id);
  if (session === null || !(readsAll(caller) || readersOf(session.body).includes(caller.partyId))) {
    throw new ApiError('not_found', `session ${id} not found`);
  }
  return session;
}

export async function evSessionsPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));

  app.post<{ Body: NewSessionBody }>('/v1/ev/sessions', {
    schema: {
      summary: "Open a session at the chosen offer, or under the charge point's OCPI tariff, on a charge point's meter (the driver, a participant)",
      tags: ['flows'], security: bearerSecurity, body: newSessionSchema,
      response: { 201: sessionReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const caller = callerOf(request);
    if (caller.role !== 'participant') throw new ApiError('forbidden', `role ${caller.role} may not open sessions; it needs role participant`);
    const existing = await context.store.flows.get<SessionBody>(SESSION_KIND, request.body.id);
    if (existing !== null) {
      if (!sameOpening(existing.body, caller.partyId, request.body)) throw new ApiError('already_exists', `session ${request.body.id} already exists`);
      return reply.code(201).send({ session: existing.body });
    }
    const session = await newSession(context, caller, request.body);
    await occupyMeter(context, session);
    return reply.code(201).send({ session });
  });

  app.get<{ Params: { id: string } }>('/v1/ev/sessions/:id', {
    schema: {
      summary: "One session (its driver, its charge point's owner, its offer's supplier, operators, regulators)",
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, response: { 200: sessionReply, ...authErrorResponses },
    },
  }, async (request) => ({ session: (await visibleSession(context, callerOf(request), request.params.id)).body }));

  app.post<{ Params: { id: string }; Body: CloseSessionBody }>('/v1/ev/sessions/:id/close', {
    schema: {
      summary: 'Close a session with its metered window and meter, and settle it at the offer or the OCPI tariff (the driver or the charge point owner)',
      tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema, body: closeSessionSchema,
      response: { 200: sessionReply, ...conflictResponses, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const session = await visibleSession(context, caller, request.params.id);
    if (caller.partyId !== session.body.driverPartyId && caller.partyId !== session.body.chargePointOwnerPartyId) {
      throw new ApiError('forbidden', `only the driver or the charge point's owner closes session ${request.params.id}`);
    }
    return { session: await closeSession(context, session, request.body) };
  });
}
