// `gridsettle verify-ledger` (SPEC §7) on a temporary SQLite file: exit 0 and
// {ok, treeSize, blocks, unsealedRecords} when every record matches; exit 3
// naming the record when one stored byte changed; exit 2 for bad
// configuration. With `--trusted-head` (SPEC §5 "Trusted heads"): a head saved
// from GET /v1/ledger/head catches deleted blocks and a consistent rewrite.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../host/store/open-store.js';
import { openSqlite } from '../host/store/sqlite.js';
import { Ledger } from '../host/ledger/ledger.js';
import { generateLedgerKeyText, ledgerSignerFromBase64, publicKeyPem } from '../host/ledger/keys.js';
import { EXIT_LEDGER_MISMATCH } from '../host/server/verify-ledger.js';
import { bearer, SEALING_KEY } from './api-helpers.js';
import { buildApp } from '../host/api/app.js';
import { initOperator } from '../host/server/init.js';
import { deleteBlocksFrom, rewriteTransferAmount, tamperedCopy } from './ledger-tamper.js';

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

  it('an untouched ledger: exit 0 and {ok: true, treeSize, blocks, unsealedRecords}', () => {
    const { status, report } = run(['--db', dbPath]);
    assert.equal(status, 0);
    assert.deepEqual(report, { ok: true, treeSize: 5, blocks: 2, unsealedRecords: 0 });
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

describe('SPEC §5 trusted heads: gridsettle verify-ledger --trusted-head (SQLite file)', () => {
  let directory: string;
  let dbPath: string;
  let headPath: string;

  /** 2 accounts and 3 transfers in blocks of 2 (heights 0, 1); the head (block 1) saved from GET /v1/ledger/head over 5 leaves; then 1 more transfer, unsealed. */
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gridsettle-head-'));
    dbPath = join(directory, 'gridsettle.db');
    headPath = join(directory, 'head.json');
    const store = await openStore({ sqlitePath: dbPath }, SEALING_KEY);
    const app = await buildApp({
      store, logger: false, nowMs: () => T0_MS, ledgerSigner: ledgerSignerFromBase64(KEYS.privateKeyBase64), ledgerRecordsPerBlock: 2,
      ledgerExpirySweepMs: 0, ledgerSealAfterMs: 0,
    });
    const { apiKey } = await initOperator(store, T0_MS);
    const post = (url: string, payload: object) => app.inject({ method: 'POST', url, headers: bearer(apiKey), payload });
    await post('/v1/parties', { partyId: 'p', name: 'P', role: 'participant' });
    await post('/v1/accounts', { accounts: [{ id: 'a', party: 'p', currency: 'EUR', kind: 'asset' }, { id: 'b', party: 'p', currency: 'EUR', kind: 'asset' }] });
    const transfer = (id: string) => ({ type: 'single', id, debit: 'a', credit: 'b', amount: '1.000000', currency: 'EUR', code: 1, ts: T0_MS });
    await post('/v1/transfers', { transfers: [transfer('t-1'), transfer('t-2'), transfer('t-3')] });
    const head = await app.inject({ method: 'GET', url: '/v1/ledger/head', headers: bearer(apiKey) });
    assert.equal(head.statusCode, 200, head.body);
    const { treeSize, unsealedRecords } = head.json() as { treeSize: number; unsealedRecords: number };
    assert.deepEqual({ treeSize, unsealedRecords }, { treeSize: 5, unsealedRecords: 0 });
    writeFileSync(headPath, head.body);
    await post('/v1/transfers', { transfers: [transfer('t-4')] });
    await app.close();
    await store.close();
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('an untouched ledger grown after the head: exit 0, the head proved, the unsealed records counted', () => {
    const { status, report } = run(['--db', dbPath, '--trusted-head', headPath]);
    assert.equal(status, 0);
    assert.deepEqual(report, { ok: true, treeSize: 6, blocks: 2, unsealedRecords: 1, trustedHead: { height: 1, treeSize: 5 } });
  });

  for (const [name, fromHeight] of [['the last block deleted', 1], ['every block deleted', 0]] as const) {
    it(`${name}: exit 0 without the head, exit 3 naming the missing block with it`, async () => {
      const copy = await tamperedCopy(dbPath, `blocks-from-${fromHeight}`, (fixture) => deleteBlocksFrom(fixture, fromHeight));
      assert.equal(run(['--db', copy]).status, 0, 'verify-ledger alone cannot tell');
      const { status, report } = run(['--db', copy, '--trusted-head', headPath]);
      assert.equal(status, EXIT_LEDGER_MISMATCH);
      assert.deepEqual(report!.at, { kind: 'block', height: 1 });
    });
  }

  it('blocks deleted and a sealed transfer rewritten consistently: exit 0 without the head, exit 3 with it', async () => {
    const copy = await tamperedCopy(dbPath, 'rewritten', async (fixture) => {
      await deleteBlocksFrom(fixture, 0);
      await rewriteTransferAmount(fixture, 't-2', 9_000_000n);
    });
    assert.equal(run(['--db', copy]).status, 0, 'verify-ledger alone cannot tell');
    const { status, report } = run(['--db', copy, '--trusted-head', headPath]);
    assert.equal(status, EXIT_LEDGER_MISMATCH);
    assert.deepEqual(report!.at, { kind: 'trustedHead', height: 1 });
    assert.match(report!.reason as string, /no consistency proof/);
  });

  it('a head file that is missing or not a head: exit 2 invalid_config', () => {
    const notAHead = join(directory, 'not-a-head.json');
    writeFileSync(notAHead, '{"head":{"height":2}}');
    for (const path of [notAHead, join(directory, 'absent.json')]) {
      const { status, stderr } = run(['--db', dbPath, '--trusted-head', path]);
      assert.equal(status, 2);
      assert.equal((JSON.parse(stderr) as { error: { code: string } }).error.code, 'invalid_config');
    }
    assert.ok(!existsSync(join(directory, 'absent.json')));
  });
});
