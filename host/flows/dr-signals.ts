// S10 control signals (docs/flows.md "Signal format"): one envelope per
// allocated appliance, sealed when the event is created under the
// appliance's own key (unsealed from the store for that moment only). The
// owner fetches the pending ones over HTTP and acknowledges each once with
// the ack token sealed inside: a repeated acknowledgement is `ack_replayed`.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { callerOf, readsAll } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { DR_SIGNALS_PER_FETCH_MAX, FLOW_LIST_LIMIT_MAX } from '../limits.js';
import type { Party } from '../store/party-store.js';
import type { FlowObject } from '../store/flow-store.js';
import { FlowError } from './errors.js';
import { freshAckToken, sealSignal } from './dr-signal.js';
import { ackReply, ackSchema, drIdParamsSchema, signalParamsSchema, signalsReply, type AckBody } from './dr-schemas.js';
import {
  SIGNAL_KIND, applianceKeyContext, pairId, requireOneOf, visibleAppliance, type AllocationEntry, type ApplianceBody, type SignalBody,
} from './dr-store.js';

/** Acknowledged signals leave the appliance's pending group. */
function acknowledgedGroup(applianceId: string): string {
  return `acknowledged:${applianceId}`;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface EventWindowOf {
  eventId: string;
  fromMs: number;
  toMs: number;
}

/** The signal of one allocation: sealed under the appliance key, expiring when the event window ends. */
export function buildSignal(context: ApiContext, event: EventWindowOf, allocation: AllocationEntry, appliance: FlowObject<ApplianceBody>): SignalBody {
  const key = context.store.flows.openSecret(applianceKeyContext(appliance.id), appliance.body.keySealed);
  const ackToken = freshAckToken();
  const envelope = sealSignal(
    key, { eventId: event.eventId, applianceId: appliance.id, expiresAtMs: event.toMs },
    { reductionW: allocation.reductionW, fromMs: event.fromMs, toMs: event.toMs, ackToken },
  );
  key.fill(0);
  return {
    eventId: event.eventId, applianceId: appliance.id, expiresAtMs: event.toMs, signal: Buffer.from(envelope).toString('base64url'),
    ackTokenSha256: sha256Hex(ackToken), status: 'pending', acknowledgedAtMs: null,
  };
}

/** The appliance as its owner (or a read-all role) sees it; anyone else gets 404. */
async function ownedAppliance(context: ApiContext, caller: Party, applianceId: string): Promise<FlowObject<ApplianceBody>> {
  const appliance = await visibleAppliance(context, caller, applianceId);
  if (!readsAll(caller) && caller.partyId !== appliance.ownerPartyId) throw new ApiError('not_found', `appliance ${applianceId} not found`);
  return appliance;
}

async function pendingSignals(context: ApiContext, applianceId: string) {
  const nowMs = context.nowMs();
  const pending: Array<{ eventId: string; applianceId: string; expiresAtMs: number; signal: string }> = [];
  let afterId: string | undefined;
  for (;;) {
    const page = await context.store.flows.list<SignalBody>(SIGNAL_KIND, { groupKey: applianceId, limit: FLOW_LIST_LIMIT_MAX, ...(afterId === undefined ? {} : { afterId }) });
    for (const { body } of page) {
      if (body.expiresAtMs > nowMs && pending.length < DR_SIGNALS_PER_FETCH_MAX) {
        pending.push({ eventId: body.eventId, applianceId: body.applianceId, expiresAtMs: body.expiresAtMs, signal: body.signal });
      }
    }
    if (page.length < FLOW_LIST_LIMIT_MAX || pending.length >= DR_SIGNALS_PER_FETCH_MAX) return pending;
    afterId = page[page.length - 1]!.id;
  }
}

function ackTokenMatches(body: SignalBody, ackToken: string): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(ackToken)) return false;
  const presented = Buffer.from(sha256Hex(Buffer.from(ackToken, 'base64url')), 'hex');
  return timingSafeEqual(presented, Buffer.from(body.ackTokenSha256, 'hex'));
}

async function acknowledge(context: ApiContext, appliance: FlowObject<ApplianceBody>, eventId: string, ackToken: string) {
  const signalId = pairId(eventId, appliance.id);
  const nowMs = context.nowMs();
  const signal = await context.store.flows.transact(`dr-signal:${signalId}`, async (transaction) => {
    const current = await transaction.get<SignalBody>(SIGNAL_KIND, signalId);
    if (current === null) throw new ApiError('not_found', `signal of event ${eventId} for appliance ${appliance.id} not found`);
    if (!ackTokenMatches(current.body, ackToken)) throw new FlowError('ack_invalid', 'the ack token is not the one sealed in this signal');
    if (current.body.status === 'acknowledged') throw new FlowError('ack_replayed', `the signal was acknowledged at ${current.body.acknowledgedAtMs}`);
    if (nowMs >= current.body.expiresAtMs) throw new FlowError('signal_expired', `the signal expired at ${current.body.expiresAtMs}`);
    const acknowledged: SignalBody = { ...current.body, status: 'acknowledged', acknowledgedAtMs: nowMs };
    return transaction.update(current, acknowledged, nowMs, acknowledgedGroup(appliance.id));
  });
  const { body } = signal;
  return { eventId: body.eventId, applianceId: body.applianceId, status: body.status, expiresAtMs: body.expiresAtMs, acknowledgedAtMs: body.acknowledgedAtMs };
}

export async function signalRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.get<{ Params: { id: string } }>('/v1/appliances/:id/signals', {
    schema: {
      summary: "An appliance's pending, unexpired DR signals (its owner; operators, regulators)", tags: ['flows'], security: bearerSecurity,
      params: drIdParamsSchema, response: { 200: signalsReply, ...authErrorResponses },
    },
  }, async (request) => {
    const appliance = await ownedAppliance(context, callerOf(request), request.params.id);
    return { signals: await pendingSignals(context, appliance.id) };
  });

  app.post<{ Params: { id: string; eventId: string }; Body: AckBody }>('/v1/appliances/:id/signals/:eventId/acks', {
    schema: {
      summary: 'Acknowledge a DR signal once, with the ack token sealed inside it (the owner)', tags: ['flows'], security: bearerSecurity,
      params: signalParamsSchema, body: ackSchema, response: { 200: ackReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const appliance = await ownedAppliance(context, caller, request.params.id);
    requireOneOf(caller, [appliance.ownerPartyId], 'acknowledge signals of this appliance');
    return { signal: await acknowledge(context, appliance, request.params.eventId, request.body.ackToken) };
  });
}
