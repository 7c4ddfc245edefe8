// Shared fixtures of the ingest tests: bodies in every shape, and assertions
// on batch errors.
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { BatchError, type BatchErrorCode } from '../host/ingest/errors.js';

export const NOW_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
export const MSGPACK = 'application/msgpack';
export const JSON_TYPE = 'application/json';

// Packs test bodies verbatim (including wrong types) without records.
const rawPackr = new Packr({ useRecords: false });

export function msgpackBody(value: unknown): Uint8Array {
  return rawPackr.pack(value);
}

export function jsonBody(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** A bin of little-endian int64s. */
export function int64Bin(values: readonly bigint[]): Uint8Array {
  return new Uint8Array(BigInt64Array.from(values).buffer);
}

/** msgpackr's structured-clone id (0x69) and pointer (0x70) extensions, fixext 4 with a uint32 id. */
function cloneExtension(type: 0x69 | 0x70, id: number): Buffer {
  const extension = Buffer.from([0xd6, type, 0, 0, 0, 0]);
  extension.writeUInt32BE(id, 2);
  return extension;
}

/**
 * Level k is the array [level k−1, pointer to level k−1]: 13 bytes a level,
 * 2^depth leaves once expanded. The trailing byte sent msgpackr into an
 * error path that JSON.stringified the whole expansion.
 */
export function referenceBomb(depth = 26): Buffer {
  let level = Buffer.concat([cloneExtension(0x69, 0), Buffer.from([0x90])]);
  for (let id = 1; id <= depth; id++) {
    level = Buffer.concat([cloneExtension(0x69, id), Buffer.from([0x92]), level, cloneExtension(0x70, id - 1)]);
  }
  return Buffer.concat([level, Buffer.from([0xc0])]);
}

export function assertBatchError(run: () => unknown, code: BatchErrorCode, status: number, messagePart?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof BatchError, `expected a BatchError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    if (messagePart !== undefined) assert.match(error.message, messagePart);
    return true;
  });
}
