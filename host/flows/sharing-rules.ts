// S4 battery-sharing compensation, the pure part (docs/flows.md "S4"): a
// sharing event's kernel input (SPEC §4), its parties, and the ledger
// transfers that carry its result. SPEC §4: the beneficiary is debited the
// compensation and each occupant credited its share. The money goes through
// the operator's sharing clearing account, prepaid-flagged, so that the
// beneficiary's one debit decides for the whole event (a prepaid wallet that
// cannot cover it refuses it, and nothing is paid out) and the clearing
// account can never pay out more than it collected. SPEC §5: the posting
// unit is µ, and the shares are the largest-remainder split of the
// compensation (host/ledger/posting.ts).
import { formatMicro, parseMicro } from '../decimal.js';
import { invalidInput } from '../errors.js';
import type { ShareOutput } from '../engine/share.js';
import { largestRemainderSplit, MICRO, postingUnitMicro } from '../ledger/posting.js';
import { AccountFlags, type AccountInput, type SingleTransfer } from '../ledger/types.js';
import { LEDGER_AMOUNT_MICRO_MAX } from '../limits.js';
import type { FlowBody } from '../store/flow-store.js';
import { FLOW_TRANSFER_CODES, walletAccountId } from './ledger-bridge.js';

export const SHARING_EVENT_KIND = 's4-sharing-event';
export const SHARING_RECORD = 'sharing-event';

export interface SharingOccupant extends FlowBody {
  partyId: string;
  /** The occupant's weight in the split (SPEC §4 `share`, 1 … 10^6); the kernel checks it. */
  share: unknown;
}

/** A sharing event as submitted, without its id. The SPEC §4 fields are passed to the kernel as they came. */
export interface SharingRequest extends FlowBody {
  currency: string;
  ts: number;
  providerPartyId: string;
  beneficiaryPartyId: string;
  energyMWh: unknown;
  durationMs: unknown;
  capacityMWh: unknown;
  price: unknown;
  alphaPpm: unknown;
  betaPpm: unknown;
  cRefPpm: unknown;
  occupants: SharingOccupant[];
}

/** The SPEC §4 / §7 `share` input of the event: occupants are named by their party ids. */
export function shareInputOf(request: SharingRequest): unknown {
  const { energyMWh, durationMs, capacityMWh, price, alphaPpm, betaPpm, cRefPpm } = request;
  const occupants = request.occupants.map((occupant) => ({ id: occupant.partyId, share: occupant.share }));
  return { energyMWh, durationMs, capacityMWh, price, alphaPpm, betaPpm, cRefPpm, occupants };
}

/** The provider shares with someone else, and the beneficiary does not compensate itself (`invalid_input`). */
export function checkSharingParties(request: SharingRequest): void {
  if (request.providerPartyId === request.beneficiaryPartyId) throw invalidInput('providerPartyId and beneficiaryPartyId must differ');
  const index = request.occupants.findIndex((occupant) => occupant.partyId === request.beneficiaryPartyId);
  if (index >= 0) throw invalidInput(`occupant ${index} is the beneficiary, who pays the compensation`);
}

/** Everyone the event names, once each, in order: provider, beneficiary, occupants. They read the event and its record. */
export function sharingParties(request: SharingRequest): string[] {
  return [...new Set([request.providerPartyId, request.beneficiaryPartyId, ...request.occupants.map((occupant) => occupant.partyId)])];
}

export const collectTransferId = (eventId: string): string => `s4:${eventId}:collect`;
export const shareTransferId = (eventId: string, occupantIndex: number): string => `s4:${eventId}:${occupantIndex}`;

/** The clearing account sharing money passes through: it may never pay out more than it collected. */
export function sharingClearingAccount(operatorPartyId: string, currency: string): AccountInput {
  return { id: `s4-clearing:${operatorPartyId}:${currency}`, party: operatorPartyId, currency, kind: 'clearing', flags: AccountFlags.debitsMustNotExceedCredits };
}

const microOf = (amount: string, field: string): bigint => parseMicro(amount, field, 0n, LEDGER_AMOUNT_MICRO_MAX);

export interface SharingTransfers {
  /** Each occupant's share of the compensation, µ, in occupant order. */
  sharesMicro: bigint[];
  /** Beneficiary → clearing, the compensation; null when it is 0 µ. */
  collect: SingleTransfer | null;
  /** Clearing → occupant i, its share, for every share above 0 µ (index i kept in the id). */
  shares: SingleTransfer[];
}

export function sharingTransfers(eventId: string, request: SharingRequest, result: ShareOutput, clearingAccountId: string): SharingTransfers {
  const { currency, ts } = request;
  const compensationMicro = microOf(result.compensation, 'compensation');
  // The kernel has checked every share (1 … 10^6), so each is a safe integer.
  const weights = request.occupants.map((occupant) => BigInt(occupant.share as number));
  const sharesMicro = largestRemainderSplit(compensationMicro, weights, postingUnitMicro(MICRO));
  if (compensationMicro === 0n) return { sharesMicro, collect: null, shares: [] };
  const collect: SingleTransfer = {
    type: 'single', id: collectTransferId(eventId), debit: walletAccountId(request.beneficiaryPartyId, currency), credit: clearingAccountId,
    amountMicro: compensationMicro, currency, code: FLOW_TRANSFER_CODES.sharingCollect, ts,
  };
  const shares = sharesMicro.flatMap((amountMicro, index): SingleTransfer[] => {
    if (amountMicro === 0n) return [];
    return [{
      type: 'single', id: shareTransferId(eventId, index), debit: clearingAccountId,
      credit: walletAccountId(request.occupants[index]!.partyId, currency), amountMicro, currency,
      code: FLOW_TRANSFER_CODES.sharingShare, ts, refs: [collect.id],
    }];
  });
  return { sharesMicro, collect, shares };
}

/** The event with its kernel result and transfers: the flow's API view and (with `parties`) its ledger record body. */
export function sharingEventBody(eventId: string, request: SharingRequest, result: ShareOutput, transfers: SharingTransfers) {
  const transferIds = new Set(transfers.shares.map((transfer) => transfer.id));
  return {
    id: eventId, currency: request.currency, ts: request.ts, providerPartyId: request.providerPartyId, beneficiaryPartyId: request.beneficiaryPartyId,
    energyMWh: request.energyMWh, durationMs: request.durationMs, capacityMWh: request.capacityMWh, price: request.price,
    alphaPpm: request.alphaPpm, betaPpm: request.betaPpm, cRefPpm: request.cRefPpm,
    avgPowerMilliW: result.avgPowerMilliW, cRatePpm: result.cRatePpm, dodPpm: result.dodPpm, weightPpm: result.weightPpm,
    base: result.base, compensation: result.compensation, collectTransferId: transfers.collect?.id ?? null,
    occupants: request.occupants.map((occupant, index) => ({
      partyId: occupant.partyId, share: occupant.share, amount: formatMicro(transfers.sharesMicro[index]!),
      transferId: transferIds.has(shareTransferId(eventId, index)) ? shareTransferId(eventId, index) : null,
    })),
  };
}
