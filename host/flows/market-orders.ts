// S6 zones and orders (docs/flows.md "S6"): the network operator sets each
// zone's transfer limits; participants submit bids and offers per interval,
// each reserving what it could cost at its limit price from the party's
// wallet (a pending transfer to the market's clearing account), so that
// clearing never meets a buyer who cannot pay. An order may name the party's
// meters that measure it: its trade then settles against their energy
// (market-settle.ts), and no other open order of the interval may name them.
import type { ApiContext } from '../api/context.js';
import type { Party } from '../store/party-store.js';
import type { FlowObject } from '../store/flow-store.js';
import { parseMicro } from '../decimal.js';
import { currencyExponent } from '../currency.js';
import { invalidInput, limitExceeded } from '../errors.js';
import { ApiError } from '../api/errors.js';
import {
  ENERGY_PRICE_MICRO_MAX, LEDGER_PENDING_TIMEOUT_MS_MAX, MARKET_CLEARING_GRACE_MS, MARKET_INTERVAL_MS, MARKET_ORDER_ENERGY_MWH_MAX,
  MARKET_ORDERS_PER_INTERVAL_MAX, MARKET_ZONE_LIMIT_MWH_MAX, MARKET_ZONES_MAX,
} from '../limits.js';
import { requireOwnedMeters } from './contract-guards.js';
import { FlowError } from './errors.js';
import { ensureAccounts, FLOW_TRANSFER_CODES, postTransfers, walletAccountId, appendFlowRecord, flowRecordId } from './ledger-bridge.js';
import { fillCostMicro, type OrderSide } from './market-clearing.js';

export const ZONE_KIND = 'market-zone';
export const ORDER_KIND = 'market-order';
export const INTERVAL_KIND = 'market-interval';

export interface ZoneBody extends Record<string, unknown> {
  currency: string;
  exportLimitMWh: string;
  importLimitMWh: string;
  recordIndex: number;
}

export type OrderStatus = 'open' | 'cancelled' | 'cleared';

export interface OrderBody extends Record<string, unknown> {
  side: OrderSide;
  zone: string;
  intervalStartMs: number;
  energyMWh: string;
  price: string;
  priceMicroPerKWh: string;
  currency: string;
  submittedAtMs: number;
  status: OrderStatus;
  /** Pending transfer id, or null when the order cannot cost its party anything. */
  reservationId: string | null;
  reservedMicro: string;
  /** The party's meters that measure this order (export for an offer, import for a bid); empty: settled at the cleared energy. */
  meters: string[];
  filledMWh?: string;
  /** What settled: min(filled, metered) for a metered order, else filled. */
  settledMWh?: string;
  /** What the fill cost the party, µ (negative: the party was paid). */
  costMicro?: string;
  recordIndex?: number;
}

export interface NewZone {
  zoneId: string;
  currency: string;
  exportLimitMWh: number | string;
  importLimitMWh: number | string;
}

export interface NewOrder {
  id: string;
  side: OrderSide;
  zone: string;
  intervalStartMs: number;
  energyMWh: number | string;
  price: string;
  meters?: string[];
}

const ZONE_LIMIT = { name: 'MARKET_ZONE_LIMIT_MWH_MAX', max: MARKET_ZONE_LIMIT_MWH_MAX };
const ORDER_ENERGY_LIMIT = { name: 'MARKET_ORDER_ENERGY_MWH_MAX', max: MARKET_ORDER_ENERGY_MWH_MAX };

export const intervalGroup = (intervalStartMs: number): string => `interval:${intervalStartMs}`;
/** The market's clearing account in `currency`, held by the market authority: buyers pay into it, sellers are paid from it. */
export const marketAccountId = (currency: string): string => `market:${currency}`;

export function positiveMWh(value: unknown, field: string, limit: { name: string; max: bigint }, allowZero = false): bigint {
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== 'string' || !/^[0-9]{1,20}$/.test(text)) throw invalidInput(`${field} must be a non-negative integer of mWh`);
  const energy = BigInt(text);
  if (energy > limit.max) throw limitExceeded(limit.name, `${field} is above ${limit.max} mWh`);
  if (energy === 0n && !allowZero) throw invalidInput(`${field} must be positive`);
  return energy;
}

/**
 * The configured market authority (AppOptions.marketAuthority, GRIDSETTLE_MARKET_AUTHORITY): checked
 * at each use, so a party created after the start is found and a bad setting fails with a clear code.
 */
