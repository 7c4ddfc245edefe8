import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { account, ledgerFixture, single, SIGNER, type LedgerFixture } from './ledger-helpers.js';
import { verifyLedger, type VerifyLocation } from '../host/ledger/verify.js';
import { generateLedgerSigner, headerBytes, verifyBlockSignature } from '../host/ledger/blocks.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../host/ledger/merkle.js';
import { AccountFlags } from '../host/ledger/types.js';

const NOW_MS = 1_767_225_600_000;

/** A ledger with every record kind: accounts, transfers, two-phase, a generic record, several blocks. */
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
}

async function seqOf(fixture: LedgerFixture, id: string): Promise<number> {
  const [row] = await fixture.rows(`SELECT seq FROM ledger_transfers WHERE id = '${id}'`);
  return Number(row!.seq);
}

function hexLiteral(fresh: FreshBackend, bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return fresh.kind === 'sqlite' ? `X'${hex}'` : `'\\x${hex}'::bytea`;
}

/** Flips one byte of a BLOB/BYTEA cell through raw SQL; returns the restore. */
async function flipByte(fixture: LedgerFixture, table: string, column: string, where: string, offset = 5): Promise<() => Promise<void>> {
  const [row] = await fixture.rows(`SELECT ${column} AS value FROM ${table} WHERE ${where}`);
  const original = Uint8Array.from(row!.value as Uint8Array);
  const changed = Uint8Array.from(original);
  changed[offset] = changed[offset]! ^ 0x01;
  await fixture.raw(`UPDATE ${table} SET ${column} = ${hexLiteral(fixture.fresh, changed)} WHERE ${where}`);
  return () => fixture.raw(`UPDATE ${table} SET ${column} = ${hexLiteral(fixture.fresh, original)} WHERE ${where}`);
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
      assert.deepEqual(report, { ok: true, treeSize: 10, blocks: 3 });
    });

    it('blocks chain and are signed; proofs verify against a block root independently', async () => {
      const blocks = await fixture.ledger.blocks(0, 10);
      assert.deepEqual(blocks.map((block) => [block.height, block.treeSize]), [[0, 5], [1, 9], [2, 10]]);
      assert.ok(blocks.every((block) => verifyBlockSignature(block, SIGNER.publicKey)));
      assert.ok(!verifyBlockSignature(blocks[0]!, generateLedgerSigner().publicKey), 'another key does not verify');
      const [first, last] = [blocks[0]!, blocks[2]!];
      const leaf = (await fixture.ledger.leaf(4))!;
      assert.ok(verifyInclusion(4, last.treeSize, leafHash(leaf), await fixture.ledger.inclusionProof(4, last.treeSize), last.rootHash));
      const proof = await fixture.ledger.consistencyProof(first.treeSize, last.treeSize);
      assert.ok(verifyConsistency(first.treeSize, last.treeSize, proof, first.rootHash, last.rootHash));
      assert.match(new TextDecoder().decode(headerBytes(last)), /^\{"height":2,"prevBlockHash":"[0-9a-f]{64}","rootHash":"[0-9a-f]{64}","treeSize":10,"ts":\d+\}$/);
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

    it('a changed leaf byte names that leaf', async () => {
      const seq = await seqOf(fixture, 'c1');
      const restore = await flipByte(fixture, 'ledger_leaves', 'leaf', `seq = ${seq}`, 12);
      await expectFailureAt(fixture, { kind: 'leaf', index: seq });
      await restore();
    });

    it('a changed node hash names that node, at level 0 and above', async () => {
      let restore = await flipByte(fixture, 'ledger_leaves', 'hash', 'seq = 6');
      await expectFailureAt(fixture, { kind: 'node', level: 0, index: 6 });
      await restore();
      restore = await flipByte(fixture, 'ledger_nodes', 'hash', 'level = 2 AND idx = 1');
      await expectFailureAt(fixture, { kind: 'node', level: 2, index: 1 });
      await restore();
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
      await fixture.raw(`DELETE FROM ledger_pending_open WHERE id = 'p3'`);
      await expectFailureAt(fixture, { kind: 'pending', id: 'p3' });
    });

    it('a deleted leaf or an extra node is reported', async () => {
      await fixture.raw('INSERT INTO ledger_nodes (level, idx, hash) SELECT level, idx + 100, hash FROM ledger_nodes WHERE level = 1 AND idx = 0');
      await expectFailureAt(fixture, { kind: 'node', level: 1, index: 100 });
      await fixture.raw('DELETE FROM ledger_nodes WHERE idx = 100');
      await fixture.raw('DELETE FROM ledger_leaves WHERE seq = 3');
      await expectFailureAt(fixture, { kind: 'leaf', index: 3 });
    });
  });
}
