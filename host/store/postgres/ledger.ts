// LedgerStore on PostgreSQL (postgres.js). Several hosts may write at once:
// every write transaction first takes one transaction-scoped advisory lock,
// so appends to the log (and the balance checks before them) are serialised
// across hosts; leaf indexes and transfer ids are also unique keys, so a
// bug could only fail a transaction, never leave a gap or a duplicate.
import type postgres from 'postgres';
import type { PostgresSql } from '../postgres.js';
import type {
  AccountRow, BalanceRow, BlockRow, LeafRow, LedgerStore, LedgerTransaction, LedgerWrites, NodeRow, OpenPendingRow, RecordRow,
  TransferRow,
} from '../ledger-store.js';
import { nodeKey } from '../ledger-store.js';
import { toAccount, toBalance, toBlock, toLeaf, toNode, toTransfer } from '../ledger-rows.js';

type Sql = postgres.TransactionSql<Record<string, never>>;

/** Distinct from the migration lock (7_261_001). */
export const LEDGER_APPEND_LOCK_KEY = 7_261_005;

const TRANSFER_COLUMNS = ['id', 'seq', 'type', 'debit', 'credit', 'amount', 'currency', 'code', 'ts', 'refs', 'pending_id', 'timeout_ms', 'expires_at_ms', 'reason'] as const;

class PostgresLedgerTransaction implements LedgerTransaction {
  constructor(private readonly sql: Sql) {}

  async treeSize(): Promise<number> {
    const [row] = await this.sql`SELECT COALESCE(MAX(seq) + 1, 0) AS size FROM ledger_leaves`;
    return Number(row!.size);
  }

