// Shared benchmark plumbing: every variant of a workload is checked to give
// the same result as the exact reference before anything is timed, then
// timed with tinybench in one run, so the ratios printed are same-run ratios.
import { isDeepStrictEqual } from 'node:util';
import { Bench } from 'tinybench';

export interface Variant {
  /** Short label, e.g. "wasm (aggregateColumns)". */
  name: string;
  /** Runs the whole workload (or `unitsPerRun` units of it) once and returns its result. */
  run: () => unknown;
  /** Units (readings, intervals, events) one `run()` processes. */
  unitsPerRun: number;
  /** Canonical form of the result for the equality check; identity by default. */
  canonical?: (result: unknown) => unknown;
  /** The canonical result this variant must equal (for variants timed on a subset). */
  expected?: unknown;
}

export interface Workload {
  title: string;
  unit: string;
  /** Name of the variant every other one is compared against for equality. */
  referenceName: string;
  variants: Variant[];
  /** Ratios to print and check: [numerator variant, denominator variant, target or null]. */
  ratios: Array<[string, string, number | null]>;
  timeMs?: number;
}

export interface RatioResult {
  workload: string;
  numerator: string;
  denominator: string;
  ratio: number;
  target: number | null;
}

export async function runWorkload(workload: Workload): Promise<RatioResult[]> {
  verifyIdentical(workload);
  const bench = new Bench({ name: workload.title, time: workload.timeMs ?? 2_000, iterations: 3, warmup: true });
  for (const variant of workload.variants) bench.add(variant.name, () => void variant.run());
  await bench.run();

  const throughput = new Map<string, number>();
  console.log(`\n## ${workload.title}`);
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
    const variant = workload.variants.find((candidate) => candidate.name === task.name)!;
    const medianMs = result.latency.p50;
    const perSecond = (variant.unitsPerRun * 1000) / medianMs;
    throughput.set(task.name, perSecond);
    console.log(
      `  ${task.name.padEnd(34)} ${formatRate(perSecond)} ${workload.unit}/s` +
        `  (median ${medianMs.toFixed(2)} ms per ${variant.unitsPerRun.toLocaleString('en')} ${workload.unit}, ${result.latency.samplesCount} samples)`,
    );
  }
  return workload.ratios.map(([numerator, denominator, target]) => {
    const ratio = throughput.get(numerator)! / throughput.get(denominator)!;
    const verdict = target === null ? '' : ratio >= target ? `  (target ≥ ${target}×: met)` : `  (target ≥ ${target}×: NOT met)`;
    console.log(`  ratio ${numerator} / ${denominator}: ${ratio.toFixed(2)}×${verdict}`);
    return { workload: workload.title, numerator, denominator, ratio, target };
  });
}

function verifyIdentical(workload: Workload): void {
  const reference = workload.variants.find((variant) => variant.name === workload.referenceName);
  if (reference === undefined) throw new Error(`no reference variant ${workload.referenceName}`);
  const canonicalOf = (variant: Variant): unknown => (variant.canonical ?? ((result) => result))(variant.run());
  const expected = canonicalOf(reference);
  for (const variant of workload.variants) {
    if (variant === reference) continue;
    const wanted = variant.expected ?? expected;
    if (!isDeepStrictEqual(canonicalOf(variant), wanted)) {
      throw new Error(`${workload.title}: ${variant.name} differs from ${reference.name}; nothing timed`);
    }
  }
  console.log(`  verified: ${workload.variants.length} variants give identical results`);
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2).padStart(8)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(2).padStart(8)} k`;
  return `${perSecond.toFixed(2).padStart(8)}  `;
}
