// SPEC §6 under fuzzing: seeded valid batches, mutated (truncation, byte
// flips, type swaps, huge integers, deep nesting, random bytes, reference
// bombs), signed with the gateway secret and posted through inject(). No
// answer is a 5xx, every error is a catalogue code at its status, and the
// store ends up holding exactly the frames the 202s accepted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch } from '../host/ingest/decode.js';
import { encodeColumnarBatch, encodeRowBatch, type GatewayFrame } from '../host/ingest/encode.js';
import { BATCH_ERROR_STATUS, type BatchErrorCode } from '../host/ingest/errors.js';
import { storeBackends } from './store-backends.js';
import { NOW_MS, openApi, postBatch, provision, type ApiFixture, type Provisioned } from './api-helpers.js';
import { JSON_TYPE, MSGPACK, msgpackBody, referenceBomb } from './ingest-helpers.js';
import { storedRows } from './reading-store-helpers.js';

const SEED = 0x10_2026;
const BODIES_BY_BACKEND = { sqlite: 3_000, postgres: 500 } as const;
const METER_IDS = ['m-1', 'm-2', 'm-other', 'm-unknown'];
/** The meters a gateway-1 batch can store readings for (m-other is gateway 2's). */
const STORABLE_METER_IDS = ['m-1', 'm-2'];
const NESTING_DEPTH_MAX = 20_000;
const RATE_WINDOW_MS = 100;

/** mulberry32: a small seeded generator, so a failure replays exactly. */
function seededRandom(seed: number): { below(bound: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
  const below = (bound: number): number => Math.floor(next() * bound);
  return { below, pick: (items) => items[below(items.length)]! };
}
type Random = ReturnType<typeof seededRandom>;

interface Sent {
  body: Uint8Array;
  contentType: string;
}

function randomFrames(random: Random): GatewayFrame[] {
  return Array.from({ length: 1 + random.below(6) }, () => {
    // Few distinct times, so duplicates and conflicts are common; now one frame in 50 from the future.
    const t = random.below(50) === 0 ? NOW_MS + 400_000 : NOW_MS - random.below(40) * 1_000;
    const frame: GatewayFrame = { m: random.pick(METER_IDS), t, i: random.below(4) };
    if (random.below(2) === 0) frame.x = random.below(3);
    return frame;
  });
}

function validBody(random: Random, seq: number): Sent {
  const batch = { seq, frames: randomFrames(random) };
  switch (random.below(5)) {
    case 0: return { body: encodeColumnarBatch(batch), contentType: MSGPACK };
    case 1: return { body: encodeColumnarBatch(batch, { integers: 'array' }), contentType: MSGPACK };
    case 2: return { body: encodeColumnarBatch(batch, { format: 'json', integers: 'array' }), contentType: JSON_TYPE };
    case 3: return { body: encodeRowBatch(batch, 'msgpack'), contentType: MSGPACK };
    default: return { body: encodeRowBatch(batch, 'json'), contentType: JSON_TYPE };
  }
}

function nestedValue(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level++) value = [value];
  return value;
}

const HOSTILE_VALUES: ReadonlyArray<() => unknown> = [
  () => null, () => true, () => 'x', () => '', () => 1.5, () => -1, () => 2 ** 53, () => 2n ** 63n - 1n, () => -(2n ** 63n),
  () => [], () => ({}), () => 'm'.repeat(300), () => nestedValue(12), () => nestedValue(40),
];

/** Replaces one field of a valid row batch (top level or a frame's) with a hostile value. */
function typeSwapped(random: Random, seq: number, format: 'msgpack' | 'json'): Sent {
  const frames: Array<Record<string, unknown>> = randomFrames(random).map((frame) => ({ ...frame }));
  const batch: Record<string, unknown> = { v: 1, seq, frames };
  const target = random.below(3) === 0 ? batch : random.pick(frames);
  target[random.pick(target === batch ? ['v', 'seq', 'frames', 'cols'] : ['m', 't', 'i', 'x'])] = random.pick(HOSTILE_VALUES)();
  if (format === 'msgpack') return { body: msgpackBody(batch), contentType: MSGPACK };
  // JSON has no bigint: write it as its digits, which is what a hostile gateway would send.
  const text = JSON.stringify(batch, (_key, value: unknown) => (typeof value === 'bigint' ? `#${value}#` : value)).replace(/"#(-?\d+)#"/g, '$1');
  return { body: new TextEncoder().encode(text), contentType: JSON_TYPE };
}

function randomBytes(random: Random, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => random.below(256));
}

