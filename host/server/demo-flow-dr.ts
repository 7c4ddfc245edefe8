// S10 in the demo (docs/flows.md "Demand response"): three flats register an
// appliance each on their own meter and get a prepaid balance; the event
// hour's consumption on the last like day is billed from the signed readings;
// the network operator announces a DR event for the next hour, allocated by
// largest remainder; each flat fetches its sealed signal and opens it with
// the device-side verifier (a replay is refused) and acknowledges it; the
// appliances cut their load as commanded; after the hour the reduction is
// measured against the 10-like-day baseline and rewarded to the balances.
import { parseMicro } from '../decimal.js';
import { DrSignalVerifier } from '../flows/dr-verifier.js';
import type { GatewayFrame } from '../ingest/encode.js';
import { DAY_MS, LEDGER_AMOUNT_MICRO_MAX } from '../limits.js';
import { BASELINE_LIKE_DAYS, isWeekdayType, utcDayOf } from '../flows/dr-baseline.js';
import { NETWORK_OPERATOR_ID, SUPPLIER_ID } from './demo-play.js';
import {
  CURRENCY, FLAT_IDS, HOUR_MS, QUARTER_MS, addFlowMeter, as, fundedWallet, money, nextQuarterMs, postReadings, type FlowWorld,
} from './demo-flow-world.js';

const LIKE_DAYS = BASELINE_LIKE_DAYS;
const EVENT_QUARTERS = 4;
const TARGET_W = 3_000;
const REWARD_PRICE = '0.20';
const APPLIANCE_FUNDS = '10.00';
const SPONSOR_FUNDS = '5.00';
/** Energy a meter registers between one day's event hour and the next day's, mWh. */
const BETWEEN_DAYS_MWH = 9_000_000;
/** The settlement comes this long after the event's end, once the event hour's readings are in. */
const READINGS_DELAY_MS = 5 * 60 * 1000;

const micro = (amount: string): bigint => parseMicro(amount, 'amount', 0n, LEDGER_AMOUNT_MICRO_MAX);

interface DemoAppliance {
  id: string;
  ownerPartyId: string;
  meterId: string;
  flexiblePowerW: number;
  /** Usual load in the event hour, mWh per quarter, before a day's variation. */
  usualQuarterMWh: number;
}

const APPLIANCES: DemoAppliance[] = [
  { id: 'heat-pump-1', ownerPartyId: FLAT_IDS[0], meterId: 'm-flat-1', flexiblePowerW: 2_000, usualQuarterMWh: 520_000 },
  { id: 'boiler-2', ownerPartyId: FLAT_IDS[1], meterId: 'm-flat-2', flexiblePowerW: 1_500, usualQuarterMWh: 390_000 },
  { id: 'dishwasher-3', ownerPartyId: FLAT_IDS[2], meterId: 'm-flat-3', flexiblePowerW: 500, usualQuarterMWh: 140_000 },
];

interface EventWindow { fromMs: number; toMs: number }

/** The next whole hour on the 15-minute grid after `nowMs` that lies inside one UTC day (as DR events must). */
function eventWindowAfter(nowMs: number): EventWindow {
  let fromMs = nextQuarterMs(nowMs);
  if (utcDayOf(fromMs) !== utcDayOf(fromMs + HOUR_MS - 1)) fromMs = (utcDayOf(fromMs) + 1) * DAY_MS;
  return { fromMs, toMs: fromMs + HOUR_MS };
}

/** The event window shifted back to each of the 10 most recent days of the event day's type (weekday or weekend; UTC, no holidays), most recent first. */
function likeDayStartsMs(event: EventWindow): number[] {
  const eventIsWeekday = isWeekdayType(utcDayOf(event.fromMs), new Set());
  const starts: number[] = [];
  for (let daysBack = 1; starts.length < LIKE_DAYS; daysBack++) {
    const fromMs = event.fromMs - daysBack * DAY_MS;
    if (isWeekdayType(utcDayOf(fromMs), new Set()) === eventIsWeekday) starts.push(fromMs);
  }
  return starts;
}

/** A deterministic day-to-day variation of the usual load, mWh. */
const variationMWh = (day: number, quarter: number): number => ((day * 7_919 + quarter * 104_729) % 40_000) - 20_000;

interface MeteredDay {
  fromMs: number;
  /** Index of the day's variation. */
  day: number;
  /** Load cut per quarter, mWh. */
  cutMWh: number;
}

/**
 * Each appliance meter's readings over the event hour of every like day and
 * of the event day (where it draws its usual load less the reduction its
 * signal commanded: W × ¼ h = 250 × W mWh), as one continuous import register.
 */
function readingFrames(likeStartsMs: readonly number[], event: EventWindow, reductionsW: ReadonlyMap<string, number>): GatewayFrame[] {
  return APPLIANCES.flatMap((appliance, index) => {
    const days: MeteredDay[] = [...likeStartsMs].reverse().map((fromMs, day) => ({ fromMs, day, cutMWh: 0 }));
    days.push({ fromMs: event.fromMs, day: LIKE_DAYS, cutMWh: (reductionsW.get(appliance.id) ?? 0) * 250 });
    let registerMWh = 1_000_000 * (index + 1);
    const frames: GatewayFrame[] = [];
    for (const { fromMs, day, cutMWh } of days) {
      frames.push({ m: appliance.meterId, t: fromMs, i: registerMWh });
      for (let quarter = 0; quarter < EVENT_QUARTERS; quarter++) {
        registerMWh += Math.max(0, appliance.usualQuarterMWh + variationMWh(day, quarter) - cutMWh);
        frames.push({ m: appliance.meterId, t: fromMs + (quarter + 1) * QUARTER_MS, i: registerMWh });
      }
      registerMWh += BETWEEN_DAYS_MWH;
    }
    return frames;
  });
}

