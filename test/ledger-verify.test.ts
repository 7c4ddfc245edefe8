import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends } from './store-backends.js';
import { account, ledgerFixture, single, SIGNER, type LedgerFixture } from './ledger-helpers.js';
import { verifyLedger, type VerifyLocation } from '../host/ledger/verify.js';
import { generateLedgerSigner, headerBytes, verifyBlockSignature } from '../host/ledger/blocks.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../host/ledger/merkle.js';
import { AccountFlags } from '../host/ledger/types.js';
import { HASH_BYTES, slotOf } from '../host/ledger/node-groups.js';
import { hexLiteral } from './ledger-tamper.js';

const NOW_MS = 1_767_225_600_000;

/**
 * A ledger with every record kind: accounts, transfers, two-phase, a generic
 * record, several blocks, and 18 leaves, so the first group of inner nodes
 * (over leaves 0 … 15) is stored.
 */
async function populate(fixture: LedgerFixture): Promise<void> {
  const { ledger } = fixture;
  await ledger.createAccounts([account('bank'), account('alice', AccountFlags.debitsMustNotExceedCredits), account('bob')], NOW_MS);
  await ledger.createTransfers([single('t1', 'bank', 'alice', 1_000n), single('t2', 'alice', 'bob', 250n)], NOW_MS);
  await ledger.createTransfers([
    { ...single('p1', 'alice', 'bob', 300n), type: 'pending', timeoutMs: 10_000 },
    { type: 'post', id: 'c1', pendingId: 'p1', amountMicro: 200n, ts: NOW_MS },
    { ...single('p2', 'bank', 'bob', 50n), type: 'pending', timeoutMs: 10_000 },
    { type: 'void', id: 'v2', pendingId: 'p2', ts: NOW_MS },
  ], NOW_MS + 1);
  await ledger.appendRecord('dr-event', { event: 'e1', targetMWh: 5_000 }, NOW_MS + 2);
  await ledger.sealBlock(NOW_MS + 3);
  await ledger.createTransfers(Array.from({ length: 8 }, (_, index) => single(`s${index}`, 'bank', 'bob', BigInt(index + 1))), NOW_MS + 3);
}

async function seqOf(fixture: LedgerFixture, id: string): Promise<number> {
  const [row] = await fixture.rows(`SELECT seq FROM ledger_transfers WHERE id = '${id}'`);
  return Number(row!.seq);
}

/** Flips one byte of a BLOB/BYTEA cell through raw SQL; returns the restore. */
async function flipByte(fixture: LedgerFixture, table: string, column: string, where: string, offset = 5): Promise<() => Promise<void>> {
  const [row] = await fixture.rows(`SELECT ${column} AS value FROM ${table} WHERE ${where}`);
  const original = Uint8Array.from(row!.value as Uint8Array);
  const changed = Uint8Array.from(original);
  changed[offset] = changed[offset]! ^ 0x01;
  await fixture.raw(`UPDATE ${table} SET ${column} = ${hexLiteral(fixture.fresh.kind, changed)} WHERE ${where}`);
  return () => fixture.raw(`UPDATE ${table} SET ${column} = ${hexLiteral(fixture.fresh.kind, original)} WHERE ${where}`);
}

/** Flips one byte of inner node (level, index) where its group row stores it. */
function flipNode(fixture: LedgerFixture, level: number, index: number): Promise<() => Promise<void>> {
  const { tier, group, slot } = slotOf(level, index);
  return flipByte(fixture, 'ledger_node_groups', 'hashes', `tier = ${tier} AND grp = ${group}`, slot * HASH_BYTES + 5);
}

