import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch } from '../host/ingest/decode.js';
import { BatchError } from '../host/ingest/errors.js';
import { resolveIngestLimits } from '../host/ingest/ingest-limits.js';
import { INGEST_BODY_BYTES_MAX, INGEST_FRAMES_PER_BATCH_MAX, INGEST_METER_ID_LENGTH_MAX } from '../host/limits.js';
import { assertBatchError, int64Bin, JSON_TYPE, jsonBody, MSGPACK, msgpackBody, NOW_MS } from './ingest-helpers.js';

const T0_MS = NOW_MS - 60_000;
const oneFrameBody = (): Uint8Array => msgpackBody({ v: 1, seq: 7, frames: [{ m: 'm1', t: T0_MS, i: 10 }] });

describe('SPEC §6 media types: msgpack or JSON, else 415', () => {
  for (const contentType of ['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack', 'Application/MsgPack; foo=bar']) {
    it(`accepts ${contentType} as msgpack`, () => {
      assert.equal(decodeBatch(oneFrameBody(), contentType, NOW_MS).format, 'msgpack');
    });
  }
  it('accepts application/json, with or without charset=utf-8', () => {
    const body = jsonBody(`{"v":1,"seq":7,"frames":[{"m":"m1","t":${T0_MS},"i":10}]}`);
    assert.equal(decodeBatch(body, 'application/json', NOW_MS).format, 'json');
    assert.equal(decodeBatch(body, 'application/json; charset=UTF-8', NOW_MS).format, 'json');
  });
  for (const contentType of [undefined, '', 'text/plain', 'application/octet-stream', 'application/json; charset=latin1']) {
    it(`refuses Content-Type ${JSON.stringify(contentType)} with 415 unsupported_media_type`, () => {
      assertBatchError(() => decodeBatch(oneFrameBody(), contentType, NOW_MS), 'unsupported_media_type', 415);
    });
  }
});

describe('SPEC §1 limits: a body over 4 MiB is 413 body_too_large', () => {
  const validJson = `{"v":1,"seq":1,"frames":[{"m":"m1","t":${T0_MS},"i":1}]}`;
  it('a body of exactly INGEST_BODY_BYTES_MAX bytes is decoded', () => {
    const body = jsonBody(validJson.padEnd(INGEST_BODY_BYTES_MAX, ' '));
    assert.equal(decodeBatch(body, JSON_TYPE, NOW_MS).frameCount, 1);
  });
  it('one byte more is refused, naming the limit', () => {
    const body = jsonBody(validJson.padEnd(INGEST_BODY_BYTES_MAX + 1, ' '));
    assertBatchError(() => decodeBatch(body, JSON_TYPE, NOW_MS), 'body_too_large', 413, /INGEST_BODY_BYTES_MAX/);
  });
});

