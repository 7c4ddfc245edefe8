// S5 mobile energy interconnection end to end (docs/flows.md "S5"): devices
// and points register, the market authority runs an optimal matching (not
// greedy), both sides learn their assignments from the event list, a live
// event stream (server-sent events, resumable) and a signed webhook that is
// retried after a failure; each assignment is a proven ledger record.
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHmac } from 'node:crypto';
import { storeBackends } from './store-backends.js';
import { LEDGER_TEST_OPTIONS, NOW_MS, assertError, call } from './api-helpers.js';
import { buildApp } from '../host/api/app.js';
import { LOOPBACK_WEBHOOKS, assertLedgerSound, assertRecordProven, openFlows, type FlowFixture } from './flow-helpers.js';

const HOUR = 3_600_000;
const KWH = 1_000_000;
const site = (id: string, type: string, direction: string, kWh: number, fromH: number, toH: number, fee?: string) => ({
  id, type, direction, geo: { lat: '0', lon: '0' }, energyMWh: kWh * KWH, powerW: 11_000,
  availableFromMs: NOW_MS + fromH * HOUR, availableToMs: NOW_MS + toH * HOUR, ...(fee === undefined ? {} : { fee }),
});

interface Received { headers: IncomingHttpHeaders; body: Buffer }

/** A webhook receiver that fails each event's first delivery with 500. */
async function webhookReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const seen = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const event = String(req.headers['x-gridsettle-event']);
      res.statusCode = seen.has(event) ? 200 : 500;
      seen.add(event);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** Reads `count` server-sent events from the stream, then hangs up. */
