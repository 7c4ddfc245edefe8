// `npm run bench:service [-- --meters N --transfers N --batches N]`: the
// service benchmarks in order, each in its own Node process (each prints its
// own lines, same-run ratios and targets):
//   1. HTTP ingest through the running service against a raw insert loop (bench/ingest-http.bench.ts)
//   2. store-level ingest against the raw loop, and the settlement read (bench/ingest-store.bench.ts)
//   3. ledger transfers/s with the Merkle tree maintained (bench/ledger.bench.ts)
//   4. settlement meter-months/s against a plain scan (bench/settlement.bench.ts; --meters 10000 for the issue's target size)
// PostgreSQL runs too when GRIDSETTLE_PG_URL is set. `npm run bench` (the kernels) is separate.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? fallback : Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const here = dirname(fileURLToPath(import.meta.url));
const batches = option('batches', 400);
const transfers = option('transfers', 100_000);
const meters = option('meters', 1_000);

const STEPS: ReadonlyArray<[string, string, string[]]> = [
  ['HTTP ingest (service + autocannon) vs raw insert', 'ingest-http.bench.js', ['all', String(batches)]],
  ['store ingest vs raw insert; settlement read', 'ingest-store.bench.js', []],
  ['ledger transfers/s', 'ledger.bench.js', [String(transfers)]],
  ['settlement vs plain scan', 'settlement.bench.js', ['--meters', String(meters), '--repeat', '2']],
];

console.log(`# gridsettle service benchmarks — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`);
console.log(`# PostgreSQL: ${process.env.GRIDSETTLE_PG_URL ? 'GRIDSETTLE_PG_URL set' : 'skipped (GRIDSETTLE_PG_URL not set)'}`);
let failed = 0;
for (const [title, script, args] of STEPS) {
  console.log(`\n==== ${title} (node dist/bench/${script} ${args.join(' ')})`);
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(here, script), ...args], { stdio: 'inherit' });
  console.log(`==== ${script}: ${child.status === 0 ? 'done' : `FAILED (exit ${child.status ?? child.signal})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (child.status !== 0) failed++;
}
if (failed > 0) process.exitCode = 1;
