// Blocks seal the log (SPEC §5): {height, prevBlockHash, treeSize, rootHash,
// ts}, hashes in lowercase hex, the header's canonical JSON signed with
// Ed25519. The block hash that the next block chains to is
// SHA-256(canonical header bytes). The key pair comes from the caller.
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalBytes } from './canonical-json.js';
import type { BlockRow } from '../store/ledger-store.js';

export interface LedgerSigner {
  publicKey: KeyObject;
  sign(bytes: Uint8Array): Uint8Array;
}

/** The previous-block hash of block 0. */
export const GENESIS_PREV_HASH: Uint8Array = new Uint8Array(32);

export function ed25519Signer(privateKey: KeyObject, publicKey: KeyObject): LedgerSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('ledger signer: the key must be Ed25519');
  return { publicKey, sign: (bytes) => sign(null, bytes, privateKey) };
}

/** A fresh key pair, for tests, benchmarks and first start-up. */
export function generateLedgerSigner(): LedgerSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return ed25519Signer(privateKey, publicKey);
}

export interface BlockHeader {
  height: number;
  prevBlockHash: string;
  treeSize: number;
  rootHash: string;
  ts: number;
}

export function blockHeader(block: Omit<BlockRow, 'signature'>): BlockHeader {
  return {
    height: block.height, prevBlockHash: Buffer.from(block.prevBlockHash).toString('hex'), treeSize: block.treeSize,
    rootHash: Buffer.from(block.rootHash).toString('hex'), ts: block.ts,
  };
}

export function headerBytes(block: Omit<BlockRow, 'signature'>): Uint8Array {
  return canonicalBytes(blockHeader(block));
}

export function blockHash(block: Omit<BlockRow, 'signature'>): Uint8Array {
  return createHash('sha256').update(headerBytes(block)).digest();
}

/** The block after `previous` (or block 0) sealing the tree at `treeSize` with `rootHash`. */
export function sealNext(previous: BlockRow | null, treeSize: number, rootHash: Uint8Array, nowMs: number, signer: LedgerSigner): BlockRow {
  const unsigned = {
    height: previous === null ? 0 : previous.height + 1,
    prevBlockHash: previous === null ? GENESIS_PREV_HASH : blockHash(previous),
    treeSize, rootHash, ts: nowMs,
  };
  return { ...unsigned, signature: signer.sign(headerBytes(unsigned)) };
}

export function verifyBlockSignature(block: BlockRow, publicKey: KeyObject): boolean {
  try {
    return verify(null, headerBytes(block), publicKey, block.signature);
  } catch {
    return false;
  }
}
