// Which gateway a batch comes from, and which secrets may have signed it
// (SPEC §6; docs/ingest.md "Revoked gateways and rotated secrets"). The row
// is read from the store on every batch, so a revocation or rotation made on
// any host holds for the next batch on every host; no cache to invalidate.
import type { GatewayRecord, ReadingStore } from '../store/reading-store.js';
import { BatchError } from './errors.js';
import { verifyBatchSignature, type HeaderValue } from './signature.js';

/** A known, active gateway with the secrets that verify its batches now (the current one first). */
export interface ActiveGateway {
  gatewayId: string;
  secrets: Uint8Array[];
}

/** The current secret, and the previous one before its expiry (exclusive). */
export function secretsValidAt(gateway: GatewayRecord, nowMs: number): Uint8Array[] {
  const previousValid = gateway.previousSecret !== null && gateway.previousSecretExpiresAtMs !== null && nowMs < gateway.previousSecretExpiresAtMs;
  return previousValid ? [gateway.secret, gateway.previousSecret!] : [gateway.secret];
}

/** The gateway named by `x-gateway-id`, or `401 unknown_gateway` / `401 gateway_revoked`. */
export async function activeGateway(readings: ReadingStore, gatewayId: string | undefined, nowMs: number): Promise<ActiveGateway> {
  const gateway = gatewayId === undefined ? null : await readings.gateway(gatewayId);
  if (gateway === null) throw new BatchError('unknown_gateway', `x-gateway-id ${JSON.stringify(gatewayId ?? null)} is not a registered gateway`);
  if (gateway.revokedAtMs !== null) throw new BatchError('gateway_revoked', `gateway ${gateway.gatewayId} was revoked at ${gateway.revokedAtMs} (epoch ms)`);
  return { gatewayId: gateway.gatewayId, secrets: secretsValidAt(gateway, nowMs) };
}

/** Throws `401 bad_signature` unless one of the gateway's valid secrets signed the batch. */
export function assertGatewaySignature(gateway: ActiveGateway, timestampHeader: HeaderValue, body: Uint8Array, signatureHeader: HeaderValue): void {
  if (!gateway.secrets.some((secret) => verifyBatchSignature(secret, timestampHeader, body, signatureHeader))) {
    throw new BatchError('bad_signature', 'x-signature does not match the body, x-timestamp and the gateway secret');
  }
}
