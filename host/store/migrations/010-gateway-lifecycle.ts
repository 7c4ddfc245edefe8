// Gateways can be revoked and their secrets rotated (docs/api.md "Gateway
// lifecycle"): the secret being replaced stays valid, sealed like the
// current one, until its expiry; a revoked gateway keeps its row (batches and
// audit records name it) with the time it was revoked.
import type { Migration } from '../migrate.js';

const sqlOf = (bytesType: string): string => `
ALTER TABLE gateways ADD COLUMN previous_secret_sealed ${bytesType};
ALTER TABLE gateways ADD COLUMN previous_secret_expires_at_ms BIGINT;
ALTER TABLE gateways ADD COLUMN revoked_at_ms BIGINT;
`;

export const GATEWAY_LIFECYCLE_MIGRATION: Migration = { version: 10, name: 'gateway-lifecycle', sqlite: sqlOf('BLOB'), postgres: sqlOf('BYTEA') };
