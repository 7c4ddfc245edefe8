// The flows' working state (docs/flows.md "Foundation"): versioned JSON
// objects by (kind, id), listed by owner and group in bytewise id order,
// written in transactions that roll back whole, on both backends.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FlowVersionConflict } from '../host/store/flow-store.js';
import type { Store } from '../host/store/open-store.js';
import { GridsettleError } from '../host/errors.js';
import { FLOW_LIST_LIMIT_MAX, FLOW_OBJECT_BYTES_MAX } from '../host/limits.js';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { storeOn } from './api-helpers.js';

const NOW_MS = 1_767_225_600_000;

for (const backend of storeBackends()) {
  describe(`flow objects (${backend.kind})`, () => {
    let fresh: FreshBackend;
    let store: Store;

    before(async () => {
      fresh = await backend.open();
      store = storeOn(fresh);
    });
    after(async () => fresh.close());

    it('inserts once: a second insert of the same (kind, id) writes nothing and answers false', async () => {
      const first = await store.flows.transact('offer', (tx) => tx.insert({ kind: 'offer', id: 'o-1', ownerPartyId: 'p-a', body: { price: '0.25' } }, NOW_MS));
      const second = await store.flows.transact('offer', (tx) => tx.insert({ kind: 'offer', id: 'o-1', ownerPartyId: 'p-b', body: { price: '9' } }, NOW_MS));
      assert.equal(first, true);
      assert.equal(second, false);
      const stored = await store.flows.get('offer', 'o-1');
      assert.deepEqual(stored, { kind: 'offer', id: 'o-1', ownerPartyId: 'p-a', groupKey: null, body: { price: '0.25' }, version: 1, updatedAtMs: NOW_MS });
    });

    it('an update bumps the version; an update from a stale read is refused as a version conflict', async () => {
      const read = (await store.flows.get<{ price: string }>('offer', 'o-1'))!;
      const updated = await store.flows.transact('offer', (tx) => tx.update(read, { price: '0.30' }, NOW_MS + 1, 'g-1'));
      assert.equal(updated.version, 2);
      assert.equal(updated.groupKey, 'g-1');
      await assert.rejects(store.flows.transact('offer', (tx) => tx.update(read, { price: '0.99' }, NOW_MS + 2)), FlowVersionConflict);
      assert.deepEqual((await store.flows.get('offer', 'o-1'))!.body, { price: '0.30' });
    });

    it('a transaction that throws leaves nothing behind', async () => {
      await assert.rejects(store.flows.transact('offer', async (tx) => {
        await tx.insert({ kind: 'offer', id: 'o-rolled-back', ownerPartyId: 'p-a', body: {} }, NOW_MS);
        throw new Error('step failed');
      }), /step failed/);
      assert.equal(await store.flows.get('offer', 'o-rolled-back'), null);
    });

    it('lists by owner and by group in bytewise id order, paging with afterId and no object lost or repeated', async () => {
      const ids = ['b', 'a', 'Z', 'é', 'a-2', 'c'];
      await store.flows.transact('order', async (tx) => {
        for (const [index, id] of ids.entries()) {
          await tx.insert({ kind: 'order', id, ownerPartyId: index % 2 === 0 ? 'p-even' : 'p-odd', groupKey: 'interval-1', body: { index } }, NOW_MS);
        }
      });
      const paged: string[] = [];
      let afterId: string | undefined;
      for (;;) {
        const page = await store.flows.list('order', { groupKey: 'interval-1', limit: 4, ...(afterId === undefined ? {} : { afterId }) });
        paged.push(...page.map((object) => object.id));
        if (page.length < 4) break;
        afterId = page[page.length - 1]!.id;
      }
      assert.deepEqual(paged, [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      const even = await store.flows.list('order', { ownerPartyId: 'p-even', limit: 10 });
      assert.deepEqual(even.map((object) => object.id), ['Z', 'a-2', 'b']);
      assert.deepEqual(await store.flows.list('order', { groupKey: 'interval-2', limit: 10 }), []);
    });

    it('limits: a list over FLOW_LIST_LIMIT_MAX and a body over FLOW_OBJECT_BYTES_MAX are limit_exceeded', async () => {
      await assert.rejects(store.flows.list('order', { limit: FLOW_LIST_LIMIT_MAX + 1 }), (error: unknown) =>
        error instanceof GridsettleError && error.code === 'limit_exceeded' && /FLOW_LIST_LIMIT_MAX/.test(error.message));
      const big = { text: 'x'.repeat(FLOW_OBJECT_BYTES_MAX) };
      await assert.rejects(store.flows.transact('offer', (tx) => tx.insert({ kind: 'offer', id: 'big', ownerPartyId: 'p-a', body: big }, NOW_MS)),
        (error: unknown) => error instanceof GridsettleError && /FLOW_OBJECT_BYTES_MAX/.test(error.message));
      assert.equal(await store.flows.get('offer', 'big'), null);
    });

    it('a sealed flow secret opens only under its own label, and is not stored in the clear', async () => {
      const secret = new Uint8Array(32).fill(7);
      const sealed = store.flows.sealSecret('webhook:a', secret);
      assert.ok(!Buffer.from(sealed, 'base64').includes(Buffer.from(secret)));
      assert.deepEqual(store.flows.openSecret('webhook:a', sealed), secret);
      assert.throws(() => store.flows.openSecret('webhook:b', sealed));
    });

    it('writers of one lock key run one at a time: concurrent read-modify-write loses no increment', async () => {
      await store.flows.transact('counter', (tx) => tx.insert({ kind: 'counter', id: 'c', ownerPartyId: 'p-a', body: { n: 0 } }, NOW_MS));
      const increment = () => store.flows.transact('counter:c', async (tx) => {
        const current = (await tx.get<{ n: number }>('counter', 'c'))!;
        await tx.update(current, { n: current.body.n + 1 }, NOW_MS);
      });
      await Promise.all(Array.from({ length: 20 }, increment));
      assert.deepEqual((await store.flows.get('counter', 'c'))!.body, { n: 20 });
    });
  });
}
