// SPEC §2 and §6 storage: gateways, meters, raw readings and the per-gateway
// batch log that makes `seq` idempotent. docs/storage.md explains the keys.
import type { Migration } from '../migrate.js';

// Readings are keyed (meter_key, t) WITHOUT ROWID: the settlement read is a
// range scan per meter, and the ingest service inserts each batch sorted by
// that key, which keeps inserts steady as the table grows (docs/storage.md).
// No foreign key from readings to meters: the service resolves every meter
// before inserting, and a per-row FK lookup would cost ingest throughput.
const SQLITE = `
CREATE TABLE gateways (
  id TEXT PRIMARY KEY,
  secret_sealed BLOB NOT NULL,
  owner_party_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE meters (
  meter_key INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  account_id TEXT
);
CREATE INDEX meters_by_gateway ON meters (gateway_id);
CREATE TABLE readings (
  meter_key INTEGER NOT NULL,
  t INTEGER NOT NULL,
  i INTEGER NOT NULL,
  x INTEGER,
  PRIMARY KEY (meter_key, t)
) WITHOUT ROWID;
CREATE TABLE gateway_batches (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  seq INTEGER NOT NULL,
  body_sha256 BLOB NOT NULL,
  response_json TEXT,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (gateway_id, seq)
) WITHOUT ROWID;
`;

// response_json is NULL only inside the transaction that claimed the seq.
const POSTGRES = `
CREATE TABLE gateways (
  id TEXT PRIMARY KEY,
  secret_sealed BYTEA NOT NULL,
  owner_party_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE meters (
  meter_key INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  account_id TEXT
);
CREATE INDEX meters_by_gateway ON meters (gateway_id);
CREATE TABLE readings (
  meter_key INTEGER NOT NULL,
  t BIGINT NOT NULL,
  i BIGINT NOT NULL,
  x BIGINT,
  PRIMARY KEY (meter_key, t)
);
CREATE TABLE gateway_batches (
  gateway_id TEXT NOT NULL REFERENCES gateways (id),
  seq BIGINT NOT NULL,
  body_sha256 BYTEA NOT NULL,
  response_json TEXT,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (gateway_id, seq)
);
`;

export const READINGS_MIGRATION: Migration = { version: 2, name: 'readings', sqlite: SQLITE, postgres: POSTGRES };
