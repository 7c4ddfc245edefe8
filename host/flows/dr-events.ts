// S10 demand-response events (docs/flows.md "Demand response"): the network
// operator (role transmission, the sponsor who pays the rewards) or the
// operator on its behalf announces a reduction target in W for a window on
// the DR grid inside one UTC day, across a set of active appliances. The
// target is allocated by largest remainder on flexible power, every
// appliance gets its sealed signal, and a `dr-event` record (parties: the
// sponsor and the appliance owners) goes on the ledger.
import type { FastifyInstance } from 'fastify';
import { callerOf, notFoundUnlessVisible } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { currencyExponent } from '../currency.js';
import { formatMinimal, parseMicro } from '../decimal.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { DR_EVENT_APPLIANCES_MAX, DR_HOLIDAYS_MAX, ENERGY_PRICE_MICRO_MAX } from '../limits.js';
import type { FlowObject } from '../store/flow-store.js';
import type { Party } from '../store/party-store.js';
import { parseIsoDate } from '../tariff/calendar.js';
import { FlowError } from './errors.js';
import { appendFlowRecord, flowRecordId, walletAccountId } from './ledger-bridge.js';
import { allocateReduction, compareIdsBytewise } from './dr-allocation.js';
import { checkEventWindow, isoDateOf } from './dr-baseline.js';
import { checkTimezone } from '../tariff/timezone.js';
import { buildSignal } from './dr-signals.js';
import { drIdParamsSchema, eventReply, newEventSchema, type NewEventBody } from './dr-schemas.js';
import {
  APPLIANCE_KIND, EVENT_KIND, EVENT_RECORD, accountExists, SETTLEMENT_KIND, SIGNAL_KIND, eventView, pairId,
  type AllocationEntry, type ApplianceBody, type EventBody, type SettlementBody,
} from './dr-store.js';

/** What identifies an event request: a retry with the same fields answers the same event. */
type EventTerms = Pick<EventBody, 'sponsorPartyId' | 'currency' | 'targetW' | 'fromMs' | 'toMs' | 'rewardPriceMicroPerKWh' | 'holidays'> & { applianceIds: string[]; timezone: string };

async function sponsorOf(context: ApiContext, caller: Party, requested: string | undefined): Promise<string> {
  if (caller.role === 'transmission') {
    if (requested !== undefined && requested !== caller.partyId) throw new ApiError('forbidden', 'a network operator sponsors its own events only');
    return caller.partyId;
  }
  if (caller.role !== 'operator') throw new ApiError('forbidden', `role ${caller.role} may not create DR events; it needs role transmission or operator`);
  if (requested === undefined) throw new ApiError('invalid_request', 'body/sponsorPartyId: the operator names the sponsoring network operator');
  const sponsor = await context.store.parties.party(requested);
  if (sponsor === null || sponsor.role !== 'transmission') throw new ApiError('invalid_request', `body/sponsorPartyId: ${requested} is not a transmission party`);
  return requested;
}

function normalisedHolidays(holidays: readonly string[] | undefined): string[] {
  const dates = holidays ?? [];
  if (dates.length > DR_HOLIDAYS_MAX) throw limitExceeded('DR_HOLIDAYS_MAX', `a DR event lists at most ${DR_HOLIDAYS_MAX} holidays`);
  const days = new Set(dates.map((date, index) => parseIsoDate(date, `holidays[${index}]`)));
  return [...days].sort((a, b) => a - b).map(isoDateOf);
}

function termsOf(body: NewEventBody, sponsorPartyId: string): EventTerms {
  currencyExponent(body.currency);
  const rewardPriceMicroPerKWh = parseMicro(body.rewardPrice, 'rewardPrice', 0n, ENERGY_PRICE_MICRO_MAX);
  const timezone = body.timezone ?? 'UTC';
  checkTimezone(timezone);
  checkEventWindow(body.fromMs, body.toMs, timezone);
  if (body.applianceIds.length > DR_EVENT_APPLIANCES_MAX) {
    throw limitExceeded('DR_EVENT_APPLIANCES_MAX', `a DR event spans at most ${DR_EVENT_APPLIANCES_MAX} appliances`);
  }
  const applianceIds = [...body.applianceIds].sort(compareIdsBytewise);
  if (new Set(applianceIds).size !== applianceIds.length) throw invalidInput('applianceIds lists an appliance twice');
  return {
    sponsorPartyId, currency: body.currency, targetW: body.targetW, fromMs: body.fromMs, toMs: body.toMs,
    rewardPriceMicroPerKWh: String(rewardPriceMicroPerKWh), holidays: normalisedHolidays(body.holidays), applianceIds, timezone,
  };
}

