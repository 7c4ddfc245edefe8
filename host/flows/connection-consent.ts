// S9 consent before any debit: the holder of a grid connection point decides
// whether other parties' mobile assets may bill their connection events to
// it. A standing consent (granted or revoked by the holder, each change a
// ledger record of kind `gcp-consent`) makes such events billable when they
// are reported; without it they are held, and the holder accepts each (then
// the point's next settle step bills it) or disputes it (never billed), each
// decision a ledger record of kind `connection-decision`. Every change is
// stored first and then recorded once (recordOnce), so a retry never records twice.
import type { ApiContext } from '../api/context.js';
import type { FlowBody, FlowObject } from '../store/flow-store.js';
import {
  CONNECTION_EVENT_KIND, decisionRecord, eventGroup, type ConnectionEventBody, type EventAttribution, type GcpBody, type HolderDecision,
} from './connection-rules.js';
import { FlowError } from './errors.js';
import { recordOnce } from './flow-records.js';
import { flowRecordId } from './ledger-bridge.js';

export const CONSENT_KIND = 'gcp-consent';
export const DECISION_RECORD = 'connection-decision';

export interface ConsentBody extends FlowBody {
  gcp: string;
  holder: string;
  granted: boolean;
  /** Counts the changes (1 for the first); each has its own ledger record. */
  change: number;
  changedAtMs: number;
  leafIndex: number | null;
}

function consentRecord(consent: ConsentBody, gcp: GcpBody): Record<string, unknown> {
  return {
    gcp: consent.gcp, holder: consent.holder, operator: gcp.operator, parties: [...new Set([consent.holder, gcp.operator])],
    attributionConsent: consent.granted ? 'granted' : 'revoked', change: consent.change, ts: consent.changedAtMs,
  };
}

/** Sets the holder's standing consent on the point; a request that changes nothing records nothing. */
export async function setConsent(context: ApiContext, gcpId: string, gcp: GcpBody, granted: boolean): Promise<FlowObject<ConsentBody>> {
  const changed = await context.store.flows.transact(`${CONSENT_KIND}:${gcpId}`, async (transaction) => {
    const current = await transaction.get<ConsentBody>(CONSENT_KIND, gcpId);
    if (current !== null && current.body.granted === granted) return current;
    const nowMs = context.nowMs();
    const body: ConsentBody = { gcp: gcpId, holder: gcp.holder, granted, change: (current?.body.change ?? 0) + 1, changedAtMs: nowMs, leafIndex: null };
    if (current !== null) return transaction.update(current, body, nowMs);
    await transaction.insert({ kind: CONSENT_KIND, id: gcpId, ownerPartyId: gcp.holder, body }, nowMs);
    return (await transaction.get<ConsentBody>(CONSENT_KIND, gcpId))!;
  });
  const recordId = flowRecordId(CONSENT_KIND, gcpId, String(changed.body.change));
  return recordOnce(context, changed, CONSENT_KIND, consentRecord(changed.body, gcp), 'leafIndex', recordId);
}

export function consentOf(context: ApiContext, gcpId: string): Promise<FlowObject<ConsentBody> | null> {
  return context.store.flows.get<ConsentBody>(CONSENT_KIND, gcpId);
}

/** How an event reported now is attributed: to its owner, or to another holder with (recorded) consent, or held. */
export async function attributionOf(context: ApiContext, gcpId: string, owner: string, attributedTo: string): Promise<EventAttribution> {
  if (attributedTo === owner) return 'own';
  const consent = await consentOf(context, gcpId);
  return consent !== null && consent.body.granted && consent.body.leafIndex !== null ? 'consented' : 'held';
}

/** The holder accepts (billable from now on) or disputes (never billed) a held event; repeating the same decision answers it again. */
export async function decideEvent(
  context: ApiContext, event: FlowObject<ConnectionEventBody>, gcp: GcpBody, decision: HolderDecision,
): Promise<FlowObject<ConnectionEventBody>> {
  const state = decision === 'accepted' ? 'open' : 'disputed';
  const decided = await context.store.flows.transact(`${CONNECTION_EVENT_KIND}:${event.id}`, async (transaction) => {
    const current = (await transaction.get<ConnectionEventBody>(CONNECTION_EVENT_KIND, event.id))!;
    if (current.body.decidedAtMs !== null && current.body.state === state) return current;
    if (current.body.state !== 'held') throw new FlowError('invalid_state', `connection event ${event.id} is not held for its holder (it is ${current.body.settlement === null ? current.body.state : 'settled'})`);
    const nowMs = context.nowMs();
    return transaction.update(current, { ...current.body, state, decidedAtMs: nowMs }, nowMs, eventGroup(current.body.gcp, state));
  });
  const recordId = flowRecordId(DECISION_RECORD, event.id);
  return recordOnce(context, decided, DECISION_RECORD, decisionRecord(event.id, decided.body, gcp), 'decisionLeafIndex', recordId);
}
