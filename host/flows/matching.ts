// S5 mobile energy interconnection over HTTP (docs/flows.md "S5"): sites
// register (participants, suppliers, network operators: their own); the
// operator or the market authority runs a matching; each side learns its
// assignments from its event list, an event stream (server-sent events)
// and its webhooks.
import type { FastifyInstance } from 'fastify';
import { bearerAuth, callerOf, notFoundUnlessVisible, readsAll, requireRole } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { WEBHOOK_URL_LENGTH_MAX } from '../limits.js';
import { checkWebhookTarget } from './webhook-target.js';
import { epochMsSchema, flowIdParamsSchema, flowIdSchema, geoSchema, moneySchema } from './schemas.js';
import { EVENT_KIND, EventStreams, eventView, registerWebhook, type MatchEventBody } from './matching-push.js';
import { WebhookSender } from './matching-webhooks.js';
import { registerSite, runMatching, RUN_KIND, SITE_KIND, type NewSite, type RunBody, type SiteBody } from './matching-sites.js';
import type { FlowObject } from '../store/flow-store.js';

const objectReply = (name: string) => ({ type: 'object', required: [name], properties: { [name]: { type: 'object', additionalProperties: true } } }) as const;
const positiveSafeInteger = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const EVENTS_PER_PAGE = 100;

const newSiteSchema = {
  type: 'object', additionalProperties: false,
  required: ['id', 'type', 'direction', 'geo', 'energyMWh', 'powerW', 'availableFromMs', 'availableToMs'],
  properties: {
    id: flowIdSchema, type: { type: 'string', enum: ['mobile', 'stationary'] }, direction: { type: 'string', enum: ['supply', 'demand'] },
    geo: geoSchema, energyMWh: positiveSafeInteger, powerW: positiveSafeInteger, availableFromMs: epochMsSchema, availableToMs: epochMsSchema,
    fee: moneySchema,
  },
} as const;

const newRunSchema = {
  type: 'object', additionalProperties: false, required: ['id', 'travelCostPerKm', 'mismatchCostPerKWh'],
  properties: { id: flowIdSchema, travelCostPerKm: moneySchema, mismatchCostPerKWh: moneySchema },
} as const;

function siteView(site: FlowObject<SiteBody>) {
  return { id: site.id, party: site.ownerPartyId, status: site.groupKey, ...site.body };
}

function runView(run: FlowObject<RunBody>) {
  return { id: run.id, ...run.body };
}

