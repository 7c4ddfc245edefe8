// S1 working state (docs/flows.md "S1"): offers, charge points, sessions and
// the occupancy of each charge-point meter, as flow objects; their views and
// the few reads every S1 route shares.
import type { ApiContext } from '../../api/context.js';
import type { FlowBody, FlowListQuery, FlowObject, FlowReader } from '../../store/flow-store.js';
import { FlowError } from '../errors.js';
import { walletAccountId } from '../ledger-bridge.js';
import type { OcpiSettlementSummary, OcpiTariffAttachment } from './ocpi-session.js';
import type { OfferDirection, OfferSlot, SessionMode } from './rules.js';

export const OFFER_KIND = 'ev-offer';
export const CHARGE_POINT_KIND = 'ev-charge-point';
export const SESSION_KIND = 'ev-session';
/** One per charge-point meter: which open session it serves, if any. */
export const CONNECTOR_KIND = 'ev-connector';
/** The ledger record of a settled session. */
export const SESSION_RECORD = 'ev-session';

const LIST_PAGE = 1_000;

export interface OfferBody extends FlowBody {
  id: string;
  supplierPartyId: string;
  direction: OfferDirection;
  currency: string;
  validFromMs: number;
  validToMs: number;
  slots: OfferSlot[];
  state: 'active' | 'withdrawn';
  publishedAtMs: number;
  withdrawnAtMs: number | null;
}

export type OfferStatus = 'upcoming' | 'in_force' | 'expired' | 'withdrawn';

/** Where a charge point's sessions get their prices: the offer the driver picks, or the charge point's OCPI tariff. */
export type ChargePointTariff = { kind: 'offer' } | OcpiTariffAttachment;

/** The tariff a session opened under: a copy of its charge point's at the opening, with that tariff's version. */
export type SessionTariff = ChargePointTariff & { version: number };

export interface ChargePointBody extends FlowBody {
  id: string;
  ownerPartyId: string;
  meterIds: string[];
  /** The charge point's power limit: caps the quoted power and is the spike bound of its meters' aggregation. */
  maxPowerW: number;
  geo: { lat: string; lon: string };
  tariff: ChargePointTariff;
  /** 1 at registration, one more each time the owner replaces the tariff. */
  tariffVersion: number;
  tariffSetAtMs: number;
  registeredAtMs: number;
}

/** A session's settlement, fixed when it is priced (state `closing`) and completed when recorded (state `closed`). */
export interface SessionSettlement {
  startMs: number;
  endMs: number;
  meterId: string;
  energyMWh: number;
  /** Metered energy of the session's channel the aggregation left unassigned (gap, spike): not billed. */
  unassignedMWh: number;
  /** How many unassigned spans that is (absent on sessions settled before it was recorded). */
  unassignedSpans?: number;
  /** A statement amount of the session's currency ("5.15"); under an OCPI tariff the charge incl. VAT. */
  amount: string;
  /** null when the amount is zero and nothing moves. */
  transferId: string | null;
  pricedAtMs: number;
  leafIndex: number | null;
  closedAtMs: number | null;
  /** Sessions under an OCPI tariff only: what the OCPI pricing billed. */
  ocpi?: OcpiSettlementSummary;
}

export interface SessionBody extends FlowBody {
  id: string;
  driverPartyId: string;
  vehicleId: string;
  chargePointId: string;
  chargePointOwnerPartyId: string;
  meterId: string;
  /** Both null under an OCPI tariff: the charge point's owner sells the charging. */
  offerId: string | null;
  supplierPartyId: string | null;
  tariff: SessionTariff;
  mode: SessionMode;
  currency: string;
  openedAtMs: number;
  state: 'open' | 'closing' | 'closed';
  settlement: SessionSettlement | null;
}

export interface ConnectorBody extends FlowBody {
  meterId: string;
  sessionId: string | null;
}

/** Who sells the charging (or buys the discharged energy): the offer's supplier, or under an OCPI tariff the charge point's owner. */
export function sellerOf(session: SessionBody): string {
  return session.supplierPartyId ?? session.chargePointOwnerPartyId;
}

export function offerGroup(currency: string, direction: OfferDirection): string {
  return `${OFFER_KIND}:${currency}:${direction}`;
}

export function offerStatus(offer: OfferBody, nowMs: number): OfferStatus {
  if (offer.state === 'withdrawn') return 'withdrawn';
  if (nowMs < offer.validFromMs) return 'upcoming';
  return nowMs < offer.validToMs ? 'in_force' : 'expired';
}

export function offerView(offer: OfferBody, nowMs: number): OfferBody & { status: OfferStatus } {
  return { ...offer, status: offerStatus(offer, nowMs) };
}

/** Every object of `kind` matching `query`, page by page in id order. */
export async function* allFlowObjects<T extends FlowBody>(
  reader: FlowReader, kind: string, query: Omit<FlowListQuery, 'limit' | 'afterId'>,
): AsyncIterable<FlowObject<T>> {
  let afterId: string | undefined;
  for (;;) {
    const page = await reader.list<T>(kind, afterId === undefined ? { ...query, limit: LIST_PAGE } : { ...query, afterId, limit: LIST_PAGE });
    yield* page;
    if (page.length < LIST_PAGE) return;
    afterId = page[page.length - 1]!.id;
  }
}

/** The party's wallet in `currency` must exist: flows settle into wallets, never into accounts they invent. */
export async function requireWallet(context: ApiContext, partyId: string, currency: string): Promise<string> {
  const accountId = walletAccountId(partyId, currency);
  const [account] = await context.store.ledger.ledgerRead((reader) => reader.readAccounts([accountId]));
  if (account === undefined) throw new FlowError('wallet_required', `party ${partyId} has no wallet in ${currency}; open one with POST /v1/wallets`);
  return accountId;
}
