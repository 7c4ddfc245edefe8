// S5 webhook deliveries (docs/flows.md "S5") through an outbox: each
// (webhook, event) delivery is a stored flow object, pending until a 2xx
// answer or the last attempt. Every attempt is claimed first: a host takes
// a lease on the delivery (a versioned update under the delivery's lock, so
// one host wins), POSTs, then records the answer, frees the lease and sets
// when the next attempt is due (doubling back-off with jitter). So however
// many hosts resume the outbox, each attempt is made once; a host that dies
// mid-attempt leaves a lease that expires, and another host's sweep takes
// over. Delivery is at least once: receivers dedupe by `x-gridsettle-event`.
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiContext } from '../api/context.js';
import type { FlowObject } from '../store/flow-store.js';
import { signBatch } from '../ingest/signature.js';
import {
  WEBHOOK_ATTEMPTS_MAX, WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_BACKOFF_JITTER_RATIO, WEBHOOK_LEASE_MS, WEBHOOK_SWEEP_INTERVAL_MS,
  WEBHOOK_TIMEOUT_MS, WEBHOOKS_PER_PARTY_MAX, FLOW_LIST_LIMIT_MAX,
} from '../limits.js';
import { EVENT_KIND, eventView, WEBHOOK_KIND, type MatchEventBody, type WebhookBody } from './matching-push.js';
import { checkWebhookTarget, postToTarget, type WebhookTargetPolicy } from './webhook-target.js';

const DELIVERY_KIND = 'match-delivery';
const PENDING = 'pending';

interface DeliveryBody extends Record<string, unknown> {
  webhookId: string;
  eventId: string;
  attempts: number;
  lastStatus: number | null;
  /** Real-clock ms until which one host's attempt is under way (absent: never leased). */
  leaseUntilMs?: number;
  /** Real-clock ms before which no attempt is made (absent: due now). */
  nextAttemptAtMs?: number;
}

/** What a claim found: the delivery now leased to this host, a time to try again, or nothing to do. */
type Claim = { leased: FlowObject<DeliveryBody> } | { dueAtMs: number } | null;

/** The delay before attempt `attempts + 1`: base × 2^(attempts − 1), plus up to JITTER_RATIO of it at random so hosts do not retry in step. */
export function backoffDelayMs(attempts: number): number {
  const delayMs = WEBHOOK_BACKOFF_BASE_MS * 2 ** (attempts - 1);
  return delayMs + randomInt(Math.floor(delayMs * WEBHOOK_BACKOFF_JITTER_RATIO) + 1);
}

/** Delivers stored events to their parties' webhooks in the background; `settled` resolves when every delivery under way ended. */
export class WebhookSender {
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private sweepTimer: NodeJS.Timeout | null = null;
  /** The clock of leases and back-off: real time, even when the business clock (context.nowMs) is pinned (tests). */
  private readonly clockMs = Date.now;

  constructor(private readonly context: ApiContext, private readonly policy: WebhookTargetPolicy) {}

  /** Records one pending delivery per webhook of each event's party, then starts them. */
  async send(events: ReadonlyArray<FlowObject<MatchEventBody>>): Promise<void> {
    for (const event of events) {
      const hooks = await this.context.store.flows.list<WebhookBody>(WEBHOOK_KIND, { ownerPartyId: event.ownerPartyId, limit: WEBHOOKS_PER_PARTY_MAX });
      for (const hook of hooks) {
        const body: DeliveryBody = { webhookId: hook.id, eventId: event.id, attempts: 0, lastStatus: null };
        const id = `${hook.id}:${event.id}`;
        await this.context.store.flows.transact(`${DELIVERY_KIND}:${id}`, (tx) =>
          tx.insert({ kind: DELIVERY_KIND, id, ownerPartyId: event.ownerPartyId, groupKey: PENDING, body }, this.context.nowMs()));
        this.start(id);
      }
    }
  }

  /** Resumes the pending outbox now and every WEBHOOK_SWEEP_INTERVAL_MS (deliveries of hosts that stopped or died). */
  startSweeping(onError: (error: unknown) => void): void {
    const sweep = () => void this.resume().catch(onError);
    sweep();
    this.sweepTimer = setInterval(sweep, WEBHOOK_SWEEP_INTERVAL_MS).unref();
  }

