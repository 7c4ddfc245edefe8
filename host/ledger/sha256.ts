// RFC 6962 leaf and node hashes on the append path, through one-shot
// crypto.hash with latin1 output ('binary' is its alias): a hash as a
// 32-character string, one char per byte. PERF: for these short inputs, asking crypto.hash for a Buffer
// costs 2–4× the hash itself (each result gets its own ArrayBuffer); a
// latin1 string is a plain heap string. Tests hold these equal to merkle.ts.
import { hash } from 'node:crypto';
import type { Hash } from './merkle.js';

/** A SHA-256 value as a 32-character latin1 string. */
export type HashText = string;

const HASH_BYTES = 32;
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_BYTES);
NODE_INPUT[0] = 0x01;

export function hashBytes(value: HashText): Hash {
  return Buffer.from(value, 'latin1');
}

export function hashText(value: Hash): HashText {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
}

/** The leaf hash of the UTF-8 bytes of `text` (crypto.hash encodes a string input as UTF-8; U+0000 is the 0x00 prefix). */
export function leafHashText(text: string): HashText {
  return hash('sha256', `\u0000${text}`, 'binary');
}

export function nodeHashText(left: HashText, right: HashText): HashText {
  // One reused input buffer: crypto.hash is synchronous, so nothing else can touch it meanwhile.
  NODE_INPUT.write(left, 1, 'latin1');
  NODE_INPUT.write(right, 1 + HASH_BYTES, 'latin1');
  return hash('sha256', NODE_INPUT, 'binary');
}

export function fastLeafHash(leaf: Uint8Array): Hash {
  const input = Buffer.allocUnsafe(1 + leaf.length);
  input[0] = 0x00;
  input.set(leaf, 1);
  return hashBytes(hash('sha256', input, 'binary'));
}

export function fastNodeHash(left: Hash, right: Hash): Hash {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_BYTES);
  return hashBytes(hash('sha256', NODE_INPUT, 'binary'));
}