export async function marketAuthorityOf(context: ApiContext): Promise<string> {
  const partyId = context.marketAuthority;
  if (partyId === null) throw new FlowError('market_authority_invalid', 'no market authority is configured: set GRIDSETTLE_MARKET_AUTHORITY to a party of role authority or operator');
  const party = await context.store.parties.party(partyId);
  if (party === null || (party.role !== 'authority' && party.role !== 'operator')) {
    throw new FlowError('market_authority_invalid', `the market authority ${partyId} (GRIDSETTLE_MARKET_AUTHORITY) must be a registered party of role authority or operator`);
  }
  return partyId;
}

/** The market's currency: every zone shares the first zone's. */
async function marketCurrency(context: ApiContext): Promise<string | null> {
  const [first] = await context.store.flows.list<ZoneBody>(ZONE_KIND, { limit: 1 });
  return first?.body.currency ?? null;
}

export async function setZoneLimits(context: ApiContext, caller: Party, zone: NewZone): Promise<FlowObject<ZoneBody>> {
  currencyExponent(zone.currency);
  const exportLimitMWh = positiveMWh(zone.exportLimitMWh, 'exportLimitMWh', ZONE_LIMIT, true);
  const importLimitMWh = positiveMWh(zone.importLimitMWh, 'importLimitMWh', ZONE_LIMIT, true);
  const currency = await marketCurrency(context);
  if (currency !== null && currency !== zone.currency) throw invalidInput(`currency: the market settles in ${currency}, got ${zone.currency}`);
  const limits = { zone: zone.zoneId, currency: zone.currency, exportLimitMWh: String(exportLimitMWh), importLimitMWh: String(importLimitMWh) };
  const limitsTs = context.nowMs();
  const recordIndex = await appendFlowRecord(context, flowRecordId('market-zone-limits', zone.zoneId, String(limitsTs)), 'market-zone-limits', { ...limits, party: caller.partyId, ts: limitsTs });
  const body: ZoneBody = { currency: zone.currency, exportLimitMWh: limits.exportLimitMWh, importLimitMWh: limits.importLimitMWh, recordIndex };
  return context.store.flows.transact(`${ZONE_KIND}:${zone.zoneId}`, async (tx) => {
    const existing = await tx.get<ZoneBody>(ZONE_KIND, zone.zoneId);
    if (existing !== null) return tx.update(existing, body, context.nowMs());
    const zones = await tx.list(ZONE_KIND, { limit: MARKET_ZONES_MAX });
    if (zones.length >= MARKET_ZONES_MAX) throw limitExceeded('MARKET_ZONES_MAX', `the market holds at most ${MARKET_ZONES_MAX} zones`);
    await tx.insert({ kind: ZONE_KIND, id: zone.zoneId, ownerPartyId: caller.partyId, body }, context.nowMs());
    return (await tx.get<ZoneBody>(ZONE_KIND, zone.zoneId))!;
  });
}

function orderBodyOf(order: NewOrder, zone: FlowObject<ZoneBody>, nowMs: number): OrderBody {
  if (order.intervalStartMs % MARKET_INTERVAL_MS !== 0) throw invalidInput(`intervalStartMs must be a multiple of ${MARKET_INTERVAL_MS} ms`);
  const energyMWh = positiveMWh(order.energyMWh, 'energyMWh', ORDER_ENERGY_LIMIT);
  const priceMicroPerKWh = parseMicro(order.price, 'price', -ENERGY_PRICE_MICRO_MAX, ENERGY_PRICE_MICRO_MAX);
  const reservedMicro = fillCostMicro(order.side, energyMWh, priceMicroPerKWh, zone.body.currency);
  return {
    side: order.side, zone: order.zone, intervalStartMs: order.intervalStartMs, energyMWh: String(energyMWh), price: order.price,
    priceMicroPerKWh: String(priceMicroPerKWh), currency: zone.body.currency, submittedAtMs: nowMs, status: 'open',
    reservationId: reservedMicro > 0n ? `s6:reserve:${order.id}` : null, reservedMicro: String(reservedMicro > 0n ? reservedMicro : 0n),
    meters: order.meters ?? [],
  };
}

const SAME_ORDER_FIELDS = ['side', 'zone', 'intervalStartMs', 'energyMWh', 'price'] as const;

function sameOrder(existing: FlowObject<OrderBody>, callerPartyId: string, order: NewOrder): boolean {
  return existing.ownerPartyId === callerPartyId && SAME_ORDER_FIELDS.every((field) => String(existing.body[field]) === String(order[field]))
    && JSON.stringify(existing.body.meters ?? []) === JSON.stringify(order.meters ?? []);
}

/** A meter's energy in an interval measures one order only: refuse meters another open order of the interval names. */
function requireFreeMeters(orders: ReadonlyArray<FlowObject<OrderBody>>, meters: readonly string[]): void {
  for (const other of orders) {
    if (other.body.status !== 'open') continue;
    const taken = meters.find((meterId) => (other.body.meters ?? []).includes(meterId));
    if (taken !== undefined) throw new FlowError('market_meter_taken', `meter ${taken} already measures order ${other.id} of this interval`);
  }
}

