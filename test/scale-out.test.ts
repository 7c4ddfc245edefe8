// Scale-out (SPEC §5, §6): two `gridsettle serve` processes on one fresh
// PostgreSQL schema. Two gateways post overlapping signed batches to both
// hosts at once, every seq to both; then ledger transfers go through both
// hosts at once. Every reading is stored exactly once, seq replays answer
// identically across hosts, and the ledger has no gap, no duplicate and
// verifies. PostgreSQL only: registered when GRIDSETTLE_PG_URL is set.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { openPostgres, type PostgresSql } from '../host/store/postgres.js';
import { PostgresLedgerStore } from '../host/store/postgres/ledger.js';
import { verifyLedger } from '../host/ledger/verify.js';
import { generateLedgerKeyText, ledgerSignerFromBase64 } from '../host/ledger/keys.js';
import { encodeColumnarBatch, type GatewayFrame } from '../host/ingest/encode.js';
import { signBatch } from '../host/ingest/signature.js';
import { CLI, startServe, type ServeProcess } from './serve-process.js';
import { PG_URL } from './store-backends.js';

const GATEWAYS = ['gw-a', 'gw-b'] as const;
const METERS_PER_GATEWAY = 5;
const SEQS = 8;
const SLOTS_PER_BATCH = 6;
const SLOT_STRIDE = 4; // batch k+1 repeats the last two slots of batch k
const SLOT_MS = 60_000;
const LEDGER_REQUESTS = 10;
const TRANSFERS_PER_REQUEST = 20;
const SHARED_TRANSFERS = 5;

interface BatchAnswer { seq: number; accepted: number; duplicates: number; rejected: Array<{ index: number; code: string }> }

const meterIds = (gateway: string): string[] => Array.from({ length: METERS_PER_GATEWAY }, (_, index) => `${gateway}-m${index}`);
const valueOf = (meterIndex: number, slot: number): number => slot * 1_000 + meterIndex;

function framesOf(gateway: string, seq: number, t0Ms: number): GatewayFrame[] {
  const first = (seq - 1) * SLOT_STRIDE;
  return Array.from({ length: SLOTS_PER_BATCH }, (_, offset) => first + offset)
    .flatMap((slot) => meterIds(gateway).map((m, meterIndex) => ({ m, t: t0Ms + slot * SLOT_MS, i: valueOf(meterIndex, slot) })));
}

function post(host: ServeProcess, gateway: string, secret: string, body: Uint8Array, timestamp: string): Promise<Response> {
  return fetch(`${host.baseUrl}/v1/meter-batches`, {
    method: 'POST', body,
    headers: { 'content-type': 'application/msgpack', 'x-gateway-id': gateway, 'x-timestamp': timestamp, 'x-signature': signBatch(secret, timestamp, body) },
  });
}

async function json<T>(response: Promise<Response>, status: number): Promise<T> {
  const answer = await response;
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  return JSON.parse(text) as T;
}

const PG_URL_SET = PG_URL ?? '';

