// Generic ledger records get an optional client id (docs/ledger.md
// "Records"), unique like a transfer's: a flow step that appends its record
// again after a crash finds the first one instead of appending a copy.
import type { Migration } from '../migrate.js';

const SQL = `
ALTER TABLE ledger_records ADD COLUMN record_id TEXT;
CREATE UNIQUE INDEX ledger_records_by_record_id ON ledger_records (record_id);
`;

export const RECORD_IDS_MIGRATION: Migration = { version: 8, name: 'record-ids', sqlite: SQL, postgres: SQL };
