// Chunks and hosts (docs/settlement.md): on PostgreSQL a run started once is
// settled by every host serving the database, each claiming chunks under a
// lease; a chunk whose host died is claimed again once its lease expires;
// every account is posted exactly once; reading and pricing run on a read
// worker, off the event loop. PostgreSQL only (SQLite serves one host).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { CLOCK_MS, FEB_FROM_MS, JAN_FROM_MS, SUPPLIER, TOU_TARIFF, hourOf, secondHost, settlementFixture, type SettlementFixture } from './settlement-helpers.js';
import { SEALING_KEY } from './reading-store-helpers.js';
import { runSettlement, type SettlementDeps } from '../host/settlement/run.js';
import { ChunkSettler, pollChunks } from '../host/settlement/chunk-settler.js';
import { registerBillingAccount, registerTariff } from '../host/settlement/catalog.js';
import { PostgresSettlementChunkStore } from '../host/store/postgres/settlement-chunks.js';
import { openStore } from '../host/store/open-store.js';
import { verifyLedger } from '../host/ledger/verify.js';
import { PostgresLedgerStore } from '../host/store/postgres/ledger.js';
import { SIGNER } from './ledger-helpers.js';
import type { PostgresSql } from '../host/store/postgres.js';

const ACCOUNTS = 8;
const JANUARY = { fromMs: JAN_FROM_MS, toMs: FEB_FROM_MS };
const FAST_POLL_MS = 20;
const RUN_END_WAIT_MS = 30_000;

const postgres = storeBackends().find((backend) => backend.kind === 'postgres');

async function seedAccounts(fixture: SettlementFixture): Promise<void> {
  await registerTariff(fixture.settlement, TOU_TARIFF, CLOCK_MS);
  for (let index = 0; index < ACCOUNTS; index++) {
    const accountId = `acct-${index}`;
    await registerBillingAccount(fixture.settlement, { accountId, ownerPartyId: `cust-${index}`, supplierPartyId: SUPPLIER, tariffId: 'tou-2026', currency: 'EUR' }, CLOCK_MS);
    await fixture.addMeter(`meter-${index}`, accountId);
    await fixture.addReadings([[`meter-${index}`, hourOf(5, 7), 0n], [`meter-${index}`, hourOf(5, 8), BigInt(index + 1) * 1_000_000n]]);
  }
}

/** `deps` with statements stored `delayMs` late: a slow host, so that the other host claims chunks meanwhile. */
function slowHost(deps: SettlementDeps, delayMs: number): SettlementDeps {
  const settlement = Object.create(deps.settlement) as SettlementDeps['settlement'];
  settlement.insertStatements = async (rows) => {
    await sleep(delayMs);
    await deps.settlement.insertStatements(rows);
  };
  return { ...deps, settlement };
}

/** `deps` whose reads never answer: a host that died holding its claim. */
function deadHost(deps: SettlementDeps): SettlementDeps {
  const readings = Object.create(deps.readings) as SettlementDeps['readings'];
  readings.readingsForMeters = () => ({ [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => undefined) }) });
  return { ...deps, readings };
}

async function runEnded(fixture: SettlementFixture, runId: string): Promise<void> {
  for (const started = Date.now(); Date.now() - started < RUN_END_WAIT_MS; await sleep(FAST_POLL_MS)) {
    if ((await fixture.settlement.run(runId))?.status !== 'running') return;
  }
  assert.fail(`run ${runId} did not end within ${RUN_END_WAIT_MS} ms`);
}

/** Each account posted once, the ledger verifies, Σ debits = Σ credits. */
async function assertPostedOnce(fresh: FreshBackend & { kind: 'postgres' }, fixture: SettlementFixture): Promise<void> {
  const [claims] = await fresh.sql`SELECT count(*)::int AS n, count(DISTINCT account_id)::int AS accounts, bool_and(posted = 1) AS posted FROM settlement_postings`;
  assert.deepEqual([claims!.n, claims!.accounts, claims!.posted], [ACCOUNTS, ACCOUNTS, true]);
  const [transfers] = await fresh.sql`SELECT count(*)::int AS n FROM ledger_transfers`;
  assert.equal(transfers!.n, ACCOUNTS);
  const balances = [...(await fixture.ledger.balances([...Array.from({ length: ACCOUNTS }, (_, index) => `bill:acct-${index}`), `revenue:${SUPPLIER}:EUR`])).values()];
  const debits = balances.reduce((sum, balance) => sum + balance.debitsPostedMicro, 0n);
  const credits = balances.reduce((sum, balance) => sum + balance.creditsPostedMicro, 0n);
  assert.ok(debits > 0n);
  assert.equal(debits, credits);
  await fixture.ledger.sealBlock(CLOCK_MS);
  assert.equal((await verifyLedger(new PostgresLedgerStore(fresh.sql), SIGNER.publicKey)).ok, true);
}

