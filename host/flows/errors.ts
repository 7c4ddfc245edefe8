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

  // Metered contracts: S2 PPAs, S7 P2P contracts, S9 connection events.
  /** A named counterparty (transmission company, buyer, connection holder) is not a registered party of a role that may take that part. */
  counterparty_invalid: 400,
  /** A named meter does not exist or is not owned by the party whose energy it must measure. */
  meter_not_owned: 400,
  /** The settlement window does not lie inside the contract's period. */
  window_outside_period: 400,
  /** The window is not one of the contract's settlement windows (period.from + k × windowMs, cut at period.to). */
  window_misaligned: 400,
  /** The window (or connection event) has not ended yet by the server clock: its energy is not all metered. */
  window_open: 409,

  // S7 P2P contracts with measurement and verification (M&V).
  /** The message's energy differs from the contract meters' energy over the window by more than the contract's tolerance. */
  mv_mismatch: 422,
  /** The message's settlement amount is not the contract price applied to its energy (SPEC §1 rounding). */
  mv_amount_mismatch: 422,
  /** The window was already settled by another message. */
  mv_window_settled: 409,

  // S9 connection events of assets at grid connection points.
  /** A mobile asset's event must name the grid connection point it used; a stationary asset must be registered at one. */
  connection_gcp_required: 400,
  /** A stationary asset's event names a grid connection point other than the one it is registered at. */
  connection_gcp_mismatch: 400,
  /** An unmetered asset's event must report its service quantity. */
  connection_quantity_required: 400,
  /** The reported quantity differs from the energy the asset's meter shows over the event. */
  connection_quantity_mismatch: 422,
  /** The event id was reported before with another body. */
  connection_event_conflict: 409,
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
