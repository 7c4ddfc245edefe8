// The ingest limits in force for one server. Each can be configured down
// from the SPEC §1 value in host/limits.ts, never up.
import {
  INGEST_BODY_BYTES_MAX,
  INGEST_CLOCK_SKEW_MS,
  INGEST_FRAMES_PER_BATCH_MAX,
  INGEST_METER_ID_LENGTH_MAX,
} from '../limits.js';

export interface IngestLimits {
  framesPerBatchMax: number;
  bodyBytesMax: number;
  clockSkewMs: number;
  meterIdLengthMax: number;
}

export const DEFAULT_INGEST_LIMITS: Readonly<IngestLimits> = Object.freeze({
  framesPerBatchMax: INGEST_FRAMES_PER_BATCH_MAX,
  bodyBytesMax: INGEST_BODY_BYTES_MAX,
  clockSkewMs: INGEST_CLOCK_SKEW_MS,
  meterIdLengthMax: INGEST_METER_ID_LENGTH_MAX,
});

/** Overrides must be positive safe integers no larger than the defaults; a bad one is a startup bug, so RangeError. */
export function resolveIngestLimits(overrides: Partial<IngestLimits> = {}): Readonly<IngestLimits> {
  const resolved: IngestLimits = { ...DEFAULT_INGEST_LIMITS };
  for (const name of Object.keys(DEFAULT_INGEST_LIMITS) as Array<keyof IngestLimits>) {
    const value = overrides[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1 || value > DEFAULT_INGEST_LIMITS[name]) {
      throw new RangeError(`ingest limit ${name} must be an integer in 1 … ${DEFAULT_INGEST_LIMITS[name]}, got ${value}`);
    }
    resolved[name] = value;
  }
  return Object.freeze(resolved);
}