function termsOfEvent(body: EventBody): EventTerms {
  const { sponsorPartyId, currency, targetW, fromMs, toMs, rewardPriceMicroPerKWh, holidays } = body;
  return {
    sponsorPartyId, currency, targetW, fromMs, toMs, rewardPriceMicroPerKWh, holidays, timezone: body.timezone ?? 'UTC',
    applianceIds: body.allocations.map((entry) => entry.applianceId),
  };
}

/** An appliance may join: it exists, is active, bills in the event currency and is in no event that is not over by `fromMs`. */
function checkParticipant(appliance: FlowObject<ApplianceBody> | null, applianceId: string, terms: EventTerms): FlowObject<ApplianceBody> {
  if (appliance === null) throw new ApiError('invalid_request', `body/applianceIds: appliance ${applianceId} does not exist`);
  if (appliance.body.currency !== terms.currency) throw invalidInput(`appliance ${applianceId} is billed in ${appliance.body.currency}, the event pays in ${terms.currency}`);
  if (appliance.body.status !== 'active') throw new FlowError('appliance_suspended', `appliance ${applianceId} is suspended (bill ${appliance.body.unpaidBillingId} is unpaid)`);
  if (appliance.body.drBusyUntilMs !== null && appliance.body.drBusyUntilMs > terms.fromMs) {
    throw new FlowError('dr_event_overlap', `appliance ${applianceId} takes part in a DR event until ${appliance.body.drBusyUntilMs}`);
  }
  return appliance;
}

async function checkSponsorWallet(context: ApiContext, terms: EventTerms): Promise<void> {
  const walletId = walletAccountId(terms.sponsorPartyId, terms.currency);
  if (!(await accountExists(context, walletId))) throw new ApiError('invalid_request', `the sponsor has no wallet ${walletId} to pay rewards from: open it with POST /v1/wallets`);
}

async function insertEvent(context: ApiContext, eventId: string, terms: EventTerms): Promise<void> {
  const { applianceIds, ...fields } = terms;
  const appliances = await Promise.all(applianceIds.map(async (id) => checkParticipant(await context.store.flows.get<ApplianceBody>(APPLIANCE_KIND, id), id, terms)));
  const byId = new Map(appliances.map((appliance) => [appliance.id, appliance]));
  const allocations = allocateReduction(terms.targetW, appliances.map((a) => ({ id: a.id, flexiblePowerW: a.body.flexiblePowerW })))
    .map(({ id, reductionW }): AllocationEntry => ({ applianceId: id, ownerPartyId: byId.get(id)!.ownerPartyId, flexiblePowerW: byId.get(id)!.body.flexiblePowerW, reductionW }));
  const signals = allocations.map((allocation) => buildSignal(context, { eventId, fromMs: terms.fromMs, toMs: terms.toMs }, allocation, byId.get(allocation.applianceId)!));
  const body: EventBody = { ...fields, allocations, status: 'announced', recordLeafIndex: null, totalRewardMicro: null, settledAtMs: null };
  const nowMs = context.nowMs();
  await context.store.flows.transact(`dr-event:${eventId}`, async (transaction) => {
    if (!(await transaction.insert({ kind: EVENT_KIND, id: eventId, ownerPartyId: terms.sponsorPartyId, body }, nowMs))) {
      throw new ApiError('already_exists', `DR event ${eventId} already exists`);
    }
    for (const [index, allocation] of allocations.entries()) {
      const current = checkParticipant(await transaction.get<ApplianceBody>(APPLIANCE_KIND, allocation.applianceId), allocation.applianceId, terms);
      await transaction.update(current, { ...current.body, drBusyUntilMs: terms.toMs }, nowMs);
      const signalId = pairId(eventId, allocation.applianceId);
      await transaction.insert({ kind: SIGNAL_KIND, id: signalId, ownerPartyId: allocation.ownerPartyId, groupKey: allocation.applianceId, body: signals[index]! }, nowMs);
    }
  });
}

