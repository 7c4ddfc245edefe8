// S3 pre-authorised settlement, the steps (docs/flows.md "S3"): register an
// apparatus, authorise (a pending transfer from the vehicle's wallet to the
// apparatus owner's), capture (post ≤ the hold) or void. The ledger is the
// source of truth for the hold's fate; the flow object keeps the request,
// whether it was declined, and the index of the settlement record.
import type { ApiContext } from '../api/context.js';
import { notFoundUnlessVisible } from '../api/auth.js';
import { ApiError } from '../api/errors.js';
import { currencyExponent, formatMinorAmount } from '../currency.js';
import type { PostTransfer, VoidTransfer } from '../ledger/types.js';
import type { Party } from '../store/party-store.js';
import type { FlowBody, FlowObject } from '../store/flow-store.js';
import { FlowError } from './errors.js';
import { FLOW_TRANSFER_CODES, walletAccountId } from './ledger-bridge.js';
import {
  changeFlowObject, claimFlowObject, openMissingWallets, parseMinorAmount, sameJson, type Recorded,
} from './flow-steps.js';
import {
  APPARATUS_KIND, AUTHORISATION_KIND, SETTLEMENT_RECORD, authorisationStatus, captureRefusal, captureTransferId, expiryVoidId,
  holdTimeoutMs, holdTransferId, refusedCaptureError, refusedVoidError, voidRefusal, voidTransferId, type AuthorisationStatus, type HoldFacts,
} from './preauth-rules.js';
import { recordOnce } from './flow-records.js';

export interface ApparatusBody extends FlowBody {
  name: string;
  currency: string;
}

interface AuthorisationRequest extends FlowBody {
  apparatusId: string;
  vehicleId: string;
  service: string;
  amountMicro: string;
  timeoutMs: number;
  ts: number;
}

interface AuthorisationBody extends Recorded {
  request: AuthorisationRequest;
  vehiclePartyId: string;
  apparatusOwnerPartyId: string;
  currency: string;
  declined: boolean;
}

type Authorisation = FlowObject<AuthorisationBody>;

export interface AuthoriseInput {
  id: string;
  apparatusId: string;
  vehicleId: string;
  amount: string;
  service?: string;
  timeoutMs?: number;
  ts: number;
}

export async function registerApparatus(
  context: ApiContext, owner: Party, input: { id: string; name: string; currency: string },
): Promise<FlowObject<ApparatusBody>> {
  currencyExponent(input.currency);
  const body: ApparatusBody = { name: input.name, currency: input.currency };
  return claimFlowObject(
    context, { kind: APPARATUS_KIND, id: input.id, ownerPartyId: owner.partyId, body },
    (stored) => stored.ownerPartyId === owner.partyId && sameJson(stored.body, body),
    () => new ApiError('already_exists', `apparatus ${input.id} is registered with other details`),
  );
}

async function holdFacts(context: ApiContext, authorisationId: string): Promise<HoldFacts> {
  const ids = [holdTransferId, captureTransferId, voidTransferId, expiryVoidId].map((derive) => derive(authorisationId));
  const rows = await context.ledger.transfers(ids);
  const hold = rows.get(ids[0]!);
  const capture = rows.get(ids[1]!);
  return {
    hold: hold === undefined ? null : { amountMicro: hold.amountMicro, expiresAtMs: hold.expiresAtMs! },
    capture: capture === undefined ? null : { amountMicro: capture.amountMicro },
    voided: rows.has(ids[2]!),
    expiredVoid: rows.has(ids[3]!),
  };
}

async function statusOf(context: ApiContext, authorisation: Authorisation) {
  const facts = await holdFacts(context, authorisation.id);
  return { facts, status: authorisationStatus(authorisation.body.declined, facts, context.nowMs()) };
}

