// SPEC §5 ledger: append-only records (accounts, transfers, generic
// records), the leaves of one RFC 6962 tree (each with its leaf hash, the
// level-0 node) and the inner perfect-subtree nodes (level ≥ 1),
// signed blocks, and two derived tables written in the same transaction as
// the transfers: materialised balances, and the open (unresolved) pendings,
// so an expiry sweep reads only what can still expire.
import type { Migration } from '../migrate.js';

// SQLite: the leaf index is the rowid of each append-only table, so an append
// extends the table's B-tree at its end; ids get a unique index.
const SQLITE = `
CREATE TABLE ledger_leaves (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  leaf BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TABLE ledger_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx),
  CHECK (level >= 1)
) WITHOUT ROWID;
CREATE TABLE ledger_accounts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  party TEXT NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  flags INTEGER NOT NULL
);
CREATE TABLE ledger_balances (
  account_id TEXT PRIMARY KEY,
  debits_posted INTEGER NOT NULL,
  credits_posted INTEGER NOT NULL,
  debits_pending INTEGER NOT NULL,
  credits_pending INTEGER NOT NULL
);
CREATE TABLE ledger_transfers (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  debit TEXT NOT NULL,
  credit TEXT NOT NULL,
  amount INTEGER NOT NULL,
  currency TEXT NOT NULL,
  code INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  refs TEXT NOT NULL,
  pending_id TEXT,
  timeout_ms INTEGER,
  expires_at_ms INTEGER,
  reason TEXT
);
CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE TABLE ledger_pending_open (
  id TEXT PRIMARY KEY,
  expires_at_ms INTEGER NOT NULL
);
CREATE INDEX ledger_pending_open_expiry ON ledger_pending_open (expires_at_ms);
CREATE TABLE ledger_records (
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE ledger_blocks (
  height INTEGER PRIMARY KEY,
  prev_block_hash BLOB NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash BLOB NOT NULL,
  ts INTEGER NOT NULL,
  signature BLOB NOT NULL
);
`;

const POSTGRES = `
CREATE TABLE ledger_leaves (
  seq BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  record_id TEXT NOT NULL,
  leaf BYTEA NOT NULL,
  hash BYTEA NOT NULL
);
CREATE TABLE ledger_nodes (
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  hash BYTEA NOT NULL,
  PRIMARY KEY (level, idx),
  CHECK (level >= 1)
);
CREATE TABLE ledger_accounts (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  party TEXT NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  flags INTEGER NOT NULL
);
CREATE TABLE ledger_balances (
  account_id TEXT PRIMARY KEY,
  debits_posted BIGINT NOT NULL,
  credits_posted BIGINT NOT NULL,
  debits_pending BIGINT NOT NULL,
  credits_pending BIGINT NOT NULL
);
CREATE TABLE ledger_transfers (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  debit TEXT NOT NULL,
  credit TEXT NOT NULL,
  amount BIGINT NOT NULL,
  currency TEXT NOT NULL,
  code INTEGER NOT NULL,
  ts BIGINT NOT NULL,
  refs TEXT NOT NULL,
  pending_id TEXT,
  timeout_ms BIGINT,
  expires_at_ms BIGINT,
  reason TEXT
);
CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
CREATE TABLE ledger_pending_open (
  id TEXT PRIMARY KEY,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX ledger_pending_open_expiry ON ledger_pending_open (expires_at_ms);
CREATE TABLE ledger_records (
  seq BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE TABLE ledger_blocks (
  height BIGINT PRIMARY KEY,
  prev_block_hash BYTEA NOT NULL,
  tree_size BIGINT NOT NULL,
  root_hash BYTEA NOT NULL,
  ts BIGINT NOT NULL,
  signature BYTEA NOT NULL
);
`;

export const LEDGER_MIGRATION: Migration = { version: 1, name: 'ledger', sqlite: SQLITE, postgres: POSTGRES };
