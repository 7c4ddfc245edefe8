// S8 device-to-device transfers, the steps (docs/flows.md "S8"): the sender
// proposes its device's export to the receiver's device at a price over a
// window, the receiver accepts, and after the window either side (or an
// operator) settles: the energies are fixed from both meters' readings, the
// receiver pays the sender for the delivered energy, and a `d2d-transfer`
// record keeps sent, received, delivered and loss.
import { notFoundUnlessVisible, requireRoleOf } from '../api/auth.js';
import type { ApiContext } from '../api/context.js';
import { ApiError } from '../api/errors.js';
import { currencyExponent, formatMinorAmount } from '../currency.js';
import { formatMinimal, parseMicro } from '../decimal.js';
import { invalidInput } from '../errors.js';
import { ENERGY_PRICE_MICRO_MAX } from '../limits.js';
import type { FlowBody, FlowObject } from '../store/flow-store.js';
import type { Party } from '../store/party-store.js';
import { FlowError } from './errors.js';
import { FLOW_TRANSFER_CODES, postTransfers, walletAccountId } from './ledger-bridge.js';
import {
  changeFlowObject, claimFlowObject, openMissingWallets, sameJson, type Recorded,
} from './flow-steps.js';
import { D2D_KIND, D2D_RECORD, checkWindow, d2dFigures, d2dTransferId, type D2DStatus } from './d2d-rules.js';
import { meterWindow } from './d2d-metering.js';
import { recordOnce } from './flow-records.js';
import { safeNumber } from '../exact.js';

interface D2DRequest extends FlowBody {
  senderMeterId: string;
  receiverMeterId: string;
  priceMicroPerKWh: string;
  currency: string;
  fromMs: number;
  toMs: number;
}

/** Fixed when metered: energies in mWh (safe integers, SPEC §1), the amount in µ. */
interface MeteredFigures {
  sentMWh: number;
  receivedMWh: number;
  deliveredMWh: number;
  lossMWh: number;
  excessReceivedMWh: number;
  senderFlags: number;
  receiverFlags: number;
  /** Each side's energy the aggregation left unassigned (gaps, spikes): not settled, reported. */
  senderUnassignedMWh: number;
  senderUnassignedSpans: number;
  receiverUnassignedMWh: number;
  receiverUnassignedSpans: number;
  amountMicro: string;
}

interface D2DBody extends Recorded {
  request: D2DRequest;
  senderPartyId: string;
  receiverPartyId: string;
  status: D2DStatus;
  figures: MeteredFigures | null;
}

type D2DTransfer = FlowObject<D2DBody>;

export interface ProposeInput {
  id: string;
  senderMeterId: string;
  receiverMeterId: string;
  price: string;
  currency: string;
  fromMs: number;
  toMs: number;
}

const DEVICE_ROLES = ['participant', 'supplier'] as const;

export function d2dView(transfer: D2DTransfer) {
  const { request, figures } = transfer.body;
  const { currency } = request;
  const amountMicro = figures === null ? null : BigInt(figures.amountMicro);
  return {
    id: transfer.id, status: transfer.body.status, senderPartyId: transfer.body.senderPartyId, receiverPartyId: transfer.body.receiverPartyId,
    senderMeterId: request.senderMeterId, receiverMeterId: request.receiverMeterId,
    price: formatMinimal(BigInt(request.priceMicroPerKWh), 6), currency, fromMs: request.fromMs, toMs: request.toMs,
    sentMWh: figures?.sentMWh ?? null, receivedMWh: figures?.receivedMWh ?? null, deliveredMWh: figures?.deliveredMWh ?? null,
    lossMWh: figures?.lossMWh ?? null, excessReceivedMWh: figures?.excessReceivedMWh ?? null,
    senderFlags: figures?.senderFlags ?? null, receiverFlags: figures?.receiverFlags ?? null,
    senderUnassignedMWh: figures?.senderUnassignedMWh ?? null, senderUnassignedSpans: figures?.senderUnassignedSpans ?? null,
    receiverUnassignedMWh: figures?.receiverUnassignedMWh ?? null, receiverUnassignedSpans: figures?.receiverUnassignedSpans ?? null,
    amount: amountMicro === null ? null : formatMinorAmount(amountMicro, currency),
    paymentTransferId: amountMicro === null || amountMicro === 0n ? null : d2dTransferId(transfer.id),
    recordIndex: transfer.body.recordIndex,
  };
}

async function meterOwner(context: ApiContext, meterId: string, field: string): Promise<string> {
  const meter = await context.store.parties.meter(meterId);
  if (meter === null || meter.partyId === null) throw new ApiError('invalid_request', `${field}: meter ${meterId} does not exist or has no owner`);
  return meter.partyId;
}

/** The sender offers its own device's export; the receiver is the owner of the receiving device's meter. */
export async function propose(context: ApiContext, caller: Party, input: ProposeInput): Promise<D2DTransfer> {
  requireRoleOf(caller, DEVICE_ROLES, 'propose a device-to-device transfer');
  currencyExponent(input.currency);
  const priceMicroPerKWh = parseMicro(input.price, 'price', 0n, ENERGY_PRICE_MICRO_MAX);
  checkWindow(input.fromMs, input.toMs);
  if (input.senderMeterId === input.receiverMeterId) throw invalidInput('senderMeterId and receiverMeterId must differ');
  if ((await meterOwner(context, input.senderMeterId, 'senderMeterId')) !== caller.partyId) {
    throw new ApiError('forbidden', `meter ${input.senderMeterId} is not the caller's: a party offers only its own device's export`);
  }
  const receiverPartyId = await meterOwner(context, input.receiverMeterId, 'receiverMeterId');
  if (receiverPartyId === caller.partyId) throw invalidInput('the receiving device belongs to the sender: a transfer is between two parties');
  const request = {
    senderMeterId: input.senderMeterId, receiverMeterId: input.receiverMeterId, priceMicroPerKWh: String(priceMicroPerKWh),
    currency: input.currency, fromMs: input.fromMs, toMs: input.toMs,
  };
  return claimFlowObject<D2DBody>(
    context, {
      kind: D2D_KIND, id: input.id, ownerPartyId: caller.partyId,
      body: { request, senderPartyId: caller.partyId, receiverPartyId, status: 'proposed', figures: null, recordIndex: null },
    },
    (stored) => stored.body.senderPartyId === caller.partyId && sameJson(stored.body.request, request),
    () => new FlowError('d2d_conflict', `transfer ${input.id} was proposed before with another body`),
  );
}

