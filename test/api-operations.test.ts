// Operations: liveness, readiness, Prometheus metrics, OpenAPI, and one
// batch over a real socket (app.listen on port 0).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../host/api/app.js';
import { signBatch } from '../host/ingest/signature.js';
import { storeBackends } from './store-backends.js';
import { LEDGER_TEST_OPTIONS, NOW_MS, MSGPACK, assertError, columnar, frame, openApi, postBatch, provision, storeOn, type ApiFixture, type Provisioned } from './api-helpers.js';

const sqlite = storeBackends()[0]!;

describe('operations routes', () => {
  let fixture: ApiFixture;
  let setup: Provisioned;
  before(async () => {
    fixture = await openApi(sqlite);
    setup = await provision(fixture);
  });
  after(() => fixture.close());

  it('/healthz answers 200 while the process is up, /readyz 200 while the store answers', async () => {
    assert.deepEqual((await fixture.app.inject({ url: '/healthz' })).json(), { status: 'ok' });
    assert.deepEqual((await fixture.app.inject({ url: '/readyz' })).json(), { status: 'ready' });
  });

  it('/readyz is 503 not_ready when the store does not answer, while /healthz stays 200', async () => {
    const fresh = await sqlite.open();
    const app = await buildApp({ store: storeOn(fresh), logger: false, ...LEDGER_TEST_OPTIONS });
    try {
      if (fresh.kind !== 'sqlite') throw new Error('expected SQLite');
      fresh.database.close();
      assertError(await app.inject({ url: '/readyz' }), 503, 'not_ready');
      assert.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
    } finally {
      await app.close();
      await fresh.close();
    }
  });

  it('/metrics counts frames accepted, frames rejected by code, batches rejected by code, and request durations', async () => {
    await postBatch(fixture.app, { gatewayId: 'gw-1', secret: setup.gatewaySecret, body: columnar(1, [frame('m-1', 0, 1), frame('m-zz', 0, 1)]) });
    await postBatch(fixture.app, { gatewayId: 'gw-1', secret: 'wrong-secret', body: columnar(2, [frame('m-1', 0, 1)]) });
    const response = await fixture.app.inject({ url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] as string, /^text\/plain/);
    const text = response.body;
    assert.match(text, /^gridsettle_ingest_frames_accepted_total 1$/m);
    assert.match(text, /^gridsettle_ingest_frames_rejected_total\{code="unknown_meter"\} 1$/m);
    assert.match(text, /^gridsettle_ingest_batches_rejected_total\{code="bad_signature"\} 1$/m);
    assert.match(text, /^gridsettle_http_request_duration_seconds_count\{method="POST",route="\/v1\/meter-batches",status="202"\} 1$/m);
    assert.match(text, /^gridsettle_process_cpu_user_seconds_total /m);
  });

  it('/docs/json is an OpenAPI 3 document with every API route and its responses; /docs serves the UI', async () => {
    const document = (await fixture.app.inject({ url: '/docs/json' })).json() as { openapi: string; paths: Record<string, Record<string, { responses: object }>> };
    assert.match(document.openapi, /^3\./);
    const expected: Array<[string, string]> = [
      ['/v1/meter-batches', 'post'], ['/v1/parties', 'post'], ['/v1/parties', 'get'], ['/v1/parties/me', 'get'],
      ['/v1/parties/{partyId}', 'get'], ['/v1/parties/{partyId}/keys', 'post'], ['/v1/parties/{partyId}/keys', 'get'],
      ['/v1/gateways', 'post'], ['/v1/gateways', 'get'], ['/v1/gateways/{gatewayId}', 'get'],
      ['/v1/meters', 'post'], ['/v1/meters', 'get'], ['/v1/meters/{meterId}', 'get'],
      ['/healthz', 'get'], ['/readyz', 'get'], ['/metrics', 'get'],
    ];
    for (const [path, method] of expected) assert.ok(document.paths[path]?.[method]?.responses !== undefined, `${method} ${path} is documented`);
    assert.ok((await fixture.app.inject({ url: '/docs' })).statusCode < 400);
  });
});

describe('a real socket', () => {
  it('app.listen on port 0 accepts a signed batch over HTTP and answers 202 after the commit', async () => {
    const fixture = await openApi(sqlite);
    try {
      const { gatewaySecret } = await provision(fixture);
      await fixture.app.listen({ port: 0, host: '127.0.0.1' });
      const address = fixture.app.server.address();
      assert.ok(address !== null && typeof address === 'object');
      const body = columnar(1, [frame('m-1', 0, 42)]);
      const timestamp = String(NOW_MS);
      const response = await fetch(`http://127.0.0.1:${address.port}/v1/meter-batches`, {
        method: 'POST', body,
        headers: { 'content-type': MSGPACK, 'x-gateway-id': 'gw-1', 'x-timestamp': timestamp, 'x-signature': signBatch(gatewaySecret, timestamp, body) },
      });
      assert.equal(response.status, 202);
      assert.deepEqual(await response.json(), { seq: 1, accepted: 1, duplicates: 0, rejected: [] });
      assert.equal(await fixture.store.readings.countReadings(), 1);
    } finally {
      await fixture.close();
    }
  });
});
