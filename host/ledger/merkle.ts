// RFC 6962 / RFC 9162 Merkle tree over raw leaf bytes (SPEC §5, §7):
// leaf hash SHA-256(0x00‖leaf), node SHA-256(0x01‖left‖right), the tree
// over n leaves split at the largest power of two below n. Sizes and
// indexes are unsigned 64-bit, so the verifiers take bigint (or number).
// Verifiers return false for every proof that does not verify, malformed
// ones included; they never throw on bad proof data.
import { createHash } from 'node:crypto';

export type Hash = Uint8Array;
type Size = bigint | number;

const HASH_BYTES = 32;
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);
const U64_MAX = 2n ** 64n - 1n;

export function leafHash(leaf: Uint8Array): Hash {
  return createHash('sha256').update(LEAF_PREFIX).update(leaf).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** log2(width) when width is a power of two (a perfect subtree), else -1. */
export function perfectHeight(width: number): number {
  let height = 0;
  while (2 ** height < width) height += 1;
  return 2 ** height === width ? height : -1;
}

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function subtreeRoot(hashes: readonly Hash[], from: number, to: number): Hash {
  if (to - from === 1) return hashes[from]!;
  const k = splitPoint(to - from);
  return nodeHash(subtreeRoot(hashes, from, from + k), subtreeRoot(hashes, from + k, to));
}

export function rootHash(leaves: readonly Uint8Array[]): Hash {
  return leaves.length === 0 ? EMPTY_ROOT : subtreeRoot(leaves.map(leafHash), 0, leaves.length);
}

function auditPath(hashes: readonly Hash[], index: number, from: number, to: number): Hash[] {
  if (to - from <= 1) return [];
  const k = splitPoint(to - from);
  return index < from + k
    ? [...auditPath(hashes, index, from, from + k), subtreeRoot(hashes, from + k, to)]
    : [...auditPath(hashes, index, from + k, to), subtreeRoot(hashes, from, from + k)];
}

/** RFC 9162 §2.1.3.1: the audit path of leaf `index`. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`inclusionProof: index ${index} is outside a tree of ${leaves.length} leaves`);
  }
  return auditPath(leaves.map(leafHash), index, 0, leaves.length);
}

// RFC 9162 §2.1.4.1 SUBPROOF(m, D[from:to], known).
function subproof(hashes: readonly Hash[], m: number, from: number, to: number, known: boolean): Hash[] {
  const n = to - from;
  if (m === n) return known ? [] : [subtreeRoot(hashes, from, to)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(hashes, m, from, from + k, known), subtreeRoot(hashes, from + k, to)]
    : [...subproof(hashes, m - k, from + k, to, false), subtreeRoot(hashes, from, from + k)];
}

/** RFC 9162 §2.1.4.1: proof that the first `size1` leaves are a prefix of all of them. */
export function consistencyProof(leaves: readonly Uint8Array[], size1: number): Hash[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > leaves.length) {
    throw new RangeError(`consistencyProof: size1 ${size1} is outside 0 … ${leaves.length}`);
  }
  if (size1 === 0 || size1 === leaves.length) return [];
  return subproof(leaves.map(leafHash), size1, 0, leaves.length, true);
}

// ---- verification, on unsigned 64-bit sizes ----

// Sizes and indexes: a bigint or a safe-integer number in 0 … 2^64 − 1;
// anything else (a string, null, a fraction) is malformed.
function toU64(value: unknown): bigint | null {
  if (typeof value !== 'bigint' && !(typeof value === 'number' && Number.isSafeInteger(value))) return null;
  const big = BigInt(value);
  return big < 0n || big > U64_MAX ? null : big;
}

function bitLength(value: bigint): number {
  return value === 0n ? 0 : value.toString(2).length;
}

function popCount(value: bigint): number {
  let count = 0;
  for (const digit of value.toString(2)) if (digit === '1') count += 1;
  return count;
}

function trailingZeros(value: bigint): number {
  if (value === 0n) return 64;
  let count = 0;
  while (((value >> BigInt(count)) & 1n) === 0n) count += 1;
  return count;
}

function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function isHash(value: unknown): value is Hash {
  return value instanceof Uint8Array && value.length === HASH_BYTES;
}

// Roots are compared, never hashed into: any byte string (RFC 6962 vectors
// pass "don't care" roots of other lengths where sizes are equal).
function isRoot(value: unknown): value is Hash {
  return value instanceof Uint8Array;
}

// A proof's nodes: null or undefined is the empty proof (RFC 6962 vectors
// write it so); anything but an array of 32-byte hashes, holes included, is
// malformed (null).
function proofNodes(proof: unknown): Hash[] | null {
  if (proof === null || proof === undefined) return [];
  if (!Array.isArray(proof)) return null;
  for (let index = 0; index < proof.length; index++) if (!isHash(proof[index])) return null;
  return proof as Hash[];
}

// Climbs from a node at position `index` on its level with siblings in
// `proof`, left or right by the index's bits.
function chainInner(seed: Hash, proof: readonly Hash[], index: bigint): Hash {
  return proof.reduce((hash, sibling, level) => ((index >> BigInt(level)) & 1n) === 0n ? nodeHash(hash, sibling) : nodeHash(sibling, hash), seed);
}

// Like chainInner, but takes only the left siblings: the hash of the same
// subtree at an earlier, smaller size.
function chainInnerRight(seed: Hash, proof: readonly Hash[], index: bigint): Hash {
  return proof.reduce((hash, sibling, level) => (((index >> BigInt(level)) & 1n) === 1n ? nodeHash(sibling, hash) : hash), seed);
}

