// SPEC §5 "Trusted heads" over HTTP: GET /v1/ledger/head serves the latest
// signed head (what a verifier saves), and the server seals records that
// waited longer than its seal wait by its own clock (the app's controllable
// clock here: no real minute passes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { storeBackends } from './store-backends.js';
import { assertError, call, LEDGER_SIGNER, NOW_MS, openApi, type ApiFixture } from './api-helpers.js';
import { trustedHeadFrom } from '../host/ledger/trusted-head.js';
import { verifyLedger } from '../host/ledger/verify.js';
import { publicKeyId } from '../host/ledger/keys.js';

const SEAL_AFTER_MS = 60_000;
/** Server time the test clock moves per real poll; the real wait is bounded generously. */
const CLOCK_STEP_MS = 1_000;
const POLL_MS = 20;
const REAL_WAIT_MS_MAX = 30_000;

interface HeadBody {
  head: { height: number; treeSize: number; ts: number; publicKeyId: string };
  treeSize: number;
  unsealedRecords: number;
}

async function createAccounts(fixture: ApiFixture, ids: string[]): Promise<void> {
  await call(fixture.app, fixture.operatorKey, 'POST', '/v1/parties', { partyId: 'p', name: 'P', role: 'participant' });
  const response = await call(fixture.app, fixture.operatorKey, 'POST', '/v1/accounts', {
    accounts: ids.map((id) => ({ id, party: 'p', currency: 'EUR', kind: 'asset' })),
  });
  assert.equal(response.statusCode, 200, response.body);
}

for (const backend of storeBackends()) {
  describe(`SPEC §5 trusted heads: GET /v1/ledger/head and the server's timed seal (${backend.kind})`, () => {
    it('the latest signed head with the tree size and the records it does not seal; 404 before any block', async () => {
      const fixture = await openApi(backend);
      try {
        assertError(await call(fixture.app, fixture.operatorKey, 'GET', '/v1/ledger/head'), 404, 'not_found');
        await createAccounts(fixture, ['a', 'b']);
        await call(fixture.app, fixture.operatorKey, 'POST', '/v1/ledger/blocks');
        await createAccounts(fixture, ['c']);
        const response = await call(fixture.app, fixture.operatorKey, 'GET', '/v1/ledger/head');
        assert.equal(response.statusCode, 200, response.body);
        const body = response.json() as HeadBody;
        assert.deepEqual({ height: body.head.height, headSize: body.head.treeSize, treeSize: body.treeSize, unsealedRecords: body.unsealedRecords },
          { height: 0, headSize: 2, treeSize: 3, unsealedRecords: 1 });
        assert.equal(body.head.publicKeyId, publicKeyId(LEDGER_SIGNER.publicKey));
        // The body as saved is a head the verifier accepts.
        const report = await verifyLedger(fixture.store.ledger, LEDGER_SIGNER.publicKey, { trustedHead: trustedHeadFrom(JSON.parse(response.body)) });
        assert.deepEqual(report, { ok: true, treeSize: 3, blocks: 1, unsealedRecords: 1, trustedHead: { height: 0, treeSize: 2 } });
      } finally {
        await fixture.close();
      }
    });

    it('the server seals records once they have waited ledgerSealAfterMs by its clock, not before', async () => {
      let clockMs = NOW_MS;
      const fixture = await openApi(backend, { nowMs: () => clockMs, ledgerSealAfterMs: SEAL_AFTER_MS });
      try {
        await createAccounts(fixture, ['a']);
        const appendedAtMs = clockMs;
        const startedAt = Date.now();
        let head: HeadBody | null = null;
        while (head === null && Date.now() - startedAt < REAL_WAIT_MS_MAX) {
          await sleep(POLL_MS);
          clockMs += CLOCK_STEP_MS;
          const response = await call(fixture.app, fixture.operatorKey, 'GET', '/v1/ledger/head');
          if (response.statusCode === 200) head = response.json() as HeadBody;
        }
        assert.ok(head !== null, 'the timed seal sealed the waiting record');
        assert.deepEqual({ treeSize: head.head.treeSize, unsealedRecords: head.unsealedRecords }, { treeSize: 1, unsealedRecords: 0 });
        assert.ok(head.head.ts - appendedAtMs >= SEAL_AFTER_MS, `sealed ${head.head.ts - appendedAtMs} ms after the append, not before ${SEAL_AFTER_MS}`);
      } finally {
        await fixture.close();
      }
    });
  });
}
