// LedgerStore on SQLite (better-sqlite3). One connection, so ledger
// transactions are serialised by an in-process queue: an async transaction
// must not interleave its statements with another's between awaits.
// BEGIN IMMEDIATE takes the write lock up front, which also serialises
// other processes on the same file (busy_timeout waits for it).
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import type {
  AccountRow, BalanceRow, BlockRow, LeafRow, LedgerStore, LedgerTransaction, LedgerWrites, NodeRow, OpenPendingRow, RecordRow,
  TransferRow,
} from '../ledger-store.js';
import { nodeKey } from '../ledger-store.js';
import { toAccount, toBalance, toBlock, toLeaf, toNode, toTransfer } from '../ledger-rows.js';

type Row = Record<string, unknown>;

const LEAF_COLUMNS = 'seq, kind, record_id, leaf, hash';
const NODE_COLUMNS = 'level, idx, hash';
const ACCOUNT_COLUMNS = 'id, seq, party, currency, kind, flags';
const RECORD_COLUMNS = 'seq, kind, body';
const TRANSFER_COLUMNS = 'id, seq, type, debit, credit, amount, currency, code, ts, refs, pending_id, timeout_ms, expires_at_ms, reason';
const BALANCE_COLUMNS = 'account_id, debits_posted, credits_posted, debits_pending, credits_pending';

const QUERIES = {
  treeSize: 'SELECT COALESCE(MAX(seq) + 1, 0) AS size FROM ledger_leaves',
  node: 'SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?',
  leafHash: 'SELECT hash FROM ledger_leaves WHERE seq = ?',
  nodeRange: 'SELECT level, idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx',
  leafHashRange: 'SELECT 0 AS level, seq AS idx, hash FROM ledger_leaves WHERE seq >= ? AND seq < ? ORDER BY seq',
  maxNodeLevel: `SELECT COALESCE((SELECT MAX(level) FROM ledger_nodes), (SELECT 0 FROM ledger_leaves LIMIT 1), -1) AS level`,
  leaves: 'SELECT seq, kind, record_id, leaf, hash FROM ledger_leaves WHERE seq >= ? AND seq < ? ORDER BY seq',
  accounts: 'SELECT * FROM ledger_accounts WHERE id IN (SELECT value FROM json_each(?))',
  accountsBySeq: 'SELECT * FROM ledger_accounts WHERE seq >= ? AND seq < ? ORDER BY seq',
  balances: `SELECT ${BALANCE_COLUMNS} FROM ledger_balances WHERE account_id IN (SELECT value FROM json_each(?))`,
  balancePage: `SELECT ${BALANCE_COLUMNS} FROM ledger_balances WHERE account_id > ? ORDER BY account_id LIMIT ?`,
  transfers: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN (SELECT value FROM json_each(?))`,
  transfersBySeq: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE seq >= ? AND seq < ? ORDER BY seq`,
  resolutions: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE pending_id IN (SELECT value FROM json_each(?))`,
  expired: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN
    (SELECT id FROM ledger_pending_open WHERE expires_at_ms <= ? ORDER BY expires_at_ms, id LIMIT ?) ORDER BY expires_at_ms, seq`,
  openPendingPage: 'SELECT id, expires_at_ms FROM ledger_pending_open WHERE id > ? ORDER BY id LIMIT ?',
  openPending: 'INSERT INTO ledger_pending_open (id, expires_at_ms) VALUES (?, ?)',
  closePending: 'DELETE FROM ledger_pending_open WHERE id = ?',
  recordsBySeq: 'SELECT seq, kind, body FROM ledger_records WHERE seq >= ? AND seq < ? ORDER BY seq',
  lastBlock: 'SELECT * FROM ledger_blocks ORDER BY height DESC LIMIT 1',
  blocks: 'SELECT * FROM ledger_blocks WHERE height >= ? ORDER BY height LIMIT ?',
  upsertBalance: `INSERT INTO ledger_balances (${BALANCE_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET
    debits_posted = excluded.debits_posted, credits_posted = excluded.credits_posted,
    debits_pending = excluded.debits_pending, credits_pending = excluded.credits_pending`,
  insertBlock: 'INSERT INTO ledger_blocks (height, prev_block_hash, tree_size, root_hash, ts, signature) VALUES (?, ?, ?, ?, ?, ?)',
} as const;

