// Depth and size of an untrusted body, measured on its bytes before any
// decoder builds it (STYLE rule 13). msgpackr has no depth limit and
// recurses per level; JSON.parse has neither. After this walk a decoder
// only sees one value, at most INGEST_BODY_DEPTH_MAX deep, with at most
// INGEST_BODY_VALUES_MAX values, no ext type but two scalar ones and no
// trailing bytes — so msgpackr's trailing-bytes error path, which
// JSON.stringifies what it decoded, is never reached.
import { INGEST_BODY_DEPTH_MAX, INGEST_BODY_VALUES_MAX } from '../limits.js';
import { BatchError } from './errors.js';

function malformed(reason: string): BatchError {
  return new BatchError('malformed_body', reason);
}

/** Bytes after a msgpack token byte, before its payload (string or bin length fields are read separately). */
const FIXED_PAYLOAD_BYTES: ReadonlyMap<number, number> = new Map([
  [0xc0, 0], [0xc2, 0], [0xc3, 0],
  [0xca, 4], [0xcb, 8],
  [0xcc, 1], [0xcd, 2], [0xce, 4], [0xcf, 8],
  [0xd0, 1], [0xd1, 2], [0xd2, 4], [0xd3, 8],
]);
/** Width of the length field of str8/16/32 and bin8/16/32. */
const LENGTH_FIELD_BYTES: ReadonlyMap<number, number> = new Map([
  [0xd9, 1], [0xda, 2], [0xdb, 4], [0xc4, 1], [0xc5, 2], [0xc6, 4],
]);
/** Width of the count field of array16/32 and map16/32. */
const COUNT_FIELD_BYTES: ReadonlyMap<number, number> = new Map([[0xdc, 2], [0xdd, 4], [0xde, 2], [0xdf, 4]]);
const MAP_TOKENS = new Set([0xde, 0xdf]);
/** Payload bytes of fixext 1/2/4/8/16, and the length-field width of ext8/16/32. */
const FIXEXT_PAYLOAD_BYTES: ReadonlyMap<number, number> = new Map([[0xd4, 1], [0xd5, 2], [0xd6, 4], [0xd7, 8], [0xd8, 16]]);
const EXT_LENGTH_FIELD_BYTES: ReadonlyMap<number, number> = new Map([[0xc7, 1], [0xc8, 2], [0xc9, 4]]);
// The ext types that decode to a plain scalar a frame check can call `invalid`:
// 0 (undefined in msgpackr and notepack) and −1 (timestamp → Date). Every
// other type (records, structured clones, Set, RegExp …) is no part of SPEC §6.
const SCALAR_EXT_TYPES = new Set([0x00, 0xff]);

class MsgpackCursor {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}

  remaining(): number {
    return this.bytes.byteLength - this.position;
  }

  skip(byteCount: number): void {
    if (byteCount > this.remaining()) throw malformed('the msgpack body is truncated');
    this.position += byteCount;
  }

  /** A big-endian unsigned field of 1, 2 or 4 bytes. */
  readUnsigned(byteCount: number): number {
    this.skip(byteCount);
    let value = 0;
    for (let k = this.position - byteCount; k < this.position; k++) value = value * 256 + this.bytes[k]!;
    return value;
  }

  /** Skips one token; returns how many child values it opens (0 for a scalar). */
  readToken(): number {
    const token = this.readUnsigned(1);
    if (token <= 0x7f || token >= 0xe0) return 0;
    if (token <= 0x8f) return 2 * (token & 0x0f);
    if (token <= 0x9f) return token & 0x0f;
    if (token <= 0xbf) return this.skipThen(token & 0x1f);
    const fixed = FIXED_PAYLOAD_BYTES.get(token);
    if (fixed !== undefined) return this.skipThen(fixed);
    const lengthBytes = LENGTH_FIELD_BYTES.get(token);
    if (lengthBytes !== undefined) return this.skipThen(this.readUnsigned(lengthBytes));
    const countBytes = COUNT_FIELD_BYTES.get(token);
    if (countBytes !== undefined) return (MAP_TOKENS.has(token) ? 2 : 1) * this.readUnsigned(countBytes);
    const fixextBytes = FIXEXT_PAYLOAD_BYTES.get(token);
    if (fixextBytes !== undefined) return this.skipScalarExt(fixextBytes);
    const extLengthBytes = EXT_LENGTH_FIELD_BYTES.get(token);
    if (extLengthBytes !== undefined) return this.skipScalarExt(this.readUnsigned(extLengthBytes));
    throw malformed(`msgpack token 0x${token.toString(16)} at byte ${this.position - 1} is never used`);
  }

  private skipScalarExt(payloadBytes: number): 0 {
    const type = this.readUnsigned(1);
    if (!SCALAR_EXT_TYPES.has(type)) {
      throw malformed(`msgpack ext type 0x${type.toString(16)} at byte ${this.position - 1} is not allowed in a batch`);
    }
    return this.skipThen(payloadBytes);
  }

  private skipThen(byteCount: number): 0 {
    this.skip(byteCount);
    return 0;
  }
}

function assertDepth(depth: number): void {
  if (depth > INGEST_BODY_DEPTH_MAX) throw malformed(`INGEST_BODY_DEPTH_MAX: the body nests deeper than ${INGEST_BODY_DEPTH_MAX} levels`);
}

function assertValueCount(valueCount: number): void {
  if (valueCount > INGEST_BODY_VALUES_MAX) throw malformed(`INGEST_BODY_VALUES_MAX: the body holds more than ${INGEST_BODY_VALUES_MAX} values`);
}

/** Exactly one msgpack value within the bounds, or 400 malformed_body. */
export function assertMsgpackBounds(bytes: Uint8Array): void {
  const cursor = new MsgpackCursor(bytes);
  // Children still to read, per open container; the bottom entry is the body's one value.
  const childrenLeft = [1];
  let valueCount = 0;
  while (childrenLeft.length > 0) {
    if (childrenLeft[childrenLeft.length - 1] === 0) {
      childrenLeft.pop();
      continue;
    }
    childrenLeft[childrenLeft.length - 1]! -= 1;
    assertValueCount(++valueCount);
    const children = cursor.readToken();
    if (children === 0) continue;
    // Every child takes at least one byte, so a count beyond the bytes left is a lie.
    if (children > cursor.remaining()) throw malformed('the msgpack body is truncated');
    childrenLeft.push(children);
    assertDepth(childrenLeft.length - 1);
  }
  if (cursor.remaining() > 0) throw malformed(`the msgpack body has ${cursor.remaining()} bytes after its value`);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x5b, 0x7b]);
const CLOSERS = new Set([0x5d, 0x7d]);
const SEPARATORS = new Set([0x2c, 0x3a]);

/**
 * JSON nesting within INGEST_BODY_DEPTH_MAX and at most INGEST_BODY_VALUES_MAX
 * values (counted from separators and brackets, an upper bound); syntax is
 * left to JSON.parse.
 */
export function assertJsonBounds(bytes: Uint8Array): void {
  let depth = 0;
  let valueCount = 1;
  let inString = false;
  for (let k = 0; k < bytes.byteLength; k++) {
    const byte = bytes[k]!;
    if (inString) {
      if (byte === BACKSLASH) k++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      assertDepth(++depth);
      assertValueCount(++valueCount);
    } else if (CLOSERS.has(byte)) {
      depth--;
    } else if (SEPARATORS.has(byte)) {
      assertValueCount(++valueCount);
    }
  }
}
