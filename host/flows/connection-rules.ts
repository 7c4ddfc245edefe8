// S9 energy services for assets at grid connection points: the pure rules.
// An asset reports a connection event with its service quantity (energy in
// mWh; measured from its own meter's import when it has one). The event is
// attributed to an account: a mobile asset's to the grid connection point it
// names (the point's holder), any other asset's to its owner (SPEC §8 S9).
// Settled like energy: the quantity at the point's price, rounded once to
// the minor unit (SPEC §5 posting rule), paid by the attributed account to the point's network operator.
// An event attributed to someone else's point needs evidence and consent: its
// quantity must be within the point's rated power × its duration, and it is
// billable only under the holder's standing consent, else held for the holder
// to accept or dispute.
import { invalidInput, limitExceeded } from '../errors.js';
import { MAX_POWER_W_MAX, MAX_POWER_W_MIN } from '../limits.js';
import type { SingleTransfer } from '../ledger/types.js';
import type { FlowBody } from '../store/flow-store.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';
import { formatEnergyPrice } from './energy-money.js';
import { FlowError } from './errors.js';
import { FLOW_TRANSFER_CODES, walletAccountId } from './ledger-bridge.js';
import type { Geo } from './contract-guards.js';
import { formatMinorAmount } from '../currency.js';

export const GCP_KIND = 'gcp';
export const ASSET_KIND = 'asset';
export const CONNECTION_EVENT_KIND = 'connection-event';

export type AssetType = 'mobile' | 'stationary';

export interface GcpBody extends FlowBody {
  /** The network operator that registered the point and provides the service there: the payee. */
  operator: string;
  /** The party holding the connection: the account a mobile asset's events are attributed to. */
  holder: string;
  priceMicroPerKWh: string;
  currency: string;
  geo: Geo;
  /** The point's rated power, W (SPEC §1 maxPowerW range): bounds the energy an event there can plausibly carry. */
  ratedPowerW: number;
  createdAtMs: number;
}

export interface AssetBody extends FlowBody {
  owner: string;
  type: AssetType;
  /** A stationary asset's connection point; null for a mobile one. */
  gcp: string | null;
  /** The asset's own meter: its events' quantity is its import over the event. */
  meterId: string | null;
  createdAtMs: number;
}

/**
 * At report: `own` (attributed to the asset's owner), `consented` (to another
 * holder under its standing consent) or `held` (to another holder without one).
 */
export type EventAttribution = 'own' | 'consented' | 'held';
/** `open`: billable (settled by the point's next settle step); `held`: waits for the holder; `disputed`: never billed. */
export type EventState = 'open' | 'held' | 'disputed';
export type HolderDecision = 'accepted' | 'disputed';

export interface ConnectionEventBody extends FlowBody {
  asset: string;
  assetType: AssetType;
  owner: string;
  gcp: string;
  attributedTo: string;
  quantityMWh: number;
  /** Whether the quantity was measured from the asset's meter (else reported). */
  measured: boolean;
  /** A metered asset's import over the event that the aggregation left unassigned (gaps, spikes): not billed, reported; null when unmetered. */
  unassignedMWh: number | null;
  unassignedSpans: number | null;
  from: number;
  to: number;
  reporter: string;
  attribution: EventAttribution;
  state: EventState;
  /** When the holder accepted or disputed a held event, and that decision's ledger leaf. */
  decidedAtMs: number | null;
  decisionLeafIndex: number | null;
  leafIndex: number | null;
  /** Set when settled: the amount in µ and its transfer (null for a zero amount). */
  settlement: { amountMicro: string; transferId: string | null } | null;
}

/** Members that change after a report (or depend on the consent at the time): a repeated report compares the rest. */
export const EVENT_STATE_MEMBERS = ['leafIndex', 'settlement', 'attribution', 'state', 'decidedAtMs', 'decisionLeafIndex'] as const;

/** Lists of one point's events by state: open (to settle), held, disputed, settled. */
export function eventGroup(gcpId: string, state: EventState | 'settled'): string {
  return `${state}:${gcpId}`;
}

/** A point's rated power, SPEC §1 maxPowerW range: outside it limit_exceeded. */
export function checkRatedPowerW(ratedPowerW: number): void {
  if (ratedPowerW < MAX_POWER_W_MIN) throw limitExceeded('MAX_POWER_W_MIN', `ratedPowerW ${ratedPowerW} is below ${MAX_POWER_W_MIN}`);
  if (ratedPowerW > MAX_POWER_W_MAX) throw limitExceeded('MAX_POWER_W_MAX', `ratedPowerW ${ratedPowerW} is above ${MAX_POWER_W_MAX}`);
}

/** The event's energy fits through the point: quantity × 3600 ≤ ratedPowerW × duration (mWh·s/h vs W·ms, exact), else connection_implausible. */
export function checkPlausible(quantityMWh: bigint, from: number, to: number, ratedPowerW: number): void {
  if (quantityMWh * 3600n > BigInt(ratedPowerW) * BigInt(to - from)) {
    throw new FlowError('connection_implausible', `${quantityMWh} mWh in ${to - from} ms is more than the point's rated ${ratedPowerW} W can carry`);
  }
}

