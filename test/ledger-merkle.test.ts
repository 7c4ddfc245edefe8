import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { consistencyProof, inclusionProof, leafHash, rootHash, verifyConsistency, verifyInclusion, type Hash } from '../host/ledger/merkle.js';
import { TreeAppender, consistencyPath, inclusionPath, rootAt, type NodeLookup } from '../host/ledger/merkle-log.js';
import { nodeHash } from '../host/ledger/merkle.js';
import { fastLeafHash, fastNodeHash } from '../host/ledger/sha256.js';
import { transferLeafText, transferRecord } from '../host/ledger/records.js';
import { canonicalJson } from '../host/ledger/canonical-json.js';
import { nodeKey, type TransferRow } from '../host/store/ledger-store.js';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { ledgerFixture, seededRandom } from './ledger-helpers.js';

function randomLeaves(count: number, random: () => number): Uint8Array[] {
  return Array.from({ length: count }, () => Uint8Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256)));
}

/** Appends `leaves` in random batches, keeping every node ever written in a map. */
function buildIncrementally(leaves: Uint8Array[], random: () => number): { read: NodeLookup; nodeCount: number } {
  const nodes = new Map<string, Hash>();
  let size = 0;
  while (size < leaves.length) {
    const batch = Math.min(leaves.length - size, 1 + Math.floor(random() * 9));
    const appender = new TreeAppender(size, nodes);
    for (const leaf of leaves.slice(size, size + batch)) appender.append(leafHash(leaf));
    for (const node of appender.newNodes) {
      assert.ok(!nodes.has(nodeKey(node.level, node.index)), 'a node is written once');
      nodes.set(nodeKey(node.level, node.index), node.hash);
    }
    size += batch;
    assert.deepEqual(appender.root(), rootHash(leaves.slice(0, size)), `edge root at size ${size}`);
  }
  return { read: (level, index) => nodes.get(nodeKey(level, index))!, nodeCount: nodes.size };
}

describe('SPEC §5 verifiable log: the incremental tree equals the whole-tree RFC 6962 functions', () => {
  it('gives the same root, inclusion and consistency proofs for every size and index of random trees', () => {
    const random = seededRandom(6962);
    for (const count of [1, 2, 3, 5, 8, 13, 31, 33, 64, 77]) {
      const leaves = randomLeaves(count, random);
      const { read, nodeCount } = buildIncrementally(leaves, random);
      assert.ok(nodeCount < 2 * count, 'appending n leaves stores fewer than 2n nodes');
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
    }
    const base: TransferRow = {
      id: 'é\u2028"\\', seq: 3, type: 'pending', debit: 'a\u0001', credit: '😀', amountMicro: 2n ** 62n, currency: 'EUR', code: 0,
      ts: 0, refs: '["x","y"]', pendingId: null, timeoutMs: 5, expiresAtMs: 10, reason: null,
    };
    for (const row of [base, { ...base, type: 'void' as const, pendingId: 'p', timeoutMs: null, expiresAtMs: null, reason: 'expired' }]) {
      assert.equal(transferLeafText(row), canonicalJson(transferRecord(row)));
    }
  });

  it('reads O(log n) nodes for a root or a proof', () => {
    const random = seededRandom(1);
    const leaves = randomLeaves(1000, random);
    const { read } = buildIncrementally(leaves, random);
    let reads = 0;
    const counting: NodeLookup = (level, index) => {
      reads += 1;
      return read(level, index);
    };
    rootAt(counting, 999);
    inclusionPath(counting, 500, 999);
    consistencyPath(counting, 333, 999);
    assert.ok(reads <= 3 * 2 * Math.ceil(Math.log2(1000)), `${reads} node reads`);
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
  });
}
