import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchError } from '../host/ingest/errors.js';
import type { ReadingStore } from '../host/store/reading-store.js';
import { storeBackends } from './store-backends.js';
import { frame, GATEWAY_A, GATEWAY_B, openFixture, post, secondPostgresStore, storedRows } from './reading-store-helpers.js';

async function assertSeqConflict(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof BatchError);
    assert.equal(error.code, 'seq_conflict');
    assert.equal(error.status, 409);
    return true;
  });
}

/** The store with one transaction step made to throw. */
function failingAfterInsert(store: ReadingStore): ReadingStore {
  return Object.assign(Object.create(store) as ReadingStore, {
    withIngestTransaction: <T>(work: Parameters<ReadingStore['withIngestTransaction']>[0]) =>
      store.withIngestTransaction((transaction) =>
        work({
          ...transaction,
          recordBatchResponse: async () => { throw new Error('injected failure after the readings were inserted'); },
        }) as Promise<T>,
      ),
  });
}

for (const backend of storeBackends()) {
  describe(`SPEC §6 ingest service (${backend.kind})`, () => {
    it('stores every valid frame and lists the others by their index in the batch as sent, sorted', async () => {
      const fixture = await openFixture(backend);
      try {
        const response = await post(fixture.store, GATEWAY_A, 1, [
          frame('m-a1', 0, 100, 5),
          frame('m-unknown', 0, 1),
          frame('m-b1', 0, 1),
          frame('m-a2', 0, -3),
          frame('m-a2', 3_600_000, 7),
          frame('m-a1', -900_000, 90),
        ]);
        assert.deepEqual(response, {
          seq: 1, accepted: 2, duplicates: 0,
          rejected: [
            { index: 1, code: 'unknown_meter' }, { index: 2, code: 'forbidden_meter' },
            { index: 3, code: 'invalid' }, { index: 4, code: 'future' },
          ],
        });
        assert.deepEqual(await storedRows(fixture.store), ['m-a1 -900000 90 -1', 'm-a1 0 100 5']);
      } finally {
        await fixture.close();
      }
    });

    it('a meter rebound to another gateway is forbidden to the old one', async () => {
      const fixture = await openFixture(backend);
      try {
        await fixture.store.bindMeter({ meterId: 'm-a2', gatewayId: GATEWAY_B });
        const fromA = await post(fixture.store, GATEWAY_A, 1, [frame('m-a2', 0, 1)]);
        const fromB = await post(fixture.store, GATEWAY_B, 1, [frame('m-a2', 0, 1)]);
        assert.deepEqual(fromA.rejected, [{ index: 0, code: 'forbidden_meter' }]);
        assert.equal(fromB.accepted, 1);
      } finally {
        await fixture.close();
      }
    });

    it('a stored (m, t) again is duplicate with the same value (counted and listed) and conflict with another', async () => {
      const fixture = await openFixture(backend);
      try {
        await post(fixture.store, GATEWAY_A, 1, [frame('m-a1', 0, 100), frame('m-a2', 0, 200, 9)]);
        const again = await post(fixture.store, GATEWAY_A, 2, [frame('m-a1', 0, 100), frame('m-a2', 0, 200, 8), frame('m-a1', 60_000, 101)]);
        assert.deepEqual(again, { seq: 2, accepted: 1, duplicates: 1, rejected: [{ index: 0, code: 'duplicate' }, { index: 1, code: 'conflict' }] });
        assert.deepEqual(await storedRows(fixture.store), ['m-a1 0 100 -1', 'm-a1 60000 101 -1', 'm-a2 0 200 9']);
      } finally {
        await fixture.close();
      }
    });

    it('a repeat of (m, t) inside one batch: the first frame is stored, the repeat is duplicate or conflict', async () => {
      const fixture = await openFixture(backend);
      try {
        const response = await post(fixture.store, GATEWAY_A, 1, [
          frame('m-a1', 60_000, 50), frame('m-a1', 0, 40), frame('m-a1', 60_000, 50), frame('m-a1', 60_000, 51), frame('m-a1', 0, 40, 1),
        ]);
        assert.deepEqual(response, {
          seq: 1, accepted: 2, duplicates: 1,
          rejected: [{ index: 2, code: 'duplicate' }, { index: 3, code: 'conflict' }, { index: 4, code: 'conflict' }],
        });
        assert.deepEqual(await storedRows(fixture.store), ['m-a1 0 40 -1', 'm-a1 60000 50 -1']);
      } finally {
        await fixture.close();
      }
    });

    it('the same seq with the same body returns the original response and stores nothing new', async () => {
      const fixture = await openFixture(backend);
      try {
        const frames = [frame('m-a1', 0, 100), frame('m-unknown', 0, 1)];
        const first = await post(fixture.store, GATEWAY_A, 7, frames);
        const replay = await post(fixture.store, GATEWAY_A, 7, frames);
        assert.deepEqual(replay, first);
        assert.equal(replay.accepted, 1);
        assert.equal(await fixture.store.countReadings(), 1);
      } finally {
        await fixture.close();
      }
    });

    it('the same seq with another body is 409 seq_conflict and stores nothing; seqs are per gateway', async () => {
      const fixture = await openFixture(backend);
      try {
        await post(fixture.store, GATEWAY_A, 7, [frame('m-a1', 0, 100)]);
        await assertSeqConflict(post(fixture.store, GATEWAY_A, 7, [frame('m-a1', 60_000, 101)]));
        assert.equal(await fixture.store.countReadings(), 1);
        const otherGateway = await post(fixture.store, GATEWAY_B, 7, [frame('m-b1', 0, 1)]);
        assert.equal(otherGateway.accepted, 1);
      } finally {
        await fixture.close();
      }
    });

    it('a batch that fails mid-way stores nothing and leaves its seq free', async () => {
      const fixture = await openFixture(backend);
      try {
        const frames = [frame('m-a1', 0, 100), frame('m-a2', 0, 200)];
        await assert.rejects(post(failingAfterInsert(fixture.store), GATEWAY_A, 1, frames), /injected failure/);
        assert.equal(await fixture.store.countReadings(), 0);
        const retried = await post(fixture.store, GATEWAY_A, 1, frames);
        assert.equal(retried.accepted, 2);
      } finally {
        await fixture.close();
      }
    });

    it('batches arriving together (one group commit on SQLite) stand or fall alone: a failing one stores nothing, the others all', async () => {
      const fixture = await openFixture(backend);
      try {
        const [first, conflicting, failing, other] = await Promise.allSettled([
          post(fixture.store, GATEWAY_A, 1, [frame('m-a1', 0, 100)]),
          post(fixture.store, GATEWAY_A, 1, [frame('m-a1', 60_000, 101)]),
          post(failingAfterInsert(fixture.store), GATEWAY_A, 2, [frame('m-a2', 0, 5)]),
          post(fixture.store, GATEWAY_B, 1, [frame('m-b1', -900_000, 1), frame('m-b1', 0, 2)]),
        ]);
        assert.equal(first.status === 'fulfilled' && first.value.accepted, 1);
        await assertSeqConflict(conflicting.status === 'rejected' ? Promise.reject(conflicting.reason) : Promise.resolve());
        assert.ok(failing.status === 'rejected' && /injected failure/.test(String(failing.reason)));
        assert.equal(other.status === 'fulfilled' && other.value.accepted, 2);
        assert.deepEqual(await storedRows(fixture.store), ['m-a1 0 100 -1', 'm-b1 -900000 1 -1', 'm-b1 0 2 -1']);
        assert.equal((await post(fixture.store, GATEWAY_A, 2, [frame('m-a2', 0, 5)])).accepted, 1, 'the failed batch left its seq free');
      } finally {
        await fixture.close();
      }
    });

    it('a response written for a seq this transaction did not claim fails the commit, storing nothing', async () => {
      const fixture = await openFixture(backend);
      try {
        const rows = { meterKey: Uint32Array.of(1), t: BigInt64Array.of(1n), i: BigInt64Array.of(5n), x: BigInt64Array.of(-1n) };
        await assert.rejects(fixture.store.withIngestTransaction(async (transaction) => {
          await transaction.insertReadings(rows);
          await transaction.recordBatchResponse(GATEWAY_A, 99, '{}');
        }));
        assert.equal(await fixture.store.countReadings(), 0);
      } finally {
        await fixture.close();
      }
    });

    if (backend.kind === 'postgres') {
      it('two pools ingesting overlapping batches at once lose and double nothing, and agree on codes', async () => {
        const fixture = await openFixture(backend);
        const second = secondPostgresStore(fixture.fresh);
        try {
          await concurrentOverlap(fixture.store, second.store);
        } finally {
          await second.end();
          await fixture.close();
        }
      });
    }
  });
}

