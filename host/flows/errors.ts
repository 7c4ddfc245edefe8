// The error codes of the seed-system flows (docs/flows.md), one catalogue
// beside the API's (host/api/errors.ts): every flow error is
// {error: {code, message}} with a stable code and status. A flow adds its
// codes here under its own heading.
import { FlowVersionConflict } from '../store/flow-store.js';

export const FLOW_ERROR_STATUS = {
  // Shared by every flow.
  /** Another request changed the same flow object first; retrying is safe. */
  flow_conflict: 409,
  /** The step does not apply in the object's current state (capture after void, …). */
  invalid_state: 409,
  /** A prepaid account would go below zero (SPEC §5 debitsMustNotExceedCredits). */
  insufficient_funds: 409,
  /** The ledger refused a transfer or account for another reason; the message names its result code. */
  ledger_refused: 409,

  // S6 transactive market.
  /** The interval's gate has closed (it started, or it was cleared): no more orders or cancels. */
  market_closed: 409,
  /** An order names a zone the network operator has not set limits for. */
  unknown_zone: 400,
  /** The party has no wallet in the market's currency to reserve from or be paid into. */
  wallet_not_found: 409,
  // S1: EV charging/selling offers and sessions.
  /** The offer is withdrawn, expired or not yet valid: it cannot be chosen now. */
  offer_not_in_force: 409,
  /** The battery cannot take (charge) or give (discharge) the desired energy at its state of charge. */
  desired_energy_exceeds_battery: 400,
  /** The charge-point meter (connector) already serves an open session. */
  meter_busy: 409,
  /** Fewer than two readings of the session's meter in [startMs, endMs]: no metered energy to settle yet. */
  session_no_readings: 409,
  /** The party has no wallet in the offer's currency (POST /v1/wallets first). */
  wallet_required: 409,
  /** A discharge (V2G) session at a charge point with an OCPI tariff: OCPI tariffs price charging only. */
  ocpi_discharge_unsupported: 409,
  /** The charge point's OCPI tariff is not in force now (its start_date_time / end_date_time). */
  ocpi_tariff_not_in_force: 409,
} as const;

export type FlowErrorCode = keyof typeof FLOW_ERROR_STATUS;

export class FlowError extends Error {
  readonly code: FlowErrorCode;
  readonly status: number;

  constructor(code: FlowErrorCode, message: string) {
    super(message);
    this.name = 'FlowError';
    this.code = code;
    this.status = FLOW_ERROR_STATUS[code];
  }
}

/** A flow error's catalogue entry, or null when `error` is not a flow's. */
export function flowErrorOf(error: unknown): FlowError | null {
  if (error instanceof FlowError) return error;
  if (error instanceof FlowVersionConflict) return new FlowError('flow_conflict', error.message);
  return null;
}
