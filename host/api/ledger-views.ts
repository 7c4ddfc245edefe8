// Ledger rows as the API shows them: µ amounts as SPEC §1 decimal strings
// with exactly 6 decimals (bigint never becomes a JSON number), hashes as
// lowercase hex, signatures base64.
import type { AccountRow, BalanceRow, BlockRow, LeafRow, TransferRow } from '../store/ledger-store.js';
import { blockHeader } from '../ledger/blocks.js';
import type { TransferEvent } from '../ledger/types.js';
import { formatMicro, microOfDecimal } from '../decimal.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

export function balanceView(balance: BalanceRow | undefined) {
  return {
    debitsPosted: formatMicro(balance?.debitsPostedMicro ?? 0n), creditsPosted: formatMicro(balance?.creditsPostedMicro ?? 0n),
    debitsPending: formatMicro(balance?.debitsPendingMicro ?? 0n), creditsPending: formatMicro(balance?.creditsPendingMicro ?? 0n),
  };
}

export function accountView(account: AccountRow, balance: BalanceRow | undefined) {
  const { id, party, currency, kind, flags, seq } = account;
  return { id, party, currency, kind, flags, index: seq, balance: balanceView(balance) };
}

export function transferView(row: TransferRow) {
  const view: Record<string, unknown> = {
    id: row.id, index: row.seq, type: row.type, debit: row.debit, credit: row.credit, amount: formatMicro(row.amountMicro),
    currency: row.currency, code: row.code, ts: row.ts, refs: JSON.parse(row.refs) as string[],
  };
  if (row.pendingId !== null) view.pendingId = row.pendingId;
  if (row.timeoutMs !== null) view.timeoutMs = row.timeoutMs;
  if (row.expiresAtMs !== null) view.expiresAtMs = row.expiresAtMs;
  if (row.reason !== null) view.reason = row.reason;
  return view;
}

export function leafView(row: LeafRow) {
  return { index: row.seq, kind: row.kind, recordId: row.recordId, leafBase64: Buffer.from(row.leaf).toString('base64'), leafHash: hex(row.hash) };
}

export function blockView(block: BlockRow, publicKeyId: string) {
  return { ...blockHeader(block), signatureBase64: Buffer.from(block.signature).toString('base64'), publicKeyId };
}

export const hashesView = (hashes: readonly Uint8Array[]): string[] => hashes.map(hex);
export const hashView = hex;

/** The wire form of a transfer event: `amount` a decimal string of currency units (the schema checked its form). */
export interface TransferEventBody {
  type: TransferEvent['type'];
  id: string;
  ts: number;
  refs?: string[];
  debit?: string;
  credit?: string;
  amount?: string;
  currency?: string;
  code?: number;
  timeoutMs?: number;
  pendingId?: string;
}

/** The ledger's event; members the type needs but the body lacks stay undefined and get the ledger's result code. */
export function transferEventOf(body: TransferEventBody): TransferEvent {
  const { amount, ...rest } = body;
  return { ...rest, ...(amount === undefined ? {} : { amountMicro: microOfDecimal(amount) }) } as TransferEvent;
}
