// The ingest protocol of SPEC §6, store-free: what the ingest route calls.
export { BATCH_ERROR_STATUS, BatchError, FRAME_CODES } from './errors.js';
export type { BatchErrorCode, BatchErrorStatus, DecodeFrameCode, FrameCode, RejectedFrame } from './errors.js';
export { DEFAULT_INGEST_LIMITS, resolveIngestLimits } from './ingest-limits.js';
export type { IngestLimits } from './ingest-limits.js';
export { signBatch, verifyBatchSignature } from './signature.js';
export type { GatewaySecret, HeaderValue } from './signature.js';
export { assertFreshTimestamp } from './timestamp.js';
export { bodyFormatOf } from './parse-body.js';
export type { BodyFormat } from './parse-body.js';
export { decodeBatch } from './decode.js';
export type { DecodedBatch, ReadingColumns } from './decode.js';
export { NO_EXPORT_REGISTER } from './wire-columns.js';
export { CONTENT_TYPE_BY_FORMAT, encodeColumnarBatch, encodeRowBatch } from './encode.js';
export type { ColumnarIntegers, GatewayBatch, GatewayFrame, WireIntegerValue } from './encode.js';
