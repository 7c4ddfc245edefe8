import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBatch, type DecodedBatch } from '../host/ingest/decode.js';
import { CONTENT_TYPE_BY_FORMAT, encodeColumnarBatch, encodeRowBatch, type GatewayBatch, type GatewayFrame } from '../host/ingest/encode.js';
import type { BodyFormat } from '../host/ingest/parse-body.js';
import { idFault } from '../host/ids.js';
import { INGEST_CLOCK_SKEW_MS, INGEST_METER_ID_LENGTH_MAX, READING_TIME_MS_MAX_EXCLUSIVE, REGISTER_MWH_MAX_EXCLUSIVE } from '../host/limits.js';
import { signBatch } from '../host/ingest/signature.js';
import { GridsettleError } from '../host/errors.js';
import { NOW_MS } from './ingest-helpers.js';

const DOC_COLUMNAR_EXAMPLE_HEX =
  'de0003a17601a373657101a4636f6c73de0004a16d92aa6d657465722d30303031aa6d657465722d30303032' +
  'a174c41000a8da769b01000000a8da769b010000a169c41087d61200000000002a00000000000000' +
  'a178c410ffffffffffffffff0700000000000000';
const DOC_COLUMNAR_EXAMPLE_SIGNATURE = 'sha256=9165fd5f408985c9a5bf665819c5f4eaf1209c4f9e526c1bdfb60e740b880564';

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FUTURE_LIMIT_MS = BigInt(NOW_MS + INGEST_CLOCK_SKEW_MS);

type Encoding = [name: string, format: BodyFormat, encode: (batch: GatewayBatch) => Uint8Array];

const MSGPACK_ENCODINGS: Encoding[] = [
  ['msgpack rows', 'msgpack', (batch) => encodeRowBatch(batch, 'msgpack')],
  ['msgpack columnar arrays', 'msgpack', (batch) => encodeColumnarBatch(batch, { format: 'msgpack', integers: 'array' })],
  ['msgpack columnar bins', 'msgpack', (batch) => encodeColumnarBatch(batch, { format: 'msgpack', integers: 'bin' })],
];
const ALL_ENCODINGS: Encoding[] = [
  ...MSGPACK_ENCODINGS,
  ['JSON rows', 'json', (batch) => encodeRowBatch(batch, 'json')],
  ['JSON columnar arrays', 'json', (batch) => encodeColumnarBatch(batch, { format: 'json', integers: 'array' })],
];

/** SPEC §6 read directly: what any encoding of `frames` must decode to. */
function expectedDecode(batch: GatewayBatch): Omit<DecodedBatch, 'format'> {
  const meterIds: string[] = [];
  const meter: number[] = [];
  const kept: { t: bigint[]; i: bigint[]; x: bigint[] } = { t: [], i: [], x: [] };
  const sourceIndex: number[] = [];
  const rejected: DecodedBatch['rejected'] = [];
  const isRegister = (value: bigint): boolean => value >= 0n && value < REGISTER_MWH_MAX_EXCLUSIVE;
  batch.frames.forEach((frame, index) => {
    const [t, i] = [BigInt(frame.t), BigInt(frame.i)];
    const x = frame.x === undefined ? undefined : BigInt(frame.x);
    const valid = t >= 0n && t < READING_TIME_MS_MAX_EXCLUSIVE && isRegister(i) && (x === undefined || isRegister(x));
    if (!valid) return void rejected.push({ index, code: 'invalid' });
    if (t > FUTURE_LIMIT_MS) return void rejected.push({ index, code: 'future' });
    if (!meterIds.includes(frame.m)) meterIds.push(frame.m);
    meter.push(meterIds.indexOf(frame.m));
    kept.t.push(t);
    kept.i.push(i);
    kept.x.push(x ?? -1n);
    sourceIndex.push(index);
  });
  return {
    seq: batch.seq,
    frameCount: batch.frames.length,
    meterIds,
    frames: { meter: Uint32Array.from(meter), t: BigInt64Array.from(kept.t), i: BigInt64Array.from(kept.i), x: BigInt64Array.from(kept.x) },
    sourceIndex: Uint32Array.from(sourceIndex),
    rejected,
  };
}

