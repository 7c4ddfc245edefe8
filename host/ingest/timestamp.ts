// SPEC §6 `x-timestamp`: epoch milliseconds, within ±300 s of server time.
// A malformed header is `stale_timestamp` as well: it fails the same
// freshness guarantee, and the signature covers the header text verbatim.
import { BatchError } from './errors.js';
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from './ingest-limits.js';
import type { HeaderValue } from './signature.js';

/** Plain decimal digits, no sign, at most 16 of them (safe-integer range). */
const EPOCH_MS_PATTERN = /^[0-9]{1,16}$/;

/**
 * Returns the header's epoch ms when `|timestamp − nowMs| ≤ limits.clockSkewMs`
 * (both edges accepted); otherwise throws `BatchError('stale_timestamp')`.
 */
export function assertFreshTimestamp(
  timestampHeader: HeaderValue,
  nowMs: number,
  limits: Readonly<IngestLimits> = DEFAULT_INGEST_LIMITS,
): number {
  const clockSkewMs = limits.clockSkewMs;
  if (typeof timestampHeader !== 'string' || !EPOCH_MS_PATTERN.test(timestampHeader)) {
    throw new BatchError('stale_timestamp', 'x-timestamp must be one header of decimal epoch milliseconds');
  }
  const timestampMs = Number(timestampHeader);
  if (!Number.isSafeInteger(timestampMs)) {
    throw new BatchError('stale_timestamp', 'x-timestamp is beyond the safe-integer range');
  }
  const skewMs = Math.abs(timestampMs - nowMs);
  if (skewMs > clockSkewMs) {
    throw new BatchError(
      'stale_timestamp',
      `INGEST_CLOCK_SKEW_MS: x-timestamp ${timestampHeader} is ${skewMs} ms from server time (limit ${clockSkewMs} ms)`,
    );
  }
  return timestampMs;
}
