// LedgerStore on SQLite (better-sqlite3). One connection, so ledger
// transactions are serialised by an in-process queue: an async transaction
// must not interleave its statements with another's between awaits.
// BEGIN IMMEDIATE takes the write lock up front, which also serialises
// other processes on the same file (busy_timeout waits for it).
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from '../sqlite.js';
import type {
  AccountRow, BalanceRow, BlockRow, GroupKey, LeafRow, LedgerStore, LedgerTransaction, LedgerWrites, NodeGroupRow, OpenPendingRow,
  RecordRow, TransferRow,
} from '../ledger-store.js';
import { ACCOUNT_RECORD, groupKey, TRANSFER_RECORD } from '../ledger-store.js';
import { toAccount, toBalance, toBlock, toLeaf, toNodeGroup, toTransfer } from '../ledger-rows.js';

type Row = Record<string, unknown>;

function recordOf(row: Row): RecordRow {
  return { seq: Number(row.seq), kind: row.kind as string, body: row.body as string, recordId: (row.record_id as string | null) ?? null };
}

const ACCOUNT_COLUMNS = 'id, seq, party, currency, kind, flags';
const RECORD_COLUMNS = 'seq, kind, body, record_id';
const TRANSFER_COLUMNS = 'id, seq, type, debit, credit, amount, currency, code, ts, refs, pending_id, timeout_ms, expires_at_ms, reason';
const BALANCE_COLUMNS = 'account_id, debits_posted, credits_posted, debits_pending, credits_pending';
/** Every record table ends with its leaf bytes and leaf hash (migration 005). */
const LEAF_COLUMNS = 'leaf, hash';

/** The same seq condition on each of the three record tables, whose leaves together make the log. */
function fromRecordTables(select: (kind: string, recordId: string) => string, where: string): string {
  return [
    `${select(`'${ACCOUNT_RECORD}'`, 'id')} FROM ledger_accounts WHERE ${where}`,
    `${select(`'${TRANSFER_RECORD}'`, 'id')} FROM ledger_transfers WHERE ${where}`,
    `${select('kind', 'COALESCE(record_id, CAST(seq AS TEXT))')} FROM ledger_records WHERE ${where}`,
  ].join(' UNION ALL ');
}

