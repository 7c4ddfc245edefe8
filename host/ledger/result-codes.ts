// The one catalogue of per-event ledger result codes (SPEC §5), TigerBeetle
// style: a batch succeeds as a whole and every event in it gets one code.

export const TRANSFER_RESULTS = [
  'ok',
  /** Same id, same body: the original result, nothing new appended. */
  'exists',
  /** Same id, different body. */
  'conflict',
  'invalid_id',
  'invalid_amount',
  'invalid_timestamp',
  'invalid_code',
  'invalid_refs',
  'invalid_timeout',
  'invalid_type',
  'same_account',
  'account_not_found',
  'currency_mismatch',
  /** The debit account is prepaid (debitsMustNotExceedCredits) and would go negative, pending debits counted. */
  'insufficient_funds',
  /** The credit account has creditsMustNotExceedDebits and would pass its debits, pending credits counted. */
  'exceeds_debits',
  /** A balance would pass the BIGINT range. */
  'overflow',
  'ref_not_found',
  'pending_not_found',
  'pending_already_posted',
  'pending_already_voided',
  'pending_expired',
  'exceeds_pending',
] as const;

export type TransferResult = (typeof TRANSFER_RESULTS)[number];

export const ACCOUNT_RESULTS = [
  'ok', 'exists', 'conflict', 'invalid_id', 'invalid_party', 'invalid_currency', 'invalid_kind', 'invalid_flags',
] as const;

export type AccountResult = (typeof ACCOUNT_RESULTS)[number];
