// `gridsettle init` and `gridsettle serve` as child processes on a temporary
// SQLite file: a 202 survives SIGKILL right after it (SPEC §6 "202 only after
// the batch is durable"), and SIGTERM lets an in-flight batch finish.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import { openStore } from '../host/store/open-store.js';
import { sealingKeyFromHex } from '../host/api/config.js';
import { signBatch } from '../host/ingest/signature.js';
import { encodeColumnarBatch } from '../host/ingest/encode.js';
import { generateLedgerKeyText } from '../host/ledger/keys.js';
import { CLI, startServe, type ServeProcess } from './serve-process.js';

const SECRET_KEY_HEX = 'a1'.repeat(32);
const LEDGER_KEY = generateLedgerKeyText().privateKeyBase64;
const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env, GRIDSETTLE_SECRET_KEY: SECRET_KEY_HEX, GRIDSETTLE_LEDGER_KEY: LEDGER_KEY };
  delete env.GRIDSETTLE_PG_URL; // these tests are about the SQLite file
  return env;
};

type Server = ServeProcess;

function startServer(dbPath: string): Promise<Server> {
  return startServe(['--db', dbPath], childEnv());
}

function api(server: Server, apiKey: string, method: string, path: string, body?: object): Promise<Response> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  return fetch(server.baseUrl + path, init);
}

function postBatch(server: Server, secret: string, seq: number, tMs: number): Promise<Response> {
  const body = encodeColumnarBatch({ seq, frames: [{ m: 'm-1', t: tMs, i: 1_000 + seq }, { m: 'm-1', t: tMs + 60_000, i: 2_000 + seq }] });
  const timestamp = String(Date.now());
  return fetch(`${server.baseUrl}/v1/meter-batches`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/msgpack', 'x-gateway-id': 'gw-1', 'x-timestamp': timestamp, 'x-signature': signBatch(secret, timestamp, body) },
  });
}

async function storedReadings(dbPath: string): Promise<number> {
  const store = await openStore({ sqlitePath: dbPath }, sealingKeyFromHex(SECRET_KEY_HEX));
  try {
    return await store.readings.countReadings();
  } finally {
    await store.close();
  }
}

describe('gridsettle init and serve (child processes, SQLite file)', () => {
  let directory: string;
  let dbPath: string;
  let apiKey: string;
  let gatewaySecret: string;

  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'gridsettle-serve-'));
    dbPath = join(directory, 'gridsettle.db');
    const init = spawnSync(process.execPath, [CLI, 'init', '--db', dbPath], { env: childEnv(), encoding: 'utf8' });
    assert.equal(init.status, 0, init.stderr);
    apiKey = (JSON.parse(init.stdout) as { apiKey: string }).apiKey;
  });
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('init refuses a second operator with exit 2 already_initialised', () => {
    const again = spawnSync(process.execPath, [CLI, 'init', '--db', dbPath], { env: childEnv(), encoding: 'utf8' });
    assert.equal(again.status, 2);
    assert.equal((JSON.parse(again.stderr) as { error: { code: string } }).error.code, 'already_initialised');
  });

  it('a batch answered 202 is in the file after the server is SIGKILLed right after the answer', async () => {
    const server = await startServer(dbPath);
    const exited = once(server.child, 'exit');
    try {
      assert.equal((await api(server, apiKey, 'POST', '/v1/parties', { partyId: 'p-1', name: 'P', role: 'participant' })).status, 201);
      const gateway = await api(server, apiKey, 'POST', '/v1/gateways', { gatewayId: 'gw-1', ownerPartyId: 'p-1' });
      gatewaySecret = ((await gateway.json()) as { secret: string }).secret;
      assert.equal((await api(server, apiKey, 'POST', '/v1/meters', { meterId: 'm-1', gatewayId: 'gw-1', partyId: 'p-1' })).status, 201);
      const response = await postBatch(server, gatewaySecret, 1, Date.now() - 600_000);
      assert.equal(response.status, 202);
      const answer = await response.json();
      server.child.kill('SIGKILL');
      assert.deepEqual(answer, { seq: 1, accepted: 2, duplicates: 0, rejected: [] });
    } finally {
      server.child.kill('SIGKILL');
    }
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
    assert.equal(await storedReadings(dbPath), 2);
  });

  it('SIGTERM lets a batch already being handled commit and answer 202, then exits 0', async () => {
    const server = await startServer(dbPath);
    const exited = once(server.child, 'exit');
    const requestSeen = server.logged(/incoming request/);
    const pending = postBatch(server, gatewaySecret, 2, Date.now() - 300_000);
    await requestSeen;
    server.child.kill('SIGTERM');
    const response = await pending;
    assert.equal(response.status, 202);
    const [code] = await exited;
    assert.equal(code, 0);
    assert.equal(await storedReadings(dbPath), 4);
  });
});
