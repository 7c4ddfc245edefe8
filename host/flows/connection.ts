// S9 energy services for assets at grid connection points (SPEC §8,
// docs/flows.md "S9"). A network operator registers its grid connection
// points (holder, service price, geodetic reference); owners register their
// assets, mobile or stationary (at a point), optionally metered. An asset's
// connection event is recorded on the ledger (kind `connection-event`) and
// attributed to the point's account (mobile) or the asset's own; the
// point's settle step then prices and pays the open events (connection-settle.ts).
// An event billed to someone else's point must fit the point's rated power
// and is open only under the holder's standing consent, else held for the
// holder to accept or dispute (connection-consent.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema, idSchema, meterIdSchema } from '../api/schemas.js';
import { currencyExponent } from '../currency.js';
import { INTERVAL_MS_DEFAULT } from '../limits.js';
import type { FlowObject } from '../store/flow-store.js';
import type { Party } from '../store/party-store.js';
import { attributionOf, consentOf, decideEvent, setConsent } from './connection-consent.js';
import {
  ASSET_KIND, attributedPartyOf, checkEventSpan, checkPlausible, checkRatedPowerW, connectionPointOf, connectionRecord, CONNECTION_EVENT_KIND,
  EVENT_STATE_MEMBERS, eventGroup, formatServiceAmount, GCP_KIND, serviceQuantityMWh, type AssetBody, type AssetType, type ConnectionEventBody,
  type GcpBody, type HolderDecision,
} from './connection-rules.js';
import { settleConnectionPoint } from './connection-settle.js';
import { checkGeo, requireCounterparty, requireOwnedMeters, type Geo } from './contract-guards.js';
import { contractIdParamsSchema, contractIdSchema, objectReply, stringMembers } from './contract-schemas.js';
import { formatEnergyPrice, parseEnergyPrice } from './energy-money.js';
import { FlowError } from './errors.js';
import { insertOrExisting, recordOnce, sameTerms } from './flow-records.js';
import { meteredWindowEnergy } from './metered-energy.js';
import { currencySchema, energyMWhSchema, epochMsSchema, geoSchema, moneySchema } from './schemas.js';
import { safeNumber } from '../exact.js';

/** Parties that own assets and hold connections. */
const ASSET_OWNER_ROLES = ['participant', 'supplier'] as const;

interface NewGcpBody { id: string; holder: string; price: string; currency: string; geo: Geo; ratedPowerW: number }
interface NewAssetBody { id: string; type: AssetType; gcpId?: string; meterId?: string }
interface NewEventBody { id: string; assetId: string; gcpId?: string; from: number; to: number; quantityMWh?: number }

const newGcpSchema = {
  type: 'object', required: ['id', 'holder', 'price', 'currency', 'geo', 'ratedPowerW'], additionalProperties: false,
  // ratedPowerW's range is checked in code: outside it is limit_exceeded (SPEC §1), not a schema error.
  properties: { id: contractIdSchema, holder: idSchema, price: moneySchema, currency: currencySchema, geo: geoSchema, ratedPowerW: { type: 'integer' } },
} as const;
const consentSchema = { type: 'object', required: ['granted'], additionalProperties: false, properties: { granted: { type: 'boolean' } } } as const;
const newAssetSchema = {
  type: 'object', required: ['id', 'type'], additionalProperties: false,
  properties: { id: contractIdSchema, type: { type: 'string', enum: ['mobile', 'stationary'] }, gcpId: contractIdSchema, meterId: meterIdSchema },
} as const;
const newEventSchema = {
  type: 'object', required: ['id', 'assetId', 'from', 'to'], additionalProperties: false,
  properties: { id: contractIdSchema, assetId: contractIdSchema, gcpId: contractIdSchema, from: epochMsSchema, to: epochMsSchema, quantityMWh: energyMWhSchema },
} as const;
const created = (name: string) => ({ 200: objectReply(name), 201: objectReply(name), 409: errorSchema, 422: errorSchema, ...authErrorResponses });

function gcpView(gcp: FlowObject<GcpBody>) {
  const { priceMicroPerKWh, ...rest } = gcp.body;
  return { id: gcp.id, ...rest, price: formatEnergyPrice(BigInt(priceMicroPerKWh)) };
}