/** The authorisation as its vehicle, its apparatus owner and read-all roles see it. */
export async function authorisationView(context: ApiContext, authorisation: Authorisation) {
  const { facts, status } = await statusOf(context, authorisation);
  const { request, currency } = authorisation.body;
  const authorisedMicro = BigInt(request.amountMicro);
  const capturedMicro = facts.capture?.amountMicro ?? null;
  const released = status === 'settlement_completed' ? authorisedMicro - capturedMicro! : status === 'voided' || status === 'expired' ? authorisedMicro : null;
  return {
    id: authorisation.id, status, apparatusId: request.apparatusId, apparatusOwnerPartyId: authorisation.body.apparatusOwnerPartyId,
    vehiclePartyId: authorisation.body.vehiclePartyId, vehicleId: request.vehicleId, service: request.service, currency,
    authorised: formatMinorAmount(authorisedMicro, currency),
    captured: capturedMicro === null ? null : formatMinorAmount(capturedMicro, currency),
    released: released === null ? null : formatMinorAmount(released, currency),
    timeoutMs: request.timeoutMs, ts: request.ts, expiresAtMs: facts.hold?.expiresAtMs ?? null,
    holdTransferId: facts.hold === null ? null : holdTransferId(authorisation.id),
    captureTransferId: facts.capture === null ? null : captureTransferId(authorisation.id),
    recordIndex: authorisation.body.recordIndex,
  };
}

/** The authorisation, or 404 when it does not exist or the caller is neither its vehicle, its apparatus owner nor a read-all role. */
export async function visibleAuthorisation(context: ApiContext, caller: Party, id: string): Promise<Authorisation> {
  const authorisation = await context.store.flows.get<AuthorisationBody>(AUTHORISATION_KIND, id);
  if (authorisation === null) throw new ApiError('not_found', `authorisation ${id} not found`);
  notFoundUnlessVisible(caller, [authorisation.body.vehiclePartyId, authorisation.body.apparatusOwnerPartyId], `authorisation ${id}`);
  return authorisation;
}

async function placeHold(context: ApiContext, authorisation: Authorisation): Promise<void> {
  const { request, vehiclePartyId, apparatusOwnerPartyId, currency } = authorisation.body;
  await openMissingWallets(context, [vehiclePartyId, apparatusOwnerPartyId], currency);
  const [result] = await context.ledger.createTransfers([{
    type: 'pending', id: holdTransferId(authorisation.id), debit: walletAccountId(vehiclePartyId, currency),
    credit: walletAccountId(apparatusOwnerPartyId, currency), amountMicro: BigInt(request.amountMicro), currency,
    code: FLOW_TRANSFER_CODES.preauthHold, ts: request.ts, timeoutMs: request.timeoutMs,
  }], context.nowMs());
  if (result === 'ok' || result === 'exists') return;
  if (result !== 'insufficient_funds') throw new FlowError('ledger_refused', `hold of authorisation ${authorisation.id}: ${result}`);
  await changeFlowObject<AuthorisationBody>(context, AUTHORISATION_KIND, authorisation.id, (body) => (body.declined ? null : { ...body, declined: true }));
}

/**
 * Authorises up to `amount` for a service at an apparatus: holds it in the
 * vehicle's wallet until captured, voided or expired. A wallet that cannot
 * cover it declines the authorisation for good (`insufficient_funds`; the
 * same request answers the same); a new authorisation needs a new id.
 */
export async function authorise(context: ApiContext, vehicle: Party, input: AuthoriseInput) {
  const apparatus = await context.store.flows.get<ApparatusBody>(APPARATUS_KIND, input.apparatusId);
  if (apparatus === null) throw new ApiError('not_found', `apparatus ${input.apparatusId} not found`);
  const { currency } = apparatus.body;
  const request: AuthorisationRequest = {
    apparatusId: input.apparatusId, vehicleId: input.vehicleId, service: input.service ?? '',
    amountMicro: String(parseMinorAmount(input.amount, 'amount', currency)), timeoutMs: holdTimeoutMs(input.timeoutMs), ts: input.ts,
  };
  const body: AuthorisationBody = {
    request, vehiclePartyId: vehicle.partyId, apparatusOwnerPartyId: apparatus.ownerPartyId, currency, declined: false, recordIndex: null,
  };
  const authorisation = await claimFlowObject(
    context, { kind: AUTHORISATION_KIND, id: input.id, ownerPartyId: vehicle.partyId, groupKey: input.apparatusId, body },
    (stored) => stored.body.vehiclePartyId === vehicle.partyId && sameJson(stored.body.request, request),
    () => new FlowError('authorisation_conflict', `authorisation ${input.id} was requested before with another body`),
  );
  if (!authorisation.body.declined) await placeHold(context, authorisation);
  const view = await authorisationView(context, (await context.store.flows.get<AuthorisationBody>(AUTHORISATION_KIND, input.id))!);
  if (view.status === 'declined') {
    throw new FlowError('insufficient_funds', `authorisation ${input.id} is declined: the vehicle's wallet does not cover ${view.authorised} ${currency}`);
  }
  return view;
}

