// Closing an S1 session (docs/flows.md "S1"), in steps that each survive a
// retry: (1) the metered energy of [startMs, endMs] is aggregated from the
// stored readings (SPEC §2 kernel) and priced at the chosen offer (SPEC §3
// kernel) or, under an OCPI tariff, as an OCPI CDR (ocpi-session.ts); the
// price is fixed on the session (state `closing`) and its meter freed; (2)
// the transfer `s1:session:<id>` moves the amount between the wallets; (3)
// the `ev-session` record goes to the ledger and the session is `closed`. A
// retry resumes from the session's state with the fixed price, so a close
// refused for insufficient funds completes after a top-up.
import type { ApiContext } from '../../api/context.js';
import { parseMicro } from '../../decimal.js';
import { aggregateChunk } from '../metered-energy.js';
import { invalidInput, limitExceeded } from '../../errors.js';
import { EV_OFFER_SLOT_GRID_MS, EV_SESSION_SPAN_MS_MAX, LEDGER_AMOUNT_MICRO_MAX } from '../../limits.js';
import type { FlowBody, FlowObject } from '../../store/flow-store.js';
import type { ReadingChunk } from '../../store/reading-store.js';
import { FlowError } from '../errors.js';
import { appendFlowRecord, flowRecordId, FLOW_TRANSFER_CODES, postTransfers, walletAccountId } from '../ledger-bridge.js';
import {
  CHARGE_POINT_KIND, CONNECTOR_KIND, OFFER_KIND, SESSION_KIND, SESSION_RECORD,
  sellerOf, type ChargePointBody, type ConnectorBody, type OfferBody, type SessionBody, type SessionSettlement,
} from './model.js';
import { priceOcpiSession, type MeteredIntervals, type OcpiPricedSession } from './ocpi-session.js';
import { priceAtOffer, type PricedEnergy } from './rules.js';
import type { CloseSessionBody } from './schemas.js';
import { safeNumber } from '../../exact.js';

/** The transfer that settles a session: one per session, so a retry answers `exists`. */
export function sessionTransferId(sessionId: string): string {
  return `s1:session:${sessionId}`;
}

function checkCloseWindow(context: ApiContext, session: SessionBody, close: CloseSessionBody): void {
  if (close.meterId !== session.meterId) throw invalidInput(`meterId ${close.meterId} is not the session's meter ${session.meterId}`);
  if (close.startMs < session.openedAtMs) throw invalidInput(`startMs ${close.startMs} is before the session was opened (${session.openedAtMs})`);
  if (close.endMs <= close.startMs) throw invalidInput('endMs must be after startMs');
  if (close.endMs > context.nowMs()) throw invalidInput(`endMs ${close.endMs} is in the future`);
  if (close.endMs - close.startMs > EV_SESSION_SPAN_MS_MAX) {
    throw limitExceeded('EV_SESSION_SPAN_MS_MAX', `a session spans at most ${EV_SESSION_SPAN_MS_MAX} ms`);
  }
}

/** A repeated close must name the same window and meter as the one that fixed the price. */
function checkSameClose(session: SessionBody, close: CloseSessionBody): void {
  const { startMs, endMs, meterId } = session.settlement!;
  if (startMs !== close.startMs || endMs !== close.endMs || meterId !== close.meterId) {
    throw new FlowError('invalid_state', `session ${session.id} is ${session.state} with [${startMs}, ${endMs}] on meter ${meterId}`);
  }
}

interface MeteredEnergy {
  intervals: MeteredIntervals;
  unassignedMWh: bigint;
  unassignedSpans: number;
}

/**
 * The energy of the session's channel (import: charging, export:
 * discharging) between the readings of its meter inside [startMs, endMs],
 * per 15-minute interval; pairs the aggregation leaves unassigned (gap,
 * spike, above the charge point's power) are reported, not billed.
 */
