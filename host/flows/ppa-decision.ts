// S2 acceptance step: the transmission company a PPA names accepts it (then
// its deliveries settle) or declines it (then none ever does), once, and no
// later than the start of its period. The decision is stored first, then
// appended as a ledger record under the agreement (recordOnce), so a retry
// or a crash in between never records it twice.
import type { ApiContext } from '../api/context.js';
import { PPA_RECORD } from '../api/ledger-access.js';
import type { FlowObject } from '../store/flow-store.js';
import { FlowError } from './errors.js';
import { recordOnce } from './flow-records.js';
import { flowRecordId } from './ledger-bridge.js';
import { decisionRecord, PPA_KIND, type PpaBody, type PpaDecision } from './ppa-rules.js';

/** Stores `decision` unless the PPA already has it; any other decision is invalid_state, a late acceptance ppa_period_started. */
async function storeDecision(context: ApiContext, ppa: FlowObject<PpaBody>, decision: PpaDecision): Promise<FlowObject<PpaBody>> {
  return context.store.flows.transact(`${PPA_KIND}:${ppa.id}`, async (transaction) => {
    const current = (await transaction.get<PpaBody>(PPA_KIND, ppa.id))!;
    if (current.body.status === decision) return current;
    if (current.body.status !== 'proposed') throw new FlowError('invalid_state', `PPA ${ppa.id} was ${current.body.status} already`);
    const nowMs = context.nowMs();
    if (decision === 'accepted' && nowMs > current.body.period.from) {
      throw new FlowError('ppa_period_started', `PPA ${ppa.id}'s period started at ${current.body.period.from}: it cannot take effect before its acceptance`);
    }
    return transaction.update(current, { ...current.body, status: decision, decidedAtMs: nowMs }, nowMs);
  });
}

export async function decidePpa(context: ApiContext, ppa: FlowObject<PpaBody>, decision: PpaDecision): Promise<FlowObject<PpaBody>> {
  if (ppa.body.leafIndex === null) throw new FlowError('invalid_state', `PPA ${ppa.id} is not recorded yet: its supplier repeats its creation`);
  const decided = await storeDecision(context, ppa, decision);
  const recordId = flowRecordId(PPA_RECORD, PPA_KIND, ppa.id, 'decision');
  return recordOnce(context, decided, PPA_RECORD, decisionRecord(ppa.id, decided.body), 'decisionLeafIndex', recordId);
}
