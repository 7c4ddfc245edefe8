// S5 webhooks (docs/flows.md "S5", "Webhook targets"): no SSRF — https to
// public addresses only, every spelling of a private address refused at
// registration and again at delivery, the connection made to the address
// checked — and each delivery attempt claimed by one host, so several hosts
// resuming the same outbox deliver each event once.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../host/api/app.js';
import { openPostgres } from '../host/store/postgres.js';
import { storeOverPostgres, type Store } from '../host/store/open-store.js';
import { checkWebhookTarget, postToTarget, webhookTargetPolicy } from '../host/flows/webhook-target.js';
import { backoffDelayMs } from '../host/flows/matching-webhooks.js';
import { WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_BACKOFF_JITTER_RATIO } from '../host/limits.js';
import { storeBackends } from './store-backends.js';
import { LEDGER_TEST_OPTIONS, NOW_MS, SEALING_KEY, call } from './api-helpers.js';
import { LOOPBACK_WEBHOOKS, openFlows, type FlowFixture } from './flow-helpers.js';

const HOUR = 3_600_000;
const KWH = 1_000_000;
const NO_ALLOW_LIST = webhookTargetPolicy([], false);
const PRIVATE_TARGETS = [
  'https://127.0.0.1/', 'https://127.1/', 'https://2130706433/', 'https://0177.0.0.1/', 'https://0x7f000001/', 'https://localhost/',
  'https://[::1]/', 'https://[::ffff:127.0.0.1]/', 'https://[::ffff:7f00:1]/', 'https://[::127.0.0.1]/', 'https://[64:ff9b::a00:1]/',
  'https://169.254.169.254/latest/meta-data/', 'https://[fd00:ec2::254]/', 'https://100.100.100.200/', 'https://[fe80::1]/',
  'https://10.0.0.1/', 'https://172.16.5.4/', 'https://192.168.1.1/', 'https://100.64.0.1/', 'https://0.0.0.0/', 'https://[::]/',
  'https://255.255.255.255/', 'https://224.0.0.1/', 'https://[ff02::1]/', 'https://192.0.2.1/', 'https://198.18.0.1/', 'https://[2001:db8::1]/',
];

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** A loopback receiver answering `status()`; records each request as `<event> <status>`. */
async function receiver(status: () => number): Promise<{ server: Server; url: string; received: string[] }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    res.statusCode = status();
    received.push(`${String(req.headers['x-gridsettle-event'])} ${res.statusCode}`);
    req.resume();
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/**
 * The store another host would have: on PostgreSQL a second connection pool
 * on the same schema; on SQLite the same connection (a second one in this
 * process would busy-wait on the first one's open transaction and stall the
 * event loop both need — separate processes do not have that problem).
 */
function anotherHostStore(fixture: FlowFixture): { store: Store; close(): Promise<void> } {
  const fresh = fixture.fresh;
  if (fresh.kind === 'sqlite') return { store: fixture.store, close: async () => undefined };
  const sql = openPostgres(fresh.url, { schema: fresh.schema });
  return { store: storeOverPostgres(sql, SEALING_KEY), close: () => sql.end() };
}

const site = (id: string, type: string, direction: string) => ({
  id, type, direction, geo: { lat: '0', lon: '0' }, energyMWh: 5 * KWH, powerW: 11_000, availableFromMs: NOW_MS, availableToMs: NOW_MS + 10 * HOUR,
});

/** `pairs` matched device/point pairs; the points are `pointRole`'s, so its webhook gets `pairs` events. */
async function matchPairs(app: Awaited<ReturnType<typeof buildApp>>, fixture: FlowFixture, pointRole: 'transmission' | 'supplier', runId: string, pairs: number): Promise<void> {
  for (let pair = 0; pair < pairs; pair++) {
    assert.equal((await call(app, fixture.as(pointRole), 'POST', '/v1/matching/sites', site(`${runId}-p${pair}`, 'stationary', 'demand'))).statusCode, 201);
    assert.equal((await call(app, fixture.as('participant'), 'POST', '/v1/matching/sites', site(`${runId}-d${pair}`, 'mobile', 'supply'))).statusCode, 201);
  }
  const run = await call(app, fixture.as('authority'), 'POST', '/v1/matching/runs', { id: runId, travelCostPerKm: '0', mismatchCostPerKWh: '0' });
  assert.equal(run.statusCode, 201, run.body);
}

