// S5 results pushed to both sides (docs/flows.md "S5"). Every assignment
// becomes one stored event per party involved (kind `match-event`, ids in
// one increasing sequence), so any host can serve them: an event stream
// (server-sent events) polls the store and resumes from `Last-Event-ID`;
// a party's webhooks get each event POSTed, signed like ingest batches
// (HMAC-SHA256 over timestamp and body, keyed with the secret's text),
// retried with doubling back-off.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiContext } from '../api/context.js';
import type { FlowObject, FlowTransaction } from '../store/flow-store.js';
import { limitExceeded } from '../errors.js';
import {
  MATCHING_STREAM_HEARTBEAT_MS, MATCHING_STREAM_POLL_MS, WEBHOOKS_PER_PARTY_MAX,
} from '../limits.js';

export const EVENT_KIND = 'match-event';
export const WEBHOOK_KIND = 'match-webhook';
const COUNTER_KIND = 'match-counter';
const EVENT_PAGE = 100;
const WEBHOOK_SECRET_BYTES = 32;

export interface MatchEventBody extends Record<string, unknown> {
  run: string;
  assignment: Record<string, unknown>;
}

export interface WebhookBody extends Record<string, unknown> {
  url: string;
  secretSealed: string;
}

/** Appends one event per party inside the run's transaction; ids are zero-padded so bytewise order is sequence order. */
export async function storeEvents(tx: FlowTransaction, nowMs: number, events: ReadonlyArray<{ partyId: string; body: MatchEventBody }>): Promise<string[]> {
  const counter = await tx.get<{ next: number }>(COUNTER_KIND, 'events');
  let next = counter?.body.next ?? 1;
  const ids: string[] = [];
  for (const event of events) {
    const id = String(next++).padStart(15, '0');
    await tx.insert({ kind: EVENT_KIND, id, ownerPartyId: event.partyId, body: event.body }, nowMs);
    ids.push(id);
  }
  if (counter === null) await tx.insert({ kind: COUNTER_KIND, id: 'events', ownerPartyId: 'operator', body: { next } }, nowMs);
  else await tx.update(counter, { next }, nowMs);
  return ids;
}

export function eventView(event: FlowObject<MatchEventBody>) {
  return { id: event.id, party: event.ownerPartyId, ...event.body };
}

/** Open event streams of this host, closed before the app closes (an open stream would hold the server). */
export class EventStreams {
  private readonly open = new Set<() => void>();

  closeAll(): void {
    for (const close of this.open) close();
  }

  /** Streams the caller's events after `afterId`, then new ones as they are stored, until the client goes. */
  async serve(context: ApiContext, request: FastifyRequest, reply: FastifyReply, partyId: string, afterId: string | undefined): Promise<void> {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    raw.write(': gridsettle matching events\n\n');
    let closed = false;
    let wake: (() => void) | null = null;
    const close = () => {
      closed = true;
      wake?.();
    };
    this.open.add(close);
    request.raw.on('close', close);
    let cursor = afterId;
    let idleMs = 0;
    try {
      while (!closed) {
        const events = await context.store.flows.list<MatchEventBody>(EVENT_KIND, { ownerPartyId: partyId, limit: EVENT_PAGE, ...(cursor === undefined ? {} : { afterId: cursor }) });
        for (const event of events) raw.write(`id: ${event.id}\nevent: assignment\ndata: ${JSON.stringify(eventView(event))}\n\n`);
        if (events.length > 0) cursor = events[events.length - 1]!.id;
        idleMs = events.length > 0 ? 0 : idleMs + MATCHING_STREAM_POLL_MS;
        if (idleMs >= MATCHING_STREAM_HEARTBEAT_MS) {
          raw.write(': keep-alive\n\n');
          idleMs = 0;
        }
        if (events.length < EVENT_PAGE) await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, MATCHING_STREAM_POLL_MS).unref();
        });
      }
    } finally {
      this.open.delete(close);
      raw.end();
    }
  }
}

/**
 * Registers a webhook for `partyId` (its URL checked by the caller); its
 * signing secret is returned once and stored only sealed. The secret is
 * text (64 hex digits) and the HMAC key is that text as is, as for gateway
 * secrets, so `openssl dgst -sha256 -hmac "$SECRET"` verifies a delivery.
 */
export async function registerWebhook(context: ApiContext, partyId: string, url: string): Promise<{ webhook: FlowObject<WebhookBody>; secret: string }> {
  const id = `wh-${randomBytes(8).toString('hex')}`;
  const secret = randomBytes(WEBHOOK_SECRET_BYTES).toString('hex');
  const body: WebhookBody = { url, secretSealed: context.store.flows.sealSecret(`${WEBHOOK_KIND}:${id}`, Buffer.from(secret, 'utf8')) };
  const webhook = await context.store.flows.transact(`${WEBHOOK_KIND}:${partyId}`, async (tx) => {
    const existing = await tx.list(WEBHOOK_KIND, { ownerPartyId: partyId, limit: WEBHOOKS_PER_PARTY_MAX });
    if (existing.length >= WEBHOOKS_PER_PARTY_MAX) throw limitExceeded('WEBHOOKS_PER_PARTY_MAX', `a party registers at most ${WEBHOOKS_PER_PARTY_MAX} webhooks`);
    await tx.insert({ kind: WEBHOOK_KIND, id, ownerPartyId: partyId, body }, context.nowMs());
    return (await tx.get<WebhookBody>(WEBHOOK_KIND, id))!;
  });
  return { webhook, secret };
}
