// Steps the settling flows (S3, S4, S8) share: claim a client's request id
// as a flow object, change an object under its lock, open the wallets a step
// pays from or into, and amounts in a currency's minor unit (the record is
// appended once by flow-records.ts recordOnce). Ledger writes never run inside `transact` (on
// SQLite both share one connection queue), so a step is: claim or change
// the object, write the ledger with ids derived from it, change it again.
import type { ApiContext } from '../api/context.js';
import { idSchemaOf } from '../api/schemas.js';
import { currencyExponent, microPerMinorUnit } from '../currency.js';
import { parseMicro } from '../decimal.js';
import { GridsettleError } from '../errors.js';
import { canonicalJson } from '../ledger/canonical-json.js';
import { FLOW_SETTLED_ID_LENGTH_MAX, LEDGER_AMOUNT_MICRO_MAX } from '../limits.js';
import type { FlowBody, FlowObject, NewFlowObject } from '../store/flow-store.js';
import { ensureAccounts, walletAccount, walletAccountId } from './ledger-bridge.js';

/** Ids of objects that ledger transfer ids derive from (FLOW_SETTLED_ID_LENGTH_MAX). */
export const settledIdSchema = idSchemaOf(FLOW_SETTLED_ID_LENGTH_MAX, 'FLOW_SETTLED_ID_LENGTH_MAX');

function lockKeyOf(kind: string, id: string): string {
  return `${kind}:${id}`;
}

/** Same JSON up to key order: what "the same request body" means. */
export function sameJson(left: unknown, right: unknown): boolean {
  return canonicalJson(left) === canonicalJson(right);
}

/**
 * Inserts `object`, or returns the stored one when its id was claimed before
 * by the same request (`sameRequest`); another request under the id throws
 * `conflict()`.
 */
export async function claimFlowObject<T extends FlowBody>(
  context: ApiContext, object: NewFlowObject<T>, sameRequest: (stored: FlowObject<T>) => boolean, conflict: () => Error,
): Promise<FlowObject<T>> {
  return context.store.flows.transact(lockKeyOf(object.kind, object.id), async (transaction) => {
    const stored = await transaction.get<T>(object.kind, object.id);
    if (stored !== null) {
      if (!sameRequest(stored)) throw conflict();
      return stored;
    }
    await transaction.insert(object, context.nowMs());
    return (await transaction.get<T>(object.kind, object.id))!;
  });
}

/** Re-reads the object under its lock and stores `change(body)`; a null change leaves it as it is. */
export async function changeFlowObject<T extends FlowBody>(
  context: ApiContext, kind: string, id: string, change: (body: T) => T | null,
): Promise<FlowObject<T>> {
  return context.store.flows.transact(lockKeyOf(kind, id), async (transaction) => {
    const current = await transaction.get<T>(kind, id);
    if (current === null) throw new Error(`flow object ${kind}/${id} vanished`);
    const next = change(current.body);
    return next === null ? current : transaction.update(current, next, context.nowMs());
  });
}

export interface Recorded extends FlowBody {
  /** The leaf index of the object's ledger record, once appended. */
  recordIndex: number | null;
}

/**
 * Opens the wallets of `partyIds` in `currency` that do not exist yet, as
 * prepaid wallets (docs/flows.md "Wallets"); existing wallets are used as
 * their parties opened them.
 */
export async function openMissingWallets(context: ApiContext, partyIds: readonly string[], currency: string): Promise<void> {
  const parties = [...new Set(partyIds)];
  const ids = parties.map((party) => walletAccountId(party, currency));
  const existing = new Set((await context.store.ledger.ledgerRead((reader) => reader.readAccounts(ids))).map((account) => account.id));
  const missing = parties.filter((party) => !existing.has(walletAccountId(party, currency)));
  if (missing.length > 0) await ensureAccounts(context, missing.map((party) => walletAccount(party, currency, true)));
}

/**
 * A money decimal string that must be a whole number of the currency's minor
 * units, from one minor unit up: `invalid_amount` otherwise (SPEC §1: never
 * rounded).
 */
export function parseMinorAmount(value: unknown, field: string, currency: string): bigint {
  const unitMicro = microPerMinorUnit(currency);
  const micro = parseMicro(value, field, unitMicro, LEDGER_AMOUNT_MICRO_MAX);
  if (micro % unitMicro !== 0n) {
    throw new GridsettleError('invalid_amount', `${field} "${String(value)}" has more decimals than ${currency}'s ${currencyExponent(currency)}`);
  }
  return micro;
}