function chainBorderRight(seed: Hash, proof: readonly Hash[]): Hash {
  return proof.reduce((hash, sibling) => nodeHash(sibling, hash), seed);
}

// The root implied by an inclusion proof, or null when its shape is wrong.
function rootFromInclusion(index: bigint, size: bigint, leaf: Hash, proof: readonly Hash[]): Hash | null {
  if (index >= size || leaf.length !== HASH_BYTES) return null;
  const inner = bitLength(index ^ (size - 1n));
  const border = popCount(index >> BigInt(inner));
  if (proof.length !== inner + border) return null;
  return chainBorderRight(chainInner(leaf, proof.slice(0, inner), index), proof.slice(inner));
}

/** RFC 9162 §2.1.3.2. */
export function verifyInclusion(index: Size, treeSize: Size, leaf: Hash, proof: readonly Hash[] | null, root: Hash): boolean {
  const index64 = toU64(index);
  const size64 = toU64(treeSize);
  const nodes = proofNodes(proof);
  if (index64 === null || size64 === null || nodes === null || !isHash(leaf) || !isRoot(root)) return false;
  const computed = rootFromInclusion(index64, size64, leaf, nodes);
  return computed !== null && equalHashes(computed, root);
}

/** Inclusion of leaf `index` in the subtree [start, end) whose root is `root`. */
export function verifySubtreeInclusion(
  index: Size, start: Size, end: Size, leaf: Hash, proof: readonly Hash[] | null, root: Hash,
): boolean {
  const [index64, start64, end64] = [toU64(index), toU64(start), toU64(end)];
  if (index64 === null || start64 === null || end64 === null || !isValidSubtree(start64, end64)) return false;
  if (index64 < start64 || index64 >= end64) return false;
  return verifyInclusion(index64 - start64, end64 - start64, leaf, proof, root);
}

/** [start, end) is a subtree when start is a multiple of the smallest power of two ≥ end − start. */
export function isValidSubtree(start: bigint, end: bigint): boolean {
  if (start >= end) return false;
  const width = end - start;
  let alignment = 1n;
  while (alignment < width) alignment <<= 1n;
  return start % alignment === 0n;
}

/** RFC 9162 §2.1.4.2. */
export function verifyConsistency(size1: Size, size2: Size, proof: readonly Hash[] | null, root1: Hash, root2: Hash): boolean {
  const [first, second] = [toU64(size1), toU64(size2)];
  const nodes = proofNodes(proof);
  if (first === null || second === null || nodes === null || !isRoot(root1) || !isRoot(root2) || first > second) return false;
  // A proof from the empty tree is meaningless, even to an empty tree.
  if (first === 0n) return false;
  if (first === second) return nodes.length === 0 && equalHashes(root1, root2);
  if (nodes.length === 0) return false;
  const computed = rootFromSubtreeConsistency(0n, first, second, nodes, root1);
  return computed !== null && equalHashes(computed, root2);
}

/** Consistency of the subtree [start, end), root `root1`, with the tree of `size`, root `root2`. */
export function verifySubtreeConsistency(
  start: Size, end: Size, size: Size, proof: readonly Hash[] | null, root1: Hash, root2: Hash,
): boolean {
  const [start64, end64, size64] = [toU64(start), toU64(end), toU64(size)];
  const nodes = proofNodes(proof);
  if (start64 === null || end64 === null || size64 === null || nodes === null || !isRoot(root1) || !isRoot(root2)) return false;
  if (start64 === end64) return nodes.length === 0 && equalHashes(root1, EMPTY_ROOT);
  if (!isValidSubtree(start64, end64) || size64 < end64) return false;
  if (start64 === 0n && end64 === size64) return nodes.length === 0 && equalHashes(root1, root2);
  if (nodes.length === 0) return false;
  const computed = rootFromSubtreeConsistency(start64, end64, size64, nodes, root1);
  return computed !== null && equalHashes(computed, root2);
}

// The root of the tree of `size` implied by a proof that the subtree
// [start, end) with root `subRoot` sits in it; null when the proof's shape
// is wrong or its nodes do not rebuild `subRoot`.
function rootFromSubtreeConsistency(start: bigint, end: bigint, size: bigint, proof: readonly Hash[], subRoot: Hash): Hash | null {
  if (end === size) {
    // Flush with the right edge: one left sibling per level where the subtree's ancestor is a right child.
    const height = bitLength((end - 1n) ^ start);
    if (proof.length !== popCount(start >> BigInt(height))) return null;
    return chainBorderRight(subRoot, proof);
  }
  const forkLevel = bitLength((end - 1n) ^ (size - 1n));
  const border = popCount((end - 1n) >> BigInt(forkLevel));
  const shift = trailingZeros(end - start);
  const inner = forkLevel - shift;
  const perfect = end - start === 1n << BigInt(shift);
  const seed = perfect ? subRoot : proof[0]!;
  const rest = perfect ? proof : proof.slice(1);
  if (rest.length !== inner + border) return null;
  const mask = (end - 1n) >> BigInt(shift);
  if (!perfect) {
    // The proof's nodes inside the subtree must rebuild its root.
    const height = bitLength((end - 1n) ^ start);
    const subInner = Math.min(height, forkLevel) - shift;
    const subBorder = Math.max(0, border - popCount((end - 1n) >> BigInt(height)));
    const rebuilt = chainBorderRight(chainInnerRight(seed, rest.slice(0, subInner), mask), rest.slice(inner, inner + subBorder));
    if (!equalHashes(rebuilt, subRoot)) return null;
  }
  return chainBorderRight(chainInner(seed, rest.slice(0, inner), mask), rest.slice(inner));
}
