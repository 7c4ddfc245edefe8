// S8 device-to-device transfers, the pure part (docs/flows.md "S8"): the
// transfer window, and the settlement figures from the energy metered on
// both sides — the delivered energy is the lesser of the sender's export and
// the receiver's import, paid at the agreed price; the rest of the sender's
// export is loss.
import { invalidInput, limitExceeded } from '../errors.js';
import { D2D_WINDOW_MS_MAX, MINUTE_MS } from '../limits.js';
import { energyPostingAmount, minorUnitOf } from '../ledger/posting.js';

export const D2D_KIND = 's8-d2d-transfer';
export const D2D_RECORD = 'd2d-transfer';
/** The aggregation grid the window's energy is summed on (SPEC §2); the window's edges lie on it. */
export const D2D_INTERVAL_MS = MINUTE_MS;

/**
 * - `proposed`: the sender offered its export to the receiver's device at a price.
 * - `accepted`: the receiver agreed; the devices may transfer within the window.
 * - `metered`: the energies are fixed from the stored readings; the payment is due (a retry pays it).
 * - `settled`: paid, and the `d2d-transfer` record appended. Final.
 */
export type D2DStatus = 'proposed' | 'accepted' | 'metered' | 'settled';

export const d2dTransferId = (id: string): string => `s8:${id}`;

/** `[fromMs, toMs)`: non-empty, on the one-minute grid (`invalid_input`), at most D2D_WINDOW_MS_MAX long (`limit_exceeded`). */
export function checkWindow(fromMs: number, toMs: number): void {
  if (toMs <= fromMs) throw invalidInput(`toMs ${toMs} must be after fromMs ${fromMs}`);
  if (fromMs % D2D_INTERVAL_MS !== 0 || toMs % D2D_INTERVAL_MS !== 0) {
    throw invalidInput(`fromMs and toMs must be whole minutes (multiples of ${D2D_INTERVAL_MS} ms)`);
  }
  if (toMs - fromMs > D2D_WINDOW_MS_MAX) {
    throw limitExceeded('D2D_WINDOW_MS_MAX', `the window is ${toMs - fromMs} ms, at most ${D2D_WINDOW_MS_MAX}`);
  }
}

export interface D2DFigures {
  sentMWh: bigint;
  receivedMWh: bigint;
  /** min(sent, received): what the receiver pays for. */
  deliveredMWh: bigint;
  /** sent − delivered: lost between the devices (line, inverter, metering). */
  lossMWh: bigint;
  /** received − delivered: import beyond the sender's export, physically impossible; flagged, not paid for. */
  excessReceivedMWh: bigint;
  /** delivered × price / 10^6 µ, rounded once, half to even, to the currency's minor unit (SPEC §5 posting rule). */
  amountMicro: bigint;
}

export function d2dFigures(sentMWh: bigint, receivedMWh: bigint, priceMicroPerKWh: bigint, currency: string): D2DFigures {
  const deliveredMWh = sentMWh < receivedMWh ? sentMWh : receivedMWh;
  const amountMicro = energyPostingAmount(deliveredMWh, priceMicroPerKWh, minorUnitOf(currency));
  return {
    sentMWh, receivedMWh, deliveredMWh, lossMWh: sentMWh - deliveredMWh, excessReceivedMWh: receivedMWh - deliveredMWh, amountMicro,
  };
}
