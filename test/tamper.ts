// The tamper probe (issue 10 point 9, docs/ledger.md "The tamper script"):
// builds a SQLite ledger of a realistic size, saves the latest signed head
// as a verifier would, then runs each attack of an attacker with write
// access to the database (but not the signing key) on its own copy, and
// runs `gridsettle verify-ledger` on it without and with the held head.
// Prints a table attack → detected; exits 1 if the held head misses any.
//   npm run test:tamper [-- --transfers N]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../host/store/sqlite.js';
import { migrateSqlite } from '../host/store/migrate.js';
import { SqliteLedgerStore } from '../host/store/sqlite/ledger.js';
import { Ledger } from '../host/ledger/ledger.js';
import { TimedSealer } from '../host/ledger/timed-seal.js';
import { generateLedgerKeyText, ledgerSignerFromBase64, publicKeyId } from '../host/ledger/keys.js';
import { blockView } from '../host/api/ledger-views.js';
import { LEDGER_BATCH_EVENTS_MAX, LEDGER_SEAL_AFTER_MS } from '../host/limits.js';
import { account, seededRandom, single, type LedgerFixture } from './ledger-helpers.js';
import { deleteBlocksFrom, rewriteRecordBody, rewriteTransferAmount, swapRecords, tamperedCopy, truncateRecordsFrom } from './ledger-tamper.js';

const CLI = new URL('../host/cli/main.js', import.meta.url).pathname;
const NOW_MS = 1_767_225_600_000;
const ACCOUNTS = 1_000;
const TRANSFERS_DEFAULT = 100_000;
/** Records appended after the last count-based block: unsealed until the timed seal, which the held head is. */
const TIMED_TAIL_RECORDS = 1_000;
/** Records appended after the held head: no head covers them yet. */
const AFTER_HEAD_RECORDS = 500;
const KEYS = generateLedgerKeyText();

interface Built {
  /** Leaves sealed by the last count-based block: the time-sealed tail starts here. */
  countSealedSize: number;
  headHeight: number;
  headTreeSize: number;
  treeSize: number;
}

/** Accounts, transfers in full batches with a digest record after each, a forced seal, then the timed tail and its seal. */
async function build(dbPath: string, headPath: string, transfers: number): Promise<Built> {
  const database = openSqlite(dbPath);
  migrateSqlite(database);
  const ledger = new Ledger(new SqliteLedgerStore(database), ledgerSignerFromBase64(KEYS.privateKeyBase64));
  try {
    await ledger.createAccounts(Array.from({ length: ACCOUNTS }, (_, index) => account(`acct-${index}`)), NOW_MS);
    const random = seededRandom(10);
    for (let from = 0, batch = 0; from < transfers; from += LEDGER_BATCH_EVENTS_MAX, batch += 1) {
      const events = Array.from({ length: Math.min(LEDGER_BATCH_EVENTS_MAX, transfers - from) }, (_, offset) => {
        const [debit, credit] = [Math.floor(random() * ACCOUNTS), Math.floor(random() * ACCOUNTS)];
        return single(`t-${from + offset}`, `acct-${debit}`, `acct-${credit === debit ? (credit + 1) % ACCOUNTS : credit}`, BigInt(1 + Math.floor(random() * 1e9)));
      });
      await ledger.createTransfers(events, NOW_MS);
      await ledger.appendRecord('settlement-digest', { batch, transfers: events.length }, NOW_MS);
    }
    const countSealed = await ledger.sealBlock(NOW_MS);
    for (let index = 0; index < TIMED_TAIL_RECORDS; index += 1) await ledger.appendRecord('meter-event', { index }, NOW_MS);
    const sealer = new TimedSealer(ledger, LEDGER_SEAL_AFTER_MS);
    await sealer.check(NOW_MS);
    const timed = (await sealer.check(NOW_MS + LEDGER_SEAL_AFTER_MS))!;
    // What a verifier saves from GET /v1/ledger/head.
    const head = await ledger.head();
    writeFileSync(headPath, JSON.stringify({ head: blockView(head.block!, publicKeyId(ledger.publicKey)), treeSize: head.treeSize, unsealedRecords: head.unsealedRecords }));
    for (let index = 0; index < AFTER_HEAD_RECORDS; index += 1) await ledger.appendRecord('meter-event', { index: TIMED_TAIL_RECORDS + index }, NOW_MS);
    return { countSealedSize: countSealed.treeSize, headHeight: timed.height, headTreeSize: timed.treeSize, treeSize: await ledger.treeSize() };
  } finally {
    database.close();
  }
}

