// Settlement (docs/settlement.md): tariffs, billing accounts, runs, the
// statement of each (run, account), and the ledger postings of each
// (account, billing period) by revision.
import type { Migration } from '../migrate.js';

// settlement_postings is the claim table: a revision is inserted (unique by
// account, period and revision) before its transfer goes to the ledger, so
// two concurrent runs cannot both post revision r; `posted` turns 1 once the
// ledger answered ok or exists. Meters link to billing accounts through
// meters.account_id (migration 2), without a foreign key: a meter may name
// an account before it is registered.
const TABLES = (bigint: string, text: string) => `
CREATE TABLE settlement_tariffs (
  id TEXT PRIMARY KEY,
  tariff_json ${text} NOT NULL,
  created_at_ms ${bigint} NOT NULL
);
CREATE TABLE billing_accounts (
  id TEXT PRIMARY KEY,
  owner_party_id TEXT NOT NULL,
  supplier_party_id TEXT NOT NULL,
  tariff_id TEXT NOT NULL REFERENCES settlement_tariffs (id),
  currency TEXT NOT NULL,
  created_at_ms ${bigint} NOT NULL
);
CREATE TABLE settlement_runs (
  id TEXT PRIMARY KEY,
  from_ms ${bigint} NOT NULL,
  to_ms ${bigint} NOT NULL,
  interval_ms ${bigint} NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
  accounts_total INTEGER NOT NULL,
  accounts_done INTEGER NOT NULL,
  accounts_failed INTEGER NOT NULL,
  readings ${bigint} NOT NULL,
  transfers_posted INTEGER NOT NULL,
  started_at_ms ${bigint} NOT NULL,
  finished_at_ms ${bigint},
  duration_ms ${bigint},
  error TEXT
);
CREATE INDEX settlement_runs_by_period ON settlement_runs (from_ms, to_ms);
CREATE TABLE settlement_statements (
  run_id TEXT NOT NULL REFERENCES settlement_runs (id),
  account_id TEXT NOT NULL,
  from_ms ${bigint} NOT NULL,
  to_ms ${bigint} NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
  total_micro ${bigint},
  statement_json ${text},
  error_code TEXT,
  error_message TEXT,
  PRIMARY KEY (run_id, account_id)
);
CREATE INDEX settlement_statements_by_account ON settlement_statements (account_id, from_ms, to_ms);
CREATE TABLE settlement_postings (
  account_id TEXT NOT NULL,
  from_ms ${bigint} NOT NULL,
  to_ms ${bigint} NOT NULL,
  revision INTEGER NOT NULL,
  transfer_id TEXT NOT NULL UNIQUE,
  delta_micro ${bigint} NOT NULL,
  currency TEXT NOT NULL,
  debit_account TEXT NOT NULL,
  credit_account TEXT NOT NULL,
  refs_json TEXT NOT NULL,
  run_id TEXT NOT NULL,
  posted INTEGER NOT NULL,
  PRIMARY KEY (account_id, from_ms, to_ms, revision)
);
`;

export const SETTLEMENT_MIGRATION: Migration = {
  version: 4,
  name: 'settlement',
  sqlite: TABLES('INTEGER', 'TEXT'),
  postgres: TABLES('BIGINT', 'TEXT'),
};
