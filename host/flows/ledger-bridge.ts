// How flows write to the ledger (SPEC §5): accounts and transfers with ids
// derived from the flow object they settle, so a retried step answers
// `exists` instead of posting twice, and results mapped to flow errors.
import { createHash } from 'node:crypto';
import type { ApiContext } from '../api/context.js';
import { LEDGER_ID_LENGTH_MAX } from '../limits.js';
import type { AccountInput, TransferEvent } from '../ledger/types.js';
import type { TransferResult } from '../ledger/result-codes.js';
import { AccountFlags } from '../ledger/types.js';
import { FlowError } from './errors.js';

/** Ledger transfer codes of the flows (settlement uses 1001/1002); a flow adds its own here. */
export const FLOW_TRANSFER_CODES = {
  walletTopUp: 2001,
  /** S6: an order's reservation (pending, later posted or voided) and a payment out of the market. */
  marketReserve: 2601,
  marketPayout: 2602,
  /** S1: a charging session, driver → supplier. */
  evCharging: 2101,
  /** S1: a discharging (V2G) session, supplier → driver. */
  evDischarging: 2102,
  /** S10: money into an appliance's prepaid account (from the operator's clearing account or the owner's wallet). */
  applianceTopUp: 3001,
  /** S10: an appliance's metered consumption of one window, appliance → supplier. */
  applianceConsumption: 3002,
  /** S10: a DR event's reward for achieved reduction, sponsor → appliance. */
  demandResponseReward: 3003,
  /** S3: the hold of a pre-authorisation (pending → post or void). */
  preauthHold: 2301,
  /** S4: the beneficiary pays an event's compensation into the sharing clearing account … */
  sharingCollect: 2401,
  /** … which pays each occupant its share. */
  sharingShare: 2402,
  /** S8: the receiver pays the sender for the delivered energy. */
  d2dSettlement: 2801,
  /** S2: transmission → supplier for a PPA delivery window, and its corrections (either way). */
  ppaDelivery: 2201,
  ppaCorrection: 2202,
  /** S7: buyer → seller for a validated M&V window. */
  p2pSettlement: 2701,
  /** S9: the attributed account → the grid connection point's network operator for a connection event. */
  connectionService: 2901,
  /** S1: a charging session under the charge point's OCPI tariff, driver → charge-point owner. */
  evOcpiCharging: 2103,
} as const;

/** A party's wallet in one currency: what flows debit and credit for it. */
export function walletAccountId(partyId: string, currency: string): string {
  return `wallet:${partyId}:${currency}`;
}

/** The operator's clearing account that top-ups come from (money paid in outside the ledger). */
export function clearingAccountId(partyId: string, currency: string): string {
  return `clearing:${partyId}:${currency}`;
}

export function walletAccount(partyId: string, currency: string, prepaid: boolean): AccountInput {
  const flags = prepaid ? AccountFlags.debitsMustNotExceedCredits : 0;
  return { id: walletAccountId(partyId, currency), party: partyId, currency, kind: prepaid ? 'prepaid' : 'wallet', flags };
}

/** Creates `accounts`; an account that exists with the same fields is fine, anything else is `ledger_refused`. */
export async function ensureAccounts(context: ApiContext, accounts: readonly AccountInput[]): Promise<void> {
  const results = await context.ledger.createAccounts(accounts, context.nowMs());
  results.forEach((result, index) => {
    if (result !== 'ok' && result !== 'exists') throw new FlowError('ledger_refused', `account ${accounts[index]!.id}: ${result}`);
  });
}

function flowErrorOfResult(event: TransferEvent, result: TransferResult): FlowError {
  if (result === 'insufficient_funds') return new FlowError('insufficient_funds', `transfer ${event.id}: the debit account's balance does not cover it`);
  return new FlowError('ledger_refused', `transfer ${event.id}: ${result}`);
}

/**
 * Posts `events` in order and returns their codes; the first that is neither
 * `ok` nor `exists` throws its flow error. The ledger applies each event on
 * its own, so a step whose transfers must all happen or none posts one.
 */
export async function postTransfers(context: ApiContext, events: readonly TransferEvent[]): Promise<TransferResult[]> {
  const results = await context.ledger.createTransfers(events, context.nowMs());
  results.forEach((result, index) => {
    if (result !== 'ok' && result !== 'exists') throw flowErrorOfResult(events[index]!, result);
  });
  return results;
}

/**
 * The record id of one flow step: its parts joined by ":", or the SHA-256 of
 * that when it would pass the ledger's id length (flow ids may be long).
 */
export function flowRecordId(...parts: string[]): string {
  const id = parts.join(':');
  return id.length <= LEDGER_ID_LENGTH_MAX ? id : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * Appends a flow record (contract, trade, DR event, …) as a ledger leaf
 * under `recordId` (flowRecordId of the step) and returns its index; a
 * retried step finds its first record and appends nothing. Readers besides
 * operators and regulators are the parties the body names in `party` or
 * `parties` (host/api/ledger-access.ts).
 */
export async function appendFlowRecord(context: ApiContext, recordId: string, kind: string, body: Record<string, unknown>): Promise<number> {
  return (await context.ledger.appendRecordOnce(recordId, kind, body, context.nowMs())).index;
}