function settlementRecord(authorisation: Authorisation, capturedMicro: bigint): Record<string, unknown> {
  const { request, currency, vehiclePartyId, apparatusOwnerPartyId } = authorisation.body;
  return {
    status: 'settlement_completed', id: authorisation.id, apparatusId: request.apparatusId, service: request.service,
    vehicleId: request.vehicleId, currency, authorised: formatMinorAmount(BigInt(request.amountMicro), currency),
    captured: formatMinorAmount(capturedMicro, currency), holdTransferId: holdTransferId(authorisation.id),
    captureTransferId: captureTransferId(authorisation.id), parties: [vehiclePartyId, apparatusOwnerPartyId],
  };
}

/** Posts the hold's capture or void; a refusal is judged by the status the authorisation is left in (null: fine after all). */
async function resolveHold(
  context: ApiContext, authorisation: Authorisation, event: PostTransfer | VoidTransfer,
  refused: (status: AuthorisationStatus, ledgerResult: string) => FlowError | null,
): Promise<void> {
  const [result] = await context.ledger.createTransfers([event], context.nowMs());
  if (result === 'ok' || result === 'exists') return;
  const error = refused((await statusOf(context, authorisation)).status, result!);
  if (error !== null) throw error;
}

/** The apparatus owner captures the actual amount (≤ the hold): it is paid, the rest released, and the settlement recorded. */
export async function capture(context: ApiContext, caller: Party, id: string, input: { amount: string; ts: number }) {
  const authorisation = await visibleAuthorisation(context, caller, id);
  if (caller.partyId !== authorisation.body.apparatusOwnerPartyId) {
    throw new ApiError('forbidden', 'only the apparatus owner captures an authorisation');
  }
  const amountMicro = parseMinorAmount(input.amount, 'amount', authorisation.body.currency);
  const { status } = await statusOf(context, authorisation);
  const refusal = captureRefusal(status, BigInt(authorisation.body.request.amountMicro), amountMicro);
  if (refusal !== null) throw refusal;
  const event: PostTransfer = { type: 'post', id: captureTransferId(id), pendingId: holdTransferId(id), amountMicro, ts: input.ts };
  await resolveHold(context, authorisation, event, refusedCaptureError);
  // `ok` or `exists` (the same body): the ledger holds exactly this capture.
  const current = (await context.store.flows.get<AuthorisationBody>(AUTHORISATION_KIND, id))!;
  return authorisationView(context, await recordOnce(context, current, SETTLEMENT_RECORD, settlementRecord(current, amountMicro), 'recordIndex'));
}

/** The vehicle or the apparatus owner releases the hold without payment. */
export async function voidAuthorisation(context: ApiContext, caller: Party, id: string, input: { ts: number }) {
  const authorisation = await visibleAuthorisation(context, caller, id);
  const { vehiclePartyId, apparatusOwnerPartyId } = authorisation.body;
  if (caller.partyId !== vehiclePartyId && caller.partyId !== apparatusOwnerPartyId) {
    throw new ApiError('forbidden', 'only the vehicle or the apparatus owner voids an authorisation');
  }
  const { status } = await statusOf(context, authorisation);
  const refusal = voidRefusal(status);
  if (refusal !== null) throw refusal;
  if (status === 'settlement_possible') {
    const event: VoidTransfer = { type: 'void', id: voidTransferId(id), pendingId: holdTransferId(id), ts: input.ts };
    await resolveHold(context, authorisation, event, refusedVoidError);
  }
  return authorisationView(context, authorisation);
}