describe('SPEC §6 batch error malformed_body (400): the body cannot be parsed', () => {
  const cases: Array<[string, Uint8Array, string]> = [
    ['an empty msgpack body', new Uint8Array(0), MSGPACK],
    ['truncated msgpack', oneFrameBody().subarray(0, 10), MSGPACK],
    ['msgpack followed by trailing bytes', Buffer.concat([oneFrameBody(), Buffer.from([0xc0])]), MSGPACK],
    ['JSON with a syntax error', jsonBody('{"v":1,'), JSON_TYPE],
    ['JSON that is not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), JSON_TYPE],
    ['a msgpack body sent as JSON', oneFrameBody(), JSON_TYPE],
  ];
  for (const [name, body, contentType] of cases) {
    it(`refuses ${name}`, () => assertBatchError(() => decodeBatch(body, contentType, NOW_MS), 'malformed_body', 400));
  }
});

describe('SPEC §6 batch error invalid_batch (400): wrong structure', () => {
  const frame = { m: 'm1', t: T0_MS, i: 10 };
  const cases: Array<[string, unknown, RegExp]> = [
    ['a body that is not a map', [1, 2], /map/],
    ['v missing', { seq: 1, frames: [frame] }, /v must be 1/],
    ['v = 2', { v: 2, seq: 1, frames: [frame] }, /v must be 1/],
    ['seq negative', { v: 1, seq: -1, frames: [frame] }, /seq/],
    ['seq not an integer', { v: 1, seq: 1.5, frames: [frame] }, /seq/],
    ['seq a string', { v: 1, seq: '1', frames: [frame] }, /seq/],
    ['seq at 2^53', { v: 1, seq: 2n ** 53n, frames: [frame] }, /seq/],
    ['neither frames nor cols', { v: 1, seq: 1 }, /exactly one/],
    ['both frames and cols', { v: 1, seq: 1, frames: [frame], cols: { m: ['m1'], t: [T0_MS], i: [1] } }, /exactly one/],
    ['an empty frames array', { v: 1, seq: 1, frames: [] }, /no frames/],
    ['empty columns', { v: 1, seq: 1, cols: { m: [], t: [], i: [] } }, /no frames/],
    ['frames not an array', { v: 1, seq: 1, frames: { 0: frame } }, /frames must be an array/],
    ['a frame that is not a map', { v: 1, seq: 1, frames: [frame, 5] }, /frames\[1\]/],
    ['cols.m not an array', { v: 1, seq: 1, cols: { m: 'm1', t: [1], i: [1] } }, /cols.m/],
    ['cols.t shorter than cols.m', { v: 1, seq: 1, cols: { m: ['a', 'b'], t: [1], i: [1, 2] } }, /cols.t has 1 values but cols.m has 2/],
    ['cols.x longer than cols.m', { v: 1, seq: 1, cols: { m: ['a'], t: [1], i: [1], x: [1, 2] } }, /cols.x/],
    ['a bin of 12 bytes', { v: 1, seq: 1, cols: { m: ['a'], t: new Uint8Array(12), i: [1] } }, /multiple of 8/],
    ['a bin of 2 values for 1 meter id', { v: 1, seq: 1, cols: { m: ['a'], t: int64Bin([1n, 2n]), i: [1] } }, /cols.t has 2/],
    ['cols.i neither array nor bin', { v: 1, seq: 1, cols: { m: ['a'], t: [1], i: 'x' } }, /cols.i/],
    ['cols.x null', { v: 1, seq: 1, cols: { m: ['a'], t: [1], i: [1], x: null } }, /cols.x/],
  ];
  for (const [name, body, messagePart] of cases) {
    it(`refuses ${name}`, () => assertBatchError(() => decodeBatch(msgpackBody(body), MSGPACK, NOW_MS), 'invalid_batch', 400, messagePart));
  }

  it('refuses more than 10 000 frames, naming INGEST_FRAMES_PER_BATCH_MAX; 10 000 pass', () => {
    const columns = (count: number): unknown => ({
      v: 1,
      seq: 1,
      cols: { m: new Array(count).fill('m1'), t: int64Bin(new Array(count).fill(BigInt(T0_MS))), i: new Array(count).fill(1) },
    });
    assert.equal(decodeBatch(msgpackBody(columns(INGEST_FRAMES_PER_BATCH_MAX)), MSGPACK, NOW_MS).frameCount, INGEST_FRAMES_PER_BATCH_MAX);
    assertBatchError(
      () => decodeBatch(msgpackBody(columns(INGEST_FRAMES_PER_BATCH_MAX + 1)), MSGPACK, NOW_MS),
      'invalid_batch',
      400,
      /INGEST_FRAMES_PER_BATCH_MAX/,
    );
  });

  it('a frame limit configured down is enforced; configuring one up is refused', () => {
    const limits = resolveIngestLimits({ framesPerBatchMax: 1 });
    const body = msgpackBody({ v: 1, seq: 1, frames: [frame, frame] });
    assertBatchError(() => decodeBatch(body, MSGPACK, NOW_MS, limits), 'invalid_batch', 400, /limit 1\)/);
    assert.throws(() => resolveIngestLimits({ framesPerBatchMax: INGEST_FRAMES_PER_BATCH_MAX + 1 }), RangeError);
  });

  it('a batch error serialises as {error: {code, message}}', () => {
    try {
      decodeBatch(msgpackBody({ v: 2, seq: 1, frames: [frame] }), MSGPACK, NOW_MS);
      assert.fail('no error thrown');
    } catch (error) {
      assert.ok(error instanceof BatchError);
      assert.deepEqual(JSON.parse(JSON.stringify(error)), { error: { code: 'invalid_batch', message: 'v must be 1, got 2' } });
    }
  });
});

