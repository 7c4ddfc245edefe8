// Migration 6 (ledger rows) (docs/ledger.md "The tree"): a ledger stored in the layout of
// migrations 1–4 (leaves in ledger_leaves, one ledger_nodes row per inner
// node) is rebuilt here from a ledger's records, its nodes computed with the
// whole-tree functions of merkle.ts; after it it must verify,
// hold the node groups the append path writes, and keep appending.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { account, ledgerFixture, seededRandom, single, SIGNER, type LedgerFixture } from './ledger-helpers.js';
import { migratePostgres, migrateSqlite } from '../host/store/migrate.js';
import { MIGRATIONS } from '../host/store/migrations/index.js';
import { LEDGER_ROWS_MIGRATION } from '../host/store/migrations/006-ledger-rows.js';
import { nodeHash, rootHash, type Hash } from '../host/ledger/merkle.js';
import { verifyLedger } from '../host/ledger/verify.js';
import type { LedgerReader, NodeGroupRow } from '../host/store/ledger-store.js';
import type { TransferEvent } from '../host/ledger/types.js';

const NOW_MS = 1_767_225_600_000;
/** Past one group of the second tier (256 leaves), with incomplete groups at both tiers. */
const RECORDS_MIN = 300;
const BEFORE_LEDGER_ROWS = MIGRATIONS.filter((migration) => migration.version < LEDGER_ROWS_MIGRATION.version);
const FROM_LEDGER_ROWS = MIGRATIONS.filter((migration) => migration.version >= LEDGER_ROWS_MIGRATION.version).map((migration) => migration.version);

const TABLES: ReadonlyArray<[string, string]> = [
  ['ledger_accounts', 'id, seq, party, currency, kind, flags'],
  ['ledger_transfers', 'id, seq, type, debit, credit, amount, currency, code, ts, refs, pending_id, timeout_ms, expires_at_ms, reason'],
  ['ledger_records', 'seq, kind, body'],
  ['ledger_balances', 'account_id, debits_posted, credits_posted, debits_pending, credits_pending'],
  ['ledger_pending_open', 'id, expires_at_ms'],
  ['ledger_blocks', 'height, prev_block_hash, tree_size, root_hash, ts, signature'],
];

/** Accounts, singles, pendings with posts and voids, generic records, several blocks. */
async function populate(fixture: LedgerFixture): Promise<void> {
  const { ledger } = fixture;
  await ledger.createAccounts(['bank', 'alice', 'bob', 'carol'].map((id) => account(id)), NOW_MS);
  const random = seededRandom(5);
  for (let batch = 0; (await ledger.treeSize()) < RECORDS_MIN; batch += 1) {
    const events: TransferEvent[] = [];
    for (let index = 0; index < 1 + Math.floor(random() * 40); index += 1) {
      const id = `b${batch}-${index}`;
      const amountMicro = BigInt(1 + Math.floor(random() * 1_000));
      if (index % 7 === 3) {
        events.push({ ...single(id, 'bank', 'carol', amountMicro), type: 'pending', timeoutMs: 60_000 });
        events.push(index % 2 === 0
          ? { type: 'void', id: `${id}-v`, pendingId: id, ts: NOW_MS }
          : { type: 'post', id: `${id}-p`, pendingId: id, amountMicro: 1n, ts: NOW_MS });
      } else {
        events.push(single(id, 'bank', index % 2 === 0 ? 'alice' : 'bob', amountMicro));
      }
    }
    await ledger.createTransfers([...events, { ...single(`open-${batch}`, 'alice', 'bob', 1n), type: 'pending', timeoutMs: 3_600_000 }], NOW_MS);
    await ledger.appendRecord('dr-event', { batch }, NOW_MS);
  }
}

async function insertRows(fresh: FreshBackend, table: string, columns: string, rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  const count = columns.split(',').length;
  if (fresh.kind === 'sqlite') {
    const statement = fresh.database.prepare(`INSERT INTO ${table} (${columns}) VALUES (${Array(count).fill('?').join(', ')})`);
    for (const row of rows) statement.run(...row);
    return;
  }
  const text = `INSERT INTO ${table} (${columns}) VALUES (${Array.from({ length: count }, (_, index) => `$${index + 1}`).join(', ')})`;
  for (const row of rows) await fresh.sql.unsafe(text, row as never[]);
}