async function meteredEnergy(context: ApiContext, session: SessionBody, chargePoint: ChargePointBody, close: CloseSessionBody): Promise<MeteredEnergy> {
  let chunk: ReadingChunk | undefined;
  for await (const read of context.store.readings.readingsForMeters({
    meterIds: [close.meterId], fromMs: BigInt(close.startMs), toMs: BigInt(close.endMs) + 1n, boundaryReadings: false,
  })) chunk = read;
  if (chunk === undefined || chunk.columns.t.length < 2) {
    throw new FlowError('session_no_readings', `meter ${close.meterId} has fewer than two readings in [${close.startMs}, ${close.endMs}]`);
  }
  // The meter's own rating, capped by the charge point's: no session draws more than the point delivers.
  const rows = aggregateChunk(chunk, EV_OFFER_SLOT_GRID_MS, chargePoint.maxPowerW);
  const channel = session.mode === 'charge' ? 'import' : 'export';
  const unassigned = rows.unassigned.filter((entry) => entry.channel === channel);
  const unassignedMWh = unassigned.reduce((sum, entry) => sum + entry.mwh, 0n);
  return { intervals: { start: rows.start, energyMWh: session.mode === 'charge' ? rows.imp : rows.exp, flags: rows.flags }, unassignedMWh, unassignedSpans: unassigned.length };
}

async function flowBody<T extends FlowBody>(context: ApiContext, kind: string, id: string): Promise<T> {
  const object = await context.store.flows.get<T>(kind, id);
  if (object === null) throw new Error(`${kind} ${id} referenced by a session is missing`);
  return object.body;
}

/** The session's energy at the tariff it opened under: its offer's slot prices, or its copy of the OCPI tariff. */
async function priceMetered(
  context: ApiContext, session: SessionBody, intervals: MeteredIntervals, close: CloseSessionBody,
): Promise<PricedEnergy | OcpiPricedSession> {
  if (session.tariff.kind === 'ocpi') return priceOcpiSession(session.tariff, session.tariff.version, intervals, close);
  return priceAtOffer(await flowBody<OfferBody>(context, OFFER_KIND, session.offerId!), intervals);
}

