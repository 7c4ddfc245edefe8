// The working state of S10 demand response (docs/flows.md "Demand
// response") as flow objects, the ledger ids derived from them, and the views
// the API answers with. Energy is integer mWh (safe integers), money integer
// µ as strings, prices µ per kWh as strings.
import type { Party } from '../store/party-store.js';
import type { FlowObject } from '../store/flow-store.js';
import type { BalanceRow } from '../store/ledger-store.js';
import type { ApiContext } from '../api/context.js';
import { notFoundUnlessVisible } from '../api/auth.js';
import { ApiError } from '../api/errors.js';
import { formatMicro, formatMinimal } from '../decimal.js';
import { FlowError } from './errors.js';

export const APPLIANCE_KIND = 'dr-appliance';
/** One per meter, naming its appliance: a meter binds at most one appliance. */
export const APPLIANCE_METER_KIND = 'dr-appliance-meter';
export const BILLING_KIND = 'dr-billing';
export const EVENT_KIND = 'dr-event';
export const SIGNAL_KIND = 'dr-signal';
export const SETTLEMENT_KIND = 'dr-settlement';
export const EVENT_RECORD = 'dr-event';
export const SETTLEMENT_RECORD = 'dr-settlement';

export interface Geo {
  lat: string;
  lon: string;
}

export type ApplianceBody = {
  meterId: string;
  supplierPartyId: string;
  currency: string;
  priceMicroPerKWh: string;
  flexiblePowerW: number;
  /** base64 of the appliance key sealed under the server key (host/store/secret-seal.ts). */
  keySealed: string;
  status: 'active' | 'suspended';
  /** End of the last billed window; windows move forward from here. */
  billedToMs: number | null;
  /** The billing whose debit is not posted yet (the appliance is suspended if it was refused). */
  unpaidBillingId: string | null;
  /** End of the last DR event the appliance takes part in. */
  drBusyUntilMs: number | null;
  geo: Geo | null;
};

export type BillingBody = {
  applianceId: string;
  fromMs: number;
  toMs: number;
  energyMWh: number;
  /** Import over the window that the aggregation left unassigned (gaps, spikes): not billed, reported. */
  unassignedMWh: number;
  unassignedSpans: number;
  amountMicro: string;
  status: 'paid' | 'unpaid';
  transferId: string | null;
};

export type AllocationEntry = { applianceId: string; ownerPartyId: string; flexiblePowerW: number; reductionW: number };

export type EventBody = {
  sponsorPartyId: string;
  currency: string;
  targetW: number;
  fromMs: number;
  toMs: number;
  rewardPriceMicroPerKWh: string;
  holidays: string[];
  /** IANA zone of the baseline's calendar days; events stored before it existed are UTC. */
  timezone?: string;
  allocations: AllocationEntry[];
  status: 'announced' | 'settling' | 'settled';
  recordLeafIndex: number | null;
  totalRewardMicro: string | null;
  settledAtMs: number | null;
};

export type SignalBody = {
  eventId: string;
  applianceId: string;
  expiresAtMs: number;
  /** The envelope (host/flows/dr-signal.ts), base64url. */
  signal: string;
  ackTokenSha256: string;
  status: 'pending' | 'acknowledged';
  acknowledgedAtMs: number | null;
};

export type IntervalReductionBody = { startMs: number; baselineMWh: number; actualMWh: number; achievedMWh: number };

export type SettlementBody = {
  eventId: string;
  applianceId: string;
  ownerPartyId: string;
  meterId: string;
  outcome: 'ok' | 'insufficient_history' | 'missing_readings';
  likeDays: string[];
  intervals: IntervalReductionBody[];
  achievedMWh: number;
  /** The meter's import over the event window in its intervals (whatever the outcome), and what the aggregation left unassigned (gaps, spikes). */
  eventImportMWh: number;
  unassignedMWh: number;
  unassignedSpans: number;
  rewardMicro: string;
  transferId: string | null;
  recordLeafIndex: number | null;
  geo: Geo | null;
};

export function applianceAccountId(applianceId: string): string {
  return `appliance:${applianceId}`;
}

/** The sealed key's associated data: '/' is in no gateway id, so it cannot pass for a gateway secret's. */
export function applianceKeyContext(applianceId: string): string {
  return `${APPLIANCE_KIND}/${applianceId}`;
}

/** DR ids hold no ':', so these composite ids cannot collide. */
export function pairId(first: string, second: string): string {
  return `${first}:${second}`;
}

export const drTransferIds = {
  topUp: (applianceId: string, topUpId: string) => `s10:top-up:${applianceId}:${topUpId}`,
  consumption: (applianceId: string, fromMs: number, toMs: number) => `s10:bill:${applianceId}:${fromMs}-${toMs}`,
  reward: (eventId: string, applianceId: string) => `s10:reward:${eventId}:${applianceId}`,
};

