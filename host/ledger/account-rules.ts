// Account validation (SPEC §5): ids and parties are bounded keys, currency
// an ISO 4217 code, flags a known bitset with at most one balance limit.
import { currencyExponent } from '../currency.js';
import type { AccountRow } from '../store/ledger-store.js';
import type { AccountResult } from './result-codes.js';
import { ACCOUNT_FLAGS_ALL, AccountFlags, type AccountInput } from './types.js';
import { isValidId, RESERVED_ID_CHAR } from './transfer-rules.js';

function isKnownCurrency(code: unknown): boolean {
  try {
    currencyExponent(code);
    return true;
  } catch {
    return false;
  }
}

const BOTH_LIMITS = AccountFlags.debitsMustNotExceedCredits | AccountFlags.creditsMustNotExceedDebits;

export function validateAccount(account: AccountInput): AccountResult | null {
  if (!isValidId(account.id) || account.id.includes(RESERVED_ID_CHAR)) return 'invalid_id';
  if (!isValidId(account.party)) return 'invalid_party';
  if (!isKnownCurrency(account.currency)) return 'invalid_currency';
  if (!isValidId(account.kind)) return 'invalid_kind';
  const flags = account.flags;
  // Both limits at once would freeze the account at zero: refused, as TigerBeetle does.
  if (!Number.isInteger(flags) || (flags & ~ACCOUNT_FLAGS_ALL) !== 0 || (flags & BOTH_LIMITS) === BOTH_LIMITS) return 'invalid_flags';
  return null;
}

export function sameAccount(account: AccountInput, row: AccountRow): boolean {
  return account.party === row.party && account.currency === row.currency && account.kind === row.kind && account.flags === row.flags;
}
