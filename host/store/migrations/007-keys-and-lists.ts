// Key revocation and the API's list routes (docs/api.md): API keys get a
// revocation time; the ledger gets the indexes that page a party's accounts
// and an account's transfers without a table scan; PostgreSQL runs get a
// creation sequence (SQLite's rowid already is one).
import type { Migration } from '../migrate.js';

// A transfer list reads the debit index and the credit index, each in seq
// order, and merges them, so a page costs two index range scans.
const COMMON = `
ALTER TABLE api_keys ADD COLUMN revoked_at_ms BIGINT;
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit, seq);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit, seq);
`;

const SQLITE = `${COMMON}
CREATE INDEX ledger_accounts_by_party ON ledger_accounts (party, id);
`;

// Lists order ids bytewise (COLLATE "C") on PostgreSQL, as SQLite does.
// Existing runs are numbered in the order the statements read used to give
// them (start time, then id); new runs take the next value at insert.
const POSTGRES = `${COMMON}
CREATE INDEX ledger_accounts_by_party ON ledger_accounts (party, id COLLATE "C");
ALTER TABLE settlement_runs ADD COLUMN seq BIGINT;
UPDATE settlement_runs r SET seq = o.n
  FROM (SELECT id, row_number() OVER (ORDER BY started_at_ms, id) AS n FROM settlement_runs) o WHERE r.id = o.id;
ALTER TABLE settlement_runs ALTER COLUMN seq SET NOT NULL;
ALTER TABLE settlement_runs ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('settlement_runs', 'seq'), (SELECT count(*) FROM settlement_runs) + 1, false);
CREATE UNIQUE INDEX settlement_runs_by_seq ON settlement_runs (seq);
`;

export const KEYS_AND_LISTS_MIGRATION: Migration = { version: 7, name: 'keys-and-lists', sqlite: SQLITE, postgres: POSTGRES };