function eventRecord(eventId: string, body: EventBody): Record<string, unknown> {
  const parties = [...new Set([body.sponsorPartyId, ...body.allocations.map((entry) => entry.ownerPartyId)])].sort(compareIdsBytewise);
  return {
    event: eventId, sponsor: body.sponsorPartyId, parties, currency: body.currency, targetW: body.targetW, fromMs: body.fromMs, toMs: body.toMs,
    rewardPrice: formatMinimal(BigInt(body.rewardPriceMicroPerKWh), 6), holidays: body.holidays, timezone: body.timezone ?? 'UTC', signalsExpireAtMs: body.toMs,
    allocations: body.allocations.map((entry) => ({ appliance: entry.applianceId, owner: entry.ownerPartyId, flexiblePowerW: entry.flexiblePowerW, reductionW: entry.reductionW })),
  };
}

/** Appends the event's record unless its leaf index is stored already. */
async function recordEvent(context: ApiContext, event: FlowObject<EventBody>): Promise<FlowObject<EventBody>> {
  if (event.body.recordLeafIndex !== null) return event;
  const leafIndex = await appendFlowRecord(context, flowRecordId(EVENT_RECORD, event.id), EVENT_RECORD, eventRecord(event.id, event.body));
  return context.store.flows.transact(`dr-event:${event.id}`, async (transaction) => {
    const current = (await transaction.get<EventBody>(EVENT_KIND, event.id))!;
    return transaction.update(current, { ...current.body, recordLeafIndex: leafIndex }, context.nowMs());
  });
}

export async function eventWithSettlements(context: ApiContext, event: FlowObject<EventBody>) {
  const settlements = await context.store.flows.list<SettlementBody>(SETTLEMENT_KIND, { groupKey: event.id, limit: DR_EVENT_APPLIANCES_MAX });
  return { event: eventView(event, settlements) };
}

async function createEvent(context: ApiContext, caller: Party, body: NewEventBody) {
  const terms = termsOf(body, await sponsorOf(context, caller, body.sponsorPartyId));
  let event = await context.store.flows.get<EventBody>(EVENT_KIND, body.id);
  if (event === null) {
    if (terms.fromMs <= context.nowMs()) throw invalidInput('a DR event is announced before it starts: fromMs must be after now');
    await checkSponsorWallet(context, terms);
    await insertEvent(context, body.id, terms);
    event = (await context.store.flows.get<EventBody>(EVENT_KIND, body.id))!;
  } else if (canonicalJson(termsOfEvent(event.body)) !== canonicalJson(terms)) {
    throw new ApiError('already_exists', `DR event ${body.id} already exists with other terms`);
  }
  return eventWithSettlements(context, await recordEvent(context, event));
}

/** The event, or 404 unless `caller` is its sponsor, an owner of one of its appliances, or a read-all role. */
export async function visibleEvent(context: ApiContext, caller: Party, eventId: string): Promise<FlowObject<EventBody>> {
  const event = await context.store.flows.get<EventBody>(EVENT_KIND, eventId);
  if (event === null) throw new ApiError('not_found', `DR event ${eventId} not found`);
  notFoundUnlessVisible(caller, [event.body.sponsorPartyId, ...event.body.allocations.map((entry) => entry.ownerPartyId)], `DR event ${eventId}`);
  return event;
}

export async function eventRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.post<{ Body: NewEventBody }>('/v1/dr-events', {
    schema: {
      summary: 'Announce a DR event: a reduction target in W over a window, allocated across appliances (transmission, or the operator for one)',
      tags: ['flows'], security: bearerSecurity, body: newEventSchema, response: { 201: eventReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request, reply) => reply.code(201).send(await createEvent(context, callerOf(request), request.body)));

  app.get<{ Params: { id: string } }>('/v1/dr-events/:id', {
    schema: {
      summary: 'A DR event, its allocations and settlement (its sponsor, the owners of its appliances, operators, regulators)',
      tags: ['flows'], security: bearerSecurity, params: drIdParamsSchema, response: { 200: eventReply, ...authErrorResponses },
    },
  }, async (request) => eventWithSettlements(context, await visibleEvent(context, callerOf(request), request.params.id)));
}