/** Every perfect subtree above the leaves, as migrations 1–4 stored them: (level, idx, hash) for level ≥ 1. */
function innerNodes(leafHashes: readonly Hash[]): unknown[][] {
  const rows: unknown[][] = [];
  let level = leafHashes;
  for (let height = 1; level.length >= 2; height += 1) {
    level = Array.from({ length: Math.floor(level.length / 2) }, (_, index) => nodeHash(level[2 * index]!, level[2 * index + 1]!));
    level.forEach((hash, index) => rows.push([height, index, hash]));
  }
  return rows;
}

/** Writes `source`'s ledger into `target` (migrated up to version 5) in the layout before migration 6. */
async function writeOldLayout(source: LedgerFixture, target: FreshBackend): Promise<void> {
  for (const [table, columns] of TABLES) {
    const rows = await source.rows(`SELECT ${columns} FROM ${table}`);
    await insertRows(target, table, columns, rows.map((row) => Object.values(row)));
  }
  const leaves = await source.store.ledgerRead(async (reader) => reader.readLeaves(0, await reader.treeSize()));
  await insertRows(target, 'ledger_leaves', 'seq, kind, record_id, leaf, hash', leaves.map((leaf) => [leaf.seq, leaf.kind, leaf.recordId, leaf.leaf, leaf.hash]));
  await insertRows(target, 'ledger_nodes', 'level, idx, hash', innerNodes(leaves.map((leaf) => leaf.hash)));
}

async function allGroups(reader: LedgerReader): Promise<NodeGroupRow[]> {
  const groups: NodeGroupRow[] = [];
  for (let tier = 0; tier <= (await reader.maxNodeTier()); tier += 1) groups.push(...await reader.readNodeGroupRange(tier, 0, Number.MAX_SAFE_INTEGER));
  return groups.map((group) => ({ ...group, hashes: Uint8Array.from(group.hashes) }));
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 migration 6 (ledger rows): a ledger stored before it (${backend.kind})`, () => {
    const opened: FreshBackend[] = [];
    after(async () => {
      for (const fresh of opened) await fresh.close();
    });

    it('migrates to record rows with their leaves and packed node groups, verifies, and keeps appending', async () => {
      const source = ledgerFixture(await backend.open(), 64);
      opened.push(source.fresh);
      await populate(source);
      await source.ledger.sealBlock(NOW_MS + 1);
      const before = await verifyLedger(source.store, SIGNER.publicKey);
      assert.ok(before.ok && before.treeSize >= RECORDS_MIN, JSON.stringify(before));

      const targetBackend = await backend.open(BEFORE_LEDGER_ROWS);
      opened.push(targetBackend);
      await writeOldLayout(source, targetBackend);
      const applied = targetBackend.kind === 'sqlite' ? migrateSqlite(targetBackend.database) : await migratePostgres(targetBackend.sql);
      assert.deepEqual(applied, FROM_LEDGER_ROWS);

      const target = ledgerFixture(targetBackend, 64);
      assert.deepEqual(await verifyLedger(target.store, SIGNER.publicKey), before);
      const [sourceGroups, targetGroups] = await Promise.all([source, target].map((fixture) => fixture.store.ledgerRead(allGroups)));
      assert.ok(targetGroups!.some((group) => group.tier === 1), 'a group of the second tier was migrated');
      assert.deepEqual(targetGroups, sourceGroups, 'the migrated groups are the ones appending writes');
      const leavesOf = (fixture: LedgerFixture) => fixture.store.ledgerRead((reader) => reader.readLeaves(0, before.ok ? before.treeSize : 0));
      assert.deepEqual(await leavesOf(target), await leavesOf(source));

      const more: TransferEvent[] = [single('after', 'bank', 'alice', 5n), { type: 'post', id: 'after-p', pendingId: 'open-0', amountMicro: 1n, ts: NOW_MS }];
      assert.deepEqual(await target.ledger.createTransfers(more, NOW_MS + 2), ['ok', 'ok']);
      await target.ledger.sealBlock(NOW_MS + 3);
      const afterLedgerRows = await verifyLedger(target.store, SIGNER.publicKey);
      assert.ok(afterLedgerRows.ok, JSON.stringify(afterLedgerRows));
      const allLeaves = (await target.store.ledgerRead((reader) => reader.readLeaves(0, afterLedgerRows.treeSize))).map((leaf) => leaf.leaf);
      assert.deepEqual(await target.ledger.rootAt(afterLedgerRows.treeSize), rootHash(allLeaves));
    });
  });
}
