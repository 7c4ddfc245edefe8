// The service benchmarks, each in its own Node process (each prints its own
// lines, same-run ratios and targets); `npm run bench` runs them after the
// kernels, `npm run bench:service [-- --meters N --transfers N --batches N]` alone:
//   1. HTTP ingest through the running service against a raw insert loop, interleaved (bench/ingest-http.bench.ts)
//   2. store-level ingest against the raw loop, and the settlement read (bench/ingest-store.bench.ts)
//   3. ledger transfers/s with the Merkle tree maintained (bench/ledger.bench.ts)
//   4. settlement meter-months/s against a plain scan (bench/settlement.bench.ts; --meters 10000 for the issue's target size)
// PostgreSQL runs too when GRIDSETTLE_PG_URL is set.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface ServiceBenchOptions {
  /** Ingest batches of 1 000 frames sent over HTTP. */
  batches: number;
  /** Transfers per ledger workload. */
  transfers: number;
  /** Meters of the settlement benchmark. */
  meters: number;
}

/** The flags that take a value, with their defaults. */
export const SERVICE_BENCH_DEFAULTS: Readonly<ServiceBenchOptions> = { batches: 400, transfers: 100_000, meters: 1_000 };

/** `--batches N --transfers N --meters N` from `argv`, defaults for the absent ones. */
export function serviceBenchOptionsOf(argv: readonly string[]): ServiceBenchOptions {
  const option = (name: keyof ServiceBenchOptions): number => {
    const index = argv.indexOf(`--${name}`);
    const value = index === -1 ? SERVICE_BENCH_DEFAULTS[name] : Number(argv[index + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  return { batches: option('batches'), transfers: option('transfers'), meters: option('meters') };
}

const here = dirname(fileURLToPath(import.meta.url));

/** Runs the four steps in order; returns how many failed. */
export function runServiceBenchmarks(options: ServiceBenchOptions): number {
  const steps: ReadonlyArray<[string, string, string[]]> = [
    ['HTTP ingest (service + autocannon) vs raw insert, interleaved', 'ingest-http.bench.js', ['all', String(options.batches)]],
    ['store ingest vs raw insert; settlement read', 'ingest-store.bench.js', []],
    ['ledger transfers/s', 'ledger.bench.js', [String(options.transfers)]],
    ['settlement vs plain scan', 'settlement.bench.js', ['--meters', String(options.meters), '--repeat', '2']],
  ];
  console.log(`# gridsettle service benchmarks — ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`);
  console.log(`# PostgreSQL: ${process.env.GRIDSETTLE_PG_URL ? 'GRIDSETTLE_PG_URL set' : 'skipped (GRIDSETTLE_PG_URL not set)'}`);
  let failed = 0;
  for (const [title, script, args] of steps) {
    console.log(`\n==== ${title} (node dist/bench/${script} ${args.join(' ')})`);
    const started = performance.now();
    const child = spawnSync(process.execPath, [join(here, script), ...args], { stdio: 'inherit' });
    console.log(`==== ${script}: ${child.status === 0 ? 'done' : `FAILED (exit ${child.status ?? child.signal})`} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    if (child.status !== 0) failed++;
  }
  return failed;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (runServiceBenchmarks(serviceBenchOptionsOf(process.argv.slice(2))) > 0) process.exitCode = 1;
}
