// The crash probe (docs/ingest.md "Crash test"), run by `npm run test:crash`,
// not by `npm test`: `gridsettle serve` on a SQLite file (and on PostgreSQL
// when GRIDSETTLE_PG_URL is set) takes signed batches from a few simulated
// gateways and is killed with SIGKILL at random moments, then restarted.
// After each kill, every batch whose answer never arrived must be stored
// whole or not at all; it is sent again (same seq, same body) after the
// restart. At the end every acknowledged (202) frame must be stored exactly
// once with its values, and nothing else. Prints the figures; exits 1 on
// any lost, doubled or half-stored frame.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeColumnarBatch, type GatewayFrame } from '../host/ingest/encode.js';
import { signBatch } from '../host/ingest/signature.js';
import { generateLedgerKeyText } from '../host/ledger/keys.js';
import { openPostgres } from '../host/store/postgres.js';
import { openSqlite } from '../host/store/sqlite.js';
import { CLI, startServe, type ServeProcess } from './serve-process.js';

const CRASHES = Number(process.env.GRIDSETTLE_CRASHES ?? 20);
const GATEWAYS = 4;
const METERS_PER_GATEWAY = 4;
const SLOTS_PER_BATCH = 5;
const SLOT_MS = 60_000;
/** Each gateway pauses between batches: under INGEST_BATCHES_PER_WINDOW_MAX (600 a minute) so none is 429. */
const GATEWAY_PAUSE_MS = 110;
/** The server runs this long (random in the range) before each SIGKILL. */
const UP_MS_MIN = 200;
const UP_MS_MAX = 2_000;

interface Gateway {
  id: string;
  secret: string;
  /** The next seq to send; it advances only on a 202. */
  seq: number;
  acked: number[];
  /** A batch sent whose answer never arrived (the server died): stored whole or not at all. */
  unanswered: boolean;
}

interface Figures { crashes: number; batchesAcknowledged: number; unansweredChecked: number; halfStored: number; framesChecked: number; lost: number; doubled: number }

/** Readings of the whole store: `meter|t` → i. */
interface StoreReader { readings(): Promise<Map<string, number>>; close(): Promise<void> }

const T0_MS = Math.floor((Date.now() - 86_400_000) / SLOT_MS) * SLOT_MS;
const meterOf = (gateway: string, index: number) => `${gateway}-m${index}`;

/** Batches of one gateway cover disjoint slots, so a batch's frames can be counted in the store. */
function framesOf(gateway: string, seq: number): GatewayFrame[] {
  const frames: GatewayFrame[] = [];
  for (let slot = (seq - 1) * SLOTS_PER_BATCH; slot < seq * SLOTS_PER_BATCH; slot++) {
    for (let meter = 0; meter < METERS_PER_GATEWAY; meter++) frames.push({ m: meterOf(gateway, meter), t: T0_MS + slot * SLOT_MS, i: slot * 1_000 + meter });
  }
  return frames;
}

function post(server: ServeProcess, gateway: Gateway): Promise<Response> {
  const body = encodeColumnarBatch({ seq: gateway.seq, frames: framesOf(gateway.id, gateway.seq) });
  const timestamp = String(Date.now());
  return fetch(`${server.baseUrl}/v1/meter-batches`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/msgpack', 'x-gateway-id': gateway.id, 'x-timestamp': timestamp, 'x-signature': signBatch(gateway.secret, timestamp, body) },
  });
}

/** Streams the gateway's batches until the server dies (a request fails) or `stopped()`. */
async function stream(server: ServeProcess, gateway: Gateway, stopped: () => boolean): Promise<void> {
  while (!stopped()) {
    let answer: Response;
    try {
      gateway.unanswered = true;
      answer = await post(server, gateway);
      await answer.text();
    } catch {
      return; // killed mid-request: `unanswered` stays set
    }
    gateway.unanswered = false;
    if (answer.status === 202) {
      gateway.acked.push(gateway.seq);
      gateway.seq++;
    } else if (answer.status !== 429 && answer.status !== 503) {
      throw new Error(`batch ${gateway.id}#${gateway.seq}: unexpected ${answer.status}`);
    }
    await sleep(GATEWAY_PAUSE_MS);
  }
}

