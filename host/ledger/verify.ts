// verifyLedger (SPEC §5): recomputes everything from storage and reports the
// first record that does not match. Order: leaves in index order (each
// against the columns of its row and its stored leaf hash), then every
// stored group of inner nodes, tier by tier, then a held head when given
// (trusted-head.ts), then blocks (root at their size, hash chain,
// signature), then balances and open pendings (recomputed from the
// transfers). Pages keep memory flat.
import type { KeyObject } from 'node:crypto';
import type { Hash } from './merkle.js';
import { fastLeafHash as leafHash, fastNodeHash as nodeHash } from './sha256.js';
import { rootAt, withStoredNodes } from './merkle-log.js';
import { completeGroups, GROUP_BASE, GROUP_SLOTS, nodeOfSlot, slotHash, topOf } from './node-groups.js';
import { accountRecord, genericRecord, leafBytesOf, transferRecord, TRANSFER_RECORD } from './records.js';
import { blockHash, verifyBlockSignature, GENESIS_PREV_HASH } from './blocks.js';
import { headMismatch } from './trusted-head.js';
import type { BalanceRow, BlockRow, LeafRow, LedgerReader, LedgerStore, TransferRow } from '../store/ledger-store.js';

export interface VerifyLocation {
  kind: string;
  id?: string;
  index?: number;
  level?: number;
  height?: number;
}

/** `unsealedRecords`: leaves after the last block; `trustedHead`: the held head the log was proved to extend. */
export type VerifyReport =
  | { ok: true; treeSize: number; blocks: number; unsealedRecords: number; trustedHead?: { height: number; treeSize: number } }
  | { ok: false; at: VerifyLocation; reason: string };

export interface VerifyOptions {
  /** A signed head held from earlier (trustedHeadFrom): the current log must extend it. */
  trustedHead?: BlockRow;
}

class Mismatch extends Error {
  constructor(readonly at: VerifyLocation, readonly reason: string) {
    super(reason);
  }
}

const VERIFY_PAGE = 4_096;

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

type Balances = Map<string, BalanceRow>;

function zeroBalance(accountId: string): BalanceRow {
  return { accountId, debitsPostedMicro: 0n, creditsPostedMicro: 0n, debitsPendingMicro: 0n, creditsPendingMicro: 0n };
}

/** Replays one transfer row's effect; pendings are found in `pendings` (all earlier transfers). */
function replayTransfer(balances: Balances, pendings: Map<string, TransferRow>, row: TransferRow): void {
  const d = balances.get(row.debit);
  const c = balances.get(row.credit);
  if (d === undefined || c === undefined) throw new Mismatch({ kind: TRANSFER_RECORD, id: row.id }, 'names an account that does not exist');
  if (row.type === 'single') {
    d.debitsPostedMicro += row.amountMicro;
    c.creditsPostedMicro += row.amountMicro;
  } else if (row.type === 'pending') {
    d.debitsPendingMicro += row.amountMicro;
    c.creditsPendingMicro += row.amountMicro;
    pendings.set(row.id, row);
  } else {
    const pending = pendings.get(row.pendingId ?? '');
    if (pending === undefined) throw new Mismatch({ kind: TRANSFER_RECORD, id: row.id }, 'resolves no earlier pending transfer');
    pendings.delete(pending.id);
    d.debitsPendingMicro -= pending.amountMicro;
    c.creditsPendingMicro -= pending.amountMicro;
    const postedMicro = row.type === 'post' ? row.amountMicro : 0n;
    d.debitsPostedMicro += postedMicro;
    c.creditsPostedMicro += postedMicro;
  }
}

interface PageRecords {
  bytesBySeq: Map<number, { bytes: Uint8Array; transfer?: TransferRow; accountId?: string }>;
}

async function loadPageRecords(reader: LedgerReader, from: number, to: number): Promise<PageRecords> {
  const bytesBySeq: PageRecords['bytesBySeq'] = new Map();
  for (const row of await reader.readAccountsBySeq(from, to)) {
    bytesBySeq.set(row.seq, { bytes: leafBytesOf(accountRecord(row)), accountId: row.id });
  }
  for (const row of await reader.readTransfersBySeq(from, to)) {
    bytesBySeq.set(row.seq, { bytes: leafBytesOf(transferRecord(row)), transfer: row });
  }
  for (const row of await reader.readRecordsBySeq(from, to)) {
    bytesBySeq.set(row.seq, { bytes: leafBytesOf(genericRecord(row)) });
  }
  return { bytesBySeq };
}

