// SPEC §5 "Trusted heads" through the library on both backends: a head held
// from earlier catches what verifyLedger alone cannot (deleted blocks, a
// consistently rewritten or truncated history); the report counts the
// records not yet sealed; time-based sealing seals waiting records once,
// whichever host checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storeBackends, type BackendFactory } from './store-backends.js';
import { account, ledgerFixture, single, SIGNER, type LedgerFixture } from './ledger-helpers.js';
import { deleteBlocksFrom, rewriteRecordBody, rewriteTransferAmount, swapRecords, truncateRecordsFrom } from './ledger-tamper.js';
import { verifyLedger, type VerifyReport } from '../host/ledger/verify.js';
import { TimedSealer } from '../host/ledger/timed-seal.js';
import { trustedHeadFrom } from '../host/ledger/trusted-head.js';
import { publicKeyId } from '../host/ledger/keys.js';
import { blockView } from '../host/api/ledger-views.js';
import type { BlockRow } from '../host/store/ledger-store.js';

const NOW_MS = 1_767_225_600_000;
const SEAL_AFTER_MS = 60_000;

/**
 * 3 accounts, 6 transfers, 2 records in blocks of 4 (blocks 0, 1 by count, 2
 * sealed now), saved as the held head over 11 leaves; then 3 more records,
 * unsealed. Returns the head as a verifier saves it (the JSON of GET /v1/ledger/head).
 */
async function ledgerWithHead(backend: BackendFactory): Promise<{ fixture: LedgerFixture; head: BlockRow }> {
  const fixture = ledgerFixture(await backend.open(), 4);
  const { ledger } = fixture;
  await ledger.createAccounts([account('bank'), account('alice'), account('bob')], NOW_MS);
  await ledger.createTransfers([single('t0', 'bank', 'alice', 10n), single('t1', 'bank', 'bob', 20n), single('t2', 'alice', 'bob', 3n)], NOW_MS);
  await ledger.createTransfers([single('t3', 'bank', 'alice', 40n), single('t4', 'bank', 'bob', 50n), single('t5', 'bob', 'alice', 6n)], NOW_MS);
  for (const event of ['e1', 'e2']) await ledger.appendRecord('dr-event', { event }, NOW_MS);
  const sealed = await ledger.sealBlock(NOW_MS);
  const saved = JSON.stringify({ head: blockView(sealed, publicKeyId(SIGNER.publicKey)), treeSize: 11, unsealedRecords: 0 });
  for (const event of ['e3', 'e4', 'e5']) await ledger.appendRecord('dr-event', { event }, NOW_MS);
  return { fixture, head: trustedHeadFrom(JSON.parse(saved)) };
}

function withHead(fixture: LedgerFixture, head: BlockRow): Promise<VerifyReport> {
  return verifyLedger(fixture.store, SIGNER.publicKey, { trustedHead: head });
}

async function expectUndetectedWithoutHead(fixture: LedgerFixture): Promise<void> {
  const plain = await verifyLedger(fixture.store, SIGNER.publicKey);
  assert.equal(plain.ok, true, `verifyLedger without a head passes: ${JSON.stringify(plain)}`);
}

async function expectDetected(fixture: LedgerFixture, head: BlockRow, at: { kind: string; height: number }, reason: RegExp): Promise<void> {
  const report = await withHead(fixture, head);
  assert.equal(report.ok, false, 'the held head must catch it');
  if (!report.ok) {
    assert.deepEqual(report.at, at);
    assert.match(report.reason, reason);
  }
}

