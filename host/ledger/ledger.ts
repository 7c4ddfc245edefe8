// The ledger of SPEC §5 over any LedgerStore: accounts, batched transfers
// with per-event result codes, two-phase transfers with expiry, generic
// records, signed blocks and proofs. Every write is one store transaction.
import type { KeyObject } from 'node:crypto';
import type { Hash } from './merkle.js';
import { consistencyPath, inclusionPath, rootAt, withStoredNodes, type NodeLookup } from './merkle-log.js';
import { LogSession } from './log-session.js';
import { accountRecord, genericRecord, RESERVED_RECORD_KINDS, transferLeafText } from './records.js';
import { canonicalJson } from './canonical-json.js';
import type { LedgerSigner } from './blocks.js';
import type { AccountResult, TransferResult } from './result-codes.js';
import { applyEvent, expiryVoid, isValidId, NO_REFS, validateEvent, type BatchState } from './transfer-rules.js';
import { validateAccount, sameAccount } from './account-rules.js';
import type { AccountInput, TransferEvent } from './types.js';
import type { BalanceRow, BlockRow, LedgerStore, LedgerTransaction, TransferRow } from '../store/ledger-store.js';
import { limitExceeded, invalidInput } from '../errors.js';
import { LEDGER_BATCH_EVENTS_MAX, LEDGER_ID_LENGTH_MAX, LEDGER_EXPIRE_SWEEP_MAX, LEDGER_RECORD_BYTES_MAX, LEDGER_RECORDS_PER_BLOCK } from '../limits.js';

export interface LedgerOptions {
  /** Records between automatic seals (configurable down, never up). */
  recordsPerBlock?: number;
}

function checkBatch(length: number): void {
  if (length > LEDGER_BATCH_EVENTS_MAX) {
    throw limitExceeded('LEDGER_BATCH_EVENTS_MAX', `a batch holds at most ${LEDGER_BATCH_EVENTS_MAX} events, got ${length}`);
  }
}

function unique(values: Iterable<string>): string[] {
  return [...new Set(values)];
}

export class Ledger {
  private readonly recordsPerBlock: number;

  constructor(private readonly store: LedgerStore, private readonly signer: LedgerSigner, options: LedgerOptions = {}) {
    this.recordsPerBlock = Math.min(options.recordsPerBlock ?? LEDGER_RECORDS_PER_BLOCK, LEDGER_RECORDS_PER_BLOCK);
    if (!(this.recordsPerBlock >= 1)) throw invalidInput('recordsPerBlock must be ≥ 1');
  }

  get publicKey(): KeyObject {
    return this.signer.publicKey;
  }

  async createAccounts(accounts: readonly AccountInput[], nowMs: number): Promise<AccountResult[]> {
    checkBatch(accounts.length);
    const results: AccountResult[] = accounts.map((account) => validateAccount(account) ?? 'ok');
    return this.store.ledgerWrite(async (transaction) => {
      const stored = new Map((await transaction.readAccounts(unique(accounts.map((a) => a.id)))).map((row) => [row.id, row]));
      const log = await LogSession.open(transaction);
      accounts.forEach((account, index) => {
        if (results[index] !== 'ok') return;
        const existing = stored.get(account.id);
        if (existing !== undefined) {
          results[index] = sameAccount(account, existing) ? 'exists' : 'conflict';
          return;
        }
        const row = { id: account.id, seq: -1, party: account.party, currency: account.currency, kind: account.kind, flags: account.flags };
        log.writes.accounts.push(log.append(row, canonicalJson(accountRecord(row))));
        stored.set(row.id, row);
        log.writes.balances.push({ accountId: row.id, debitsPostedMicro: 0n, creditsPostedMicro: 0n, debitsPendingMicro: 0n, creditsPendingMicro: 0n });
      });
      await this.finish(transaction, log, nowMs, false);
      return results;
    });
  }

  /** Applies `events` in order; every event gets its own code. `nowMs` is the ledger's clock (expiry). */
  async createTransfers(events: readonly TransferEvent[], nowMs: number): Promise<TransferResult[]> {
    checkBatch(events.length);
    return this.store.ledgerWrite(async (transaction) => {
      // Invalid events get their code here; null marks the ones still to apply.
      const results: Array<TransferResult | null> = new Array(events.length);
      const state = await loadBatchState(transaction, events, results);
      const log = await LogSession.open(transaction);
      events.forEach((event, index) => {
        if (results[index] !== null) return;
        const outcome = applyEvent(state, event, nowMs);
        if (typeof outcome === 'string') {
          results[index] = outcome;
        } else {
          appendTransfer(log, outcome);
          results[index] = 'ok';
        }
      });
      writeBalances(log, state);
      await this.finish(transaction, log, nowMs, false);
      return results as TransferResult[];
    });
  }

