// `npm run bench [name…]`: the kernel and decoding workloads, each verified
// identical across variants and timed in one run; ratios are same-run ratios.
import os from 'node:os';
import { runWorkload, type RatioResult, type Workload } from './harness.js';
import { buildAggregationWorkload } from './aggregate.bench.js';
import { buildPricingWorkload } from './price.bench.js';
import { buildSharingWorkload } from './share.bench.js';
import { buildIngestDecodeWorkload } from './ingest-decode.bench.js';

const BUILDERS: ReadonlyArray<[string, () => Workload]> = [
  ['aggregation', buildAggregationWorkload],
  ['pricing', buildPricingWorkload],
  ['sharing', buildSharingWorkload],
  ['ingest-decode', buildIngestDecodeWorkload],
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  console.log(`# gridsettle benchmarks — node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown cpu'}`);
  const ratios: RatioResult[] = [];
  for (const [name, build] of BUILDERS) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.log(`\n(${name}: preparing data…)`);
    ratios.push(...(await runWorkload(build())));
  }
  console.log('\n## Summary (same-run ratios; service benchmarks — HTTP ingest, store ingest, ledger, settlement: npm run bench:service)');
  for (const result of ratios) {
    const target = result.target === null ? '' : ` target ≥ ${result.target}× ${result.ratio >= result.target ? 'met' : 'NOT met'}`;
    console.log(`  ${result.workload}: ${result.numerator} / ${result.denominator} = ${result.ratio.toFixed(2)}×${target}`);
  }
}

await main();
