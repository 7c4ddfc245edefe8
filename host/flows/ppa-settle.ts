// S2 settle step for one delivery window of an accepted PPA: measure the supplier's
// export over the window, claim the window's next revision under the PPA's
// lock (the volume cap reads every other window's delivery there), move the
// money, record the delivery under the agreement, mark the revision done. A
// refused transfer releases the claim; a crash leaves it pending, and the
// next call for the window completes it with the same transfer id.
import type { ApiContext } from '../api/context.js';
import { PPA_RECORD } from '../api/ledger-access.js';
import { FLOW_CONTRACT_WINDOWS_MAX } from '../limits.js';
import type { FlowObject, FlowReader } from '../store/flow-store.js';
import { checkWindow, type SettlementWindow } from './contract-windows.js';
import { FlowError } from './errors.js';
import { appendFlowRecord, flowRecordId, postTransfers } from './ledger-bridge.js';
import { meteredWindowEnergy, type WindowEnergy } from './metered-energy.js';
import {
  currentRevision, deliveryId, deliveryRecord, nextRevision, PPA_DELIVERY_KIND, PPA_KIND, revisionTransfer,
  type PpaBody, type PpaDeliveryBody,
} from './ppa-rules.js';

export interface SettledWindow {
  delivery: FlowObject<PpaDeliveryBody>;
  /** False when the window's figures were already settled: nothing was posted or recorded. */
  posted: boolean;
}

const lockOf = (ppaId: string): string => `${PPA_KIND}:${ppaId}`;

export async function settleDeliveryWindow(context: ApiContext, ppa: FlowObject<PpaBody>, window: SettlementWindow): Promise<SettledWindow> {
  const { period, windowMs, meters } = ppa.body;
  if (ppa.body.status !== 'accepted') throw new FlowError('not_accepted', `PPA ${ppa.id} is ${ppa.body.status}: it settles only once its transmission company accepts it`);
  checkWindow({ fromMs: period.from, toMs: period.to, windowMs }, window, context.nowMs());
  const metered = await meteredWindowEnergy(context.store.readings, meters, window, 'export');
  const claimed = await claimRevision(context, ppa, window, metered);
  if (claimed.body.pending === null) return { delivery: claimed, posted: false };
  return { delivery: await completeRevision(context, ppa, claimed), posted: true };
}

/** The PPA's deliveries (at most one per window, so one list holds them all). */
export function listDeliveries(reader: FlowReader, ppaId: string): Promise<Array<FlowObject<PpaDeliveryBody>>> {
  return reader.list<PpaDeliveryBody>(PPA_DELIVERY_KIND, { groupKey: ppaId, limit: FLOW_CONTRACT_WINDOWS_MAX });
}

async function claimRevision(context: ApiContext, ppa: FlowObject<PpaBody>, window: SettlementWindow, metered: WindowEnergy): Promise<FlowObject<PpaDeliveryBody>> {
  const id = deliveryId(ppa.id, window);
  return context.store.flows.transact(lockOf(ppa.id), async (transaction) => {
    const deliveries = await listDeliveries(transaction, ppa.id);
    const existing = deliveries.find((delivery) => delivery.id === id) ?? null;
    if (existing !== null && existing.body.pending !== null) return existing;
    let deliveredElsewhereMWh = 0n;
    for (const delivery of deliveries) {
      if (delivery.id !== id) deliveredElsewhereMWh += BigInt(currentRevision(delivery.body)?.deliveredMWh ?? 0);
    }
    const current = existing === null ? null : currentRevision(existing.body);
    const pending = nextRevision(ppa.id, ppa.body, window, metered, deliveredElsewhereMWh, current);
    if (existing !== null && pending === null) return existing;
    if (existing !== null) return transaction.update(existing, { ...existing.body, pending }, context.nowMs());
    const body: PpaDeliveryBody = { ppa: ppa.id, window, revisions: [], pending };
    await transaction.insert({ kind: PPA_DELIVERY_KIND, id, ownerPartyId: ppa.body.supplier, groupKey: ppa.id, body }, context.nowMs());
    return (await transaction.get<PpaDeliveryBody>(PPA_DELIVERY_KIND, id))!;
  });
}

async function completeRevision(context: ApiContext, ppa: FlowObject<PpaBody>, delivery: FlowObject<PpaDeliveryBody>): Promise<FlowObject<PpaDeliveryBody>> {
  const { window, revisions } = delivery.body;
  const pending = delivery.body.pending!;
  const lastTransferId = revisions.map((revision) => revision.transferId).filter((transferId) => transferId !== null).at(-1);
  const transfer = revisionTransfer(ppa.body, window, pending, lastTransferId === undefined ? [] : [lastTransferId]);
  if (transfer !== null) {
    try {
      await postTransfers(context, [transfer]);
    } catch (error) {
      if (error instanceof FlowError) await releaseClaim(context, ppa.id, delivery.id, pending.revision);
      throw error;
    }
  }
  const correctsLeaf = revisions.at(-1)?.leafIndex ?? null;
  const leafIndex = await appendFlowRecord(context, flowRecordId(PPA_RECORD, delivery.id, String(pending.revision)), PPA_RECORD, deliveryRecord(ppa.id, ppa.body, window, pending, correctsLeaf));
  return context.store.flows.transact(lockOf(ppa.id), async (transaction) => {
    const current = (await transaction.get<PpaDeliveryBody>(PPA_DELIVERY_KIND, delivery.id))!;
    if (current.body.pending?.revision !== pending.revision) {
      throw new FlowError('flow_conflict', `delivery ${delivery.id} revision ${pending.revision} was completed by another request`);
    }
    const done = [...current.body.revisions, { ...pending, leafIndex }];
    return transaction.update(current, { ...current.body, revisions: done, pending: null }, context.nowMs());
  });
}

/** Drops a claimed revision whose transfer the ledger refused, so the window is as it was. */
async function releaseClaim(context: ApiContext, ppaId: string, id: string, revision: number): Promise<void> {
  await context.store.flows.transact(lockOf(ppaId), async (transaction) => {
    const current = await transaction.get<PpaDeliveryBody>(PPA_DELIVERY_KIND, id);
    if (current !== null && current.body.pending?.revision === revision) await transaction.update(current, { ...current.body, pending: null }, context.nowMs());
  });
}
