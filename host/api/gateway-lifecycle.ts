// Revoking a gateway and rotating its secret (docs/api.md "Gateway
// lifecycle"): the operator or the gateway's owner; each is a ledger record
// that names the secret only by its SHA-256 fingerprint, never the secret.
import { createHash, randomBytes } from 'node:crypto';
import { API_GATEWAY_SECRET_BYTES, GATEWAY_SECRET_OVERLAP_MS_DEFAULT } from '../limits.js';
import { appendFlowRecord, flowRecordId } from '../flows/ledger-bridge.js';
import type { GatewaySummary, Party } from '../store/party-store.js';
import { notFoundUnlessVisible } from './auth.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

/** Ledger record kinds of the lifecycle; readable by operators, regulators and the owner (`party`). */
export const GATEWAY_REVOCATION_RECORD = 'gateway-revocation';
export const GATEWAY_ROTATION_RECORD = 'gateway-rotation';

export interface RotatedSecret {
  gateway: GatewaySummary;
  /** The new HMAC key's text, shown this once. */
  secret: string;
  /** Hex SHA-256 of the secret's text: what the audit record names. */
  secretSha256: string;
}

/** A new gateway secret: 32 random bytes as 64 hex digits; the HMAC key is that text (its ASCII bytes). */
export function newGatewaySecret(): string {
  return randomBytes(API_GATEWAY_SECRET_BYTES).toString('hex');
}

function secretSha256Of(secret: string): string {
  return createHash('sha256').update(secret, 'ascii').digest('hex');
}

/** The gateway, if the caller may revoke or rotate it: operators and its owner; regulators 403; anyone else 404 as if it did not exist. */
async function writableGateway(context: ApiContext, caller: Party, gatewayId: string): Promise<{ ownerPartyId: string }> {
  const gateway = await context.store.readings.gateway(gatewayId);
  if (gateway === null) throw new ApiError('not_found', `gateway ${gatewayId} not found`);
  if (caller.role === 'operator' || caller.partyId === gateway.ownerPartyId) return gateway;
  notFoundUnlessVisible(caller, [gateway.ownerPartyId], `gateway ${gatewayId}`);
  throw new ApiError('forbidden', `role ${caller.role} may not revoke or rotate gateway ${gatewayId}; it needs role operator or to own it`);
}

/** Revokes at once (its batches answer 401 gateway_revoked on every host); again: the first revocation stands, its record is not doubled. */
export async function revokeGateway(context: ApiContext, caller: Party, gatewayId: string): Promise<GatewaySummary> {
  await writableGateway(context, caller, gatewayId);
  const gateway = await context.store.readings.revokeGateway(gatewayId, context.nowMs());
  if (gateway === null) throw new ApiError('not_found', `gateway ${gatewayId} not found`);
  await appendFlowRecord(context, flowRecordId(GATEWAY_REVOCATION_RECORD, gatewayId), GATEWAY_REVOCATION_RECORD, {
    gatewayId, party: gateway.ownerPartyId, by: caller.partyId, revokedAtMs: gateway.revokedAtMs,
  });
  return gateway;
}

/**
 * Gives the gateway a new secret; the one it replaces verifies for
 * `overlapMs` more (0: not at all), and an older one still in its window is
 * dropped at once. A revoked gateway is refused.
 */
export async function rotateGatewaySecret(context: ApiContext, caller: Party, gatewayId: string, overlapMs = GATEWAY_SECRET_OVERLAP_MS_DEFAULT): Promise<RotatedSecret> {
  await writableGateway(context, caller, gatewayId);
  const secret = newGatewaySecret();
  const rotatedAtMs = context.nowMs();
  const rotation = await context.store.readings.rotateGatewaySecret({
    gatewayId, secret: Buffer.from(secret, 'ascii'), previousSecretExpiresAtMs: rotatedAtMs + overlapMs,
  });
  if (rotation.outcome === 'not_found') throw new ApiError('not_found', `gateway ${gatewayId} not found`);
  if (rotation.outcome === 'revoked') throw new ApiError('invalid_request', `gateway ${gatewayId} is revoked; register a new gateway instead`);
  const secretSha256 = secretSha256Of(secret);
  await appendFlowRecord(context, flowRecordId(GATEWAY_ROTATION_RECORD, gatewayId, secretSha256), GATEWAY_ROTATION_RECORD, {
    gatewayId, party: rotation.gateway.ownerPartyId, by: caller.partyId, rotatedAtMs, secretSha256,
    previousSecretExpiresAtMs: rotation.gateway.previousSecretExpiresAtMs,
  });
  return { gateway: rotation.gateway, secret, secretSha256 };
}