describe('flows: S5 webhook targets', () => {
  it('loopback, private, link-local, unique-local, metadata and reserved targets are refused in every spelling', async () => {
    for (const url of PRIVATE_TARGETS) {
      await assert.rejects(checkWebhookTarget(NO_ALLOW_LIST, url), { code: 'webhook_target_refused' }, url);
    }
  });

  it('a public https target is accepted; plain http is refused unless the operator allows the target and http', async () => {
    assert.equal((await checkWebhookTarget(NO_ALLOW_LIST, 'https://93.184.216.34/hook')).address, '93.184.216.34');
    assert.equal((await checkWebhookTarget(NO_ALLOW_LIST, 'https://[2606:2800:220:1::1]/hook')).family, 6);
    await assert.rejects(checkWebhookTarget(NO_ALLOW_LIST, 'http://93.184.216.34/hook'), { code: 'webhook_target_refused' });
    await assert.rejects(checkWebhookTarget(NO_ALLOW_LIST, 'https://user:pw@93.184.216.34/'), { code: 'invalid_input' });
    const allowLoopback = webhookTargetPolicy(['127.0.0.0/8', 'hooks.internal'], false);
    assert.equal((await checkWebhookTarget(allowLoopback, 'https://[::ffff:127.0.0.1]/')).address, '::ffff:7f00:1');
    await assert.rejects(checkWebhookTarget(allowLoopback, 'http://127.0.0.1/'), { code: 'webhook_target_refused' });
    await assert.rejects(checkWebhookTarget(allowLoopback, 'https://169.254.169.254/'), { code: 'webhook_target_refused' });
    assert.equal((await checkWebhookTarget(webhookTargetPolicy(['127.0.0.1'], true), 'http://127.0.0.1:9/')).address, '127.0.0.1');
  });

  it('retries back off doubling, each delay with up to WEBHOOK_BACKOFF_JITTER_RATIO of it added at random', () => {
    for (let attempts = 1; attempts <= 4; attempts++) {
      const baseMs = WEBHOOK_BACKOFF_BASE_MS * 2 ** (attempts - 1);
      const delays = Array.from({ length: 50 }, () => backoffDelayMs(attempts));
      assert.ok(delays.every((delayMs) => delayMs >= baseMs && delayMs <= baseMs * (1 + WEBHOOK_BACKOFF_JITTER_RATIO)), delays.join(' '));
      assert.ok(new Set(delays).size > 1, 'jittered, not all equal');
    }
  });

  it('the delivery connects to the address that was checked, never to a fresh lookup of the name (DNS rebinding)', async () => {
    const hook = await receiver(() => 204);
    try {
      const port = (hook.server.address() as AddressInfo).port;
      // rebind.invalid resolves nowhere: only the checked address can have reached the receiver.
      const status = await postToTarget({ url: new URL(`http://rebind.invalid:${port}/hook`), address: '127.0.0.1', family: 4 }, { 'x-gridsettle-event': 'e1' }, Buffer.from('{}'), 2_000);
      assert.equal(status, 204);
      assert.deepEqual(hook.received, ['e1 204']);
    } finally {
      hook.server.close();
    }
  });
});

for (const backend of storeBackends()) {
  describe(`flows: S5 webhook deliveries (${backend.kind})`, () => {
    let fixture: FlowFixture;
    before(async () => {
      fixture = await openFlows(backend, LOOPBACK_WEBHOOKS);
    });
    after(async () => fixture.close());

    it('a registered webhook is checked again at every delivery: a host that does not allow its target never POSTs', async () => {
      const hook = await receiver(() => 200);
      const strictHost = await buildApp({ store: fixture.store, logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS, webhookAllow: [] });
      try {
        assert.equal((await call(fixture.app, fixture.as('transmission'), 'POST', '/v1/matching/webhooks', { url: hook.url })).statusCode, 201);
        await matchPairs(strictHost, fixture, 'transmission', 'strict', 1);
        const delivery = async () => (await fixture.store.flows.list<{ attempts: number; lastStatus: number | null }>('match-delivery', { limit: 10 }))[0];
        for (let waited = 0; ((await delivery())?.body.attempts ?? 0) < 2 && waited < 5_000; waited += 50) await sleep(50);
        assert.ok((await delivery())!.body.attempts >= 2, 'attempted and retried');
        assert.equal((await delivery())!.body.lastStatus, null);
        assert.deepEqual(hook.received, []);
      } finally {
        await strictHost.close();
        hook.server.close();
      }
    });

    it('two hosts resuming the same pending deliveries deliver each event exactly once', async () => {
      let accept = false;
      const hook = await receiver(() => (accept ? 200 : 503));
      const options = { logger: false, nowMs: () => NOW_MS, ...LEDGER_TEST_OPTIONS, ...LOOPBACK_WEBHOOKS } as const;
      const hosts = [anotherHostStore(fixture), anotherHostStore(fixture)];
      try {
        const first = await buildApp({ ...options, store: fixture.store });
        const pairs = 3;
        assert.equal((await call(first, fixture.as('supplier'), 'POST', '/v1/matching/webhooks', { url: hook.url })).statusCode, 201);
        await matchPairs(first, fixture, 'supplier', 'twice', pairs);
        const events = () => new Set(hook.received.map((line) => line.split(' ')[0]));
        for (let waited = 0; events().size < pairs && waited < 5_000; waited += 20) await sleep(20);
        await first.close();
        assert.equal(events().size, pairs, 'every event was attempted once and refused (503)');
        accept = true;
        const apps = await Promise.all(hosts.map(({ store }) => buildApp({ ...options, store })));
        await Promise.all(apps.map((app) => app.ready()));
        const delivered = () => hook.received.filter((line) => line.endsWith(' 200'));
        for (let waited = 0; delivered().length < pairs && waited < 5_000; waited += 20) await sleep(20);
        await sleep(1_000); // room for a second delivery, were one to come
        await Promise.all(apps.map((app) => app.close()));
        assert.equal(delivered().length, pairs, hook.received.join(', '));
        assert.equal(new Set(delivered()).size, pairs, 'no event delivered twice');
      } finally {
        hook.server.close();
        await Promise.all(hosts.map((host) => host.close()));
      }
    });
  });
}
