// S7 peer-to-peer digital contracts with measurement and verification: the
// pure rules. A contract binds a seller's meters to a buyer at a price; it is
// active once both have signed. An M&V message states the energy the seller
// delivered in one window and the settlement amount; it is valid when the
// energy is within the contract's tolerance of the seller's metered export
// over the window and the amount is the contract price applied to that
// energy, rounded once to the minor unit (SPEC §5 posting rule). A valid message settles the window: the buyer
// pays the seller the message's amount.
import { invalidInput } from '../errors.js';
import { INGEST_CLOCK_SKEW_MS } from '../limits.js';
import type { SingleTransfer } from '../ledger/types.js';
import type { FlowBody } from '../store/flow-store.js';
import type { Geo } from './contract-guards.js';
import type { SettlementWindow } from './contract-windows.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';
import { formatEnergyPrice } from './energy-money.js';
import { FlowError } from './errors.js';
import { FLOW_TRANSFER_CODES, walletAccountId } from './ledger-bridge.js';
import type { WindowEnergy } from './metered-energy.js';
import { formatMinorAmount } from '../currency.js';
import { safeNumber } from '../exact.js';

export const P2P_CONTRACT_KIND = 'p2p-contract';
export const P2P_MV_KIND = 'p2p-mv';

export interface P2pContractBody extends FlowBody {
  seller: string;
  buyer: string;
  priceMicroPerKWh: string;
  currency: string;
  period: SettlementWindow;
  windowMs: number;
  meters: string[];
  toleranceMWh: number;
  state: 'proposed' | 'active';
  sellerSignedAtMs: number;
  buyerSignedAtMs: number | null;
  /** The signed contract's ledger leaf; null until both have signed and it is recorded. */
  leafIndex: number | null;
}

/** What an M&V message states about one window. */
export interface MvMessage {
  window: SettlementWindow;
  energyMWh: number;
  amountMicro: string;
  ts: number;
  geo: Geo;
}

export interface MvBody extends FlowBody, MvMessage {
  contract: string;
  meteredMWh: number;
  /** The seller's export over the window that the aggregation left unassigned (gaps, spikes): not settled, reported. */
  unassignedMWh: number;
  unassignedSpans: number;
  reporter: string;
  transferId: string | null;
  leafIndex: number;
}

export function mvId(contractId: string, window: SettlementWindow): string {
  return `${contractId}:${window.from}`;
}

/** The message is sent after its window has ended, and not from the future (beyond the ingest clock skew). */
export function checkMessageTime(ts: number, window: SettlementWindow, nowMs: number): void {
  if (ts < window.to) throw invalidInput(`ts ${ts} is before the end of its window ${window.to}`);
  if (ts > nowMs + INGEST_CLOCK_SKEW_MS) throw invalidInput(`ts ${ts} is in the future`);
}

/** The measured energy must be within `toleranceMWh` of the metered energy (mv_mismatch). */
export function checkMeasurement(energyMWh: bigint, meteredMWh: bigint, toleranceMWh: bigint): void {
  const differenceMWh = energyMWh > meteredMWh ? energyMWh - meteredMWh : meteredMWh - energyMWh;
  if (differenceMWh > toleranceMWh) {
    throw new FlowError('mv_mismatch', `the message states ${energyMWh} mWh, the meters show ${meteredMWh} mWh: ${differenceMWh} mWh apart, tolerance ${toleranceMWh} mWh`);
  }
}

/** The stated amount must be the contract price applied to the stated energy (mv_amount_mismatch); returns it in µ. */
export function checkSettlementAmount(amountMicro: bigint, energyMWh: bigint, contract: P2pContractBody): bigint {
  const dueMicro = energyPostingAmount(energyMWh, BigInt(contract.priceMicroPerKWh), minorUnitOf(contract.currency));
  if (amountMicro !== dueMicro) {
    const due = formatMinorAmount(dueMicro, contract.currency);
    throw new FlowError('mv_amount_mismatch', `the message states an amount of ${amountMicro} µ; ${energyMWh} mWh at ${formatEnergyPrice(BigInt(contract.priceMicroPerKWh))} is ${due} ${contract.currency}`);
  }
  return dueMicro;
}

/** The window's settlement transfer, buyer → seller; null for a zero amount. */
export function mvTransfer(contractId: string, contract: P2pContractBody, window: SettlementWindow, amountMicro: bigint): SingleTransfer | null {
  if (amountMicro === 0n) return null;
  return {
    type: 'single', id: `s7:${contractId}:${window.from}`, debit: walletAccountId(contract.buyer, contract.currency),
    credit: walletAccountId(contract.seller, contract.currency), amountMicro, currency: contract.currency,
    code: FLOW_TRANSFER_CODES.p2pSettlement, ts: window.to,
  };
}

function contractTerms(contractId: string, contract: P2pContractBody) {
  return {
    contract: contractId, seller: contract.seller, buyer: contract.buyer, parties: [contract.seller, contract.buyer],
    price: formatEnergyPrice(BigInt(contract.priceMicroPerKWh)), currency: contract.currency,
  };
}

/** The signed contract's ledger record (readers: seller, buyer, regulators, operators). */
export function contractRecord(contractId: string, contract: P2pContractBody): Record<string, unknown> {
  return {
    ...contractTerms(contractId, contract), period: contract.period, windowMs: contract.windowMs, meters: contract.meters,
    toleranceMWh: contract.toleranceMWh, signed: { seller: contract.sellerSignedAtMs, buyer: contract.buyerSignedAtMs },
  };
}

/** A validated M&V message's ledger record, with its timestamp and geodetic reference (SPEC §5). */
export function mvRecord(contractId: string, contract: P2pContractBody, message: MvMessage, facts: { metered: WindowEnergy; reporter: string; transferId: string | null }): Record<string, unknown> {
  return {
    ...contractTerms(contractId, contract), contractLeaf: contract.leafIndex, window: message.window,
    energyMWh: message.energyMWh, meteredMWh: safeNumber(facts.metered.energyMWh, 'meteredMWh'), toleranceMWh: contract.toleranceMWh,
    unassignedMWh: safeNumber(facts.metered.unassignedMWh, 'unassignedMWh'), unassignedSpans: facts.metered.unassignedSpans,
    amount: formatMinorAmount(BigInt(message.amountMicro), contract.currency), transfer: facts.transferId,
    reporter: facts.reporter, ts: message.ts, geo: message.geo,
  };
}
