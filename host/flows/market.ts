// S6 transactive energy market over HTTP (docs/flows.md "S6"): the network
// operator (transmission) sets zone transfer limits; participants and
// suppliers submit bids and offers per 15-minute interval; the market
// authority (the party configured as GRIDSETTLE_MARKET_AUTHORITY) clears an
// interval after its gate closed; trades settle on the ledger. Interval results (price, volume, curtailment) are public to every
// party; fills only to their own party, the authority and read-all roles.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, readsAll, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema, meterIdSchema } from '../api/schemas.js';
import type { FlowObject } from '../store/flow-store.js';
import type { Party } from '../store/party-store.js';
import { MARKET_ORDERS_PER_INTERVAL_MAX, MARKET_ZONES_MAX } from '../limits.js';
import { currencySchema, epochMsSchema, flowIdParamsSchema, flowIdSchema, moneySchema } from './schemas.js';
import { cancelOrder, intervalGroup, marketAuthorityOf, setZoneLimits, submitOrder, INTERVAL_KIND, ORDER_KIND, ZONE_KIND, type NewOrder, type NewZone, type OrderBody, type ZoneBody } from './market-orders.js';
import { clearMarket, type IntervalBody } from './market-settle.js';

const mWhSchema = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]{1,20}$' }] } as const;
const objectReply = (name: string) => ({ type: 'object', required: [name], properties: { [name]: { type: 'object', additionalProperties: true } } }) as const;
const intervalParamsSchema = { type: 'object', required: ['intervalStartMs'], properties: { intervalStartMs: epochMsSchema } } as const;

const newZoneSchema = {
  type: 'object', required: ['zoneId', 'currency', 'exportLimitMWh', 'importLimitMWh'], additionalProperties: false,
  properties: { zoneId: flowIdSchema, currency: currencySchema, exportLimitMWh: mWhSchema, importLimitMWh: mWhSchema },
} as const;

const newOrderSchema = {
  type: 'object', required: ['id', 'side', 'zone', 'intervalStartMs', 'energyMWh', 'price'], additionalProperties: false,
  properties: {
    id: flowIdSchema, side: { type: 'string', enum: ['buy', 'sell'] }, zone: flowIdSchema, intervalStartMs: epochMsSchema,
    energyMWh: mWhSchema, price: moneySchema, meters: { type: 'array', uniqueItems: true, items: meterIdSchema },
  },
} as const;

function zoneView(zone: FlowObject<ZoneBody>) {
  return { zoneId: zone.id, setBy: zone.ownerPartyId, version: zone.version, ...zone.body };
}

function orderView(order: FlowObject<OrderBody>) {
  return { id: order.id, party: order.ownerPartyId, ...order.body };
}

function intervalView(interval: FlowObject<IntervalBody>, caller: Party, ownOrderIds: ReadonlySet<string>) {
  const seesAll = readsAll(caller) || caller.role === 'authority';
  const visible = (perOrder: Record<string, string>) => Object.fromEntries(Object.entries(perOrder).filter(([orderId]) => seesAll || ownOrderIds.has(orderId)));
  return { intervalStartMs: Number(interval.id), ...interval.body, fills: visible(interval.body.fills), meteredMWh: visible(interval.body.meteredMWh ?? {}) };
}

async function visibleOrder(context: ApiContext, caller: Party, id: string): Promise<FlowObject<OrderBody>> {
  const order = await context.store.flows.get<OrderBody>(ORDER_KIND, id);
  if (order === null) throw new ApiError('not_found', `order ${id} not found`);
  if (caller.role !== 'authority') notFoundUnlessVisible(caller, [order.ownerPartyId], `order ${id}`);
  return order;
}

function zoneRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewZone }>('/v1/market/zones', {
    schema: {
      summary: "Set a zone's transfer limits per interval (network operator)", tags: ['flows'], security: bearerSecurity, body: newZoneSchema,
      response: { 200: objectReply('zone'), ...authErrorResponses },
    },
  }, async (request) => ({ zone: zoneView(await setZoneLimits(context, requireRole(request, ['transmission', 'operator']), request.body)) }));

  app.get('/v1/market/zones', {
    schema: {
      summary: 'Zones and their transfer limits', tags: ['flows'], security: bearerSecurity,
      response: { 200: { type: 'object', required: ['zones'], properties: { zones: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...authErrorResponses },
    },
  }, async () => ({ zones: (await context.store.flows.list<ZoneBody>(ZONE_KIND, { limit: MARKET_ZONES_MAX })).map(zoneView) }));
}

function orderRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewOrder }>('/v1/market/orders', {
    schema: {
      summary: 'Submit a bid (buy) or offer (sell) for one interval, optionally naming the meters it settles against; a bid reserves its cost at its limit price', tags: ['flows'],
      security: bearerSecurity, body: newOrderSchema, response: { 200: objectReply('order'), 201: objectReply('order'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const { order, created } = await submitOrder(context, requireRole(request, ['participant', 'supplier']), request.body);
    return reply.code(created ? 201 : 200).send({ order: orderView(order) });
  });

  app.get<{ Params: { id: string } }>('/v1/market/orders/:id', {
    schema: {
      summary: 'One order (its party, the market authority, read-all roles)', tags: ['flows'], security: bearerSecurity,
      params: flowIdParamsSchema, response: { 200: objectReply('order'), ...authErrorResponses },
    },
  }, async (request) => ({ order: orderView(await visibleOrder(context, callerOf(request), request.params.id)) }));

  app.post<{ Params: { id: string } }>('/v1/market/orders/:id/cancel', {
    schema: {
      summary: 'Cancel an open order before its interval is cleared (its party); the reservation is released', tags: ['flows'],
      security: bearerSecurity, params: flowIdParamsSchema, response: { 200: objectReply('order'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const order = await context.store.flows.get<OrderBody>(ORDER_KIND, request.params.id);
    if (order === null || order.ownerPartyId !== caller.partyId) throw new ApiError('not_found', `order ${request.params.id} not found`);
    return { order: orderView(await cancelOrder(context, order)) };
  });
}

function intervalRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Params: { intervalStartMs: number } }>('/v1/market/intervals/:intervalStartMs/clearing', {
    schema: {
      summary: 'Clear an interval after its gate closed (market authority): uniform price, curtailment, settlement', tags: ['flows'],
      security: bearerSecurity, params: intervalParamsSchema, response: { 200: objectReply('interval'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = requireRole(request, ['authority', 'operator'], 'clear the market');
    if (caller.partyId !== (await marketAuthorityOf(context))) throw new ApiError('forbidden', `only the market authority clears the market, not ${caller.partyId}`);
    const interval = await clearMarket(context, caller, request.params.intervalStartMs);
    return { interval: intervalView(interval, caller, new Set()) };
  });

  app.get<{ Params: { intervalStartMs: number } }>('/v1/market/intervals/:intervalStartMs', {
    schema: {
      summary: "A cleared interval: price, volume, curtailment, and the caller's own fills", tags: ['flows'], security: bearerSecurity,
      params: intervalParamsSchema, response: { 200: objectReply('interval'), ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const interval = await context.store.flows.get<IntervalBody>(INTERVAL_KIND, String(request.params.intervalStartMs));
    if (interval === null) throw new ApiError('not_found', `interval ${request.params.intervalStartMs} has not been cleared`);
    const own = await context.store.flows.list(ORDER_KIND, { ownerPartyId: caller.partyId, groupKey: intervalGroup(Number(interval.id)), limit: MARKET_ORDERS_PER_INTERVAL_MAX });
    return { interval: intervalView(interval, caller, new Set(own.map((order) => order.id))) };
  });
}

export async function marketPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  zoneRoutes(app, context);
  orderRoutes(app, context);
  intervalRoutes(app, context);
}