function eventView(event: FlowObject<ConnectionEventBody>, gcp: GcpBody) {
  const { settlement, ...rest } = event.body;
  const settled = settlement === null ? null : { amount: formatServiceAmount(BigInt(settlement.amountMicro), gcp), transferId: settlement.transferId };
  return { id: event.id, ...rest, settlement: settled };
}

async function existingGcp(context: ApiContext, gcpId: string): Promise<FlowObject<GcpBody>> {
  const gcp = await context.store.flows.get<GcpBody>(GCP_KIND, gcpId);
  if (gcp === null) throw new ApiError('not_found', `grid connection point ${gcpId} not found`);
  return gcp;
}

/** A repeated create answers the stored object when the terms agree, else `conflict` (already_exists or the flow's own code). */
async function createOnce<T extends GcpBody | AssetBody | ConnectionEventBody>(
  context: ApiContext, kind: string, id: string, owner: string, body: T, groupKey: string | null, conflict: () => Error,
) {
  const stored = await insertOrExisting(context, { kind, id, ownerPartyId: owner, groupKey, body });
  if (!stored.created && !sameTerms(stored.object.body, body, ['createdAtMs', ...EVENT_STATE_MEMBERS])) throw conflict();
  return stored;
}

function pointRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewGcpBody }>('/v1/grid-connection-points', {
    preValidation: stringMembers('geo.lat', 'geo.lon'),
    schema: { summary: 'Register a grid connection point with its holder and service price (network operator)', tags: ['flows'], security: bearerSecurity, body: newGcpSchema, response: created('gcp') },
  }, async (request, reply) => {
    const operator = requireRole(request, ['transmission'], 'register grid connection points');
    const { id, holder, price, currency, geo, ratedPowerW } = request.body;
    const priceMicroPerKWh = parseEnergyPrice(price, 'price');
    currencyExponent(currency);
    checkGeo(geo, 'geo');
    checkRatedPowerW(ratedPowerW);
    await requireCounterparty(context, holder, ASSET_OWNER_ROLES, 'holder', operator.partyId);
    const body: GcpBody = { operator: operator.partyId, holder, priceMicroPerKWh: String(priceMicroPerKWh), currency, geo, ratedPowerW, createdAtMs: context.nowMs() };
    const stored = await createOnce(context, GCP_KIND, id, operator.partyId, body, null, () => new ApiError('already_exists', `grid connection point ${id} exists with other terms`));
    return reply.code(stored.created ? 201 : 200).send({ gcp: gcpView(stored.object) });
  });

  app.get<{ Params: { id: string } }>('/v1/grid-connection-points/:id', {
    schema: { summary: 'One grid connection point (its network operator, its holder, regulators, operators)', tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, response: { 200: objectReply('gcp'), ...authErrorResponses } },
  }, async (request) => {
    const gcp = await existingGcp(context, request.params.id);
    notFoundUnlessVisible(callerOf(request), [gcp.body.operator, gcp.body.holder], `grid connection point ${gcp.id}`);
    return { gcp: { ...gcpView(gcp), attributionConsent: (await consentOf(context, gcp.id))?.body.granted ?? false } };
  });

  app.put<{ Params: { id: string }; Body: { granted: boolean } }>('/v1/grid-connection-points/:id/attribution-consent', {
    schema: {
      summary: "Grant or revoke the standing consent that other parties' mobile assets bill their events to this point (its holder); each change is a ledger record",
      tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, body: consentSchema, response: { 200: objectReply('consent'), ...authErrorResponses },
    },
  }, async (request) => {
    const holder = requireRole(request, ASSET_OWNER_ROLES, 'consent to attribution');
    const gcp = await existingGcp(context, request.params.id);
    notFoundUnlessVisible(holder, [gcp.body.operator, gcp.body.holder], `grid connection point ${gcp.id}`);
    if (gcp.body.holder !== holder.partyId) throw new ApiError('forbidden', `only the point's holder ${gcp.body.holder} consents to attribution`);
    const consent = await setConsent(context, gcp.id, gcp.body, request.body.granted);
    const { granted, change, changedAtMs, leafIndex } = consent.body;
    return { consent: { gcp: gcp.id, holder: gcp.body.holder, granted, change, changedAt: changedAtMs, leafIndex } };
  });

  app.post<{ Params: { id: string } }>('/v1/grid-connection-points/:id/settlements', {
    schema: { summary: "Settle the point's open connection events (its network operator, operators): one result per event", tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, response: { 200: { type: 'object', additionalProperties: true }, ...authErrorResponses } },
  }, async (request) => {
    requireRole(request, ['transmission', 'operator'], 'settle connection events');
    const gcp = await existingGcp(context, request.params.id);
    notFoundUnlessVisible(callerOf(request), [gcp.body.operator], `grid connection point ${gcp.id}`);
    return settleConnectionPoint(context, gcp.id, gcp.body);
  });
}

function assetRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewAssetBody }>('/v1/assets', {
    schema: { summary: 'Register an asset you own: mobile, or stationary at a grid connection point; optionally with its meter', tags: ['flows'], security: bearerSecurity, body: newAssetSchema, response: created('asset') },
  }, async (request, reply) => {
    const owner = requireRole(request, ASSET_OWNER_ROLES, 'register assets');
    const { id, type, gcpId, meterId } = request.body;
    if (type === 'mobile' && gcpId !== undefined) throw new ApiError('invalid_request', 'body/gcpId: a mobile asset names its point in each connection event');
    if (type === 'stationary' && gcpId === undefined) throw new FlowError('connection_gcp_required', 'a stationary asset must be registered at a grid connection point');
    if (gcpId !== undefined) await existingGcp(context, gcpId);
    if (meterId !== undefined) await requireOwnedMeters(context, [meterId], owner.partyId);
    const body: AssetBody = { owner: owner.partyId, type, gcp: gcpId ?? null, meterId: meterId ?? null, createdAtMs: context.nowMs() };
    const stored = await createOnce(context, ASSET_KIND, id, owner.partyId, body, null, () => new ApiError('already_exists', `asset ${id} exists with other terms`));
    return reply.code(stored.created ? 201 : 200).send({ asset: { id, ...stored.object.body } });
  });

  app.get<{ Params: { id: string } }>('/v1/assets/:id', {
    schema: { summary: 'One asset (its owner, regulators, operators)', tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, response: { 200: objectReply('asset'), ...authErrorResponses } },
  }, async (request) => {
    const asset = await context.store.flows.get<AssetBody>(ASSET_KIND, request.params.id);
    if (asset === null) throw new ApiError('not_found', `asset ${request.params.id} not found`);
    notFoundUnlessVisible(callerOf(request), [asset.body.owner], `asset ${asset.id}`);
    return { asset: { id: asset.id, ...asset.body } };
  });
}

/** The caller's own asset, or 404. */
async function ownAsset(context: ApiContext, request: FastifyRequest, assetId: string): Promise<AssetBody> {
  const asset = await context.store.flows.get<AssetBody>(ASSET_KIND, assetId);
  if (asset === null || asset.body.owner !== callerOf(request).partyId) throw new ApiError('not_found', `asset ${assetId} not found`);
  return asset.body;
}

/**
 * Validates a reported event: its point, span and quantity (measured from the asset's meter when it has one);
 * one billed to someone else's point must fit the point's rating, and is held without the holder's consent.
 */
