// SPEC §6 over a real socket: gateway, timestamp, media type and declared
// length are judged from the headers, before the body is read, so
// unauthenticated uploads cost no memory; only the signature needs the body.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { signBatch } from '../host/ingest/signature.js';
import { INGEST_BODY_BYTES_MAX, INGEST_CLOCK_SKEW_MS } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { columnar, frame, MSGPACK, NOW_MS, openApi, provision, type ApiFixture, type Provisioned } from './api-helpers.js';

const UPLOADS = 100;
const UPLOAD_BYTES = INGEST_BODY_BYTES_MAX;
// Each upload trickles 16 KiB every 10 ms, as a slow client would: a server
// that buffers bodies holds all of them at once; one that answers from the
// headers sees a few chunks of each.
const CHUNK = Buffer.alloc(16 * 1024, 0x20);
const CHUNK_INTERVAL_MS = 10;
/** Long enough for a loaded CI machine; an unread body never answers at all. */
const ANSWER_TIMEOUT_MS = 30_000;
const MEMORY_SAMPLE_MS = 10;

interface Answer {
  status: number;
  code: string;
}

function answerOf(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { error?: { code: string } };
      resolve({ status: response.statusCode ?? 0, code: body.error?.code ?? '' });
    });
    response.on('error', reject);
  });
}

/** Streams `bodyBytes` of padding in paced chunks, honouring back-pressure, until the server answers. */
async function streamUntilAnswered(outgoing: ClientRequest, bodyBytes: number, answered: () => boolean): Promise<void> {
  for (let sentBytes = 0; sentBytes < bodyBytes && !answered(); sentBytes += CHUNK.byteLength) {
    const chunk = CHUNK.subarray(0, Math.min(CHUNK.byteLength, bodyBytes - sentBytes));
    if (!outgoing.write(chunk)) await new Promise((resolve) => outgoing.once('drain', resolve));
    await new Promise((resolve) => setTimeout(resolve, CHUNK_INTERVAL_MS));
  }
}

interface Upload {
  headers: Record<string, string>;
  /** Body bytes sent at most (the declared content-length unless `declaredBytes` is given). */
  bodyBytes: number;
  declaredBytes?: number;
  body?: Uint8Array;
}

function upload(base: URL, agent: Agent, sent: Upload): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const timer = setTimeout(() => reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)), ANSWER_TIMEOUT_MS);
    const outgoing = httpRequest(new URL('/v1/meter-batches', base), {
      method: 'POST', agent,
      headers: { ...sent.headers, 'content-length': String(sent.declaredBytes ?? sent.bodyBytes) },
    }, (response) => {
      answered = true;
      answerOf(response).then(resolve, reject).finally(() => {
        clearTimeout(timer);
        outgoing.destroy();
      });
    });
    // A refused upload ends with the socket closed under the writer: that is the point.
    outgoing.on('error', () => undefined);
    outgoing.flushHeaders();
    if (sent.body !== undefined) outgoing.end(sent.body);
    else void streamUntilAnswered(outgoing, sent.bodyBytes, () => answered);
  });
}

/** The largest resident-set growth seen while `run` runs, bytes. */
async function peakRssGrowth(run: () => Promise<unknown>): Promise<number> {
  const baselineBytes = process.memoryUsage().rss;
  let peakBytes = baselineBytes;
  const sampler = setInterval(() => {
    peakBytes = Math.max(peakBytes, process.memoryUsage().rss);
  }, MEMORY_SAMPLE_MS);
  try {
    await run();
  } finally {
    clearInterval(sampler);
  }
  return Math.max(peakBytes, process.memoryUsage().rss) - baselineBytes;
}

for (const backend of storeBackends()) {
  describe(`SPEC §6 cheap checks first (${backend.kind}): headers are judged before the body is read`, () => {
    let fixture: ApiFixture;
    let gateway: Provisioned;
    let base: URL;
    const agent = new Agent({ keepAlive: false, maxSockets: UPLOADS });
    const signedHeaders = (overrides: Record<string, string> = {}): Record<string, string> => ({
      'content-type': MSGPACK, 'x-gateway-id': gateway.gatewayId, 'x-timestamp': String(NOW_MS), 'x-signature': `sha256=${'0'.repeat(64)}`, ...overrides,
    });

    before(async () => {
      fixture = await openApi(backend);
      gateway = await provision(fixture);
      base = new URL(await fixture.app.listen({ port: 0, host: '127.0.0.1' }));
    });
    after(async () => {
      agent.destroy();
      await fixture.close();
    });

    const unread: Array<[string, () => Record<string, string>, number, string, number?]> = [
      ['an unknown x-gateway-id is 401 unknown_gateway', () => signedHeaders({ 'x-gateway-id': 'gw-nope' }), 401, 'unknown_gateway'],
      ['a stale x-timestamp is 401 stale_timestamp', () => signedHeaders({ 'x-timestamp': String(NOW_MS - INGEST_CLOCK_SKEW_MS - 1) }), 401, 'stale_timestamp'],
      ['a text/plain body is 415 unsupported_media_type', () => signedHeaders({ 'content-type': 'text/plain' }), 415, 'unsupported_media_type'],
      ['a content-length over 4 MiB is 413 body_too_large', () => signedHeaders(), 413, 'body_too_large', INGEST_BODY_BYTES_MAX + 1],
    ];
    for (const [name, headers, status, code, declaredBytes] of unread) {
      it(`${name}, answered before a byte of the body is sent`, async () => {
        const answer = await upload(base, agent, { headers: headers(), bodyBytes: 0, declaredBytes: declaredBytes ?? 1024 });
        assert.deepEqual(answer, { status, code });
      });
    }

    it(`${UPLOADS} concurrent 4 MiB uploads with an unknown gateway are all 401 unknown_gateway, and memory grows far less than their bytes`, async () => {
      const totalBytes = UPLOADS * UPLOAD_BYTES;
      let answers: Answer[] = [];
      const growthBytes = await peakRssGrowth(async () => {
        answers = await Promise.all(Array.from({ length: UPLOADS }, () =>
          upload(base, agent, { headers: signedHeaders({ 'x-gateway-id': 'gw-nope' }), bodyBytes: UPLOAD_BYTES })));
      });
      assert.ok(answers.every((answer) => answer.status === 401 && answer.code === 'unknown_gateway'), JSON.stringify(answers.slice(0, 3)));
      assert.ok(growthBytes < totalBytes / 4, `rss grew ${growthBytes} bytes for ${totalBytes} bytes uploaded`);
    });

    it('a known gateway with a fresh timestamp gets its body read, and a wrong signature is 401 bad_signature', async () => {
      const body = columnar(1, [frame('m-1', 0, 1)]);
      const answer = await upload(base, agent, { headers: signedHeaders({ 'x-signature': signBatch('not-the-secret', String(NOW_MS), body) }), bodyBytes: body.byteLength, body });
      assert.deepEqual(answer, { status: 401, code: 'bad_signature' });
      assert.equal(await fixture.store.readings.countReadings(), 0);
    });

    it('the same batch signed with the gateway secret is 202', async () => {
      const body = columnar(2, [frame('m-1', 0, 1)]);
      const outgoing = await upload(base, agent, { headers: signedHeaders({ 'x-signature': signBatch(gateway.gatewaySecret, String(NOW_MS), body) }), bodyBytes: body.byteLength, body });
      assert.equal(outgoing.status, 202);
    });
  });
}