  /** Starts every pending delivery this host is not already working on; claims decide which host attempts it. */
  async resume(): Promise<void> {
    let afterId: string | undefined;
    for (;;) {
      const page = await this.context.store.flows.list<DeliveryBody>(DELIVERY_KIND, { groupKey: PENDING, limit: FLOW_LIST_LIMIT_MAX, ...(afterId === undefined ? {} : { afterId }) });
      for (const delivery of page) this.start(delivery.id);
      if (page.length < FLOW_LIST_LIMIT_MAX || this.stopping.signal.aborted) return;
      afterId = page[page.length - 1]!.id;
    }
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Stops sweeping and waiting (shutdown): attempts under way finish, the rest stay pending for any host. */
  async stop(): Promise<void> {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.stopping.abort();
    await this.settled();
  }

  private start(deliveryId: string): void {
    if (this.inFlight.has(deliveryId) || this.stopping.signal.aborted) return;
    const run = this.deliver(deliveryId).catch(() => undefined).finally(() => this.inFlight.delete(deliveryId));
    this.inFlight.set(deliveryId, run);
  }

  private async deliver(deliveryId: string): Promise<void> {
    while (!this.stopping.signal.aborted) {
      const claim = await this.claim(deliveryId);
      if (claim === null) return;
      if ('dueAtMs' in claim) {
        await sleep(Math.max(0, claim.dueAtMs - this.clockMs()), undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      if (!(await this.attemptOnce(claim.leased))) return;
    }
  }

  /** Leases the delivery to this host when it is pending, due and not leased (or its lease expired). */
  private claim(deliveryId: string): Promise<Claim> {
    return this.context.store.flows.transact(`${DELIVERY_KIND}:${deliveryId}`, async (tx): Promise<Claim> => {
      const current = await tx.get<DeliveryBody>(DELIVERY_KIND, deliveryId);
      if (current === null || current.groupKey !== PENDING) return null;
      const nowMs = this.clockMs();
      // Another host's attempt is under way; if that host dies, a sweep claims the delivery once the lease expires.
      if ((current.body.leaseUntilMs ?? 0) > nowMs) return null;
      const dueAtMs = current.body.nextAttemptAtMs ?? 0;
      if (dueAtMs > nowMs) return { dueAtMs };
      const leased = await tx.update<DeliveryBody>(current, { ...current.body, leaseUntilMs: nowMs + WEBHOOK_LEASE_MS }, this.context.nowMs());
      return { leased };
    });
  }

  /** One attempt of a leased delivery; records its answer and frees the lease. True while the delivery stays pending. */
  private async attemptOnce(leased: FlowObject<DeliveryBody>): Promise<boolean> {
    const { flows } = this.context.store;
    const hook = await flows.get<WebhookBody>(WEBHOOK_KIND, leased.body.webhookId);
    const event = await flows.get<MatchEventBody>(EVENT_KIND, leased.body.eventId);
    // Neither is ever deleted; were one gone, the delivery fails rather than waking every sweep.
    const missing = hook === null || event === null;
    const lastStatus = missing ? null : await this.post(hook, event);
    const attempts = leased.body.attempts + 1;
    const delivered = lastStatus !== null && lastStatus >= 200 && lastStatus < 300;
    const state = delivered ? 'delivered' : missing || attempts >= WEBHOOK_ATTEMPTS_MAX ? 'failed' : PENDING;
    const body: DeliveryBody = { ...leased.body, attempts, lastStatus, leaseUntilMs: 0, nextAttemptAtMs: this.clockMs() + backoffDelayMs(attempts) };
    // A version conflict here means the lease expired and another host took over: its record stands.
    await flows.transact(`${DELIVERY_KIND}:${leased.id}`, (tx) => tx.update<DeliveryBody>(leased, body, this.context.nowMs(), state));
    return state === PENDING;
  }

  /** One signed POST to the target as checked now; the response status, or null when none came or the target is refused. */
  private async post(hook: FlowObject<WebhookBody>, event: FlowObject<MatchEventBody>): Promise<number | null> {
    const secret = this.context.store.flows.openSecret(`${WEBHOOK_KIND}:${hook.id}`, hook.body.secretSealed);
    const body = Buffer.from(JSON.stringify(eventView(event)));
    const timestamp = String(this.context.nowMs());
    const target = await checkWebhookTarget(this.policy, hook.body.url).catch(() => null);
    if (target === null) return null;
    return postToTarget(target, {
      'content-type': 'application/json', 'x-gridsettle-event': event.id, 'x-timestamp': timestamp, 'x-signature': signBatch(secret, timestamp, body),
    }, body, WEBHOOK_TIMEOUT_MS);
  }
}