/** The point an event happened at: the one a mobile asset names, or a stationary asset's own. */
export function connectionPointOf(asset: AssetBody, namedGcpId: string | undefined): string {
  if (asset.type === 'mobile') {
    if (namedGcpId === undefined) throw new FlowError('connection_gcp_required', 'a mobile asset must name the grid connection point of its event');
    return namedGcpId;
  }
  if (asset.gcp === null) throw new FlowError('connection_gcp_required', 'a stationary asset must be registered at a grid connection point');
  if (namedGcpId !== undefined && namedGcpId !== asset.gcp) {
    throw new FlowError('connection_gcp_mismatch', `the asset is connected at ${asset.gcp}, not ${namedGcpId}`);
  }
  return asset.gcp;
}

/** SPEC §8 S9: a mobile asset's event goes to the point's account, any other asset's to its own. */
export function attributedPartyOf(asset: AssetBody, gcp: GcpBody): string {
  return asset.type === 'mobile' ? gcp.holder : asset.owner;
}

/** The event spans [from, to), has ended, and — for a metered asset — lies on the interval grid its meter is aggregated on. */
export function checkEventSpan(from: number, to: number, nowMs: number, gridMs: number | null): void {
  if (to <= from) throw invalidInput(`to ${to} must be after from ${from}`);
  if (gridMs !== null && (from % gridMs !== 0 || to % gridMs !== 0)) {
    throw invalidInput(`a metered asset's event must start and end on the ${gridMs} ms interval grid`);
  }
  if (to > nowMs) throw new FlowError('window_open', `the connection event ends at ${to}, after now`);
}

/** The event's quantity: the measured one when the asset is metered (a reported one must agree), else the reported one. */
export function serviceQuantityMWh(reportedMWh: number | undefined, measuredMWh: bigint | null): bigint {
  if (measuredMWh === null) {
    if (reportedMWh === undefined) throw new FlowError('connection_quantity_required', 'an unmetered asset must report quantityMWh');
    return BigInt(reportedMWh);
  }
  if (reportedMWh !== undefined && BigInt(reportedMWh) !== measuredMWh) {
    throw new FlowError('connection_quantity_mismatch', `the asset reports ${reportedMWh} mWh, its meter shows ${measuredMWh} mWh`);
  }
  return measuredMWh;
}

/** The event's ledger record: its parties (owner, point holder, network operator), timestamp and the point's geodetic reference. */
export function connectionRecord(eventId: string, event: ConnectionEventBody, gcp: GcpBody): Record<string, unknown> {
  return {
    event: eventId, asset: event.asset, assetType: event.assetType, gcp: event.gcp, owner: event.owner, holder: gcp.holder,
    operator: gcp.operator, parties: [...new Set([event.owner, gcp.holder, gcp.operator])], attributedTo: event.attributedTo,
    quantityMWh: event.quantityMWh, measured: event.measured, unassignedMWh: event.unassignedMWh, unassignedSpans: event.unassignedSpans, price: formatEnergyPrice(BigInt(gcp.priceMicroPerKWh)),
    currency: gcp.currency, from: event.from, to: event.to, reporter: event.reporter, attribution: event.attribution, ts: event.to, geo: gcp.geo,
  };
}

/** The holder's decision on a held event, a ledger record (kind `connection-decision`) with the event's parties. */
export function decisionRecord(eventId: string, event: ConnectionEventBody, gcp: GcpBody): Record<string, unknown> {
  return {
    event: eventId, gcp: event.gcp, holder: gcp.holder, owner: event.owner, operator: gcp.operator,
    parties: [...new Set([event.owner, gcp.holder, gcp.operator])], decision: event.state === 'open' ? 'accepted' : 'disputed', ts: event.decidedAtMs,
  };
}

/** The event's amount in µ: its quantity at the point's price, rounded once to the minor unit (SPEC §5 posting rule). */
export function serviceAmountMicro(event: ConnectionEventBody, gcp: GcpBody): bigint {
  return energyPostingAmount(BigInt(event.quantityMWh), BigInt(gcp.priceMicroPerKWh), minorUnitOf(gcp.currency));
}

/** The attributed account pays the point's network operator; null for a zero amount. */
export function serviceTransfer(eventId: string, event: ConnectionEventBody, gcp: GcpBody, amountMicro: bigint): SingleTransfer | null {
  if (amountMicro === 0n) return null;
  return {
    type: 'single', id: `s9:${eventId}`, debit: walletAccountId(event.attributedTo, gcp.currency),
    credit: walletAccountId(gcp.operator, gcp.currency), amountMicro, currency: gcp.currency,
    code: FLOW_TRANSFER_CODES.connectionService, ts: event.to,
  };
}

export function formatServiceAmount(amountMicro: bigint, gcp: GcpBody): string {
  return formatMinorAmount(amountMicro, gcp.currency);
}