/** The transfer, or 404 unless the caller is its sender, its receiver or a read-all role. */
export async function visibleTransfer(context: ApiContext, caller: Party, id: string): Promise<D2DTransfer> {
  const transfer = await context.store.flows.get<D2DBody>(D2D_KIND, id);
  if (transfer === null) throw new ApiError('not_found', `transfer ${id} not found`);
  notFoundUnlessVisible(caller, [transfer.body.senderPartyId, transfer.body.receiverPartyId], `transfer ${id}`);
  return transfer;
}

/** The receiver agrees to pay the price for what it receives; accepting again changes nothing. */
export async function accept(context: ApiContext, caller: Party, id: string): Promise<D2DTransfer> {
  const transfer = await visibleTransfer(context, caller, id);
  if (caller.partyId !== transfer.body.receiverPartyId) throw new ApiError('forbidden', 'only the receiver accepts a transfer');
  return changeFlowObject<D2DBody>(context, D2D_KIND, id, (body) => (body.status === 'proposed' ? { ...body, status: 'accepted' } : null));
}

/** Fixes the figures from the readings, once: a retry pays what was metered first, even if readings arrived since. */
async function meterOnce(context: ApiContext, transfer: D2DTransfer): Promise<D2DTransfer> {
  if (transfer.body.figures !== null) return transfer;
  const { request } = transfer.body;
  const window = await meterWindow(context.store.readings, request.senderMeterId, request.receiverMeterId, request.fromMs, request.toMs);
  const figures = d2dFigures(window.sentMWh, window.receivedMWh, BigInt(request.priceMicroPerKWh), request.currency);
  const metered: MeteredFigures = {
    sentMWh: safeNumber(figures.sentMWh, 'sentMWh'), receivedMWh: safeNumber(figures.receivedMWh, 'receivedMWh'), deliveredMWh: safeNumber(figures.deliveredMWh, 'deliveredMWh'),
    lossMWh: safeNumber(figures.lossMWh, 'lossMWh'), excessReceivedMWh: safeNumber(figures.excessReceivedMWh, 'excessReceivedMWh'),
    senderFlags: window.senderFlags, receiverFlags: window.receiverFlags, amountMicro: String(figures.amountMicro),
    senderUnassignedMWh: Number(window.senderUnassigned.unassignedMWh), senderUnassignedSpans: window.senderUnassigned.unassignedSpans,
    receiverUnassignedMWh: Number(window.receiverUnassigned.unassignedMWh), receiverUnassignedSpans: window.receiverUnassigned.unassignedSpans,
  };
  return changeFlowObject<D2DBody>(context, D2D_KIND, transfer.id, (body) => (body.figures !== null ? null : { ...body, status: 'metered', figures: metered }));
}

function d2dRecord(transfer: D2DTransfer): Record<string, unknown> {
  const { senderPartyId, receiverPartyId } = transfer.body;
  const { status: _status, recordIndex: _recordIndex, ...view } = d2dView(transfer);
  return { ...view, parties: [senderPartyId, receiverPartyId] };
}

/**
 * After the window: meters (once), pays (receiver → sender, `s8:<id>`) and
 * records. A receiver that cannot pay gets `insufficient_funds` and the
 * transfer stays `metered`; settling again after a top-up pays it.
 */
export async function settle(context: ApiContext, caller: Party, id: string): Promise<D2DTransfer> {
  const transfer = await visibleTransfer(context, caller, id);
  const { senderPartyId, receiverPartyId, request, status } = transfer.body;
  if (caller.role !== 'operator' && caller.partyId !== senderPartyId && caller.partyId !== receiverPartyId) {
    throw new ApiError('forbidden', 'only the sender, the receiver or an operator settles a transfer');
  }
  if (status === 'proposed') throw new FlowError('invalid_state', `transfer ${id} is not accepted by the receiver yet`);
  if (status === 'settled') return transfer;
  if (context.nowMs() < request.toMs) throw new FlowError('d2d_window_open', `transfer ${id}'s window ends at ${request.toMs}`);
  const metered = await meterOnce(context, transfer);
  const amountMicro = BigInt(metered.body.figures!.amountMicro);
  if (amountMicro > 0n) {
    await openMissingWallets(context, [senderPartyId, receiverPartyId], request.currency);
    await postTransfers(context, [{
      type: 'single', id: d2dTransferId(id), debit: walletAccountId(receiverPartyId, request.currency),
      credit: walletAccountId(senderPartyId, request.currency), amountMicro, currency: request.currency,
      code: FLOW_TRANSFER_CODES.d2dSettlement, ts: request.toMs,
    }]);
  }
  const recorded = await recordOnce(context, metered, D2D_RECORD, d2dRecord(metered), 'recordIndex');
  return changeFlowObject<D2DBody>(context, D2D_KIND, id, (body) => (body.status === 'settled' ? null : { ...body, status: 'settled', recordIndex: recorded.body.recordIndex }));
}
