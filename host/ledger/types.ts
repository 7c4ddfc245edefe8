// Ledger inputs (SPEC §5). Money is integer µ (bigint), times epoch ms.

export const AccountFlags = {
  /** Prepaid: debits (posted + pending) may never pass posted credits. */
  debitsMustNotExceedCredits: 1,
  /** The mirror image, e.g. a liability that may not go below zero. */
  creditsMustNotExceedDebits: 2,
} as const;

export const ACCOUNT_FLAGS_ALL = AccountFlags.debitsMustNotExceedCredits | AccountFlags.creditsMustNotExceedDebits;

export interface AccountInput {
  id: string;
  party: string;
  /** ISO 4217 code. */
  currency: string;
  /** Free classification (asset, liability, revenue, prepaid, …). */
  kind: string;
  flags: number;
}

interface EventBase {
  id: string;
  /** Business time given by the client, epoch ms; part of the idempotent body. */
  ts: number;
  /** Ids of earlier transfers this one corrects or relates to. */
  refs?: string[];
}

/** An immediate transfer: posted at once. */
export interface SingleTransfer extends EventBase {
  type: 'single';
  debit: string;
  credit: string;
  amountMicro: bigint;
  currency: string;
  code: number;
}

/** Phase one: reserves `amountMicro` until posted, voided or expired. */
export interface PendingTransfer extends Omit<SingleTransfer, 'type'> {
  type: 'pending';
  timeoutMs: number;
}

/** Phase two: posts `amountMicro` ≤ the pending amount; the rest is released. */
export interface PostTransfer extends EventBase {
  type: 'post';
  pendingId: string;
  amountMicro: bigint;
}

export interface VoidTransfer extends EventBase {
  type: 'void';
  pendingId: string;
}

export type TransferEvent = SingleTransfer | PendingTransfer | PostTransfer | VoidTransfer;

export interface Balance {
  debitsPostedMicro: bigint;
  creditsPostedMicro: bigint;
  debitsPendingMicro: bigint;
  creditsPendingMicro: bigint;
}
