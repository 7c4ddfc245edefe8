// Ledger throughput (SPEC §5): transfers per second with the Merkle tree,
// balances and blocks maintained, on SQLite (file, WAL, synchronous=FULL)
// and on PostgreSQL when GRIDSETTLE_PG_URL is set. Standalone, because the
// harness times synchronous variants and a ledger write is async:
//   node dist/bench/ledger.bench.js [transfers]
// Every run ends with verifyLedger, so the figures are for a ledger that verifies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { openSqlite } from '../host/store/sqlite.js';
import { openPostgres } from '../host/store/postgres.js';
import { migratePostgres, migrateSqlite } from '../host/store/migrate.js';
import { SqliteLedgerStore } from '../host/store/sqlite/ledger.js';
import { PostgresLedgerStore } from '../host/store/postgres/ledger.js';
import type { LedgerStore } from '../host/store/ledger-store.js';
import { Ledger } from '../host/ledger/ledger.js';
import { generateLedgerSigner } from '../host/ledger/blocks.js';
import { verifyLedger } from '../host/ledger/verify.js';
import type { TransferEvent } from '../host/ledger/types.js';
import { LEDGER_BATCH_EVENTS_MAX } from '../host/limits.js';

const ACCOUNTS = 1_000;
const NOW_MS = 1_767_225_600_000;

export interface LedgerBenchResult {
  backend: string;
  transfers: number;
  transfersPerSecond: number;
  /** Process CPU (user + system, all threads) per transfer in the timed section: steadier than wall time on a shared machine. */
  cpuMicrosPerTransfer: number;
  verifyMs: number;
}

/** Batches of single transfers between random accounts; with `twoPhase`, one in ten a pending that the next event posts. */
function workload(total: number, batchSize: number, twoPhase: boolean): TransferEvent[][] {
  const batches: TransferEvent[][] = [];
  let seed = 12_345;
  const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
  for (let start = 0; start < total; start += batchSize) {
    const batch: TransferEvent[] = [];
    for (let index = start; index < Math.min(total, start + batchSize); index += 1) {
      const debit = next() % ACCOUNTS;
      const credit = (debit + 1 + (next() % (ACCOUNTS - 1))) % ACCOUNTS;
      const base = { id: `t${index}`, debit: `a${debit}`, credit: `a${credit}`, amountMicro: BigInt(1 + (next() % 10_000_000)), currency: 'EUR', code: 7, ts: NOW_MS };
      if (!twoPhase) batch.push({ ...base, type: 'single' });
      else if (index % 10 === 9) batch.push({ ...base, type: 'pending', timeoutMs: 3_600_000 });
      else if (index % 10 === 0 && index > 0 && index - 1 >= start) batch.push({ type: 'post', id: `t${index}`, pendingId: `t${index - 1}`, amountMicro: 1n, ts: NOW_MS });
      else batch.push({ ...base, type: 'single' });
    }
    batches.push(batch);
  }
  return batches;
}

async function measure(backend: string, store: LedgerStore, total: number, twoPhase: boolean): Promise<LedgerBenchResult> {
  const signer = generateLedgerSigner();
  const ledger = new Ledger(store, signer);
  const accounts = Array.from({ length: ACCOUNTS }, (_, index) => ({ id: `a${index}`, party: `p${index}`, currency: 'EUR', kind: 'asset', flags: 0 }));
  await ledger.createAccounts(accounts, NOW_MS);
  const batches = workload(total, LEDGER_BATCH_EVENTS_MAX, twoPhase);
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (const batch of batches) {
    const results = await ledger.createTransfers(batch, NOW_MS);
    const refused = results.findIndex((result) => result !== 'ok');
    if (refused >= 0) throw new Error(`${backend}: event ${batch[refused]!.id} was ${results[refused]}`);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuStarted);
  const verifyStarted = process.hrtime.bigint();
  const report = await verifyLedger(store, signer.publicKey);
  if (!report.ok) throw new Error(`${backend}: ledger does not verify: ${JSON.stringify(report)}`);
  const verifyMs = Number(process.hrtime.bigint() - verifyStarted) / 1e6;
  return { backend: `${backend}, ${twoPhase ? '10 % two-phase' : 'single only'}`, transfers: total, transfersPerSecond: (total * 1000) / elapsedMs,
    cpuMicrosPerTransfer: (cpu.user + cpu.system) / total, verifyMs };
}

export async function benchSqlite(total: number, twoPhase: boolean): Promise<LedgerBenchResult> {
  const directory = mkdtempSync(join(tmpdir(), 'gridsettle-ledger-bench-'));
  const database = openSqlite(join(directory, 'ledger.db'));
  try {
    migrateSqlite(database);
    return await measure('sqlite (WAL, sync=FULL)', new SqliteLedgerStore(database), total, twoPhase);
  } finally {
    database.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

export async function benchPostgres(url: string, total: number, twoPhase: boolean): Promise<LedgerBenchResult> {
  const schema = `gs_bench_${randomBytes(4).toString('hex')}`;
  const sql = openPostgres(url, { schema });
  try {
    await sql.unsafe(`CREATE SCHEMA ${schema}`);
    await migratePostgres(sql);
    return await measure('postgres (one host)', new PostgresLedgerStore(sql), total, twoPhase);
  } finally {
    await sql.unsafe(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await sql.end();
  }
}

function print(result: LedgerBenchResult): void {
  console.log(`  ${result.backend.padEnd(46)} ${Math.round(result.transfersPerSecond).toLocaleString('en').padStart(9)} transfers/s` +
    `  cpu ${result.cpuMicrosPerTransfer.toFixed(1)} µs/transfer  (${result.transfers.toLocaleString('en')} transfers, batches of ${LEDGER_BATCH_EVENTS_MAX}; verifyLedger ${result.verifyMs.toFixed(0)} ms)`);
}

async function main(): Promise<void> {
  const total = Number(process.argv[2] ?? 200_000);
  console.log(`## ledger transfers with the Merkle tree, balances and signed blocks maintained — node ${process.version}`);
  const url = process.env.GRIDSETTLE_PG_URL;
  for (const twoPhase of [false, true]) {
    print(await benchSqlite(total, twoPhase));
    if (url !== undefined && url !== '') print(await benchPostgres(url, total, twoPhase));
  }
  if (url === undefined || url === '') console.log('  postgres: skipped (GRIDSETTLE_PG_URL not set)');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