/** One leaf: its stored bytes vs its row's columns, and vs its stored leaf hash; names whichever was changed. */
function checkLeaf(seq: number, leaf: LeafRow | undefined, records: PageRecords): void {
  if (leaf === undefined) throw new Mismatch({ kind: 'leaf', index: seq }, 'leaf is missing');
  const record = records.bytesBySeq.get(seq)!;
  const hashMatches = equalBytes(leafHash(leaf.leaf), leaf.hash);
  if (!equalBytes(record.bytes, leaf.leaf)) {
    // The leaf still hashes to its stored hash: the row's columns were changed; otherwise the leaf bytes were.
    if (hashMatches) throw new Mismatch({ kind: leaf.kind, id: leaf.recordId, index: seq }, 'stored record differs from its leaf bytes');
    throw new Mismatch({ kind: 'leaf', index: seq }, 'leaf bytes differ from the stored record and from their hash');
  }
  if (!hashMatches) throw new Mismatch({ kind: 'node', level: 0, index: seq }, 'leaf hash differs from the stored node');
}

interface Replayed {
  balances: Balances;
  /** Pendings no later record resolves. */
  openPendings: Map<string, TransferRow>;
}

async function verifyLeaves(reader: LedgerReader, size: number): Promise<Replayed> {
  const balances: Balances = new Map();
  const pendings = new Map<string, TransferRow>();
  for (let from = 0; from < size; from += VERIFY_PAGE) {
    const to = Math.min(size, from + VERIFY_PAGE);
    const leaves = new Map((await reader.readLeaves(from, to)).map((leaf) => [leaf.seq, leaf]));
    const records = await loadPageRecords(reader, from, to);
    for (let seq = from; seq < to; seq += 1) {
      checkLeaf(seq, leaves.get(seq), records);
      const record = records.bytesBySeq.get(seq)!;
      if (record.accountId !== undefined) balances.set(record.accountId, zeroBalance(record.accountId));
      if (record.transfer !== undefined) replayTransfer(balances, pendings, record.transfer);
    }
  }
  return { balances, openPendings: pendings };
}

/** The base nodes of groups [fromGroup, toGroup) of `tier`: leaf hashes, or the top nodes of the tier below. */
async function baseNodes(reader: LedgerReader, tier: number, fromGroup: number, toGroup: number): Promise<Hash[]> {
  const [from, to] = [fromGroup * GROUP_BASE, toGroup * GROUP_BASE];
  if (tier === 0) {
    const hashes = await reader.readLeafHashes(Array.from({ length: to - from }, (_, offset) => from + offset));
    return Array.from({ length: to - from }, (_, offset) => hashes.get(from + offset)!);
  }
  return (await reader.readNodeGroupRange(tier - 1, from, to)).map((row) => slotHash(row.hashes, GROUP_SLOTS - 1));
}

/** Each node of one group equals the hash of its two stored children (the base nodes, then the group's own slots). */
function checkGroup(tier: number, group: number, hashes: Uint8Array, base: readonly Hash[]): void {
  const child = (slot: number): Hash => (slot < GROUP_BASE ? base[slot]! : slotHash(hashes, slot - GROUP_BASE));
  // Slot s (of 15) has children 2s and 2s+1 in the numbering where 0 … 15 are the base nodes and 16 + s is slot s.
  for (let slot = 0; slot < GROUP_SLOTS; slot += 1) {
    if (!equalBytes(nodeHash(child(2 * slot), child(2 * slot + 1)), slotHash(hashes, slot))) {
      throw new Mismatch({ kind: 'node', ...nodeOfSlot(tier, group, slot) }, 'node differs from the hash of its children');
    }
  }
}

/**
 * Every complete group is stored and each of its nodes equals the hash of
 * its stored children; no group is stored beyond them. Tiers in order, so
 * a tier's base (the tops of the tier below) has been checked first.
 */
async function verifyNodes(reader: LedgerReader, size: number): Promise<void> {
  const maxTier = await reader.maxNodeTier();
  for (let tier = 0; tier <= maxTier || completeGroups(tier, size) > 0; tier += 1) {
    const count = completeGroups(tier, size);
    const [extra] = await reader.readNodeGroupRange(tier, count, Number.MAX_SAFE_INTEGER);
    if (extra !== undefined) throw new Mismatch({ kind: 'node', ...topOf(tier, extra.group) }, 'node beyond the tree size');
    for (let from = 0; from < count; from += VERIFY_PAGE / GROUP_BASE) {
      const to = Math.min(count, from + VERIFY_PAGE / GROUP_BASE);
      const groups = await reader.readNodeGroupRange(tier, from, to);
      const base = await baseNodes(reader, tier, from, to);
      for (let group = from, position = 0; group < to; group += 1, position += 1) {
        const row = groups[position];
        if (row === undefined || row.group !== group) throw new Mismatch({ kind: 'node', ...topOf(tier, group) }, 'node is missing');
        checkGroup(tier, group, row.hashes, base.slice(position * GROUP_BASE, (position + 1) * GROUP_BASE));
      }
    }
  }
}

