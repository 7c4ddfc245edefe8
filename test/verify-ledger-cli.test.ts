// `gridsettle verify-ledger` (SPEC §7) on a temporary SQLite file: exit 0 and
// {ok, treeSize, blocks} when every record matches; exit 3 naming the record
// when one stored byte changed; exit 2 for bad configuration.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../host/store/open-store.js';
import { openSqlite } from '../host/store/sqlite.js';
import { Ledger } from '../host/ledger/ledger.js';
import { generateLedgerKeyText, ledgerSignerFromBase64, publicKeyPem } from '../host/ledger/keys.js';
import { EXIT_LEDGER_MISMATCH } from '../host/server/verify-ledger.js';
import { SEALING_KEY } from './api-helpers.js';

const CLI = new URL('../host/cli/main.js', import.meta.url).pathname;
const KEYS = generateLedgerKeyText();
const T0_MS = 1_767_225_600_000;

function run(args: string[], extraEnv: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDSETTLE_LEDGER_KEY: KEYS.privateKeyBase64, ...extraEnv };
  delete env.GRIDSETTLE_PG_URL; // this suite is about the SQLite file
  const result = spawnSync(process.execPath, [CLI, 'verify-ledger', ...args], { env, encoding: 'utf8' });
  return { status: result.status, report: result.stdout === '' ? null : JSON.parse(result.stdout) as Record<string, unknown>, stderr: result.stderr };
}

/** Replaces one byte of the leaf stored in the row of transfer `recordId`; returns the function that restores it. */
function flipLeafByte(dbPath: string, recordId: string): () => void {
  const database = openSqlite(dbPath);
  try {
    const row = database.prepare('SELECT leaf FROM ledger_transfers WHERE id = ?').get(recordId) as { leaf: Buffer };
    const changed = Buffer.from(row.leaf);
    const at = changed.indexOf('"amount":"') + 10;
    changed[at] = changed[at] === 0x31 ? 0x32 : 0x31; // one digit of the amount
    database.prepare('UPDATE ledger_transfers SET leaf = ? WHERE id = ?').run(changed, recordId);
    return () => {
      const restore = openSqlite(dbPath);
      restore.prepare('UPDATE ledger_transfers SET leaf = ? WHERE id = ?').run(row.leaf, recordId);
      restore.close();
    };
  } finally {
    database.close();
  }
}

describe('SPEC §7 gridsettle verify-ledger (SQLite file)', () => {
  let directory: string;
  let dbPath: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gridsettle-verify-'));
    dbPath = join(directory, 'gridsettle.db');
    const store = await openStore({ sqlitePath: dbPath }, SEALING_KEY);
    const ledger = new Ledger(store.ledger, ledgerSignerFromBase64(KEYS.privateKeyBase64), { recordsPerBlock: 2 });
    await ledger.createAccounts([
      { id: 'a', party: 'p', currency: 'EUR', kind: 'asset', flags: 0 }, { id: 'b', party: 'q', currency: 'EUR', kind: 'asset', flags: 0 },
    ], T0_MS);
    const transfer = (id: string, amountMicro: bigint) => ({ type: 'single' as const, id, debit: 'a', credit: 'b', amountMicro, currency: 'EUR', code: 1, ts: T0_MS });
    assert.deepEqual(await ledger.createTransfers([transfer('t-1', 1_000_000n), transfer('t-2', 1_500_000n), transfer('t-3', 7n)], T0_MS), ['ok', 'ok', 'ok']);
    await ledger.sealBlock(T0_MS);
    await store.close();
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('an untouched ledger: exit 0 and {ok: true, treeSize, blocks}', () => {
    const { status, report } = run(['--db', dbPath]);
    assert.equal(status, 0);
    assert.deepEqual(report, { ok: true, treeSize: 5, blocks: 2 });
  });

  it('one changed byte in a stored leaf: exit 3 and the report names the leaf and the transfer stored under it', () => {
    const restore = flipLeafByte(dbPath, 't-2');
    try {
      const { status, report } = run(['--db', dbPath]);
      assert.equal(status, EXIT_LEDGER_MISMATCH);
      assert.equal(report!.ok, false);
      assert.deepEqual(report!.at, { kind: 'leaf', index: 3 });
      assert.deepEqual(report!.record, { kind: 'transfer', id: 't-2' });
      assert.equal(typeof report!.reason, 'string');
    } finally {
      restore();
    }
    assert.equal(run(['--db', dbPath]).status, 0);
  });

  it('one changed byte in a stored transfer row (its amount): exit 3 naming that transfer', () => {
    const database = openSqlite(dbPath);
    database.prepare("UPDATE ledger_transfers SET amount = 1500001 WHERE id = 't-2'").run();
    database.close();
    try {
      const { status, report } = run(['--db', dbPath]);
      assert.equal(status, EXIT_LEDGER_MISMATCH);
      assert.deepEqual(report!.at, { kind: 'transfer', id: 't-2', index: 3 });
    } finally {
      const restore = openSqlite(dbPath);
      restore.prepare("UPDATE ledger_transfers SET amount = 1500000 WHERE id = 't-2'").run();
      restore.close();
    }
  });

  it('a public key given as a PEM file verifies; another key fails at block 0 with exit 3', () => {
    const pemPath = join(directory, 'ledger.pub.pem');
    writeFileSync(pemPath, publicKeyPem(ledgerSignerFromBase64(KEYS.privateKeyBase64).publicKey));
    assert.equal(run(['--db', dbPath, '--public-key', pemPath], { GRIDSETTLE_LEDGER_KEY: '' }).status, 0);
    const other = run(['--db', dbPath], { GRIDSETTLE_LEDGER_PUBLIC_KEY: generateLedgerKeyText().publicKeyBase64 });
    assert.equal(other.status, EXIT_LEDGER_MISMATCH);
    assert.deepEqual((other.report!.at as { kind: string; height: number }), { kind: 'block', height: 0 });
  });

  it('no key configured, or no such file: exit 2 invalid_config, nothing created', () => {
    const noKey = run(['--db', dbPath], { GRIDSETTLE_LEDGER_KEY: '' });
    assert.equal(noKey.status, 2);
    assert.equal((JSON.parse(noKey.stderr) as { error: { code: string } }).error.code, 'invalid_config');
    const missing = run(['--db', join(directory, 'absent.db')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no SQLite file/);
  });
});
