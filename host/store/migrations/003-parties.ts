// SPEC §5 parties and API access: who may call the API, with which role, and
// which meters belong to which party. docs/api.md explains the model.
import type { Migration } from '../migrate.js';

// API keys are stored only as SHA-256 of the whole key: a database dump
// yields no usable key, and a lookup by hash needs no constant-time compare.
// meter_owners is separate from meters (migration 2) so the ingest path's
// table keeps its shape; a meter has at most one owning party.
function schema(bytesType: string, bigintType: string): string {
  return `
CREATE TABLE parties (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('operator', 'supplier', 'transmission', 'regulator', 'participant', 'gateway', 'authority')),
  created_at_ms ${bigintType} NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  party_id TEXT NOT NULL REFERENCES parties (id),
  key_sha256 ${bytesType} NOT NULL UNIQUE,
  created_at_ms ${bigintType} NOT NULL
);
CREATE INDEX api_keys_by_party ON api_keys (party_id);
CREATE TABLE meter_owners (
  meter_id TEXT PRIMARY KEY REFERENCES meters (id),
  party_id TEXT NOT NULL REFERENCES parties (id)
);
CREATE INDEX meter_owners_by_party ON meter_owners (party_id);
`;
}

const SQLITE = schema('BLOB', 'INTEGER');
const POSTGRES = schema('BYTEA', 'BIGINT');

export const PARTIES_MIGRATION: Migration = { version: 3, name: 'parties', sqlite: SQLITE, postgres: POSTGRES };
