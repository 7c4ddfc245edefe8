// S6 clearing step (docs/flows.md "S6"): the market authority clears one
// interval after its gate closed. The fills are computed once and stored
// with the interval (status `clearing`) before any money moves; each order
// then settles with ids derived from it (its reservation posted at the
// clearing price or voided, a payment out where the price pays the party)
// and gets a `market-fill` record, so a clearing interrupted half-way is
// finished by clearing again and never posts twice.
// An order that names meters settles against them: a seller is paid for
// min(filled, metered export), a buyer pays for min(filled, metered import)
// over the interval, and the rest of its fill (filled − settled) is recorded
// as a `market-imbalance` record, never paid. Such an interval is cleared
// once it has ended; its metered energy is fixed with the fills.
import type { ApiContext } from '../api/context.js';
import type { Party } from '../store/party-store.js';
import type { FlowObject } from '../store/flow-store.js';
import type { TransferEvent } from '../ledger/types.js';
import { formatMinimal } from '../decimal.js';
import { formatMinorAmount } from '../currency.js';
import { MARKET_INTERVAL_MS, MARKET_ORDERS_PER_INTERVAL_MAX, MARKET_ZONES_MAX } from '../limits.js';
import { FlowError } from './errors.js';
import { appendFlowRecord, flowRecordId, FLOW_TRANSFER_CODES, postTransfers, walletAccountId } from './ledger-bridge.js';
import { clearMarketInterval, fillCostMicro, type MarketOrder, type OrderSide, type ZoneLimits } from './market-clearing.js';
import { INTERVAL_KIND, intervalGroup, marketAccountId, ORDER_KIND, ZONE_KIND, type OrderBody, type ZoneBody } from './market-orders.js';
import { meteredWindowEnergy } from './metered-energy.js';

export interface IntervalBody extends Record<string, unknown> {
  status: 'clearing' | 'cleared';
  currency: string | null;
  /** The uniform price, µ per kWh, or null when no bid met an offer. */
  priceMicroPerKWh: string | null;
  volumeMWh: string;
  curtailed: Array<{ zone: string; side: OrderSide; energyMWh: string }>;
  /** Energy filled per order id (after curtailment); orders absent got nothing. */
  fills: Record<string, string>;
  /** The metered energy over the interval of each order that names meters (export for offers, import for bids). */
  meteredMWh: Record<string, string>;
  /** Σ over the orders of filled − settled: cleared energy no meter shows, recorded and not paid. */
  imbalanceMWh: string;
  clearedBy: string;
  recordIndex?: number;
}

function marketOrderOf(order: FlowObject<OrderBody>): MarketOrder {
  const { side, zone, energyMWh, priceMicroPerKWh, submittedAtMs } = order.body;
  return { id: order.id, side, zone, energyMWh: BigInt(energyMWh), priceMicroPerKWh: BigInt(priceMicroPerKWh), submittedAtMs };
}

function zoneLimitsOf(zones: ReadonlyArray<FlowObject<ZoneBody>>): Map<string, ZoneLimits> {
  return new Map(zones.map((zone) => [zone.id, { exportLimitMWh: BigInt(zone.body.exportLimitMWh), importLimitMWh: BigInt(zone.body.importLimitMWh) }]));
}

/** The energy an order settles: for a metered order the lesser of its fill and its meters' energy. */
function settledMWhOf(filledMWh: bigint, meteredMWh: string | undefined): bigint {
  if (meteredMWh === undefined) return filledMWh;
  return BigInt(meteredMWh) < filledMWh ? BigInt(meteredMWh) : filledMWh;
}

/** The metered energy of each open metered order over the interval; the interval must have ended. */
async function meteredOrders(context: ApiContext, intervalStartMs: number): Promise<Record<string, string>> {
  const orders = await context.store.flows.list<OrderBody>(ORDER_KIND, { groupKey: intervalGroup(intervalStartMs), limit: MARKET_ORDERS_PER_INTERVAL_MAX });
  const metered = orders.filter((order) => order.body.status === 'open' && (order.body.meters ?? []).length > 0);
  const window = { from: intervalStartMs, to: intervalStartMs + MARKET_INTERVAL_MS };
  if (metered.length > 0 && context.nowMs() < window.to) {
    throw new FlowError('window_open', `interval ${intervalStartMs} has metered orders: clear it after it ends at ${window.to}`);
  }
  const energy: Record<string, string> = {};
  for (const order of metered) {
    energy[order.id] = String((await meteredWindowEnergy(context.store.readings, order.body.meters, window, order.body.side === 'sell' ? 'export' : 'import')).energyMWh);
  }
  return energy;
}

