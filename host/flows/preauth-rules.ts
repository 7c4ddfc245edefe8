// S3 pre-authorised settlement, the pure part (docs/flows.md "S3"): an
// authorisation's status is derived from what the ledger holds about its
// hold (SPEC §5 two-phase transfers) and the clock, and each step is allowed
// or refused by that status. No I/O here.
import { limitExceeded } from '../errors.js';
import { RESERVED_ID_CHAR } from '../ledger/transfer-rules.js';
import { PREAUTH_TIMEOUT_MS_DEFAULT, PREAUTH_TIMEOUT_MS_MAX, PREAUTH_TIMEOUT_MS_MIN } from '../limits.js';
import { FlowError } from './errors.js';

export const APPARATUS_KIND = 's3-apparatus';
export const AUTHORISATION_KIND = 's3-authorisation';
export const SETTLEMENT_RECORD = 'preauth-settlement';

/**
 * - `authorising`: the request is claimed but its hold is not on the ledger yet (a retry completes it).
 * - `declined`: the vehicle's prepaid wallet could not cover the amount; nothing is held. Final.
 * - `settlement_possible`: the amount is held; the apparatus may run the service.
 * - `settlement_completed`: the actual amount was captured (paid); the rest was released. Final.
 * - `voided`: the hold was released without payment. Final.
 * - `expired`: the hold timed out before a capture; the ledger voids it (releases the money). Final.
 */
export type AuthorisationStatus =
  | 'authorising' | 'declined' | 'settlement_possible' | 'settlement_completed' | 'voided' | 'expired';

export const holdTransferId = (authorisationId: string): string => `s3:hold:${authorisationId}`;
export const captureTransferId = (authorisationId: string): string => `s3:capture:${authorisationId}`;
export const voidTransferId = (authorisationId: string): string => `s3:void:${authorisationId}`;
/** The void the ledger's expiry sweep appends for a hold (host/ledger/transfer-rules.ts expiryVoid). */
export const expiryVoidId = (authorisationId: string): string => `${holdTransferId(authorisationId)}${RESERVED_ID_CHAR}expired`;

/** What the ledger holds about one authorisation: its hold, and how the hold was resolved. */
export interface HoldFacts {
  hold: { amountMicro: bigint; expiresAtMs: number } | null;
  capture: { amountMicro: bigint } | null;
  voided: boolean;
  expiredVoid: boolean;
}

export function authorisationStatus(declined: boolean, facts: HoldFacts, nowMs: number): AuthorisationStatus {
  if (facts.hold === null) return declined ? 'declined' : 'authorising';
  if (facts.capture !== null) return 'settlement_completed';
  if (facts.voided) return 'voided';
  // The ledger refuses a post from expiresAtMs on, before its sweep has voided the hold.
  if (facts.expiredVoid || nowMs >= facts.hold.expiresAtMs) return 'expired';
  return 'settlement_possible';
}

/** `timeoutMs` or the default, within PREAUTH_TIMEOUT_MS_MIN … PREAUTH_TIMEOUT_MS_MAX (`limit_exceeded`). */
export function holdTimeoutMs(timeoutMs: number | undefined): number {
  const value = timeoutMs ?? PREAUTH_TIMEOUT_MS_DEFAULT;
  if (value < PREAUTH_TIMEOUT_MS_MIN) {
    throw limitExceeded('PREAUTH_TIMEOUT_MS_MIN', `timeoutMs ${value} is under ${PREAUTH_TIMEOUT_MS_MIN}`);
  }
  if (value > PREAUTH_TIMEOUT_MS_MAX) {
    throw limitExceeded('PREAUTH_TIMEOUT_MS_MAX', `timeoutMs ${value} is over ${PREAUTH_TIMEOUT_MS_MAX}`);
  }
  return value;
}

function wrongState(step: string, status: AuthorisationStatus): FlowError {
  if (status === 'expired') return new FlowError('authorisation_expired', `the authorisation expired; it can no longer be ${step}`);
  return new FlowError('invalid_state', `an authorisation in status ${status} cannot be ${step}`);
}

/**
 * Why a capture of `amountMicro` is refused before it reaches the ledger, or
 * null. A completed authorisation goes on to the ledger, which answers
 * `exists` for the same capture and `conflict` (already_captured) for another.
 */
export function captureRefusal(status: AuthorisationStatus, authorisedMicro: bigint, amountMicro: bigint): FlowError | null {
  if (status === 'settlement_completed') return null;
  if (status !== 'settlement_possible') return wrongState('captured', status);
  if (amountMicro > authorisedMicro) {
    return new FlowError('capture_exceeds_authorisation', `the capture ${amountMicro} µ is more than the ${authorisedMicro} µ authorised`);
  }
  return null;
}

/** Why a void is refused, or null; voiding a voided authorisation answers it as it is. */
export function voidRefusal(status: AuthorisationStatus): FlowError | null {
  return status === 'settlement_possible' || status === 'voided' ? null : wrongState('voided', status);
}

/** The error of a capture the ledger refused, read from the status after the attempt. */
export function refusedCaptureError(status: AuthorisationStatus, ledgerResult: string): FlowError {
  if (status === 'settlement_completed') return new FlowError('already_captured', 'the authorisation was already captured with another amount or time');
  if (status === 'settlement_possible') return new FlowError('ledger_refused', `capture: ${ledgerResult}`);
  return wrongState('captured', status);
}

/** The error of a void the ledger refused, or null when the authorisation ended voided anyway. */
export function refusedVoidError(status: AuthorisationStatus, ledgerResult: string): FlowError | null {
  if (status === 'voided') return null;
  if (status === 'settlement_possible') return new FlowError('ledger_refused', `void: ${ledgerResult}`);
  return wrongState('voided', status);
}