/** One byte-level mutation of a valid body. */
function mutatedBytes(random: Random, sent: Sent): Sent {
  const { body } = sent;
  const at = random.below(body.byteLength);
  switch (random.below(7)) {
    case 0: return { ...sent, body: body.subarray(0, at) };
    case 1: {
      const flipped = Uint8Array.from(body);
      for (let flips = 1 + random.below(4); flips > 0; flips--) flipped[random.below(flipped.byteLength)] = random.below(256);
      return { ...sent, body: flipped };
    }
    case 2: return { ...sent, body: Buffer.concat([body.subarray(0, at), randomBytes(random, 1 + random.below(16)), body.subarray(at)]) };
    case 3: return { ...sent, body: Buffer.concat([body, Uint8Array.of(random.below(256))]) };
    case 4: return { ...sent, body: randomBytes(random, 1 + random.below(64)) };
    case 5: {
      const depth = 1 + random.below(NESTING_DEPTH_MAX);
      if (sent.contentType === JSON_TYPE) return { ...sent, body: Buffer.from(`${'['.repeat(depth)}${Buffer.from(body).toString()}${']'.repeat(depth)}`) };
      return { ...sent, body: Buffer.concat([Buffer.alloc(depth, 0x91), body]) };
    }
    default: return { body: referenceBomb(1 + random.below(26)), contentType: MSGPACK };
  }
}

function fuzzedBody(random: Random, seq: number): Sent {
  switch (random.below(4)) {
    case 0: return validBody(random, seq);
    case 1: return typeSwapped(random, seq, random.pick(['msgpack', 'json'] as const));
    default: return mutatedBytes(random, validBody(random, seq));
  }
}

interface Accepted {
  seq: number;
  accepted: number;
  rejected: Array<{ index: number; code: string }>;
}

/** The rows a 202 says were stored: the decoded frames not listed in `rejected`, as storedRows() prints them. */
function acceptedRows(sent: Sent, response: Accepted): string[] {
  const decoded = decodeBatch(sent.body, sent.contentType, NOW_MS);
  const rejected = new Set(response.rejected.map((frame) => frame.index));
  const rows: string[] = [];
  for (let row = 0; row < decoded.frames.t.length; row++) {
    if (rejected.has(decoded.sourceIndex[row]!)) continue;
    const { meter, t, i, x } = decoded.frames;
    rows.push(`${decoded.meterIds[meter[row]!]} ${t[row]! - BigInt(NOW_MS)} ${i[row]} ${x[row]}`);
  }
  return rows;
}

function assertCatalogueError(status: number, bodyText: string): void {
  const body = JSON.parse(bodyText) as { error: { code: string; message: string } };
  const code = body.error.code as BatchErrorCode;
  assert.ok(code in BATCH_ERROR_STATUS, `not a catalogue code: ${bodyText}`);
  assert.equal(BATCH_ERROR_STATUS[code], status, bodyText);
  assert.equal(typeof body.error.message, 'string');
}

for (const backend of storeBackends()) {
  describe(`SPEC §6 ingest fuzzed (${backend.kind}): ${BODIES_BY_BACKEND[backend.kind]} seeded hostile signed bodies`, () => {
    let fixture: ApiFixture;
    let gateway: Provisioned;
    before(async () => {
      // One gateway posts all bodies, far above its rate limit: a short window keeps 429 out of the way.
      fixture = await openApi(backend, { ingest: { rateWindowMs: RATE_WINDOW_MS } });
      gateway = await provision(fixture);
    });
    after(() => fixture.close());

    it('no answer is a 5xx, every error is a catalogue code at its status, and the store holds exactly the accepted frames', async () => {
      const random = seededRandom(SEED);
      const expectedRows = new Set<string>();
      const acceptedSeqs = new Set<number>();
      for (let seq = 1; seq <= BODIES_BY_BACKEND[backend.kind]; seq++) {
        const sent = fuzzedBody(random, seq);
        const response = await postBatch(fixture.app, { gatewayId: gateway.gatewayId, secret: gateway.gatewaySecret, ...sent });
        assert.ok(response.statusCode < 500, `body ${seq}: ${response.statusCode} ${response.body}`);
        if (response.statusCode !== 202) {
          assertCatalogueError(response.statusCode, response.body);
          continue;
        }
        const accepted = response.json() as Accepted;
        // A mutated seq may repeat an earlier one: the same body then gets the original answer, storing nothing new.
        if (acceptedSeqs.has(accepted.seq)) continue;
        acceptedSeqs.add(accepted.seq);
        const rows = acceptedRows(sent, accepted);
        assert.equal(rows.length, accepted.accepted, `body ${seq}: ${response.body}`);
        for (const row of rows) expectedRows.add(row);
      }
      assert.ok(acceptedSeqs.size > 0 && expectedRows.size > 0, 'the fuzzer must also produce accepted batches');
      const stored = await storedRows(fixture.store.readings, [...METER_IDS]);
      assert.deepEqual(stored.sort(), [...expectedRows].sort());
      assert.equal(await fixture.store.readings.countReadings(), expectedRows.size);
      assert.ok(stored.every((row) => STORABLE_METER_IDS.includes(row.split(' ')[0]!)));
    });
  });
}