  async readNodes(keys: ReadonlyArray<{ level: number; index: number }>): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (keys.length === 0) return found;
    const rows = await this.sql`SELECT n.level, n.idx, n.hash FROM ledger_nodes n
      JOIN unnest(${keys.map((key) => key.level)}::int[], ${keys.map((key) => key.index)}::bigint[]) AS k(level, idx)
      ON n.level = k.level AND n.idx = k.idx
      UNION ALL SELECT 0 AS level, l.seq AS idx, l.hash FROM ledger_leaves l
      WHERE l.seq = ANY(${keys.filter((key) => key.level === 0).map((key) => key.index)}::bigint[])`;
    for (const row of rows) found.set(nodeKey(Number(row.level), Number(row.idx)), row.hash as Uint8Array);
    return found;
  }

  async readNodeRange(level: number, fromIndex: number, toIndex: number): Promise<NodeRow[]> {
    const rows = level === 0
      ? await this.sql`SELECT 0 AS level, seq AS idx, hash FROM ledger_leaves WHERE seq >= ${fromIndex} AND seq < ${toIndex} ORDER BY seq`
      : await this.sql`SELECT level, idx, hash FROM ledger_nodes WHERE level = ${level} AND idx >= ${fromIndex} AND idx < ${toIndex} ORDER BY idx`;
    return rows.map(toNode);
  }

  async maxNodeLevel(): Promise<number> {
    const [row] = await this.sql`SELECT COALESCE((SELECT MAX(level) FROM ledger_nodes), (SELECT 0 FROM ledger_leaves LIMIT 1), -1) AS level`;
    return Number(row!.level);
  }

  async readLeaves(fromSeq: number, toSeq: number): Promise<LeafRow[]> {
    const rows = await this.sql`SELECT seq, kind, record_id, leaf, hash FROM ledger_leaves WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`;
    return rows.map(toLeaf);
  }

  async readAccounts(ids: readonly string[]): Promise<AccountRow[]> {
    return (await this.sql`SELECT * FROM ledger_accounts WHERE id = ANY(${ids as string[]}::text[])`).map(toAccount);
  }

  async readAccountsBySeq(fromSeq: number, toSeq: number): Promise<AccountRow[]> {
    return (await this.sql`SELECT * FROM ledger_accounts WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`).map(toAccount);
  }

  async readBalances(ids: readonly string[]): Promise<BalanceRow[]> {
    return (await this.sql`SELECT * FROM ledger_balances WHERE account_id = ANY(${ids as string[]}::text[])`).map(toBalance);
  }

  async readBalancePage(afterId: string | null, limit: number): Promise<BalanceRow[]> {
    const rows = await this.sql`SELECT * FROM ledger_balances WHERE account_id > ${afterId ?? ''} COLLATE "C"
      ORDER BY account_id COLLATE "C" LIMIT ${limit}`;
    return rows.map(toBalance);
  }

  async readTransfers(ids: readonly string[]): Promise<TransferRow[]> {
    return (await this.sql`SELECT * FROM ledger_transfers WHERE id = ANY(${ids as string[]}::text[])`).map(toTransfer);
  }

  async readTransfersBySeq(fromSeq: number, toSeq: number): Promise<TransferRow[]> {
    return (await this.sql`SELECT * FROM ledger_transfers WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`).map(toTransfer);
  }

  async readResolutions(pendingIds: readonly string[]): Promise<TransferRow[]> {
    return (await this.sql`SELECT * FROM ledger_transfers WHERE pending_id = ANY(${pendingIds as string[]}::text[])`).map(toTransfer);
  }

  async readExpiredPending(nowMs: number, limit: number): Promise<TransferRow[]> {
    const rows = await this.sql`SELECT * FROM ledger_transfers WHERE id IN
      (SELECT id FROM ledger_pending_open WHERE expires_at_ms <= ${nowMs} ORDER BY expires_at_ms, id LIMIT ${limit})
      ORDER BY expires_at_ms, seq`;
    return rows.map(toTransfer);
  }

  async readOpenPendingPage(afterId: string | null, limit: number): Promise<OpenPendingRow[]> {
    const rows = await this.sql`SELECT id, expires_at_ms FROM ledger_pending_open WHERE id > ${afterId ?? ''} COLLATE "C"
      ORDER BY id COLLATE "C" LIMIT ${limit}`;
    return rows.map((row) => ({ id: row.id as string, expiresAtMs: Number(row.expires_at_ms) }));
  }

  async readRecordsBySeq(fromSeq: number, toSeq: number): Promise<RecordRow[]> {
    const rows = await this.sql`SELECT seq, kind, body FROM ledger_records WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`;
    return rows.map((row) => ({ seq: Number(row.seq), kind: row.kind as string, body: row.body as string }));
  }

  async lastBlock(): Promise<BlockRow | null> {
    const [row] = await this.sql`SELECT * FROM ledger_blocks ORDER BY height DESC LIMIT 1`;
    return row === undefined ? null : toBlock(row);
  }

  async readBlocks(fromHeight: number, limit: number): Promise<BlockRow[]> {
    return (await this.sql`SELECT * FROM ledger_blocks WHERE height >= ${fromHeight} ORDER BY height LIMIT ${limit}`).map(toBlock);
  }

  async write(writes: LedgerWrites): Promise<void> {
    const sql = this.sql;
    // unnest of one array per column: a statement with a fixed handful of
    // parameters whatever the batch size (bytes travel as hex, BIGINT as text).
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
    const text = (value: bigint | number | null): string | null => (value === null ? null : String(value));
    const { leaves, nodes, accounts, transfers, records, balances } = writes;
    // Issued together: postgres.js pipelines them on the transaction's connection.
    const statements: Array<Promise<unknown>> = [];
    if (leaves.length > 0) {
      statements.push(sql`INSERT INTO ledger_leaves (seq, kind, record_id, leaf, hash)
        SELECT seq, kind, record_id, decode(leaf, 'hex'), decode(hash, 'hex') FROM unnest(
          ${leaves.map((l) => l.seq)}::bigint[], ${leaves.map((l) => l.kind)}::text[], ${leaves.map((l) => l.recordId)}::text[],
          ${leaves.map((l) => hex(l.leaf))}::text[], ${leaves.map((l) => hex(l.hash))}::text[]) AS u(seq, kind, record_id, leaf, hash)`);
    }
    if (nodes.length > 0) {
      statements.push(sql`INSERT INTO ledger_nodes (level, idx, hash) SELECT level, idx, decode(hash, 'hex') FROM unnest(
        ${nodes.map((n) => n.level)}::int[], ${nodes.map((n) => n.index)}::bigint[], ${nodes.map((n) => hex(n.hash))}::text[]) AS u(level, idx, hash)`);
    }
    if (accounts.length > 0) {
      statements.push(sql`INSERT INTO ledger_accounts (id, seq, party, currency, kind, flags) SELECT * FROM unnest(
        ${accounts.map((a) => a.id)}::text[], ${accounts.map((a) => a.seq)}::bigint[], ${accounts.map((a) => a.party)}::text[],
        ${accounts.map((a) => a.currency)}::text[], ${accounts.map((a) => a.kind)}::text[], ${accounts.map((a) => a.flags)}::int[])`);
    }
    if (transfers.length > 0) {
      const column = <K extends keyof TransferRow>(key: K): Array<TransferRow[K]> => transfers.map((t) => t[key]);
      statements.push(sql`INSERT INTO ledger_transfers (${sql.unsafe(TRANSFER_COLUMNS.join(', '))}) SELECT * FROM unnest(
        ${column('id')}::text[], ${column('seq')}::bigint[], ${column('type')}::text[], ${column('debit')}::text[],
        ${column('credit')}::text[], ${column('amountMicro').map(text)}::bigint[], ${column('currency')}::text[],
        ${column('code')}::int[], ${column('ts')}::bigint[], ${column('refs')}::text[], ${column('pendingId')}::text[],
        ${column('timeoutMs').map(text)}::bigint[], ${column('expiresAtMs').map(text)}::bigint[], ${column('reason')}::text[])`);
    }
    if (records.length > 0) {
      statements.push(sql`INSERT INTO ledger_records (seq, kind, body) SELECT * FROM unnest(
        ${records.map((r) => r.seq)}::bigint[], ${records.map((r) => r.kind)}::text[], ${records.map((r) => r.body)}::text[])`);
    }
    if (balances.length > 0) {
      statements.push(sql`INSERT INTO ledger_balances (account_id, debits_posted, credits_posted, debits_pending, credits_pending)
        SELECT * FROM unnest(${balances.map((b) => b.accountId)}::text[], ${balances.map((b) => text(b.debitsPostedMicro))}::bigint[],
          ${balances.map((b) => text(b.creditsPostedMicro))}::bigint[], ${balances.map((b) => text(b.debitsPendingMicro))}::bigint[],
          ${balances.map((b) => text(b.creditsPendingMicro))}::bigint[])
        ON CONFLICT (account_id) DO UPDATE SET debits_posted = excluded.debits_posted, credits_posted = excluded.credits_posted,
        debits_pending = excluded.debits_pending, credits_pending = excluded.credits_pending`);
    }
    if (writes.pendingOpened.length > 0) {
      statements.push(sql`INSERT INTO ledger_pending_open (id, expires_at_ms) SELECT * FROM unnest(
        ${writes.pendingOpened.map((p) => p.id)}::text[], ${writes.pendingOpened.map((p) => p.expiresAtMs)}::bigint[])`);
    }
    if (writes.pendingClosed.length > 0) statements.push(sql`DELETE FROM ledger_pending_open WHERE id = ANY(${writes.pendingClosed}::text[])`);
    for (const b of writes.blocks) {
      statements.push(sql`INSERT INTO ledger_blocks (height, prev_block_hash, tree_size, root_hash, ts, signature)
        VALUES (${b.height}, ${b.prevBlockHash}, ${b.treeSize}, ${b.rootHash}, ${b.ts}, ${b.signature})`);
    }
    await Promise.all(statements);
  }
}

export class PostgresLedgerStore implements LedgerStore {
  constructor(private readonly sql: PostgresSql) {}

  async ledgerWrite<T>(work: (transaction: LedgerTransaction) => Promise<T>): Promise<T> {
    const result = await this.sql.begin(async (transaction) => {
      await transaction`SELECT pg_advisory_xact_lock(${LEDGER_APPEND_LOCK_KEY})`;
      return { value: await work(new PostgresLedgerTransaction(transaction as unknown as Sql)) };
    });
    return (result as { value: T }).value;
  }

  async ledgerRead<T>(work: (reader: LedgerTransaction) => Promise<T>): Promise<T> {
    const result = await this.sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (transaction) => {
      return { value: await work(new PostgresLedgerTransaction(transaction as unknown as Sql)) };
    });
    return (result as { value: T }).value;
  }
}
