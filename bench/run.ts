// `npm run bench [name…] [--kernels-only] [--batches N --transfers N --meters N]`:
// the kernel and decoding workloads, each verified identical across variants
// and timed in one run (ratios are same-run ratios), then the service
// benchmarks (bench/service.ts: HTTP ingest, store ingest, ledger,
// settlement), unless --kernels-only. Names pick kernel workloads, and
// `service` the service benchmarks; no name runs everything.
import os from 'node:os';
import { runWorkload, type RatioResult, type Workload } from './harness.js';
import { buildAggregationWorkload } from './aggregate.bench.js';
import { buildPricingWorkload } from './price.bench.js';
import { buildSharingWorkload } from './share.bench.js';
import { buildIngestDecodeWorkload } from './ingest-decode.bench.js';
import { runServiceBenchmarks, serviceBenchOptionsOf, SERVICE_BENCH_DEFAULTS } from './service.js';

const BUILDERS: ReadonlyArray<[string, () => Workload]> = [
  ['aggregation', buildAggregationWorkload],
  ['pricing', buildPricingWorkload],
  ['sharing', buildSharingWorkload],
  ['ingest-decode', buildIngestDecodeWorkload],
];
const SERVICE = 'service';
const KERNELS_ONLY = '--kernels-only';

/** Positional arguments: everything but the flags and the values of the service flags. */
function namesOf(argv: readonly string[]): string[] {
  const valueFlags = new Set(Object.keys(SERVICE_BENCH_DEFAULTS).map((name) => `--${name}`));
  return argv.filter((arg, index) => !arg.startsWith('--') && !valueFlags.has(argv[index - 1] ?? ''));
}

async function runKernels(only: readonly string[]): Promise<void> {
  console.log(`# gridsettle benchmarks — node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`);
  const ratios: RatioResult[] = [];
  for (const [name, build] of BUILDERS) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`\n(${name}: preparing data…)`);
    ratios.push(...(await runWorkload(build())));
  }
  console.log('\n## Summary of the kernels (same-run ratios)');
  for (const result of ratios) {
    const target = result.target === null ? '' : ` target ≥ ${result.target}× ${result.ratio >= result.target ? 'met' : 'NOT met'}`;
    console.log(`  ${result.workload}: ${result.numerator} / ${result.denominator} = ${result.ratio.toFixed(2)}×${target}`);
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const names = namesOf(argv);
  const unknown = names.filter((name) => name !== SERVICE && !BUILDERS.some(([builder]) => builder === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}: one of ${[...BUILDERS.map(([name]) => name), SERVICE].join(', ')}`);
  const kernels = names.filter((name) => name !== SERVICE);
  const withService = !argv.includes(KERNELS_ONLY) && (names.length === 0 || names.includes(SERVICE));
  const serviceOptions = serviceBenchOptionsOf(argv);
  if (names.length === 0 || kernels.length > 0) await runKernels(kernels);
  if (!withService) return;
  console.log(`\n(service benchmarks follow; ${KERNELS_ONLY} skips them)\n`);
  if (runServiceBenchmarks(serviceOptions) > 0) process.exitCode = 1;
}

await main();