const QUERIES = {
  treeSize: `SELECT MAX(COALESCE((SELECT MAX(seq) FROM ledger_accounts), -1), COALESCE((SELECT MAX(seq) FROM ledger_transfers), -1),
    COALESCE((SELECT MAX(seq) FROM ledger_records), -1)) + 1 AS size`,
  leafHashes: fromRecordTables(() => 'SELECT seq, hash', 'seq IN (SELECT value FROM json_each(@seqs))'),
  leaves: `${fromRecordTables((kind, recordId) => `SELECT seq, ${kind} AS kind, ${recordId} AS record_id, leaf, hash`,
    'seq >= @from AND seq < @to')} ORDER BY seq`,
  nodeGroup: 'SELECT hashes FROM ledger_node_groups WHERE tier = ? AND grp = ?',
  nodeGroupRange: 'SELECT tier, grp, hashes FROM ledger_node_groups WHERE tier = ? AND grp >= ? AND grp < ? ORDER BY grp',
  maxNodeTier: 'SELECT COALESCE(MAX(tier), -1) AS tier FROM ledger_node_groups',
  accounts: `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id IN (SELECT value FROM json_each(?))`,
  accountsBySeq: `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE seq >= ? AND seq < ? ORDER BY seq`,
  balances: `SELECT ${BALANCE_COLUMNS} FROM ledger_balances WHERE account_id IN (SELECT value FROM json_each(?))`,
  balancePage: `SELECT ${BALANCE_COLUMNS} FROM ledger_balances WHERE account_id > ? ORDER BY account_id LIMIT ?`,
  transfers: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN (SELECT value FROM json_each(?))`,
  transfersBySeq: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE seq >= ? AND seq < ? ORDER BY seq`,
  resolutions: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE pending_id IN (SELECT value FROM json_each(?))`,
  expired: `SELECT ${TRANSFER_COLUMNS} FROM ledger_transfers WHERE id IN
    (SELECT id FROM ledger_pending_open WHERE expires_at_ms <= ? ORDER BY expires_at_ms, id LIMIT ?) ORDER BY expires_at_ms, seq`,
  openPendingPage: 'SELECT id, expires_at_ms FROM ledger_pending_open WHERE id > ? ORDER BY id LIMIT ?',
  closePending: 'DELETE FROM ledger_pending_open WHERE id = ?',
  recordsBySeq: `SELECT ${RECORD_COLUMNS} FROM ledger_records WHERE seq >= ? AND seq < ? ORDER BY seq`,
  recordById: `SELECT ${RECORD_COLUMNS} FROM ledger_records WHERE record_id = ?`,
  lastBlock: 'SELECT * FROM ledger_blocks ORDER BY height DESC LIMIT 1',
  blocks: 'SELECT * FROM ledger_blocks WHERE height >= ? ORDER BY height LIMIT ?',
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

  async readLeafHashes(seqs: readonly number[]): Promise<Map<number, Uint8Array>> {
    const rows = this.statements.leafHashes.all({ seqs: JSON.stringify(seqs) }) as Row[];
    return new Map(rows.map((row) => [Number(row.seq), row.hash as Uint8Array]));
  }

  async readNodeGroups(keys: readonly GroupKey[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    for (const { tier, group } of keys) {
      const row = this.statements.nodeGroup.get(tier, group) as Row | undefined;
      if (row !== undefined) found.set(groupKey(tier, group), row.hashes as Uint8Array);
    }
    return found;
  }

  async readNodeGroupRange(tier: number, fromGroup: number, toGroup: number): Promise<NodeGroupRow[]> {
    return (this.statements.nodeGroupRange.all(tier, fromGroup, toGroup) as Row[]).map(toNodeGroup);
  }

  async maxNodeTier(): Promise<number> {
    return Number((this.statements.maxNodeTier.get() as Row).tier);
  }

  async readLeaves(fromSeq: number, toSeq: number): Promise<LeafRow[]> {
    return (this.statements.leaves.all({ from: fromSeq, to: toSeq }) as Row[]).map(toLeaf);
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
    return (this.statements.recordsBySeq.all(fromSeq, toSeq) as Row[]).map(recordOf);
  }

  async readRecordById(recordId: string): Promise<RecordRow | null> {
    const row = this.statements.recordById.get(recordId) as Row | undefined;
    return row === undefined ? null : recordOf(row);
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
    this.bulk.insert(BULK.accounts, writes.accounts, ({ row: a, leaf, hash }, out) => {
      out.push(a.id, a.seq, a.party, a.currency, a.kind, a.flags, leaf, hash);
    });
    this.bulk.insert(BULK.transfers, writes.transfers, ({ row: t, leaf, hash }, out) => {
      out.push(t.id, t.seq, t.type, t.debit, t.credit, t.amountMicro, t.currency, t.code, t.ts, t.refs, t.pendingId, t.timeoutMs, t.expiresAtMs, t.reason,
        leaf, hash);
    });
    this.bulk.insert(BULK.records, writes.records, ({ row: r, leaf, hash }, out) => {
      out.push(r.seq, r.kind, r.body, r.recordId, leaf, hash);
    });
    this.bulk.insert(BULK.nodeGroups, writes.nodeGroups, (g, out) => {
      out.push(g.tier, g.group, g.hashes);
    });
    this.bulk.insert(BULK.balances, writes.balances, (b, out) => {
      out.push(b.accountId, b.debitsPostedMicro, b.creditsPostedMicro, b.debitsPendingMicro, b.creditsPendingMicro);
    });
    this.bulk.insert(BULK.pendingOpened, writes.pendingOpened, (p, out) => {
      out.push(p.id, p.expiresAtMs);
    });
    for (const id of writes.pendingClosed) s.closePending.run(id);
    for (const b of writes.blocks) s.insertBlock.run(b.height, b.prevBlockHash, b.treeSize, b.rootHash, b.ts, b.signature);
  }
}

/** A multi-row INSERT: its table, columns, and what follows the VALUES (an upsert clause). */
interface BulkShape {
  table: string;
  columns: string;
  tail: string;
}

const BULK = {
  accounts: { table: 'ledger_accounts', columns: `${ACCOUNT_COLUMNS}, ${LEAF_COLUMNS}`, tail: '' },
  transfers: { table: 'ledger_transfers', columns: `${TRANSFER_COLUMNS}, ${LEAF_COLUMNS}`, tail: '' },
  records: { table: 'ledger_records', columns: `${RECORD_COLUMNS}, ${LEAF_COLUMNS}`, tail: '' },
  nodeGroups: { table: 'ledger_node_groups', columns: 'tier, grp, hashes', tail: '' },
  // A write holds each account's balance once, so no row of one statement conflicts with another of it.
  balances: {
    table: 'ledger_balances', columns: BALANCE_COLUMNS,
    tail: `ON CONFLICT (account_id) DO UPDATE SET debits_posted = excluded.debits_posted, credits_posted = excluded.credits_posted,
      debits_pending = excluded.debits_pending, credits_pending = excluded.credits_pending`,
  },
  pendingOpened: { table: 'ledger_pending_open', columns: 'id, expires_at_ms', tail: '' },
} as const satisfies Record<string, BulkShape>;

/** Rows per multi-row INSERT: one statement call per 64 rows instead of 64 calls (≤ 16 × 64 parameters). */
const BULK_ROWS = 64;

/** Multi-row INSERT statements, prepared once per shape and row count. */
class BulkInserter {
  private readonly cache = new Map<string, Statement>();

  constructor(private readonly database: SqliteDatabase) {}

  private statement(shape: BulkShape, rowCount: number): Statement {
    const key = `${shape.table}:${rowCount}`;
    let statement = this.cache.get(key);
    if (statement === undefined) {
      const placeholders = `(${shape.columns.split(',').map(() => '?').join(', ')})`;
      const values = Array(rowCount).fill(placeholders).join(', ');
      statement = this.database.prepare(`INSERT INTO ${shape.table} (${shape.columns}) VALUES ${values} ${shape.tail}`);
      this.cache.set(key, statement);
    }
    return statement;
  }

  /** Binds each row's values straight into one parameter array per statement (no array per row). */
  insert<T>(shape: BulkShape, rows: readonly T[], bind: (row: T, parameters: unknown[]) => void): void {
    const parameters: unknown[] = [];
    for (let start = 0; start < rows.length; start += BULK_ROWS) {
      const end = Math.min(rows.length, start + BULK_ROWS);
      parameters.length = 0;
      for (let index = start; index < end; index += 1) bind(rows[index]!, parameters);
      this.statement(shape, end - start).run(parameters);
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
