// The rules of SPEC §5 transfers, applied to one batch in memory: the caller
// loads every account, balance and transfer the batch can touch, applies the
// events in order (later events see earlier ones), then writes what was
// accepted. Pure: no I/O, no clock but `nowMs`.
import type { AccountRow, BalanceRow, TransferRow } from '../store/ledger-store.js';
import { AccountFlags, type PendingTransfer, type SingleTransfer, type TransferEvent } from './types.js';
import type { TransferResult } from './result-codes.js';
import { refsText } from './records.js';
import { nameFault } from '../ids.js';
import {
  LEDGER_AMOUNT_MICRO_MAX, LEDGER_BALANCE_MICRO_MAX, LEDGER_ID_LENGTH_MAX, LEDGER_PENDING_TIMEOUT_MS_MAX,
  LEDGER_REFS_MAX, LEDGER_TRANSFER_CODE_MAX,
} from '../limits.js';

/** Marks ids the ledger derives itself, so they can never collide with a client's. */
export const RESERVED_ID_CHAR = '#';

const TRANSFER_TYPES: ReadonlySet<string> = new Set(['single', 'pending', 'post', 'void']);

/** An account the batch can touch: its row, and its balance, changed in place. */
export interface AccountState {
  row: AccountRow;
  balance: BalanceRow;
  /** The balance changed in this batch, so it is written back. */
  touched: boolean;
}

export interface BatchState {
  accounts: Map<string, AccountState>;
  /** Stored transfers and the ones accepted so far in this batch, by id. */
  transfers: Map<string, TransferRow>;
  /** The post or void of each resolved pending, by pending id. */
  resolutions: Map<string, TransferRow>;
}

/** `refs` when an event has none (no array per event). */
export const NO_REFS: readonly string[] = [];

/** A ledger id in the id grammar's characters (host/ids.ts); '#' is checked where an id may not be derived. */
export function isValidId(id: unknown): id is string {
  return nameFault(id, LEDGER_ID_LENGTH_MAX) === null;
}

function isAmount(amount: unknown): amount is bigint {
  return typeof amount === 'bigint' && amount > 0n && amount <= LEDGER_AMOUNT_MICRO_MAX;
}

/** Checks that need no stored state. */
export function validateEvent(event: TransferEvent): TransferResult | null {
  // '#' is reserved for ids the ledger derives (expiry voids).
  if (!isValidId(event.id) || event.id.includes(RESERVED_ID_CHAR)) return 'invalid_id';
  if (!TRANSFER_TYPES.has(event.type)) return 'invalid_type';
  if (!Number.isSafeInteger(event.ts) || event.ts < 0) return 'invalid_timestamp';
  const refs = event.refs ?? [];
  if (!Array.isArray(refs) || refs.length > LEDGER_REFS_MAX || !refs.every(isValidId)) return 'invalid_refs';
  if (event.type === 'void') return isValidId(event.pendingId) ? null : 'pending_not_found';
  if (!isAmount(event.amountMicro)) return 'invalid_amount';
  if (event.type === 'post') return isValidId(event.pendingId) ? null : 'pending_not_found';
  if (!isValidId(event.debit) || !isValidId(event.credit)) return 'account_not_found';
  if (event.debit === event.credit) return 'same_account';
  if (!Number.isInteger(event.code) || event.code < 0 || event.code > LEDGER_TRANSFER_CODE_MAX) return 'invalid_code';
  if (event.type === 'pending') {
    const timeoutMs = event.timeoutMs;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > LEDGER_PENDING_TIMEOUT_MS_MAX) return 'invalid_timeout';
  }
  return null;
}

/** Same id, same body: what a retry must match (server-set members such as expiresAt excluded). */
export function sameBody(event: TransferEvent, row: TransferRow): boolean {
  if (event.type !== row.type || event.ts !== row.ts || refsText(event.refs ?? NO_REFS) !== row.refs) return false;
  switch (event.type) {
    case 'void':
      return event.pendingId === row.pendingId;
    case 'post':
      return event.pendingId === row.pendingId && event.amountMicro === row.amountMicro;
    default:
      return event.debit === row.debit && event.credit === row.credit && event.amountMicro === row.amountMicro &&
        event.currency === row.currency && event.code === row.code &&
        (event.type === 'single' || event.timeoutMs === row.timeoutMs);
  }
}

function accountOf(state: BatchState, accountId: string): AccountState {
  const account = state.accounts.get(accountId);
  if (account === undefined) throw new Error(`ledger: account ${accountId} was not loaded`);
  return account;
}

function checkLimits(debit: AccountState, credit: AccountState, amountMicro: bigint): TransferResult | null {
  const d = debit.balance;
  const c = credit.balance;
  const debitsMicro = d.debitsPostedMicro + d.debitsPendingMicro + amountMicro;
  const creditsMicro = c.creditsPostedMicro + c.creditsPendingMicro + amountMicro;
  if ((debit.row.flags & AccountFlags.debitsMustNotExceedCredits) !== 0 && debitsMicro > d.creditsPostedMicro) return 'insufficient_funds';
  if ((credit.row.flags & AccountFlags.creditsMustNotExceedDebits) !== 0 && creditsMicro > c.debitsPostedMicro) return 'exceeds_debits';
  if (debitsMicro > LEDGER_BALANCE_MICRO_MAX || creditsMicro > LEDGER_BALANCE_MICRO_MAX) return 'overflow';
  return null;
}

