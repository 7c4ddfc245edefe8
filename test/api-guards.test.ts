// SPEC §6 429 rate_limited and 503 overloaded: the guards in front of the
// ingest route. They do not depend on the store; SQLite only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { storeBackends } from './store-backends.js';
import { assertError, columnar, frame, openApi, postBatch, provision } from './api-helpers.js';

const sqlite = storeBackends()[0]!;

describe('SPEC §6 ingest guards', () => {
  it('the third batch of one gateway in a window of two is 429 rate_limited with retry-after; other gateways are not limited', async () => {
    const fixture = await openApi(sqlite, { ingest: { batchesPerWindowMax: 2, rateWindowMs: 60_000 } });
    try {
      const { gatewaySecret } = await provision(fixture);
      const { secret: otherSecret } = (await fixture.app.inject({
        method: 'POST', url: '/v1/gateways', headers: { authorization: `Bearer ${fixture.operatorKey}` },
        payload: { gatewayId: 'gw-3', ownerPartyId: 'p-gateway' },
      })).json() as { secret: string };
      // Forged posts under gw-1's id do not spend its budget: only authenticated batches count.
      for (let attempt = 0; attempt < 3; attempt++) {
        assertError(await postBatch(fixture.app, { gatewayId: 'gw-1', secret: 'forged-secret', body: columnar(50, [frame('m-1', 0, 1)]) }), 401, 'bad_signature');
      }
      for (const seq of [1, 2]) {
        assert.equal((await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gatewaySecret, body: columnar(seq, [frame('m-1', seq, 1)]) })).statusCode, 202);
      }
      const limited = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gatewaySecret, body: columnar(3, [frame('m-1', 3, 1)]) });
      assertError(limited, 429, 'rate_limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.equal((await postBatch(fixture.app, { gatewayId: 'gw-3', secret: otherSecret, body: columnar(1, [frame('m-1', 0, 1)]) })).statusCode, 202);
    } finally {
      await fixture.close();
    }
  });

  it('under pressure a batch is 503 overloaded with retry-after, and nothing is stored', async () => {
    let overloaded = false;
    const fixture = await openApi(sqlite, { ingest: { overloaded: () => overloaded, overloadProbeIntervalMs: 10 } });
    try {
      const { gatewaySecret } = await provision(fixture);
      overloaded = true;
      await sleep(50);
      const response = await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gatewaySecret, body: columnar(1, [frame('m-1', 0, 1)]) });
      assertError(response, 503, 'overloaded');
      assert.ok(Number(response.headers['retry-after']) > 0);
      assert.equal(await fixture.store.readings.countReadings(), 0);
      overloaded = false;
      await sleep(50);
      assert.equal((await postBatch(fixture.app, { gatewayId: 'gw-1', secret: gatewaySecret, body: columnar(1, [frame('m-1', 0, 1)]) })).statusCode, 202);
    } finally {
      await fixture.close();
    }
  });
});
