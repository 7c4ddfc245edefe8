// Settlement that scales out (docs/settlement.md "Chunks and hosts") and
// shared rate limits (docs/api.md "Rate limits").
// - settlement_run_chunks: a run's batches of accounts (with the period and
//   aggregation options in work_json), each claimed by one host at a time
//   under a lease (claimed_by, lease_until_ms; claims counts the claims); a
//   chunk whose lease expired is claimed again. done_by names the host that
//   recorded it, with its counts and failures ([code, accounts, first]).
//   Written on PostgreSQL only (SQLite serves one host), created on both.
// - settlement_meter_results: a meter that failed on its own (e.g. a reading
//   the aggregation refuses) with its code; its account fails, the rest of
//   its chunk settles.
// - rate_limit_hits (PostgreSQL only): one counter per key and fixed window,
//   UNLOGGED (a crash may forget counts, never data).
import type { Migration } from '../migrate.js';

const TABLES = (bigint: string) => `
CREATE TABLE settlement_run_chunks (
  run_id TEXT NOT NULL REFERENCES settlement_runs (id),
  chunk_index INTEGER NOT NULL,
  work_json TEXT NOT NULL,
  accounts_json TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
  claimed_by TEXT,
  lease_until_ms ${bigint},
  claims INTEGER NOT NULL DEFAULT 0,
  done_by TEXT,
  accounts_done INTEGER NOT NULL DEFAULT 0,
  accounts_failed INTEGER NOT NULL DEFAULT 0,
  readings ${bigint} NOT NULL DEFAULT 0,
  transfers_posted INTEGER NOT NULL DEFAULT 0,
  failures_json TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (run_id, chunk_index)
);
CREATE INDEX settlement_run_chunks_pending ON settlement_run_chunks (status, run_id);
CREATE TABLE settlement_meter_results (
  run_id TEXT NOT NULL REFERENCES settlement_runs (id),
  meter_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (run_id, meter_id)
);
`;

const RATE_LIMITS = `
CREATE UNLOGGED TABLE rate_limit_hits (
  key TEXT PRIMARY KEY,
  hits INTEGER NOT NULL,
  window_start_ms BIGINT NOT NULL
);
`;

export const SCALE_OUT_MIGRATION: Migration = {
  version: 12,
  name: 'scale-out',
  sqlite: TABLES('INTEGER'),
  postgres: TABLES('BIGINT') + RATE_LIMITS,
};
