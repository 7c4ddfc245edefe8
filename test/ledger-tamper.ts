// What an attacker with write access to the database does to rewrite history
// without the signing key (SPEC §5 "Trusted heads"): change rows, recompute
// their leaf bytes and hashes, rebuild every inner node from the leaf hashes
// and delete the blocks that would no longer match, so that verifyLedger
// without a held head finds the store consistent. Used by
// test/trusted-head.test.ts and the tamper script (test/tamper.ts).
import { canonicalJson } from '../host/ledger/canonical-json.js';
import { TreeAppender } from '../host/ledger/merkle-log.js';
import { genericRecord, transferLeafText } from '../host/ledger/records.js';
import { leafHashText, hashBytes } from '../host/ledger/sha256.js';
import { emptyWrites } from '../host/store/ledger-store.js';
import { copyFileSync } from 'node:fs';
import { openSqlite } from '../host/store/sqlite.js';
import { ledgerFixture, type LedgerFixture } from './ledger-helpers.js';

const PAGE_LEAVES = 4_096;

export function hexLiteral(kind: 'sqlite' | 'postgres', bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return kind === 'sqlite' ? `X'${hex}'` : `'\\x${hex}'::bytea`;
}

function textLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function deleteBlocksFrom(fixture: LedgerFixture, height: number): Promise<void> {
  return fixture.raw(`DELETE FROM ledger_blocks WHERE height >= ${height}`);
}

/** Recomputes every stored group of inner nodes from the leaf hashes, as the append path would have written them. */
export async function rebuildNodes(fixture: LedgerFixture): Promise<void> {
  const tree = new TreeAppender(0, () => {
    throw new Error('an empty tree reads no nodes');
  });
  const size = await fixture.store.ledgerRead((reader) => reader.treeSize());
  for (let from = 0; from < size; from += PAGE_LEAVES) {
    const leaves = await fixture.store.ledgerRead((reader) => reader.readLeaves(from, Math.min(size, from + PAGE_LEAVES)));
    for (const leaf of leaves) tree.append(Buffer.from(leaf.hash).toString('latin1'));
  }
  await fixture.raw('DELETE FROM ledger_node_groups');
  await fixture.store.ledgerWrite((transaction) => transaction.write({ ...emptyWrites(), nodeGroups: tree.completedGroups }));
}

/** The SET clause of a row's new leaf bytes `leafText` and their hash. */
function leafColumns(fixture: LedgerFixture, leafText: string): string {
  const kind = fixture.fresh.kind;
  return `leaf = ${hexLiteral(kind, Buffer.from(leafText))}, hash = ${hexLiteral(kind, hashBytes(leafHashText(leafText)))}`;
}

/** Changes a single transfer's amount with its leaf, hash and both balances, then rebuilds the nodes. */
export async function rewriteTransferAmount(fixture: LedgerFixture, id: string, amountMicro: bigint): Promise<void> {
  const [row] = await fixture.store.ledgerRead((reader) => reader.readTransfers([id]));
  if (row === undefined || row.type !== 'single') throw new Error(`no single transfer ${id}`);
  const deltaMicro = amountMicro - row.amountMicro;
  const leafText = transferLeafText({ ...row, amountMicro });
  await fixture.raw(`UPDATE ledger_transfers SET amount = ${amountMicro}, ${leafColumns(fixture, leafText)} WHERE id = ${textLiteral(id)}`);
  await fixture.raw(`UPDATE ledger_balances SET debits_posted = debits_posted + ${deltaMicro} WHERE account_id = ${textLiteral(row.debit)}`);
  await fixture.raw(`UPDATE ledger_balances SET credits_posted = credits_posted + ${deltaMicro} WHERE account_id = ${textLiteral(row.credit)}`);
  await rebuildNodes(fixture);
}

/** Replaces the body of the generic record at `seq` with its leaf and hash, then rebuilds the nodes. */
export async function rewriteRecordBody(fixture: LedgerFixture, seq: number, body: unknown): Promise<void> {
  const [row] = await fixture.store.ledgerRead((reader) => reader.readRecordsBySeq(seq, seq + 1));
  if (row === undefined) throw new Error(`no generic record at ${seq}`);
  const bodyText = canonicalJson(body);
  const leafText = canonicalJson(genericRecord({ ...row, body: bodyText }));
  await fixture.raw(`UPDATE ledger_records SET body = ${textLiteral(bodyText)}, ${leafColumns(fixture, leafText)} WHERE seq = ${seq}`);
  await rebuildNodes(fixture);
}

/** Exchanges the positions of two generic records in the log, then rebuilds the nodes. */
export async function swapRecords(fixture: LedgerFixture, seqA: number, seqB: number): Promise<void> {
  await fixture.raw(`UPDATE ledger_records SET seq = -1 WHERE seq = ${seqA}`);
  await fixture.raw(`UPDATE ledger_records SET seq = ${seqA} WHERE seq = ${seqB}`);
  await fixture.raw(`UPDATE ledger_records SET seq = ${seqB} WHERE seq = -1`);
  await rebuildNodes(fixture);
}

/** Deletes the generic records from `seq` on and the blocks that sealed any of them, then rebuilds the nodes. */
export async function truncateRecordsFrom(fixture: LedgerFixture, seq: number): Promise<void> {
  await fixture.raw(`DELETE FROM ledger_records WHERE seq >= ${seq}`);
  await fixture.raw(`DELETE FROM ledger_blocks WHERE tree_size > ${seq}`);
  await rebuildNodes(fixture);
}

/** Runs `tamper` on a copy of the SQLite file at `dbPath`; returns the copy's path. */
export async function tamperedCopy(dbPath: string, name: string, tamper: (fixture: LedgerFixture) => Promise<void>): Promise<string> {
  const copy = `${dbPath}.${name}`;
  copyFileSync(dbPath, copy);
  const database = openSqlite(copy);
  try {
    await tamper(ledgerFixture({ kind: 'sqlite', database, path: copy, close: async () => { database.close(); } }));
  } finally {
    database.close();
  }
  return copy;
}
