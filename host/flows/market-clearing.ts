// S6 clearing (docs/flows.md "S6"): a uniform-price double auction over one
// interval's orders, then curtailment of trades that would pass a zone's
// transfer limits. Pure and exact: energy in mWh, prices in µ per kWh, all
// bigint; the same orders always give the same fills.
import { roundHalfEven } from '../exact.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';

export type OrderSide = 'buy' | 'sell';

export interface MarketOrder {
  id: string;
  side: OrderSide;
  zone: string;
  energyMWh: bigint;
  /** Limit price: the most a buyer pays, the least a seller takes (may be negative). */
  priceMicroPerKWh: bigint;
  submittedAtMs: number;
}

export interface ZoneLimits {
  /** Largest net export (sold − bought in the zone) the network carries out of it. */
  exportLimitMWh: bigint;
  /** Largest net import (bought − sold). */
  importLimitMWh: bigint;
}

export interface Clearing {
  /** null when no bid meets an offer. */
  priceMicroPerKWh: bigint | null;
  /** Accepted energy per order id before curtailment (orders left out have none). */
  acceptedMWh: Map<string, bigint>;
  /** After curtailment: what settles. */
  filledMWh: Map<string, bigint>;
  /** Energy taken off per zone and side by curtailment. */
  curtailed: Array<{ zone: string; side: OrderSide; energyMWh: bigint }>;
}

const bytewise = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const byTime = (a: MarketOrder, b: MarketOrder): number => a.submittedAtMs - b.submittedAtMs || bytewise(a.id, b.id);

/** Merit order: bids by price high → low, offers low → high; equal prices by submission time, then id. */
export function meritOrder(orders: readonly MarketOrder[], side: OrderSide): MarketOrder[] {
  const sign = side === 'buy' ? -1n : 1n;
  return orders.filter((order) => order.side === side).sort((a, b) => {
    const difference = sign * (a.priceMicroPerKWh - b.priceMicroPerKWh);
    return difference < 0n ? -1 : difference > 0n ? 1 : byTime(a, b);
  });
}

/**
 * Walks the two merit orders while the bid meets the offer; each step trades
 * the lesser remaining energy. The price is the midpoint of the last
 * accepted bid and offer prices, rounded half to even to the µ: every
 * accepted buyer pays at most its limit and every seller gets at least its.
 */
export function clearAuction(orders: readonly MarketOrder[]): { priceMicroPerKWh: bigint | null; acceptedMWh: Map<string, bigint> } {
  const bids = meritOrder(orders, 'buy');
  const offers = meritOrder(orders, 'sell');
  const acceptedMWh = new Map<string, bigint>();
  let b = 0;
  let o = 0;
  let bidLeft = bids[0]?.energyMWh ?? 0n;
  let offerLeft = offers[0]?.energyMWh ?? 0n;
  let marginal: { bid: bigint; offer: bigint } | null = null;
  while (b < bids.length && o < offers.length && bids[b]!.priceMicroPerKWh >= offers[o]!.priceMicroPerKWh) {
    const traded = bidLeft < offerLeft ? bidLeft : offerLeft;
    const bid = bids[b]!;
    const offer = offers[o]!;
    acceptedMWh.set(bid.id, (acceptedMWh.get(bid.id) ?? 0n) + traded);
    acceptedMWh.set(offer.id, (acceptedMWh.get(offer.id) ?? 0n) + traded);
    marginal = { bid: bid.priceMicroPerKWh, offer: offer.priceMicroPerKWh };
    bidLeft -= traded;
    offerLeft -= traded;
    if (bidLeft === 0n && ++b < bids.length) bidLeft = bids[b]!.energyMWh;
    if (offerLeft === 0n && ++o < offers.length) offerLeft = offers[o]!.energyMWh;
  }
  const priceMicroPerKWh = marginal === null ? null : roundHalfEven(marginal.bid + marginal.offer, 2n);
  return { priceMicroPerKWh, acceptedMWh };
}

/** Net export per zone (sold − bought) of `fills`. */
export function netExports(orders: readonly MarketOrder[], fills: ReadonlyMap<string, bigint>): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const order of orders) {
    const filled = fills.get(order.id) ?? 0n;
    net.set(order.zone, (net.get(order.zone) ?? 0n) + (order.side === 'sell' ? filled : -filled));
  }
  return net;
}

/**
 * The energy to take off each zone's sellers and buyers so that no zone
 * passes its limits. Over-limit zones give their excess; the other side's
 * total must match (the market stays balanced), so the shortfall comes from
 * the zones that still export (sellers) or import (buyers), largest first.
 */
