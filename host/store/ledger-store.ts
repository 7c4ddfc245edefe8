// The ledger's storage contract (SPEC §5). Stores keep rows; every rule
// (balances, idempotency, two-phase, the Merkle tree, blocks) lives in
// host/ledger/, which uses only this interface. Rows are append-only except
// `balances`, which is a materialised view written in the same transaction.

/** An account row; `seq` is the index of its leaf. */
export interface AccountRow {
  id: string;
  seq: number;
  party: string;
  currency: string;
  kind: string;
  flags: number;
}

export interface BalanceRow {
  accountId: string;
  debitsPostedMicro: bigint;
  creditsPostedMicro: bigint;
  debitsPendingMicro: bigint;
  creditsPendingMicro: bigint;
}

export type TransferType = 'single' | 'pending' | 'post' | 'void';

/** A transfer row; `refs` is the canonical JSON of the id array. */
export interface TransferRow {
  id: string;
  seq: number;
  type: TransferType;
  debit: string;
  credit: string;
  amountMicro: bigint;
  currency: string;
  code: number;
  ts: number;
  refs: string;
  pendingId: string | null;
  timeoutMs: number | null;
  expiresAtMs: number | null;
  reason: string | null;
}

/** A generic record (contract, trade, DR event, …); `body` is canonical JSON. */
export interface RecordRow {
  seq: number;
  kind: string;
  body: string;
  /** The client's id of the record (unique), or null: records without one are named by their index. */
  recordId: string | null;
}

/** A leaf of the log as read: the verbatim canonical JSON bytes of one record, and its leaf hash (node 0:seq). */
export interface LeafRow {
  seq: number;
  kind: string;
  recordId: string;
  leaf: Uint8Array;
  hash: Uint8Array;
}

/** The leaf kinds of the accounts and transfers tables (a generic record names its own). */
export const ACCOUNT_RECORD = 'account';
export const TRANSFER_RECORD = 'transfer';

/** A record row as written: stored with its leaf bytes and leaf hash in the same row. */
export interface Appended<Row> {
  row: Row;
  leaf: Uint8Array;
  hash: Uint8Array;
}

/**
 * One group of inner nodes (host/ledger/node-groups.ts): tier t's 15 nodes
 * above 16 nodes of level 4t, packed as 15 × 32 bytes.
 */
export interface NodeGroupRow {
  tier: number;
  group: number;
  hashes: Uint8Array;
}

export interface GroupKey {
  tier: number;
  group: number;
}

export interface BlockRow {
  height: number;
  prevBlockHash: Uint8Array;
  treeSize: number;
  rootHash: Uint8Array;
  ts: number;
  signature: Uint8Array;
}

/** A pending transfer not yet posted, voided or expired. */
export interface OpenPendingRow {
  id: string;
  expiresAtMs: number;
}

/** Everything one write transaction appends, and the derived rows it sets. */
export interface LedgerWrites {
  accounts: Array<Appended<AccountRow>>;
  transfers: Array<Appended<TransferRow>>;
  records: Array<Appended<RecordRow>>;
  /** Groups of inner nodes completed by this write. */
  nodeGroups: NodeGroupRow[];
  balances: BalanceRow[];
  blocks: BlockRow[];
  /** Inserted before `pendingClosed` is deleted (a pending can open and close in one batch). */
  pendingOpened: OpenPendingRow[];
  pendingClosed: string[];
}

export interface LedgerReader {
  /** Leaves in the log (the next leaf's index). */
  treeSize(): Promise<number>;
  /** The leaf hashes of the leaves among `seqs` that exist, by seq. */
  readLeafHashes(seqs: readonly number[]): Promise<Map<number, Uint8Array>>;
  /** The stored groups among `keys`, by groupKey; missing ones are absent. */
  readNodeGroups(keys: readonly GroupKey[]): Promise<Map<string, Uint8Array>>;
  /** Groups of one tier with fromGroup ≤ group < toGroup, in order. */
  readNodeGroupRange(tier: number, fromGroup: number, toGroup: number): Promise<NodeGroupRow[]>;
  /** Highest tier that holds any group, or -1. */
  maxNodeTier(): Promise<number>;
  /** Leaves with fromSeq ≤ seq < toSeq, in order, from the tables of their records. */
  readLeaves(fromSeq: number, toSeq: number): Promise<LeafRow[]>;
  readAccounts(ids: readonly string[]): Promise<AccountRow[]>;
  readAccountsBySeq(fromSeq: number, toSeq: number): Promise<AccountRow[]>;
  readBalances(ids: readonly string[]): Promise<BalanceRow[]>;
  /** All balances in id order (bytewise), after `afterId`, at most `limit`. */
  readBalancePage(afterId: string | null, limit: number): Promise<BalanceRow[]>;
  readTransfers(ids: readonly string[]): Promise<TransferRow[]>;
  readTransfersBySeq(fromSeq: number, toSeq: number): Promise<TransferRow[]>;
  /** The posts and voids that resolve any of `pendingIds`. */
  readResolutions(pendingIds: readonly string[]): Promise<TransferRow[]>;
  /** Unresolved pending transfers with expiresAtMs ≤ nowMs, oldest first. */
  readExpiredPending(nowMs: number, limit: number): Promise<TransferRow[]>;
  /** Open pendings in id order (bytewise), after `afterId`, at most `limit`. */
  readOpenPendingPage(afterId: string | null, limit: number): Promise<OpenPendingRow[]>;
  readRecordsBySeq(fromSeq: number, toSeq: number): Promise<RecordRow[]>;
  /** The generic record with this client id, if any. */
  readRecordById(recordId: string): Promise<RecordRow | null>;
  lastBlock(): Promise<BlockRow | null>;
  readBlocks(fromHeight: number, limit: number): Promise<BlockRow[]>;
}

export interface LedgerTransaction extends LedgerReader {
  write(writes: LedgerWrites): Promise<void>;
}

export interface LedgerStore {
  /**
   * Runs `work` in one transaction, serialised against every other ledger
   * writer on every host, so leaf indexes have no gaps and no duplicates.
   * A throw rolls everything back.
   */
  ledgerWrite<T>(work: (transaction: LedgerTransaction) => Promise<T>): Promise<T>;
  /** Runs `work` on a consistent snapshot. */
  ledgerRead<T>(work: (reader: LedgerReader) => Promise<T>): Promise<T>;
}

export function groupKey(tier: number, group: number): string {
  return `${tier}:${group}`;
}

export function emptyWrites(): LedgerWrites {
  return { accounts: [], transfers: [], records: [], nodeGroups: [], balances: [], blocks: [], pendingOpened: [], pendingClosed: [] };
}
