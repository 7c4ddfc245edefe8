// Ledger layout for throughput (docs/ledger.md "The tree"): each record's
// leaf bytes and leaf hash move into its own row (accounts, transfers,
// records), and the inner nodes, one row each until now, are packed 15 to a
// row (host/ledger/node-groups.ts): tier t = (level − 1) / 4 holds levels
// 4t+1 … 4t+4 in groups over 16 nodes of level 4t; a group's row is the
// concatenation of its nodes by level, then index. Only complete groups
// (those whose top node, level 4t+4, exists) are kept; the others are
// recomputed from their children. An append then writes about 1 + 1/15
// rows per record instead of about 3. The data of an existing ledger moves
// as it is, so it verifies as before.
import type { Migration } from '../migrate.js';

/** The 15 nodes of a complete group, in slot order: a group is complete when it holds all 15. */
const GROUPS_OF_NODES = (concat: string) => `
SELECT (level - 1) / 4 AS tier, idx >> (4 * ((level - 1) / 4) + 4 - level) AS grp, ${concat} AS hashes
FROM ledger_nodes GROUP BY 1, 2 HAVING count(*) = 15`;

/**
 * SQLite cannot add NOT NULL columns without a default, so each record table
 * is rebuilt with its leaf columns; a record without a leaf fails the migration.
 */
function sqliteWithLeaves(table: string, columns: string): string {
  return `
CREATE TABLE ${table}_rebuilt (${columns},
  leaf BLOB NOT NULL,
  hash BLOB NOT NULL
);
INSERT INTO ${table}_rebuilt SELECT r.*, l.leaf, l.hash FROM ${table} r LEFT JOIN ledger_leaves l ON l.seq = r.seq ORDER BY r.seq;
DROP TABLE ${table};
ALTER TABLE ${table}_rebuilt RENAME TO ${table};`;
}

const SQLITE = `
${sqliteWithLeaves('ledger_accounts', `
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  party TEXT NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL,
  flags INTEGER NOT NULL`)}
${sqliteWithLeaves('ledger_transfers', `
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
  reason TEXT`)}
CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;
${sqliteWithLeaves('ledger_records', `
  seq INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  body TEXT NOT NULL`)}
CREATE TABLE ledger_node_groups (
  tier INTEGER NOT NULL,
  grp INTEGER NOT NULL,
  hashes BLOB NOT NULL,
  PRIMARY KEY (tier, grp),
  CHECK (length(hashes) = 480)
) WITHOUT ROWID;
INSERT INTO ledger_node_groups (tier, grp, hashes) ${GROUPS_OF_NODES("CAST(group_concat(hash, '' ORDER BY level, idx) AS BLOB)")};
DROP TABLE ledger_nodes;
DROP TABLE ledger_leaves;
`;

function postgresWithLeaves(table: string): string {
  return `
ALTER TABLE ${table} ADD COLUMN leaf BYTEA, ADD COLUMN hash BYTEA;
UPDATE ${table} r SET leaf = l.leaf, hash = l.hash FROM ledger_leaves l WHERE l.seq = r.seq;
ALTER TABLE ${table} ALTER COLUMN leaf SET NOT NULL, ALTER COLUMN hash SET NOT NULL;`;
}

const POSTGRES = `
${postgresWithLeaves('ledger_accounts')}
${postgresWithLeaves('ledger_transfers')}
${postgresWithLeaves('ledger_records')}
CREATE TABLE ledger_node_groups (
  tier INTEGER NOT NULL,
  grp BIGINT NOT NULL,
  hashes BYTEA NOT NULL,
  PRIMARY KEY (tier, grp),
  CHECK (octet_length(hashes) = 480)
);
INSERT INTO ledger_node_groups (tier, grp, hashes) ${GROUPS_OF_NODES("string_agg(hash, ''::bytea ORDER BY level, idx)")};
DROP TABLE ledger_nodes;
DROP TABLE ledger_leaves;
`;

export const LEDGER_ROWS_MIGRATION: Migration = { version: 6, name: 'ledger-rows', sqlite: SQLITE, postgres: POSTGRES };
