// The incremental RFC 6962 tree of the ledger log. Node (level, index) is the
// hash of the perfect subtree over leaves [index·2^level, (index+1)·2^level);
// level 0 is the leaf hash, kept with its record; inner nodes are kept in
// groups of 15 (node-groups.ts). Any root or proof for any size ≤ the log's
// needs O(log n) nodes, read in one round trip.
import { EMPTY_ROOT, perfectHeight, splitPoint, type Hash } from './merkle.js';
import { fastNodeHash as nodeHash, hashBytes, hashText, nodeHashText, type HashText } from './sha256.js';
import {
  completeGroups, GROUP_BYTES, GROUP_SLOTS, HASH_BYTES, partialBaseNodes, slotHash, slotOf,
} from './node-groups.js';
import { groupKey, type GroupKey, type LedgerReader, type NodeGroupRow } from '../store/ledger-store.js';

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

/** What the recording pass reads instead of stored hashes. */
const PLACEHOLDER_HASH: Hash = new Uint8Array(HASH_BYTES);
const PLACEHOLDER_GROUP = new Uint8Array(GROUP_BYTES);

/** Where stored nodes come from: leaf hashes (level 0) and complete groups. */
export interface NodeSources {
  leafHash(seq: number): Hash;
  group(tier: number, group: number): Uint8Array;
}

/**
 * Node (level, index) of a tree whose first `storedSize` leaves are stored:
 * a leaf hash, a slot of a complete group, or (inside a group not yet
 * complete) the hash of its two children.
 */
export function storedNodeLookup(sources: NodeSources, storedSize: number): NodeLookup {
  const lookup: NodeLookup = (level, index) => {
    if (level === 0) return sources.leafHash(index);
    const { tier, group, slot } = slotOf(level, index);
    if (group < completeGroups(tier, storedSize)) return slotHash(sources.group(tier, group), slot);
    return nodeHash(lookup(level - 1, 2 * index), lookup(level - 1, 2 * index + 1));
  };
  return lookup;
}

/**
 * Runs a pure tree computation against stored nodes: a first pass records
 * which leaf hashes and groups it reads (their values cannot change its
 * path), one round trip fetches them, the second pass computes.
 */
export async function withStoredNodes<T>(reader: LedgerReader, storedSize: number, compute: (read: NodeLookup) => T): Promise<T> {
  const seqs = new Set<number>();
  const groups = new Map<string, GroupKey>();
  compute(storedNodeLookup({
    leafHash: (seq) => (seqs.add(seq), PLACEHOLDER_HASH),
    group: (tier, group) => (groups.set(groupKey(tier, group), { tier, group }), PLACEHOLDER_GROUP),
  }, storedSize));
  const [leafHashes, groupHashes] = await Promise.all([reader.readLeafHashes([...seqs]), reader.readNodeGroups([...groups.values()])]);
  return compute(storedNodeLookup({
    leafHash: (seq) => leafHashes.get(seq) ?? missing(`leaf hash ${seq}`),
    group: (tier, group) => groupHashes.get(groupKey(tier, group)) ?? missing(`node group ${tier}:${group}`),
  }, storedSize));
}

function missing(what: string): never {
  throw new Error(`ledger ${what} is missing from the store`);
}

/**
 * Appends leaf hashes to a stored tree; collects the groups they complete.
 * Starts from the base nodes of the incomplete groups (partialBaseNodes),
 * which rebuild both those groups' nodes and the right edge. Hashes are
 * HashText here, the cheap form of the hot path (sha256.ts).
 */
export class TreeAppender {
  /** The right edge: the node of each level whose subtree is not yet paired. */
  private readonly frontier: Array<HashText | undefined> = [];
  /** Per tier, the slots of its incomplete group. */
  private readonly partial: Array<Buffer | undefined> = [];
  readonly completedGroups: NodeGroupRow[] = [];

  constructor(public size: number, read: NodeLookup) {
    for (const { level, index } of partialBaseNodes(size)) this.climb(level, index, hashText(read(level, index)));
  }

  append(leafHash: HashText): number {
    const seq = this.size;
    this.climb(0, seq, leafHash);
    this.size = seq + 1;
    return seq;
  }

  /** Places node (level, index); each odd index completes a perfect subtree with its left sibling on the edge. */
  private climb(level: number, index: number, hash: HashText): void {
    while (index % 2 === 1) {
      hash = nodeHashText(this.frontier[level]!, hash);
      this.frontier[level] = undefined;
      level += 1;
      index = (index - 1) / 2;
      this.keep(level, index, hash);
    }
    this.frontier[level] = hash;
  }

  private keep(level: number, index: number, hash: HashText): void {
    const { tier, group, slot } = slotOf(level, index);
    const slots = this.partial[tier] ?? (this.partial[tier] = Buffer.alloc(GROUP_BYTES));
    slots.write(hash, slot * HASH_BYTES, 'latin1');
    if (slot === GROUP_SLOTS - 1) {
      this.completedGroups.push({ tier, group, hashes: slots });
      this.partial[tier] = undefined;
    }
  }

  /** RFC 6962 root of the current size: the edge's subtrees folded right to left. */
  root(): Hash {
    let root: HashText | null = null;
    for (const hash of this.frontier) {
      if (hash !== undefined) root = root === null ? hash : nodeHashText(hash, root);
    }
    return root === null ? EMPTY_ROOT : hashBytes(root);
  }
}
