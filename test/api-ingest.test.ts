// SPEC §6 through HTTP: POST /v1/meter-batches on every backend.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { INGEST_BODY_BYTES_MAX, INGEST_CLOCK_SKEW_MS } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import {
  NOW_MS, assertError, columnar, frame, openApi, postBatch, provision, type ApiFixture, type Provisioned,
} from './api-helpers.js';

const jsonBytes = (text: string): Uint8Array => new TextEncoder().encode(text);

for (const backend of storeBackends()) {
  describe(`SPEC §6 ingest over HTTP (${backend.kind})`, () => {
    let fixture: ApiFixture;
    let gateway: Provisioned;
    let nextSeq = 100;
    const send = (frames: ReturnType<typeof frame>[], seq = nextSeq++) =>
      postBatch(fixture.app, { gatewayId: gateway.gatewayId, secret: gateway.gatewaySecret, body: columnar(seq, frames) });

    before(async () => {
      fixture = await openApi(backend);
      gateway = await provision(fixture);
    });
    after(() => fixture.close());

    it('answers 202 {seq, accepted, duplicates, rejected} and the readings are stored', async () => {
      const before = await fixture.store.readings.countReadings();
      const response = await send([frame('m-1', 0, 1_000), frame('m-2', 0, 5, 2)], 1);
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual(response.json(), { seq: 1, accepted: 2, duplicates: 0, rejected: [] });
      assert.equal(await fixture.store.readings.countReadings(), before + 2);
    });

    it('re-posting a seq with the same body returns the original response and stores nothing', async () => {
      const body = columnar(2, [frame('m-1', 60_000, 1_100)]);
      const first = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gateway.gatewaySecret, body });
      const count = await fixture.store.readings.countReadings();
      const again = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gateway.gatewaySecret, body, timestampMs: NOW_MS + 1 });
      assert.equal(again.statusCode, 202);
      assert.deepEqual(again.json(), first.json());
      assert.equal(await fixture.store.readings.countReadings(), count);
    });

    it('a seq re-posted with a different body is 409 seq_conflict and stores nothing', async () => {
      const count = await fixture.store.readings.countReadings();
      assertError(await send([frame('m-1', 120_000, 1_200)], 2), 409, 'seq_conflict');
      assert.equal(await fixture.store.readings.countReadings(), count);
    });

    it('lists every frame code of SPEC §6 at its index, and stores only the accepted frames', async () => {
      const count = await fixture.store.readings.countReadings();
      const response = await send([
        frame('m-1', 0, 1_000), // duplicate of seq 1
        frame('m-1', 0, 999), // conflict with seq 1
        frame('m-unknown', 0, 1),
        frame('m-other', 0, 1), // bound to gw-2: forbidden for gw-1
        frame('m-1', INGEST_CLOCK_SKEW_MS + 1, 2_000), // future
        frame('m-2', 180_000, 7),
      ]);
      assert.equal(response.statusCode, 202, response.body);
      const body = response.json() as { accepted: number; duplicates: number; rejected: unknown[] };
      assert.deepEqual(body.rejected, [
        { index: 0, code: 'duplicate' }, { index: 1, code: 'conflict' }, { index: 2, code: 'unknown_meter' },
        { index: 3, code: 'forbidden_meter' }, { index: 4, code: 'future' },
      ]);
      assert.equal(body.accepted, 1);
      assert.equal(body.duplicates, 1);
      assert.equal(await fixture.store.readings.countReadings(), count + 1);
    });

    it('a negative register in a JSON row batch is the frame code invalid', async () => {
      const body = jsonBytes(`{"v":1,"seq":${nextSeq++},"frames":[{"m":"m-1","t":${NOW_MS + 240_000},"i":-5},{"m":"m-1","t":${NOW_MS + 300_000},"i":1300}]}`);
      const response = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gateway.gatewaySecret, body, contentType: 'application/json' });
      assert.equal(response.statusCode, 202, response.body);
      assert.deepEqual((response.json() as { rejected: unknown[] }).rejected, [{ index: 0, code: 'invalid' }]);
    });

    describe('batch errors store nothing', () => {
      const cases: Array<[string, number, string, () => Parameters<typeof postBatch>[1]]> = [
        ['a truncated msgpack body is 400 malformed_body', 400, 'malformed_body',
          () => ({ gatewayId: 'gw-1', secret: gateway.gatewaySecret, body: columnar(900, [frame('m-1', 0, 1)]).subarray(0, 10) })],
        ['v other than 1 is 400 invalid_batch', 400, 'invalid_batch',
          () => ({ gatewayId: 'gw-1', secret: gateway.gatewaySecret, body: jsonBytes('{"v":2,"seq":901,"frames":[]}'), contentType: 'application/json' })],
        ['a signature by another key is 401 bad_signature', 401, 'bad_signature',
          () => ({ gatewayId: 'gw-1', secret: 'not-the-gateway-secret', body: columnar(902, [frame('m-1', 0, 1)]) })],
        ['an unregistered x-gateway-id is 401 unknown_gateway', 401, 'unknown_gateway',
          () => ({ gatewayId: 'gw-nope', secret: gateway.gatewaySecret, body: columnar(903, [frame('m-1', 0, 1)]) })],
        ['an x-timestamp 300 001 ms old is 401 stale_timestamp', 401, 'stale_timestamp',
          () => ({ gatewayId: 'gw-1', secret: gateway.gatewaySecret, body: columnar(904, [frame('m-1', 0, 1)]), timestampMs: NOW_MS - INGEST_CLOCK_SKEW_MS - 1 })],
        ['a text/plain body is 415 unsupported_media_type', 415, 'unsupported_media_type',
          () => ({ gatewayId: 'gw-1', secret: gateway.gatewaySecret, body: columnar(905, [frame('m-1', 0, 1)]), contentType: 'text/plain' })],
        ['a body one byte over 4 MiB is 413 body_too_large', 413, 'body_too_large',
          () => ({ gatewayId: 'gw-1', secret: gateway.gatewaySecret, body: new Uint8Array(INGEST_BODY_BYTES_MAX + 1) })],
      ];
      for (const [name, status, code, request] of cases) {
        it(name, async () => {
          const count = await fixture.store.readings.countReadings();
          assertError(await postBatch(fixture.app, request()), status, code);
          assert.equal(await fixture.store.readings.countReadings(), count);
        });
      }

      it('a body of exactly 4 MiB passes the size check (and is judged on its content)', async () => {
        const body = new Uint8Array(INGEST_BODY_BYTES_MAX).fill(0x20);
        assertError(await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gateway.gatewaySecret, body, contentType: 'application/json' }), 400, 'malformed_body');
      });
    });
  });
}