function batchArbitrary(integer: fc.Arbitrary<bigint>): fc.Arbitrary<GatewayBatch> {
  const time = fc.oneof(fc.bigInt(0n, FUTURE_LIMIT_MS), fc.bigInt(FUTURE_LIMIT_MS - 2n, FUTURE_LIMIT_MS + 2n), integer);
  const register = fc.oneof(fc.bigInt(0n, SAFE_MAX), fc.constantFrom(0n, SAFE_MAX, -2n), integer);
  // −1 is excluded from x: it means "no export" in columns but is invalid in rows, by design.
  const exportRegister = register.filter((value) => value !== -1n);
  // Ids of the grammar only: a frame with another is `invalid` (ingest-decode.test.ts).
  const meterId = fc.string({ minLength: 1, maxLength: 8 }).filter((m) => idFault(m, INGEST_METER_ID_LENGTH_MAX) === null);
  const frame: fc.Arbitrary<GatewayFrame> = fc.record(
    { m: fc.oneof(fc.constantFrom('m9', 'm10', 'zähler-1'), meterId), t: time, i: register, x: exportRegister },
    { requiredKeys: ['m', 't', 'i'] },
  );
  return fc.record({ seq: fc.nat(), frames: fc.array(frame, { minLength: 1, maxLength: 40 }) });
}

function assertEveryEncodingDecodesAsSpecified(encodings: Encoding[], batch: GatewayBatch): void {
  const expected = expectedDecode(batch);
  for (const [name, format, encode] of encodings) {
    const { format: decodedFormat, ...decoded } = decodeBatch(encode(batch), CONTENT_TYPE_BY_FORMAT[format], NOW_MS);
    assert.equal(decodedFormat, format);
    assert.deepStrictEqual(decoded, expected, name);
  }
}

describe('SPEC §6 all body forms mean the same', () => {
  it('msgpack rows, columnar arrays, columnar bins, JSON rows and JSON columns decode to identical columns', () => {
    const safeInteger = fc.bigInt(-SAFE_MAX, SAFE_MAX);
    fc.assert(fc.property(batchArbitrary(safeInteger), (batch) => assertEveryEncodingDecodesAsSpecified(ALL_ENCODINGS, batch)), {
      numRuns: 300,
    });
  });

  it('the three msgpack forms agree over the whole int64 range', () => {
    const int64 = fc.oneof(fc.bigInt(INT64_MIN, INT64_MAX), fc.constantFrom(SAFE_MAX + 1n, -SAFE_MAX - 1n, INT64_MIN, INT64_MAX));
    fc.assert(fc.property(batchArbitrary(int64), (batch) => assertEveryEncodingDecodesAsSpecified(MSGPACK_ENCODINGS, batch)), {
      numRuns: 300,
    });
  });
});

describe('SPEC §6 gateway encoders', () => {
  it('encodes the binary columnar example of docs/ingest.md byte for byte', () => {
    const body = encodeColumnarBatch({
      seq: 1,
      frames: [
        { m: 'meter-0001', t: 1_767_225_600_000, i: 1_234_567 },
        { m: 'meter-0002', t: 1_767_225_600_000, i: 42, x: 7 },
      ],
    });
    assert.equal(Buffer.from(body).toString('hex'), DOC_COLUMNAR_EXAMPLE_HEX);
    assert.equal(signBatch('gw-secret-example', '1767225600000', body), DOC_COLUMNAR_EXAMPLE_SIGNATURE);
  });

  it('the columnar encoder sends x only when some frame has one', () => {
    const withoutExport = encodeColumnarBatch({ seq: 1, frames: [{ m: 'a', t: 1, i: 1 }] });
    assert.equal(Buffer.from(withoutExport).includes(Buffer.from([0xa1, 0x78])), false); // the key "x"
  });

  it('refuses what the wire cannot carry exactly (JSON: beyond a safe integer is limit_exceeded, SAFE_INTEGER_MAX)', () => {
    assert.throws(() => encodeColumnarBatch({ seq: 1, frames: [{ m: 'a', t: 1, i: 2n ** 63n }] }), RangeError);
    assert.throws(() => encodeRowBatch({ seq: 1, frames: [{ m: 'a', t: 1, i: 2n ** 53n }] }, 'json'),
      (error: unknown) => error instanceof GridsettleError && error.code === 'limit_exceeded' && error.message.startsWith('SAFE_INTEGER_MAX'));
    assert.throws(() => encodeColumnarBatch({ seq: 1, frames: [{ m: 'a', t: 1, i: 1 }] }, { format: 'json', integers: 'bin' }), TypeError);
  });
});