async function newEvent(context: ApiContext, reporter: string, asset: AssetBody, request: NewEventBody): Promise<{ event: ConnectionEventBody; gcp: GcpBody }> {
  const gcp = await existingGcp(context, connectionPointOf(asset, request.gcpId));
  const { from, to } = request;
  checkEventSpan(from, to, context.nowMs(), asset.meterId === null ? null : INTERVAL_MS_DEFAULT);
  const metered = asset.meterId === null ? null : await meteredWindowEnergy(context.store.readings, [asset.meterId], { from, to }, 'import');
  const quantityMWh = serviceQuantityMWh(request.quantityMWh, metered?.energyMWh ?? null);
  const attributedTo = attributedPartyOf(asset, gcp.body);
  if (attributedTo !== asset.owner) checkPlausible(quantityMWh, from, to, gcp.body.ratedPowerW);
  const attribution = await attributionOf(context, gcp.id, asset.owner, attributedTo);
  const event: ConnectionEventBody = {
    asset: request.assetId, assetType: asset.type, owner: asset.owner, gcp: gcp.id, attributedTo,
    quantityMWh: safeNumber(quantityMWh, 'quantityMWh'), measured: metered !== null,
    unassignedMWh: metered === null ? null : safeNumber(metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: metered?.unassignedSpans ?? null,
    from, to, reporter, attribution, state: attribution === 'held' ? 'held' : 'open', decidedAtMs: null,
    decisionLeafIndex: null, leafIndex: null, settlement: null,
  };
  return { event, gcp: gcp.body };
}

function eventRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewEventBody }>('/v1/connection-events', {
    schema: { summary: "Report a connection event of your asset: recorded on the ledger and attributed to the point's or the asset's account", tags: ['flows'], security: bearerSecurity, body: newEventSchema, response: created('event') },
  }, async (request, reply) => {
    const reporter = requireRole(request, ASSET_OWNER_ROLES, 'report connection events');
    const asset = await ownAsset(context, request, request.body.assetId);
    const { event, gcp } = await newEvent(context, reporter.partyId, asset, request.body);
    const { id } = request.body;
    const conflict = () => new FlowError('connection_event_conflict', `connection event ${id} was reported with another body`);
    const stored = await createOnce(context, CONNECTION_EVENT_KIND, id, asset.owner, event, eventGroup(event.gcp, event.state), conflict);
    const recorded = await recordOnce(context, stored.object, CONNECTION_EVENT_KIND, connectionRecord(id, stored.object.body, gcp));
    return reply.code(stored.created ? 201 : 200).send({ event: eventView(recorded, gcp) });
  });

  app.get<{ Params: { id: string } }>('/v1/connection-events/:id', {
    schema: { summary: "One connection event (the asset's owner, the point's holder and network operator, regulators, operators)", tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, response: { 200: objectReply('event'), ...authErrorResponses } },
  }, async (request) => {
    const { event, gcp } = await visibleEvent(context, callerOf(request), request.params.id);
    return { event: eventView(event, gcp.body) };
  });

  const decisionRoute = (path: string, decision: HolderDecision, summary: string) => app.post<{ Params: { id: string } }>(path, {
    schema: { summary, tags: ['flows'], security: bearerSecurity, params: contractIdParamsSchema, response: { 200: objectReply('event'), 409: errorSchema, ...authErrorResponses } },
  }, async (request) => {
    const holder = requireRole(request, ASSET_OWNER_ROLES, 'decide on held connection events');
    const { event, gcp } = await visibleEvent(context, holder, request.params.id);
    if (gcp.body.holder !== holder.partyId) throw new ApiError('forbidden', `only the point's holder ${gcp.body.holder} decides on its held events`);
    return { event: eventView(await decideEvent(context, event, gcp.body, decision), gcp.body) };
  });
  decisionRoute('/v1/connection-events/:id/accept', 'accepted', "Accept a held event billed to your point (its holder): the point's next settlement bills it");
  decisionRoute('/v1/connection-events/:id/dispute', 'disputed', 'Dispute a held event billed to your point (its holder): it is never billed');
}

/** The event and its point if `caller` may see it (the asset's owner, the point's holder and network operator, read-all roles); 404 otherwise. */
async function visibleEvent(context: ApiContext, caller: Party, eventId: string): Promise<{ event: FlowObject<ConnectionEventBody>; gcp: FlowObject<GcpBody> }> {
  const event = await context.store.flows.get<ConnectionEventBody>(CONNECTION_EVENT_KIND, eventId);
  if (event === null) throw new ApiError('not_found', `connection event ${eventId} not found`);
  const gcp = await existingGcp(context, event.body.gcp);
  notFoundUnlessVisible(caller, [event.body.owner, gcp.body.holder, gcp.body.operator], `connection event ${event.id}`);
  return { event, gcp };
}

export async function connectionPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  pointRoutes(app, context);
  assetRoutes(app, context);
  eventRoutes(app, context);
}
