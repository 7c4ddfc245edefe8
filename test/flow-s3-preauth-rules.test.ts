// S3 rules without HTTP (host/flows/preauth-rules.ts): an authorisation's
// status follows from the ledger's two-phase facts (SPEC §5) and the clock;
// each step is refused with a stable code in the states it does not apply to.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  authorisationStatus, captureRefusal, expiryVoidId, holdTimeoutMs, refusedCaptureError, refusedVoidError, voidRefusal,
  type AuthorisationStatus, type HoldFacts,
} from '../host/flows/preauth-rules.js';
import { GridsettleError } from '../host/errors.js';

const HELD: HoldFacts = { hold: { amountMicro: 20_000_000n, expiresAtMs: 10_000 }, capture: null, voided: false, expiredVoid: false };
const ALL_STATUSES: AuthorisationStatus[] = ['authorising', 'declined', 'settlement_possible', 'settlement_completed', 'voided', 'expired'];

describe('S3 status (SPEC §5 two-phase: pending → post | void; expiry voids)', () => {
  it('without a hold on the ledger the authorisation is declined when refused, else still authorising', () => {
    const none = { ...HELD, hold: null };
    assert.equal(authorisationStatus(true, none, 0), 'declined');
    assert.equal(authorisationStatus(false, none, 0), 'authorising');
  });

  it('a hold on the ledger wins over a stored decline (a retry placed it after all)', () => {
    assert.equal(authorisationStatus(true, HELD, 0), 'settlement_possible');
  });

  it('a hold is settlement_possible until expiresAtMs, expired from expiresAtMs on (the ledger refuses a post then)', () => {
    assert.equal(authorisationStatus(false, HELD, 9_999), 'settlement_possible');
    assert.equal(authorisationStatus(false, HELD, 10_000), 'expired');
    assert.equal(authorisationStatus(false, { ...HELD, expiredVoid: true }, 0), 'expired');
  });

  it('a capture completes the settlement and a void voids it, whatever the clock says afterwards', () => {
    assert.equal(authorisationStatus(false, { ...HELD, capture: { amountMicro: 1n } }, 99_999), 'settlement_completed');
    assert.equal(authorisationStatus(false, { ...HELD, voided: true }, 99_999), 'voided');
  });

  it("the expiry void's id is the one the ledger sweep derives", () => {
    assert.equal(expiryVoidId('a-1'), 's3:hold:a-1#expired');
  });
});

describe('S3 steps by status', () => {
  it('capture: at most the authorised amount, only while settlement is possible (or again when completed, for the ledger to judge)', () => {
    assert.equal(captureRefusal('settlement_possible', 100n, 100n), null);
    assert.equal(captureRefusal('settlement_possible', 100n, 101n)?.code, 'capture_exceeds_authorisation');
    assert.equal(captureRefusal('settlement_completed', 100n, 50n), null);
    assert.equal(captureRefusal('expired', 100n, 50n)?.code, 'authorisation_expired');
    for (const status of ['authorising', 'declined', 'voided'] as const) assert.equal(captureRefusal(status, 100n, 50n)?.code, 'invalid_state');
  });

  it('void: while settlement is possible, or again when voided; expired is authorisation_expired, the rest invalid_state', () => {
    const codes = ALL_STATUSES.map((status) => voidRefusal(status)?.code ?? null);
    assert.deepEqual(codes, ['invalid_state', 'invalid_state', null, 'invalid_state', null, 'authorisation_expired']);
  });

  it('a capture the ledger refused is already_captured when the authorisation ended captured', () => {
    assert.equal(refusedCaptureError('settlement_completed', 'conflict').code, 'already_captured');
    assert.equal(refusedCaptureError('expired', 'pending_expired').code, 'authorisation_expired');
    assert.equal(refusedCaptureError('voided', 'pending_already_voided').code, 'invalid_state');
    assert.equal(refusedCaptureError('settlement_possible', 'overflow').code, 'ledger_refused');
  });

  it('a void the ledger refused is fine when the authorisation ended voided (a concurrent void)', () => {
    assert.equal(refusedVoidError('voided', 'conflict'), null);
    assert.equal(refusedVoidError('settlement_completed', 'pending_already_posted')?.code, 'invalid_state');
  });
});

describe('S3 limits', () => {
  it('the hold timeout defaults to one hour and stays within PREAUTH_TIMEOUT_MS_MIN … PREAUTH_TIMEOUT_MS_MAX', () => {
    assert.equal(holdTimeoutMs(undefined), 3_600_000);
    assert.equal(holdTimeoutMs(1_000), 1_000);
    assert.equal(holdTimeoutMs(604_800_000), 604_800_000);
    assert.throws(() => holdTimeoutMs(999), (error: unknown) => error instanceof GridsettleError && error.code === 'limit_exceeded' && /PREAUTH_TIMEOUT_MS_MIN/.test(error.message));
    assert.throws(() => holdTimeoutMs(604_800_001), (error: unknown) => error instanceof GridsettleError && /PREAUTH_TIMEOUT_MS_MAX/.test(error.message));
  });
});