/** Computes and stores the fills once; a second call finds them (cleared or still settling). */
async function fixFills(context: ApiContext, caller: Party, intervalStartMs: number): Promise<FlowObject<IntervalBody>> {
  const existing = await context.store.flows.get<IntervalBody>(INTERVAL_KIND, String(intervalStartMs));
  if (existing !== null) return existing;
  const meteredMWh = await meteredOrders(context, intervalStartMs);
  return context.store.flows.transact(`market:${intervalStartMs}`, async (tx) => {
    const raced = await tx.get<IntervalBody>(INTERVAL_KIND, String(intervalStartMs));
    if (raced !== null) return raced;
    const orders = (await tx.list<OrderBody>(ORDER_KIND, { groupKey: intervalGroup(intervalStartMs), limit: MARKET_ORDERS_PER_INTERVAL_MAX }))
      .filter((order) => order.body.status === 'open');
    const zones = await tx.list<ZoneBody>(ZONE_KIND, { limit: MARKET_ZONES_MAX });
    const market = orders.map(marketOrderOf);
    const clearing = clearMarketInterval(market, zoneLimitsOf(zones));
    let volumeMWh = 0n;
    let imbalanceMWh = 0n;
    const fills: Record<string, string> = {};
    for (const order of orders) {
      const filled = clearing.filledMWh.get(order.id) ?? 0n;
      if (order.body.side === 'buy') volumeMWh += filled;
      fills[order.id] = String(filled);
      // An order submitted while this clearing started has no metered energy fixed yet: clear again.
      if ((order.body.meters ?? []).length > 0 && meteredMWh[order.id] === undefined) throw new FlowError('flow_conflict', `order ${order.id} arrived during clearing`);
      imbalanceMWh += filled - settledMWhOf(filled, meteredMWh[order.id]);
    }
    const body: IntervalBody = {
      status: 'clearing', currency: orders[0]?.body.currency ?? null,
      priceMicroPerKWh: clearing.priceMicroPerKWh === null ? null : String(clearing.priceMicroPerKWh), volumeMWh: String(volumeMWh),
      curtailed: clearing.curtailed.map((cut) => ({ ...cut, energyMWh: String(cut.energyMWh) })), fills, meteredMWh,
      imbalanceMWh: String(imbalanceMWh), clearedBy: caller.partyId,
    };
    await tx.insert({ kind: INTERVAL_KIND, id: String(intervalStartMs), ownerPartyId: caller.partyId, body }, context.nowMs());
    return (await tx.get<IntervalBody>(INTERVAL_KIND, String(intervalStartMs)))!;
  });
}

/** The ledger events that settle one order's fill at the clearing price. */
function settlementEvents(order: FlowObject<OrderBody>, costMicro: bigint, nowMs: number): TransferEvent[] {
  const { reservationId, currency } = order.body;
  const events: TransferEvent[] = [];
  if (reservationId !== null) {
    events.push(costMicro > 0n
      ? { type: 'post', id: `s6:settle:${order.id}`, pendingId: reservationId, amountMicro: costMicro, ts: nowMs }
      : { type: 'void', id: `s6:release:${order.id}`, pendingId: reservationId, ts: nowMs });
  }
  if (costMicro < 0n) {
    events.push({
      type: 'single', id: `s6:payout:${order.id}`, debit: marketAccountId(currency), credit: walletAccountId(order.ownerPartyId, currency),
      amountMicro: -costMicro, currency, code: FLOW_TRANSFER_CODES.marketPayout, ts: nowMs,
    });
  }
  if (costMicro > 0n && reservationId === null) throw new Error(`market: order ${order.id} owes ${costMicro} µ with nothing reserved`);
  return events;
}