/**
 * Pool 1 sends even minutes and pool 2 all minutes of the same meter; on the
 * shared minutes pool 2 repeats pool 1's value on multiples of 4 and differs
 * elsewhere. Every shared frame must end as stored once + duplicate, or stored
 * once + conflict, whichever pool won.
 */
async function concurrentOverlap(store1: ReadingStore, store2: ReadingStore): Promise<void> {
  const BATCHES = 8;
  const FRAMES = 200;
  const posts: Array<Promise<{ pool: number; minutes: number[]; values: number[]; response: Awaited<ReturnType<typeof post>> }>> = [];
  for (let batch = 0; batch < BATCHES; batch++) {
    const evenMinutes = Array.from({ length: FRAMES }, (_, k) => (batch * FRAMES + k) * 2);
    const allMinutes = Array.from({ length: FRAMES }, (_, k) => batch * FRAMES + k + (BATCHES * FRAMES) / 2);
    const valueOf1 = (minute: number): number => minute * 10;
    const valueOf2 = (minute: number): number => (minute % 4 === 0 ? minute * 10 : minute * 10 + 1);
    const send = (pool: number, store: ReadingStore, minutes: number[], valueOf: (minute: number) => number) =>
      post(store, GATEWAY_A, pool * 1000 + batch, minutes.map((minute) => frame('m-a1', minute * 60_000 - 1e9, valueOf(minute))))
        .then((response) => ({ pool, minutes, values: minutes.map(valueOf), response }));
    posts.push(send(1, store1, evenMinutes, valueOf1), send(2, store2, allMinutes, valueOf2));
  }
  const results = await Promise.all(posts);
  const outcomes = new Map<number, string[]>();
  for (const { minutes, response } of results) {
    const codeByIndex = new Map(response.rejected.map((entry) => [entry.index, entry.code]));
    minutes.forEach((minute, index) => outcomes.set(minute, [...(outcomes.get(minute) ?? []), codeByIndex.get(index) ?? 'stored']));
  }
  let expectedRows = 0;
  for (const [minute, codes] of outcomes) {
    expectedRows++;
    const sorted = [...codes].sort();
    if (codes.length === 1) assert.deepEqual(sorted, ['stored'], `minute ${minute}`);
    else assert.deepEqual(sorted, [minute % 4 === 0 ? 'duplicate' : 'conflict', 'stored'], `minute ${minute}`);
  }
  assert.equal(await store1.countReadings(), expectedRows);
  const accepted = results.reduce((sum, result) => sum + result.response.accepted, 0);
  assert.equal(accepted, expectedRows);
}
