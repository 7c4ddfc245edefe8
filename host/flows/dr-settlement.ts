// S10 settlement of a demand-response event (docs/flows.md "Demand
// response"): after the window, the sponsor (or the operator) settles it.
// Per appliance, the achieved reduction is measured from its meter's stored
// readings against the 10-like-day baseline (dr-baseline.ts) and rewarded
// achievedMWh × rewardPrice / 10^6 µ, rounded once to the currency's minor
// unit (SPEC §5 posting rule: a reward for energy, not a §4 share, is paid
// in minor units), from the sponsor's wallet to the appliance's prepaid account (`s10:reward:<event>:<appliance>`), with a
// `dr-settlement` record each. The measurement is frozen in the flow store
// before anything is posted, so a retry posts the same amounts; settling a
// settled event again posts nothing.
import type { FastifyInstance } from 'fastify';
import { callerOf } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { authErrorResponses, bearerSecurity, errorSchema } from '../api/schemas.js';
import { formatMicro, formatMinimal } from '../decimal.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';
import { DAY_MS, DR_EVENT_APPLIANCES_MAX } from '../limits.js';
import type { FlowObject } from '../store/flow-store.js';
import { parseIsoDate } from '../tariff/calendar.js';
import { FlowError } from './errors.js';
import { appendFlowRecord, flowRecordId, FLOW_TRANSFER_CODES, postTransfers, walletAccountId } from './ledger-bridge.js';
import { compareIdsBytewise } from './dr-allocation.js';
import { BASELINE_LOOKBACK_DAYS, isoDateOf, measureReduction, type MeasuredReduction } from './dr-baseline.js';
import { meterIntervals } from './dr-meter-energy.js';
import type { WindowEnergy } from './metered-energy.js';
import { eventWithSettlements, visibleEvent } from './dr-events.js';
import { drIdParamsSchema, eventReply } from './dr-schemas.js';
import {
  APPLIANCE_KIND, EVENT_KIND, SETTLEMENT_KIND, SETTLEMENT_RECORD, applianceAccountId, availableBalanceMicro, drTransferIds, pairId,
  requireOneOf, type ApplianceBody, type EventBody, type SettlementBody,
} from './dr-store.js';
import { safeNumber } from '../exact.js';

/** How far a local time can move in UTC between like days (daylight saving shifts are at most an hour). */
const DST_MARGIN_MS = 2 * 3_600_000;

/** An appliance's reward: achieved energy × the event's reward price, rounded once to the minor unit (SPEC §5 posting rule). */
export function rewardAmountMicro(achievedMWh: bigint, event: EventBody): bigint {
  return energyPostingAmount(achievedMWh, BigInt(event.rewardPriceMicroPerKWh), minorUnitOf(event.currency));
}

function settlementBody(event: FlowObject<EventBody>, appliance: FlowObject<ApplianceBody>, measured: MeasuredReduction, eventImport: WindowEnergy): SettlementBody {
  const rewardMicro = rewardAmountMicro(measured.achievedMWh, event.body);
  return {
    eventId: event.id, applianceId: appliance.id, ownerPartyId: appliance.ownerPartyId, meterId: appliance.body.meterId,
    outcome: measured.outcome, likeDays: measured.likeDays.map(isoDateOf),
    intervals: measured.intervals.map((row) => ({
      startMs: row.startMs, baselineMWh: safeNumber(row.baselineMWh, 'baselineMWh'), actualMWh: safeNumber(row.actualMWh, 'actualMWh'), achievedMWh: safeNumber(row.achievedMWh, 'achievedMWh'),
    })),
    achievedMWh: safeNumber(measured.achievedMWh, 'achievedMWh'), eventImportMWh: safeNumber(eventImport.energyMWh, 'eventImportMWh'),
    unassignedMWh: safeNumber(eventImport.unassignedMWh, 'unassignedMWh'), unassignedSpans: eventImport.unassignedSpans,
    rewardMicro: String(rewardMicro),
    transferId: rewardMicro > 0n ? drTransferIds.reward(event.id, appliance.id) : null, recordLeafIndex: null, geo: appliance.body.geo,
  };
}

/** Every appliance's reduction, from one read of its meters over the lookback days and the event day. */
async function measureEvent(context: ApiContext, event: FlowObject<EventBody>): Promise<SettlementBody[]> {
  const { fromMs, toMs, holidays, allocations } = event.body;
  const timezone = event.body.timezone ?? 'UTC';
  const appliances = await Promise.all(allocations.map(async (entry) => (await context.store.flows.get<ApplianceBody>(APPLIANCE_KIND, entry.applianceId))!));
  const durationMs = toMs - fromMs;
  // Only the event's time of day matters on every day read; in a zone with daylight saving the same local
  // time moves by up to an hour in UTC, so a margin of DST_MARGIN_MS each side is read too.
  const marginMs = timezone === 'UTC' ? 0 : DST_MARGIN_MS;
  const sameTimeOfDay = (startMs: number): boolean => (((startMs - fromMs + marginMs) % DAY_MS) + DAY_MS) % DAY_MS < durationMs + 2 * marginMs;
  const meters = await meterIntervals(
    context.store.readings, appliances.map((appliance) => appliance.body.meterId), fromMs - BASELINE_LOOKBACK_DAYS * DAY_MS, toMs, sameTimeOfDay,
    { fromMs, toMs },
  );
  const holidayDays = new Set(holidays.map((date) => parseIsoDate(date, 'holiday')));
  return appliances.map((appliance) => {
    const metered = meters.get(appliance.body.meterId)!;
    return settlementBody(event, appliance, measureReduction(metered.intervals, { fromMs, toMs, holidayDays, timezone }), metered.window);
  });
}