if (PG_URL_SET !== '') {
  describe('scale-out: two serve processes on one PostgreSQL schema (SPEC §5, §6)', () => {
    const schema = `gs_scale_${randomBytes(6).toString('hex')}`;
    const ledgerKey = generateLedgerKeyText();
    let admin: PostgresSql;
    let sql: PostgresSql;
    let hosts: ServeProcess[] = [];
    let operatorKey: string;
    const call = (host: ServeProcess, method: string, path: string, body?: object) => fetch(host.baseUrl + path, {
      method, headers: { authorization: `Bearer ${operatorKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

    before(async () => {
      admin = openPostgres(PG_URL_SET, { poolMax: 1 });
      await admin.unsafe(`CREATE SCHEMA ${schema}`);
      sql = openPostgres(PG_URL_SET, { schema });
      const url = `${PG_URL_SET}${PG_URL_SET.includes('?') ? '&' : '?'}search_path=${schema}`;
      const env: NodeJS.ProcessEnv = { ...process.env, GRIDSETTLE_PG_URL: url, GRIDSETTLE_SECRET_KEY: 'b2'.repeat(32), GRIDSETTLE_LEDGER_KEY: ledgerKey.privateKeyBase64, GRIDSETTLE_LOG_LEVEL: 'info' };
      const init = spawnSync(process.execPath, [CLI, 'init'], { env, encoding: 'utf8' });
      assert.equal(init.status, 0, init.stderr);
      operatorKey = (JSON.parse(init.stdout) as { apiKey: string }).apiKey;
      hosts = await Promise.all([startServe([], env), startServe([], env)]);
    });

    after(async () => {
      await Promise.all(hosts.map(async (host) => {
        const exited = new Promise((resolve) => host.child.once('exit', resolve));
        host.child.kill('SIGTERM');
        await exited;
      }));
      await sql.end();
      await admin.unsafe(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    });

    it('overlapping batches, each seq posted to both hosts at once: every reading stored once, replays answer alike, codes add up', async () => {
      const secrets = new Map<string, string>();
      for (const [index, gateway] of GATEWAYS.entries()) {
        const host = hosts[index % 2]!;
        await json(call(host, 'POST', '/v1/parties', { partyId: `owner-${gateway}`, name: gateway, role: 'participant' }), 201);
        secrets.set(gateway, (await json<{ secret: string }>(call(host, 'POST', '/v1/gateways', { gatewayId: gateway, ownerPartyId: `owner-${gateway}` }), 201)).secret);
        for (const meterId of meterIds(gateway)) await json(call(host, 'POST', '/v1/meters', { meterId, gatewayId: gateway, partyId: `owner-${gateway}` }), 201);
      }
      const t0Ms = Date.now() - 3_600_000;
      const timestamp = String(Date.now());
      const sent = GATEWAYS.flatMap((gateway) => Array.from({ length: SEQS }, (_, k) => {
        const frames = framesOf(gateway, k + 1, t0Ms);
        const body = encodeColumnarBatch({ seq: k + 1, frames });
        return { gateway, frames, answers: Promise.all(hosts.map((host) => json<BatchAnswer>(post(host, gateway, secrets.get(gateway)!, body, timestamp), 202))) };
      }));
      let acceptedTotal = 0;
      for (const batch of sent) {
        const [first, second] = await batch.answers;
        assert.deepEqual(second, first, `${batch.gateway} seq ${first!.seq}: both hosts answer the same`);
        // Overlap is the only repeat: every frame is stored or listed as a duplicate (same value already stored).
        assert.ok(first!.rejected.every((entry) => entry.code === 'duplicate'), JSON.stringify(first!.rejected));
        assert.equal(first!.duplicates, first!.rejected.length);
        assert.equal(first!.accepted + first!.rejected.length, batch.frames.length);
        acceptedTotal += first!.accepted;
      }
      const expected = new Map(sent.flatMap((batch) => batch.frames).map((frame) => [`${frame.m}@${frame.t}`, frame.i]));
      assert.equal(acceptedTotal, expected.size, 'each distinct reading is accepted by exactly one batch');

      const rows = await sql<Array<{ id: string; t: bigint; i: bigint }>>`SELECT m.id, r.t, r.i FROM readings r JOIN meters m USING (meter_key)`;
      assert.equal(rows.length, expected.size);
      for (const row of rows) assert.equal(expected.get(`${row.id}@${row.t}`), Number(row.i), `${row.id}@${row.t}`);

      const gateway = GATEWAYS[0];
      const changed = encodeColumnarBatch({ seq: 1, frames: framesOf(gateway, 2, t0Ms) });
      const refused = await post(hosts[1]!, gateway, secrets.get(gateway)!, changed, String(Date.now()));
      assert.equal(refused.status, 409);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'seq_conflict');
      const conflicting = { m: meterIds(gateway)[0]!, t: t0Ms, i: 999_999 };
      const late = await json<BatchAnswer>(post(hosts[1]!, gateway, secrets.get(gateway)!, encodeColumnarBatch({ seq: SEQS + 1, frames: [conflicting] }), String(Date.now())), 202);
      assert.deepEqual(late, { seq: SEQS + 1, accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'conflict' }] });
      const [count] = await sql<Array<{ n: bigint }>>`SELECT count(*) AS n FROM readings`;
      assert.equal(Number(count!.n), expected.size, 'a conflicting frame stores nothing');
    });

    it('transfers posted through both hosts at once: leaves gap-free and unique, shared ids ok exactly once, verifyLedger ok', async () => {
      const accounts = [{ id: 'src', party: 'operator', currency: 'EUR', kind: 'asset' }, { id: 'dst', party: 'operator', currency: 'EUR', kind: 'revenue' }];
      await json(call(hosts[0]!, 'POST', '/v1/accounts', { accounts }), 200);
      // Amounts under 1 EUR, written as SPEC §1 µ amounts ("0.000020").
      const transfer = (id: string, amountMicro: number) => ({ type: 'single', id, debit: 'src', credit: 'dst', amount: `0.${String(amountMicro).padStart(6, '0')}`, currency: 'EUR', code: 1, ts: 1 });
      const requests = Array.from({ length: LEDGER_REQUESTS }, (_, r) => {
        const own = Array.from({ length: TRANSFERS_PER_REQUEST }, (_, k) => transfer(`t-${r}-${k}`, 1 + k));
        const shared = Array.from({ length: SHARED_TRANSFERS }, (_, k) => transfer(`shared-${k}`, 1_000));
        return json<{ results: Array<{ id: string; result: string }> }>(call(hosts[r % 2]!, 'POST', '/v1/transfers', { transfers: [...own, ...shared] }), 200);
      });
      const results = (await Promise.all(requests)).flatMap((answer) => answer.results);
      const okIds = results.filter((entry) => entry.result === 'ok').map((entry) => entry.id);
      assert.equal(new Set(okIds).size, okIds.length, 'no id is ok twice');
      assert.equal(okIds.length, LEDGER_REQUESTS * TRANSFERS_PER_REQUEST + SHARED_TRANSFERS);
      assert.ok(results.every((entry) => entry.result === 'ok' || (entry.id.startsWith('shared-') && entry.result === 'exists')));

      const [leaves] = await sql<Array<{ n: bigint; low: bigint; high: bigint }>>`SELECT count(*) AS n, min(seq) AS low, max(seq) AS high FROM (
        SELECT seq FROM ledger_accounts UNION ALL SELECT seq FROM ledger_transfers UNION ALL SELECT seq FROM ledger_records) AS leaves`;
      assert.equal(Number(leaves!.low), 0);
      assert.equal(Number(leaves!.high) + 1, Number(leaves!.n), 'no gap and no duplicate leaf index');
      assert.equal(Number(leaves!.n), accounts.length + okIds.length);
      const [sums] = await sql<Array<{ total: bigint }>>`SELECT sum(amount) AS total FROM ledger_transfers`;
      const expectedMicro = LEDGER_REQUESTS * (TRANSFERS_PER_REQUEST * (TRANSFERS_PER_REQUEST + 1)) / 2 + SHARED_TRANSFERS * 1_000;
      assert.equal(BigInt(sums!.total), BigInt(expectedMicro));
      await json(call(hosts[1]!, 'POST', '/v1/ledger/blocks'), 200);
      assert.deepEqual(await verifyLedger(new PostgresLedgerStore(sql), ledgerSignerFromBase64(ledgerKey.privateKeyBase64).publicKey), { ok: true, treeSize: Number(leaves!.n), blocks: 1, unsealedRecords: 0 });
    });
  });
}