/** Submits an order: reserve first (nothing stored if the wallet cannot cover it), then store it unless the gate closed meanwhile. */
export async function submitOrder(context: ApiContext, caller: Party, order: NewOrder): Promise<{ order: FlowObject<OrderBody>; created: boolean }> {
  const existing = await context.store.flows.get<OrderBody>(ORDER_KIND, order.id);
  if (existing !== null) {
    if (!sameOrder(existing, caller.partyId, order)) throw new ApiError('already_exists', `order ${order.id} exists with another body`);
    return { order: existing, created: false };
  }
  const zone = await context.store.flows.get<ZoneBody>(ZONE_KIND, order.zone);
  if (zone === null) throw new FlowError('unknown_zone', `zone ${order.zone} has no transfer limits set`);
  const nowMs = context.nowMs();
  const body = orderBodyOf(order, zone, nowMs);
  if (nowMs >= order.intervalStartMs) throw new FlowError('market_closed', `the gate of interval ${order.intervalStartMs} closed when it started`);
  await requireOwnedMeters(context, body.meters, caller.partyId);
  const wallet = walletAccountId(caller.partyId, body.currency);
  if ((await context.ledger.balances([wallet])).size === 0) throw new FlowError('wallet_not_found', `open a wallet in ${body.currency} first (POST /v1/wallets)`);
  const authority = await marketAuthorityOf(context);
  await ensureAccounts(context, [{ id: marketAccountId(body.currency), party: authority, currency: body.currency, kind: 'clearing', flags: 0 }]);
  if (body.reservationId !== null) {
    const timeoutMs = Math.min(order.intervalStartMs + MARKET_CLEARING_GRACE_MS - nowMs, LEDGER_PENDING_TIMEOUT_MS_MAX);
    await postTransfers(context, [{
      type: 'pending', id: body.reservationId, debit: wallet, credit: marketAccountId(body.currency), amountMicro: BigInt(body.reservedMicro),
      currency: body.currency, code: FLOW_TRANSFER_CODES.marketReserve, ts: nowMs, timeoutMs,
    }]);
  }
  const stored = await context.store.flows.transact(`market:${order.intervalStartMs}`, async (tx) => {
    const interval = await tx.get(INTERVAL_KIND, String(order.intervalStartMs));
    if (interval !== null) return null;
    const orders = await tx.list<OrderBody>(ORDER_KIND, { groupKey: intervalGroup(order.intervalStartMs), limit: MARKET_ORDERS_PER_INTERVAL_MAX });
    if (orders.length >= MARKET_ORDERS_PER_INTERVAL_MAX) {
      throw limitExceeded('MARKET_ORDERS_PER_INTERVAL_MAX', `an interval holds at most ${MARKET_ORDERS_PER_INTERVAL_MAX} orders`);
    }
    requireFreeMeters(orders, body.meters);
    await tx.insert({ kind: ORDER_KIND, id: order.id, ownerPartyId: caller.partyId, groupKey: intervalGroup(order.intervalStartMs), body }, nowMs);
    return tx.get<OrderBody>(ORDER_KIND, order.id);
  }).catch(async (error: unknown) => {
    await releaseReservation(context, body, `s6:release:${order.id}`);
    throw error;
  });
  if (stored === null) {
    await releaseReservation(context, body, `s6:release:${order.id}`);
    throw new FlowError('market_closed', `interval ${order.intervalStartMs} is being cleared`);
  }
  return { order: stored, created: true };
}

export async function releaseReservation(context: ApiContext, body: OrderBody, voidId: string): Promise<void> {
  if (body.reservationId === null) return;
  await postTransfers(context, [{ type: 'void', id: voidId, pendingId: body.reservationId, ts: context.nowMs() }]);
}

/** The owner cancels an open order before its interval is cleared; the reservation is voided. */
export async function cancelOrder(context: ApiContext, order: FlowObject<OrderBody>): Promise<FlowObject<OrderBody>> {
  const cancelled = await context.store.flows.transact(`market:${order.body.intervalStartMs}`, async (tx) => {
    const current = (await tx.get<OrderBody>(ORDER_KIND, order.id))!;
    if (current.body.status === 'cancelled') return current;
    if (current.body.status !== 'open' || (await tx.get(INTERVAL_KIND, String(current.body.intervalStartMs))) !== null) {
      throw new FlowError('market_closed', `order ${order.id} is in a cleared interval`);
    }
    return tx.update<OrderBody>(current, { ...current.body, status: 'cancelled' }, context.nowMs());
  });
  await releaseReservation(context, cancelled.body, `s6:release:${order.id}`);
  return cancelled;
}
