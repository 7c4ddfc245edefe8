// SPEC §5/§7 merkle: every vector of ../shared/conformance/merkle/, read
// where it lies, plus round trips of the proof builders.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import {
  EMPTY_ROOT, consistencyProof, inclusionProof, leafHash, nodeHash, rootHash,
  verifyConsistency, verifyInclusion, verifySubtreeConsistency, verifySubtreeInclusion,
} from '../host/ledger/merkle.js';
import { conformancePath } from './conformance.js';

const MERKLE_DIR = conformancePath('merkle');

type Probe = Record<string, unknown> & { desc: string; wantErr: boolean; proof: string[] | null };

// Probe integers are unsigned 64-bit: keep every integer exact as a bigint.
function readProbe(file: string): Probe {
  const text = readFileSync(file, 'utf8').replace(/(:\s*)(\d+)(\s*[,}\n])/g, '$1"__u64:$2"$3');
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith('__u64:') ? BigInt(value.slice(6)) : value,
  ) as Probe;
}

function probeFiles(folder: string): string[] {
  const root = join(MERKLE_DIR, folder);
  const walk = (dir: string): string[] =>
    readdirSync(dir).sort().flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : name.endsWith('.json') ? [path] : [];
    });
  return walk(root);
}

const b64 = (value: unknown): Uint8Array => Buffer.from(value as string, 'base64');
const hex = (value: string): Uint8Array => Buffer.from(value, 'hex');
const proofOf = (probe: Probe): Uint8Array[] | null => probe.proof?.map(b64) ?? null;

const VERIFIERS: Readonly<Record<string, (probe: Probe) => boolean>> = {
  inclusion: (p) => verifyInclusion(p.leafIdx as bigint, p.treeSize as bigint, b64(p.leafHash), proofOf(p), b64(p.root)),
  consistency: (p) => verifyConsistency(p.size1 as bigint, p.size2 as bigint, proofOf(p), b64(p.root1), b64(p.root2)),
  subtreeinclusion: (p) =>
    verifySubtreeInclusion(p.leafIdx as bigint, p.start as bigint, p.end as bigint, b64(p.leafHash), proofOf(p), b64(p.root)),
  subtreeconsistency: (p) =>
    verifySubtreeConsistency(p.start as bigint, p.end as bigint, p.size as bigint, proofOf(p), b64(p.root1), b64(p.root2)),
};

describe('SPEC §5 ledger proofs: RFC 6962/9162 conformance vectors', () => {
  for (const [folder, verify] of Object.entries(VERIFIERS)) {
    it(`${folder}: every probe verifies exactly when wantErr is false`, () => {
      const files = probeFiles(folder);
      assert.ok(files.length > 0, `no probes under ${folder}`);
      const wrong = files.filter((file) => verify(readProbe(file)) === readProbe(file).wantErr);
      assert.deepEqual(wrong.map((file) => relative(MERKLE_DIR, file)), []);
      console.log(`# merkle conformance ${folder}: ${files.length}/${files.length} probes agree`);
    });
  }

  it('hasher vectors: empty root, leaf and node hashes', () => {
    const { vectors } = JSON.parse(readFileSync(join(MERKLE_DIR, 'hasher_vectors.json'), 'utf8')) as {
      vectors: Array<{ op: string; want: string; leaf_input?: string; left?: string; right?: string }>;
    };
    for (const vector of vectors) {
      const got =
        vector.op === 'empty_root' ? EMPTY_ROOT
        : vector.op === 'hash_leaf' ? leafHash(hex(vector.leaf_input!))
        : nodeHash(hex(vector.left!), hex(vector.right!));
      assert.equal(Buffer.from(got).toString('hex'), vector.want, vector.op);
    }
  });

  it('tree hashes: rootHash of the first n leaves for n = 0 … 8', () => {
    const fixture = JSON.parse(readFileSync(join(MERKLE_DIR, 'tree_hashes.json'), 'utf8')) as {
      leaf_inputs: string[]; roots_by_size: string[];
    };
    const leaves = fixture.leaf_inputs.map(hex);
    fixture.roots_by_size.forEach((want, size) => {
      assert.equal(Buffer.from(rootHash(leaves.slice(0, size))).toString('hex'), want, `size ${size}`);
    });
  });
});