describe('SPEC §6 frame code invalid: a meter id outside the id grammar (docs/api.md "Ids and names")', () => {
  const badMeterIds: unknown[] = [3, null, undefined, '', 'm'.repeat(INGEST_METER_ID_LENGTH_MAX + 1), 'm\u0000', 'm\u0085', 'm\ud800', 'a#b'];
  it('is that frame\'s `invalid` in rows and in columns; the other frames are kept', () => {
    const good = { m: 'm1', t: T0_MS, i: 1 };
    const rows = { v: 1, seq: 1, frames: [good, ...badMeterIds.map((m) => ({ ...good, m })), good] };
    const columns = { v: 1, seq: 1, cols: { m: ['m1', ...badMeterIds, 'm1'], t: rows.frames.map(() => T0_MS), i: rows.frames.map(() => 1) } };
    for (const body of [rows, columns]) {
      const decoded = decodeBatch(jsonBody(JSON.stringify(body)), JSON_TYPE, NOW_MS);
      assert.deepEqual(decoded.rejected, badMeterIds.map((_, k) => ({ index: k + 1, code: 'invalid' })));
      assert.deepEqual(decoded.meterIds, ['m1']);
      assert.deepEqual(decoded.sourceIndex, Uint32Array.from([0, badMeterIds.length + 1]));
    }
  });
  it('a meter id of exactly INGEST_METER_ID_LENGTH_MAX characters, emoji counted as one, is kept', () => {
    const longest = '😀'.repeat(INGEST_METER_ID_LENGTH_MAX);
    const decoded = decodeBatch(jsonBody(JSON.stringify({ v: 1, seq: 1, frames: [{ m: longest, t: T0_MS, i: 1 }] })), JSON_TYPE, NOW_MS);
    assert.deepEqual(decoded.meterIds, [longest]);
  });
});

describe('SPEC §6 body shapes: rows and columns decode to the §7 columns', () => {
  it('row frames become dense meter indexes and bigint columns; absent x is −1', () => {
    const body = msgpackBody({
      v: 1,
      seq: 42,
      frames: [
        { m: 'b', t: T0_MS, i: 10, x: 3 },
        { m: 'a', t: T0_MS, i: 20 },
        { m: 'b', t: T0_MS + 1000, i: 12, x: 4 },
      ],
    });
    const decoded = decodeBatch(body, MSGPACK, NOW_MS);
    assert.equal(decoded.seq, 42);
    assert.equal(decoded.frameCount, 3);
    assert.deepEqual(decoded.meterIds, ['b', 'a']);
    assert.deepEqual(decoded.frames.meter, Uint32Array.from([0, 1, 0]));
    assert.deepEqual(decoded.frames.t, BigInt64Array.from([BigInt(T0_MS), BigInt(T0_MS), BigInt(T0_MS + 1000)]));
    assert.deepEqual(decoded.frames.i, BigInt64Array.from([10n, 20n, 12n]));
    assert.deepEqual(decoded.frames.x, BigInt64Array.from([3n, -1n, 4n]));
    assert.deepEqual(decoded.sourceIndex, Uint32Array.from([0, 1, 2]));
    assert.deepEqual(decoded.rejected, []);
  });

  it('bin columns are read as little-endian int64 wherever they sit in the body', () => {
    // A 1-character meter id shifts the bins to odd offsets in the body.
    const body = msgpackBody({ v: 1, seq: 1, cols: { m: ['q'], t: int64Bin([BigInt(T0_MS)]), i: int64Bin([2n ** 53n - 1n]), x: int64Bin([-1n]) } });
    const decoded = decodeBatch(body, MSGPACK, NOW_MS);
    assert.deepEqual(decoded.frames.i, BigInt64Array.from([2n ** 53n - 1n]));
    assert.deepEqual(decoded.frames.x, BigInt64Array.from([-1n]));
  });

  it('t, i and x may mix arrays and bins in one columnar body', () => {
    const body = msgpackBody({ v: 1, seq: 1, cols: { m: ['a', 'b'], t: [T0_MS, T0_MS], i: int64Bin([5n, 6n]), x: [-1, 7] } });
    const decoded = decodeBatch(body, MSGPACK, NOW_MS);
    assert.deepEqual(decoded.frames.i, BigInt64Array.from([5n, 6n]));
    assert.deepEqual(decoded.frames.x, BigInt64Array.from([-1n, 7n]));
  });

  it('unknown keys are ignored, at the top and in frames', () => {
    const body = msgpackBody({ v: 1, seq: 1, gatewayFirmware: '2.1', frames: [{ m: 'a', t: T0_MS, i: 1, note: 'x' }] });
    assert.equal(decodeBatch(body, MSGPACK, NOW_MS).frames.t.length, 1);
  });

  it('integral floats are their integer: JSON 5.0, and msgpack float64 for numbers ≥ 2^32', () => {
    const json = decodeBatch(jsonBody(`{"v":1,"seq":1.0,"frames":[{"m":"a","t":${T0_MS}.0,"i":5.0}]}`), JSON_TYPE, NOW_MS);
    assert.deepEqual(json.frames.i, BigInt64Array.from([5n]));
    assert.equal(json.seq, 1);
    // msgpackr packs the Number 2^40 as a float64, as a JS gateway would send it.
    const packed = msgpackBody({ v: 1, seq: 1, frames: [{ m: 'a', t: T0_MS, i: 2 ** 40 }] });
    assert.deepEqual(decodeBatch(packed, MSGPACK, NOW_MS).frames.i, BigInt64Array.from([2n ** 40n]));
  });
});
