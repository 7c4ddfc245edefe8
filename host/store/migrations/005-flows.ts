// The state of the seed-system flows (docs/flows.md): offers, sessions,
// contracts, orders, devices, appliances, … as versioned JSON objects. What
// must be verifiable goes to the ledger; this table holds the working state
// that drives it. `group_key` lists the objects of one flow step (the orders
// of a market interval, the deliveries of a contract) without a scan.
import type { Migration } from '../migrate.js';

function schema(bigintType: string): string {
  return `
CREATE TABLE flow_objects (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  owner_party_id TEXT NOT NULL,
  group_key TEXT,
  body TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at_ms ${bigintType} NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX flow_objects_by_owner ON flow_objects (kind, owner_party_id, id);
CREATE INDEX flow_objects_by_group ON flow_objects (kind, group_key, id);
`;
}

export const FLOWS_MIGRATION: Migration = { version: 5, name: 'flows', sqlite: schema('INTEGER'), postgres: schema('BIGINT') };
