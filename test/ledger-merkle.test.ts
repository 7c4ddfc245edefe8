import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { consistencyProof, inclusionProof, leafHash, rootHash, verifyConsistency, verifyInclusion, type Hash } from '../host/ledger/merkle.js';
import { TreeAppender, consistencyPath, inclusionPath, rootAt, storedNodeLookup, type NodeLookup, type NodeSources } from '../host/ledger/merkle-log.js';
import { nodeHash } from '../host/ledger/merkle.js';
import { fastLeafHash, fastNodeHash, hashBytes, hashText, leafHashText, nodeHashText } from '../host/ledger/sha256.js';
import { nodeOfSlot, slotHash, GROUP_SLOTS } from '../host/ledger/node-groups.js';
import { transferLeafText, transferRecord } from '../host/ledger/records.js';
import { canonicalJson } from '../host/ledger/canonical-json.js';
import { groupKey, type NodeGroupRow, type TransferRow } from '../host/store/ledger-store.js';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { ledgerFixture, seededRandom, SIGNER } from './ledger-helpers.js';
import { verifyLedger } from '../host/ledger/verify.js';

function randomLeaves(count: number, random: () => number): Uint8Array[] {
  return Array.from({ length: count }, () => Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
}

interface StoredTree {
  read: NodeLookup;
  groups: NodeGroupRow[];
  /** Counts every leaf hash and group the lookups fetch. */
  storedReads: () => number;
}

/**
 * Appends `leaves` in random batches as the ledger does: each batch starts
 * from what is stored (leaf hashes and complete groups) and stores the
 * groups it completes. Checks the edge root and the stored root after each.
 */
function buildIncrementally(leaves: Uint8Array[], random: () => number): StoredTree {
  const leafHashes: Hash[] = [];
  const groups = new Map<string, NodeGroupRow>();
  let storedReads = 0;
  const sources: NodeSources = {
    leafHash: (seq) => (storedReads += 1, leafHashes[seq]!),
    group: (tier, group) => (storedReads += 1, groups.get(groupKey(tier, group))!.hashes),
  };
  while (leafHashes.length < leaves.length) {
    const size = leafHashes.length;
    const batch = Math.min(leaves.length - size, 1 + Math.floor(random() * 9));
    const appender = new TreeAppender(size, storedNodeLookup(sources, size));
    for (const leaf of leaves.slice(size, size + batch)) {
      leafHashes.push(leafHash(leaf));
      appender.append(hashText(leafHashes[leafHashes.length - 1]!));
    }
    for (const group of appender.completedGroups) {
      assert.ok(!groups.has(groupKey(group.tier, group.group)), 'a group is written once');
      groups.set(groupKey(group.tier, group.group), group);
    }
    const prefix = leaves.slice(0, size + batch);
    assert.deepEqual(appender.root(), rootHash(prefix), `edge root at size ${prefix.length}`);
    assert.deepEqual(rootAt(storedNodeLookup(sources, prefix.length), prefix.length), rootHash(prefix), `stored root at size ${prefix.length}`);
  }
  storedReads = 0;
  return { read: storedNodeLookup(sources, leaves.length), groups: [...groups.values()], storedReads: () => storedReads };
}

/** Groups a tree of n leaves stores: ⌊n / 16⌋ over the leaves, ⌊n / 256⌋ over those, … */
function expectedGroupCount(n: number): number {
  let count = 0;
  for (let width = 16; width <= n; width *= 16) count += Math.floor(n / width);
  return count;
}

describe('SPEC §5 verifiable log: the incremental tree equals the whole-tree RFC 6962 functions', () => {
  it('gives the same root, inclusion and consistency proofs for every size and index of random trees', () => {
    const random = seededRandom(6962);
    for (const count of [1, 2, 3, 5, 8, 13, 31, 33, 64, 77]) {
      const leaves = randomLeaves(count, random);
      const { read, groups } = buildIncrementally(leaves, random);
      assert.equal(groups.length, expectedGroupCount(count), 'one group row per 16 nodes of the level below');
      for (let size = 1; size <= count; size += 1) {
        const prefix = leaves.slice(0, size);
        const root = rootAt(read, size);
        assert.deepEqual(root, rootHash(prefix));
        for (let index = 0; index < size; index += 1) {
          const proof = inclusionPath(read, index, size);
          assert.deepEqual(proof, inclusionProof(prefix, index));
          assert.ok(verifyInclusion(index, size, leafHash(leaves[index]!), proof, root));
        }
        for (let size1 = 1; size1 <= size; size1 += 1) {
          const proof = consistencyPath(read, size1, size);
          assert.deepEqual(proof, consistencyProof(prefix, size1));
          assert.ok(verifyConsistency(size1, size, proof, rootHash(leaves.slice(0, size1)), root));
        }
      }
    }
  });

  it('the append path hashes and serialises exactly as merkle.ts and canonicalJson do', () => {
    const random = seededRandom(8785);
    for (const leaf of randomLeaves(50, random)) {
      assert.deepEqual(fastLeafHash(leaf), leafHash(leaf));
      assert.deepEqual(fastNodeHash(leafHash(leaf), fastLeafHash(leaf.subarray(1))), nodeHash(leafHash(leaf), leafHash(leaf.subarray(1))));
      assert.deepEqual(hashBytes(nodeHashText(hashText(leafHash(leaf)), hashText(nodeHash(leafHash(leaf), leafHash(leaf))))),
        nodeHash(leafHash(leaf), nodeHash(leafHash(leaf), leafHash(leaf))));
    }
    const base: TransferRow = {
      id: 'é\u2028"\\', seq: 3, type: 'pending', debit: 'a\u0001', credit: '😀', amountMicro: 2n ** 62n, currency: 'EUR', code: 0,
      ts: 0, refs: '["x","y"]', pendingId: null, timeoutMs: 5, expiresAtMs: 10, reason: null,
    };
    for (const row of [base, { ...base, type: 'void' as const, pendingId: 'p', timeoutMs: null, expiresAtMs: null, reason: 'expired' }]) {
      assert.equal(transferLeafText(row), canonicalJson(transferRecord(row)));
      const text = transferLeafText(row);
      assert.deepEqual(hashBytes(leafHashText(text)), leafHash(new TextEncoder().encode(text)), 'leaf hash of the UTF-8 bytes');
    }
  });

  it('each stored group slot holds the RFC 6962 hash of its subtree, across two tiers', () => {
    const random = seededRandom(16);
    const leaves = randomLeaves(700, random);
    const { read, groups } = buildIncrementally(leaves, random);
    assert.equal(groups.length, expectedGroupCount(700));
    assert.ok(groups.some((group) => group.tier === 1), 'the tree reaches the second tier');
    for (const group of groups) {
      for (let slot = 0; slot < GROUP_SLOTS; slot += 1) {
        const { level, index } = nodeOfSlot(group.tier, group.group, slot);
        assert.deepEqual(slotHash(group.hashes, slot), rootHash(leaves.slice(index * 2 ** level, (index + 1) * 2 ** level)), `node ${level}:${index}`);
      }
    }
    for (let probe = 0; probe < 200; probe += 1) {
      const size = 1 + Math.floor(random() * 700);
      const index = Math.floor(random() * size);
      const size1 = 1 + Math.floor(random() * size);
      assert.deepEqual(rootAt(read, size), rootHash(leaves.slice(0, size)));
      assert.deepEqual(inclusionPath(read, index, size), inclusionProof(leaves.slice(0, size), index));
      assert.deepEqual(consistencyPath(read, size1, size), consistencyProof(leaves.slice(0, size), size1));
    }
  });

  it('reads O(log n) stored hashes for a root or a proof', () => {
    const random = seededRandom(1);
    const leaves = randomLeaves(1000, random);
    const { read, storedReads } = buildIncrementally(leaves, random);
    rootAt(read, 999);
    inclusionPath(read, 500, 999);
    consistencyPath(read, 333, 999);
    // Three computations of at most 2⌈log2 n⌉ nodes each; a node inside a group not yet complete costs at most 8 base reads.
    assert.ok(storedReads() <= 3 * 2 * Math.ceil(Math.log2(1000)) * 8, `${storedReads()} stored reads`);
  });
});

for (const backend of storeBackends()) {
  describe(`SPEC §5 verifiable log, stored (${backend.kind})`, () => {
    const opened: FreshBackend[] = [];
    after(async () => {
      for (const fresh of opened) await fresh.close();
    });

    it('serves roots and proofs from stored nodes that match the whole-tree functions, at every size', async () => {
      const fresh = await backend.open();
      opened.push(fresh);
      const { ledger } = ledgerFixture(fresh);
      const random = seededRandom(backend.kind === 'sqlite' ? 11 : 12);
      const leaves: Uint8Array[] = [];
      for (let index = 0; index < 37; index += 1) {
        await ledger.appendRecord('dr-event', { event: index, note: 'x'.repeat(Math.floor(random() * 5)) }, 1000 + index);
        leaves.push((await ledger.leaf(index))!);
        assert.deepEqual(await ledger.rootAt(index + 1), rootHash(leaves));
      }
      assert.equal(await ledger.treeSize(), 37);
      for (let probe = 0; probe < 40; probe += 1) {
        const size = 1 + Math.floor(random() * 37);
        const index = Math.floor(random() * size);
        const size1 = 1 + Math.floor(random() * size);
        assert.deepEqual(await ledger.inclusionProof(index, size), inclusionProof(leaves.slice(0, size), index));
        assert.deepEqual(await ledger.consistencyProof(size1, size), consistencyProof(leaves.slice(0, size), size1));
      }
      await assert.rejects(ledger.inclusionProof(0, 38), RangeError);
    });

    it('stores each leaf as the canonical JSON of its record', async () => {
      const fresh = await backend.open();
      opened.push(fresh);
      const { ledger } = ledgerFixture(fresh);
      await ledger.appendRecord('contract', { seller: 's', buyer: 'b', price: '0.21', at: { lat: '52.5200066', lon: '13.404954' } }, 5);
      assert.equal(new TextDecoder().decode((await ledger.leaf(0))!),
        '{"body":{"at":{"lat":"52.5200066","lon":"13.404954"},"buyer":"b","price":"0.21","seller":"s"},"record":"contract"}');
      await assert.rejects(ledger.appendRecord('transfer', {}, 5), /reserved/);
    });

    it('a record with a client id is appended once: the same id again answers the first index and appends nothing', async () => {
      const fresh = await backend.open();
      opened.push(fresh);
      const { ledger, store } = ledgerFixture(fresh);
      const first = await ledger.appendRecordOnce('fill:o-1', 'market-fill', { amount: '3.38', ts: 1 }, 5);
      const again = await ledger.appendRecordOnce('fill:o-1', 'market-fill', { amount: '3.38', ts: 2 }, 6);
      const other = await ledger.appendRecordOnce('fill:o-2', 'market-fill', { amount: '1.00', ts: 1 }, 6);
      assert.deepEqual([first, again, other], [{ index: 0, created: true }, { index: 0, created: false }, { index: 1, created: true }]);
      assert.equal(await ledger.treeSize(), 2);
      assert.equal(new TextDecoder().decode((await ledger.leaf(0))!), '{"body":{"amount":"3.38","ts":1},"id":"fill:o-1","record":"market-fill"}');
      const [leaf] = await store.ledgerRead((reader) => reader.readLeaves(0, 1));
      assert.equal(leaf!.recordId, 'fill:o-1');
      await assert.rejects(ledger.appendRecordOnce('x'.repeat(129), 'market-fill', {}, 5), /LEDGER_ID_LENGTH_MAX/);
      await ledger.sealBlock(7);
      assert.ok((await verifyLedger(store, SIGNER.publicKey)).ok);
    });
  });
}
