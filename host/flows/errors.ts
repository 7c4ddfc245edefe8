// The error codes of the seed-system flows (docs/flows.md), one catalogue
// beside the API's (host/api/errors.ts): every flow error is
// {error: {code, message}} with a stable code and status. A flow adds its
// codes here under its own heading.
import { CatalogueError } from '../catalogue-error.js';
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

  // S5 mobile energy interconnection.
  /** The webhook URL is not https, or its host resolves to a loopback, private, link-local or reserved address the operator did not allow. */
  webhook_target_refused: 400,

  // S6 transactive market.
  /** The interval's gate has closed (it started, or it was cleared): no more orders or cancels. */
  market_closed: 409,
  /** An order names a zone the network operator has not set limits for. */
  unknown_zone: 400,
  /** The party has no wallet in the market's currency to reserve from or be paid into. */
  wallet_not_found: 409,
  /** No market authority is configured (GRIDSETTLE_MARKET_AUTHORITY), or it is not a party of role authority or operator. */
  market_authority_invalid: 503,
  /** A meter an order names is already named by another open order of the same interval (its energy would count twice). */
  market_meter_taken: 409,
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
  // S10 — demand response with prepaid appliances (docs/flows.md "Demand response").
  /** The meter already has an appliance bound to it. */
  appliance_meter_taken: 409,
  /** The appliance has an unpaid consumption bill: bill that window again after a top-up first. */
  appliance_suspended: 409,
  /** The billing window overlaps or precedes a window already billed for the appliance. */
  billing_overlap: 409,
  /** The DR target is more than the appliances' flexible power together. */
  dr_target_exceeds_capacity: 409,
  /** An appliance already takes part in a DR event that is not over before this one starts. */
  dr_event_overlap: 409,
  /** The acknowledgement token is not the one sealed in the signal. */
  ack_invalid: 403,
  /** The signal was acknowledged already; an acknowledgement counts once. */
  ack_replayed: 409,
  /** The signal expired before it was acknowledged. */
  signal_expired: 409,
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

  // S2 energy purchase agreements.
  /** The PPA's transmission company has not accepted it (or declined it): no delivery is settled. */
  not_accepted: 409,
  /** The PPA's period has started: it can no longer be accepted, since no delivery may precede the acceptance. */
  ppa_period_started: 409,

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
  /** The event carries more energy than the point's rated power can in its duration (ratedPowerW × duration). */
  connection_implausible: 422,
  /** A discharge (V2G) session at a charge point with an OCPI tariff: OCPI tariffs price charging only. */
  ocpi_discharge_unsupported: 409,
  /** The charge point's OCPI tariff is not in force now (its start_date_time / end_date_time). */
  ocpi_tariff_not_in_force: 409,
} as const;

export type FlowErrorCode = keyof typeof FLOW_ERROR_STATUS;

export class FlowError extends CatalogueError<FlowErrorCode> {
  constructor(code: FlowErrorCode, message: string) {
    super('FlowError', code, FLOW_ERROR_STATUS[code], message);
  }
}

/** A flow error's catalogue entry, or null when `error` is not a flow's. */
export function flowErrorOf(error: unknown): FlowError | null {
  if (error instanceof FlowError) return error;
  if (error instanceof FlowVersionConflict) return new FlowError('flow_conflict', error.message);
  return null;
}
