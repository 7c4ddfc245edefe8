// `gridsettle verify-ledger` (SPEC §7, docs/ledger.md "From the command
// line"): re-checks the configured store's ledger with verifyLedger and
// prints its JSON report (a changed leaf also names the record stored under
// it: `record: {kind, id}`). Exit 0: every record matches; 3: the first record
// that does not is named; 2: bad flags or configuration. Read-only: no
// migration runs, and a missing SQLite file is an error, not a new ledger.
import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, ledgerPublicKeyFromEnv, storeLocationOf } from '../api/config.js';
import { ledgerPublicKeyFrom } from '../ledger/keys.js';
import { verifyLedger, type VerifyReport } from '../ledger/verify.js';
import { openSqlite } from '../store/sqlite.js';
import { openPostgres } from '../store/postgres.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { SqliteLedgerStore } from '../store/sqlite/ledger.js';
import { PostgresLedgerStore } from '../store/postgres/ledger.js';
import { locationOf, withInputErrors } from './commands.js';

export const EXIT_LEDGER_MISMATCH = 3;

function publicKeyOf(path: string | undefined): KeyObject {
  if (path === undefined) return ledgerPublicKeyFromEnv();
  if (!existsSync(path)) throw new ConfigError(`--public-key: no file ${path}`);
  try {
    return ledgerPublicKeyFrom(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`--public-key ${path}: ${(error as Error).message}`);
  }
}

/** A mismatch at a leaf names the record stored under it too, so the operator knows which entry was changed. */
async function withRecordNamed(store: LedgerStore, report: VerifyReport): Promise<VerifyReport | (VerifyReport & { record: { kind: string; id: string } })> {
  if (report.ok || report.at.kind !== 'leaf' || report.at.index === undefined) return report;
  const index = report.at.index;
  const [leaf] = await store.ledgerRead((reader) => reader.readLeaves(index, index + 1));
  return leaf === undefined ? report : { ...report, record: { kind: leaf.kind, id: leaf.recordId } };
}

async function verifyStore(store: LedgerStore, publicKey: KeyObject): Promise<VerifyReport> {
  return withRecordNamed(store, await verifyLedger(store, publicKey));
}

async function verifyAt(db: string | undefined, publicKey: KeyObject): Promise<VerifyReport> {
  const location = storeLocationOf(locationOf(db));
  if ('postgresUrl' in location) {
    const sql = openPostgres(location.postgresUrl);
    try {
      return await verifyStore(new PostgresLedgerStore(sql), publicKey);
    } finally {
      await sql.end();
    }
  }
  if (!existsSync(location.sqlitePath)) throw new ConfigError(`no SQLite file at ${location.sqlitePath}`);
  const database = openSqlite(location.sqlitePath);
  try {
    return await verifyStore(new SqliteLedgerStore(database), publicKey);
  } finally {
    database.close();
  }
}

export function verifyLedgerCommand(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { db: { type: 'string' }, 'public-key': { type: 'string' } } });
    const report = await verifyAt(values.db, publicKeyOf(values['public-key']));
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : EXIT_LEDGER_MISMATCH;
  });
}
