// A held head (SPEC §5 "Trusted heads"): a signed block header a verifier
// saved earlier (`GET /v1/ledger/head`). The current log must extend it:
// its signature verifies, the tree is at least as large, the block at its
// height is still that block, and RFC 6962 consistency proofs lead from its
// root to the latest block's root and to the root of the whole current tree
// (unsealed records included). Deleting blocks or rewriting records it
// covers breaks one of these, however consistently the store was rewritten.
import type { KeyObject } from 'node:crypto';
import { verifyConsistency, type Hash } from './merkle.js';
import { consistencyPath, rootAt, withStoredNodes } from './merkle-log.js';
import { blockHash, verifyBlockSignature } from './blocks.js';
import type { BlockRow, LedgerReader } from '../store/ledger-store.js';

const HEX_HASH_PATTERN = /^[0-9a-f]{64}$/;

export const TRUSTED_HEAD = 'trustedHead';

/** The header fields of a saved head: the body of `GET /v1/ledger/head` or its `head`, or a block of `GET /v1/ledger/blocks`. */
export function trustedHeadFrom(saved: unknown): BlockRow {
  const outer = saved as { head?: unknown } | null;
  const head = (typeof outer === 'object' && outer !== null && 'head' in outer ? outer.head : saved) as Record<string, unknown> | null;
  if (typeof head !== 'object' || head === null) throw new TypeError('a trusted head must be a JSON object');
  const integer = (name: string): number => {
    const value = head[name];
    if (!Number.isSafeInteger(value) || (value as number) < 0) throw new TypeError(`a trusted head's ${name} must be an integer ≥ 0`);
    return value as number;
  };
  const hash = (name: string): Uint8Array => {
    const value = head[name];
    if (typeof value !== 'string' || !HEX_HASH_PATTERN.test(value)) throw new TypeError(`a trusted head's ${name} must be 64 lowercase hex digits`);
    return Buffer.from(value, 'hex');
  };
  if (typeof head.signatureBase64 !== 'string') throw new TypeError("a trusted head's signatureBase64 must be a string");
  return {
    height: integer('height'), prevBlockHash: hash('prevBlockHash'), treeSize: integer('treeSize'), rootHash: hash('rootHash'),
    ts: integer('ts'), signature: Buffer.from(head.signatureBase64, 'base64'),
  };
}

export interface HeadMismatch {
  at: { kind: string; height: number };
  reason: string;
}

/** The log of `treeSize` leaves extends `head` by an RFC 6962 consistency proof to the tree of `size` leaves, whose root is `root`. */
async function extendsHead(reader: LedgerReader, treeSize: number, head: BlockRow, size: number, root: Hash): Promise<boolean> {
  if (size < head.treeSize) return false;
  if (head.treeSize === 0) return true; // every tree extends the empty one
  const proof = await withStoredNodes(reader, treeSize, (read) => consistencyPath(read, head.treeSize, size));
  return verifyConsistency(head.treeSize, size, proof, head.rootHash, root);
}

/** Why the stored log of `treeSize` leaves does not extend `head`, or null when it does. Cheap checks first. */
export async function headMismatch(reader: LedgerReader, head: BlockRow, publicKey: KeyObject, treeSize: number): Promise<HeadMismatch | null> {
  const at = { kind: TRUSTED_HEAD, height: head.height };
  if (!verifyBlockSignature(head, publicKey)) return { at, reason: "the trusted head's signature does not verify with the public key" };
  if (treeSize < head.treeSize) {
    return { at, reason: `the tree holds ${treeSize} records, fewer than the ${head.treeSize} the trusted head seals: records or blocks were deleted` };
  }
  // The whole current tree first, so that a rewrite is named as such even when blocks were deleted too.
  const currentRoot = await withStoredNodes(reader, treeSize, (read) => rootAt(read, treeSize));
  if (!(await extendsHead(reader, treeSize, head, treeSize, currentRoot))) {
    return { at, reason: 'no consistency proof from the trusted head to the current tree: sealed records were rewritten' };
  }
  const [block] = await reader.readBlocks(head.height, 1);
  const blockAt = { kind: 'block', height: head.height };
  if (block === undefined || block.height !== head.height) return { at: blockAt, reason: "the trusted head's block is missing: blocks were deleted" };
  if (!Buffer.from(blockHash(block)).equals(Buffer.from(blockHash(head)))) return { at: blockAt, reason: "the block at the trusted head's height differs from it" };
  const latest = (await reader.lastBlock())!;
  if (!(await extendsHead(reader, treeSize, head, latest.treeSize, latest.rootHash))) {
    return { at, reason: `no consistency proof from the trusted head to the latest block (height ${latest.height})` };
  }
  return null;
}