async function call(server: ServeProcess, apiKey: string, path: string, body: object): Promise<{ secret?: string }> {
  const answer = await fetch(server.baseUrl + path, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await answer.text();
  assert.equal(answer.status, 201, `${path}: ${text}`);
  return JSON.parse(text) as { secret?: string };
}

async function provision(server: ServeProcess, apiKey: string): Promise<Gateway[]> {
  await call(server, apiKey, '/v1/parties', { partyId: 'crash-gw', name: 'Crash gateways', role: 'gateway' });
  await call(server, apiKey, '/v1/parties', { partyId: 'crash-owner', name: 'Crash meters', role: 'participant' });
  const gateways: Gateway[] = [];
  for (let index = 0; index < GATEWAYS; index++) {
    const id = `crash-gw-${index}`;
    const { secret } = await call(server, apiKey, '/v1/gateways', { gatewayId: id, ownerPartyId: 'crash-gw' });
    for (let meter = 0; meter < METERS_PER_GATEWAY; meter++) await call(server, apiKey, '/v1/meters', { meterId: meterOf(id, meter), gatewayId: id, partyId: 'crash-owner' });
    gateways.push({ id, secret: secret!, seq: 1, acked: [], unanswered: false });
  }
  return gateways;
}

async function kill(server: ServeProcess): Promise<void> {
  const exited = once(server.child, 'exit');
  server.child.kill('SIGKILL');
  await exited;
}

function checkUnanswered(gateways: Gateway[], stored: Map<string, number>, figures: Figures): void {
  for (const gateway of gateways.filter((candidate) => candidate.unanswered)) {
    const present = framesOf(gateway.id, gateway.seq).filter((frame) => stored.has(`${frame.m}|${frame.t}`)).length;
    figures.unansweredChecked++;
    if (present !== 0 && present !== METERS_PER_GATEWAY * SLOTS_PER_BATCH) figures.halfStored++;
  }
}

function checkAcknowledged(gateways: Gateway[], stored: Map<string, number>, figures: Figures): void {
  let matched = 0;
  for (const gateway of gateways) {
    for (const seq of gateway.acked) {
      for (const frame of framesOf(gateway.id, seq)) {
        figures.framesChecked++;
        if (stored.get(`${frame.m}|${frame.t}`) === frame.i) matched++;
        else figures.lost++;
      }
    }
  }
  // Rows beyond the acknowledged frames (readings are unique by meter and t, so a second copy would be an extra row).
  figures.doubled = stored.size - matched;
  figures.batchesAcknowledged = gateways.reduce((sum, gateway) => sum + gateway.acked.length, 0);
}

async function crashLoop(label: string, serveArgs: string[], env: NodeJS.ProcessEnv, reader: StoreReader): Promise<Figures> {
  const init = spawnSync(process.execPath, [CLI, 'init', ...serveArgs], { env, encoding: 'utf8' });
  assert.equal(init.status, 0, init.stderr);
  const apiKey = (JSON.parse(init.stdout) as { apiKey: string }).apiKey;
  const figures: Figures = { crashes: 0, batchesAcknowledged: 0, unansweredChecked: 0, halfStored: 0, framesChecked: 0, lost: 0, doubled: 0 };
  let server = await startServe(serveArgs, env);
  const gateways = await provision(server, apiKey);
  for (; figures.crashes < CRASHES; figures.crashes++) {
    const streams = gateways.map((gateway) => stream(server, gateway, () => false));
    await sleep(randomInt(UP_MS_MIN, UP_MS_MAX));
    await kill(server);
    await Promise.all(streams);
    checkUnanswered(gateways, await reader.readings(), figures);
    server = await startServe(serveArgs, env);
  }
  // The last round: resend what was unanswered, then stop cleanly.
  let stopping = false;
  const streams = gateways.map((gateway) => stream(server, gateway, () => stopping && !gateway.unanswered));
  await sleep(UP_MS_MIN);
  stopping = true;
  await Promise.all(streams);
  await kill(server);
  checkAcknowledged(gateways, await reader.readings(), figures);
  console.log(JSON.stringify({ backend: label, ...figures }));
  return figures;
}

async function onSqlite(env: NodeJS.ProcessEnv): Promise<Figures> {
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-crash-'));
  const path = join(directory, 'crash.db');
  const reader: StoreReader = {
    readings: async () => {
      const database = openSqlite(path);
      try {
        const rows = database.prepare('SELECT m.id, r.t, r.i FROM readings r JOIN meters m ON m.meter_key = r.meter_key').all() as Array<{ id: string; t: number; i: number }>;
        return new Map(rows.map((row) => [`${row.id}|${row.t}`, Number(row.i)]));
      } finally {
        database.close();
      }
    },
    close: async () => rmSync(directory, { recursive: true, force: true }),
  };
  const sqliteEnv = { ...env };
  delete sqliteEnv.GRIDSETTLE_PG_URL;
  try {
    return await crashLoop('sqlite', ['--db', path], sqliteEnv, reader);
  } finally {
    await reader.close();
  }
}

async function onPostgres(url: string, env: NodeJS.ProcessEnv): Promise<Figures> {
  const schema = `gs_crash_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(url, { poolMax: 1 });
  await admin.unsafe(`CREATE SCHEMA ${schema}`);
  const sql = openPostgres(url, { schema });
  const reader: StoreReader = {
    readings: async () => {
      const rows = await sql`SELECT m.id, r.t, r.i FROM readings r JOIN meters m ON m.meter_key = r.meter_key`;
      return new Map(rows.map((row) => [`${String(row.id)}|${Number(row.t)}`, Number(row.i)]));
    },
    close: async () => {
      await sql.end();
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
  try {
    const schemaUrl = `${url}${url.includes('?') ? '&' : '?'}search_path=${schema}`;
    return await crashLoop('postgres', [], { ...env, GRIDSETTLE_PG_URL: schemaUrl }, reader);
  } finally {
    await reader.close();
  }
}

async function main(): Promise<void> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, GRIDSETTLE_SECRET_KEY: randomBytes(32).toString('hex'), GRIDSETTLE_LEDGER_KEY: generateLedgerKeyText().privateKeyBase64,
    GRIDSETTLE_LOG_LEVEL: 'info', // serve-process.ts learns the port from the "listening" line
  };
  const results = [await onSqlite(env)];
  const pgUrl = process.env.GRIDSETTLE_PG_URL;
  if (pgUrl !== undefined && pgUrl !== '') results.push(await onPostgres(pgUrl, env));
  const failed = results.some((figures) => figures.lost > 0 || figures.doubled > 0 || figures.halfStored > 0);
  console.log(failed ? 'crash test: FAILED' : 'crash test: every acknowledged frame stored exactly once, nothing half-stored');
  process.exitCode = failed ? 1 : 0;
}

await main();
