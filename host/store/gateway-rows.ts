// One gateways row read the same way on both backends: its summary (lists,
// the lifecycle routes) and its record with the secrets unsealed (ingest).
import type { GatewaySummary } from './party-store.js';
import type { GatewayRecord, GatewayRotationOutcome } from './reading-store.js';
import { openSealedSecret } from './secret-seal.js';

type SqlRow = Record<string, unknown>;

/** The columns of a GatewaySummary. */
export const GATEWAY_COLUMNS = 'id, owner_party_id, created_at_ms, revoked_at_ms, previous_secret_expires_at_ms';
/** The columns of a GatewayRecord. */
export const GATEWAY_RECORD_COLUMNS = `${GATEWAY_COLUMNS}, secret_sealed, previous_secret_sealed`;

// The two lifecycle writes, one text for both backends: `?` placeholders in
// parameter order, numbered by `postgresPlaceholders` for PostgreSQL.
/** (nowMs, gatewayId): the first revocation time stays; the previous secret goes at once. */
export const REVOKE_GATEWAY = `UPDATE gateways SET revoked_at_ms = COALESCE(revoked_at_ms, ?),
  previous_secret_sealed = NULL, previous_secret_expires_at_ms = NULL WHERE id = ? RETURNING ${GATEWAY_COLUMNS}`;
/** (previousSecretExpiresAtMs, newSecretSealed, gatewayId): SET reads the old row, so the current secret becomes the previous one. */
export const ROTATE_GATEWAY = `UPDATE gateways SET previous_secret_sealed = secret_sealed, previous_secret_expires_at_ms = ?,
  secret_sealed = ? WHERE id = ? AND revoked_at_ms IS NULL RETURNING ${GATEWAY_COLUMNS}`;

export function postgresPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

function msOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value as number | bigint | string);
}

export function gatewayOf(row: SqlRow): GatewaySummary {
  return {
    gatewayId: String(row.id), ownerPartyId: String(row.owner_party_id), createdAtMs: Number(row.created_at_ms),
    revokedAtMs: msOrNull(row.revoked_at_ms), previousSecretExpiresAtMs: msOrNull(row.previous_secret_expires_at_ms),
  };
}

/** The record without its secrets: what the API shows. */
export function summaryOfGateway(gateway: GatewayRecord): GatewaySummary {
  const { gatewayId, ownerPartyId, createdAtMs, revokedAtMs, previousSecretExpiresAtMs } = gateway;
  return { gatewayId, ownerPartyId, createdAtMs, revokedAtMs, previousSecretExpiresAtMs };
}

export function gatewayRecordOf(sealingKey: Uint8Array, row: SqlRow): GatewayRecord {
  const summary = gatewayOf(row);
  const previousSealed = row.previous_secret_sealed as Uint8Array | null;
  return {
    ...summary,
    secret: openSealedSecret(sealingKey, summary.gatewayId, row.secret_sealed as Uint8Array),
    previousSecret: previousSealed === null ? null : openSealedSecret(sealingKey, summary.gatewayId, previousSealed),
  };
}

/**
 * A rotation's outcome from the row its guarded UPDATE returned (undefined
 * when nothing matched) and, then, the row as it stands.
 */
export function rotationOutcomeOf(rotated: SqlRow | undefined, current: SqlRow | undefined): GatewayRotationOutcome {
  if (rotated !== undefined) return { outcome: 'rotated', gateway: gatewayOf(rotated) };
  return current === undefined ? { outcome: 'not_found' } : { outcome: 'revoked', gateway: gatewayOf(current) };
}