async function expectFailureAt(fixture: LedgerFixture, expected: VerifyLocation): Promise<void> {
  const report = await verifyLedger(fixture.store, SIGNER.publicKey);
  assert.equal(report.ok, false, 'tampering must be detected');
  if (!report.ok) assert.deepEqual(Object.fromEntries(Object.keys(expected).map((key) => [key, report.at[key as keyof VerifyLocation]])), expected, report.reason);
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 verifiable ledger: verifyLedger detects tampering (${backend.kind})`, () => {
    let fixture: LedgerFixture;
    before(async () => {
      fixture = ledgerFixture(await backend.open(), 4);
      await populate(fixture);
    });
    after(async () => fixture.fresh.close());

    it('an untouched ledger verifies: leaves, nodes, blocks, signatures, balances', async () => {
      const report = await verifyLedger(fixture.store, SIGNER.publicKey);
      assert.deepEqual(report, { ok: true, treeSize: 18, blocks: 4, unsealedRecords: 0 });
    });

    it('blocks chain and are signed; proofs verify against a block root independently', async () => {
      const blocks = await fixture.ledger.blocks(0, 10);
      assert.deepEqual(blocks.map((block) => [block.height, block.treeSize]), [[0, 5], [1, 9], [2, 10], [3, 18]]);
      assert.ok(blocks.every((block) => verifyBlockSignature(block, SIGNER.publicKey)));
      assert.ok(!verifyBlockSignature(blocks[0]!, generateLedgerSigner().publicKey), 'another key does not verify');
      const [first, last] = [blocks[0]!, blocks[3]!];
      const leaf = (await fixture.ledger.leaf(4))!;
      assert.ok(verifyInclusion(4, last.treeSize, leafHash(leaf), await fixture.ledger.inclusionProof(4, last.treeSize), last.rootHash));
      const proof = await fixture.ledger.consistencyProof(first.treeSize, last.treeSize);
      assert.ok(verifyConsistency(first.treeSize, last.treeSize, proof, first.rootHash, last.rootHash));
      assert.match(new TextDecoder().decode(headerBytes(last)), /^\{"height":3,"prevBlockHash":"[0-9a-f]{64}","rootHash":"[0-9a-f]{64}","treeSize":18,"ts":\d+\}$/);
    });

    it('a changed transfer amount names that transfer', async () => {
      await fixture.raw(`UPDATE ledger_transfers SET amount = amount + 1 WHERE id = 't2'`);
      await expectFailureAt(fixture, { kind: 'transfer', id: 't2', index: await seqOf(fixture, 't2') });
      await fixture.raw(`UPDATE ledger_transfers SET amount = amount - 1 WHERE id = 't2'`);
    });

    it('a changed account flag names that account', async () => {
      await fixture.raw(`UPDATE ledger_accounts SET flags = 0 WHERE id = 'alice'`);
      await expectFailureAt(fixture, { kind: 'account', id: 'alice' });
      await fixture.raw(`UPDATE ledger_accounts SET flags = 1 WHERE id = 'alice'`);
    });

    it('a changed generic record names it', async () => {
      await fixture.raw(`UPDATE ledger_records SET body = '{"event":"e1","targetMWh":5001}'`);
      await expectFailureAt(fixture, { kind: 'dr-event', index: 9 });
      await fixture.raw(`UPDATE ledger_records SET body = '{"event":"e1","targetMWh":5000}'`);
    });

    it('a changed leaf byte, in the row of an account, a transfer or a record, names that leaf', async () => {
      const c1 = await seqOf(fixture, 'c1');
      for (const [table, seq] of [['ledger_accounts', 1], ['ledger_transfers', c1], ['ledger_records', 9]] as const) {
        const restore = await flipByte(fixture, table, 'leaf', `seq = ${seq}`, 12);
        await expectFailureAt(fixture, { kind: 'leaf', index: seq });
        await restore();
      }
    });

    it('a changed node hash names that node: a leaf hash in each record table, and inner nodes of every height of a group', async () => {
      for (const [table, seq] of [['ledger_accounts', 2], ['ledger_transfers', 6], ['ledger_records', 9]] as const) {
        const restore = await flipByte(fixture, table, 'hash', `seq = ${seq}`);
        await expectFailureAt(fixture, { kind: 'node', level: 0, index: seq });
        await restore();
      }
      for (const [level, index] of [[1, 3], [2, 1], [3, 1], [4, 0]] as const) {
        const restore = await flipNode(fixture, level, index);
        await expectFailureAt(fixture, { kind: 'node', level, index });
        await restore();
      }
    });

    it('a changed block root, previous hash or signature names that block', async () => {
      let restore = await flipByte(fixture, 'ledger_blocks', 'root_hash', 'height = 1');
      await expectFailureAt(fixture, { kind: 'block', height: 1 });
      await restore();
      restore = await flipByte(fixture, 'ledger_blocks', 'prev_block_hash', 'height = 2');
      await expectFailureAt(fixture, { kind: 'block', height: 2 });
      await restore();
      restore = await flipByte(fixture, 'ledger_blocks', 'signature', 'height = 0', 40);
      await expectFailureAt(fixture, { kind: 'block', height: 0 });
      await restore();
      await fixture.raw('UPDATE ledger_blocks SET ts = ts + 1 WHERE height = 2');
      await expectFailureAt(fixture, { kind: 'block', height: 2 });
      await fixture.raw('UPDATE ledger_blocks SET ts = ts - 1 WHERE height = 2');
    });

    it('a changed balance names that account balance', async () => {
      await fixture.raw(`UPDATE ledger_balances SET credits_posted = credits_posted + 1 WHERE account_id = 'bob'`);
      await expectFailureAt(fixture, { kind: 'balance', id: 'bob' });
      await fixture.raw(`UPDATE ledger_balances SET credits_posted = credits_posted - 1 WHERE account_id = 'bob'`);
      assert.equal((await verifyLedger(fixture.store, SIGNER.publicKey)).ok, true, 'every restore brings the ledger back');
    });

    it('a deleted open-pending entry (what expiry reads) names that pending', async () => {
      await fixture.ledger.createTransfers([{ ...single('p3', 'bank', 'bob', 5n), type: 'pending', timeoutMs: 60_000 }], NOW_MS + 4);
      assert.equal((await verifyLedger(fixture.store, SIGNER.publicKey)).ok, true);
      const [entry] = await fixture.rows(`SELECT expires_at_ms FROM ledger_pending_open WHERE id = 'p3'`);
      await fixture.raw(`DELETE FROM ledger_pending_open WHERE id = 'p3'`);
      await expectFailureAt(fixture, { kind: 'pending', id: 'p3' });
      await fixture.raw(`INSERT INTO ledger_pending_open (id, expires_at_ms) VALUES ('p3', ${entry!.expires_at_ms})`);
    });

    it('a deleted leaf, a missing node group or an extra one is reported', async () => {
      // A group is named by its top node (level 4 for the first tier).
      const [stored] = await fixture.rows('SELECT hashes FROM ledger_node_groups WHERE tier = 0 AND grp = 0');
      const hashes = hexLiteral(fixture.fresh.kind, stored!.hashes as Uint8Array);
      const groupRow = (group: number) => `INSERT INTO ledger_node_groups (tier, grp, hashes) VALUES (0, ${group}, ${hashes})`;
      await fixture.raw(groupRow(100));
      await expectFailureAt(fixture, { kind: 'node', level: 4, index: 100 });
      await fixture.raw('DELETE FROM ledger_node_groups WHERE grp = 100');
      await fixture.raw('DELETE FROM ledger_node_groups WHERE grp = 0');
      await expectFailureAt(fixture, { kind: 'node', level: 4, index: 0 });
      await fixture.raw(groupRow(0));
      assert.equal((await verifyLedger(fixture.store, SIGNER.publicKey)).ok, true);
      await fixture.raw('DELETE FROM ledger_transfers WHERE seq = 3');
      await expectFailureAt(fixture, { kind: 'leaf', index: 3 });
    });
  });
}