function siteRoutes(app: FastifyInstance, context: ApiContext): void {
  app.post<{ Body: NewSite }>('/v1/matching/sites', {
    schema: {
      summary: 'Register a mobile exchange device or a stationary interconnection point (its party)', tags: ['flows'], security: bearerSecurity,
      body: newSiteSchema, response: { 201: objectReply('site'), 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => {
    const caller = requireRole(request, ['participant', 'supplier', 'transmission']);
    return reply.code(201).send({ site: siteView(await registerSite(context, caller, request.body)) });
  });

  app.get<{ Params: { id: string } }>('/v1/matching/sites/:id', {
    schema: {
      summary: 'One site and its assignment (its party, read-all roles)', tags: ['flows'], security: bearerSecurity, params: flowIdParamsSchema,
      response: { 200: objectReply('site'), ...authErrorResponses },
    },
  }, async (request) => {
    const site = await context.store.flows.get<SiteBody>(SITE_KIND, request.params.id);
    if (site === null) throw new ApiError('not_found', `site ${request.params.id} not found`);
    notFoundUnlessVisible(callerOf(request), [site.ownerPartyId], `site ${request.params.id}`);
    return { site: siteView(site) };
  });
}

function runRoutes(app: FastifyInstance, context: ApiContext, sender: WebhookSender): void {
  app.post<{ Body: { id: string; travelCostPerKm: string; mismatchCostPerKWh: string } }>('/v1/matching/runs', {
    schema: {
      summary: 'Match the available sites at least total cost (operator, market authority); the same id again answers the same run',
      tags: ['flows'], security: bearerSecurity, body: newRunSchema, response: { 200: objectReply('run'), 201: objectReply('run'), ...authErrorResponses },
    },
  }, async (request, reply) => {
    const caller = requireRole(request, ['operator', 'authority']);
    const { id, ...rates } = request.body;
    const { run, created, events } = await runMatching(context, caller, id, rates);
    if (created) await sender.send(events);
    return reply.code(created ? 201 : 200).send({ run: runView(run) });
  });

  app.get<{ Params: { id: string } }>('/v1/matching/runs/:id', {
    schema: {
      summary: 'One run with all its assignments (operator, market authority, regulator)', tags: ['flows'], security: bearerSecurity,
      params: flowIdParamsSchema, response: { 200: objectReply('run'), ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const run = await context.store.flows.get<RunBody>(RUN_KIND, request.params.id);
    if (run === null || !(readsAll(caller) || caller.role === 'authority')) throw new ApiError('not_found', `run ${request.params.id} not found`);
    return { run: runView(run) };
  });
}

function pushRoutes(app: FastifyInstance, context: ApiContext, streams: EventStreams): void {
  app.get<{ Querystring: { after?: string } }>('/v1/matching/events', {
    schema: {
      summary: "The caller's assignment events after `after` (oldest first, 100 a page)", tags: ['flows'], security: bearerSecurity,
      querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'string', pattern: '^[0-9]{15}$' } } },
      response: { 200: { type: 'object', required: ['events'], properties: { events: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...authErrorResponses },
    },
  }, async (request) => {
    const { after } = request.query;
    const events = await context.store.flows.list<MatchEventBody>(EVENT_KIND, { ownerPartyId: callerOf(request).partyId, limit: EVENTS_PER_PAGE, ...(after === undefined ? {} : { afterId: after }) });
    return { events: events.map(eventView) };
  });

  app.get('/v1/matching/events/stream', {
    schema: {
      summary: "Server-sent events: the caller's assignments as they happen; resumes after the Last-Event-ID header", tags: ['flows'],
      security: bearerSecurity, headers: { type: 'object', properties: { 'last-event-id': { type: 'string', pattern: '^[0-9]{15}$' } } },
    },
  }, async (request, reply) => {
    const lastEventId = request.headers['last-event-id'];
    await streams.serve(context, request, reply, callerOf(request).partyId, typeof lastEventId === 'string' ? lastEventId : undefined);
  });

  app.post<{ Body: { url: string } }>('/v1/matching/webhooks', {
    schema: {
      summary: "Register a webhook for the caller's assignment events; the signing secret is shown once", tags: ['flows'], security: bearerSecurity,
      body: { type: 'object', required: ['url'], additionalProperties: false, properties: { url: { type: 'string', minLength: 1, maxLength: WEBHOOK_URL_LENGTH_MAX } } },
      response: { 201: { type: 'object', required: ['webhook', 'secret'], properties: { webhook: { type: 'object', additionalProperties: true }, secret: { type: 'string' } } }, ...authErrorResponses },
    },
  }, async (request, reply) => {
    await checkWebhookTarget(context.webhookTargets, request.body.url);
    const { webhook, secret } = await registerWebhook(context, callerOf(request).partyId, request.body.url);
    return reply.code(201).send({ webhook: { id: webhook.id, url: webhook.body.url }, secret });
  });
}

export async function matchingPlugin(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.addHook('onRequest', bearerAuth(context.store.parties));
  const streams = new EventStreams();
  const sender = new WebhookSender(context, context.webhookTargets);
  // Deliveries a stopped or dead host left pending are resumed by any host, at its start and by a periodic sweep,
  // in the background: a store that does not answer yet must not stop the start (readiness says so).
  app.addHook('onReady', async () => {
    sender.startSweeping((error: unknown) => app.log.error({ err: error }, 'resuming webhook deliveries failed'));
  });
  app.addHook('preClose', async () => {
    streams.closeAll();
    await sender.stop();
  });
  siteRoutes(app, context);
  runRoutes(app, context, sender);
  pushRoutes(app, context, streams);
}