/** Step 1: prices the session and fixes the price on it (state `closing`), freeing its meter for the next session. */
async function priceSession(context: ApiContext, session: SessionBody, close: CloseSessionBody): Promise<SessionBody> {
  checkCloseWindow(context, session, close);
  const chargePoint = await flowBody<ChargePointBody>(context, CHARGE_POINT_KIND, session.chargePointId);
  const metered = await meteredEnergy(context, session, chargePoint, close);
  const priced = await priceMetered(context, session, metered.intervals, close);
  const nowMs = context.nowMs();
  const settlement: SessionSettlement = {
    startMs: close.startMs, endMs: close.endMs, meterId: close.meterId,
    energyMWh: safeNumber(priced.energyMWh, 'energyMWh'), unassignedMWh: safeNumber(metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: metered.unassignedSpans,
    amount: priced.amount,
    transferId: priced.amountMicro === 0n ? null : sessionTransferId(session.id),
    pricedAtMs: nowMs, leafIndex: null, closedAtMs: null,
    ...('ocpi' in priced ? { ocpi: priced.ocpi } : {}),
  };
  return context.store.flows.transact(`${CONNECTOR_KIND}:${session.meterId}`, async (transaction) => {
    const current = (await transaction.get<SessionBody>(SESSION_KIND, session.id))!;
    if (current.body.state !== 'open') {
      checkSameClose(current.body, close);
      return current.body;
    }
    const connector = await transaction.get<ConnectorBody>(CONNECTOR_KIND, session.meterId);
    if (connector !== null && connector.body.sessionId === session.id) await transaction.update(connector, { ...connector.body, sessionId: null }, nowMs);
    return (await transaction.update(current, { ...current.body, state: 'closing', settlement }, nowMs)).body;
  });
}

function transferCode(session: SessionBody): number {
  if (session.tariff.kind === 'ocpi') return FLOW_TRANSFER_CODES.evOcpiCharging;
  return session.mode === 'charge' ? FLOW_TRANSFER_CODES.evCharging : FLOW_TRANSFER_CODES.evDischarging;
}

/** Step 2: charging moves the amount driver → seller (the supplier, or the owner under an OCPI tariff), discharging supplier → driver. */
async function postSessionTransfer(context: ApiContext, session: SessionBody): Promise<void> {
  const settlement = session.settlement!;
  if (settlement.transferId === null) return;
  const driverWallet = walletAccountId(session.driverPartyId, session.currency);
  const sellerWallet = walletAccountId(sellerOf(session), session.currency);
  const charging = session.mode === 'charge';
  await postTransfers(context, [{
    type: 'single', id: settlement.transferId,
    debit: charging ? driverWallet : sellerWallet, credit: charging ? sellerWallet : driverWallet,
    amountMicro: parseMicro(settlement.amount, 'amount', 1n, LEDGER_AMOUNT_MICRO_MAX), currency: session.currency,
    code: transferCode(session), ts: settlement.endMs,
  }]);
}

/** The ledger record of a settled session; its readers are the driver, the supplier (if any) and the charge point's owner. */
function sessionRecord(session: SessionBody, chargePoint: ChargePointBody): Record<string, unknown> {
  const settlement = session.settlement!;
  const parties = [...new Set([session.driverPartyId, session.supplierPartyId ?? session.chargePointOwnerPartyId, session.chargePointOwnerPartyId])];
  return {
    session: session.id, offer: session.offerId, chargePoint: session.chargePointId, meter: settlement.meterId,
    vehicle: session.vehicleId, mode: session.mode, currency: session.currency,
    startMs: settlement.startMs, endMs: settlement.endMs, energyMWh: settlement.energyMWh, unassignedMWh: settlement.unassignedMWh,
    unassignedSpans: settlement.unassignedSpans ?? null, amount: settlement.amount, transfer: settlement.transferId, ts: settlement.endMs, geo: chargePoint.geo,
    driver: session.driverPartyId, supplier: session.supplierPartyId, chargePointOwner: session.chargePointOwnerPartyId, parties,
    ...(settlement.ocpi === undefined ? {} : { ocpi: settlement.ocpi }),
  };
}

/** Step 3: appends the record unless a previous attempt stored its index, then marks the session closed. */
async function recordSession(context: ApiContext, session: SessionBody): Promise<SessionBody> {
  const chargePoint = await flowBody<ChargePointBody>(context, CHARGE_POINT_KIND, session.chargePointId);
  const leafIndex = session.settlement!.leafIndex ?? await appendFlowRecord(context, flowRecordId(SESSION_RECORD, session.id), SESSION_RECORD, sessionRecord(session, chargePoint));
  return context.store.flows.transact(`${SESSION_KIND}:${session.id}`, async (transaction) => {
    const current = (await transaction.get<SessionBody>(SESSION_KIND, session.id))!;
    if (current.body.state === 'closed') return current.body;
    const nowMs = context.nowMs();
    const settlement = { ...current.body.settlement!, leafIndex, closedAtMs: nowMs };
    return (await transaction.update(current, { ...current.body, state: 'closed', settlement }, nowMs)).body;
  });
}

/** Closes `session` (already checked to be the caller's to close) with the metered window `close`. */
export async function closeSession(context: ApiContext, session: FlowObject<SessionBody>, close: CloseSessionBody): Promise<SessionBody> {
  if (session.body.state !== 'open') checkSameClose(session.body, close);
  if (session.body.state === 'closed') return session.body;
  const priced = session.body.state === 'open' ? await priceSession(context, session.body, close) : session.body;
  if (priced.state === 'closed') return priced;
  await postSessionTransfer(context, priced);
  return recordSession(context, priced);
}