async function verifyBlocks(reader: LedgerReader, size: number, publicKey: KeyObject): Promise<number> {
  let height = 0;
  let previous: Parameters<typeof blockHash>[0] | null = null;
  for (;;) {
    const blocks = await reader.readBlocks(height, VERIFY_PAGE);
    for (const block of blocks) {
      const at = { kind: 'block', height: block.height };
      if (block.height !== height) throw new Mismatch({ kind: 'block', height }, 'block is missing');
      if (block.treeSize > size || (previous !== null && block.treeSize < previous.treeSize)) throw new Mismatch(at, 'tree size out of order');
      const root = await withStoredNodes(reader, size, (read) => rootAt(read, block.treeSize));
      if (!equalBytes(root, block.rootHash)) throw new Mismatch(at, 'root hash differs from the tree at its size');
      const expectedPrev = previous === null ? GENESIS_PREV_HASH : blockHash(previous);
      if (!equalBytes(expectedPrev, block.prevBlockHash)) throw new Mismatch(at, 'previous block hash breaks the chain');
      if (!verifyBlockSignature(block, publicKey)) throw new Mismatch(at, 'signature does not verify');
      previous = block;
      height += 1;
    }
    if (blocks.length < VERIFY_PAGE) return height;
  }
}

/**
 * Pages through a derived table in id order and holds it to what the replay
 * expects: every stored row must match, and every expected id must appear.
 */
async function verifyDerived<Row, Expected>(
  kind: string, expected: Map<string, Expected>,
  readPage: (afterId: string | null, limit: number) => Promise<Row[]>, idOf: (row: Row) => string,
  matches: (row: Row, wanted: Expected) => boolean,
): Promise<void> {
  const unseen = new Set(expected.keys());
  for (let afterId: string | null = null; ;) {
    const page = await readPage(afterId, VERIFY_PAGE);
    for (const row of page) {
      const wanted = expected.get(idOf(row));
      if (wanted === undefined || !matches(row, wanted)) {
        throw new Mismatch({ kind, id: idOf(row) }, `${kind} row differs from the replayed transfers`);
      }
      unseen.delete(idOf(row));
    }
    if (page.length < VERIFY_PAGE) break;
    afterId = idOf(page[page.length - 1]!);
  }
  const [missing] = unseen;
  if (missing !== undefined) throw new Mismatch({ kind, id: missing }, `${kind} row is missing`);
}

function sameBalance(a: BalanceRow, b: BalanceRow): boolean {
  return a.debitsPostedMicro === b.debitsPostedMicro && a.creditsPostedMicro === b.creditsPostedMicro &&
    a.debitsPendingMicro === b.debitsPendingMicro && a.creditsPendingMicro === b.creditsPendingMicro;
}

async function checkTrustedHead(reader: LedgerReader, head: BlockRow, publicKey: KeyObject, size: number): Promise<{ height: number; treeSize: number }> {
  const mismatch = await headMismatch(reader, head, publicKey, size);
  if (mismatch !== null) throw new Mismatch(mismatch.at, mismatch.reason);
  return { height: head.height, treeSize: head.treeSize };
}

export async function verifyLedger(store: LedgerStore, publicKey: KeyObject, options: VerifyOptions = {}): Promise<VerifyReport> {
  return store.ledgerRead(async (reader) => {
    try {
      const size = await reader.treeSize();
      const replayed = await verifyLeaves(reader, size);
      await verifyNodes(reader, size);
      // After the nodes: the head's proofs are computed from them.
      const trustedHead = options.trustedHead === undefined ? {} : { trustedHead: await checkTrustedHead(reader, options.trustedHead, publicKey, size) };
      const blocks = await verifyBlocks(reader, size, publicKey);
      await verifyDerived('balance', replayed.balances, (after, limit) => reader.readBalancePage(after, limit),
        (row) => row.accountId, sameBalance);
      // The open-pending table (what expiry sweeps read) holds exactly the unresolved pendings.
      await verifyDerived('pending', replayed.openPendings, (after, limit) => reader.readOpenPendingPage(after, limit),
        (row) => row.id, (row, pending) => row.expiresAtMs === pending.expiresAtMs);
      const unsealedRecords = size - ((await reader.lastBlock())?.treeSize ?? 0);
      return { ok: true as const, treeSize: size, blocks, unsealedRecords, ...trustedHead };
    } catch (error) {
      if (error instanceof Mismatch) return { ok: false as const, at: error.at, reason: error.reason };
      throw error;
    }
  });
}
