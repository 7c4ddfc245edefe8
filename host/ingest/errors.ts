// The ingest codes of SPEC §6 in one catalogue: batch errors with their HTTP
// statuses, and the per-frame codes of the 202 response.
import { CatalogueError } from '../catalogue-error.js';

export const BATCH_ERROR_STATUS = {
  malformed_body: 400,
  invalid_batch: 400,
  bad_signature: 401,
  unknown_gateway: 401,
  gateway_revoked: 401,
  stale_timestamp: 401,
  seq_conflict: 409,
  body_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  overloaded: 503,
} as const;

export type BatchErrorCode = keyof typeof BATCH_ERROR_STATUS;
export type BatchErrorStatus = (typeof BATCH_ERROR_STATUS)[BatchErrorCode];

/** Every frame code of a 202 response, in SPEC order. */
export const FRAME_CODES = ['duplicate', 'conflict', 'unknown_meter', 'forbidden_meter', 'invalid', 'future'] as const;
export type FrameCode = (typeof FRAME_CODES)[number];
/** The frame codes decidable from the batch alone (no store): what `decodeBatch` reports. */
export type DecodeFrameCode = Extract<FrameCode, 'invalid' | 'future'>;

export interface RejectedFrame<Code extends FrameCode = FrameCode> {
  /** Zero-based position of the frame in the batch as sent. */
  index: number;
  code: Code;
}

/** A whole batch refused: nothing in it is stored. */
export class BatchError extends CatalogueError<BatchErrorCode, BatchErrorStatus> {
  constructor(code: BatchErrorCode, message: string) {
    super('BatchError', code, BATCH_ERROR_STATUS[code], message);
  }

  /** The SPEC §6 response body. */
  toJSON(): { error: { code: BatchErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function invalidBatch(message: string): BatchError {
  return new BatchError('invalid_batch', message);
}
