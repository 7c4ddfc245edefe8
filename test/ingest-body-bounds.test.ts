// SPEC §6 malformed_body for bodies built to exhaust the decoder: shared
// references (the "reference bomb"), deep nesting, too many values, ext types.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch } from '../host/ingest/decode.js';
import { INGEST_BODY_DEPTH_MAX, INGEST_BODY_VALUES_MAX } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { assertError, openApi, postBatch, provision, type ApiFixture, type Provisioned } from './api-helpers.js';
import { assertBatchError, JSON_TYPE, jsonBody, MSGPACK, msgpackBody, NOW_MS, referenceBomb } from './ingest-helpers.js';

/** A bound far above the milliseconds these bodies take, far below the seconds the bomb took. */
const QUICK_MS = 1_000;

function nestedArrays(depth: number): Buffer {
  return Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x01])]);
}

function timed(run: () => void): number {
  const startMs = performance.now();
  run();
  return performance.now() - startMs;
}

describe('SPEC §6 malformed_body: the decoder is bounded in depth, size and time', () => {
  it('the reference bomb (shared structured-clone references, one trailing byte) is malformed_body in milliseconds', () => {
    const bomb = referenceBomb();
    assert.ok(bomb.byteLength < 400, `the bomb is ${bomb.byteLength} bytes`);
    const elapsedMs = timed(() => assertBatchError(() => decodeBatch(bomb, MSGPACK, NOW_MS), 'malformed_body', 400));
    assert.ok(elapsedMs < QUICK_MS, `took ${elapsedMs} ms`);
  });

  it('the bomb without its trailing byte is refused too: structured clones are no part of a batch', () => {
    const bomb = referenceBomb();
    assertBatchError(() => decodeBatch(bomb.subarray(0, -1), MSGPACK, NOW_MS), 'malformed_body', 400, /ext type 0x69/);
  });

  it('10 000 nested msgpack arrays are malformed_body naming INGEST_BODY_DEPTH_MAX, not a stack overflow', () => {
    assertBatchError(() => decodeBatch(nestedArrays(10_000), MSGPACK, NOW_MS), 'malformed_body', 400, /INGEST_BODY_DEPTH_MAX/);
  });

  it('10 000 nested JSON arrays are malformed_body naming INGEST_BODY_DEPTH_MAX', () => {
    const body = jsonBody(`${'['.repeat(10_000)}1${']'.repeat(10_000)}`);
    assertBatchError(() => decodeBatch(body, JSON_TYPE, NOW_MS), 'malformed_body', 400, /INGEST_BODY_DEPTH_MAX/);
  });

  it('nesting of exactly INGEST_BODY_DEPTH_MAX levels is decoded (and judged on its shape)', () => {
    const body = msgpackBody({ v: 1, seq: 1, frames: [], extra: JSON.parse(`${'['.repeat(INGEST_BODY_DEPTH_MAX - 1)}${']'.repeat(INGEST_BODY_DEPTH_MAX - 1)}`) });
    assertBatchError(() => decodeBatch(body, MSGPACK, NOW_MS), 'invalid_batch', 400);
  });

  it('brackets inside JSON strings do not count as nesting', () => {
    const body = jsonBody(`{"v":1,"seq":1,"frames":[],"note":"${'['.repeat(100)}"}`);
    assertBatchError(() => decodeBatch(body, JSON_TYPE, NOW_MS), 'invalid_batch', 400);
  });

  it('more than INGEST_BODY_VALUES_MAX values is malformed_body naming the limit', () => {
    const values = INGEST_BODY_VALUES_MAX;
    const array32 = Buffer.from([0xdd, 0, 0, 0, 0]);
    array32.writeUInt32BE(values, 1);
    const body = Buffer.concat([array32, Buffer.alloc(values, 0x01)]);
    assertBatchError(() => decodeBatch(body, MSGPACK, NOW_MS), 'malformed_body', 400, /INGEST_BODY_VALUES_MAX/);
    const json = jsonBody(`[${'1,'.repeat(values)}1]`);
    assertBatchError(() => decodeBatch(json, JSON_TYPE, NOW_MS), 'malformed_body', 400, /INGEST_BODY_VALUES_MAX/);
  });

  it('an array header claiming more elements than the body has bytes is malformed_body', () => {
    assertBatchError(() => decodeBatch(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]), MSGPACK, NOW_MS), 'malformed_body', 400, /truncated/);
  });

  const extensions: Array<[string, number[]]> = [
    ['a record definition (fixext 1, type 0x72)', [0xd4, 0x72, 0x00]],
    ['a Set (fixext 1, type 0x73)', [0xd4, 0x73, 0x00]],
    ['a RegExp (ext 8, type 0x78)', [0xc7, 0x00, 0x78]],
    ['the never-used byte 0xc1', [0xc1]],
  ];
  for (const [name, bytes] of extensions) {
    it(`${name} is malformed_body`, () => assertBatchError(() => decodeBatch(Uint8Array.from(bytes), MSGPACK, NOW_MS), 'malformed_body', 400));
  }
});

for (const backend of storeBackends()) {
  describe(`SPEC §6 malformed_body over HTTP (${backend.kind}): a signed hostile body cannot stall the server`, () => {
    let fixture: ApiFixture;
    let gateway: Provisioned;
    before(async () => {
      fixture = await openApi(backend);
      gateway = await provision(fixture);
    });
    after(() => fixture.close());

    const bodies: Array<[string, Buffer, string]> = [
      ['the signed reference bomb', referenceBomb(), MSGPACK],
      ['10 000 nested msgpack arrays', nestedArrays(10_000), MSGPACK],
      ['10 000 nested JSON arrays', Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`), JSON_TYPE],
    ];
    for (const [name, body, contentType] of bodies) {
      it(`${name} is 400 malformed_body quickly and stores nothing`, async () => {
        const startMs = performance.now();
        const response = await postBatch(fixture.app, { gatewayId: gateway.gatewayId, secret: gateway.gatewaySecret, body, contentType });
        const elapsedMs = performance.now() - startMs;
        assertError(response, 400, 'malformed_body');
        assert.ok(elapsedMs < QUICK_MS, `took ${elapsedMs} ms`);
        assert.equal(await fixture.store.readings.countReadings(), 0);
      });
    }
  });
}