  /** Voids every pending transfer whose timeout has passed (up to the sweep limit); returns the voids. */
  async expirePending(nowMs: number): Promise<TransferRow[]> {
    return this.store.ledgerWrite(async (transaction) => {
      const expired = await transaction.readExpiredPending(nowMs, LEDGER_EXPIRE_SWEEP_MAX);
      if (expired.length === 0) return [];
      const state = await loadAccountsInto(transaction, emptyState(), new Set(expired.flatMap((row) => [row.debit, row.credit])));
      const log = await LogSession.open(transaction);
      const voids = expired.map((pending) => {
        state.transfers.set(pending.id, pending);
        const row = expiryVoid(state, pending, nowMs);
        appendTransfer(log, row);
        return row;
      });
      writeBalances(log, state);
      await this.finish(transaction, log, nowMs, false);
      return voids;
    });
  }

  /** Appends a generic record (contract, trade, DR event, …) as a leaf; returns its index. */
  async appendRecord(kind: string, body: unknown, nowMs: number): Promise<number> {
    return (await this.appendRecordOnce(null, kind, body, nowMs)).index;
  }

  /**
   * Appends a generic record under the client's `recordId` unless a record
   * with that id exists: then nothing is appended and its index is answered
   * (`created: false`), whatever the body — the first write stands, as a
   * retried step's record states the same fact. null: no id, always appended.
   */
  async appendRecordOnce(recordId: string | null, kind: string, body: unknown, nowMs: number): Promise<{ index: number; created: boolean }> {
    if (typeof kind !== 'string' || kind.length === 0 || RESERVED_RECORD_KINDS.has(kind)) {
      throw invalidInput(`record kind ${JSON.stringify(kind)} is empty or reserved`);
    }
    if (recordId !== null && !isValidId(recordId)) {
      throw invalidInput(`record id must be 1 … ${LEDGER_ID_LENGTH_MAX} printable characters (LEDGER_ID_LENGTH_MAX)`);
    }
    const bodyText = canonicalJson(body);
    if (Buffer.byteLength(bodyText) > LEDGER_RECORD_BYTES_MAX) {
      throw limitExceeded('LEDGER_RECORD_BYTES_MAX', `a record body holds at most ${LEDGER_RECORD_BYTES_MAX} bytes`);
    }
    return this.store.ledgerWrite(async (transaction) => {
      const existing = recordId === null ? null : await transaction.readRecordById(recordId);
      if (existing !== null) return { index: existing.seq, created: false };
      const log = await LogSession.open(transaction);
      const row = { seq: -1, kind, body: bodyText, recordId };
      log.writes.records.push(log.append(row, canonicalJson(genericRecord(row))));
      await this.finish(transaction, log, nowMs, false);
      return { index: row.seq, created: true };
    });
  }

  /** Seals the tree as it stands into a signed block (the last block again when nothing was appended since). */
  async sealBlock(nowMs: number): Promise<BlockRow> {
    return this.store.ledgerWrite(async (transaction) => {
      const log = await LogSession.open(transaction);
      const block = await this.finish(transaction, log, nowMs, true);
      return block!;
    });
  }

  /**
   * Seals the records appended after the block that sealed `sealedSize`
   * leaves, unless a writer (on any host) sealed since: then null. The
   * store's write lock serialises this with every other seal.
   */
  async sealUnsealedSince(sealedSize: number, nowMs: number): Promise<BlockRow | null> {
    return this.store.ledgerWrite(async (transaction) => {
      const log = await LogSession.open(transaction);
      if (log.sealedSize !== sealedSize || log.treeSize === sealedSize) return null;
      return this.finish(transaction, log, nowMs, true);
    });
  }

  /** The latest signed head (null before the first block), the tree's size and the records it does not seal yet, from one snapshot. */
  async head(): Promise<{ block: BlockRow | null; treeSize: number; unsealedRecords: number }> {
    return this.store.ledgerRead(async (reader) => {
      const [block, treeSize] = [await reader.lastBlock(), await reader.treeSize()];
      return { block, treeSize, unsealedRecords: treeSize - (block?.treeSize ?? 0) };
    });
  }

  private async finish(transaction: LedgerTransaction, log: LogSession, nowMs: number, forceSeal: boolean): Promise<BlockRow | null> {
    const block = log.seal(nowMs, this.signer, forceSeal, this.recordsPerBlock);
    await transaction.write(log.finish());
    return block;
  }

  async balances(accountIds: readonly string[]): Promise<Map<string, BalanceRow>> {
    const rows = await this.store.ledgerRead((reader) => reader.readBalances(unique(accountIds)));
    return new Map(rows.map((row) => [row.accountId, row]));
  }

