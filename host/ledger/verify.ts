// verifyLedger (SPEC §5): recomputes everything from storage and reports the
// first record that does not match. Order: leaves in index order (each
// against its stored record and its level-0 node), then every inner node,
// then blocks (root at their size, hash chain, signature), then balances
// and open pendings (recomputed from the transfers). Pages keep memory flat.
import type { KeyObject } from 'node:crypto';
import { fastLeafHash as leafHash, fastNodeHash as nodeHash } from './sha256.js';
import { rootAt, withStoredNodes } from './merkle-log.js';
import { accountRecord, genericRecord, leafBytesOf, transferRecord, TRANSFER_RECORD } from './records.js';
import { blockHash, verifyBlockSignature, GENESIS_PREV_HASH } from './blocks.js';
import type { BalanceRow, LeafRow, LedgerReader, LedgerStore, TransferRow } from '../store/ledger-store.js';

export interface VerifyLocation {
  kind: string;
  id?: string;
  index?: number;
  level?: number;
  height?: number;
}

export type VerifyReport =
  | { ok: true; treeSize: number; blocks: number }
  | { ok: false; at: VerifyLocation; reason: string };

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
  bytesBySeq: Map<number, { id: string; bytes: Uint8Array; transfer?: TransferRow; accountId?: string }>;
}

async function loadPageRecords(reader: LedgerReader, from: number, to: number): Promise<PageRecords> {
  const bytesBySeq: PageRecords['bytesBySeq'] = new Map();
  for (const row of await reader.readAccountsBySeq(from, to)) {
    bytesBySeq.set(row.seq, { id: row.id, bytes: leafBytesOf(accountRecord(row)), accountId: row.id });
  }
  for (const row of await reader.readTransfersBySeq(from, to)) {
    bytesBySeq.set(row.seq, { id: row.id, bytes: leafBytesOf(transferRecord(row)), transfer: row });
  }
  for (const row of await reader.readRecordsBySeq(from, to)) {
    bytesBySeq.set(row.seq, { id: String(row.seq), bytes: leafBytesOf(genericRecord(row)) });
  }
  return { bytesBySeq };
}

/** One leaf: stored bytes vs its record, and its hash vs node (0, seq); names whichever was changed. */
function checkLeaf(seq: number, leaf: LeafRow | undefined, records: PageRecords, storedHash: Uint8Array | undefined): void {
  if (leaf === undefined) throw new Mismatch({ kind: 'leaf', index: seq }, 'leaf is missing');
  const record = records.bytesBySeq.get(seq);
  const hashMatches = storedHash !== undefined && equalBytes(leafHash(leaf.leaf), storedHash);
  if (record === undefined || record.id !== leaf.recordId) {
    throw new Mismatch({ kind: leaf.kind, id: leaf.recordId, index: seq }, 'the record of this leaf is missing');
  }
  if (!equalBytes(record.bytes, leaf.leaf)) {
    // The leaf still hashes to its node: the record row was changed; otherwise the leaf bytes were.
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
    const hashes = new Map((await reader.readNodeRange(0, from, to)).map((node) => [node.index, node.hash]));
    const records = await loadPageRecords(reader, from, to);
    for (let seq = from; seq < to; seq += 1) {
      checkLeaf(seq, leaves.get(seq), records, hashes.get(seq));
      const record = records.bytesBySeq.get(seq)!;
      if (record.accountId !== undefined) balances.set(record.accountId, zeroBalance(record.accountId));
      if (record.transfer !== undefined) replayTransfer(balances, pendings, record.transfer);
    }
  }
  return { balances, openPendings: pendings };
}

/** Every inner node equals the hash of its two stored children; none is missing or extra. */
async function verifyNodes(reader: LedgerReader, size: number): Promise<void> {
  const maxLevel = await reader.maxNodeLevel();
  for (let level = 0; level <= Math.max(maxLevel, 0); level += 1) {
    const count = Math.floor(size / 2 ** level);
    const extra = await reader.readNodeRange(level, count, Number.MAX_SAFE_INTEGER);
    if (extra.length > 0) throw new Mismatch({ kind: 'node', level, index: extra[0]!.index }, 'node beyond the tree size');
    if (level === 0) continue;
    for (let from = 0; from < count; from += VERIFY_PAGE) {
      const to = Math.min(count, from + VERIFY_PAGE);
      const nodes = await reader.readNodeRange(level, from, to);
      const children = new Map((await reader.readNodeRange(level - 1, 2 * from, 2 * to)).map((node) => [node.index, node.hash]));
      for (let index = from, position = 0; index < to; index += 1, position += 1) {
        const node = nodes[position];
        if (node === undefined || node.index !== index) throw new Mismatch({ kind: 'node', level, index }, 'node is missing');
        const expected = nodeHash(children.get(2 * index)!, children.get(2 * index + 1)!);
        if (!equalBytes(expected, node.hash)) throw new Mismatch({ kind: 'node', level, index }, 'node differs from the hash of its children');
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
      const root = await withStoredNodes(reader, (read) => rootAt(read, block.treeSize));
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

export async function verifyLedger(store: LedgerStore, publicKey: KeyObject): Promise<VerifyReport> {
  return store.ledgerRead(async (reader) => {
    try {
      const size = await reader.treeSize();
      const replayed = await verifyLeaves(reader, size);
      await verifyNodes(reader, size);
      const blocks = await verifyBlocks(reader, size, publicKey);
      await verifyDerived('balance', replayed.balances, (after, limit) => reader.readBalancePage(after, limit),
        (row) => row.accountId, sameBalance);
      // The open-pending table (what expiry sweeps read) holds exactly the unresolved pendings.
      await verifyDerived('pending', replayed.openPendings, (after, limit) => reader.readOpenPendingPage(after, limit),
        (row) => row.id, (row, pending) => row.expiresAtMs === pending.expiresAtMs);
      return { ok: true as const, treeSize: size, blocks };
    } catch (error) {
      if (error instanceof Mismatch) return { ok: false as const, at: error.at, reason: error.reason };
      throw error;
    }
  });
}