async function withTwoHosts(test: (fixture: SettlementFixture, fresh: FreshBackend & { kind: 'postgres' }, other: { deps: SettlementDeps; sql: PostgresSql }) => Promise<void>): Promise<void> {
  const fresh = await postgres!.open();
  const other = secondHost(fresh);
  try {
    const fixture = await settlementFixture(fresh);
    await seedAccounts(fixture);
    if (fresh.kind !== 'postgres') throw new Error('unreachable: the backend is PostgreSQL');
    await test(fixture, fresh, other);
  } finally {
    await other.end();
    await fresh.close();
  }
}

if (postgres !== undefined) {
  describe('settlement chunks claimed by every host (postgres)', () => {
    it('a run started once on host A is settled by A and B together, each account posted once', async () => {
      await withTwoHosts(async (fixture, fresh, other) => {
        const hostA = new ChunkSettler(slowHost(fixture.deps, 150), new PostgresSettlementChunkStore(fresh.sql), { hostId: 'host-a', workerSource: null, pollMs: FAST_POLL_MS });
        const hostB = new ChunkSettler(other.deps, new PostgresSettlementChunkStore(other.sql), { hostId: 'host-b', workerSource: null, pollMs: FAST_POLL_MS });
        const errors: unknown[] = [];
        const stopB = pollChunks(hostB, (error) => errors.push(error));
        const run = await runSettlement({ ...fixture.deps, chunks: hostA }, { ...JANUARY, runId: 'spread', metersPerBatch: 1 });
        await stopB();
        assert.deepEqual(errors, []);
        assert.deepEqual([run.status, run.accountsDone, run.accountsFailed, run.transfersPosted], ['completed', ACCOUNTS, 0, ACCOUNTS]);
        const chunks = await hostA.store.chunks('spread');
        assert.equal(chunks.length, ACCOUNTS);
        assert.ok(chunks.every((chunk) => chunk.status === 'done'));
        assert.deepEqual(new Set(chunks.map((chunk) => chunk.doneBy)), new Set(['host-a', 'host-b']), 'both hosts settled chunks');
        await assertPostedOnce(fresh, fixture);
      });
    });

    it('a chunk whose host died is claimed again once its lease expires; the run completes and posts each account once', async () => {
      await withTwoHosts(async (fixture, fresh, other) => {
        const dead = new ChunkSettler(deadHost(fixture.deps), new PostgresSettlementChunkStore(fresh.sql), { hostId: 'host-dead', workerSource: null, leaseMs: 200 });
        void runSettlement({ ...fixture.deps, chunks: dead }, { ...JANUARY, runId: 'orphaned', metersPerBatch: 1 }).catch(() => undefined);
        // The dead host claims the first chunk before host B starts.
        for (let waited = 0; (await dead.store.chunks('orphaned'))[0]?.claimedBy !== 'host-dead'; waited += FAST_POLL_MS) {
          assert.ok(waited < RUN_END_WAIT_MS, 'the dead host never claimed');
          await sleep(FAST_POLL_MS);
        }
        const hostB = new ChunkSettler(other.deps, new PostgresSettlementChunkStore(other.sql), { hostId: 'host-b', workerSource: null, pollMs: FAST_POLL_MS });
        const stopB = pollChunks(hostB, (error) => assert.fail(String(error)));
        await runEnded(fixture, 'orphaned');
        await stopB();
        const run = (await fixture.settlement.run('orphaned'))!;
        assert.deepEqual([run.status, run.accountsDone, run.transfersPosted], ['completed', ACCOUNTS, ACCOUNTS]);
        const [first] = await hostB.store.chunks('orphaned');
        assert.deepEqual([first!.claims, first!.claimedBy, first!.doneBy], [2, 'host-b', 'host-b']);
        await assertPostedOnce(fresh, fixture);
      });
    });

    it('chunks are read, aggregated and priced on a read worker with its own connection; a worker that cannot connect fails the run', async () => {
      await withTwoHosts(async (fixture, fresh) => {
        const location = { postgresUrl: fresh.url, schema: fresh.schema };
        const onWorker = new ChunkSettler(fixture.deps, new PostgresSettlementChunkStore(fresh.sql), { workerSource: location });
        try {
          const run = await runSettlement({ ...fixture.deps, chunks: onWorker }, { ...JANUARY, runId: 'on-worker', metersPerBatch: 3 });
          assert.deepEqual([run.status, run.accountsDone, run.transfersPosted], ['completed', ACCOUNTS, ACCOUNTS]);
        } finally {
          await onWorker.close();
        }
        const unreachable = new ChunkSettler(fixture.deps, new PostgresSettlementChunkStore(fresh.sql), { workerSource: { postgresUrl: 'postgres://nobody@127.0.0.1:1/none' } });
        try {
          await assert.rejects(runSettlement({ ...fixture.deps, chunks: unreachable }, { ...JANUARY, runId: 'no-worker' }), /settlement read worker/);
          assert.equal((await fixture.settlement.run('no-worker'))?.status, 'failed');
        } finally {
          await unreachable.close();
        }
        // The server's store tells its workers where to connect, and claims chunks.
        const served = await openStore(location, SEALING_KEY);
        try {
          assert.deepEqual([served.readings.postgresLocation, served.settlementChunks !== null], [location, true]);
        } finally {
          await served.close();
        }
      });
    });
  });
}