describe('SPEC §7 merkle: proofs built here verify, and tampered ones do not', () => {
  // Distinct leaves, so that a proof for one index cannot also prove another.
  const leavesArbitrary = fc
    .array(fc.uint8Array({ maxLength: 8 }), { minLength: 1, maxLength: 40 })
    .map((leaves) => leaves.map((leaf, index) => Uint8Array.of(index, ...leaf)));

  it('every inclusion proof verifies against rootHash and fails for another index', () => {
    fc.assert(
      fc.property(leavesArbitrary, fc.nat(), (leaves, seed) => {
        const index = seed % leaves.length;
        const root = rootHash(leaves);
        const proof = inclusionProof(leaves, index);
        assert.equal(verifyInclusion(index, leaves.length, leafHash(leaves[index]!), proof, root), true);
        assert.equal(verifyInclusion(index + 1, leaves.length, leafHash(leaves[index]!), proof, root), false);
      }),
      { numRuns: 200 },
    );
  });

  it('every consistency proof verifies between prefix roots and fails with a flipped bit', () => {
    fc.assert(
      fc.property(leavesArbitrary, fc.nat(), (leaves, seed) => {
        const size1 = 1 + (seed % leaves.length);
        const proof = consistencyProof(leaves, size1);
        const root1 = rootHash(leaves.slice(0, size1));
        const root2 = rootHash(leaves);
        assert.equal(verifyConsistency(size1, leaves.length, proof, root1, root2), true);
        if (proof.length > 0) {
          const tampered = proof.map((node) => Uint8Array.from(node));
          tampered[0]![0]! ^= 1;
          assert.equal(verifyConsistency(size1, leaves.length, tampered, root1, root2), false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('malformed proof data gives false, never an exception', () => {
    const leaves = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const root = rootHash(leaves);
    assert.equal(verifyInclusion(5, 3, leafHash(leaves[0]!), inclusionProof(leaves, 0), root), false);
    assert.equal(verifyInclusion(0, 3, leafHash(leaves[0]!), [Uint8Array.of(1, 2)], root), false);
    assert.equal(verifyInclusion(-1, 3, leafHash(leaves[0]!), [], root), false);
    assert.equal(verifyConsistency(3, 2, [], root, root), false);
  });

  // Each verifier is called with a valid argument list (which verifies), then with one argument swapped for each malformed kind.
  const leaves = Array.from({ length: 6 }, (_, index) => Uint8Array.of(index));
  const rootOf = (size: number): Uint8Array => rootHash(leaves.slice(0, size));
  const badHashes: unknown[] = [null, undefined, new Uint8Array(31), new Uint8Array(33), 'a'.repeat(64), Array(32).fill(0), new Uint16Array(32)];
  const badSizes: unknown[] = [null, undefined, -1, -1n, 1.5, '3', 2 ** 64, 2n ** 64n, Number.NaN, {}, [3]];
  const badProofs: unknown[] = ['proof', 7, {}, new Uint8Array(32), [null], [new Uint8Array(31)], [undefined], new Array(2), [leafHash(leaves[0]!), 'x']];
  const verifiers: Array<{ name: string; call: (...args: unknown[]) => boolean; valid: unknown[]; sizes: number[]; hashes: number[]; proof: number }> = [
    {
      name: 'verifyInclusion', call: verifyInclusion as (...args: unknown[]) => boolean,
      valid: [2, 6, leafHash(leaves[2]!), inclusionProof(leaves, 2), rootOf(6)], sizes: [0, 1], hashes: [2, 4], proof: 3,
    },
    {
      name: 'verifyConsistency', call: verifyConsistency as (...args: unknown[]) => boolean,
      valid: [3, 6, consistencyProof(leaves, 3), rootOf(3), rootOf(6)], sizes: [0, 1], hashes: [3, 4], proof: 2,
    },
    {
      name: 'verifySubtreeInclusion', call: verifySubtreeInclusion as (...args: unknown[]) => boolean,
      valid: [2, 0, 4, leafHash(leaves[2]!), inclusionProof(leaves.slice(0, 4), 2), rootOf(4)], sizes: [0, 1, 2], hashes: [3, 5], proof: 4,
    },
    {
      name: 'verifySubtreeConsistency', call: verifySubtreeConsistency as (...args: unknown[]) => boolean,
      valid: [0, 4, 6, consistencyProof(leaves, 4), rootOf(4), rootOf(6)], sizes: [0, 1, 2], hashes: [4, 5], proof: 3,
    },
  ];
  for (const verifier of verifiers) {
    it(`${verifier.name} returns false, never throws, for each malformed argument`, () => {
      assert.equal(verifier.call(...verifier.valid), true);
      const swapped = (position: number, value: unknown): unknown[] => verifier.valid.map((arg, index) => (index === position ? value : arg));
      const cases = [
        ...verifier.sizes.flatMap((position) => badSizes.map((value) => swapped(position, value))),
        ...verifier.hashes.flatMap((position) => badHashes.map((value) => swapped(position, value))),
        ...badProofs.map((value) => swapped(verifier.proof, value)),
      ];
      for (const args of cases) assert.equal(verifier.call(...args), false, `${verifier.name}(${args.map((arg) => typeof arg).join(', ')})`);
    });
  }

  it('an index at or past the tree size is false', () => {
    assert.equal(verifyInclusion(6, 6, leafHash(leaves[5]!), inclusionProof(leaves, 5), rootOf(6)), false);
    assert.equal(verifySubtreeInclusion(4, 0, 4, leafHash(leaves[3]!), inclusionProof(leaves.slice(0, 4), 3), rootOf(4)), false);
  });
});
