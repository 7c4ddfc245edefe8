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

  // S3 pre-authorised settlement (docs/flows.md "S3").
  /** The authorisation id was used before with another request body. */
  authorisation_conflict: 409,
  /** A capture asks for more than the authorisation holds. */
  capture_exceeds_authorisation: 409,
  /** The authorisation was already captured with another amount or time. */
  already_captured: 409,
  /** The authorisation's hold timed out (the ledger voids it); it can no longer be captured or voided. */
  authorisation_expired: 409,

  // S4 battery-sharing compensation (docs/flows.md "S4").
  /** The sharing event id was used before with another body. */
  sharing_event_conflict: 409,

  // S8 device-to-device transfers (docs/flows.md "S8").
  /** The transfer id was used before with another body. */
  d2d_conflict: 409,
  /** The transfer window has not ended yet; settle at or after toMs. */
  d2d_window_open: 409,
  /** A meter has no reading at or before the window's start, or none at or after its end; settle once they arrive. */
  d2d_readings_incomplete: 409,
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
