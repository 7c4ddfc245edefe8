// LedgerStore on PostgreSQL (postgres.js). Several hosts may write at once:
// every write transaction first takes one transaction-scoped advisory lock,
// so appends to the log (and the balance checks before them) are serialised
// across hosts; leaf indexes and transfer ids are also unique keys, so a
// bug could only fail a transaction, never leave a gap or a duplicate.
import type postgres from 'postgres';
import type { PostgresSql } from '../postgres.js';
import type {
  AccountRow, BalanceRow, BlockRow, GroupKey, LeafRow, LedgerStore, LedgerTransaction, LedgerWrites, NodeGroupRow, OpenPendingRow,
  RecordRow, TransferRow,
} from '../ledger-store.js';
import { ACCOUNT_RECORD, groupKey, TRANSFER_RECORD } from '../ledger-store.js';
import { toAccount, toBalance, toBlock, toLeaf, toNodeGroup, toTransfer } from '../ledger-rows.js';

type Sql = postgres.TransactionSql<Record<string, never>>;

/** Distinct from the migration lock (7_261_001). */
export const LEDGER_APPEND_LOCK_KEY = 7_261_005;

const TRANSFER_COLUMNS = ['id', 'seq', 'type', 'debit', 'credit', 'amount', 'currency', 'code', 'ts', 'refs', 'pending_id', 'timeout_ms', 'expires_at_ms', 'reason'] as const;
const TRANSFER_SELECT = TRANSFER_COLUMNS.join(', ');
const ACCOUNT_SELECT = 'id, seq, party, currency, kind, flags';

/** Bytes travel as hex text in unnest arrays. */
function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

class PostgresLedgerTransaction implements LedgerTransaction {
  constructor(private readonly sql: Sql) {}

  async treeSize(): Promise<number> {
    const [row] = await this.sql`SELECT GREATEST((SELECT MAX(seq) FROM ledger_accounts), (SELECT MAX(seq) FROM ledger_transfers),
      (SELECT MAX(seq) FROM ledger_records), -1) + 1 AS size`;
    return Number(row!.size);
  }

  async readLeafHashes(seqs: readonly number[]): Promise<Map<number, Uint8Array>> {
    if (seqs.length === 0) return new Map();
    const wanted = seqs as number[];
    const rows = await this.sql`SELECT seq, hash FROM ledger_accounts WHERE seq = ANY(${wanted}::bigint[])
      UNION ALL SELECT seq, hash FROM ledger_transfers WHERE seq = ANY(${wanted}::bigint[])
      UNION ALL SELECT seq, hash FROM ledger_records WHERE seq = ANY(${wanted}::bigint[])`;
    return new Map(rows.map((row) => [Number(row.seq), row.hash as Uint8Array]));
  }