/** Measures and stores the per-appliance outcomes once; the sponsor's wallet must cover the rewards. */
async function freeze(context: ApiContext, event: FlowObject<EventBody>): Promise<void> {
  const frozen = await measureEvent(context, event);
  const totalMicro = frozen.reduce((sum, body) => sum + BigInt(body.rewardMicro), 0n);
  const sponsorWallet = walletAccountId(event.body.sponsorPartyId, event.body.currency);
  const availableMicro = await availableBalanceMicro(context, sponsorWallet);
  if (availableMicro < totalMicro) {
    throw new FlowError('insufficient_funds', `the rewards total ${formatMicro(totalMicro)} ${event.body.currency}; ${sponsorWallet} holds ${formatMicro(availableMicro)}`);
  }
  const nowMs = context.nowMs();
  await context.store.flows.transact(`dr-event:${event.id}`, async (transaction) => {
    const current = (await transaction.get<EventBody>(EVENT_KIND, event.id))!;
    if (current.body.status !== 'announced') return;
    for (const body of frozen) {
      await transaction.insert({ kind: SETTLEMENT_KIND, id: pairId(event.id, body.applianceId), ownerPartyId: body.ownerPartyId, groupKey: event.id, body }, nowMs);
    }
    await transaction.update(current, { ...current.body, status: 'settling', totalRewardMicro: String(totalMicro) }, nowMs);
  });
}

function settlementRecord(event: FlowObject<EventBody>, body: SettlementBody): Record<string, unknown> {
  const record: Record<string, unknown> = {
    event: event.id, appliance: body.applianceId, meter: body.meterId,
    parties: [...new Set([event.body.sponsorPartyId, body.ownerPartyId])].sort(compareIdsBytewise),
    outcome: body.outcome, likeDays: body.likeDays, intervals: body.intervals, achievedMWh: body.achievedMWh,
    eventImportMWh: body.eventImportMWh, unassignedMWh: body.unassignedMWh, unassignedSpans: body.unassignedSpans,
    rewardPrice: formatMinimal(BigInt(event.body.rewardPriceMicroPerKWh), 6), reward: formatMicro(BigInt(body.rewardMicro)),
    currency: event.body.currency, transfer: body.transferId, ts: event.body.toMs,
  };
  if (body.geo !== null) record.geo = body.geo;
  return record;
}

/** Posts the frozen rewards and appends each appliance's record (skipping those already stored), then marks the event settled. */
async function complete(context: ApiContext, event: FlowObject<EventBody>): Promise<void> {
  const settlements = await context.store.flows.list<SettlementBody>(SETTLEMENT_KIND, { groupKey: event.id, limit: DR_EVENT_APPLIANCES_MAX });
  const sponsorWallet = walletAccountId(event.body.sponsorPartyId, event.body.currency);
  await postTransfers(context, settlements.filter(({ body }) => body.transferId !== null).map(({ body }) => ({
    type: 'single' as const, id: body.transferId!, debit: sponsorWallet, credit: applianceAccountId(body.applianceId),
    amountMicro: BigInt(body.rewardMicro), currency: event.body.currency, code: FLOW_TRANSFER_CODES.demandResponseReward, ts: event.body.toMs,
  })));
  for (const settlement of settlements) {
    if (settlement.body.recordLeafIndex !== null) continue;
    const leafIndex = await appendFlowRecord(context, flowRecordId(SETTLEMENT_RECORD, settlement.id), SETTLEMENT_RECORD, settlementRecord(event, settlement.body));
    await context.store.flows.transact(`dr-event:${event.id}`, async (transaction) => {
      const current = (await transaction.get<SettlementBody>(SETTLEMENT_KIND, settlement.id))!;
      await transaction.update(current, { ...current.body, recordLeafIndex: leafIndex }, context.nowMs());
    });
  }
  await context.store.flows.transact(`dr-event:${event.id}`, async (transaction) => {
    const current = (await transaction.get<EventBody>(EVENT_KIND, event.id))!;
    if (current.body.status !== 'settled') await transaction.update(current, { ...current.body, status: 'settled', settledAtMs: context.nowMs() }, context.nowMs());
  });
}

async function settleEvent(context: ApiContext, event: FlowObject<EventBody>): Promise<FlowObject<EventBody>> {
  if (event.body.status === 'settled') return event;
  if (context.nowMs() < event.body.toMs) throw new FlowError('invalid_state', `the event window ends at ${event.body.toMs}: settle it after that`);
  if (event.body.status === 'announced') await freeze(context, event);
  await complete(context, event);
  return (await context.store.flows.get<EventBody>(EVENT_KIND, event.id))!;
}

export async function settlementRoutes(app: FastifyInstance, context: ApiContext): Promise<void> {
  app.post<{ Params: { id: string } }>('/v1/dr-events/:id/settlements', {
    schema: {
      summary: 'Settle a DR event after its window: baseline, achieved reduction and rewards per appliance (its sponsor, or the operator)',
      tags: ['flows'], security: bearerSecurity, params: drIdParamsSchema, response: { 200: eventReply, 409: errorSchema, ...authErrorResponses },
    },
  }, async (request) => {
    const caller = callerOf(request);
    const event = await visibleEvent(context, caller, request.params.id);
    if (caller.role !== 'operator') requireOneOf(caller, [event.body.sponsorPartyId], 'settle this DR event');
    return eventWithSettlements(context, await settleEvent(context, event));
  });
}