/** The appliance, or 404 when it does not exist or `caller` may not see it (its owner, its supplier, read-all roles). */
export async function visibleAppliance(context: ApiContext, caller: Party, applianceId: string): Promise<FlowObject<ApplianceBody>> {
  const appliance = await context.store.flows.get<ApplianceBody>(APPLIANCE_KIND, applianceId);
  if (appliance === null) throw new ApiError('not_found', `appliance ${applianceId} not found`);
  notFoundUnlessVisible(caller, [appliance.ownerPartyId, appliance.body.supplierPartyId], `appliance ${applianceId}`);
  return appliance;
}

/** Refuses a caller who may see the appliance but is not one of `allowed` (403). */
export function requireOneOf(caller: Party, allowed: ReadonlyArray<string | null>, action: string): void {
  if (!allowed.includes(caller.partyId)) throw new ApiError('forbidden', `party ${caller.partyId} may not ${action}`);
}

export async function accountExists(context: ApiContext, accountId: string): Promise<boolean> {
  const [account] = await context.store.ledger.ledgerRead((reader) => reader.readAccounts([accountId]));
  return account !== undefined;
}

/** What a prepaid account holds: posted credits − posted debits − pending debits. */
function availableMicro(balance: BalanceRow | undefined): bigint {
  if (balance === undefined) return 0n;
  return balance.creditsPostedMicro - balance.debitsPostedMicro - balance.debitsPendingMicro;
}

export async function availableBalanceMicro(context: ApiContext, accountId: string): Promise<bigint> {
  return availableMicro((await context.ledger.balances([accountId])).get(accountId));
}

/** The views of `appliances`, their balances read in one go. */
export async function applianceViews(context: ApiContext, appliances: ReadonlyArray<FlowObject<ApplianceBody>>) {
  const balances = await context.ledger.balances(appliances.map((appliance) => applianceAccountId(appliance.id)));
  return appliances.map((appliance) => {
    const { body } = appliance;
    const accountId = applianceAccountId(appliance.id);
    return {
      id: appliance.id, ownerPartyId: appliance.ownerPartyId, meterId: body.meterId, supplierPartyId: body.supplierPartyId,
      currency: body.currency, price: formatMinimal(BigInt(body.priceMicroPerKWh), 6), flexiblePowerW: body.flexiblePowerW,
      status: body.status, accountId, balance: formatMicro(availableMicro(balances.get(accountId))),
      billedToMs: body.billedToMs, unpaidBillingId: body.unpaidBillingId, geo: body.geo,
    };
  });
}

export async function applianceView(context: ApiContext, appliance: FlowObject<ApplianceBody>) {
  return (await applianceViews(context, [appliance]))[0]!;
}

export function billingView(billing: FlowObject<BillingBody>) {
  const { body } = billing;
  return {
    id: billing.id, applianceId: body.applianceId, fromMs: body.fromMs, toMs: body.toMs, energyMWh: body.energyMWh,
    unassignedMWh: body.unassignedMWh ?? 0, unassignedSpans: body.unassignedSpans ?? 0,
    amount: formatMicro(BigInt(body.amountMicro)), status: body.status, transferId: body.transferId,
  };
}

export function settlementView(settlement: FlowObject<SettlementBody>) {
  const { body } = settlement;
  return {
    applianceId: body.applianceId, ownerPartyId: body.ownerPartyId, meterId: body.meterId, outcome: body.outcome,
    likeDays: body.likeDays, intervals: body.intervals, achievedMWh: body.achievedMWh,
    eventImportMWh: body.eventImportMWh ?? null, unassignedMWh: body.unassignedMWh ?? 0, unassignedSpans: body.unassignedSpans ?? 0,
    reward: formatMicro(BigInt(body.rewardMicro)), transferId: body.transferId, recordLeafIndex: body.recordLeafIndex,
  };
}

export function eventView(event: FlowObject<EventBody>, settlements: ReadonlyArray<FlowObject<SettlementBody>>) {
  const { body } = event;
  return {
    id: event.id, sponsorPartyId: body.sponsorPartyId, currency: body.currency, targetW: body.targetW,
    fromMs: body.fromMs, toMs: body.toMs, rewardPrice: formatMinimal(BigInt(body.rewardPriceMicroPerKWh), 6),
    holidays: body.holidays, timezone: body.timezone ?? 'UTC', allocations: body.allocations, status: body.status, recordLeafIndex: body.recordLeafIndex,
    totalReward: body.totalRewardMicro === null ? null : formatMicro(BigInt(body.totalRewardMicro)),
    settledAtMs: body.settledAtMs, settlements: settlements.map(settlementView),
  };
}

/** Whether `error` is the flow error `code`. */
export function isFlowError(error: unknown, code: FlowError['code']): boolean {
  return error instanceof FlowError && error.code === code;
}
