// S5 webhook deliveries (docs/flows.md "S5") through an outbox: each
// (webhook, event) delivery is a stored flow object, pending until a 2xx
// answer or the last attempt. The host that ran the matching delivers in the
// background, retrying with doubling back-off; a host that stops leaves the
// unfinished deliveries pending, and any host resumes them when it starts.
// Delivery is at least once: receivers dedupe by `x-gridsettle-event`.
import type { ApiContext } from '../api/context.js';
import type { FlowObject } from '../store/flow-store.js';
import { signBatch } from '../ingest/signature.js';
import { WEBHOOK_ATTEMPTS_MAX, WEBHOOK_BACKOFF_BASE_MS, WEBHOOK_TIMEOUT_MS, WEBHOOKS_PER_PARTY_MAX, FLOW_LIST_LIMIT_MAX } from '../limits.js';
import { EVENT_KIND, eventView, WEBHOOK_KIND, type MatchEventBody, type WebhookBody } from './matching-push.js';

const DELIVERY_KIND = 'match-delivery';
const PENDING = 'pending';

interface DeliveryBody extends Record<string, unknown> {
  webhookId: string;
  eventId: string;
  attempts: number;
  lastStatus: number | null;
}

/** Delivers stored events to their parties' webhooks in the background; `settled` resolves when every delivery under way ended. */
export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly context: ApiContext, private readonly backoffBaseMs = WEBHOOK_BACKOFF_BASE_MS) {}

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

  /** Starts every delivery left pending (by this host or another that stopped). */
  async resume(): Promise<void> {
    for (const delivery of await this.context.store.flows.list<DeliveryBody>(DELIVERY_KIND, { groupKey: PENDING, limit: FLOW_LIST_LIMIT_MAX })) {
      this.start(delivery.id);
    }
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops retrying (shutdown): attempts under way finish, the rest stay pending for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.settled();
  }

  private start(deliveryId: string): void {
    const run = this.deliver(deliveryId).catch(() => undefined);
    this.inFlight.add(run);
    void run.then(() => this.inFlight.delete(run));
  }

  private async deliver(deliveryId: string): Promise<void> {
    const { flows } = this.context.store;
    const stored = await flows.get<DeliveryBody>(DELIVERY_KIND, deliveryId);
    if (stored === null || stored.groupKey !== PENDING) return;
    const hook = await flows.get<WebhookBody>(WEBHOOK_KIND, stored.body.webhookId);
    const event = await flows.get<MatchEventBody>(EVENT_KIND, stored.body.eventId);
    if (hook === null || event === null) return;
    const secret = flows.openSecret(`${WEBHOOK_KIND}:${hook.id}`, hook.body.secretSealed);
    const body = Buffer.from(JSON.stringify(eventView(event)));
    let delivery: FlowObject<DeliveryBody> = stored;
    while (!this.stopped) {
      const lastStatus = await this.attempt(hook.body.url, secret, event.id, body);
      const attempts: number = delivery.body.attempts + 1;
      const delivered = lastStatus !== null && lastStatus >= 200 && lastStatus < 300;
      const state = delivered ? 'delivered' : attempts >= WEBHOOK_ATTEMPTS_MAX ? 'failed' : PENDING;
      const current = delivery;
      delivery = await flows.transact(`${DELIVERY_KIND}:${deliveryId}`, (tx) => tx.update<DeliveryBody>(current, { ...current.body, attempts, lastStatus }, this.context.nowMs(), state));
      if (state !== PENDING) return;
      await new Promise((resolve) => setTimeout(resolve, this.backoffBaseMs * 2 ** (attempts - 1)));
    }
  }

  /** One POST; the response status, or null when none came (refused, timed out). */
  private async attempt(url: string, secret: Uint8Array, eventId: string, body: Buffer): Promise<number | null> {
    const timestamp = String(this.context.nowMs());
    try {
      const response = await fetch(url, {
        method: 'POST', body, signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
        headers: { 'content-type': 'application/json', 'x-gridsettle-event': eventId, 'x-timestamp': timestamp, 'x-signature': signBatch(secret, timestamp, body) },
      });
      await response.body?.cancel();
      return response.status;
    } catch {
      return null;
    }
  }
}