function newRow(event: TransferEvent, debit: string, credit: string, amountMicro: bigint, currency: string, code: number): TransferRow {
  return {
    id: event.id, seq: -1, type: event.type, debit, credit, amountMicro, currency, code, ts: event.ts, refs: refsText(event.refs ?? NO_REFS),
    pendingId: event.type === 'post' || event.type === 'void' ? event.pendingId : null,
    timeoutMs: null, expiresAtMs: null, reason: null,
  };
}

/** Marks both balances for writing back; returns them. */
function touch(debit: AccountState, credit: AccountState): [BalanceRow, BalanceRow] {
  debit.touched = true;
  credit.touched = true;
  return [debit.balance, credit.balance];
}

function applyOpen(state: BatchState, event: SingleTransfer | PendingTransfer, nowMs: number): TransferResult | TransferRow {
  const debit = state.accounts.get(event.debit);
  const credit = state.accounts.get(event.credit);
  if (debit === undefined || credit === undefined) return 'account_not_found';
  if (debit.row.currency !== event.currency || credit.row.currency !== event.currency) return 'currency_mismatch';
  const refused = checkLimits(debit, credit, event.amountMicro);
  if (refused !== null) return refused;
  const row = newRow(event, debit.row.id, credit.row.id, event.amountMicro, event.currency, event.code);
  const [d, c] = touch(debit, credit);
  if (event.type === 'pending') {
    row.timeoutMs = event.timeoutMs;
    row.expiresAtMs = nowMs + event.timeoutMs;
    d.debitsPendingMicro += event.amountMicro;
    c.creditsPendingMicro += event.amountMicro;
  } else {
    d.debitsPostedMicro += event.amountMicro;
    c.creditsPostedMicro += event.amountMicro;
  }
  return row;
}

/** Why a pending cannot be resolved now, or null when it can. */
function pendingState(state: BatchState, pendingId: string, nowMs: number): TransferResult | TransferRow {
  const pending = state.transfers.get(pendingId);
  if (pending === undefined || pending.type !== 'pending') return 'pending_not_found';
  const resolution = state.resolutions.get(pendingId);
  if (resolution?.type === 'post') return 'pending_already_posted';
  if (resolution?.reason === 'expired') return 'pending_expired';
  if (resolution !== undefined) return 'pending_already_voided';
  if (nowMs >= pending.expiresAtMs!) return 'pending_expired';
  return pending;
}

/** Releases the pending amount and posts `postedMicro` of it (0 for a void). */
function resolve(state: BatchState, pending: TransferRow, event: TransferEvent, postedMicro: bigint, reason: string | null): TransferRow {
  const [d, c] = touch(accountOf(state, pending.debit), accountOf(state, pending.credit));
  d.debitsPendingMicro -= pending.amountMicro;
  c.creditsPendingMicro -= pending.amountMicro;
  d.debitsPostedMicro += postedMicro;
  c.creditsPostedMicro += postedMicro;
  const amountMicro = event.type === 'post' ? postedMicro : pending.amountMicro;
  const row = newRow(event, pending.debit, pending.credit, amountMicro, pending.currency, pending.code);
  row.reason = reason;
  state.resolutions.set(pending.id, row);
  return row;
}

function applyResolution(state: BatchState, event: TransferEvent & { pendingId: string }, nowMs: number): TransferResult | TransferRow {
  const pending = pendingState(state, event.pendingId, nowMs);
  if (typeof pending === 'string') return pending;
  if (event.type === 'post') {
    if (event.amountMicro > pending.amountMicro) return 'exceeds_pending';
    return resolve(state, pending, event, event.amountMicro, null);
  }
  return resolve(state, pending, event, 0n, 'voided');
}

/**
 * Applies one validated event: the row to append when it is accepted, else
 * its result code. Refs must name a stored transfer or one accepted earlier
 * in the batch.
 */
export function applyEvent(state: BatchState, event: TransferEvent, nowMs: number): TransferResult | TransferRow {
  const existing = state.transfers.get(event.id);
  if (existing !== undefined) return sameBody(event, existing) ? 'exists' : 'conflict';
  for (const ref of event.refs ?? NO_REFS) {
    if (!state.transfers.has(ref)) return 'ref_not_found';
  }
  const outcome = event.type === 'single' || event.type === 'pending' ? applyOpen(state, event, nowMs) : applyResolution(state, event, nowMs);
  if (typeof outcome !== 'string') state.transfers.set(outcome.id, outcome);
  return outcome;
}

/** The void an expiry sweep appends for `pending`; its id is derived, so a repeated sweep cannot double it. */
export function expiryVoid(state: BatchState, pending: TransferRow, nowMs: number): TransferRow {
  const event: TransferEvent = { type: 'void', id: `${pending.id}${RESERVED_ID_CHAR}expired`, pendingId: pending.id, ts: nowMs, refs: [] };
  const row = resolve(state, pending, event, 0n, 'expired');
  state.transfers.set(row.id, row);
  return row;
}
