// Rate limits shared by every host (docs/api.md "Rate limits"): two apps on
// one PostgreSQL schema count one gateway's batches in one window, so N
// hosts allow the limit once, not N times. PostgreSQL only (SQLite serves
// one host, whose in-memory limit api-guards.test.ts tests).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildApp } from '../host/api/app.js';
import { storeOverPostgres } from '../host/store/open-store.js';
import { storeBackends } from './store-backends.js';
import { assertError, columnar, frame, LEDGER_TEST_OPTIONS, NOW_MS, openApi, postBatch, provision, SEALING_KEY } from './api-helpers.js';

const postgres = storeBackends().find((backend) => backend.kind === 'postgres');
const LIMIT = { batchesPerWindowMax: 2, rateWindowMs: 60_000, maxEventLoopDelayMs: 0 };

if (postgres !== undefined) {
  describe('rate limits shared by the hosts on one PostgreSQL database', () => {
    it('batches through host A and host B count together: the third in a window of two is 429 on either host', async () => {
      const fixture = await openApi(postgres, { ingest: LIMIT });
      assert.equal(fixture.fresh.kind, 'postgres');
      // A second host: its own app over the same schema.
      const sql = fixture.fresh.kind === 'postgres' ? fixture.fresh.sql : null;
      const other = await buildApp({ store: storeOverPostgres(sql!, SEALING_KEY), logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS, ingest: LIMIT });
      try {
        const { gatewaySecret: secret } = await provision(fixture);
        const hosts = [fixture.app, other];
        for (const seq of [1, 2]) {
          const answer = await postBatch(hosts[seq - 1]!, { gatewayId: 'gw-1', secret, body: columnar(seq, [frame('m-1', seq, 1)]) });
          assert.equal(answer.statusCode, 202, answer.body);
        }
        for (const host of hosts) assertError(await postBatch(host, { gatewayId: 'gw-1', secret, body: columnar(3, [frame('m-1', 3, 1)]) }), 429, 'rate_limited');
      } finally {
        await other.close();
        await fixture.close();
      }
    });
  });
}
