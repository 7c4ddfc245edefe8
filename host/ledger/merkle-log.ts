// The incremental RFC 6962 tree of the ledger log. The store keeps the hash
// of every perfect subtree, node (level, index) covering leaves
// [index·2^level, (index+1)·2^level); level 0 holds leaf hashes. Appending
// n leaves writes < 2n nodes; any root or proof for any size ≤ the log's
// needs O(log n) stored nodes, read in one round trip.
import { EMPTY_ROOT, perfectHeight, splitPoint, type Hash } from './merkle.js';
import { fastNodeHash as nodeHash } from './sha256.js';
import { nodeKey, type LedgerReader, type NodeRow } from '../store/ledger-store.js';

export type NodeLookup = (level: number, index: number) => Hash;

/** MTH of leaves [start, end): `start` is a multiple of the split width, as in every RFC 6962 recursion. */
function rangeHash(read: NodeLookup, start: number, end: number): Hash {
  const width = end - start;
  const height = perfectHeight(width);
  if (height >= 0) return read(height, start / width);
  const k = splitPoint(width);
  return nodeHash(read(perfectHeight(k), start / k), rangeHash(read, start + k, end));
}

export function rootAt(read: NodeLookup, size: number): Hash {
  return size === 0 ? EMPTY_ROOT : rangeHash(read, 0, size);
}

function auditPath(read: NodeLookup, index: number, from: number, to: number): Hash[] {
  if (to - from <= 1) return [];
  const k = splitPoint(to - from);
  return index < from + k
    ? [...auditPath(read, index, from, from + k), rangeHash(read, from + k, to)]
    : [...auditPath(read, index, from + k, to), rangeHash(read, from, from + k)];
}

/** RFC 9162 §2.1.3.1 PATH(index, D[size]). */
export function inclusionPath(read: NodeLookup, index: number, size: number): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`inclusion proof: index ${index} is outside a tree of ${size} leaves`);
  }
  return auditPath(read, index, 0, size);
}

function subproof(read: NodeLookup, m: number, from: number, to: number, known: boolean): Hash[] {
  const n = to - from;
  if (m === n) return known ? [] : [rangeHash(read, from, to)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(read, m, from, from + k, known), rangeHash(read, from + k, to)]
    : [...subproof(read, m - k, from + k, to, false), rangeHash(read, from, from + k)];
}

/** RFC 9162 §2.1.4.1 PROOF(size1, D[size2]). */
export function consistencyPath(read: NodeLookup, size1: number, size2: number): Hash[] {
  if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > size2) {
    throw new RangeError(`consistency proof: size1 ${size1} is outside 0 … ${size2}`);
  }
  if (size1 === 0 || size1 === size2) return [];
  return subproof(read, size1, 0, size2, true);
}

const PLACEHOLDER: Hash = new Uint8Array(32);

/**
 * Runs a pure tree computation against stored nodes: a first pass records
 * which nodes it reads (their values cannot change its path), one query
 * fetches them, the second pass computes.
 */
export async function withStoredNodes<T>(reader: LedgerReader, compute: (read: NodeLookup) => T): Promise<T> {
  const wanted = new Map<string, { level: number; index: number }>();
  compute((level, index) => {
    wanted.set(nodeKey(level, index), { level, index });
    return PLACEHOLDER;
  });
  const found = await reader.readNodes([...wanted.values()]);
  return compute((level, index) => {
    const hash = found.get(nodeKey(level, index));
    if (hash === undefined) throw new Error(`ledger node ${level}:${index} is missing from the store`);
    return hash;
  });
}

/** The right edge of a tree of `size`: node (level, ⌊size/2^level⌋ − 1) for each set bit `level`. */
export function frontierKeys(size: number): Array<{ level: number; index: number }> {
  const keys: Array<{ level: number; index: number }> = [];
  for (let level = 0; 2 ** level <= size; level += 1) {
    const count = Math.floor(size / 2 ** level);
    if (count % 2 === 1) keys.push({ level, index: count - 1 });
  }
  return keys;
}

/** Appends leaf hashes to a tree whose right edge is known; collects the new nodes. */
export class TreeAppender {
  private readonly frontier: Array<Hash | undefined> = [];
  readonly newNodes: NodeRow[] = [];

  constructor(public size: number, frontier: ReadonlyMap<string, Hash>) {
    for (const { level, index } of frontierKeys(size)) {
      const hash = frontier.get(nodeKey(level, index));
      if (hash === undefined) throw new Error(`ledger node ${level}:${index} (right edge) is missing from the store`);
      this.frontier[level] = hash;
    }
  }

  append(leafHashValue: Hash): number {
    const seq = this.size;
    let hash = leafHashValue;
    let level = 0;
    let index = seq;
    this.newNodes.push({ level, index, hash });
    // Each odd index completes a perfect subtree with its left sibling on the edge.
    while (index % 2 === 1) {
      hash = nodeHash(this.frontier[level]!, hash);
      this.frontier[level] = undefined;
      level += 1;
      index = (index - 1) / 2;
      this.newNodes.push({ level, index, hash });
    }
    this.frontier[level] = hash;
    this.size = seq + 1;
    return seq;
  }

  /** RFC 6962 root of the current size: the edge's subtrees folded right to left. */
  root(): Hash {
    let root: Hash | null = null;
    for (const hash of this.frontier) {
      if (hash !== undefined) root = root === null ? hash : nodeHash(hash, root);
    }
    return root ?? EMPTY_ROOT;
  }
}
