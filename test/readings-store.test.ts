import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, aggregateColumns } from '../host/engine/aggregate.js';
import type { ReadingChunk, ReadingStore } from '../host/store/reading-store.js';
import { READINGS_ROWS_PER_QUERY } from '../host/limits.js';
import { storeBackends, type FreshBackend } from './store-backends.js';
import { frame, GATEWAY_A, NOW_MS, openFixture, post, storedRows } from './reading-store-helpers.js';

const INTERVAL_MS = 900_000;
const PERIOD_FROM_MS = BigInt(NOW_MS - 4 * INTERVAL_MS);
const PERIOD_TO_MS = BigInt(NOW_MS - 2 * INTERVAL_MS);

async function chunksOf(store: ReadingStore, meterIds: string[], options: { metersPerChunk?: number; boundaryReadings?: boolean } = {}): Promise<ReadingChunk[]> {
  const chunks: ReadingChunk[] = [];
  for await (const chunk of store.readingsForMeters({ meterIds, fromMs: PERIOD_FROM_MS, toMs: PERIOD_TO_MS, ...options })) chunks.push(chunk);
  return chunks;
}

/** Meters "m9" and "m10" (ordinal order puts m10 first), readings every 10 minutes off the grid, so pairs span both period edges. */
async function seedTwoMeters(store: ReadingStore): Promise<void> {
  await store.createMeter({ meterId: 'm9', gatewayId: GATEWAY_A });
  await store.createMeter({ meterId: 'm10', gatewayId: GATEWAY_A });
  const frames = [];
  for (let step = 0; step <= 9; step++) {
    const offsetMs = -6 * INTERVAL_MS + 120_000 + step * 600_000;
    frames.push(frame('m9', offsetMs, 1_000 + step * 150), frame('m10', offsetMs, 5_000 + step * 40, step * 3));
  }
  const response = await post(store, GATEWAY_A, 1, frames.reverse());
  assert.equal(response.accepted, 20);
}

async function rawSecretColumn(fresh: FreshBackend, gatewayId: string): Promise<Buffer> {
  if (fresh.kind === 'sqlite') {
    return (fresh.database.prepare('SELECT secret_sealed FROM gateways WHERE id = ?').get(gatewayId) as { secret_sealed: Buffer }).secret_sealed;
  }
  const [row] = await fresh.sql`SELECT secret_sealed FROM gateways WHERE id = ${gatewayId}`;
  return row!.secret_sealed as Buffer;
}