  async transfers(ids: readonly string[]): Promise<Map<string, TransferRow>> {
    const rows = await this.store.ledgerRead((reader) => reader.readTransfers(unique(ids)));
    return new Map(rows.map((row) => [row.id, row]));
  }

  async treeSize(): Promise<number> {
    return this.store.ledgerRead((reader) => reader.treeSize());
  }

  async leaf(index: number): Promise<Uint8Array | null> {
    const [row] = await this.store.ledgerRead((reader) => reader.readLeaves(index, index + 1));
    return row?.leaf ?? null;
  }

  async lastBlock(): Promise<BlockRow | null> {
    return this.store.ledgerRead((reader) => reader.lastBlock());
  }

  async blocks(fromHeight: number, limit: number): Promise<BlockRow[]> {
    return this.store.ledgerRead((reader) => reader.readBlocks(fromHeight, limit));
  }

  async rootAt(size: number): Promise<Hash> {
    return this.atSize(size, (read, checked) => rootAt(read, checked));
  }

  async inclusionProof(index: number, size: number): Promise<Hash[]> {
    return this.atSize(size, (read, checked) => inclusionPath(read, index, checked));
  }

  async consistencyProof(size1: number, size2: number): Promise<Hash[]> {
    return this.atSize(size2, (read, checked) => consistencyPath(read, size1, checked));
  }

  /** Runs a tree computation on a snapshot, for a size the log has reached. */
  private atSize<T>(size: number, compute: (read: NodeLookup, checkedSize: number) => T): Promise<T> {
    return this.store.ledgerRead(async (reader) => {
      const storedSize = await reader.treeSize();
      const checked = checkedSize(size, storedSize);
      return withStoredNodes(reader, storedSize, (read) => compute(read, checked));
    });
  }
}

/** `size` if the log has reached it; proofs are only for sizes that exist. */
function checkedSize(size: number, treeSize: number): number {
  if (!Number.isSafeInteger(size) || size < 0 || size > treeSize) {
    throw new RangeError(`tree size ${size} is outside 0 … ${treeSize}`);
  }
  return size;
}

function emptyState(): BatchState {
  return { accounts: new Map(), transfers: new Map(), resolutions: new Map() };
}

async function loadAccountsInto(transaction: LedgerTransaction, state: BatchState, accountIds: ReadonlySet<string>): Promise<BatchState> {
  const ids = [...accountIds];
  const balances = new Map((await transaction.readBalances(ids)).map((row) => [row.accountId, row]));
  for (const row of await transaction.readAccounts(ids)) {
    const balance = balances.get(row.id);
    if (balance === undefined) throw new Error(`ledger: account ${row.id} has no balance row`);
    state.accounts.set(row.id, { row, balance, touched: false });
  }
  return state;
}

/**
 * Validates each event (its code into `results`, null when valid) and loads
 * everything the valid ones can touch: their ids, their pendings and refs,
 * the pendings' resolutions, their accounts. One pass over a batch that
 * does not fit in the CPU caches.
 */
async function loadBatchState(
  transaction: LedgerTransaction, events: readonly TransferEvent[], results: Array<TransferResult | null>,
): Promise<BatchState> {
  const state = emptyState();
  // Ids may repeat in the lookup (a miss costs the same either way); pendings and accounts are sets.
  const transferIds: string[] = [];
  const pendingIds = new Set<string>();
  const accountIds = new Set<string>();
  for (let index = 0; index < events.length; index += 1) {
    const event = events[index]!;
    results[index] = validateEvent(event);
    if (results[index] !== null) continue;
    transferIds.push(event.id, ...(event.refs ?? NO_REFS));
    if (event.type === 'post' || event.type === 'void') {
      transferIds.push(event.pendingId);
      pendingIds.add(event.pendingId);
    } else {
      accountIds.add(event.debit).add(event.credit);
    }
  }
  for (const row of await transaction.readTransfers(transferIds)) state.transfers.set(row.id, row);
  if (pendingIds.size > 0) {
    for (const row of await transaction.readResolutions([...pendingIds])) state.resolutions.set(row.pendingId!, row);
  }
  for (const id of pendingIds) {
    const pending = state.transfers.get(id);
    if (pending !== undefined) accountIds.add(pending.debit).add(pending.credit);
  }
  return loadAccountsInto(transaction, state, accountIds);
}

function appendTransfer(log: LogSession, row: TransferRow): void {
  log.writes.transfers.push(log.append(row, transferLeafText(row)));
  if (row.type === 'pending') log.writes.pendingOpened.push({ id: row.id, expiresAtMs: row.expiresAtMs! });
  if (row.pendingId !== null) log.writes.pendingClosed.push(row.pendingId);
}

function writeBalances(log: LogSession, state: BatchState): void {
  for (const account of state.accounts.values()) {
    if (account.touched) log.writes.balances.push(account.balance);
  }
}