/** Runs `body` on a fresh ledger with a held head, closing the backend after. */
function onLedgerWithHead(backend: BackendFactory, body: (fixture: LedgerFixture, head: BlockRow) => Promise<void>): () => Promise<void> {
  return async () => {
    const { fixture, head } = await ledgerWithHead(backend);
    try {
      await body(fixture, head);
    } finally {
      await fixture.fresh.close();
    }
  };
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 trusted heads: verifyLedger against a held head (${backend.kind})`, () => {
    it('a log grown after the held head extends it; the report counts the records not yet sealed', onLedgerWithHead(backend, async (fixture, head) => {
      assert.deepEqual(await withHead(fixture, head), { ok: true, treeSize: 14, blocks: 3, unsealedRecords: 3, trustedHead: { height: 2, treeSize: 11 } });
      assert.deepEqual(await verifyLedger(fixture.store, SIGNER.publicKey), { ok: true, treeSize: 14, blocks: 3, unsealedRecords: 3 });
    }));

    it('(a) the last block deleted: passes without a head, fails with it', onLedgerWithHead(backend, async (fixture, head) => {
      await deleteBlocksFrom(fixture, 2);
      await expectUndetectedWithoutHead(fixture);
      await expectDetected(fixture, head, { kind: 'block', height: 2 }, /block is missing/);
    }));

    it('(b) every block deleted: passes without a head, fails with it', onLedgerWithHead(backend, async (fixture, head) => {
      await deleteBlocksFrom(fixture, 0);
      await expectUndetectedWithoutHead(fixture);
      await expectDetected(fixture, head, { kind: 'block', height: 2 }, /block is missing/);
    }));

    it('(c) blocks deleted and a sealed transfer rewritten with its leaf, hash, nodes and balances: no consistency proof from the held head', onLedgerWithHead(backend, async (fixture, head) => {
      await deleteBlocksFrom(fixture, 0);
      await rewriteTransferAmount(fixture, 't1', 2_000_000n);
      await expectUndetectedWithoutHead(fixture);
      await expectDetected(fixture, head, { kind: 'trustedHead', height: 2 }, /no consistency proof .* sealed records were rewritten/);
    }));

    it('a sealed record rewritten while its blocks stay: the held head names the broken consistency first', onLedgerWithHead(backend, async (fixture, head) => {
      await rewriteRecordBody(fixture, 9, { event: 'forged' });
      await expectDetected(fixture, head, { kind: 'trustedHead', height: 2 }, /no consistency proof/);
    }));

    it('two sealed records swapped and the blocks deleted: detected with the held head', onLedgerWithHead(backend, async (fixture, head) => {
      await deleteBlocksFrom(fixture, 0);
      await swapRecords(fixture, 9, 10);
      await expectUndetectedWithoutHead(fixture);
      await expectDetected(fixture, head, { kind: 'trustedHead', height: 2 }, /no consistency proof/);
    }));

    it('records the held head sealed truncated with their blocks: the tree is smaller than the head', onLedgerWithHead(backend, async (fixture, head) => {
      await truncateRecordsFrom(fixture, 10);
      await expectUndetectedWithoutHead(fixture);
      await expectDetected(fixture, head, { kind: 'trustedHead', height: 2 }, /fewer than the 11 the trusted head seals/);
    }));

    it('a held head whose fields were changed does not verify with the public key', onLedgerWithHead(backend, async (fixture, head) => {
      await expectDetected(fixture, { ...head, treeSize: 12 }, { kind: 'trustedHead', height: 2 }, /signature does not verify/);
    }));
  });

  describe(`SPEC §5 trusted heads: time-based sealing (${backend.kind})`, () => {
    it('records are sealed once they have waited the seal wait by the clock, and not before', async () => {
      const fixture = ledgerFixture(await backend.open());
      try {
        const sealer = new TimedSealer(fixture.ledger, SEAL_AFTER_MS);
        assert.equal(await sealer.check(NOW_MS), null, 'nothing to seal');
        await fixture.ledger.createAccounts([account('bank')], NOW_MS);
        assert.equal(await sealer.check(NOW_MS), null);
        assert.equal(await sealer.check(NOW_MS + SEAL_AFTER_MS - 1), null);
        const block = await sealer.check(NOW_MS + SEAL_AFTER_MS);
        assert.deepEqual({ height: block?.height, treeSize: block?.treeSize, ts: block?.ts }, { height: 0, treeSize: 1, ts: NOW_MS + SEAL_AFTER_MS });
        assert.equal(await sealer.check(NOW_MS + 10 * SEAL_AFTER_MS), null, 'nothing unsealed since');
        assert.equal((await fixture.ledger.head()).unsealedRecords, 0);
      } finally {
        await fixture.fresh.close();
      }
    });

    it('two hosts checking one database seal the waiting records into one block', async () => {
      const fixture = ledgerFixture(await backend.open());
      try {
        const hosts = [new TimedSealer(fixture.ledger, SEAL_AFTER_MS), new TimedSealer(fixture.ledger, SEAL_AFTER_MS)];
        await fixture.ledger.createAccounts([account('bank'), account('alice')], NOW_MS);
        await Promise.all(hosts.map((host) => host.check(NOW_MS)));
        const sealed = await Promise.all(hosts.map((host) => host.check(NOW_MS + SEAL_AFTER_MS)));
        assert.equal(sealed.filter((block) => block !== null).length, 1, 'exactly one host sealed');
        assert.deepEqual((await fixture.ledger.blocks(0, 10)).map((block) => block.treeSize), [2]);
      } finally {
        await fixture.fresh.close();
      }
    });
  });
}
