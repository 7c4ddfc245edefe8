// Tariffs and billing accounts for settlement: validated here, stored by the
// SettlementStore. A tariff is stored as canonical JSON, so re-registering
// the same document in another key order is `exists`, not a conflict.
import { canonicalJson } from '../ledger/canonical-json.js';
import { compileTariff } from '../tariff/compile.js';
import { invalidInput } from '../errors.js';
import { idFault } from '../ids.js';
import type { BillingAccount, SettlementStore } from '../store/settlement-store.js';
import { BILLING_ACCOUNT_ID_LENGTH_MAX, SETTLEMENT_PARTY_ID_LENGTH_MAX } from './settlement-limits.js';

/**
 * Validates `tariff` with the pricing code (SPEC §3 errors: invalid_input,
 * invalid_amount, limit_exceeded) and stores it under its `id`. Tariffs are
 * immutable: the same id with another body is `invalid_input`.
 */
export async function registerTariff(store: SettlementStore, tariff: unknown, nowMs: number): Promise<'created' | 'exists'> {
  compileTariff(tariff);
  const tariffId = (tariff as { id: string }).id;
  try {
    return await store.insertTariff(tariffId, canonicalJson(tariff), nowMs);
  } catch (error) {
    if (error instanceof RangeError) throw invalidInput(`${error.message}; tariffs are immutable, register a new id`);
    throw error;
  }
}

function checkId(value: unknown, field: string, lengthMax: number): void {
  if (idFault(value, lengthMax) !== null) {
    throw invalidInput(`${field} must be an id of 1 … ${lengthMax} printable characters without '#' (reserved in ledger ids)`);
  }
}

/** Validates and stores a billing account; its currency must be its tariff's. */
export async function registerBillingAccount(
  store: SettlementStore, account: BillingAccount, nowMs: number,
): Promise<'created' | 'exists'> {
  checkId(account.accountId, 'accountId', BILLING_ACCOUNT_ID_LENGTH_MAX);
  checkId(account.ownerPartyId, 'ownerPartyId', SETTLEMENT_PARTY_ID_LENGTH_MAX);
  checkId(account.supplierPartyId, 'supplierPartyId', SETTLEMENT_PARTY_ID_LENGTH_MAX);
  const tariffJson = await store.tariffJson(account.tariffId);
  if (tariffJson === null) throw invalidInput(`tariff ${JSON.stringify(account.tariffId)} is not registered`);
  const tariffCurrency = (JSON.parse(tariffJson) as { currency: string }).currency;
  if (account.currency !== tariffCurrency) {
    throw invalidInput(`account currency ${JSON.stringify(account.currency)} differs from its tariff's ${tariffCurrency}`);
  }
  try {
    return await store.insertBillingAccount(account, nowMs);
  } catch (error) {
    if (error instanceof RangeError) throw invalidInput(error.message);
    throw error;
  }
}