async function seqOfRecord(fixture: LedgerFixture, offset: number): Promise<number> {
  const [row] = await fixture.rows(`SELECT seq FROM ledger_records ORDER BY seq LIMIT 1 OFFSET ${offset}`);
  return Number(row!.seq);
}

interface Attack {
  name: string;
  tamper(fixture: LedgerFixture, built: Built): Promise<void>;
}

const ATTACKS: Attack[] = [
  { name: 'delete the last block', tamper: (fixture, built) => deleteBlocksFrom(fixture, built.headHeight) },
  { name: 'delete all blocks', tamper: (fixture) => deleteBlocksFrom(fixture, 0) },
  {
    name: 'delete all blocks, rewrite a sealed transfer (leaf, hash, balances, nodes)',
    tamper: async (fixture) => {
      await deleteBlocksFrom(fixture, 0);
      await rewriteTransferAmount(fixture, 't-500', 999_000_000n);
    },
  },
  {
    name: 'truncate the records unsealed until the timed seal (and its block)',
    tamper: (fixture, built) => truncateRecordsFrom(fixture, built.countSealedSize + TIMED_TAIL_RECORDS / 2),
  },
  {
    name: 'rewrite a record unsealed until the timed seal, delete that block',
    tamper: async (fixture, built) => {
      await deleteBlocksFrom(fixture, built.headHeight);
      await rewriteRecordBody(fixture, built.countSealedSize + 10, { index: -1 });
    },
  },
  {
    name: 'swap two sealed leaves (records), delete all blocks',
    tamper: async (fixture) => {
      await deleteBlocksFrom(fixture, 0);
      await swapRecords(fixture, await seqOfRecord(fixture, 3), await seqOfRecord(fixture, 4));
    },
  },
];

/** verify-ledger's exit code on `dbPath`, with the held head when given. */
function verifyExit(dbPath: string, headPath: string | null): number {
  const args = [CLI, 'verify-ledger', '--db', dbPath, ...(headPath === null ? [] : ['--trusted-head', headPath])];
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDSETTLE_LEDGER_KEY: KEYS.privateKeyBase64 };
  delete env.GRIDSETTLE_PG_URL;
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (result.status !== 0 && result.status !== 3) throw new Error(`verify-ledger failed (${result.status}): ${result.stderr}`);
  return result.status;
}

const detected = (exit: number): string => (exit === 3 ? 'yes' : 'no');

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { transfers: { type: 'string', default: String(TRANSFERS_DEFAULT) } } });
  const transfers = Number(values.transfers);
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-tamper-'));
  try {
    const [dbPath, headPath] = [join(directory, 'ledger.db'), join(directory, 'head.json')];
    const startedAt = Date.now();
    const built = await build(dbPath, headPath, transfers);
    console.log(`ledger: ${built.treeSize} records (${ACCOUNTS} accounts, ${transfers} transfers), held head: block ${built.headHeight} over ${built.headTreeSize} records, ` +
      `${built.treeSize - built.headTreeSize} records after it; built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (verifyExit(dbPath, headPath) !== 0) throw new Error('the untouched ledger does not verify against its own head');
    console.log('untouched ledger: verify-ledger --trusted-head exit 0\n');
    console.log('| attack | verify-ledger alone detects | with the held head detects |\n|---|---|---|');
    let missed = 0;
    for (const [index, attack] of ATTACKS.entries()) {
      const copy = await tamperedCopy(dbPath, `attack-${index}`, (fixture) => attack.tamper(fixture, built));
      const [alone, withHead] = [verifyExit(copy, null), verifyExit(copy, headPath)];
      if (withHead !== 3) missed += 1;
      console.log(`| ${attack.name} | ${detected(alone)} | ${detected(withHead)} |`);
      rmSync(copy, { force: true });
    }
    console.log(`\n${ATTACKS.length - missed} of ${ATTACKS.length} attacks detected with the held head; ${((Date.now() - startedAt) / 1000).toFixed(1)} s in all`);
    return missed === 0 ? 0 : 1;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

process.exitCode = await main();