for (const backend of storeBackends()) {
  describe(`SPEC §2/§6 reading store (${backend.kind})`, () => {
    it('a gateway secret comes back exactly and is stored sealed, never in clear', async () => {
      const fixture = await openFixture(backend);
      try {
        const gateway = await fixture.store.gateway(GATEWAY_A);
        assert.deepEqual(Buffer.from(gateway!.secret).toString(), 'gw-a-secret-0123456789');
        assert.equal(gateway!.ownerPartyId, 'party-1');
        assert.equal(await fixture.store.gateway('gw-none'), null);
        const sealed = await rawSecretColumn(fixture.fresh, GATEWAY_A);
        assert.equal(sealed.includes(Buffer.from('gw-a-secret')), false);
      } finally {
        await fixture.close();
      }
    });

    it('a meter resolves to its key, gateway and account, and rebinding changes both', async () => {
      const fixture = await openFixture(backend);
      try {
        const resolve = () => fixture.store.withIngestTransaction((transaction) => transaction.resolveMeters(['m-a1', 'm-none', 'm-a2']));
        const [a1, none, a2] = await resolve();
        assert.deepEqual([a1?.gatewayId, a1?.accountId, none, a2?.gatewayId, a2?.accountId], [GATEWAY_A, 'acct-1', null, GATEWAY_A, null]);
        assert.notEqual(a1!.meterKey, a2!.meterKey);
        await fixture.store.bindMeter({ meterId: 'm-a2', gatewayId: 'gw-b', accountId: 'acct-2' });
        const [, , rebound] = await resolve();
        assert.deepEqual(rebound, { meterKey: a2!.meterKey, gatewayId: 'gw-b', accountId: 'acct-2' });
      } finally {
        await fixture.close();
      }
    });

    it('a meter id is registered once', async () => {
      const fixture = await openFixture(backend);
      try {
        await assert.rejects(fixture.store.createMeter({ meterId: 'm-a1', gatewayId: GATEWAY_A }));
        await assert.rejects(fixture.store.bindMeter({ meterId: 'm-none', gatewayId: GATEWAY_A }), /unknown meter/);
      } finally {
        await fixture.close();
      }
    });

    it('registers near 2^53 and a missing export register round-trip exactly', async () => {
      const fixture = await openFixture(backend);
      try {
        const top = 2n ** 53n - 1n;
        await post(fixture.store, GATEWAY_A, 1, [frame('m-a1', 0, top, top - 1n), frame('m-a1', -60_000, top - 2n)]);
        assert.deepEqual(await storedRows(fixture.store), [`m-a1 -60000 ${top - 2n} -1`, `m-a1 0 ${top} ${top - 1n}`]);
      } finally {
        await fixture.close();
      }
    });

    it('registers beyond 2^53 or negative, which ingest refuses but the store holds as 64-bit integers, read back exactly', async () => {
      const fixture = await openFixture(backend);
      try {
        const huge = [2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 62n];
        const negative = -(2n ** 40n) - 7n;
        await fixture.store.withIngestTransaction(async (transaction) => {
          const [a1, a2, b1] = await transaction.resolveMeters(['m-a1', 'm-a2', 'm-b1']);
          await transaction.insertReadings({
            meterKey: Uint32Array.of(a1!.meterKey, a1!.meterKey, a2!.meterKey, b1!.meterKey),
            t: BigInt64Array.of(BigInt(NOW_MS - 60_000), BigInt(NOW_MS), BigInt(NOW_MS), BigInt(NOW_MS)),
            i: BigInt64Array.of(huge[0]!, huge[2]!, 5n, negative),
            x: BigInt64Array.of(huge[1]!, -1n, 7n, -2n),
          });
        });
        assert.deepEqual(await storedRows(fixture.store, ['m-a1', 'm-a2', 'm-b1']), [
          `m-a1 -60000 ${huge[0]} ${huge[1]}`, `m-a1 0 ${huge[2]} -1`, 'm-a2 0 5 7', `m-b1 0 ${negative} -2`,
        ]);
      } finally {
        await fixture.close();
      }
    });

    it('a meter with more readings than READINGS_ROWS_PER_QUERY reads back whole and in order', async () => {
      const fixture = await openFixture(backend);
      try {
        const rowCount = READINGS_ROWS_PER_QUERY + 3;
        const stepMs = 10n;
        await fixture.store.withIngestTransaction(async (transaction) => {
          const [a1] = await transaction.resolveMeters(['m-a1']);
          await transaction.insertReadings({
            meterKey: new Uint32Array(rowCount).fill(a1!.meterKey),
            t: BigInt64Array.from({ length: rowCount }, (_, row) => PERIOD_FROM_MS + BigInt(row) * stepMs),
            i: BigInt64Array.from({ length: rowCount }, (_, row) => BigInt(row)),
            x: new BigInt64Array(rowCount).fill(-1n),
          });
        });
        assert.ok(PERIOD_FROM_MS + BigInt(rowCount) * stepMs < PERIOD_TO_MS);
        const [chunk] = await chunksOf(fixture.store, ['m-a1'], { boundaryReadings: false });
        const { t, i } = chunk!.columns;
        assert.equal(t.length, rowCount);
        assert.ok(t.every((tMs, row) => tMs === PERIOD_FROM_MS + BigInt(row) * stepMs && i[row] === BigInt(row)));
      } finally {
        await fixture.close();
      }
    });

    it('readings come out as aggregateColumns input: ordinal meter order, dense indexes, ascending t, x = −1 for none', async () => {
      const fixture = await openFixture(backend);
      try {
        await seedTwoMeters(fixture.store);
        const [chunk, ...rest] = await chunksOf(fixture.store, ['m9', 'm10', 'm9', 'm-none'], { boundaryReadings: false });
        assert.equal(rest.length, 0);
        assert.deepEqual(chunk!.meterIds, ['m-none', 'm10', 'm9']);
        const { meter, t, i, x } = chunk!.columns;
        assert.ok(meter instanceof Uint32Array && t instanceof BigInt64Array && i instanceof BigInt64Array && x instanceof BigInt64Array);
        // [from, to) holds steps 3, 4 and 5 of each meter (offsets −6I + 2 min + 10 min × step).
        assert.deepEqual([...meter], [1, 1, 1, 2, 2, 2]);
        assert.deepEqual([...t].map((tMs) => Number(tMs) - NOW_MS), [-3_480_000, -2_880_000, -2_280_000, -3_480_000, -2_880_000, -2_280_000]);
        assert.deepEqual([...i], [5_120n, 5_160n, 5_200n, 1_450n, 1_600n, 1_750n]);
        assert.deepEqual([...x], [9n, 12n, 15n, -1n, -1n, -1n]);
      } finally {
        await fixture.close();
      }
    });

    it('with boundary readings, the period\'s intervals aggregate exactly as in a full aggregation', async () => {
      const fixture = await openFixture(backend);
      try {
        await seedTwoMeters(fixture.store);
        const [chunk] = await chunksOf(fixture.store, ['m9', 'm10']);
        const fromChunk = intervalsInPeriod(aggregateColumns(chunk!.columns, { intervalMs: INTERVAL_MS }), chunk!.meterIds);
        const all = (await storedRows(fixture.store, ['m9', 'm10'])).map((row) => row.split(' '));
        const full = aggregate({
          intervalMs: INTERVAL_MS,
          readings: all.map(([m, offset, i, x]) => ({ m: m!, t: NOW_MS + Number(offset), i: Number(i), ...(x === '-1' ? {} : { x: Number(x) }) })),
        });
        const expected = full.intervals.filter((row) => row.start >= Number(PERIOD_FROM_MS) && row.start < Number(PERIOD_TO_MS));
        assert.equal(expected.length, 4);
        assert.deepEqual(fromChunk, expected);
        const [inner] = await chunksOf(fixture.store, ['m9', 'm10'], { boundaryReadings: false });
        assert.notDeepEqual(intervalsInPeriod(aggregateColumns(inner!.columns, { intervalMs: INTERVAL_MS }), inner!.meterIds), expected);
      } finally {
        await fixture.close();
      }
    });

    it('chunks split the meters in ordinal order and each indexes its own meter list', async () => {
      const fixture = await openFixture(backend);
      try {
        await seedTwoMeters(fixture.store);
        await post(fixture.store, GATEWAY_A, 2, [frame('m-a1', -3_000_000, 1)]);
        const chunks = await chunksOf(fixture.store, ['m9', 'm10', 'm-a1'], { metersPerChunk: 2, boundaryReadings: false });
        assert.deepEqual(chunks.map((chunk) => chunk.meterIds), [['m-a1', 'm10'], ['m9']]);
        assert.deepEqual([...chunks[0]!.columns.meter], [0, 1, 1, 1]);
        assert.deepEqual([...chunks[1]!.columns.meter], [0, 0, 0]);
        await assert.rejects(chunksOf(fixture.store, ['m9'], { metersPerChunk: 0 }), /READINGS_METERS_PER_CHUNK_MAX/);
      } finally {
        await fixture.close();
      }
    });
  });
}

function intervalsInPeriod(result: ReturnType<typeof aggregateColumns>, meterIds: string[]) {
  const rows = [];
  for (let k = 0; k < result.start.length; k++) {
    const start = result.start[k]!;
    if (start < PERIOD_FROM_MS || start >= PERIOD_TO_MS) continue;
    rows.push({ m: meterIds[result.meter[k]!]!, start: Number(start), imp: Number(result.imp[k]), exp: Number(result.exp[k]), flags: result.flags[k]! });
  }
  return rows;
}
