// S9 settle step of one grid connection point: each open connection event
// (recorded first, if an earlier report stopped before its record) is priced
// at the point's price and paid by its attributed account to the point's
// network operator, with a transfer id derived from the event, so a retry
// never pays twice. Each event gets its own result (TigerBeetle style): one
// that cannot be paid stays open for the next run; the step itself succeeds.
import type { ApiContext } from '../api/context.js';
import { CONNECTION_SETTLE_EVENTS_MAX } from '../limits.js';
import type { FlowObject } from '../store/flow-store.js';
import {
  connectionRecord, CONNECTION_EVENT_KIND, eventGroup, formatServiceAmount, serviceAmountMicro, serviceTransfer,
  type ConnectionEventBody, type GcpBody,
} from './connection-rules.js';
import { flowErrorOf } from './errors.js';
import { recordOnce } from './flow-records.js';
import { postTransfers } from './ledger-bridge.js';

export interface EventSettlement {
  event: string;
  attributedTo: string;
  quantityMWh: number;
  amount: string;
  /** `settled`, or the flow error code that left the event open (insufficient_funds, ledger_refused, …). */
  result: string;
}

export interface PointSettlement {
  results: EventSettlement[];
  /** True when the point had more open events than one step settles: call again. */
  more: boolean;
}

async function settleEvent(context: ApiContext, event: FlowObject<ConnectionEventBody>, gcp: GcpBody): Promise<EventSettlement> {
  const recorded = await recordOnce(context, event, CONNECTION_EVENT_KIND, connectionRecord(event.id, event.body, gcp));
  const amountMicro = serviceAmountMicro(recorded.body, gcp);
  const transfer = serviceTransfer(event.id, recorded.body, gcp, amountMicro);
  const outcome = { event: event.id, attributedTo: event.body.attributedTo, quantityMWh: event.body.quantityMWh, amount: formatServiceAmount(amountMicro, gcp) };
  try {
    if (transfer !== null) await postTransfers(context, [transfer]);
  } catch (error) {
    const flowError = flowErrorOf(error);
    if (flowError === null) throw error;
    return { ...outcome, result: flowError.code };
  }
  await context.store.flows.transact(`${CONNECTION_EVENT_KIND}:${event.id}`, async (transaction) => {
    const current = (await transaction.get<ConnectionEventBody>(CONNECTION_EVENT_KIND, event.id))!;
    if (current.body.settlement !== null) return;
    const settlement = { amountMicro: String(amountMicro), transferId: transfer?.id ?? null };
    await transaction.update(current, { ...current.body, settlement }, context.nowMs(), eventGroup(current.body.gcp, 'settled'));
  });
  return { ...outcome, result: 'settled' };
}

/** Settles up to CONNECTION_SETTLE_EVENTS_MAX open events of the point, in event id order. */
export async function settleConnectionPoint(context: ApiContext, gcpId: string, gcp: GcpBody): Promise<PointSettlement> {
  const open = await context.store.flows.list<ConnectionEventBody>(CONNECTION_EVENT_KIND, { groupKey: eventGroup(gcpId, 'open'), limit: CONNECTION_SETTLE_EVENTS_MAX });
  const results: EventSettlement[] = [];
  for (const event of open) results.push(await settleEvent(context, event, gcp));
  return { results, more: open.length === CONNECTION_SETTLE_EVENTS_MAX };
}
