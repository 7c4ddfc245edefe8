// Ingest decoding (SPEC §6): one 1 000-frame batch in each body shape,
// decoded and checked by decodeBatch. Every shape must decode to the same
// columns before anything is timed (harness.ts).
// Standalone: `node dist/bench/ingest-decode.bench.js`.
import { pathToFileURL } from 'node:url';
import { runWorkload, type Workload } from './harness.js';
import { decodeBatch, type DecodedBatch } from '../host/ingest/decode.js';
import { CONTENT_TYPE_BY_FORMAT, encodeColumnarBatch, encodeRowBatch, type GatewayBatch, type GatewayFrame } from '../host/ingest/encode.js';

const FRAMES_PER_BATCH = 1_000;
const METERS_PER_BATCH = 100;
const READING_STEP_MS = 60_000;
const BATCH_START_MS = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const NOW_MS = BATCH_START_MS + 3_600_000;

/** Meters reading in turn; every other meter has an export register. */
function gatewayBatch(): GatewayBatch {
  const frames: GatewayFrame[] = [];
  for (let k = 0; k < FRAMES_PER_BATCH; k++) {
    const meterNumber = k % METERS_PER_BATCH;
    const step = Math.floor(k / METERS_PER_BATCH);
    const frame: GatewayFrame = {
      m: `meter-${String(meterNumber).padStart(5, '0')}`,
      t: BATCH_START_MS + step * READING_STEP_MS,
      i: 1_000_000_000 + meterNumber * 7_919 + step * 4_150,
    };
    if (meterNumber % 2 === 0) frame.x = 50_000_000 + step * 1_020;
    frames.push(frame);
  }
  return { seq: 1, frames };
}

function canonical(result: unknown): unknown {
  const { format: _format, ...columns } = result as DecodedBatch;
  return columns;
}

export function buildIngestDecodeWorkload(): Workload {
  const batch = gatewayBatch();
  const shapes: Array<[string, 'msgpack' | 'json', Uint8Array]> = [
    ['msgpack columnar bins', 'msgpack', encodeColumnarBatch(batch, { format: 'msgpack', integers: 'bin' })],
    ['msgpack columnar arrays', 'msgpack', encodeColumnarBatch(batch, { format: 'msgpack', integers: 'array' })],
    ['msgpack rows', 'msgpack', encodeRowBatch(batch, 'msgpack')],
    ['JSON columnar arrays', 'json', encodeColumnarBatch(batch, { format: 'json', integers: 'array' })],
    ['JSON rows', 'json', encodeRowBatch(batch, 'json')],
  ];
  return {
    title: `ingest decode (1 000-frame batch, SPEC §6)`,
    unit: 'frames',
    referenceName: 'msgpack columnar bins',
    variants: shapes.map(([name, format, body]) => ({
      name,
      run: () => decodeBatch(body, CONTENT_TYPE_BY_FORMAT[format], NOW_MS),
      unitsPerRun: FRAMES_PER_BATCH,
      canonical,
    })),
    ratios: [
      ['msgpack columnar bins', 'msgpack rows', null],
      ['msgpack columnar bins', 'JSON rows', null],
    ],
  };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runWorkload(buildIngestDecodeWorkload());
}
