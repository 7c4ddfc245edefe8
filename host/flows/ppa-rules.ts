// S2 energy purchase agreements: the pure rules. A PPA is proposed by its
// supplier and takes effect only when its transmission company accepts it,
// no later than the start of its period (so no delivery precedes the
// acceptance); a declined PPA never settles. A delivery window's energy
// is the export the supplier's meters show over it, capped at what is left
// of the contracted volume (the excess is recorded, not paid); its amount is
// the PPA price applied to the delivered energy, rounded once to the minor
// unit (SPEC §5 posting rule, host/ledger/posting.ts). A
// window settled again with other metered energy (late readings) gets a new
// revision whose transfer moves only the difference, referencing the last.
import type { SingleTransfer } from '../ledger/types.js';
import type { FlowBody } from '../store/flow-store.js';
import type { SettlementWindow } from './contract-windows.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';
import { formatEnergyPrice } from './energy-money.js';
import type { WindowEnergy } from './metered-energy.js';
import { FLOW_TRANSFER_CODES, walletAccountId } from './ledger-bridge.js';
import { formatMinorAmount } from '../currency.js';
import { safeNumber } from '../exact.js';

export const PPA_KIND = 'ppa';
export const PPA_DELIVERY_KIND = 'ppa-delivery';

/** proposed (recorded by the supplier) → accepted or declined (by the transmission company), once. */
export type PpaStatus = 'proposed' | 'accepted' | 'declined';
export type PpaDecision = Exclude<PpaStatus, 'proposed'>;

export interface PpaBody extends FlowBody {
  supplier: string;
  transmission: string;
  /** µ per kWh, as a decimal string of µ (integer). */
  priceMicroPerKWh: string;
  currency: string;
  volumeMWh: number;
  period: SettlementWindow;
  windowMs: number;
  meters: string[];
  createdAtMs: number;
  /** The agreement's ledger leaf; null until recorded. */
  leafIndex: number | null;
  status: PpaStatus;
  /** When the transmission company accepted or declined it; null while proposed. */
  decidedAtMs: number | null;
  /** The decision's ledger leaf; null until recorded. */
  decisionLeafIndex: number | null;
}

/** Members that change after creation: a repeated create compares the rest. */
export const PPA_STATE_MEMBERS = ['createdAtMs', 'leafIndex', 'status', 'decidedAtMs', 'decisionLeafIndex'] as const;

export interface DeliveryFigures {
  /** Export the meters show over the window. */
  meteredMWh: number;
  /** What is paid: metered, capped at the volume left. */
  deliveredMWh: number;
  /** metered − delivered: beyond the contracted volume, not paid. */
  excessMWh: number;
  /** Export the meters' readings show over the window but the aggregation left unassigned (gaps, spikes): not paid, reported. */
  unassignedMWh: number;
  /** How many unassigned spans that is. */
  unassignedSpans: number;
  /** The window's amount at the PPA price, µ (whole minor units). */
  amountMicro: string;
}

export interface DeliveryRevision extends DeliveryFigures {
  revision: number;
  /** The amount moved by this revision: its amount minus the previous revision's (transmission → supplier when positive). */
  deltaMicro: string;
  /** Null when the delta is zero (nothing to move). */
  transferId: string | null;
  leafIndex: number | null;
}

export interface PpaDeliveryBody extends FlowBody {
  ppa: string;
  window: SettlementWindow;
  /** Completed revisions, oldest first; the last is in force. */
  revisions: DeliveryRevision[];
  /** A revision claimed but not yet posted and recorded. */
  pending: DeliveryRevision | null;
}

/** The delivery object's id: one per PPA window. */
export function deliveryId(ppaId: string, window: SettlementWindow): string {
  return `${ppaId}:${window.from}`;
}

/** The energy paid for: metered, capped at `volumeMWh − deliveredElsewhereMWh` (never negative). */
export function cappedDelivery(meteredMWh: bigint, volumeMWh: bigint, deliveredElsewhereMWh: bigint): { deliveredMWh: bigint; excessMWh: bigint } {
  const leftMWh = volumeMWh > deliveredElsewhereMWh ? volumeMWh - deliveredElsewhereMWh : 0n;
  const deliveredMWh = meteredMWh < leftMWh ? meteredMWh : leftMWh;
  return { deliveredMWh, excessMWh: meteredMWh - deliveredMWh };
}

/** The revision in force (or being completed) of a delivery; null when it has none. */
export function currentRevision(delivery: PpaDeliveryBody): DeliveryRevision | null {
  return delivery.pending ?? delivery.revisions[delivery.revisions.length - 1] ?? null;
}

/**
 * The next revision of a window given its metered energy and the energy
 * delivered in the PPA's other windows; null when the revision in force
 * already has these figures (a re-run posts nothing).
 */
