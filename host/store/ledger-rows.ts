// Row mappers shared by both ledger stores: snake_case columns to the
// LedgerStore row types. Integers may arrive as bigint (both drivers are
// set to return BIGINT exactly); ids and sizes become numbers, money stays bigint.
import type { AccountRow, BalanceRow, BlockRow, LeafRow, NodeGroupRow, TransferRow, TransferType } from './ledger-store.js';

export type DatabaseRow = Record<string, unknown>;

function numberOrNull(value: unknown): number | null {
  return value === null ? null : Number(value);
}

export function toTransfer(row: DatabaseRow): TransferRow {
  return {
    id: row.id as string, seq: Number(row.seq), type: row.type as TransferType, debit: row.debit as string,
    credit: row.credit as string, amountMicro: BigInt(row.amount as bigint), currency: row.currency as string,
    code: Number(row.code), ts: Number(row.ts), refs: row.refs as string, pendingId: row.pending_id as string | null,
    timeoutMs: numberOrNull(row.timeout_ms), expiresAtMs: numberOrNull(row.expires_at_ms), reason: row.reason as string | null,
  };
}

export function toBalance(row: DatabaseRow): BalanceRow {
  return {
    accountId: row.account_id as string, debitsPostedMicro: BigInt(row.debits_posted as bigint),
    creditsPostedMicro: BigInt(row.credits_posted as bigint), debitsPendingMicro: BigInt(row.debits_pending as bigint),
    creditsPendingMicro: BigInt(row.credits_pending as bigint),
  };
}

export function toAccount(row: DatabaseRow): AccountRow {
  return {
    id: row.id as string, seq: Number(row.seq), party: row.party as string, currency: row.currency as string,
    kind: row.kind as string, flags: Number(row.flags),
  };
}

export function toBlock(row: DatabaseRow): BlockRow {
  return {
    height: Number(row.height), prevBlockHash: row.prev_block_hash as Uint8Array, treeSize: Number(row.tree_size),
    rootHash: row.root_hash as Uint8Array, ts: Number(row.ts), signature: row.signature as Uint8Array,
  };
}

export function toLeaf(row: DatabaseRow): LeafRow {
  return { seq: Number(row.seq), kind: row.kind as string, recordId: row.record_id as string, leaf: row.leaf as Uint8Array, hash: row.hash as Uint8Array };
}

export function toNodeGroup(row: DatabaseRow): NodeGroupRow {
  return { tier: Number(row.tier), group: Number(row.grp), hashes: row.hashes as Uint8Array };
}