export function curtailmentPlan(net: ReadonlyMap<string, bigint>, limits: ReadonlyMap<string, ZoneLimits>): Array<{ zone: string; side: OrderSide; energyMWh: bigint }> {
  const zones = [...net.keys()].sort(bytewise);
  const limitOf = (zone: string): ZoneLimits => {
    const zoneLimits = limits.get(zone);
    if (zoneLimits === undefined) throw new Error(`market: zone ${zone} has no limits`);
    return zoneLimits;
  };
  const sellerCut = new Map(zones.map((zone) => [zone, maxZero(net.get(zone)! - limitOf(zone).exportLimitMWh)]));
  const buyerCut = new Map(zones.map((zone) => [zone, maxZero(-net.get(zone)! - limitOf(zone).importLimitMWh)]));
  const total = (cuts: Map<string, bigint>) => [...cuts.values()].reduce((sum, cut) => sum + cut, 0n);
  spread(sellerCut, total(buyerCut) - total(sellerCut), (zone) => net.get(zone)!);
  spread(buyerCut, total(sellerCut) - total(buyerCut), (zone) => -net.get(zone)!);
  const plan: Array<{ zone: string; side: OrderSide; energyMWh: bigint }> = [];
  for (const zone of zones) {
    if (sellerCut.get(zone)! > 0n) plan.push({ zone, side: 'sell', energyMWh: sellerCut.get(zone)! });
    if (buyerCut.get(zone)! > 0n) plan.push({ zone, side: 'buy', energyMWh: buyerCut.get(zone)! });
  }
  return plan;
}

function maxZero(value: bigint): bigint {
  return value > 0n ? value : 0n;
}

/** Adds `missing` to `cuts`, from the zones with the most room (`flow` − cut so far), largest first, ties by zone id. */
function spread(cuts: Map<string, bigint>, missing: bigint, flow: (zone: string) => bigint): void {
  while (missing > 0n) {
    const [zone, room] = [...cuts.keys()]
      .map((candidate): [string, bigint] => [candidate, flow(candidate) - cuts.get(candidate)!])
      .sort((x, y) => (x[1] === y[1] ? bytewise(x[0], y[0]) : x[1] > y[1] ? -1 : 1))[0]!;
    if (room <= 0n) throw new Error('market: curtailment found no zone to take the balance from');
    const taken = room < missing ? room : missing;
    cuts.set(zone, cuts.get(zone)! + taken);
    missing -= taken;
  }
}

/** Applies `plan`: within a zone, the accepted offers that asked most and the bids that offered least lose energy first. */
export function curtail(
  orders: readonly MarketOrder[], acceptedMWh: ReadonlyMap<string, bigint>, plan: ReadonlyArray<{ zone: string; side: OrderSide; energyMWh: bigint }>,
): Map<string, bigint> {
  const filled = new Map(acceptedMWh);
  for (const { zone, side, energyMWh } of plan) {
    let left = energyMWh;
    const lastInMerit = meritOrder(orders.filter((order) => order.zone === zone && filled.has(order.id)), side).reverse();
    for (const order of lastInMerit) {
      if (left === 0n) break;
      const has = filled.get(order.id)!;
      const cut = has < left ? has : left;
      filled.set(order.id, has - cut);
      left -= cut;
    }
    if (left !== 0n) throw new Error(`market: zone ${zone} has too little ${side} energy to curtail`);
  }
  return filled;
}

export function clearMarketInterval(orders: readonly MarketOrder[], limits: ReadonlyMap<string, ZoneLimits>): Clearing {
  const { priceMicroPerKWh, acceptedMWh } = clearAuction(orders);
  const plan = curtailmentPlan(netExports(orders, acceptedMWh), limits);
  return { priceMicroPerKWh, acceptedMWh, filledMWh: curtail(orders, acceptedMWh, plan), curtailed: plan };
}

/**
 * What a fill costs its party at `priceMicroPerKWh`, in µ rounded once,
 * half to even, to the currency's minor unit: positive means the party pays
 * (a buyer at a positive price, a seller at a negative one).
 */
export function fillCostMicro(side: OrderSide, energyMWh: bigint, priceMicroPerKWh: bigint, currency: string): bigint {
  const buyerCost = energyPostingAmount(energyMWh, priceMicroPerKWh, minorUnitOf(currency));
  return side === 'buy' ? buyerCost : -buyerCost;
}