export function nextRevision(
  ppaId: string, ppa: PpaBody, window: SettlementWindow, metered: WindowEnergy, deliveredElsewhereMWh: bigint, current: DeliveryRevision | null,
): DeliveryRevision | null {
  const meteredMWh = metered.energyMWh;
  const { deliveredMWh, excessMWh } = cappedDelivery(meteredMWh, BigInt(ppa.volumeMWh), deliveredElsewhereMWh);
  const unchanged = current !== null && BigInt(current.meteredMWh) === meteredMWh && BigInt(current.deliveredMWh) === deliveredMWh
    && BigInt(current.unassignedMWh ?? 0) === metered.unassignedMWh && (current.unassignedSpans ?? 0) === metered.unassignedSpans;
  if (unchanged) return null;
  const amountMicro = energyPostingAmount(deliveredMWh, BigInt(ppa.priceMicroPerKWh), minorUnitOf(ppa.currency));
  const deltaMicro = amountMicro - BigInt(current?.amountMicro ?? '0');
  const revision = (current?.revision ?? 0) + 1;
  return {
    revision, meteredMWh: safeNumber(meteredMWh, 'meteredMWh'), deliveredMWh: safeNumber(deliveredMWh, 'deliveredMWh'), excessMWh: safeNumber(excessMWh, 'excessMWh'),
    unassignedMWh: safeNumber(metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: metered.unassignedSpans,
    amountMicro: String(amountMicro), deltaMicro: String(deltaMicro),
    transferId: deltaMicro === 0n ? null : `s2:${ppaId}:${window.from}:r${revision}`, leafIndex: null,
  };
}

/** The transfer of a revision: transmission → supplier for a positive delta, back for a negative one; null for none. */
export function revisionTransfer(
  ppa: PpaBody, window: SettlementWindow, revision: DeliveryRevision, previousTransferIds: readonly string[],
): SingleTransfer | null {
  if (revision.transferId === null) return null;
  const deltaMicro = BigInt(revision.deltaMicro);
  const payer = deltaMicro > 0n ? ppa.transmission : ppa.supplier;
  const payee = deltaMicro > 0n ? ppa.supplier : ppa.transmission;
  return {
    type: 'single', id: revision.transferId, debit: walletAccountId(payer, ppa.currency), credit: walletAccountId(payee, ppa.currency),
    amountMicro: deltaMicro > 0n ? deltaMicro : -deltaMicro, currency: ppa.currency,
    code: revision.revision === 1 ? FLOW_TRANSFER_CODES.ppaDelivery : FLOW_TRANSFER_CODES.ppaCorrection,
    ts: window.to, refs: [...previousTransferIds],
  };
}

/** The agreement's ledger record (kind `ppa`: readable by its supplier, its transmission company and regulators). */
export function agreementRecord(ppaId: string, ppa: PpaBody): Record<string, unknown> {
  return {
    type: 'agreement', ppa: ppaId, supplier: ppa.supplier, transmission: ppa.transmission,
    price: formatEnergyPrice(BigInt(ppa.priceMicroPerKWh)), currency: ppa.currency, volumeMWh: ppa.volumeMWh,
    period: ppa.period, windowMs: ppa.windowMs, meters: ppa.meters, ts: ppa.createdAtMs,
  };
}

/** The transmission company's decision, a ledger record under the agreement (kind `ppa`, same readers). */
export function decisionRecord(ppaId: string, ppa: PpaBody): Record<string, unknown> {
  return {
    type: 'decision', ppa: ppaId, agreementLeaf: ppa.leafIndex, supplier: ppa.supplier, transmission: ppa.transmission,
    decision: ppa.status, period: ppa.period, ts: ppa.decidedAtMs,
  };
}

/** A delivery revision's ledger record, under the agreement (kind `ppa`, same readers). */
export function deliveryRecord(ppaId: string, ppa: PpaBody, window: SettlementWindow, revision: DeliveryRevision, correctsLeaf: number | null): Record<string, unknown> {
  return {
    type: 'delivery', ppa: ppaId, agreementLeaf: ppa.leafIndex, supplier: ppa.supplier, transmission: ppa.transmission,
    window, revision: revision.revision, corrects: correctsLeaf,
    meteredMWh: revision.meteredMWh, deliveredMWh: revision.deliveredMWh, excessMWh: revision.excessMWh,
    unassignedMWh: revision.unassignedMWh, unassignedSpans: revision.unassignedSpans,
    price: formatEnergyPrice(BigInt(ppa.priceMicroPerKWh)), currency: ppa.currency,
    amount: formatMinorAmount(BigInt(revision.amountMicro), ppa.currency),
    adjustment: formatMinorAmount(BigInt(revision.deltaMicro), ppa.currency),
    transfer: revision.transferId, ts: window.to,
  };
}
