// `gridsettle verify-ledger` (SPEC §7, docs/ledger.md "From the command
// line"): re-checks the configured store's ledger with verifyLedger, against
// a held signed head when `--trusted-head FILE` names one (SPEC §5 "Trusted
// heads"), and prints its JSON report (a changed leaf also names the record
// stored under it: `record: {kind, id}`). Exit 0: every record matches; 3:
// the first record that does not is named; 2: bad flags or configuration.
// Read-only: no migration runs, and a missing SQLite file is an error, not a
// new ledger.
import { existsSync, readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, ledgerPublicKeyFromEnv, storeLocationOf } from '../api/config.js';
import { ledgerPublicKeyFrom } from '../ledger/keys.js';
import { verifyLedger, type VerifyOptions, type VerifyReport } from '../ledger/verify.js';
import { trustedHeadFrom } from '../ledger/trusted-head.js';
import { openSqlite } from '../store/sqlite.js';
import { openPostgres } from '../store/postgres.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { SqliteLedgerStore } from '../store/sqlite/ledger.js';
import { PostgresLedgerStore } from '../store/postgres/ledger.js';
import { locationOf, withInputErrors } from './commands.js';

export const EXIT_LEDGER_MISMATCH = 3;

/** The text of `--flag path`; a missing file is a configuration error. */
function fileText(flag: string, path: string): string {
  if (!existsSync(path)) throw new ConfigError(`${flag}: no file ${path}`);
  return readFileSync(path, 'utf8');
}

function publicKeyOf(path: string | undefined): KeyObject {
  if (path === undefined) return ledgerPublicKeyFromEnv();
  const text = fileText('--public-key', path);
  try {
    return ledgerPublicKeyFrom(text);
  } catch (error) {
    throw new ConfigError(`--public-key ${path}: ${(error as Error).message}`);
  }
}

/** A head saved from `GET /v1/ledger/head` (the whole body or its `head`). */
function optionsOf(trustedHeadPath: string | undefined): VerifyOptions {
  if (trustedHeadPath === undefined) return {};
  const text = fileText('--trusted-head', trustedHeadPath);
  try {
    return { trustedHead: trustedHeadFrom(JSON.parse(text)) };
  } catch (error) {
    throw new ConfigError(`--trusted-head ${trustedHeadPath}: ${(error as Error).message}`);
  }
}

/** A mismatch at a leaf names the record stored under it too, so the operator knows which entry was changed. */
async function withRecordNamed(store: LedgerStore, report: VerifyReport): Promise<VerifyReport | (VerifyReport & { record: { kind: string; id: string } })> {
  if (report.ok || report.at.kind !== 'leaf' || report.at.index === undefined) return report;
  const index = report.at.index;
  const [leaf] = await store.ledgerRead((reader) => reader.readLeaves(index, index + 1));
  return leaf === undefined ? report : { ...report, record: { kind: leaf.kind, id: leaf.recordId } };
}

async function verifyAt(db: string | undefined, publicKey: KeyObject, options: VerifyOptions): Promise<VerifyReport> {
  const verifyStore = async (store: LedgerStore) => withRecordNamed(store, await verifyLedger(store, publicKey, options));
  const location = storeLocationOf(locationOf(db));
  if ('postgresUrl' in location) {
    const sql = openPostgres(location.postgresUrl);
    try {
      return await verifyStore(new PostgresLedgerStore(sql));
    } finally {
      await sql.end();
    }
  }
  if (!existsSync(location.sqlitePath)) throw new ConfigError(`no SQLite file at ${location.sqlitePath}`);
  const database = openSqlite(location.sqlitePath);
  try {
    return await verifyStore(new SqliteLedgerStore(database));
  } finally {
    database.close();
  }
}

export function verifyLedgerCommand(args: string[]): Promise<number> {
  return withInputErrors(async () => {
    const { values } = parseArgs({ args, options: { db: { type: 'string' }, 'public-key': { type: 'string' }, 'trusted-head': { type: 'string' } } });
    const report = await verifyAt(values.db, publicKeyOf(values['public-key']), optionsOf(values['trusted-head']));
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return report.ok ? 0 : EXIT_LEDGER_MISMATCH;
  });
}
