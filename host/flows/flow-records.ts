// Flow objects whose ledger record is appended once: the object is stored
// first with `leafIndex: null`, then the record is appended under an id
// derived from the object and its index stored. A retry finds the index, or
// after a crash between the two the ledger finds the record by its id, so it
// is never appended twice.
import type { ApiContext } from '../api/context.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import type { FlowBody, FlowObject, NewFlowObject } from '../store/flow-store.js';
import { appendFlowRecord, flowRecordId } from './ledger-bridge.js';

export interface RecordedBody extends FlowBody {
  leafIndex: number | null;
}

/** Inserts `object` unless (kind, id) exists; answers the stored object and whether this call created it. */
export async function insertOrExisting<T extends FlowBody>(
  context: ApiContext, object: NewFlowObject<T>,
): Promise<{ object: FlowObject<T>; created: boolean }> {
  return context.store.flows.transact(`${object.kind}:${object.id}`, async (transaction) => {
    const created = await transaction.insert(object, context.nowMs());
    return { object: (await transaction.get<T>(object.kind, object.id))!, created };
  });
}

/**
 * Appends the object's record unless its index is stored (in `indexField`:
 * `leafIndex` here, `recordIndex` in the payment flows), then stores the index.
 * An object with a second record (a PPA's acceptance) names it by its own `recordId`.
 */
export async function recordOnce<T extends FlowBody & Record<K, number | null>, K extends string = 'leafIndex'>(
  context: ApiContext, object: FlowObject<T>, recordKind: string, recordBody: Record<string, unknown>, indexField = 'leafIndex' as K,
  recordId = flowRecordId(recordKind, object.kind, object.id),
): Promise<FlowObject<T>> {
  if (object.body[indexField] !== null) return object;
  const index = await appendFlowRecord(context, recordId, recordKind, recordBody);
  return context.store.flows.transact(`${object.kind}:${object.id}`, async (transaction) => {
    const current = (await transaction.get<T>(object.kind, object.id))!;
    if (current.body[indexField] !== null) return current;
    return transaction.update<T>(current, { ...current.body, [indexField]: index }, context.nowMs());
  });
}

/** Whether two bodies agree on everything but the `ignored` members (a repeated create with the same terms). */
export function sameTerms(stored: object, requested: object, ignored: readonly string[]): boolean {
  const terms = (body: object) => canonicalJson(Object.fromEntries(Object.entries(body).filter(([name]) => !ignored.includes(name))));
  return terms(stored) === terms(requested);
}