async function registerAppliances(world: FlowWorld): Promise<Map<string, Uint8Array>> {
  const keys = new Map<string, Uint8Array>();
  for (const appliance of APPLIANCES) {
    await addFlowMeter(world, appliance.meterId, appliance.ownerPartyId);
    const { key } = await as(world, appliance.ownerPartyId).json<{ key: string }>('POST', '/v1/appliances', {
      id: appliance.id, meterId: appliance.meterId, supplierPartyId: SUPPLIER_ID, currency: CURRENCY, price: '0.25', flexiblePowerW: appliance.flexiblePowerW,
    });
    keys.set(appliance.id, new Uint8Array(Buffer.from(key, 'base64url')));
    await world.operator.json('POST', `/v1/appliances/${appliance.id}/top-ups`, { id: 'prepaid-1', amount: APPLIANCE_FUNDS, ts: world.clock.nowMs() });
  }
  return keys;
}

/** The supplier bills each appliance for the most recent like day's event hour; answers the total, µ. */
async function billLastLikeDay(world: FlowWorld, window: EventWindow): Promise<bigint> {
  let totalMicro = 0n;
  for (const appliance of APPLIANCES) {
    const { billing } = await as(world, SUPPLIER_ID).json<{ billing: { amount: string } }>('POST', `/v1/appliances/${appliance.id}/billings`, window);
    totalMicro += micro(billing.amount);
  }
  return totalMicro;
}

interface DeliveredSignals {
  /** The reduction each appliance's signal commanded, W. */
  reductionsW: Map<string, number>;
  /** Why a verifier refused its signal played to it again. */
  replayCode: string;
}

/** Each owner fetches its signal, opens it on the device and acknowledges it; then the first signal is replayed to its verifier. */
async function deliverSignals(world: FlowWorld, keys: ReadonlyMap<string, Uint8Array>): Promise<DeliveredSignals> {
  const reductionsW = new Map<string, number>();
  const opened: Array<{ verifier: DrSignalVerifier; signal: string }> = [];
  for (const appliance of APPLIANCES) {
    const owner = as(world, appliance.ownerPartyId);
    const { signals } = await owner.json<{ signals: Array<{ eventId: string; signal: string }> }>('GET', `/v1/appliances/${appliance.id}/signals`);
    const verifier = new DrSignalVerifier(appliance.id, keys.get(appliance.id)!);
    for (const { eventId, signal } of signals) {
      const verdict = verifier.open(signal, world.clock.nowMs());
      if (!verdict.ok) throw new Error(`the signal of ${appliance.id} for ${eventId} was refused: ${verdict.code}`);
      reductionsW.set(appliance.id, verdict.command.reductionW);
      opened.push({ verifier, signal });
      await owner.json('POST', `/v1/appliances/${appliance.id}/signals/${eventId}/acks`, { ackToken: verdict.command.ackToken });
    }
  }
  const replay = opened[0]!.verifier.open(opened[0]!.signal, world.clock.nowMs());
  if (replay.ok) throw new Error('a replayed signal was accepted');
  return { reductionsW, replayCode: replay.code };
}

interface SettledEvent {
  allocations: Array<{ applianceId: string; reductionW: number }>;
  totalReward: string;
  settlements: Array<{ outcome: string; likeDays: string[] }>;
}

export async function playDemandResponse(world: FlowWorld): Promise<string> {
  const keys = await registerAppliances(world);
  const sponsor = as(world, NETWORK_OPERATOR_ID);
  await fundedWallet(world, NETWORK_OPERATOR_ID, SPONSOR_FUNDS);
  const event = eventWindowAfter(world.clock.nowMs());
  const likeStartsMs = likeDayStartsMs(event);
  // The history does not depend on the reductions; the event hour's readings come after it.
  await postReadings(world, readingFrames(likeStartsMs, event, new Map()).filter((frame) => Number(frame.t) < event.fromMs));
  const billedMicro = await billLastLikeDay(world, { fromMs: likeStartsMs[0]!, toMs: likeStartsMs[0]! + HOUR_MS });
  await sponsor.json('POST', '/v1/dr-events', { id: 'dr-1', currency: CURRENCY, targetW: TARGET_W, ...event, rewardPrice: REWARD_PRICE, applianceIds: APPLIANCES.map((appliance) => appliance.id) });
  const { reductionsW, replayCode } = await deliverSignals(world, keys);
  world.clock.moveTo(event.toMs + READINGS_DELAY_MS);
  await postReadings(world, readingFrames(likeStartsMs, event, reductionsW).filter((frame) => Number(frame.t) >= event.fromMs));
  const settled = (await sponsor.json<{ event: SettledEvent }>('POST', '/v1/dr-events/dr-1/settlements')).event;
  const ok = settled.settlements.filter((settlement) => settlement.outcome === 'ok' && settlement.likeDays.length === LIKE_DAYS).length;
  const allocatedW = APPLIANCES.map((appliance) => settled.allocations.find((allocation) => allocation.applianceId === appliance.id)!.reductionW);
  return `target ${TARGET_W} W → ${allocatedW.join('/')} W; billed EUR ${money(billedMicro)}; ${reductionsW.size} signals verified and acknowledged, ` +
    `1 replay refused (${replayCode}); ${ok}/${APPLIANCES.length} ok on a ${LIKE_DAYS}-like-day baseline, reward EUR ${money(micro(settled.totalReward))}`;
}