type Statement = Database.Statement<unknown[]>;
type Statements = { [K in keyof typeof QUERIES]: Statement };

function prepareAll(database: SqliteDatabase): Statements {
  const entries = Object.entries(QUERIES).map(([name, text]) => {
    const statement = database.prepare(text);
    // Amounts and balances are BIGINT: read every integer as bigint, never a lossy Number.
    return [name, statement.reader ? statement.safeIntegers(true) : statement];
  });
  return Object.fromEntries(entries) as Statements;
}

class SqliteLedgerTransaction implements LedgerTransaction {
  constructor(private readonly statements: Statements, private readonly bulk: BulkInserter) {}

  async treeSize(): Promise<number> {
    return Number((this.statements.treeSize.get() as Row).size);
  }

  async readNodes(keys: ReadonlyArray<{ level: number; index: number }>): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const { level, index } of keys) {
      const row = (level === 0 ? this.statements.leafHash.get(index) : this.statements.node.get(level, index)) as Row | undefined;
      if (row !== undefined) found.set(nodeKey(level, index), row.hash as Uint8Array);
    }
    return found;
  }

  async readNodeRange(level: number, fromIndex: number, toIndex: number): Promise<NodeRow[]> {
    const rows = level === 0 ? this.statements.leafHashRange.all(fromIndex, toIndex) : this.statements.nodeRange.all(level, fromIndex, toIndex);
    return (rows as Row[])
      .map(toNode);
  }

  async maxNodeLevel(): Promise<number> {
    return Number((this.statements.maxNodeLevel.get() as Row).level);
  }

  async readLeaves(fromSeq: number, toSeq: number): Promise<LeafRow[]> {
    return (this.statements.leaves.all(fromSeq, toSeq) as Row[])
      .map(toLeaf);
  }

  async readAccounts(ids: readonly string[]): Promise<AccountRow[]> {
    return (this.statements.accounts.all(JSON.stringify(ids)) as Row[]).map(toAccount);
  }

  async readAccountsBySeq(fromSeq: number, toSeq: number): Promise<AccountRow[]> {
    return (this.statements.accountsBySeq.all(fromSeq, toSeq) as Row[]).map(toAccount);
  }

  async readBalances(ids: readonly string[]): Promise<BalanceRow[]> {
    return (this.statements.balances.all(JSON.stringify(ids)) as Row[]).map(toBalance);
  }

  async readBalancePage(afterId: string | null, limit: number): Promise<BalanceRow[]> {
    return (this.statements.balancePage.all(afterId ?? '', limit) as Row[]).map(toBalance);
  }

  async readTransfers(ids: readonly string[]): Promise<TransferRow[]> {
    return (this.statements.transfers.all(JSON.stringify(ids)) as Row[]).map(toTransfer);
  }

  async readTransfersBySeq(fromSeq: number, toSeq: number): Promise<TransferRow[]> {
    return (this.statements.transfersBySeq.all(fromSeq, toSeq) as Row[]).map(toTransfer);
  }

  async readResolutions(pendingIds: readonly string[]): Promise<TransferRow[]> {
    return (this.statements.resolutions.all(JSON.stringify(pendingIds)) as Row[]).map(toTransfer);
  }

  async readExpiredPending(nowMs: number, limit: number): Promise<TransferRow[]> {
    return (this.statements.expired.all(nowMs, limit) as Row[]).map(toTransfer);
  }

  async readOpenPendingPage(afterId: string | null, limit: number): Promise<OpenPendingRow[]> {
    return (this.statements.openPendingPage.all(afterId ?? '', limit) as Row[])
      .map((row) => ({ id: row.id as string, expiresAtMs: Number(row.expires_at_ms) }));
  }

  async readRecordsBySeq(fromSeq: number, toSeq: number): Promise<RecordRow[]> {
    return (this.statements.recordsBySeq.all(fromSeq, toSeq) as Row[])
      .map((row) => ({ seq: Number(row.seq), kind: row.kind as string, body: row.body as string }));
  }

  async lastBlock(): Promise<BlockRow | null> {
    const row = this.statements.lastBlock.get() as Row | undefined;
    return row === undefined ? null : toBlock(row);
  }

  async readBlocks(fromHeight: number, limit: number): Promise<BlockRow[]> {
    return (this.statements.blocks.all(fromHeight, limit) as Row[]).map(toBlock);
  }

  async write(writes: LedgerWrites): Promise<void> {
    const s = this.statements;
    this.bulk.insert('ledger_leaves', LEAF_COLUMNS, writes.leaves, (l, out) => {
      out.push(l.seq, l.kind, l.recordId, l.leaf, l.hash);
    });
    this.bulk.insert('ledger_nodes', NODE_COLUMNS, writes.nodes, (n, out) => {
      out.push(n.level, n.index, n.hash);
    });
    this.bulk.insert('ledger_accounts', ACCOUNT_COLUMNS, writes.accounts, (a, out) => {
      out.push(a.id, a.seq, a.party, a.currency, a.kind, a.flags);
    });
    this.bulk.insert('ledger_transfers', TRANSFER_COLUMNS, writes.transfers, (t, out) => {
      out.push(t.id, t.seq, t.type, t.debit, t.credit, t.amountMicro, t.currency, t.code, t.ts, t.refs, t.pendingId, t.timeoutMs, t.expiresAtMs, t.reason);
    });
    this.bulk.insert('ledger_records', RECORD_COLUMNS, writes.records, (r, out) => {
      out.push(r.seq, r.kind, r.body);
    });
    for (const b of writes.balances) {
      s.upsertBalance.run(b.accountId, b.debitsPostedMicro, b.creditsPostedMicro, b.debitsPendingMicro, b.creditsPendingMicro);
    }
    for (const pending of writes.pendingOpened) s.openPending.run(pending.id, pending.expiresAtMs);
    for (const id of writes.pendingClosed) s.closePending.run(id);
    for (const b of writes.blocks) s.insertBlock.run(b.height, b.prevBlockHash, b.treeSize, b.rootHash, b.ts, b.signature);
  }
}

