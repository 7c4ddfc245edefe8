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

export function assertBatchError(run: () => unknown, code: BatchErrorCode, status: number, messagePart?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof BatchError, `expected a BatchError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.status, status);
    if (messagePart !== undefined) assert.match(error.message, messagePart);
    return true;
  });
}
