// The store-backed half of SPEC §6: one decoded batch → one transaction →
// the 202 response. The HTTP route authenticates and decodes, then calls
// `ingestBatch`; it maps a thrown BatchError to its status (docs/ingest.md).
import { createHash } from 'node:crypto';
import { READING_CONFLICT, READING_DUPLICATE, type IngestTransaction, type MeterBinding, type ReadingStore } from '../store/reading-store.js';
import { planInsert, mergeRejected } from './batch-rows.js';
import type { DecodedBatch } from './decode.js';
import { BatchError, type RejectedFrame } from './errors.js';

export interface IngestRequest {
  gatewayId: string;
  seq: number;
  /** SHA-256 of the raw body bytes: the identity of the batch under its seq. */
  bodySha256: Uint8Array;
  decoded: DecodedBatch;
  nowMs: number;
}

/** SPEC §6 202 body. `duplicates` counts the frames also listed with code `duplicate`. */
export interface IngestResponse {
  seq: number;
  accepted: number;
  duplicates: number;
  rejected: RejectedFrame[];
}

export function bodySha256(body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(body).digest());
}

function sameBytes(left: Uint8Array, right: Uint8Array): boolean {
  return Buffer.from(left.buffer, left.byteOffset, left.byteLength).equals(right);
}

/**
 * Stores one batch in one transaction and returns its response after the
 * commit. A seq seen before returns the stored response (same body) or
 * throws `409 seq_conflict` (other body), writing nothing either way.
 */
export async function ingestBatch(store: ReadingStore, request: IngestRequest): Promise<IngestResponse> {
  if (request.decoded.seq !== request.seq) throw new Error(`seq ${request.seq} is not the decoded batch's seq ${request.decoded.seq}`);
  return store.withIngestTransaction(async (transaction) => {
    // Both requests go out together (postgres.js pipelines them); a replay merely discards the bindings.
    const [claim, bindings] = await Promise.all([
      transaction.claimBatch(request.gatewayId, request.seq, request.bodySha256, request.nowMs),
      transaction.resolveMeters(request.decoded.meterIds),
    ]);
    if (claim.kind === 'seen') {
      if (!sameBytes(claim.bodySha256, request.bodySha256)) {
        throw new BatchError('seq_conflict', `seq ${request.seq} was already accepted from gateway ${request.gatewayId} with a different body`);
      }
      return JSON.parse(claim.responseJson) as IngestResponse;
    }
    const response = await storeFrames(transaction, request, bindings);
    await transaction.recordBatchResponse(request.gatewayId, request.seq, JSON.stringify(response));
    return response;
  });
}

async function storeFrames(
  transaction: IngestTransaction,
  request: IngestRequest,
  bindings: ReadonlyArray<MeterBinding | null>,
): Promise<IngestResponse> {
  const { decoded } = request;
  const plan = planInsert(decoded, bindings, request.gatewayId);
  const outcomes = await transaction.insertReadings(plan.rows);
  const storeRejected: RejectedFrame[] = [];
  outcomes.forEach((outcome, row) => {
    if (outcome === READING_DUPLICATE) storeRejected.push({ index: plan.rowSourceIndex[row]!, code: 'duplicate' });
    else if (outcome === READING_CONFLICT) storeRejected.push({ index: plan.rowSourceIndex[row]!, code: 'conflict' });
  });
  const rejected = mergeRejected(decoded.rejected, plan.rejected, storeRejected);
  const accepted = outcomes.length - storeRejected.length;
  // SPEC §6: every frame of an accepted batch is either stored or listed.
  if (accepted + rejected.length !== decoded.frameCount) throw new Error('ingest lost or doubled a frame');
  const duplicates = rejected.reduce((count, frame) => count + (frame.code === 'duplicate' ? 1 : 0), 0);
  return { seq: request.seq, accepted, duplicates, rejected };
}
