// Where the tree's inner nodes are stored (migration 005). Levels are cut
// into tiers of four: tier t holds levels 4t+1 … 4t+4, in groups of the 15
// nodes above 16 nodes of level 4t (its base: leaf hashes for tier 0, the top
// nodes of tier t−1's groups above). A group is one row, written once, when
// its last leaf is appended; nodes of a group not yet complete are computed
// from their children (at most 15 base nodes per tier), so rows stay
// append-only and a transfer writes about 1/15 node row instead of one.
import type { Hash } from './merkle.js';
import type { GroupKey } from '../store/ledger-store.js';

export const HASH_BYTES = 32;
/** Levels per tier, base nodes per group, hashes per group row. */
export const GROUP_LEVELS = 4;
export const GROUP_BASE = 16;
export const GROUP_SLOTS = 15;
export const GROUP_BYTES = GROUP_SLOTS * HASH_BYTES;

export interface NodeKey {
  level: number;
  index: number;
}

export function tierOf(level: number): number {
  return Math.floor((level - 1) / GROUP_LEVELS);
}

/** Groups of `tier` complete in a tree of `size` leaves (each covers 16^(tier+1) leaves). */
export function completeGroups(tier: number, size: number): number {
  return Math.floor(size / 2 ** (GROUP_LEVELS * (tier + 1)));
}

/**
 * Node (level ≥ 1, index): its group, and its slot in the row, levels bottom
 * up (8 + 4 + 2 + 1 hashes), each level left to right.
 */
export function slotOf(level: number, index: number): GroupKey & { slot: number } {
  const tier = tierOf(level);
  const height = level - GROUP_LEVELS * tier;
  const perGroup = GROUP_BASE >> height;
  return { tier, group: Math.floor(index / perGroup), slot: GROUP_BASE - 2 * perGroup + (index % perGroup) };
}

/** The inverse of slotOf. */
export function nodeOfSlot(tier: number, group: number, slot: number): NodeKey {
  let height = 1;
  let first = 0;
  for (let perGroup = GROUP_BASE >> 1; slot >= first + perGroup; perGroup >>= 1) {
    first += perGroup;
    height += 1;
  }
  const perGroup = GROUP_BASE >> height;
  return { level: GROUP_LEVELS * tier + height, index: group * perGroup + slot - first };
}

/** The top node of a group: the one node of its highest level. */
export function topOf(tier: number, group: number): NodeKey {
  return { level: GROUP_LEVELS * (tier + 1), index: group };
}

export function slotHash(hashes: Uint8Array, slot: number): Hash {
  return hashes.subarray(slot * HASH_BYTES, (slot + 1) * HASH_BYTES);
}

/**
 * The base nodes of every incomplete group of a tree of `size` leaves: what
 * an append must know to fill those groups (they include the right edge).
 */
export function partialBaseNodes(size: number): NodeKey[] {
  const keys: NodeKey[] = [];
  for (let tier = 0; 2 ** (GROUP_LEVELS * tier) <= size; tier += 1) {
    const level = GROUP_LEVELS * tier;
    const count = Math.floor(size / 2 ** level);
    for (let index = count - (count % GROUP_BASE); index < count; index += 1) keys.push({ level, index });
  }
  return keys;
}