/** The order's `market-imbalance` record: cleared energy its meters do not show, neither paid nor charged. */
async function recordImbalance(context: ApiContext, interval: FlowObject<IntervalBody>, order: FlowObject<OrderBody>, filledMWh: bigint, settledMWh: bigint): Promise<void> {
  if (settledMWh === filledMWh) return;
  await appendFlowRecord(context, flowRecordId('market-imbalance', order.id), 'market-imbalance', {
    interval: interval.id, order: order.id, party: order.ownerPartyId, side: order.body.side, zone: order.body.zone, meters: order.body.meters,
    filledMWh: String(filledMWh), meteredMWh: interval.body.meteredMWh[order.id], settledMWh: String(settledMWh),
    imbalanceMWh: String(filledMWh - settledMWh), ts: context.nowMs(),
  });
}

async function settleOrder(context: ApiContext, interval: FlowObject<IntervalBody>, order: FlowObject<OrderBody>): Promise<void> {
  const filledMWh = BigInt(interval.body.fills[order.id] ?? '0');
  const settledMWh = settledMWhOf(filledMWh, interval.body.meteredMWh?.[order.id]);
  const priceMicroPerKWh = BigInt(interval.body.priceMicroPerKWh ?? '0');
  const costMicro = fillCostMicro(order.body.side, settledMWh, priceMicroPerKWh, order.body.currency);
  const events = settlementEvents(order, costMicro, context.nowMs());
  if (events.length > 0) await postTransfers(context, events);
  await recordImbalance(context, interval, order, filledMWh, settledMWh);
  const recordIndex = await appendFlowRecord(context, flowRecordId('market-fill', order.id), 'market-fill', {
    interval: interval.id, order: order.id, party: order.ownerPartyId, side: order.body.side, zone: order.body.zone,
    energyMWh: order.body.energyMWh, filledMWh: String(filledMWh), settledMWh: String(settledMWh), price: formatMinimal(priceMicroPerKWh, 6),
    amount: formatMinorAmount(costMicro, order.body.currency), transfers: events.map((event) => event.id), ts: context.nowMs(),
  });
  const settled = { status: 'cleared' as const, filledMWh: String(filledMWh), settledMWh: String(settledMWh), costMicro: String(costMicro), recordIndex };
  await context.store.flows.transact(`market:${order.body.intervalStartMs}`, (tx) => tx.update<OrderBody>(order, { ...order.body, ...settled }, context.nowMs()));
}

/** Clears the interval starting at `intervalStartMs` (the market authority, after the gate closed). */
export async function clearMarket(context: ApiContext, caller: Party, intervalStartMs: number): Promise<FlowObject<IntervalBody>> {
  if (context.nowMs() < intervalStartMs) throw new FlowError('invalid_state', `the gate of interval ${intervalStartMs} is still open`);
  const interval = await fixFills(context, caller, intervalStartMs);
  if (interval.body.status === 'cleared') return interval;
  const orders = await context.store.flows.list<OrderBody>(ORDER_KIND, { groupKey: intervalGroup(intervalStartMs), limit: MARKET_ORDERS_PER_INTERVAL_MAX });
  for (const order of orders) {
    if (order.body.status === 'open' && Object.hasOwn(interval.body.fills, order.id)) await settleOrder(context, interval, order);
  }
  const { priceMicroPerKWh, volumeMWh, curtailed, currency } = interval.body;
  const recordIndex = await appendFlowRecord(context, flowRecordId('market-clearing', String(intervalStartMs)), 'market-clearing', {
    intervalStartMs, currency, price: priceMicroPerKWh === null ? null : formatMinimal(BigInt(priceMicroPerKWh), 6), volumeMWh, curtailed,
    imbalanceMWh: interval.body.imbalanceMWh ?? '0',
    orders: Object.keys(interval.body.fills).length, party: caller.partyId, ts: context.nowMs(),
  });
  return context.store.flows.transact(`market:${intervalStartMs}`, (tx) =>
    tx.update<IntervalBody>(interval, { ...interval.body, status: 'cleared', recordIndex }, context.nowMs()));
}
