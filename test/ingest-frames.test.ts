import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, type DecodedBatch } from '../host/ingest/decode.js';
import { INGEST_CLOCK_SKEW_MS, READING_TIME_MS_MAX_EXCLUSIVE } from '../host/limits.js';
import { int64Bin, JSON_TYPE, jsonBody, MSGPACK, msgpackBody, NOW_MS } from './ingest-helpers.js';

const T0_MS = NOW_MS - 60_000;

function decodeRows(frames: unknown[], nowMs = NOW_MS): DecodedBatch {
  return decodeBatch(msgpackBody({ v: 1, seq: 1, frames }), MSGPACK, nowMs);
}

function codesOf(decoded: DecodedBatch): Array<[number, string]> {
  return decoded.rejected.map(({ index, code }) => [index, code]);
}

describe('SPEC §6 frame code invalid: wrong type, negative, non-integer, ≥ 2^53, t out of §1 range', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a negative import register', { i: -1 }],
    ['a negative time', { t: -1 }],
    ['a fractional register (msgpack float)', { i: 1.5 }],
    ['a register as a string', { i: '10' }],
    ['a register as nil', { i: null }],
    ['a missing time', { t: undefined }],
    ['a register of exactly 2^53', { i: 2n ** 53n }],
    ['a register beyond int64 (as uint64)', { i: 2n ** 63n }],
    ['an export register of −1 in the row form (absence is an absent x)', { x: -1 }],
    ['a negative export register', { x: -5 }],
    ['an export register as a boolean', { x: true }],
    ['an export register as nil (absence is an absent key)', { x: null }],
    ['a time given as a date', { t: new Date(T0_MS) }],
  ];
  for (const [name, override] of cases) {
    it(`${name} is invalid; the batch's other frames are kept`, () => {
      const decoded = decodeRows([{ m: 'a', t: T0_MS, i: 1 }, { m: 'a', t: T0_MS + 1, i: 2, ...override }]);
      assert.deepEqual(codesOf(decoded), [[1, 'invalid']]);
      assert.deepEqual(decoded.sourceIndex, Uint32Array.from([0]));
    });
  }

  it('a register of 2^53 − 1 is kept', () => {
    assert.deepEqual(decodeRows([{ m: 'a', t: T0_MS, i: 2n ** 53n - 1n, x: 2n ** 53n - 1n }]).rejected, []);
  });

  it('JSON: 1.5 is invalid, and so is an integer past 2^53 (JSON.parse rounds it)', () => {
    const body = jsonBody(`{"v":1,"seq":1,"frames":[{"m":"a","t":${T0_MS},"i":1.5},{"m":"a","t":${T0_MS},"i":9007199254740993}]}`);
    assert.deepEqual(codesOf(decodeBatch(body, JSON_TYPE, NOW_MS)), [[0, 'invalid'], [1, 'invalid']]);
  });

  it('t = year 10000 is invalid, one millisecond earlier is kept', () => {
    const lastValidMs = READING_TIME_MS_MAX_EXCLUSIVE - 1n;
    const nowMs = Number(READING_TIME_MS_MAX_EXCLUSIVE); // so that neither frame is in the future
    const decoded = decodeRows([{ m: 'a', t: lastValidMs, i: 1 }, { m: 'a', t: READING_TIME_MS_MAX_EXCLUSIVE, i: 1 }], nowMs);
    assert.deepEqual(codesOf(decoded), [[1, 'invalid']]);
  });

  it('in a bin column, x = −1 means no export register and any other negative x is invalid', () => {
    const body = msgpackBody({
      v: 1,
      seq: 1,
      cols: {
        m: ['a', 'a', 'a'],
        t: int64Bin([1n, 2n, 3n].map((offsetMs) => BigInt(T0_MS) + offsetMs)),
        i: int64Bin([1n, 2n, 3n]),
        x: int64Bin([-1n, -2n, -(2n ** 63n)]),
      },
    });
    const decoded = decodeBatch(body, MSGPACK, NOW_MS);
    assert.deepEqual(codesOf(decoded), [[1, 'invalid'], [2, 'invalid']]);
    assert.deepEqual(decoded.frames.x, BigInt64Array.from([-1n]));
  });

  it('in a bin column, values ≥ 2^53 are invalid', () => {
    const body = msgpackBody({ v: 1, seq: 1, cols: { m: ['a', 'a'], t: [T0_MS, T0_MS + 1], i: int64Bin([2n ** 53n, 2n ** 63n - 1n]) } });
    assert.deepEqual(codesOf(decodeBatch(body, MSGPACK, NOW_MS)), [[0, 'invalid'], [1, 'invalid']]);
  });
});

describe('SPEC §6 frame code future: t > now + 300 s', () => {
  it('t = now + 300 000 ms is kept; one millisecond later is future', () => {
    const edgeMs = NOW_MS + INGEST_CLOCK_SKEW_MS;
    const decoded = decodeRows([{ m: 'a', t: edgeMs, i: 1 }, { m: 'a', t: edgeMs + 1, i: 1 }]);
    assert.deepEqual(codesOf(decoded), [[1, 'future']]);
  });

  it('invalid is decided before future', () => {
    assert.deepEqual(codesOf(decodeRows([{ m: 'a', t: NOW_MS + 10_000_000, i: -1 }])), [[0, 'invalid']]);
  });
});

describe('SPEC §6 every frame is stored or rejected: rejected frames are compacted out', () => {
  const decoded = decodeRows([
    { m: 'gone', t: T0_MS, i: -1 },
    { m: 'b', t: T0_MS, i: 10 },
    { m: 'c', t: NOW_MS + INGEST_CLOCK_SKEW_MS + 1, i: 5 },
    { m: 'b', t: T0_MS + 1, i: 11 },
  ]);

  it('frames holds only the kept frames, sourceIndex maps them back to batch positions', () => {
    assert.deepEqual(decoded.frames.i, BigInt64Array.from([10n, 11n]));
    assert.deepEqual(decoded.sourceIndex, Uint32Array.from([1, 3]));
    assert.deepEqual(codesOf(decoded), [[0, 'invalid'], [2, 'future']]);
    assert.equal(decoded.frames.t.length + decoded.rejected.length, decoded.frameCount);
  });

  it('meterIds lists only the meters of kept frames', () => {
    assert.deepEqual(decoded.meterIds, ['b']);
    assert.deepEqual(decoded.frames.meter, Uint32Array.from([0, 0]));
  });

  it('a batch whose every frame is rejected is still a batch (no batch error)', () => {
    const allRejected = decodeRows([{ m: 'a', t: T0_MS, i: -1 }]);
    assert.equal(allRejected.frames.t.length, 0);
    assert.deepEqual(allRejected.meterIds, []);
  });
});