/** Rows per multi-row INSERT: one statement call per 64 rows instead of 64 calls (≤ 14 × 64 parameters). */
const BULK_ROWS = 64;

/** Multi-row INSERT statements, prepared once per table and row count. */
class BulkInserter {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly database: SqliteDatabase) {}

  private statement(table: string, columns: string, rowCount: number): Statement {
    const key = `${table}:${rowCount}`;
    let statement = this.cache.get(key);
    if (statement === undefined) {
      const placeholders = `(${columns.split(',').map(() => '?').join(', ')})`;
      statement = this.database.prepare(`INSERT INTO ${table} (${columns}) VALUES ${Array(rowCount).fill(placeholders).join(', ')}`);
      this.cache.set(key, statement);
    }
    return statement;
  }

  /** Binds each row's values straight into one parameter array per statement (no array per row). */
  insert<T>(table: string, columns: string, rows: readonly T[], bind: (row: T, parameters: unknown[]) => void): void {
    const parameters: unknown[] = [];
    for (let start = 0; start < rows.length; start += BULK_ROWS) {
      const end = Math.min(rows.length, start + BULK_ROWS);
      parameters.length = 0;
      for (let index = start; index < end; index += 1) bind(rows[index]!, parameters);
      this.statement(table, columns, end - start).run(parameters);
    }
  }
}

export class SqliteLedgerStore implements LedgerStore {
  private readonly statements: Statements;
  private readonly bulk: BulkInserter;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly database: SqliteDatabase) {
    this.statements = prepareAll(database);
    this.bulk = new BulkInserter(database);
  }

  ledgerWrite<T>(work: (transaction: LedgerTransaction) => Promise<T>): Promise<T> {
    return this.serialised('BEGIN IMMEDIATE', work);
  }

  ledgerRead<T>(work: (reader: LedgerTransaction) => Promise<T>): Promise<T> {
    return this.serialised('BEGIN DEFERRED', work);
  }

  private serialised<T>(begin: string, work: (transaction: LedgerTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.database.exec(begin);
      try {
        const result = await work(new SqliteLedgerTransaction(this.statements, this.bulk));
        this.database.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.database.inTransaction) this.database.exec('ROLLBACK');
        throw error;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }
}