  async readNodeGroups(keys: readonly GroupKey[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    if (keys.length === 0) return found;
    const rows = await this.sql`SELECT g.tier, g.grp, g.hashes FROM ledger_node_groups g
      JOIN unnest(${keys.map((key) => key.tier)}::int[], ${keys.map((key) => key.group)}::bigint[]) AS k(tier, grp)
      ON g.tier = k.tier AND g.grp = k.grp`;
    for (const row of rows) found.set(groupKey(Number(row.tier), Number(row.grp)), row.hashes as Uint8Array);
    return found;
  }

  async readNodeGroupRange(tier: number, fromGroup: number, toGroup: number): Promise<NodeGroupRow[]> {
    const rows = await this.sql`SELECT tier, grp, hashes FROM ledger_node_groups
      WHERE tier = ${tier} AND grp >= ${fromGroup} AND grp < ${toGroup} ORDER BY grp`;
    return rows.map(toNodeGroup);
  }

  async maxNodeTier(): Promise<number> {
    const [row] = await this.sql`SELECT COALESCE(MAX(tier), -1) AS tier FROM ledger_node_groups`;
    return Number(row!.tier);
  }

  async readLeaves(fromSeq: number, toSeq: number): Promise<LeafRow[]> {
    const rows = await this.sql`SELECT seq, ${ACCOUNT_RECORD}::text AS kind, id AS record_id, leaf, hash FROM ledger_accounts
        WHERE seq >= ${fromSeq} AND seq < ${toSeq}
      UNION ALL SELECT seq, ${TRANSFER_RECORD}::text, id, leaf, hash FROM ledger_transfers WHERE seq >= ${fromSeq} AND seq < ${toSeq}
      UNION ALL SELECT seq, kind, COALESCE(record_id, seq::text), leaf, hash FROM ledger_records WHERE seq >= ${fromSeq} AND seq < ${toSeq}
      ORDER BY seq`;
    return rows.map(toLeaf);
  }

  async readAccounts(ids: readonly string[]): Promise<AccountRow[]> {
    return (await this.sql`SELECT ${this.sql.unsafe(ACCOUNT_SELECT)} FROM ledger_accounts WHERE id = ANY(${ids as string[]}::text[])`).map(toAccount);
  }

  async readAccountsBySeq(fromSeq: number, toSeq: number): Promise<AccountRow[]> {
    return (await this.sql`SELECT ${this.sql.unsafe(ACCOUNT_SELECT)} FROM ledger_accounts WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`).map(toAccount);
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
    return (await this.sql`SELECT ${this.sql.unsafe(TRANSFER_SELECT)} FROM ledger_transfers WHERE id = ANY(${ids as string[]}::text[])`).map(toTransfer);
  }

  async readTransfersBySeq(fromSeq: number, toSeq: number): Promise<TransferRow[]> {
    return (await this.sql`SELECT ${this.sql.unsafe(TRANSFER_SELECT)} FROM ledger_transfers WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`).map(toTransfer);
  }

  async readResolutions(pendingIds: readonly string[]): Promise<TransferRow[]> {
    return (await this.sql`SELECT ${this.sql.unsafe(TRANSFER_SELECT)} FROM ledger_transfers WHERE pending_id = ANY(${pendingIds as string[]}::text[])`).map(toTransfer);
  }

  async readExpiredPending(nowMs: number, limit: number): Promise<TransferRow[]> {
    const rows = await this.sql`SELECT ${this.sql.unsafe(TRANSFER_SELECT)} FROM ledger_transfers WHERE id IN
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
    const rows = await this.sql`SELECT seq, kind, body, record_id FROM ledger_records WHERE seq >= ${fromSeq} AND seq < ${toSeq} ORDER BY seq`;
    return rows.map(postgresRecordOf);
  }

  async readRecordById(recordId: string): Promise<RecordRow | null> {
    const [row] = await this.sql`SELECT seq, kind, body, record_id FROM ledger_records WHERE record_id = ${recordId}`;
    return row === undefined ? null : postgresRecordOf(row);
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
    const text = (value: bigint | number | null): string | null => (value === null ? null : String(value));
    const { accounts, transfers, records, nodeGroups, balances } = writes;
    // Issued together: postgres.js pipelines them on the transaction's connection.
    const statements: Array<Promise<unknown>> = [];
    if (accounts.length > 0) {
      const column = <K extends keyof AccountRow>(key: K): Array<AccountRow[K]> => accounts.map(({ row }) => row[key]);
      statements.push(sql`INSERT INTO ledger_accounts (id, seq, party, currency, kind, flags, leaf, hash)
        SELECT id, seq, party, currency, kind, flags, decode(leaf, 'hex'), decode(hash, 'hex') FROM unnest(
        ${column('id')}::text[], ${column('seq')}::bigint[], ${column('party')}::text[], ${column('currency')}::text[],
        ${column('kind')}::text[], ${column('flags')}::int[], ${accounts.map((a) => hex(a.leaf))}::text[],
        ${accounts.map((a) => hex(a.hash))}::text[]) AS u(id, seq, party, currency, kind, flags, leaf, hash)`);
    }
    if (transfers.length > 0) {
      const column = <K extends keyof TransferRow>(key: K): Array<TransferRow[K]> => transfers.map(({ row }) => row[key]);
      statements.push(sql`INSERT INTO ledger_transfers (${sql.unsafe(TRANSFER_SELECT)}, leaf, hash)
        SELECT ${sql.unsafe(TRANSFER_SELECT)}, decode(leaf, 'hex'), decode(hash, 'hex') FROM unnest(
        ${column('id')}::text[], ${column('seq')}::bigint[], ${column('type')}::text[], ${column('debit')}::text[],
        ${column('credit')}::text[], ${column('amountMicro').map(text)}::bigint[], ${column('currency')}::text[],
        ${column('code')}::int[], ${column('ts')}::bigint[], ${column('refs')}::text[], ${column('pendingId')}::text[],
        ${column('timeoutMs').map(text)}::bigint[], ${column('expiresAtMs').map(text)}::bigint[], ${column('reason')}::text[],
        ${transfers.map((t) => hex(t.leaf))}::text[], ${transfers.map((t) => hex(t.hash))}::text[])
        AS u(${sql.unsafe(TRANSFER_SELECT)}, leaf, hash)`);
    }
    if (records.length > 0) {
      statements.push(sql`INSERT INTO ledger_records (seq, kind, body, record_id, leaf, hash)
        SELECT seq, kind, body, record_id, decode(leaf, 'hex'), decode(hash, 'hex') FROM unnest(
        ${records.map((r) => r.row.seq)}::bigint[], ${records.map((r) => r.row.kind)}::text[], ${records.map((r) => r.row.body)}::text[],
        ${records.map((r) => r.row.recordId)}::text[],
        ${records.map((r) => hex(r.leaf))}::text[], ${records.map((r) => hex(r.hash))}::text[]) AS u(seq, kind, body, record_id, leaf, hash)`);
    }
    if (nodeGroups.length > 0) {
      statements.push(sql`INSERT INTO ledger_node_groups (tier, grp, hashes) SELECT tier, grp, decode(hashes, 'hex') FROM unnest(
        ${nodeGroups.map((g) => g.tier)}::int[], ${nodeGroups.map((g) => g.group)}::bigint[], ${nodeGroups.map((g) => hex(g.hashes))}::text[])
        AS u(tier, grp, hashes)`);
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

function postgresRecordOf(row: Record<string, unknown>): RecordRow {
  return { seq: Number(row.seq), kind: row.kind as string, body: row.body as string, recordId: (row.record_id as string | null) ?? null };
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