function readStream(base: string, apiKey: string, count: number, lastEventId?: string): Promise<Array<{ id: string; data: Record<string, unknown> }>> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}`, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const req = httpRequest(`${base}/v1/matching/events/stream`, { headers }, (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream');
      let text = '';
      const events: Array<{ id: string; data: Record<string, unknown> }> = [];
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        let end: number;
        while ((end = text.indexOf('\n\n')) !== -1) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const id = /^id: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (id !== undefined && data !== undefined) events.push({ id, data: JSON.parse(data) as Record<string, unknown> });
        }
        if (events.length >= count) {
          req.destroy();
          resolve(events);
        }
      });
    });
    req.on('error', (error) => (error.message.includes('aborted') || error.message.includes('socket hang up') ? undefined : reject(error)));
    req.end();
  });
}

for (const backend of storeBackends()) {
  describe(`flows: S5 mobile energy interconnection (${backend.kind})`, () => {
    let fixture: FlowFixture;
    let base: string;
    let hook: Awaited<ReturnType<typeof webhookReceiver>>;
    let secret: string;
    let runReply: { run: { assignments: Array<Record<string, string>>; recordIndexes: number[] } };

    before(async () => {
      fixture = await openFlows(backend, LOOPBACK_WEBHOOKS);
      base = await fixture.app.listen({ port: 0, host: '127.0.0.1' });
      hook = await webhookReceiver();
    });
    after(async () => {
      await fixture.close();
      hook.server.close();
    });

    it('a party registers a webhook for its events; only http(s) URLs', async () => {
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/matching/webhooks', { url: 'ftp://example.org/x' }), 400, 'invalid_input');
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/matching/webhooks', { url: 'http://169.254.169.254/latest' }), 400, 'webhook_target_refused');
      const reply = await call(fixture.app, fixture.as('participant'), 'POST', '/v1/matching/webhooks', { url: hook.url });
      assert.equal(reply.statusCode, 201, reply.body);
      secret = (reply.json() as { secret: string }).secret;
    });

    it('devices and points register; bad positions, windows and fees are refused with their codes', async () => {
      const register = (role: 'participant' | 'supplier' | 'gateway', body: object) => call(fixture.app, fixture.as(role), 'POST', '/v1/matching/sites', body);
      for (const body of [site('d1', 'mobile', 'supply', 10, 0, 10), site('d2', 'mobile', 'supply', 8, 2, 10)]) assert.equal((await register('participant', body)).statusCode, 201);
      for (const body of [site('p1', 'stationary', 'demand', 10, 0, 10, '0.10'), site('p2', 'stationary', 'demand', 12, 0, 1, '0.05')]) assert.equal((await register('supplier', body)).statusCode, 201);
      assertError(await register('participant', { ...site('x1', 'mobile', 'supply', 1, 0, 1), geo: { lat: '1.12345678', lon: '0' } }), 400, 'invalid_request');
      assertError(await register('participant', { ...site('x2', 'mobile', 'supply', 1, 0, 1), geo: { lat: '91', lon: '0' } }), 400, 'invalid_input');
      assertError(await register('participant', site('x3', 'mobile', 'supply', 1, 2, 1)), 400, 'invalid_input');
      assertError(await register('participant', site('x4', 'mobile', 'supply', 1, 0, 1, '0.10')), 400, 'invalid_input');
      assertError(await register('supplier', site('x5', 'stationary', 'demand', 1, 0, 1, '0.1234567')), 400, 'invalid_amount');
      assertError(await register('participant', site('d1', 'mobile', 'supply', 1, 0, 1)), 409, 'already_exists');
      assertError(await register('gateway', site('x6', 'mobile', 'supply', 1, 0, 1)), 403, 'forbidden');
      assertError(await call(fixture.app, fixture.as('supplier'), 'GET', '/v1/matching/sites/d1'), 404, 'not_found');
    });

    it('only the operator or the market authority runs a matching', async () => {
      const body = { id: 'run-1', travelCostPerKm: '0', mismatchCostPerKWh: '0.10' };
      assertError(await call(fixture.app, fixture.as('participant'), 'POST', '/v1/matching/runs', body), 403, 'forbidden');
      assertError(await call(fixture.app, fixture.as('authority'), 'POST', '/v1/matching/runs', { ...body, mismatchCostPerKWh: 'ten' }), 400, 'invalid_amount');
    });

    it('the run is optimal, not greedy: d1 goes to p2 (0.70) so that d2 can take p1 (1.00)', async () => {
      const reply = await call(fixture.app, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: 'run-1', travelCostPerKm: '0', mismatchCostPerKWh: '0.10' });
      assert.equal(reply.statusCode, 201, reply.body);
      runReply = reply.json() as typeof runReply;
      // d1→p2: 10 kWh at a 0.05 fee = 0.50, 2 kWh of p2 unserved × 0.10 = 0.20; d2→p1: 8 kWh × 0.10 = 0.80, 2 kWh unserved = 0.20.
      assert.deepEqual(runReply.run.assignments.map((a) => [a.device, a.point, a.energyMWh, a.feeMicro, a.mismatchMicro, a.totalMicro]), [
        ['d1', 'p2', String(10 * KWH), '500000', '200000', '700000'],
        ['d2', 'p1', String(8 * KWH), '800000', '200000', '1000000'],
      ]);
      const again = await call(fixture.app, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: 'run-1', travelCostPerKm: '0', mismatchCostPerKWh: '0.10' });
      assert.equal(again.statusCode, 200);
      const next = await call(fixture.app, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: 'run-2', travelCostPerKm: '0', mismatchCostPerKWh: '0.10' });
      assert.deepEqual((next.json() as typeof runReply).run.assignments, [], 'assigned sites are not matched again');
      const d1 = (await call(fixture.app, fixture.as('participant'), 'GET', '/v1/matching/sites/d1')).json() as { site: { status: string; run: string } };
      assert.deepEqual([d1.site.status, d1.site.run], ['assigned', 'run-1']);
    });

    it('both sides get their events: the list, and a live stream that resumes after Last-Event-ID', async () => {
      const listed = (await call(fixture.app, fixture.as('participant'), 'GET', '/v1/matching/events')).json() as { events: Array<{ assignment: { device: string } }> };
      assert.deepEqual(listed.events.map((event) => event.assignment.device), ['d1', 'd2']);
      assert.deepEqual((await call(fixture.app, fixture.as('transmission'), 'GET', '/v1/matching/events')).json(), { events: [] });
      const streamed = await readStream(base, fixture.as('supplier'), 2);
      assert.deepEqual(streamed.map((event) => (event.data.assignment as { point: string }).point), ['p2', 'p1']);
      const resumed = await readStream(base, fixture.as('supplier'), 1, streamed[0]!.id);
      assert.equal(resumed[0]!.id, streamed[1]!.id);
    });

    it('the webhook gets every event signed as docs/flows.md says (HMAC-SHA256 keyed with the secret text), retried after its first 500', async () => {
      for (let waited = 0; hook.received.length < 4 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(hook.received.length, 4, 'two events, each failed once and delivered on the retry');
      for (const delivery of hook.received) {
        // A receiver written from the docs alone: key = the secret string as returned, message = timestamp + "." + raw body.
        const expected = `sha256=${createHmac('sha256', secret).update(`${String(delivery.headers['x-timestamp'])}.`).update(delivery.body).digest('hex')}`;
        assert.equal(delivery.headers['x-signature'], expected);
      }
      const events = new Set(hook.received.map((delivery) => (JSON.parse(delivery.body.toString()) as { assignment: { device: string } }).assignment.device));
      assert.deepEqual([...events].sort(), ['d1', 'd2']);
    });

    it('a delivery a stopped host left pending is delivered by the next host that starts', async () => {
      let accept = false;
      const received: string[] = [];
      const receiver = createServer((req, res) => {
        received.push(`${String(req.headers['x-gridsettle-event'])} ${accept ? 200 : 503}`);
        res.statusCode = accept ? 200 : 503;
        res.end();
        req.resume();
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const options = { store: fixture.store, logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS, ...LOOPBACK_WEBHOOKS } as const;
      try {
        const first = await buildApp(options);
        const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
        assert.equal((await call(first, fixture.as('transmission'), 'POST', '/v1/matching/webhooks', { url })).statusCode, 201);
        assert.equal((await call(first, fixture.as('transmission'), 'POST', '/v1/matching/sites', site('p9', 'stationary', 'demand', 5, 0, 10))).statusCode, 201);
        assert.equal((await call(first, fixture.as('participant'), 'POST', '/v1/matching/sites', site('d9', 'mobile', 'supply', 5, 0, 10))).statusCode, 201);
        assert.equal((await call(first, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: 'run-9', travelCostPerKm: '0', mismatchCostPerKWh: '0' })).statusCode, 201);
        for (let waited = 0; received.length === 0 && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        await first.close();
        const attemptsBefore = received.length;
        assert.ok(attemptsBefore >= 1 && received.every((line) => line.endsWith(' 503')));
        accept = true;
        const next = await buildApp(options);
        await next.ready();
        for (let waited = 0; !received.some((line) => line.endsWith(' 200')) && waited < 5_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
        await next.close();
        assert.equal(received.filter((line) => line.endsWith(' 200')).length, 1, received.join(', '));
      } finally {
        receiver.close();
      }
    });

    it('each assignment is a ledger record both parties can prove; others get 404', async () => {
      const index = runReply.run.recordIndexes[0]!;
      const record = await assertRecordProven(fixture, fixture.as('participant'), index);
      assert.deepEqual((record.body as { parties: string[] }).parties, ['p-participant', 'p-supplier']);
      await assertRecordProven(fixture, fixture.as('supplier'), index);
      assertError(await call(fixture.app, fixture.as('transmission'), 'GET', `/v1/ledger/leaves/${index}`), 404, 'not_found');
      assertError(await call(fixture.app, fixture.as('participant'), 'GET', '/v1/matching/runs/run-1'), 404, 'not_found');
      await assertLedgerSound(fixture);
    });
  });
}
